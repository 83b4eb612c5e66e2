//! Scenario tests for the timing-free VT-d checkers: for each checked rule a correct stream (no
//! violation) and a stream with one specific bug, asserting the exact rule reported.

#[path = "common/evaluations.rs"]
mod evaluations;

use evaluations::{counts, evaluations_of};
use models::pcie::{PageRequest, PrgResponse, RespCode};
use models::vtd::desc::{InvWaitDsc, PageGrpRespDsc, PageReqDsc};
use models::vtd::regs;
use tb::checkers::{Checker, Evaluations, Violation};
use tb::txn::{Stamped, Txn};
use tb::vtd::checkers::{
    checkers as vtd_checkers, FaultReadChecker, PeMsiChecker, PqtReadChecker, PrqAdmissionChecker, PrqEntryChecker, PrqSlotChecker,
    ReadPushChecker, VtdResponseChecker, WaitChecker,
};

/// PRE table entries of the default `vtd_prq` build (OP-20).
const PRE_ENTRIES: u32 = 8;

const BASE: u64 = 0x1234_5000;
const RID: u16 = 0x0100;
/// A RID with no PRE entry (DEC-5: disabled).
const OFF: u16 = 0x0200;
const PE_ADDR: u32 = 0xFEE0_0000;
const PE_DATA: u32 = 0x41;
const FE_ADDR: u32 = 0xFEE0_1000;
const FE_DATA: u32 = 0x42;

fn req(rid: u16, prgi: u16) -> PageRequest {
    PageRequest { rid, prgi, r: true, page: 0x1000 + u64::from(prgi), ..Default::default() }
}
fn last(mut m: PageRequest) -> PageRequest {
    m.l = true;
    m
}
fn pasid(mut m: PageRequest, p: u32) -> PageRequest {
    m.pv = true;
    m.pasid = p;
    m
}
fn stop_marker(rid: u16, p: u32) -> PageRequest {
    PageRequest { rid, pv: true, pasid: p, l: true, ..Default::default() }
}
fn auto(m: &PageRequest, code: RespCode) -> PrgResponse {
    PrgResponse { rid: m.rid, pv: m.pv, pasid: m.pasid, prgi: m.prgi, code }
}
fn pgr(rid: u16, prgi: u16, rc: u8) -> [u64; 4] {
    PageGrpRespDsc { rid, prgi, rc, ..Default::default() }.encode()
}
fn wait(sw: bool, pd: bool, data: u32) -> InvWaitDsc {
    InvWaitDsc { sw, pd, fn_: true, status_data: data, status_addr: 0x8000_0040, ..Default::default() }
}

/// A transaction stream; every call advances time by one cycle.
struct S {
    t: Vec<Stamped>,
    cycle: u64,
    /// Next PRQ entry index.
    slot: u64,
}

impl S {
    /// PQA = BASE with PQS 0 (128 entries), PRE[0] enables RID, PE MSI programmed.
    fn new() -> S {
        let mut s = S { t: Vec::new(), cycle: 1, slot: 0 };
        s.reg(regs::PQA, BASE).reg(regs::pre_offset(0), regs::PRE_EN | u64::from(RID));
        s.reg(regs::PEADDR, u64::from(PE_ADDR)).reg(regs::PEDATA, u64::from(PE_DATA));
        s
    }
    fn push(&mut self, txn: Txn) -> &mut Self {
        self.t.push(Stamped { cycle: self.cycle, txn });
        self.cycle += 1;
        self
    }
    fn reg(&mut self, addr: u32, data: u64) -> &mut Self {
        self.push(Txn::RegWrite { addr, data })
    }
    fn read(&mut self, addr: u32, data: u64) -> &mut Self {
        self.push(Txn::RegRead { addr, data })
    }
    fn msg(&mut self, m: PageRequest) -> &mut Self {
        self.push(Txn::PageRequest { msg: m })
    }
    fn raw_write(&mut self, addr: u64, data: [u64; 4]) -> &mut Self {
        self.slot += 1;
        self.push(Txn::MemWrite { addr, bytes: 32, data })
    }
    /// The correct descriptor of `m` in the next entry, not yet acknowledged.
    fn write(&mut self, m: &PageRequest) -> &mut Self {
        let addr = BASE + 32 * self.slot;
        self.raw_write(addr, PageReqDsc::encode_request(m))
    }
    fn ack(&mut self) -> &mut Self {
        self.push(Txn::MemAck { err: false })
    }
    /// Accept, write and acknowledge `m`.
    fn queue(&mut self, m: PageRequest) -> &mut Self {
        self.msg(m).write(&m).ack()
    }
    fn pe_msi(&mut self) -> &mut Self {
        self.push(Txn::Msi { addr: u64::from(PE_ADDR), data: PE_DATA })
    }
    /// Program the fault event unit's MSI (FEADDR, FEDATA).
    fn fe(&mut self) -> &mut Self {
        self.reg(regs::FEADDR, u64::from(FE_ADDR)).reg(regs::FEDATA, u64::from(FE_DATA))
    }
    fn fe_msi(&mut self) -> &mut Self {
        self.push(Txn::Msi { addr: u64::from(FE_ADDR), data: FE_DATA })
    }
    /// A transaction in the cycle of the previous one.
    fn same_cycle(&mut self, txn: Txn) -> &mut Self {
        self.t.push(Stamped { cycle: self.cycle - 1, txn });
        self
    }
    fn cmd(&mut self, words: [u64; 4]) -> &mut Self {
        self.push(Txn::Command { words, n: 4 })
    }
    fn rsp(&mut self, rsp: PrgResponse) -> &mut Self {
        self.push(Txn::Response { rsp })
    }
    fn status(&mut self, w: &InvWaitDsc) -> &mut Self {
        self.push(Txn::StatusWrite { addr: w.status_addr, data: w.status_data })
    }
    fn run(&self, mut cs: Vec<Box<dyn Checker>>) -> Vec<Violation> {
        let mut out = Vec::new();
        for t in &self.t {
            for c in cs.iter_mut() {
                c.observe(t, &mut out);
            }
        }
        for c in cs.iter_mut() {
            c.finish(self.cycle, &mut out);
        }
        out
    }
    fn check(&self, c: impl Checker + 'static) -> Vec<Violation> {
        self.run(vec![Box::new(c)])
    }
}

