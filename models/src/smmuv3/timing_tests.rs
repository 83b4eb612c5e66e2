//! Unit tests of the timed model against the rtl/README.md schedule. Edge numbers in comments
//! are relative to the first edge of the step they describe.

use super::*;
use crate::smmuv3::cmd::Command;
use crate::smmuv3::regs::*;

const BASE: u64 = 0x0000_8000_1000;
const EN: u64 = (CR0_SMMUEN | CR0_PRIQEN) as u64;

/// Model plus the inputs held between edges.
struct Tb {
    m: PriqTiming,
}

impl Tb {
    fn new() -> Self {
        Self::with(PriqParams::default())
    }
    fn with(p: PriqParams) -> Self {
        Tb { m: PriqTiming::new(p) }
    }
    fn out(&self) -> PriqOutputs {
        *self.m.outputs()
    }
    fn edge(&mut self, inp: PriqInputs) -> EdgeEvents {
        *self.m.step(&inp)
    }
    fn idle(&mut self) -> EdgeEvents {
        self.edge(PriqInputs::default())
    }
    fn idle_n(&mut self, n: usize) {
        for _ in 0..n {
            self.idle();
        }
    }
    fn write(&mut self, addr: u32, data: u64) -> EdgeEvents {
        self.edge(write_in(addr, data))
    }
    fn read(&mut self, addr: u32) -> u64 {
        self.edge(PriqInputs { reg_valid: true, reg_addr: addr, ..Default::default() });
        assert!(self.out().reg_rvalid);
        self.out().reg_rdata
    }
    /// Program PRIQ_BASE, enable SMMU and PRIQ and wait until CR0ACK shows it.
    fn enable(&mut self, log2size: u64) {
        self.write(PRIQ_BASE, BASE | log2size);
        self.write(CR0, EN);
        while self.m.cr0ack() != EN as u32 {
            self.idle();
        }
    }
    fn set_irq_ctrl(&mut self, v: u32) {
        self.write(IRQ_CTRL, u64::from(v));
        while self.m.irq_ctrlack() != v {
            self.idle();
        }
    }
}

fn write_in(addr: u32, data: u64) -> PriqInputs {
    PriqInputs { reg_valid: true, reg_write: true, reg_addr: addr, reg_wdata: data, ..Default::default() }
}

fn msg_in(m: PageRequest) -> PriqInputs {
    PriqInputs { pr_valid: true, pr: m, ..Default::default() }
}

fn cmd_in(c: Command) -> PriqInputs {
    let [cmd_dw0, cmd_dw1] = c.encode();
    PriqInputs { cmd_valid: true, cmd_dw0, cmd_dw1, ..Default::default() }
}

/// An L=`l` read request with optional PASID.
fn req(rid: u16, pasid: Option<u32>, l: bool, prgi: u16) -> PageRequest {
    PageRequest { rid, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), r: true, l, prgi, page: 0xA_BCDE, ..Default::default() }
}

fn stop_marker(rid: u16, pasid: u32) -> PageRequest {
    PageRequest { rid, pv: true, pasid, l: true, ..Default::default() }
}

fn pri_resp(rid: u16, pasid: Option<u32>, prgi: u16, resp: u8) -> Command {
    Command::PriResp { stream_id: u32::from(rid), ssv: pasid.is_some(), substream_id: pasid.unwrap_or(0), prg_index: prgi, resp }
}

fn sync_cmd(cs: u8) -> Command {
    Command::Sync { cs, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 }
}

/// Memory that accepts every write and acks it in the next cycle.
fn mem_ok(mut i: PriqInputs) -> PriqInputs {
    i.mw_ready = true;
    i.mwack_valid = true;
    i
}

#[test]
fn reset_outputs() {
    let tb = Tb::new();
    assert_eq!(tb.out(), PriqOutputs { pr_ready: true, reg_ready: true, cmd_ready: true, ev_ready: true, ..Default::default() });
    assert_eq!((tb.m.prod(), tb.m.cons(), tb.m.cr0ack(), tb.m.gerror()), (0, 0, 0, 0));
}

#[test]
fn id_registers() {
    let mut tb = Tb::with(PriqParams { priqs: 5, ..Default::default() });
    assert_eq!(tb.read(IDR0), 1 << 16);
    assert_eq!(tb.read(IDR1), (7 << 16) | (5 << 11) | (20 << 6), "EVENTQS, PRIQS, SSIDSIZE");
    assert_eq!(tb.read(IDR3), 1 << 5);
    assert_eq!(tb.read(IDR5), 4 << 16, "STALL_MAX");
    assert_eq!(tb.read(PRIQ_IRQ_CFG0), 0);
    assert_eq!(tb.read(0x0_00C8), 0, "PROD is not aliased on Page 0 (OP-8)");
}

