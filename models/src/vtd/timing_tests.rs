//! Unit tests of the timed model against the VT-d section of rtl/README.md ("Latencies at a
//! glance", the row table, the descriptor unit, reads). Edge numbers in comments are relative to
//! the handshake edge t (or w) of the step they describe; expected values come from the contract
//! text, not from the model.

use super::*;
use crate::pcie::RespCode;
use crate::vtd::desc::{InvWaitDsc, PageGrpRespDsc};
use crate::vtd::regs::*;

const BASE: u64 = 0x0000_1234_5000;
const RID: u16 = 0x0100;

/// Model plus the memory behaviour the latency table assumes (ready at once, ack one cycle
/// after the write) unless `stall_mem` is set.
struct Tb {
    m: VtdTiming,
    stall_mem: bool,
}

impl Tb {
    fn new() -> Self {
        Tb { m: VtdTiming::new(VtdParams::default()), stall_mem: false }
    }
    fn out(&self) -> VtdOutputs {
        *self.m.outputs()
    }
    fn base_inputs(&self) -> VtdInputs {
        VtdInputs { rsp_ready: true, mw_ready: !self.stall_mem, mwack_valid: !self.stall_mem, ..Default::default() }
    }
    fn edge(&mut self, f: impl FnOnce(&mut VtdInputs)) -> EdgeEvents {
        let mut i = self.base_inputs();
        f(&mut i);
        *self.m.step(&i)
    }
    fn idle(&mut self) -> EdgeEvents {
        self.edge(|_| {})
    }
    fn write(&mut self, addr: u32, data: u64) -> EdgeEvents {
        assert!(self.out().reg_ready);
        self.edge(|i| {
            i.reg_valid = true;
            i.reg_write = true;
            i.reg_addr = addr;
            i.reg_wdata = data;
        })
    }
    /// Read with no descriptor in flight: answered at the handshake edge.
    fn read(&mut self, addr: u32) -> u64 {
        self.edge(|i| {
            i.reg_valid = true;
            i.reg_addr = addr;
        });
        assert!(self.out().reg_rvalid, "read of {addr:#x} not answered at once");
        self.out().reg_rdata
    }
    fn msg(&mut self, m: PageRequest) -> EdgeEvents {
        assert!(self.out().pr_ready);
        self.edge(|i| {
            i.pr_valid = true;
            i.pr = m;
        })
    }
    fn dsc(&mut self, w: Words) -> EdgeEvents {
        assert!(self.out().iq_ready);
        self.edge(|i| {
            i.iq_valid = true;
            i.iq_qw = w;
        })
    }
    /// PQA with `pqs`, RID enabled in PRE[0], PE MSI at 0xFEE0_0000 data 0x41, PECTL.IM=`pe_im`.
    fn setup(&mut self, pqs: u64, pe_im: bool) {
        self.write(PQA, BASE | pqs);
        self.write(pre_offset(0), PRE_EN | u64::from(RID));
        self.write(PEADDR, 0xFEE0_0000);
        self.write(PEDATA, 0x41);
        self.write(PECTL, if pe_im { u64::from(ECTL_IM) } else { 0 });
        self.write(FEADDR, 0xFEE0_1000);
        self.write(FEDATA, 0x42);
        self.write(IEADDR, 0xFEE0_2000);
        self.write(IEDATA, 0x43);
    }
}

fn req(rid: u16, l: bool, prgi: u16) -> PageRequest {
    PageRequest { rid, pv: true, pasid: 0x1234, r: true, l, prgi, page: 0xA_BCDE, ..Default::default() }
}

fn stop_marker(rid: u16) -> PageRequest {
    PageRequest { rid, pv: true, pasid: 7, l: true, ..Default::default() }
}

fn wait_dsc(if_: bool, sw: bool, pd: bool) -> Words {
    InvWaitDsc { if_, sw, fn_: false, pd, status_data: 0xC0DE, status_addr: 0x8000_0040 }.encode()
}