/// Exactly one violation, of `rule`.
#[track_caller]
fn only(v: Vec<Violation>, rule: &str) {
    assert_eq!(v.len(), 1, "expected one {rule}: {v:#?}");
    assert_eq!(v[0].rule.0, rule, "{v:#?}");
}

#[track_caller]
fn clean(v: Vec<Violation>) {
    assert!(v.is_empty(), "{v:#?}");
}

fn responses() -> VtdResponseChecker {
    VtdResponseChecker::new(PRE_ENTRIES)
}

// ---- the whole set on a correct stream -------------------------------------------------------------

/// A correct stream: queued requests and a Stop Marker, a page request MSI, two PQT reads, one
/// dropped request of a disabled RID answered automatically, one group answered by a descriptor,
/// and a PD=1 wait.
fn correct_stream() -> S {
    let mut s = S::new();
    let a = pasid(req(RID, 1), 7);
    let sm = stop_marker(RID, 7);
    let dropped = last(req(OFF, 3));
    let w = wait(true, true, 0xD0E);
    s.queue(a).pe_msi().ack();
    s.read(regs::PQT, 32);
    s.msg(dropped).msg(sm).write(&sm).ack();
    s.rsp(auto(&dropped, RespCode::InvalidRequest));
    s.cmd(PageGrpRespDsc { rid: RID, prgi: 1, rc: 0x5, pp: true, pasid: 7, lpig: true }.encode())
        .rsp(PrgResponse { code: RespCode::from_bits(5), ..auto(&a, RespCode::Success) }.at_interface());
    let b = last(req(RID, 4));
    s.msg(b).cmd(w.encode()).write(&b).ack().status(&w).ack();
    s.read(regs::PQT, 96);
    s
}

#[test]
fn vtd_checkers_accept_a_correct_stream() {
    clean(correct_stream().run(vtd_checkers(&Default::default())));
}

// ---- PrqEntryChecker --------------------------------------------------------------------------------

#[test]
fn entry_skips_and_stop_markers_are_fine() {
    let mut s = S::new();
    s.msg(last(req(OFF, 1))).queue(stop_marker(RID, 3)).queue(pasid(last(req(RID, 2)), 9));
    clean(s.check(PrqEntryChecker::new()));
}

#[test]
fn entry_reserved_bit_is_prq4() {
    let mut s = S::new();
    let m = req(RID, 1);
    let mut d = PageReqDsc::encode_request(&m);
    d[0] |= 1 << 9; // PDP (DEC-9)
    s.msg(m).raw_write(BASE, d);
    only(s.check(PrqEntryChecker::new()), "VTD-PRQ-4");
}

#[test]
fn entry_wrong_field_is_prq4_and_altered_stop_marker_is_prq10() {
    let mut s = S::new();
    let m = req(RID, 1);
    s.msg(m).raw_write(BASE, PageReqDsc::encode_request(&PageRequest { w: true, ..m }));
    only(s.check(PrqEntryChecker::new()), "VTD-PRQ-4");
    let mut s = S::new();
    let sm = stop_marker(RID, 3);
    s.msg(sm).raw_write(BASE, PageReqDsc::encode_request(&PageRequest { l: false, ..sm }));
    only(s.check(PrqEntryChecker::new()), "VTD-PRQ-10");
}

#[test]
fn entry_out_of_order_is_pri31() {
    let mut s = S::new();
    let (a, b) = (req(RID, 1), req(RID, 2));
    s.msg(a).msg(b).write(&b).ack().write(&a).ack();
    only(s.check(PrqEntryChecker::new()), "PRI-31");
}

// ---- PrqSlotChecker ---------------------------------------------------------------------------------

#[test]
fn slot_follows_pqt_and_wraps() {
    let mut s = S::new();
    s.reg(regs::PQT, 127 * 32);
    s.slot = 127;
    s.queue(req(RID, 1));
    s.slot = 0;
    s.queue(req(RID, 2));
    clean(s.check(PrqSlotChecker::new()));
}

#[test]
fn slot_wrong_entry_is_prq8_and_outside_is_prq1() {
    let mut s = S::new();
    s.queue(req(RID, 1));
    s.slot = 2; // skips entry 1
    s.queue(req(RID, 2));
    only(s.check(PrqSlotChecker::new()), "VTD-PRQ-8");
    let mut s = S::new();
    s.slot = 128; // one past the 128-entry queue
    s.queue(req(RID, 1));
    only(s.check(PrqSlotChecker::new()), "VTD-PRQ-1");
}