/// Latency table, row d: handshake t, decided t+1, write t+2, ack t+3 (PROD, irq_priq).
#[test]
fn latency_row_d() {
    let mut tb = Tb::new();
    tb.enable(3);
    tb.set_irq_ctrl(IRQ_CTRL_PRIQ_IRQEN);
    let m = req(0x0102, Some(0x1234), true, 0x15);

    let ev = tb.edge(msg_in(m)); // t
    assert_eq!(ev.accepted, Some(m));
    assert!(!tb.out().mw_valid);

    let ev = tb.idle(); // t+1
    assert_eq!(ev.decided, Some((Row::D_Write, m)));
    let o = tb.out();
    assert!(o.mw_valid && !o.mwack_ready);
    assert_eq!(o.mw_addr, BASE);
    assert_eq!(o.mw_data, PriqEntry::encode_request(&m));
    assert_eq!(o.mw_data[0], 0x0102 | (0x1234 << 32) | (1 << 60) | (1 << 62) | (1 << 63));

    let ev = tb.edge(PriqInputs { mw_ready: true, ..Default::default() }); // t+2
    assert_eq!(ev.mem_write, Some(BASE));
    assert!(!tb.out().mw_valid && tb.out().mwack_ready);
    assert_eq!(tb.m.prod(), 0, "PROD waits for the ack (SMMU-PRIQ-3)");

    let ev = tb.edge(PriqInputs { mwack_valid: true, ..Default::default() }); // t+3
    assert_eq!(ev.written, Some(0));
    assert!(ev.priq_irq_trigger);
    assert_eq!(tb.m.prod(), 1);
    assert!(tb.out().irq_priq && !tb.out().mwack_ready);
    assert_eq!(tb.read(PRIQ_PROD), 1); // t+4
    assert!(!tb.out().irq_priq, "one-cycle pulse");

    // Second entry: index 1 at +16; LO=0 and the queue was not empty, so no interrupt.
    let m2 = req(0x0102, None, false, 0x16);
    tb.edge(msg_in(m2));
    tb.idle();
    assert_eq!(tb.out().mw_addr, BASE + 16);
    tb.edge(mem_ok(PriqInputs::default()));
    let ev = tb.edge(mem_ok(PriqInputs::default()));
    assert_eq!(ev.written, Some(1));
    assert!(!ev.priq_irq_trigger && !tb.out().irq_priq);
    assert_eq!(tb.m.prod(), 2);
}

/// Latency table, rows a-c: auto response pushed t+1, committed t+2, on rsp_* after t+2.
#[test]
fn latency_row_a_auto_response() {
    let mut tb = Tb::new(); // SMMUEN=0: row a (DEC-2)
    let m = req(0x0203, Some(0x99), true, 0x1FF);
    tb.edge(msg_in(m)); // t
    let ev = tb.idle(); // t+1
    assert_eq!(ev.decided, Some((Row::A_Disabled, m)));
    let expect = PrgResponse { rid: 0x0203, pv: false, pasid: 0, prgi: 0x1FF, code: RespCode::ResponseFailure };
    assert_eq!(ev.auto_pushed, Some(expect));
    assert!(!tb.out().rsp_valid);
    let ev = tb.idle(); // t+2
    assert_eq!(ev.committed, Some((expect, RespSource::Auto)));
    let o = tb.out();
    assert!(o.rsp_valid);
    assert_eq!((o.rsp_rid, o.rsp_pv, o.rsp_pasid, o.rsp_prgi, o.rsp_code), (0x0203, false, 0, 0x1FF, 0xF));
    tb.idle();
    assert!(tb.out().rsp_valid, "held until rsp_ready");
    let ev = tb.edge(PriqInputs { rsp_ready: true, ..Default::default() });
    assert_eq!(ev.sent, Some(expect));
    assert!(!tb.out().rsp_valid);
    assert_eq!(tb.out().rsp_code, 0xF, "data holds while rsp_valid=0");

    // L=0 requests and Stop Markers are dropped silently in row a.
    for m in [req(1, Some(5), false, 1), stop_marker(1, 5)] {
        tb.edge(msg_in(m));
        let ev = tb.idle();
        assert_eq!(ev.decided, Some((Row::A_Disabled, m)));
        assert_eq!(ev.auto_pushed, None);
    }
    assert!(tb.m.is_quiescent());
}

/// Fill a LOG2SIZE=1 queue: two entries fit, the third toggles OVFLG and gets auto Success.
fn fill_to_overflow(tb: &mut Tb) -> Vec<EdgeEvents> {
    tb.enable(1);
    let msgs = [req(7, Some(0x11), true, 1), req(7, Some(0x22), true, 2), req(7, Some(0x33), true, 3)];
    let mut evs = Vec::new();
    for m in msgs {
        evs.push(tb.edge(mem_ok(msg_in(m))));
    }
    for _ in 0..8 {
        evs.push(tb.edge(mem_ok(PriqInputs::default())));
    }
    evs
}

#[test]
fn overflow_at_exactly_full() {
    let mut tb = Tb::new();
    tb.write(PRIQ_IRQ_CFG2, u64::from(IRQ_CFG2_LO));
    tb.set_irq_ctrl(IRQ_CTRL_PRIQ_IRQEN);
    let evs = fill_to_overflow(&mut tb);
    // Edges (1-based): accepted 1,2,3; M1 decided 2, written 3, acked 4; M2 decided 5, acked 7;
    // M3 decided 8 in row c, its response committed at 9.
    let rows: Vec<_> = evs.iter().enumerate().filter_map(|(i, e)| e.decided.map(|(r, m)| (i + 1, r, m.prgi))).collect();
    assert_eq!(rows, vec![(2, Row::D_Write, 1), (5, Row::D_Write, 2), (8, Row::C_Full, 3)]);
    let written: Vec<_> = evs.iter().enumerate().filter_map(|(i, e)| e.written.map(|k| (i + 1, k))).collect();
    assert_eq!(written, vec![(4, 0), (7, 1)]);
    assert!(evs[7].ovflg_toggled);
    let success = PrgResponse { rid: 7, pv: true, pasid: 0x33, prgi: 3, code: RespCode::Success };
    assert_eq!(evs[7].auto_pushed, Some(success));
    assert_eq!(evs[8].committed, Some((success, RespSource::Auto)));
    // LO=1: a trigger per written L=1 entry and for the row-c discard (SMMU-PRIQ-13).
    let triggers: Vec<_> = evs.iter().enumerate().filter(|(_, e)| e.priq_irq_trigger).map(|(i, _)| i + 1).collect();
    assert_eq!(triggers, vec![4, 7, 8]);
    assert_eq!(tb.m.prod(), FLAG_BIT | 2);
    assert!(tb.m.ovflg() && tb.m.overflow_active());
    assert_eq!(tb.read(PRIQ_PROD), 0x8000_0002);
}