#[test]
fn reset_values() {
    let mut tb = Tb::new();
    let o = tb.out();
    assert!(o.pr_ready && o.reg_ready && o.iq_ready);
    assert!(!o.rsp_valid && !o.mw_valid && !o.mwack_ready && !o.reg_rvalid);
    // OP-18: 0 except the IM bits; CAP.FRO = 0x20, NFR = NR-1.
    for a in [PECTL, FECTL, IECTL] {
        assert_eq!(tb.read(a), 0x8000_0000, "xECTL at {a:#x}");
    }
    assert_eq!(tb.read(CAP), (0x20 << 24) | (3 << 40));
    assert_eq!(tb.read(ECAP), (1 << 29) | (1 << 40) | (1 << 42) | (1 << 43));
    for a in [FSTS, PRS, PQH, PQT, PQA, ICS, 0x800, 0x200, 0x20C] {
        assert_eq!(tb.read(a), 0, "register {a:#x}");
    }
}

/// Latency table, row d: decided t+1, write t+2, ack t+3 (PQT, PPR, PE MSI pending), MSI at t+4,
/// its ack at t+6, next message decided at t+7.
#[test]
fn row_d_latencies_with_pe_msi() {
    let mut tb = Tb::new();
    tb.setup(0, false);
    let m = req(RID, true, 5);
    assert!(tb.msg(m).accepted.is_some()); // t
    assert!(!tb.out().mw_valid);
    tb.msg(req(RID, false, 6)); // t+1: second message accepted while the first is decided
    let ev = tb.m.events();
    assert_eq!(ev.decided, Some((Row::D_Write, m.masked())));
    assert!(ev.auto_pushed.is_none(), "row d never answers (VTD-PRQ-8)");
    let o = tb.out();
    assert!(o.mw_valid);
    assert_eq!((o.mw_kind, o.mw_addr), (0, BASE));
    assert_eq!(o.mw_data, crate::vtd::desc::PageReqDsc::encode_request(&m));
    assert_eq!(tb.idle().mem_write, Some(Job::Descriptor)); // t+2
    assert!(tb.out().mwack_ready && !tb.out().mw_valid);
    assert_eq!(tb.m.pqt(), 0, "PQT covers the entry only at the ack (VTD-PRQ-8)");
    let ev = tb.idle(); // t+3
    assert_eq!(ev.desc_ack, Some(DescAck { pqt: 0x20, pe_condition: true }));
    assert!(ev.unit(Unit::Pe).msi_triggered);
    assert_eq!((tb.m.pqt(), tb.m.prs()), (0x20, PRS_PPR));
    let ev = tb.idle(); // t+4
    assert_eq!(ev.job_started, Some(Job::Msi(Unit::Pe)));
    assert!(ev.decided.is_none(), "the MSI goes before the next decision");
    let o = tb.out();
    assert_eq!((o.mw_valid, o.mw_kind, o.mw_addr, o.mw_data), (true, 2, 0xFEE0_0000, [0x41, 0, 0, 0]));
    tb.idle(); // t+5: MSI write handshake
    assert!(tb.idle().decided.is_none()); // t+6: MSI ack
    let ev = tb.idle(); // t+7
    assert_eq!(ev.decided.map(|d| d.0), Some(Row::D_Write));
    assert_eq!(tb.out().mw_addr, BASE + 0x20);
}

/// Without an MSI (IM=1: IP set instead) the next message is decided at t+4.
#[test]
fn row_d_back_to_back_without_msi() {
    let mut tb = Tb::new();
    tb.setup(0, true);
    tb.msg(req(RID, false, 1)); // t
    tb.msg(req(RID, false, 2)); // t+1
    tb.idle(); // t+2
    let ev = tb.idle(); // t+3
    assert!(ev.unit(Unit::Pe).ip_set && !ev.unit(Unit::Pe).msi_triggered);
    assert_eq!(tb.m.ectl(Unit::Pe), ECTL_IM | ECTL_IP);
    let ev = tb.idle(); // t+4
    assert_eq!(ev.decided.map(|d| d.0), Some(Row::D_Write));
    // Second ack: PPR already 1, no new condition (VTD-PRQ-13).
    tb.idle();
    let ev = tb.idle();
    assert_eq!(ev.desc_ack.map(|a| a.pe_condition), Some(false));
    // VTD-PRQ-14: clearing IM while IP=1 sends the MSI.
    let ev = tb.write(PECTL, 0);
    assert!(ev.unit(Unit::Pe).msi_triggered && ev.unit(Unit::Pe).ip_cleared);
    assert_eq!(tb.idle().job_started, Some(Job::Msi(Unit::Pe)));
}