// ---- PrqAdmissionChecker -----------------------------------------------------------------------------

#[test]
fn admission_entry_before_pqh_is_prq3_unless_pqh_moved() {
    // PQH = entry 1 and PQT = entry 0: the queue holds N-1 entries, entry 0 is the last free one.
    let mut s = S::new();
    s.reg(regs::PQH, 32);
    s.queue(req(RID, 1));
    only(s.check(PrqAdmissionChecker::new()), "VTD-PRQ-3");
    let mut s = S::new();
    s.reg(regs::PQH, 32);
    let m = req(RID, 1);
    s.msg(m).reg(regs::PQH, 64).write(&m).ack(); // software freed an entry after the acceptance
    clean(s.check(PrqAdmissionChecker::new()));
}

#[test]
fn admission_write_while_pro_known_set_is_prq9() {
    let mut s = S::new();
    s.read(regs::PRS, u64::from(regs::PRS_PRO)).queue(req(RID, 1));
    only(s.check(PrqAdmissionChecker::new()), "VTD-PRQ-9");
    let mut s = S::new();
    let m = req(RID, 1);
    // Accepted before the read: it may have been decided before PRO was set.
    s.msg(m).read(regs::PRS, u64::from(regs::PRS_PRO)).write(&m).ack();
    // Accepted after software cleared PRO.
    s.reg(regs::PRS, u64::from(regs::PRS_PRO)).queue(req(RID, 2));
    clean(s.check(PrqAdmissionChecker::new()));
}

// ---- PqtReadChecker ----------------------------------------------------------------------------------

#[test]
fn pqt_read_may_lag_a_write_issued_after_the_previous_access() {
    let mut s = S::new();
    let m = req(RID, 1);
    s.msg(m).write(&m).read(regs::PQT, 0).ack().read(regs::PQT, 32);
    clean(s.check(PqtReadChecker::new()));
}

#[test]
fn pqt_read_need_not_cover_what_an_access_of_its_own_cycle_followed() {
    // The write to PEDATA shares the read's completion cycle: it may have been handshaken after
    // the read, so the descriptor issued just before it need not be covered.
    let mut s = S::new();
    let m = req(RID, 1);
    s.msg(m).write(&m).ack();
    s.t.push(Stamped { cycle: s.cycle, txn: Txn::RegWrite { addr: regs::PEDATA, data: 0 } });
    s.read(regs::PQT, 0);
    clean(s.check(PqtReadChecker::new()));
}

#[test]
fn pqt_read_of_an_unacknowledged_entry_is_prq8() {
    let mut s = S::new();
    let m = req(RID, 1);
    s.msg(m).write(&m).read(regs::PQT, 32).ack();
    only(s.check(PqtReadChecker::new()), "VTD-PRQ-8");
}

#[test]
fn pqt_read_missing_an_earlier_entry_is_prq16() {
    let mut s = S::new();
    s.queue(req(RID, 1)).reg(regs::PEDATA, 0).read(regs::PQT, 0);
    only(s.check(PqtReadChecker::new()), "VTD-PRQ-16");
}

// ---- PeMsiChecker -----------------------------------------------------------------------------------

#[test]
fn pe_msi_before_the_descriptor_ack_is_prq16() {
    let mut s = S::new();
    let m = req(RID, 1);
    s.msg(m).write(&m).pe_msi().ack().ack();
    only(s.check(PeMsiChecker::new()), "VTD-PRQ-16");
    let mut s = S::new();
    s.queue(m).pe_msi().ack();
    // An MSI the fault unit could have sent too is not judged.
    s.reg(regs::FEADDR, u64::from(PE_ADDR)).reg(regs::FEDATA, u64::from(PE_DATA));
    s.msg(m).write(&m).pe_msi().ack().ack();
    clean(s.check(PeMsiChecker::new()));
}

// ---- ReadPushChecker ---------------------------------------------------------------------------------

#[test]
fn read_push_pe_reads_wait_for_an_issued_pe_msi() {
    for addr in [regs::PRS, regs::PQT, regs::PECTL] {
        // A read of PQH (which pushes nothing) shows the MSI was issued before the next read.
        let mut s = S::new();
        s.pe_msi().read(regs::PQH, 0).ack().read(addr, 1);
        clean(s.check(ReadPushChecker::new()));
        let mut s = S::new();
        s.pe_msi().read(regs::PQH, 0).read(addr, 1).ack();
        only(s.check(ReadPushChecker::new()), "VTD-PRQ-20");
    }
}

#[test]
fn read_push_fe_reads_wait_for_an_issued_fe_msi() {
    for addr in [regs::FSTS, regs::FECTL] {
        let mut s = S::new();
        s.fe().fe_msi().read(regs::ICS, 0).ack().read(addr, 0x10);
        clean(s.check(ReadPushChecker::new()));
        let mut s = S::new();
        s.fe().fe_msi().read(regs::ICS, 0).read(addr, 0x10).ack();
        only(s.check(ReadPushChecker::new()), "VTD-FLT-8");
    }
}