#[test]
fn inhibition_until_matching_ovackflg() {
    let mut tb = Tb::new();
    fill_to_overflow(&mut tb);
    // Free both slots but keep OVACKFLG=0: still inhibited (SMMU-PRIQ-8, -9).
    tb.write(PRIQ_CONS, 2);
    let l0 = req(8, None, false, 4);
    let l1 = req(8, None, true, 4);
    tb.edge(mem_ok(msg_in(l0)));
    let ev = tb.edge(mem_ok(msg_in(l1)));
    assert_eq!(ev.decided, Some((Row::B_OverflowActive, l0)));
    assert_eq!(ev.auto_pushed, None);
    let ev = tb.idle();
    assert_eq!(ev.decided, Some((Row::B_OverflowActive, l1)));
    assert_eq!(ev.auto_pushed, Some(PrgResponse { rid: 8, pv: false, pasid: 0, prgi: 4, code: RespCode::Success }));
    assert!(!ev.ovflg_toggled);
    assert_eq!(tb.m.prod(), FLAG_BIT | 2);

    // The CONS write with OVACKFLG = OVFLG lands at the very edge of the decision: cons_eff
    // (OP-15) makes it row d, written at index 0.
    let m = req(9, Some(1), true, 5);
    tb.edge(msg_in(m));
    let ev = tb.write(PRIQ_CONS, 0x8000_0002);
    assert_eq!(ev.decided, Some((Row::D_Write, m)));
    assert_eq!(tb.out().mw_addr, BASE);
    tb.edge(mem_ok(PriqInputs::default()));
    let ev = tb.edge(mem_ok(PriqInputs::default()));
    assert_eq!(ev.written, Some(0));
    assert_eq!(tb.m.prod(), FLAG_BIT | 3);
}

#[test]
fn cr0ack_latency() {
    for lat in 1..=4 {
        let mut tb = Tb::with(PriqParams { cr0ack_lat: lat, ..Default::default() });
        tb.write(CR0, 0xFF); // edge t; bits above CMDQEN are ignored
        assert_eq!(tb.m.cr0(), 0xF);
        for k in 1..lat {
            assert_eq!(tb.m.cr0ack(), 0, "lat {lat}, after edge t+{}", k - 1);
            tb.idle();
        }
        assert_eq!(tb.m.cr0ack(), 0);
        let ev = tb.idle(); // edge t+lat
        assert!(ev.cr0ack_changed);
        assert_eq!(tb.m.cr0ack(), 0xF, "lat {lat}");
        assert_eq!(tb.read(CR0ACK), 0xF);
        // IRQ_CTRL follows the same delay.
        tb.write(IRQ_CTRL, 0x7);
        tb.idle_n(lat - 1);
        assert_eq!(tb.m.irq_ctrlack(), 0);
        tb.idle();
        assert_eq!(tb.m.irq_ctrlack(), 0x7);
    }
}

#[test]
fn no_decision_at_cr0ack_change() {
    let mut tb = Tb::new(); // lat 2
    tb.write(PRIQ_BASE, BASE | 3);
    tb.write(CR0, EN); // t: CR0ACK changes at t+2
    let m = req(3, None, true, 9);
    tb.edge(msg_in(m)); // t+1: head from t+2 on
    let ev = tb.idle(); // t+2
    assert!(ev.cr0ack_changed);
    assert_eq!(ev.decided, None, "no decision while CR0ACK changes");
    let ev = tb.idle(); // t+3
    assert_eq!(ev.decided, Some((Row::D_Write, m)));
}

#[test]
fn cr0ack_idle_hold() {
    let mut tb = Tb::new();
    tb.enable(3);
    tb.edge(msg_in(req(1, None, true, 1)));
    tb.idle(); // decided: engine WRITE, memory not ready
    assert_eq!(tb.m.engine(), EngineState::Write);
    tb.write(CR0, u64::from(CR0_EVENTQEN)); // disable SMMU and PRIQ, enable EVENTQ
    tb.idle_n(4);
    // EVENTQEN rises normally; SMMUEN and PRIQEN keep 1 while the engine is busy.
    assert_eq!(tb.m.cr0ack(), EN as u32 | CR0_EVENTQEN);
    // Gated writes stay gated: CR0ACK.PRIQEN=1 (SMMU-PRIQ-14).
    let ev = tb.write(PRIQ_PROD, 5);
    assert_eq!(ev.reg, Some(RegAccess::Write { addr: PRIQ_PROD, data: 5, applied: false }));
    tb.edge(PriqInputs { mw_ready: true, ..Default::default() });
    assert_eq!(tb.m.engine(), EngineState::WaitAck);
    tb.idle();
    assert_eq!(tb.m.cr0ack(), EN as u32 | CR0_EVENTQEN);
    let ev = tb.edge(PriqInputs { mwack_valid: true, ..Default::default() }); // ack edge: still busy before it
    assert_eq!(ev.written, Some(0));
    assert!(!ev.cr0ack_changed);
    assert_eq!(tb.m.prod(), 1, "PROD final before PRIQEN falls (SMMU-PRIQ-15)");
    let ev = tb.idle(); // IDLE before this edge: the retry succeeds
    assert!(ev.cr0ack_changed);
    assert_eq!(tb.m.cr0ack(), CR0_EVENTQEN);
    // Now PROD is writable again.
    let ev = tb.write(PRIQ_PROD, 0xFFFF_FFFF);
    assert_eq!(ev.reg, Some(RegAccess::Write { addr: PRIQ_PROD, data: 0xFFFF_FFFF, applied: true }));
    assert_eq!(tb.m.prod(), 0x800F_FFFF);
}