/// Row a: fault record visible after t+1 with the auto Invalid Request pushed at t+1 and
/// committed at t+2 (OP-13 record first); FE MSI with FECTL.IM=0.
#[test]
fn row_a_records_then_answers() {
    let mut tb = Tb::new();
    tb.setup(0, true);
    tb.write(FECTL, 0);
    let m = PageRequest { exe: true, ..req(0x0200, true, 9) };
    tb.msg(m); // t
    let ev = tb.idle(); // t+1
    assert_eq!(ev.decided.map(|d| d.0), Some(Row::A_NotEnabled));
    assert_eq!(ev.fault, Some(FaultOutcome::Recorded { index: 0 }));
    assert!(ev.auto_pushed.is_some() && !tb.out().rsp_valid);
    assert!(ev.unit(Unit::Fe).msi_triggered);
    let ev = tb.idle(); // t+2: committed; the FE MSI starts
    let o = tb.out();
    assert!(o.rsp_valid);
    assert_eq!((o.rsp_rid, o.rsp_prgi, o.rsp_code, o.rsp_pv, o.rsp_pasid), (0x0200, 9, 0x1, true, 0x1234));
    assert_eq!(ev.committed.map(|c| c.1), Some(RespSource::Auto(Row::A_NotEnabled)));
    assert_eq!(ev.job_started, Some(Job::Msi(Unit::Fe)));
    assert_eq!((o.mw_kind, o.mw_addr, o.mw_data[0]), (2, 0xFEE0_1000, 0x42));
    // FRCD[0]: F, FR=0x47, T2, PP, EXE, SID, FI (VTD-FLT-3); FSTS.PPF, FRI=0.
    let hi = tb.read(FRCD_BASE + 8);
    assert_eq!(hi >> 63, 1);
    assert_eq!((hi >> 32) & 0xFF, 0x47);
    assert_eq!(hi & 0xFFFF, 0x0200);
    assert_eq!((hi >> 28) & 0xF, 0b1101, "PP, EXE, PRIV=0, T2");
    assert_eq!((hi >> 40) & 0xF_FFFF, 0x1234);
    assert_eq!(tb.read(FRCD_BASE), 0xA_BCDE << 12);
    assert_eq!(tb.read(FSTS), u64::from(FSTS_PPF));
}

/// VTD-FLT-4: a full record slot sets PFO (no event); PFO=1 drops; FRCD F is W1C via +C.
#[test]
fn fault_overflow_and_clear() {
    let mut tb = Tb::new();
    tb.m = VtdTiming::new(VtdParams { nr: 1, ..Default::default() });
    tb.setup(0, true);
    tb.msg(stop_marker(0x0300)); // row a, Stop Marker: recorded, never answered
    let ev = tb.idle();
    assert_eq!(ev.fault, Some(FaultOutcome::Recorded { index: 0 }));
    assert!(ev.auto_pushed.is_none(), "DEC-6: Stop Markers are never answered");
    tb.msg(req(0x0300, false, 1));
    assert_eq!(tb.idle().fault, Some(FaultOutcome::Overflow));
    assert_eq!(tb.read(FSTS) & 0b11, 0b11);
    tb.msg(req(0x0300, false, 1));
    assert_eq!(tb.idle().fault, Some(FaultOutcome::DroppedPfo));
    tb.write(FRCD_BASE + 0xC, 1 << 31);
    tb.write(FSTS, u64::from(FSTS_PFO));
    assert_eq!(tb.read(FSTS), 0);
    tb.msg(req(0x0300, false, 1));
    assert_eq!(tb.idle().fault, Some(FaultOutcome::Recorded { index: 0 }));
}