#[test]
fn read_push_acks_pair_in_write_order() {
    // The ack after the MSI belongs to the descriptor written before it: the MSI is still in
    // flight when PRS is read.
    let mut s = S::new();
    let m = req(RID, 1);
    s.msg(m).write(&m).pe_msi().reg(regs::PQH, 0).ack().read(regs::PRS, 1).ack();
    only(s.check(ReadPushChecker::new()), "VTD-PRQ-20");
    let mut s = S::new();
    s.msg(m).write(&m).pe_msi().reg(regs::PQH, 0).ack().ack().read(regs::PRS, 1);
    clean(s.check(ReadPushChecker::new()));
}

#[test]
fn read_push_judges_only_what_the_stream_shows() {
    // Issued after the previous register access: maybe after the read was received.
    let mut s = S::new();
    s.pe_msi().read(regs::PRS, 1).ack();
    clean(s.check(ReadPushChecker::new()));
    // An access in the read's own cycle may have followed it: the bound is the access before.
    let mut s = S::new();
    s.pe_msi().reg(regs::PQH, 0).same_cycle(Txn::RegRead { addr: regs::PRS, data: 1 }).ack();
    clean(s.check(ReadPushChecker::new()));
    // An MSI issued in the cycle of the previous access was issued before the read.
    let mut s = S::new();
    s.pe_msi().same_cycle(Txn::RegRead { addr: regs::PQH, data: 0 }).read(regs::PRS, 1).ack();
    only(s.check(ReadPushChecker::new()), "VTD-PRQ-20");
    // The ack in the read's own cycle, reported after it, counts as before the answer.
    let mut s = S::new();
    s.pe_msi().read(regs::PQH, 0).read(regs::PRS, 1).same_cycle(Txn::MemAck { err: false });
    clean(s.check(ReadPushChecker::new()));
    // Other registers, and the other unit's registers, push nothing.
    let mut s = S::new();
    s.fe().pe_msi().read(regs::PQH, 0).read(regs::FSTS, 0).read(regs::PEDATA, 0).fe_msi().read(regs::PQA, 0).read(regs::PRS, 1);
    let v = s.check(ReadPushChecker::new());
    assert!(v.len() == 1 && v[0].rule.0 == "VTD-PRQ-20" && v[0].message.contains("PRS_REG"), "{v:#?}");
    s.ack().ack();
    // An MSI the two units could both have sent is not judged.
    let mut s = S::new();
    s.reg(regs::FEADDR, u64::from(PE_ADDR)).reg(regs::FEDATA, u64::from(PE_DATA));
    s.pe_msi().read(regs::PQH, 0).read(regs::PRS, 1).read(regs::FSTS, 0).ack();
    clean(s.check(ReadPushChecker::new()));
}

// ---- VtdResponseChecker ------------------------------------------------------------------------------

#[test]
fn responses_auto_codes_follow_the_pre_table() {
    let mut s = S::new();
    let off = last(req(OFF, 1));
    let full = pasid(last(req(RID, 2)), 5);
    s.msg(off).rsp(auto(&off, RespCode::InvalidRequest));
    s.msg(full).queue(req(RID, 3)).rsp(auto(&full, RespCode::Success));
    // A PRE write between acceptance and response: either code.
    let m = last(req(RID, 4));
    s.msg(m).reg(regs::pre_offset(0), 0).rsp(auto(&m, RespCode::InvalidRequest));
    clean(s.check(responses()));

    let mut s = S::new();
    s.msg(off).rsp(auto(&off, RespCode::Success));
    only(s.check(responses()), "DEC-5");
    let mut s = S::new();
    s.msg(full).rsp(auto(&full, RespCode::InvalidRequest));
    only(s.check(responses()), "DEC-7");
    let mut s = S::new();
    s.msg(full).rsp(PrgResponse { pv: false, pasid: 0, ..auto(&full, RespCode::Success) });
    only(s.check(responses()), "DEC-13");
}

#[test]
fn responses_stop_marker_and_lpig0_get_none() {
    let mut s = S::new();
    let sm = stop_marker(OFF, 3);
    s.msg(sm).rsp(PrgResponse { rid: OFF, pv: true, pasid: 3, prgi: 0, code: RespCode::InvalidRequest });
    only(s.check(responses()), "VTD-PRQ-10");
    let mut s = S::new();
    let l0 = req(OFF, 6);
    s.msg(l0).queue(req(RID, 1)).rsp(auto(&l0, RespCode::InvalidRequest));
    only(s.check(responses()), "DEC-6");
}

#[test]
fn responses_queued_request_gets_no_auto_and_dropped_one_needs_one() {
    let mut s = S::new();
    let m = last(req(RID, 1));
    s.queue(m).rsp(auto(&m, RespCode::Success));
    only(s.check(responses()), "VTD-PRQ-8");
    let mut s = S::new();
    s.msg(m).queue(req(RID, 2)); // m was skipped: dropped, never answered
    only(s.check(responses()), "VTD-PRQ-17");
}

#[test]
fn responses_auto_out_of_request_order_is_prq17() {
    let mut s = S::new();
    let (a, b) = (last(req(OFF, 1)), last(req(OFF, 2)));
    s.msg(a).msg(b).queue(req(RID, 3));
    s.rsp(auto(&b, RespCode::InvalidRequest)).rsp(auto(&a, RespCode::InvalidRequest));
    only(s.check(responses()), "VTD-PRQ-17");
}