#[test]
fn write_gating() {
    let mut tb = Tb::new();
    tb.write(PRIQ_BASE, 0xFFFF_FFFF_FFFF_FFFF);
    assert_eq!(tb.m.priq_base(), 0xFFFF_FFFF_FFFF, "WA and bits above 47 read as 0");
    tb.write(CR0, u64::from(CR0_PRIQEN)); // CR0.PRIQEN=1, CR0ACK still 0
    let ev = tb.write(PRIQ_BASE, BASE);
    assert_eq!(ev.reg, Some(RegAccess::Write { addr: PRIQ_BASE, data: BASE, applied: false }));
    tb.write(PRIQ_PROD, 3);
    tb.write(PRIQ_CONS, 0x8000_0003); // always writable
    assert_eq!((tb.m.priq_base(), tb.m.prod(), tb.m.cons()), (0xFFFF_FFFF_FFFF, 0, 0x8000_0003));
    // CR0.PRIQEN=0 again but CR0ACK.PRIQEN=1 for a while: still gated.
    tb.write(CR0, 0);
    assert_eq!(tb.m.cr0ack(), CR0_PRIQEN);
    tb.write(PRIQ_BASE, BASE); // edge t+1 after the CR0 write: CR0ACK.PRIQEN still 1
    assert_eq!(tb.m.priq_base(), 0xFFFF_FFFF_FFFF);
    tb.idle(); // t+2: CR0ACK falls
    assert_eq!(tb.m.cr0ack(), 0);
    tb.write(PRIQ_BASE, BASE | 4);
    assert_eq!(tb.read(PRIQ_BASE), BASE | 4);

    // PRIQ_IRQ_CFG2 follows IRQ_CTRL.PRIQ_IRQEN and IRQ_CTRLACK.PRIQ_IRQEN.
    tb.write(IRQ_CTRL, u64::from(IRQ_CTRL_PRIQ_IRQEN));
    tb.write(PRIQ_IRQ_CFG2, 0xFFFF_FFFF);
    assert_eq!(tb.read(PRIQ_IRQ_CFG2), 0);
    tb.write(IRQ_CTRL, 0);
    tb.idle_n(3);
    tb.write(PRIQ_IRQ_CFG2, 0xFFFF_FFFF);
    assert_eq!(tb.read(PRIQ_IRQ_CFG2), 0x8000_0000, "LO only");
}

#[test]
fn register_reads() {
    let mut tb = Tb::new();
    // A read at the same edge as nothing else returns the value before the edge, one cycle.
    tb.write(GERRORN, 0xFF);
    assert_eq!(tb.read(GERRORN), 0xD, "bits 0, 2 and 3 stored");
    tb.idle();
    assert!(!tb.out().reg_rvalid);
    assert_eq!(tb.out().reg_rdata, 0xD, "rdata holds");
    // CONS written and read: the write's edge comes first, so the read sees the new value.
    tb.write(PRIQ_CONS, 0x7FFF_FFFF);
    assert_eq!(tb.read(PRIQ_CONS), 0xF_FFFF);
    assert_eq!(tb.read(0x12345), 0);
}

#[test]
fn illegal_resp3() {
    let mut tb = Tb::new();
    tb.write(CR0, u64::from(CR0_SMMUEN));
    tb.set_irq_ctrl(IRQ_CTRL_GERROR_IRQEN);
    let ev = tb.edge(cmd_in(pri_resp(1, None, 2, 0b11)));
    assert_eq!(ev.cmd, Some(CmdOutcome { opcode: 0x41, effect: CmdEffect::Illegal }));
    assert_eq!(ev.gerror_activated, GERROR_CMDQ_ERR);
    assert_eq!(ev.sw_pushed, None);
    let o = tb.out();
    assert!(o.irq_gerror && !o.cmd_ready);
    assert_eq!(tb.read(GERROR), 1);
    assert!(!tb.out().irq_gerror);
    assert_eq!(tb.read(CMDQ_CONS), 0x0100_0000);
    // Blocked until GERRORN acknowledges (SMMU-CMD-2).
    let ev = tb.edge(cmd_in(pri_resp(1, None, 2, 0b10)));
    assert_eq!(ev.cmd, None);
    tb.write(GERRORN, 1);
    assert!(tb.out().cmd_ready);
    tb.idle_n(3);
    assert!(!tb.out().rsp_valid, "the illegal command sent nothing (DEC-4)");
    // Undefined opcode and CS=0b11 are ILLEGAL too; GERROR toggles back to 0.
    let ev = tb.edge(cmd_in(sync_cmd(0b11)));
    assert_eq!(ev.gerror_activated, GERROR_CMDQ_ERR);
    assert_eq!(tb.m.gerror(), 0);
    assert!(tb.m.cmdq_err_active());
}

#[test]
fn noop_and_unknown_opcodes() {
    let mut tb = Tb::new();
    for op in [0x01u64, 0x2A, 0x40] {
        let ev = tb.edge(PriqInputs { cmd_valid: true, cmd_dw0: op | 0xFFFF_0000, ..Default::default() });
        assert_eq!(ev.cmd.map(|c| c.effect), Some(CmdEffect::NoOp));
    }
    assert_eq!(tb.m.gerror(), 0);
    let ev = tb.edge(PriqInputs { cmd_valid: true, cmd_dw0: 0x47, ..Default::default() });
    assert_eq!(ev.cmd.map(|c| c.effect), Some(CmdEffect::Illegal));
    assert!(!tb.out().irq_gerror, "GERROR_IRQEN=0: no pulse");
    assert_eq!(tb.m.gerror(), GERROR_CMDQ_ERR);
}