/// Row c then row b: full queue sets PRO with a PE condition and answers Success; while PRO=1
/// every LPIG=1 request is answered Success and nothing else happens (VTD-PRQ-6, -7, DEC-7).
#[test]
fn row_c_then_row_b() {
    let mut tb = Tb::new();
    tb.setup(0, true); // IM=1: the PE condition sets IP, no MSI job delays the next decisions
    tb.write(PQH, 0x20); // PQT=0: (0 + 32) mod 4096 = PQH, full
    tb.msg(req(RID, true, 3));
    let ev = tb.idle();
    assert_eq!(ev.decided.map(|d| d.0), Some(Row::C_Full));
    assert_eq!(ev.auto_pushed.map(|a| a.1.code), Some(RespCode::Success));
    assert!(ev.unit(Unit::Pe).ip_set);
    assert_eq!(tb.m.prs(), PRS_PRO);
    assert!(!tb.out().mw_valid);
    tb.write(PQH, 0); // room again, but PRO is sticky (VTD-PRQ-9)
    tb.msg(req(RID, true, 4));
    let ev = tb.idle();
    assert_eq!(ev.decided.map(|d| d.0), Some(Row::B_Overflow));
    assert_eq!(ev.auto_pushed.map(|a| a.1.code), Some(RespCode::Success));
    assert!(!ev.unit(Unit::Pe).msi_triggered && !ev.unit(Unit::Pe).ip_set && tb.m.prs() == PRS_PRO);
    // OP-15: a PRS W1C at the decision edge is seen by the decision (row d).
    tb.msg(req(RID, true, 5));
    let ev = tb.write(PRS, u64::from(PRS_PRO));
    assert_eq!(ev.decided.map(|d| d.0), Some(Row::D_Write));
}

/// `page_grp_resp_dsc` taken at w is committed at w+1; automatic responses go first (OP-16).
#[test]
fn software_response_and_priority() {
    let mut tb = Tb::new();
    tb.setup(0, true);
    let d = PageGrpRespDsc { pp: true, rc: 0xF, rid: 0x0777, pasid: 0x55, lpig: false, prgi: 0x1AB };
    let ev = tb.dsc(d.encode()); // w
    assert!(matches!(ev.iq_taken, Some(IqTake::Response(_))));
    assert!(!tb.out().rsp_valid);
    let ev = tb.idle(); // w+1
    assert_eq!(ev.committed.map(|c| c.1), Some(RespSource::Software));
    let o = tb.out();
    assert_eq!((o.rsp_rid, o.rsp_pv, o.rsp_pasid, o.rsp_prgi, o.rsp_code), (0x0777, true, 0x55, 0x1AB, 0xF));
    // An automatic response and a software response wait together: automatic first.
    tb.msg(req(0x0200, true, 2)); // row a at the next edge
    let ev = tb.edge(|i| {
        i.rsp_ready = false;
        i.iq_valid = true;
        i.iq_qw = d.encode();
    });
    assert!(ev.auto_pushed.is_some() && ev.iq_taken.is_some());
    let ev = tb.idle(); // egress was valid and sent (rsp_ready in base inputs): load auto
    assert_eq!(ev.committed.map(|c| c.1), Some(RespSource::Auto(Row::A_NotEnabled)));
    assert_eq!(tb.idle().committed.map(|c| c.1), Some(RespSource::Software));
}

/// `inv_wait_dsc` with nothing in flight: taken at w, completes at w+1, status write at w+2;
/// IF=1 sets IWC with the IE condition (VTD-IQ-8).
#[test]
fn wait_completes_then_status_write() {
    let mut tb = Tb::new();
    tb.setup(0, true);
    tb.write(IECTL, 0);
    let ev = tb.dsc(wait_dsc(true, true, false)); // w
    assert!(matches!(ev.iq_taken, Some(IqTake::Wait { drain: 0, .. })));
    assert!(!tb.out().iq_ready, "a wait holds later descriptors (VTD-IQ-9)");
    let ev = tb.idle(); // w+1
    assert!(ev.wait_completed.is_some_and(|c| c.iwc_set));
    assert!(ev.unit(Unit::Ie).msi_triggered);
    assert!(!tb.out().iq_ready, "status write still pending");
    let ev = tb.idle(); // w+2
    assert_eq!(ev.job_started, Some(Job::Status));
    let o = tb.out();
    assert_eq!((o.mw_kind, o.mw_addr, o.mw_data), (1, 0x8000_0040, [0xC0DE, 0, 0, 0]));
    assert!(tb.out().iq_ready);
    tb.idle(); // w+3: handshake
    tb.idle(); // w+4: ack
    assert_eq!(tb.idle().job_started, Some(Job::Msi(Unit::Ie))); // w+5
    assert_eq!(tb.read(ICS), 1);
}