#[test]
fn responses_descriptors_forward_verbatim_in_order() {
    let r = |prgi, code| PrgResponse { rid: RID, pv: false, pasid: 0, prgi, code };
    let mut s = S::new();
    s.cmd(pgr(RID, 1, 0xF)).cmd(pgr(RID, 2, 0x2)).rsp(r(1, RespCode::ResponseFailure)).rsp(r(2, RespCode::from_bits(2)));
    clean(s.check(responses()));
    let mut s = S::new();
    s.cmd(pgr(RID, 1, 0)).cmd(pgr(RID, 2, 0)).rsp(r(2, RespCode::Success)).rsp(r(1, RespCode::Success));
    only(s.check(responses()), "VTD-IQ-5");
    let mut s = S::new();
    s.cmd(pgr(RID, 1, 0x2)).rsp(r(1, RespCode::ResponseFailure));
    only(s.check(responses()), "VTD-IQ-3");
    let mut s = S::new();
    s.cmd(pgr(RID, 1, 0));
    only(s.check(responses()), "VTD-IQ-3");
}

#[test]
fn responses_invalid_descriptor_forwards_nothing() {
    let mut d = pgr(RID, 1, 0);
    d[0] |= 1 << 5; // former PDP (DEC-9)
    let mut s = S::new();
    s.cmd(d); // invalid: IQE; nothing expected
    clean(s.check(responses()));
    let mut s = S::new();
    s.cmd(d).rsp(PrgResponse { rid: RID, pv: false, pasid: 0, prgi: 1, code: RespCode::Success });
    only(s.check(responses()), "VTD-IQ-4");
}

#[test]
fn responses_descriptor_behind_an_invalid_one_waits_for_the_iqe_clear() {
    let mut bad = pgr(RID, 1, 0);
    bad[2] = 1; // reserved: invalid, IQE
    let ok = PrgResponse { rid: RID, pv: false, pasid: 0, prgi: 2, code: RespCode::Success };
    let mut s = S::new();
    s.cmd(bad).cmd(pgr(RID, 2, 0)).reg(regs::FSTS, u64::from(regs::FSTS_IQE)).rsp(ok);
    clean(s.check(responses()));
    let mut s = S::new();
    s.cmd(bad).cmd(pgr(RID, 2, 0)); // held forever: no response is owed
    clean(s.check(responses()));
    let mut s = S::new();
    s.cmd(bad).cmd(pgr(RID, 2, 0)).rsp(ok);
    only(s.check(responses()), "VTD-IQ-2");
    let w = wait(true, false, 3);
    let mut s = S::new();
    s.cmd(bad).cmd(w.encode()).status(&w).ack();
    only(s.check(WaitChecker::new()), "VTD-IQ-2");
}

// ---- WaitChecker ------------------------------------------------------------------------------------

#[test]
fn waits_status_writes_belong_to_sw_waits() {
    let w = wait(true, false, 0x55);
    let mut s = S::new();
    s.cmd(wait(false, false, 1).encode()).cmd(w.encode()).status(&w).ack();
    clean(s.check(WaitChecker::new()));
    let mut s = S::new();
    s.cmd(w.encode()).status(&InvWaitDsc { status_data: 0x56, ..w }).ack();
    only(s.check(WaitChecker::new()), "VTD-IQ-8");
    let mut s = S::new();
    s.cmd(w.encode());
    only(s.check(WaitChecker::new()), "VTD-IQ-8");
}

#[test]
fn waits_pd_status_write_after_the_drain() {
    let w = wait(true, true, 0x77);
    let (a, b) = (req(RID, 1), req(RID, 2));
    // b is accepted after the take: it may be written after the status write.
    let mut s = S::new();
    s.msg(a).cmd(w.encode()).msg(b).write(&a).ack().status(&w).ack().write(&b).ack();
    clean(s.check(WaitChecker::new()));
    let mut s = S::new();
    s.msg(a).cmd(w.encode()).status(&w).ack().write(&a).ack();
    only(s.check(WaitChecker::new()), "VTD-IQ-10");
    let mut s = S::new();
    s.msg(a).cmd(w.encode()).write(&a).status(&w).ack().ack();
    only(s.check(WaitChecker::new()), "VTD-IQ-10");
}

// ---- FaultReadChecker ------------------------------------------------------------------------------

/// FRCD[0] as read at +8 (bits [127:64]) for a page request fault of `m`.
fn record_hi(m: &PageRequest, fr: u8) -> u64 {
    let r = models::vtd::regs::FaultRecord { fr, ..models::vtd::arch::fault_record(m) };
    r.encode()[1]
}

#[test]
fn faults_records_describe_a_disabled_rid() {
    let m = pasid(last(req(OFF, 1)), 4);
    let mut s = S::new();
    s.msg(m).read(regs::FSTS, u64::from(regs::FSTS_PPF)).read(regs::FRCD_BASE + 8, record_hi(&m, 0x47));
    s.read(regs::FRCD_BASE + 0xC, record_hi(&m, 0x47) >> 32);
    clean(s.check(FaultReadChecker::new(PRE_ENTRIES)));
    let mut s = S::new();
    s.msg(m).read(regs::FRCD_BASE + 8, record_hi(&m, 0x46));
    only(s.check(FaultReadChecker::new(PRE_ENTRIES)), "VTD-FLT-3");
    let mut s = S::new();
    s.msg(m).read(regs::FRCD_BASE + 8, record_hi(&PageRequest { rid: OFF + 1, ..m }, 0x47));
    only(s.check(FaultReadChecker::new(PRE_ENTRIES)), "VTD-FLT-3");
    let mut s = S::new();
    s.read(regs::FSTS, 1 << 7);
    only(s.check(FaultReadChecker::new(PRE_ENTRIES)), "VTD-FLT-1");
}