#[test]
fn pri_resp_mapping_and_commit() {
    let mut tb = Tb::new();
    // SMMUEN=0: ignored (SMMU-CMD-5).
    let ev = tb.edge(cmd_in(pri_resp(4, Some(0x44), 3, 0b10)));
    assert_eq!(ev.cmd.map(|c| c.effect), Some(CmdEffect::Ignored));
    tb.idle_n(2);
    assert!(!tb.out().rsp_valid);

    tb.write(CR0, u64::from(CR0_SMMUEN));
    tb.idle_n(2);
    for (resp, code, pasid) in [(0b10u8, 0x0u8, Some(0x44)), (0b01, 0x1, None), (0b00, 0xF, Some(0xFFFFF))] {
        let ev = tb.edge(cmd_in(pri_resp(0x0405, pasid, 0x1AB, resp))); // c
        let r = ev.sw_pushed.expect("pushed at c");
        assert_eq!(r.code.bits(), code);
        let ev = tb.idle(); // c+1
        assert_eq!(ev.committed, Some((r, RespSource::Software)));
        let o = tb.out();
        assert_eq!(
            (o.rsp_valid, o.rsp_rid, o.rsp_pv, o.rsp_pasid, o.rsp_prgi, o.rsp_code),
            (true, 0x0405, pasid.is_some(), pasid.unwrap_or(0), 0x1AB, code)
        );
        let ev = tb.edge(PriqInputs { rsp_ready: true, ..Default::default() });
        assert_eq!(ev.sent, Some(r));
    }
}

#[test]
fn auto_responses_have_priority() {
    let mut tb = Tb::new();
    tb.write(CR0, u64::from(CR0_SMMUEN)); // PRIQEN=0: row a
    tb.idle_n(2);
    let m = req(6, None, true, 7);
    // Edge 1: command 1 and message taken. Edge 2: SW1 committed (only candidate), message
    // decided (auto pushed), command 2 taken.
    tb.edge(PriqInputs { pr_valid: true, pr: m, ..cmd_in(pri_resp(1, None, 1, 0b10)) });
    let ev = tb.edge(cmd_in(pri_resp(2, None, 2, 0b10)));
    assert_eq!(ev.committed.map(|(r, s)| (r.rid, s)), Some((1, RespSource::Software)));
    assert!(ev.auto_pushed.is_some());
    tb.idle_n(2);
    assert_eq!((tb.m.auto_len(), tb.m.sw_len()), (1, 1));
    let ready = PriqInputs { rsp_ready: true, ..Default::default() };
    let ev = tb.edge(ready);
    assert_eq!(ev.committed.map(|(r, s)| (r.rid, s)), Some((6, RespSource::Auto)), "automatic first");
    let ev = tb.edge(ready);
    assert_eq!(ev.committed.map(|(r, s)| (r.rid, s)), Some((2, RespSource::Software)));
    let ev = tb.edge(ready);
    assert_eq!(ev.committed, None);
    assert!(!tb.out().rsp_valid);
}

#[test]
fn cmd_sync() {
    let mut tb = Tb::new();
    // Nothing to wait for: completes at its handshake edge.
    let ev = tb.edge(cmd_in(sync_cmd(0)));
    assert!(ev.sync_completed);
    assert!(tb.out().sync_done && tb.out().cmd_ready);
    tb.idle();
    assert!(!tb.out().sync_done);

    // Egress blocked: the sync waits until the software FIFO has drained (SMMU-CMD-9, -10).
    tb.write(CR0, u64::from(CR0_SMMUEN));
    tb.idle_n(2);
    tb.edge(cmd_in(pri_resp(1, None, 1, 0b10))); // c1: pushed
    tb.edge(cmd_in(pri_resp(2, None, 2, 0b10))); // c1+1: R1 committed, R2 pushed
    let ev = tb.edge(cmd_in(sync_cmd(1))); // SW FIFO holds R2
    assert_eq!(ev.cmd.map(|c| c.effect), Some(CmdEffect::Sync));
    assert!(!ev.sync_completed && tb.m.sync_pending());
    assert!(!tb.out().cmd_ready, "no command after a pending sync");
    tb.idle_n(3);
    assert!(!tb.out().sync_done && tb.m.sync_pending());
    let ev = tb.edge(PriqInputs { rsp_ready: true, ..Default::default() }); // R1 sent, R2 committed
    assert_eq!(ev.committed.map(|(r, _)| r.rid), Some(2));
    assert!(!ev.sync_completed, "FIFO was not empty before this edge");
    let ev = tb.idle();
    assert!(ev.sync_completed);
    assert!(tb.out().sync_done && tb.out().cmd_ready);
}

#[test]
fn write_abort() {
    let mut tb = Tb::new();
    tb.enable(2);
    tb.set_irq_ctrl(IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_PRIQ_IRQEN);
    let m = req(5, Some(0x77), true, 8);
    tb.edge(msg_in(m));
    tb.idle();
    tb.edge(PriqInputs { mw_ready: true, ..Default::default() });
    let ev = tb.edge(PriqInputs { mwack_valid: true, mwack_err: true, ..Default::default() });
    assert_eq!(ev.write_aborted, Some(0));
    assert_eq!(ev.written, None);
    assert_eq!(ev.gerror_activated, GERROR_PRIQ_ABT_ERR);
    assert_eq!(ev.auto_pushed, Some(PrgResponse { rid: 5, pv: false, pasid: 0, prgi: 8, code: RespCode::ResponseFailure }));
    assert!(tb.out().irq_gerror && !tb.out().irq_priq);
    assert_eq!(tb.m.prod(), 0);
    assert!(tb.m.priq_abt_active());
    // While PRIQ_ABT_ERR is active: row a.
    let m2 = req(5, None, true, 9);
    tb.edge(msg_in(m2));
    let ev = tb.idle();
    assert_eq!(ev.decided, Some((Row::A_Disabled, m2)));
    // Acknowledge; row d again.
    tb.write(GERRORN, u64::from(GERROR_PRIQ_ABT_ERR));
    tb.edge(msg_in(m2));
    assert_eq!(tb.idle().decided, Some((Row::D_Write, m2)));
}