/// PD=1 (DEC-10, VTD-IQ-10): the wait waits for the messages in the ingress FIFO after w, their
/// descriptors acknowledged and their automatic responses committed.
#[test]
fn wait_with_drain() {
    let mut tb = Tb::new();
    tb.setup(0, true);
    tb.stall_mem = true;
    tb.msg(req(RID, false, 1)); // decided at the next edge (row d), write stalls
    let ev = tb.edge(|i| {
        i.pr_valid = true;
        i.pr = req(0x0200, true, 2); // row a, accepted at w
        i.iq_valid = true;
        i.iq_qw = wait_dsc(false, false, true);
    });
    assert_eq!(ev.decided.map(|d| d.0), Some(Row::D_Write));
    assert!(matches!(ev.iq_taken, Some(IqTake::Wait { drain: 1, .. })));
    for _ in 0..5 {
        assert!(tb.idle().wait_completed.is_none());
    }
    tb.stall_mem = false;
    tb.idle(); // write handshake
    assert!(tb.idle().desc_ack.is_some()); // ack
    let ev = tb.idle(); // row a decided, auto response pushed
    assert!(ev.auto_pushed.is_some() && ev.wait_completed.is_none());
    assert!(tb.idle().committed.is_some()); // committed
    assert!(tb.idle().wait_completed.is_some());
}

/// VTD-PRQ-16: a read handshaken while a descriptor is held is answered after the ack, with
/// the PQT that covers it; reg_ready is 0 meanwhile.
#[test]
fn read_waits_for_descriptor() {
    let mut tb = Tb::new();
    tb.setup(0, true);
    tb.stall_mem = true;
    tb.msg(req(RID, false, 1));
    tb.idle(); // decided: engine in WRITE
    let ev = tb.edge(|i| {
        i.reg_valid = true;
        i.reg_addr = PQT;
    });
    assert_eq!(ev.reg, Some(RegAccess::Read { addr: PQT }));
    assert_eq!(ev.read_held, Some((PQT, ReadHold::Descriptor)));
    assert!(!tb.out().reg_rvalid && !tb.out().reg_ready);
    tb.stall_mem = false;
    tb.idle(); // write handshake
    assert!(tb.idle().desc_ack.is_some()); // ack at a: engine idle after a
    assert!(!tb.out().reg_rvalid);
    let ev = tb.idle(); // answered at a+1 with the advanced PQT
    assert_eq!(ev.read_answered, Some((PQT, 0x20)));
    assert!(tb.out().reg_rvalid && tb.out().reg_ready);
}

/// Read handshake of `addr` in a cycle where the memory withholds acks.
fn read_no_ack(tb: &mut Tb, addr: u32) -> EdgeEvents {
    tb.edge(|i| {
        i.reg_valid = true;
        i.reg_addr = addr;
        i.mwack_valid = false;
    })
}

/// One descriptor written with PECTL.IM=0; its PE MSI issued at the returned edge's `mw`
/// handshake and its ack withheld: the engine is in WAIT_ACK with the PE MSI.
fn pe_msi_in_flight() -> Tb {
    let mut tb = Tb::new();
    tb.setup(0, false);
    tb.msg(req(RID, false, 1)); // t
    tb.idle(); // t+1 decided
    tb.idle(); // t+2 write
    assert!(tb.idle().unit(Unit::Pe).msi_triggered); // t+3 ack: PPR, MSI pending
    assert_eq!(tb.idle().job_started, Some(Job::Msi(Unit::Pe))); // t+4
    let ev = tb.edge(|i| i.mwack_valid = false); // t+5: issued
    assert_eq!(ev.mem_write, Some(Job::Msi(Unit::Pe)));
    assert!(tb.out().mwack_ready);
    tb
}

/// An invalid descriptor with FECTL.IM=0: IQE set, the FE MSI issued and its ack withheld.
fn fe_msi_in_flight() -> Tb {
    let mut tb = Tb::new();
    tb.setup(0, true);
    tb.write(FECTL, 0);
    assert!(tb.dsc([0x0A, 0, 0, 0]).unit(Unit::Fe).msi_triggered); // IQE: FE condition
    assert_eq!(tb.idle().job_started, Some(Job::Msi(Unit::Fe)));
    assert_eq!(tb.edge(|i| i.mwack_valid = false).mem_write, Some(Job::Msi(Unit::Fe)));
    tb
}