#[test]
fn faults_record_of_an_enabled_rid_is_dec5() {
    let m = last(req(RID, 1));
    let mut s = S::new();
    s.msg(m).read(regs::FRCD_BASE + 8, record_hi(&m, 0x47));
    only(s.check(FaultReadChecker::new(PRE_ENTRIES)), "DEC-5");
    // The PRE entry was cleared after the acceptance: it may have been decided disabled.
    let mut s = S::new();
    s.msg(m).reg(regs::pre_offset(0), 0).read(regs::FRCD_BASE + 8, record_hi(&m, 0x47)).read(regs::FSTS, 2);
    clean(s.check(FaultReadChecker::new(PRE_ENTRIES)));
}

// ---- soundness: the timed model of the RTL, random traffic and back-pressure -------------------------

mod model_stream {
    use super::*;
    use models::vtd::timing::{RegAccess, VtdInputs, VtdParams, VtdTiming};

    /// xorshift64: deterministic, no allocation.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn one_in(&mut self, n: u64) -> bool {
            self.next().is_multiple_of(n)
        }
    }

    /// The transactions of one edge, in monitor order, from the inputs and the outputs before it.
    fn txns(m: &VtdTiming, i: &VtdInputs, o: &models::vtd::timing::VtdOutputs, out: &mut Vec<Txn>) {
        let ev = m.events();
        if let Some(msg) = ev.accepted {
            out.push(Txn::PageRequest { msg });
        }
        if let Some(RegAccess::Write { addr, data }) = ev.reg {
            out.push(Txn::RegWrite { addr, data });
        }
        if ev.iq_taken.is_some() {
            out.push(Txn::Command { words: i.iq_qw, n: 4 });
        }
        if o.mw_valid && i.mw_ready {
            out.push(match o.mw_kind {
                0 => Txn::MemWrite { addr: o.mw_addr, bytes: 32, data: o.mw_data },
                1 => Txn::StatusWrite { addr: o.mw_addr, data: o.mw_data[0] as u32 },
                _ => Txn::Msi { addr: o.mw_addr, data: o.mw_data[0] as u32 },
            });
        }
        if i.mwack_valid && o.mwack_ready {
            out.push(Txn::MemAck { err: false });
        }
        if let Some((addr, data)) = ev.read_answered {
            out.push(Txn::RegRead { addr, data });
        }
        if let Some(rsp) = ev.sent {
            out.push(Txn::Response { rsp });
        }
    }

    /// Host-like traffic: messages of every class from an enabled and a disabled RID, PQH moves,
    /// PRO clears, PQT/PRS reads, page_grp_resp_dsc, waits with PD, invalid descriptors and IQE
    /// clears, PRE table changes, and random back-pressure on every port.
    fn inputs(r: &mut Rng, m: &VtdTiming, fill: bool) -> VtdInputs {
        let o = m.outputs();
        let mut i = VtdInputs { rsp_ready: !r.one_in(3), mw_ready: !r.one_in(4), mwack_valid: !r.one_in(3), ..Default::default() };
        if r.one_in(3) {
            let x = r.next();
            let rid = if x & 7 == 0 { OFF } else { RID };
            i.pr_valid = true;
            i.pr = PageRequest {
                rid,
                pv: x & 8 != 0,
                pasid: ((x >> 8) & 3) as u32,
                r: x & 0x30 != 0,
                w: x & 0x40 != 0,
                l: x & 0x80 != 0,
                prgi: ((x >> 16) & 0x1FF) as u16,
                page: (x >> 32) & 0xFFFF,
                ..Default::default()
            };
        }
        if o.reg_ready && r.one_in(6) {
            i.reg_valid = true;
            let x = r.next();
            let frcd = regs::FRCD_BASE + 16 * (x >> 8 & 3) as u32;
            let (write, addr, data) = match x % 11 {
                // PQH = PQT (empty), or with `fill` 1..4 entries short of the end (nearly full).
                0 => (true, regs::PQH, if fill { (m.pqt() + 32 * (1 + (x >> 8 & 3))) % (128 * 32) } else { m.pqt() }),
                1 => (true, regs::PRS, u64::from(regs::PRS_PRO | regs::PRS_PPR)),
                2 | 3 => (false, regs::PQT, 0),
                4 => (false, regs::PRS, 0),
                5 => (true, regs::FSTS, u64::from(regs::FSTS_IQE | regs::FSTS_PFO)),
                6 => (true, regs::pre_offset(1), (regs::PRE_EN * (x >> 9 & 1)) | u64::from(OFF)),
                7 => (true, regs::PECTL, (x >> 10 & 1) << 31),
                8 => (false, regs::FSTS, 0),
                9 => (false, frcd + 8 + 4 * (x >> 12 & 1) as u32, 0),
                _ => (true, frcd + 0xC, 1 << 31),
            };
            (i.reg_write, i.reg_addr, i.reg_wdata) = (write, addr, data);
        }
        if r.one_in(9) {
            let x = r.next();
            i.iq_valid = true;
            i.iq_qw = match x % 6 {
                0..=2 => PageGrpRespDsc {
                    rid: RID,
                    prgi: (x >> 8) as u16 & 0x1FF,
                    rc: (x >> 20) as u8 & 0xF,
                    pp: x & 0x40 != 0,
                    pasid: 3,
                    lpig: true,
                }
                .encode(),
                3 | 4 => InvWaitDsc {
                    sw: x & 0x100 != 0,
                    if_: x & 0x200 != 0,
                    pd: x & 0x400 != 0,
                    fn_: true,
                    status_data: x as u32,
                    status_addr: 0x8000_0040,
                }
                .encode(),
                _ => {
                    let mut d = pgr(RID, 9, 0);
                    d[3] = 1; // reserved: invalid
                    d
                }
            };
        }
        i
    }

    /// Drive the model with `seed`; `fill` keeps the PRQ nearly full. Returns the stream.
    fn model_stream(seed: u64, fill: bool) -> Vec<Stamped> {
        let mut m = VtdTiming::new(VtdParams::default());
        let mut r = Rng(seed);
        let mut stream = Vec::with_capacity(1 << 16);
        let setup = |m: &mut VtdTiming, addr, data| {
            m.step(&VtdInputs { reg_valid: true, reg_write: true, reg_addr: addr, reg_wdata: data, ..Default::default() });
        };
        for (addr, data) in [
            (regs::PQA, BASE),
            (regs::pre_offset(0), regs::PRE_EN | u64::from(RID)),
            (regs::PEADDR, u64::from(PE_ADDR)),
            (regs::PEDATA, u64::from(PE_DATA)),
            (regs::FEADDR, u64::from(FE_ADDR)),
            (regs::FEDATA, u64::from(FE_DATA)),
            (regs::PECTL, 0),
            (regs::FECTL, 0),
            (regs::IECTL, 0),
        ] {
            setup(&mut m, addr, data);
            stream.push(Stamped { cycle: stream.len() as u64, txn: Txn::RegWrite { addr, data } });
        }
        let mut edge_txns = Vec::with_capacity(8);
        for cycle in 10..40_000u64 {
            let mut i = inputs(&mut r, &m, fill);
            if cycle > 38_000 {
                // Drain to quiescence: no new work, no back-pressure.
                i = VtdInputs { rsp_ready: true, mw_ready: true, mwack_valid: true, ..Default::default() };
                if cycle % 50 == 0 && m.fsts() & regs::FSTS_IQE != 0 {
                    (i.reg_valid, i.reg_write, i.reg_addr, i.reg_wdata) = (true, true, regs::FSTS, u64::from(regs::FSTS_IQE));
                }
            }
            let o = *m.outputs();
            m.step(&i);
            edge_txns.clear();
            txns(&m, &i, &o, &mut edge_txns);
            stream.extend(edge_txns.iter().map(|&txn| Stamped { cycle, txn }));
        }
        assert!(m.is_quiescent(), "the drain phase reaches quiescence");
        stream
    }

    fn check_all(stream: &[Stamped]) -> Vec<Violation> {
        let mut cs = vtd_checkers(&Default::default());
        let mut out = Vec::new();
        for t in stream {
            for c in cs.iter_mut() {
                c.observe(t, &mut out);
            }
        }
        for c in cs.iter_mut() {
            c.finish(40_000, &mut out);
        }
        out
    }

    fn run(seed: u64, fill: bool) {
        let stream = model_stream(seed, fill);
        let out = check_all(&stream);
        let count = |f: fn(&Txn) -> bool| stream.iter().filter(|t| f(&t.txn)).count();
        assert!(count(|t| matches!(t, Txn::MemWrite { .. })) > 100, "descriptors written");
        assert!(count(|t| matches!(t, Txn::Response { .. })) > 100, "responses sent");
        assert!(count(|t| matches!(t, Txn::StatusWrite { .. })) > 10, "waits completed");
        assert!(count(|t| matches!(t, Txn::RegRead { addr: 0x208 | 0x20C, data } if data >> 31 & 1 == 1)) > 10, "fault records read");
        if fill {
            assert!(count(|t| matches!(t, Txn::RegRead { addr: regs::PRS, data } if data & 2 != 0)) > 0, "PRO seen");
        }
        assert!(out.is_empty(), "seed {seed}: {} violation(s), first: {:#?}", out.len(), &out[..out.len().min(3)]);
    }

    #[test]
    fn vtd_checkers_flag_a_corrupted_model_stream() {
        let clean = model_stream(7, true);
        let mut s = clean.clone();
        let k = s.iter().position(|t| matches!(t.txn, Txn::MemWrite { .. })).unwrap();
        if let Txn::MemWrite { ref mut data, .. } = s[k].txn {
            data[0] |= 1 << 9; // PDP
        }
        assert!(check_all(&s).iter().any(|v| v.rule.0 == "VTD-PRQ-4"));
        let mut s = clean.clone();
        let k = s.iter().position(|t| matches!(t.txn, Txn::Response { .. })).unwrap();
        s.remove(k);
        assert!(!check_all(&s).is_empty(), "a lost response is noticed");
        let mut s = clean;
        let k = s.iter().position(|t| matches!(t.txn, Txn::StatusWrite { .. })).unwrap();
        if let Txn::StatusWrite { ref mut data, .. } = s[k].txn {
            *data ^= 1;
        }
        assert!(check_all(&s).iter().any(|v| v.rule.0 == "VTD-IQ-8"));
    }

    #[test]
    fn vtd_checkers_never_flag_the_timed_model() {
        for seed in 1..=6 {
            run(seed * 0x9E37_79B9_7F4A_7C15, seed % 2 == 0);
        }
    }
}