#[test]
fn ingress_backpressure() {
    let mut tb = Tb::new(); // ING_DEPTH 4
    tb.enable(3);
    let mut accepted = 0;
    for i in 0..8u16 {
        let ev = tb.edge(msg_in(req(1, None, false, i)));
        accepted += usize::from(ev.accepted.is_some());
    }
    // One message is in the write engine (memory never ready), four wait in the FIFO.
    assert_eq!(accepted, 5);
    assert!(!tb.out().pr_ready);
    assert_eq!(tb.m.ingress_len(), 4);
}

#[test]
fn auto_fifo_full_stalls_decisions() {
    let mut tb = Tb::new(); // AUTO_DEPTH 4, row a, egress blocked
    let mut decided = 0;
    for i in 0..12u16 {
        let inp = if tb.out().pr_ready { msg_in(req(1, None, true, i)) } else { PriqInputs::default() };
        decided += usize::from(tb.edge(inp).decided.is_some());
    }
    // One response in the egress register, four in the FIFO; the sixth message waits.
    assert_eq!(decided, 5);
    assert_eq!(tb.m.auto_len(), 4);
    assert!(tb.out().rsp_valid);
    let ev = tb.edge(PriqInputs { rsp_ready: true, ..Default::default() });
    assert!(ev.decided.is_none(), "FIFO was full before this edge");
    assert!(tb.idle().decided.is_some());
}

#[test]
fn lo0_interrupt_only_from_empty() {
    let mut tb = Tb::new();
    tb.enable(3);
    tb.set_irq_ctrl(IRQ_CTRL_PRIQ_IRQEN);
    let mut pulses = 0;
    for i in 0..3u16 {
        tb.edge(mem_ok(msg_in(req(1, None, true, i))));
        for _ in 0..3 {
            pulses += usize::from(tb.edge(mem_ok(PriqInputs::default())).written.is_some() && tb.out().irq_priq);
        }
    }
    assert_eq!(tb.m.prod(), 3);
    assert_eq!(pulses, 1, "only the empty -> non-empty write triggers with LO=0");
    // Consume all; the next write triggers again.
    tb.write(PRIQ_CONS, 3);
    tb.edge(mem_ok(msg_in(req(1, None, false, 9))));
    let mut irq = false;
    for _ in 0..3 {
        tb.edge(mem_ok(PriqInputs::default()));
        irq |= tb.out().irq_priq;
    }
    assert!(irq);
}

/// `cargo test -p models --release -- --ignored step_speed --nocapture`
#[test]
#[ignore]
fn step_speed() {
    let mut tb = Tb::new();
    tb.enable(4);
    let n = 5_000_000u32;
    let t0 = std::time::Instant::now();
    for i in 0..n {
        let mut inp = mem_ok(msg_in(req(1, Some(i & 0xFFFFF), i % 3 == 0, (i & 0x1FF) as u16)));
        inp.rsp_ready = true;
        if i % 64 == 0 {
            inp.reg_valid = true;
            inp.reg_write = true;
            inp.reg_addr = PRIQ_CONS;
            inp.reg_wdata = u64::from(tb.m.prod());
        }
        std::hint::black_box(tb.m.step(&inp));
    }
    let ns = t0.elapsed().as_nanos() as f64 / f64::from(n);
    println!("step, busy traffic: {ns:.1} ns/edge");
    let idle = PriqInputs::default();
    let t0 = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(tb.m.step(std::hint::black_box(&idle)));
    }
    let ns = t0.elapsed().as_nanos() as f64 / f64::from(n);
    println!("step, idle: {ns:.1} ns/edge");
    let words = std::hint::black_box(req(1, Some(2), true, 3));
    let t0 = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(PriqEntry::encode_request(std::hint::black_box(&words)));
    }
    let ns = t0.elapsed().as_nanos() as f64 / f64::from(n);
    println!("entry encode: {ns:.1} ns");
    println!("size_of EdgeEvents = {}", std::mem::size_of::<EdgeEvents>());
}

// ---- event queue (rtl/README.md "SMMUv3 event queue") -------------------------------------------

use crate::smmuv3::event::{EventInput, EventRecord};
use crate::smmuv3::evtq_arch::StallAction;
use crate::smmuv3::evtq_timing::{EvRow, Slot};

const EV_BASE: u64 = 0x0000_9000_0000;
const EV_EN: u64 = (CR0_SMMUEN | CR0_EVENTQEN) as u64;

impl Tb {
    /// Program EVENTQ_BASE, enable SMMU and EVTQ and wait until CR0ACK shows it.
    fn enable_evtq(&mut self, log2size: u64) {
        self.write(EVENTQ_BASE, EV_BASE | log2size);
        self.write(CR0, EV_EN);
        while self.m.cr0ack() != EV_EN as u32 {
            self.idle();
        }
    }
    /// Run with the event-record memory always ready and acking in the next cycle.
    fn ev_edge(&mut self, mut i: PriqInputs) -> EdgeEvents {
        let o = self.out();
        i.emw_ready = true;
        i.emwack_valid = o.emwack_ready;
        i.sr_ready = true;
        self.edge(i)
    }
    fn ev_idle_until(&mut self, what: &str, f: impl Fn(&EdgeEvents) -> bool) -> EdgeEvents {
        for _ in 0..100 {
            let ev = self.ev_edge(PriqInputs::default());
            if f(&ev) {
                return ev;
            }
        }
        panic!("never saw {what}");
    }
}