/// As `pe_msi_in_flight`, then FECTL.IM=0 and an invalid descriptor: the FE MSI is pending
/// behind the issued PE MSI.
fn pe_and_pending_fe_msi() -> Tb {
    let mut tb = pe_msi_in_flight();
    tb.stall_mem = true;
    tb.write(FECTL, 0);
    tb.dsc([0x0A, 0, 0, 0]);
    tb.stall_mem = false;
    assert!(tb.m.msi_pending(Unit::Fe) && tb.out().mwack_ready);
    tb
}

/// A held read: answered at a+1, a = the edge of the withheld ack, with the value before a+1.
fn held_until_ack(tb: &mut Tb, addr: u32, why: ReadHold) -> u64 {
    let ev = read_no_ack(tb, addr);
    assert_eq!(ev.read_held, Some((addr, why)), "read of {addr:#x}");
    assert!(ev.read_answered.is_none());
    assert!(!tb.out().reg_rvalid && !tb.out().reg_ready, "reg_ready is 0 while the read waits");
    assert_eq!(tb.m.read_hold(), Some(why));
    let ev = tb.edge(|i| i.mwack_valid = false); // still no ack
    assert_eq!(ev.read_held, Some((addr, why)));
    assert!(!tb.out().reg_rvalid && !tb.out().reg_ready);
    let ev = tb.idle(); // a: the ack; the engine was in WAIT_ACK before a, so still held
    assert_eq!(ev.read_held, Some((addr, why)));
    assert!(ev.read_answered.is_none() && !tb.out().reg_rvalid);
    let ev = tb.idle(); // a+1
    assert!(ev.read_held.is_none());
    assert_eq!(ev.read_answered.map(|r| r.0), Some(addr));
    assert!(tb.out().reg_rvalid && tb.out().reg_ready);
    assert!(tb.idle().read_answered.is_none() && !tb.out().reg_rvalid, "reg_rvalid for one cycle");
    tb.out().reg_rdata
}

/// VTD-PRQ-20: reads of PRS, PQT and PECTL wait for the ack of a PE MSI issued before them.
#[test]
fn pe_reads_push_issued_pe_msi() {
    for (addr, want) in [(PRS, u64::from(PRS_PPR)), (PQT, 0x20), (PECTL, 0)] {
        let mut tb = pe_msi_in_flight();
        assert_eq!(held_until_ack(&mut tb, addr, ReadHold::Msi(Unit::Pe)), want, "read of {addr:#x}");
    }
}

/// VTD-FLT-8: reads of FSTS and FECTL wait for the ack of an FE MSI issued before them.
#[test]
fn fe_reads_push_issued_fe_msi() {
    for (addr, want) in [(FSTS, u64::from(FSTS_IQE)), (FECTL, 0)] {
        let mut tb = fe_msi_in_flight();
        assert_eq!(held_until_ack(&mut tb, addr, ReadHold::Msi(Unit::Fe)), want, "read of {addr:#x}");
    }
}

/// Only the pushing registers of the MSI's own unit wait: every other read is answered at once
/// while a PE or FE MSI awaits its ack.
#[test]
fn other_reads_do_not_wait_for_msis() {
    for addr in [FSTS, FECTL, PQH, PQA, PEDATA, PEADDR, ICS, IECTL, CAP, FRCD_BASE + 8] {
        let mut tb = pe_msi_in_flight();
        let ev = read_no_ack(&mut tb, addr);
        assert!(ev.read_held.is_none() && ev.read_answered.is_some(), "read of {addr:#x} during a PE MSI");
    }
    for addr in [PRS, PQT, PECTL, FEDATA, FEADDR, FEUADDR, FRCD_BASE] {
        let mut tb = fe_msi_in_flight();
        let ev = read_no_ack(&mut tb, addr);
        assert!(ev.read_held.is_none() && ev.read_answered.is_some(), "read of {addr:#x} during an FE MSI");
    }
    // The IE MSI holds no read.
    let mut tb = Tb::new();
    tb.setup(0, true);
    tb.write(IECTL, 0);
    tb.dsc(wait_dsc(true, false, false));
    tb.idle(); // completes: IWC, IE MSI pending
    assert_eq!(tb.idle().job_started, Some(Job::Msi(Unit::Ie)));
    tb.edge(|i| i.mwack_valid = false);
    assert!(tb.out().mwack_ready);
    for addr in [ICS, IECTL, PRS, FSTS] {
        let ev = read_no_ack(&mut tb, addr);
        assert!(ev.read_answered.is_some(), "read of {addr:#x} during an IE MSI");
    }
}