// ---- evaluation counters (coverage bins checks.<checker>.<RULE>) --------------------------------

/// Run the standard set over `s`: each checker's name and evaluation counters.
fn evaluations(s: &S) -> Vec<(&'static str, Evaluations)> {
    evaluations_of(vtd_checkers(&Default::default()), &s.t, s.cycle)
}

#[test]
fn every_vtd_checker_counts_what_it_judges() {
    for c in vtd_checkers(&Default::default()) {
        assert!(!c.evaluations().rules().is_empty(), "{} counts no rule", c.name());
    }
}

#[test]
fn evaluations_count_each_situation_and_stay_zero_without_it() {
    // Programming alone: no situation arose, every count is 0.
    for (name, ev) in evaluations(&S::new()) {
        assert!(ev.iter().all(|(_, n)| n == 0), "{name} counted without traffic: {ev:?}");
    }
    let e = evaluations(&correct_stream());
    // Three descriptor writes, all of accepted messages, one a Stop Marker's.
    assert_eq!(counts(&e, "vtd-prq-entry", &["VTD-PRQ-4", "PRI-31", "VTD-PRQ-18", "VTD-PRQ-10"]), [3, 3, 3, 1]);
    assert_eq!(counts(&e, "vtd-prq-slot", &["VTD-PRQ-1", "VTD-PRQ-8"]), [3, 3]);
    // PRO was never seen set.
    assert_eq!(counts(&e, "vtd-prq-admission", &["VTD-PRQ-3", "VTD-PRQ-9"]), [3, 0]);
    assert_eq!(counts(&e, "vtd-pqt-read", &["VTD-PRQ-8", "VTD-PRQ-16"]), [2, 2]);
    assert_eq!(counts(&e, "vtd-pe-msi", &["VTD-PRQ-16"]), [1]);
    // Two PQT reads push page request MSIs; no fault register was read.
    assert_eq!(counts(&e, "vtd-read-push", &["VTD-PRQ-20", "VTD-FLT-8"]), [2, 0]);
    let r = "vtd-prg-responses";
    // Two responses; one automatic, to a RID disabled since before its acceptance (DEC-5).
    assert_eq!(counts(&e, r, &["PRI-16", "DEC-13", "DEC-5", "DEC-7"]), [2, 1, 1, 0]);
    // One Stop Marker, one LPIG=0 request, one queued LPIG=1 request.
    assert_eq!(counts(&e, r, &["VTD-PRQ-10", "DEC-6", "VTD-PRQ-8"]), [1, 1, 1]);
    // One descriptor that must answer, answered in order; none invalid or held.
    assert_eq!(counts(&e, r, &["VTD-IQ-5", "VTD-IQ-3", "VTD-IQ-4", "VTD-IQ-2"]), [1, 2, 0, 0]);
    // One SW=1, PD=1 wait, not behind an invalid descriptor.
    assert_eq!(counts(&e, "vtd-inv-wait", &["VTD-IQ-8", "VTD-IQ-10", "VTD-IQ-2"]), [1, 1, 0]);
    assert_eq!(counts(&e, "vtd-fault-read", &["VTD-FLT-1", "VTD-FLT-3", "DEC-5"]), [0, 0, 0]);

    // What stayed 0 rises when its situation arises: PRO read set, an FSTS read showing a
    // pending fault, an invalid descriptor with a page_grp_resp_dsc or a wait right after it.
    let mut bad = pgr(RID, 1, 0);
    bad[2] = 1; // reserved: invalid, IQE
    let mut s = S::new();
    s.msg(last(req(OFF, 1))).read(regs::PRS, u64::from(regs::PRS_PRO)).read(regs::FSTS, u64::from(regs::FSTS_PPF));
    s.rsp(auto(&last(req(OFF, 1)), RespCode::InvalidRequest));
    s.cmd(bad).cmd(pgr(RID, 2, 0)).reg(regs::FSTS, u64::from(regs::FSTS_IQE));
    s.rsp(PrgResponse { rid: RID, pv: false, pasid: 0, prgi: 2, code: RespCode::Success });
    let w = wait(true, false, 9);
    s.cmd(bad).cmd(w.encode()).reg(regs::FSTS, u64::from(regs::FSTS_IQE)).status(&w).ack();
    let e = evaluations(&s);
    assert_eq!(counts(&e, "vtd-inv-wait", &["VTD-IQ-2", "VTD-IQ-8"]), [1, 1]);
    assert_eq!(counts(&e, "vtd-prq-admission", &["VTD-PRQ-9"]), [1]);
    assert_eq!(counts(&e, "vtd-fault-read", &["VTD-FLT-1", "DEC-5"]), [1, 1]);
    assert_eq!(counts(&e, "vtd-read-push", &["VTD-FLT-8"]), [1]);
    assert_eq!(counts(&e, r, &["VTD-IQ-4", "VTD-IQ-2"]), [2, 1]);
}