fn ev_in(e: EventInput) -> PriqInputs {
    PriqInputs { ev_valid: true, ev: e, ..Default::default() }
}

fn fault(id: u8, sid: u32, stall: bool) -> EventInput {
    EventInput { id, sid, stall, rnw: true, iaddr: 0x1000 * u64::from(sid), ..Default::default() }
}

/// Latency table: handshake t, decided t+1 (emw_valid), write t+2, ack t+3 (PROD, irq_evtq).
#[test]
fn evtq_latency_row_w() {
    let mut tb = Tb::new();
    tb.set_irq_ctrl(IRQ_CTRL_EVENTQ_IRQEN);
    tb.enable_evtq(2);
    let e = fault(0x10, 3, true);
    let ev = tb.ev_edge(ev_in(e)); // t
    assert_eq!(ev.evtq.accepted, Some((e, Some(0))), "stall record takes STAG 0");
    assert!(!tb.out().emw_valid);
    let ev = tb.ev_edge(PriqInputs::default()); // t+1
    assert_eq!(ev.evtq.decided.map(|d| d.0), Some(EvRow::Write));
    assert!(tb.out().emw_valid);
    assert_eq!(tb.out().emw_addr, EV_BASE);
    assert_eq!(tb.out().emw_data, EventRecord::encode_input(&e, 0));
    let ev = tb.ev_edge(PriqInputs::default()); // t+2
    assert_eq!(ev.evtq.mem_write, Some(EV_BASE));
    assert!(tb.out().emwack_ready && !tb.out().irq_evtq);
    let ev = tb.ev_edge(PriqInputs::default()); // t+3
    assert_eq!(ev.evtq.written, Some(0));
    assert!(tb.out().irq_evtq, "SMMU-EVTQ-9: first record into an empty queue");
    assert_eq!(tb.read(EVENTQ_PROD), 1);
    // A second record into a non-empty queue: no pulse.
    tb.ev_edge(ev_in(fault(0x02, 3, false)));
    let ev = tb.ev_idle_until("the second ack", |ev| ev.evtq.written.is_some());
    assert_eq!(ev.evtq.written, Some(1));
    assert!(!tb.out().irq_evtq);
    assert_eq!(tb.m.evtq().outstanding(), 1, "the stall stays outstanding until resolved");
}

/// SMMU-EVTQ-4, -5: a full queue discards a non-stall record and toggles OVFLG once; an active
/// overflow does not stop the next record once there is room.
#[test]
fn evtq_overflow_toggles_once_and_never_inhibits() {
    let mut tb = Tb::new();
    tb.enable_evtq(0); // one slot
    tb.ev_edge(ev_in(fault(1, 1, false)));
    tb.ev_idle_until("the first ack", |ev| ev.evtq.written.is_some());
    tb.ev_edge(ev_in(fault(2, 1, false)));
    let ev = tb.ev_idle_until("a decision", |ev| ev.evtq.decided.is_some());
    assert_eq!(ev.evtq.decided.map(|d| d.0), Some(EvRow::Discard { why: crate::smmuv3::evtq_arch::Unwritable::Full, toggle: true }));
    assert_eq!(tb.m.evtq().prod(), FLAG_BIT | 1);
    tb.ev_edge(ev_in(fault(3, 1, false)));
    let ev = tb.ev_idle_until("a decision", |ev| ev.evtq.decided.is_some());
    assert!(matches!(ev.evtq.decided, Some((EvRow::Discard { toggle: false, .. }, _, _))), "no second toggle");
    // Free the slot without acknowledging the overflow: the next record is written.
    tb.write(EVENTQ_CONS, 1);
    tb.ev_edge(ev_in(fault(4, 1, false)));
    let ev = tb.ev_idle_until("a write", |ev| ev.evtq.written.is_some());
    assert_eq!(ev.evtq.written, Some(0));
    assert_eq!(tb.m.evtq().prod(), FLAG_BIT, "one slot: the wrap bit toggled back, OVFLG kept");
}

/// SMMU-EVTQ-6, OP-1: a stall record that finds the queue full is held at the head, written
/// first once there is room, and later records wait behind it.
#[test]
fn evtq_stall_held_then_written_first() {
    let mut tb = Tb::new();
    tb.enable_evtq(0);
    tb.ev_edge(ev_in(fault(1, 1, false)));
    tb.ev_idle_until("the first ack", |ev| ev.evtq.written.is_some());
    let s = fault(0x11, 2, true);
    tb.ev_edge(ev_in(s));
    tb.ev_edge(ev_in(fault(5, 2, false)));
    for _ in 0..10 {
        let ev = tb.ev_edge(PriqInputs::default());
        assert!(matches!(ev.evtq.decided, Some((EvRow::Hold(_), r, 0)) if r == s));
    }
    assert_eq!(tb.m.evtq().prod(), 1, "no toggle for a held stall record");
    tb.write(EVENTQ_CONS, 1);
    tb.ev_idle_until("the stall record's write", |ev| ev.evtq.written.is_some());
    assert_eq!(EventRecord::decode(tb.out().emw_data), EventRecord::from_input(&s, 0));
    let ev = tb.ev_idle_until("the next decision", |ev| ev.evtq.decided.is_some());
    assert!(matches!(ev.evtq.decided, Some((EvRow::Discard { toggle: true, .. }, r, _)) if r.id == 5));
}