/// An MSI not yet issued is not pushed: pending behind another job, or started but its `mw`
/// handshake not done before the read's edge (also when it happens at that same edge).
#[test]
fn reads_do_not_push_msis_not_yet_issued() {
    // The PE MSI in WRITE, memory not ready: PRS answered at once.
    let mut tb = Tb::new();
    tb.setup(0, false);
    tb.msg(req(RID, false, 1));
    tb.idle();
    tb.idle();
    tb.idle(); // ack: MSI pending
    assert_eq!(tb.idle().job_started, Some(Job::Msi(Unit::Pe)));
    let ev = tb.edge(|i| {
        i.reg_valid = true;
        i.reg_addr = PRS;
        i.mw_ready = false;
    });
    assert!(ev.read_answered.is_some() && ev.mem_write.is_none(), "MSI in WRITE: not pushed");
    // A read handshaken at the MSI's own mw handshake edge: answered at that edge.
    let ev = read_no_ack(&mut tb, PECTL);
    assert_eq!(ev.mem_write, Some(Job::Msi(Unit::Pe)));
    assert_eq!(ev.read_answered.map(|r| r.0), Some(PECTL));
    // Now issued: the next PRS read waits.
    assert_eq!(read_no_ack(&mut tb, PRS).read_held, Some((PRS, ReadHold::Msi(Unit::Pe))));

    // FE MSI pending behind an issued PE MSI: FSTS answered at once, PRS held.
    let mut tb = pe_and_pending_fe_msi();
    let ev = read_no_ack(&mut tb, FSTS);
    assert_eq!(ev.read_answered, Some((FSTS, u64::from(FSTS_IQE))), "a pending FE MSI is not pushed");
    assert_eq!(held_until_ack(&mut tb, PRS, ReadHold::Msi(Unit::Pe)), u64::from(PRS_PPR));
}

/// A read held by a PE MSI is answered at the first edge the engine is idle before, even when
/// the FE MSI starts at that edge (one job only).
#[test]
fn held_read_waits_for_one_job_only() {
    let mut tb = pe_and_pending_fe_msi();
    assert_eq!(read_no_ack(&mut tb, PQT).read_held, Some((PQT, ReadHold::Msi(Unit::Pe))));
    tb.idle(); // a: PE MSI acked
    let ev = tb.idle(); // a+1: the FE MSI starts, the PQT read is answered
    assert_eq!(ev.job_started, Some(Job::Msi(Unit::Fe)));
    assert_eq!(ev.read_answered, Some((PQT, 0x20)));
}

/// VTD-IQ-2: an invalid descriptor sets IQE (FE condition) and blocks the port until software
/// clears IQE; OP-10 types are taken with no effect.
#[test]
fn invalid_descriptor_blocks_until_iqe_cleared() {
    let mut tb = Tb::new();
    tb.setup(0, true);
    assert!(matches!(tb.dsc([0x02, 0, 0, 0]).iq_taken, Some(IqTake::NoEffect(2))));
    let mut bad = wait_dsc(false, false, false);
    bad[2] = 1;
    let ev = tb.dsc(bad);
    assert!(matches!(ev.iq_taken, Some(IqTake::Invalid(_))));
    assert!(ev.unit(Unit::Fe).ip_set);
    assert!(!tb.out().iq_ready);
    assert_eq!(tb.read(FSTS), u64::from(FSTS_IQE));
    let ev = tb.write(FSTS, u64::from(FSTS_IQE));
    assert!(ev.unit(Unit::Fe).ip_cleared);
    assert!(tb.out().iq_ready);
    assert!(matches!(tb.dsc([0x7F, 0, 0, 0]).iq_taken, Some(IqTake::Invalid(_))));
}

/// The ingress FIFO back-pressures at ING_DEPTH while the engine is stalled.
#[test]
fn ingress_full() {
    let mut tb = Tb::new();
    tb.setup(0, true);
    tb.stall_mem = true;
    for k in 0..5 {
        tb.msg(req(RID, false, k)); // the first is decided and held by the engine
    }
    assert!(!tb.out().pr_ready);
    assert_eq!(tb.m.ingress_len(), 4);
}