/// SMMU-CMD-7, -8, SMMU-EVTQ-8: RESUME resolves one (StreamID, STAG); STALL_TERM every stall of a
/// StreamID; SMMUEN=0 every stall; each resolution issued one edge after the command.
#[test]
fn evtq_stall_resolutions() {
    let mut tb = Tb::new();
    tb.enable_evtq(3);
    for (sid, id) in [(7, 0x10), (7, 0x13), (8, 0x12), (9, 0x11)] {
        tb.ev_edge(ev_in(fault(id, sid, true)));
    }
    assert_eq!(tb.m.evtq().outstanding(), 4);
    assert!(!tb.out().ev_ready, "STALL_MAX=4 stalls outstanding: back-pressure (OP-3)");
    // A RESUME with the wrong StreamID is a no-op.
    let ev = tb.ev_edge(cmd_in(Command::resume(8, 0, StallAction::Retry)));
    assert_eq!(ev.evtq.resolving, 0);
    let ev = tb.ev_edge(cmd_in(Command::resume(8, 2, StallAction::RazWi)));
    assert_eq!(ev.evtq.resolving, 1 << 2);
    let ev = tb.ev_edge(cmd_in(Command::StallTerm { stream_id: 7 }));
    assert_eq!(ev.evtq.issued.map(|r| (r.sid, r.stag, r.action)), Some((8, 2, StallAction::RazWi)));
    assert_eq!(ev.evtq.resolving, 0b11);
    assert!(tb.out().sr_valid && tb.out().sr_action == 2);
    let ev = tb.ev_edge(PriqInputs::default());
    assert_eq!(ev.evtq.issued.map(|r| r.stag), Some(0), "lowest slot first");
    let ev = tb.ev_edge(PriqInputs::default());
    assert_eq!(ev.evtq.issued.map(|r| r.stag), Some(1));
    assert!(tb.out().ev_ready);
    tb.write(CR0, 0);
    let ev = tb.ev_idle_until("the disable abort", |ev| ev.evtq.issued.is_some());
    assert_eq!(ev.evtq.issued.map(|r| (r.sid, r.stag, r.action)), Some((9, 3, StallAction::Abort)));
    assert!(tb.m.evtq().slots().iter().all(|s| *s == Slot::Free));
}

/// SMMU-CMD-9: a CMD_SYNC waits for the record accepted at its own edge and for issued resolutions.
#[test]
fn evtq_sync_waits_for_records() {
    let mut tb = Tb::new();
    tb.enable_evtq(3);
    let [dw0, dw1] = sync_cmd(0).encode();
    let ev = tb.ev_edge(PriqInputs { cmd_valid: true, cmd_dw0: dw0, cmd_dw1: dw1, ..ev_in(fault(1, 1, false)) }); // s
    assert!(!ev.sync_completed);
    let ev = tb.ev_idle_until("the sync", |ev| ev.sync_completed);
    assert!(ev.evtq.written.is_some(), "completes at the record's ack (s+3)");
    // A sync behind a RESUME completes once the resolution is issued.
    tb.ev_edge(ev_in(fault(0x10, 4, true)));
    tb.ev_idle_until("the stall record's ack", |ev| ev.evtq.written.is_some());
    tb.ev_edge(cmd_in(Command::resume(4, 0, StallAction::Retry)));
    let ev = tb.edge(PriqInputs { cmd_valid: true, cmd_dw0: dw0, cmd_dw1: dw1, ..Default::default() });
    assert!(ev.evtq.issued.is_some() && !ev.sync_completed, "slot was RESOLVING before this edge");
    let ev = tb.idle();
    assert!(ev.sync_completed);
}

/// SMMU-EVTQ-10: CR0ACK.EVENTQEN does not fall while a record write is in flight; later
/// non-stall records are discarded without OVFLG change.
#[test]
fn evtq_cr0ack_holds_eventqen() {
    let mut tb = Tb::new();
    tb.enable_evtq(3);
    tb.edge(ev_in(fault(1, 1, false)));
    tb.write(CR0, u64::from(CR0_SMMUEN)); // memory never ready: the write stays in flight
    tb.idle_n(10);
    assert_eq!(tb.m.cr0ack() & CR0_EVENTQEN, CR0_EVENTQEN);
    tb.ev_idle_until("the ack", |ev| ev.evtq.written.is_some());
    tb.ev_idle_until("CR0ACK.EVENTQEN falls", |_| true);
    tb.idle_n(2);
    assert_eq!(tb.m.cr0ack(), CR0_SMMUEN);
    tb.ev_edge(ev_in(fault(2, 1, false)));
    let ev = tb.ev_idle_until("a decision", |ev| ev.evtq.decided.is_some());
    assert!(matches!(ev.evtq.decided, Some((EvRow::Discard { toggle: false, .. }, _, _))));
}

/// SMMU-EVTQ-11: a failed write activates EVENTQ_ABT_ERR (GERROR interrupt), PROD does not cover
/// it, and while it is active non-stall records are discarded and stall records held.
#[test]
fn evtq_write_error() {
    let mut tb = Tb::new();
    tb.set_irq_ctrl(IRQ_CTRL_GERROR_IRQEN);
    tb.enable_evtq(3);
    tb.ev_edge(ev_in(fault(1, 1, false)));
    tb.ev_idle_until("the write", |ev| ev.evtq.mem_write.is_some());
    let ev = tb.edge(PriqInputs { emwack_valid: true, emwack_err: true, ..Default::default() });
    assert_eq!(ev.evtq.write_aborted, Some(0));
    assert_eq!(ev.gerror_activated, GERROR_EVENTQ_ABT_ERR);
    assert!(tb.out().irq_gerror);
    assert_eq!(tb.m.evtq().prod(), 0);
    tb.ev_edge(ev_in(fault(0x13, 2, true)));
    let ev = tb.ev_idle_until("a decision", |ev| ev.evtq.decided.is_some());
    assert!(matches!(ev.evtq.decided, Some((EvRow::Hold(_), _, _))));
    tb.write(GERRORN, u64::from(GERROR_EVENTQ_ABT_ERR));
    tb.ev_idle_until("the held record's write", |ev| ev.evtq.written.is_some());
}
