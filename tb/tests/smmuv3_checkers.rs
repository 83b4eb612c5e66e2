//! Scenario tests for the timing-free SMMUv3 PRIQ checkers: for each checker a correct stream
//! (no violation) and streams with one specific bug, asserting the exact rule reported.

#[path = "common/evaluations.rs"]
mod evaluations;

use evaluations::{counts, evaluations_of};
use models::pcie::{PageRequest, PrgResponse, RespCode};
use tb::checkers::{Checker, Evaluations, Violation};
use tb::smmuv3::checkers::{
    checkers as smmuv3_checkers, encode_priq_entry, ProdCoverageChecker, QueueAddressChecker, QueueEntryChecker, Smmuv3ResponseChecker,
};
use tb::txn::{Stamped, Txn};

const CR0: u32 = 0x20;
const CR0ACK: u32 = 0x24;
const GERROR: u32 = 0x60;
const GERRORN: u32 = 0x64;
const PRIQ_BASE: u32 = 0xC0;
const PRIQ_PROD: u32 = 0x1_00C8;
const PRIQ_CONS: u32 = 0x1_00CC;
const BASE: u64 = 0x8000_0000;

// ---- messages -------------------------------------------------------------------------------

/// An L=0 read request of `rid` in PRG `prgi`, no PASID.
fn pr(rid: u16, prgi: u16) -> PageRequest {
    PageRequest { rid, prgi, r: true, page: 0x1000 + u64::from(prgi), ..Default::default() }
}

trait Msg {
    fn last(self) -> Self;
    fn pasid(self, p: u32) -> Self;
}

impl Msg for PageRequest {
    fn last(mut self) -> Self {
        self.l = true;
        self
    }
    fn pasid(mut self, p: u32) -> Self {
        self.pv = true;
        self.pasid = p;
        self
    }
}

fn stop_marker(rid: u16, pasid: u32) -> PageRequest {
    PageRequest { rid, pv: true, pasid, l: true, ..Default::default() }
}

fn rsp(rid: u16, pasid: Option<u32>, prgi: u16, code: RespCode) -> PrgResponse {
    PrgResponse { rid, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), prgi, code }
}

/// The DEC-3 automatic response of `m`.
fn auto_success(m: &PageRequest) -> PrgResponse {
    rsp(m.rid, m.pv.then_some(m.pasid), m.prgi, RespCode::Success)
}

/// The DEC-2 automatic response of `m`.
fn auto_rf(m: &PageRequest) -> PrgResponse {
    rsp(m.rid, None, m.prgi, RespCode::ResponseFailure)
}

// ---- stream builder ---------------------------------------------------------------------------

/// Builds a transaction stream; every call advances time by `gap` cycles (default 1).
struct Stream {
    t: Vec<Stamped>,
    cycle: u64,
    base: u64,
    log2size: u32,
    slot: u32,
}

impl Stream {
    fn new() -> Self {
        Stream { t: Vec::new(), cycle: 1, base: BASE, log2size: 3, slot: 0 }
    }

    fn push(&mut self, txn: Txn) -> &mut Self {
        self.t.push(Stamped { cycle: self.cycle, txn });
        self.cycle += 1;
        self
    }

    /// Next transaction in the same cycle as the previous one.
    fn same_cycle(&mut self) -> &mut Self {
        self.cycle -= 1;
        self
    }

    fn wait(&mut self, n: u64) -> &mut Self {
        self.cycle += n;
        self
    }

    fn reg_w(&mut self, addr: u32, data: u64) -> &mut Self {
        self.push(Txn::RegWrite { addr, data })
    }

    fn reg_r(&mut self, addr: u32, data: u64) -> &mut Self {
        self.push(Txn::RegRead { addr, data })
    }

    /// Program an 8-entry queue and enable it, waiting for CR0ACK like Linux does.
    fn enabled() -> Self {
        let mut s = Stream::new();
        s.reg_w(PRIQ_BASE, BASE | 3).reg_w(PRIQ_PROD, 0).reg_w(PRIQ_CONS, 0).reg_w(CR0, 0b11).reg_r(CR0ACK, 0).reg_r(CR0ACK, 0b11);
        s
    }

    fn req(&mut self, m: PageRequest) -> &mut Self {
        self.push(Txn::PageRequest { msg: m })
    }

    /// Write the entry of `m` at the next slot (no ack yet).
    fn write(&mut self, m: &PageRequest) -> &mut Self {
        let addr = self.base + 16 * u64::from(self.slot & ((1 << self.log2size) - 1));
        self.write_at(addr, encode_priq_entry(m))
    }

    fn write_at(&mut self, addr: u64, w: [u64; 2]) -> &mut Self {
        self.push(Txn::MemWrite { addr, bytes: 16, data: [w[0], w[1], 0, 0] })
    }

    fn ack(&mut self) -> &mut Self {
        self.slot += 1;
        self.push(Txn::MemAck { err: false })
    }

    fn ack_err(&mut self) -> &mut Self {
        self.push(Txn::MemAck { err: true })
    }

    /// Accept, write and acknowledge `m` (row d).
    fn queued(&mut self, m: PageRequest) -> &mut Self {
        self.req(m).write(&m).ack()
    }

    fn cmd_pri_resp(&mut self, m: &PageRequest, resp: u64) -> &mut Self {
        let dw0 = 0x41 | u64::from(m.pv) << 11 | u64::from(m.pasid) << 12 | u64::from(m.rid) << 32;
        let dw1 = u64::from(m.prgi) | resp << 12;
        self.push(Txn::Command { words: [dw0, dw1, 0, 0], n: 2 })
    }

    fn response(&mut self, r: PrgResponse) -> &mut Self {
        self.push(Txn::Response { rsp: r })
    }
}

fn run(mut c: impl Checker, s: &Stream) -> Vec<Violation> {
    let mut out = Vec::new();
    for t in &s.t {
        c.observe(t, &mut out);
    }
    c.finish(s.cycle, &mut out);
    out
}

fn run_all(s: &Stream) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut cs = smmuv3_checkers(&Default::default());
    for t in &s.t {
        for c in cs.iter_mut() {
            c.observe(t, &mut out);
        }
    }
    for c in cs.iter_mut() {
        c.finish(s.cycle, &mut out);
    }
    out
}

#[track_caller]
fn assert_clean(v: &[Violation]) {
    assert!(v.is_empty(), "unexpected violations:\n{}", v.iter().map(|v| format!("{v}\n")).collect::<String>());
}

#[track_caller]
fn assert_rules(v: &[Violation], rules: &[&str]) {
    let got: Vec<&str> = v.iter().map(|v| v.rule.0).collect();
    assert_eq!(got, rules, "violations:\n{}", v.iter().map(|v| format!("{v}\n")).collect::<String>());
    for x in v {
        let s = x.to_string();
        assert!(s.starts_with(&format!("[{}] cycle {}: ", x.rule, x.cycle)), "{s}");
    }
}

// ---- a correct end-to-end stream, judged by the whole standard set --------------------------

/// A correct stream: queued requests and a Stop Marker, two dropped messages answered
/// automatically (DEC-3 and DEC-2), two groups answered by CMD_PRI_RESP, two PROD reads.
fn correct_stream() -> Stream {
    let a0 = pr(0x10, 1).pasid(5);
    let a1 = pr(0x10, 1).pasid(5).last();
    let b = pr(0x20, 2).last();
    let sm = stop_marker(0x10, 5);
    let dropped = pr(0x30, 3).pasid(9).last();
    let dropped_l0 = pr(0x30, 4);
    let late = pr(0x40, 7).last();
    let mut s = Stream::enabled();
    s.queued(a0).queued(a1).queued(sm);
    // Two messages decided "not queued" (e.g. overflow): their auto responses come late, after
    // later traffic, and the one for `dropped` even before the write that proves it was skipped.
    s.req(dropped).req(dropped_l0).req(b);
    s.response(auto_success(&dropped));
    s.write(&b).ack();
    // Host answers the queued groups.
    s.cmd_pri_resp(&a1, 0b10).cmd_pri_resp(&b, 0b01);
    s.reg_r(PRIQ_PROD, 4);
    s.response(rsp(0x10, Some(5), 1, RespCode::Success));
    s.response(rsp(0x20, None, 2, RespCode::InvalidRequest));
    // A request accepted last and never written: answered with DEC-2 (e.g. queue disabled).
    s.req(late).wait(20).response(auto_rf(&late));
    s.reg_r(PRIQ_PROD, 4);
    s
}

#[test]
fn checkers_standard_set_accepts_a_correct_stream() {
    assert_clean(&run_all(&correct_stream()));
}

// ---- queue-entry content and order -----------------------------------------------------------

#[test]
fn checkers_entry_ok_with_skips_and_stop_marker() {
    let mut s = Stream::enabled();
    s.req(pr(1, 1)).req(pr(1, 2).last()).req(stop_marker(1, 3));
    s.write(&pr(1, 2).last()).ack().write(&stop_marker(1, 3)).ack();
    s.queued(pr(2, 1).pasid(7).last());
    assert_clean(&run(QueueEntryChecker::new(), &s));
}

#[test]
fn checkers_entry_wrong_field_is_priq4() {
    let m = pr(1, 1).last();
    let mut bad = m;
    bad.prgi = 2;
    let mut s = Stream::enabled();
    s.req(m).write(&bad).ack();
    let v = run(QueueEntryChecker::new(), &s);
    assert_rules(&v, &["SMMU-PRIQ-4"]);
    assert!(v[0].message.contains("PRGIndex"), "{}", v[0]);
    assert!(v[0].message.contains("next queued request"), "{}", v[0]);
}

#[test]
fn checkers_entry_ssv0_with_substream_is_priq4() {
    let m = pr(1, 1).last();
    let mut w = encode_priq_entry(&m);
    w[0] |= 0x5 << 32; // SubstreamID without SSV
    let mut s = Stream::enabled();
    s.req(m).write_at(BASE, w).ack();
    let v = run(QueueEntryChecker::new(), &s);
    assert_rules(&v, &["SMMU-PRIQ-4"]);
    assert!(v[0].message.contains("SSV=0"), "{}", v[0]);
}

#[test]
fn checkers_entry_res0_bits_are_priq3() {
    let m = pr(1, 1).last();
    let mut w = encode_priq_entry(&m);
    w[1] |= 1 << 10;
    let mut s = Stream::enabled();
    s.req(m).write_at(BASE, w).ack();
    assert_rules(&run(QueueEntryChecker::new(), &s), &["SMMU-PRIQ-3"]);
}

#[test]
fn checkers_entry_stop_marker_altered_is_priq11() {
    let sm = stop_marker(4, 9);
    let mut bad = sm;
    bad.l = false;
    let mut s = Stream::enabled();
    s.req(sm).write(&bad).ack();
    assert_rules(&run(QueueEntryChecker::new(), &s), &["SMMU-PRIQ-11"]);
}

#[test]
fn checkers_entry_out_of_order_is_pri31() {
    let a = pr(1, 1);
    let b = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.req(a).req(b).write(&b).ack().write(&a).ack();
    assert_rules(&run(QueueEntryChecker::new(), &s), &["PRI-31"]);
}

#[test]
fn checkers_entry_written_twice_is_priq3() {
    let a = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.queued(a).write(&a).ack();
    assert_rules(&run(QueueEntryChecker::new(), &s), &["SMMU-PRIQ-3"]);
}

#[test]
fn checkers_entry_without_any_message_is_priq4() {
    let mut s = Stream::enabled();
    s.write(&pr(1, 1)).ack();
    assert_rules(&run(QueueEntryChecker::new(), &s), &["SMMU-PRIQ-4"]);
}

// ---- queue addressing ----------------------------------------------------------------------

#[test]
fn checkers_address_ok_wrap_failed_ack_and_gated_writes() {
    let mut s = Stream::new();
    s.log2size = 2;
    s.reg_w(PRIQ_BASE, BASE | 2).reg_w(PRIQ_PROD, 0).reg_w(CR0, 0b11).reg_r(CR0ACK, 0b11);
    // Ignored while enabled (SMMU-PRIQ-14).
    s.reg_w(PRIQ_BASE, 0x9000_0000 | 2).reg_w(PRIQ_PROD, 3);
    for i in 0..6 {
        s.queued(pr(1, i));
    }
    // A failed write does not advance: the next entry reuses the slot.
    s.req(pr(1, 6)).write(&pr(1, 6)).ack_err();
    s.queued(pr(1, 7));
    // Two writes in flight before their acks (pipelined third-party DUT).
    s.req(pr(1, 8)).req(pr(1, 9));
    s.write(&pr(1, 8));
    s.slot += 1;
    s.write(&pr(1, 9)).push(Txn::MemAck { err: false }).push(Txn::MemAck { err: false });
    s.slot += 1;
    s.queued(pr(1, 10));
    assert_clean(&run(QueueAddressChecker::new(8), &s));
}

#[test]
fn checkers_address_wrong_slot_is_priq3() {
    let mut s = Stream::enabled();
    s.queued(pr(1, 1));
    s.slot += 1; // the DUT skips a slot
    s.queued(pr(1, 2));
    let v = run(QueueAddressChecker::new(8), &s);
    assert_rules(&v, &["SMMU-PRIQ-3"]);
    assert!(v[0].message.contains("slot 2") && v[0].message.contains("slot 1"), "{}", v[0]);
}

#[test]
fn checkers_address_failed_ack_advancing_is_priq3() {
    let mut s = Stream::enabled();
    s.req(pr(1, 1)).write(&pr(1, 1)).ack_err();
    s.slot += 1; // the DUT advanced PROD on a failed ack
    s.queued(pr(1, 2));
    assert_rules(&run(QueueAddressChecker::new(8), &s), &["SMMU-PRIQ-3"]);
}

#[test]
fn checkers_address_outside_queue_is_priq1() {
    let mut s = Stream::enabled();
    s.req(pr(1, 1)).write_at(BASE + 0x1000, encode_priq_entry(&pr(1, 1))).ack();
    assert_rules(&run(QueueAddressChecker::new(8), &s), &["SMMU-PRIQ-1"]);
}

#[test]
fn checkers_address_log2size_capped_by_priqs_and_base_aligned() {
    // LOG2SIZE 12 > PRIQS 4: a 16-entry queue, base aligned to 256 bytes.
    let mut s = Stream::new();
    s.log2size = 4;
    s.base = 0x8000_0100;
    s.reg_w(PRIQ_BASE, 0x8000_01A0 | 12).reg_w(PRIQ_PROD, 15).reg_w(CR0, 0b11);
    s.slot = 15;
    s.queued(pr(1, 1)).queued(pr(1, 2));
    assert_clean(&run(QueueAddressChecker::new(4), &s));
    let mut bad = Stream::new();
    bad.reg_w(PRIQ_BASE, 0x8000_01A0 | 12).reg_w(PRIQ_PROD, 15).reg_w(CR0, 0b11);
    bad.req(pr(1, 1)).write_at(0x8000_01A0 + 15 * 16, encode_priq_entry(&pr(1, 1))).ack();
    assert_rules(&run(QueueAddressChecker::new(4), &bad), &["SMMU-PRIQ-1"]);
}

#[test]
fn checkers_address_doubtful_base_write_resolved_by_first_write() {
    // BASE rewritten after clearing CR0.PRIQEN but before CR0ACK is seen to drop: the write may
    // have been ignored. Either outcome is accepted once, then followed.
    for applied in [false, true] {
        let mut s = Stream::enabled();
        s.reg_w(CR0, 0b01).reg_w(PRIQ_BASE, 0x9000_0000 | 3).reg_w(CR0, 0b11);
        if applied {
            s.base = 0x9000_0000;
        }
        s.queued(pr(1, 1)).queued(pr(1, 2));
        assert_clean(&run(QueueAddressChecker::new(8), &s));
    }
}

// ---- PROD coverage -------------------------------------------------------------------------

#[test]
fn checkers_prod_ok_including_lagging_and_same_cycle_reads() {
    let mut s = Stream::enabled();
    s.queued(pr(1, 1)).reg_r(PRIQ_PROD, 1);
    s.req(pr(1, 2)).write(&pr(1, 2));
    // The read and the ack share a cycle; the read is reported first and already shows it.
    s.reg_r(PRIQ_PROD, 2).same_cycle().ack();
    // A read that lags behind the last ack is fine.
    s.queued(pr(1, 3)).same_cycle().reg_r(PRIQ_PROD, 2);
    s.reg_r(PRIQ_PROD, 3);
    assert_clean(&run(ProdCoverageChecker::new(8), &s));
}

#[test]
fn checkers_prod_covering_unacked_entry_is_priq3() {
    let mut s = Stream::enabled();
    s.queued(pr(1, 1));
    s.req(pr(1, 2)).write(&pr(1, 2));
    s.reg_r(PRIQ_PROD, 2); // PROD already covers the entry whose ack has not come
    s.ack();
    let v = run(ProdCoverageChecker::new(8), &s);
    assert_rules(&v, &["SMMU-PRIQ-3"]);
    assert!(v[0].message.contains("covers 1 entry"), "{}", v[0]);
}

#[test]
fn checkers_prod_failed_ack_does_not_count() {
    let mut s = Stream::enabled();
    s.req(pr(1, 1)).write(&pr(1, 1)).ack_err().reg_r(PRIQ_PROD, 1);
    assert_rules(&run(ProdCoverageChecker::new(8), &s), &["SMMU-PRIQ-3"]);
}

// ---- responses -----------------------------------------------------------------------------

#[test]
fn checkers_responses_ok() {
    let q = pr(1, 1).pasid(3).last();
    let ovf = pr(2, 5).pasid(4).last();
    let dis = pr(3, 6).pasid(4).last();
    let failed = pr(4, 7).last();
    let mut s = Stream::enabled();
    s.queued(q).cmd_pri_resp(&q, 0b00);
    // Auto response for `ovf` (DEC-3) arrives before the software one (auto first, OP-16).
    s.req(ovf).response(auto_success(&ovf));
    s.response(rsp(1, Some(3), 1, RespCode::ResponseFailure));
    // DEC-2 form for a request decided while disabled: no PASID even though it had one.
    s.req(dis).response(auto_rf(&dis));
    // A failed entry write: answered as row a.
    s.req(failed).write(&failed).ack_err().response(auto_rf(&failed));
    // A Stop Marker and an L=0 request are never answered.
    s.req(stop_marker(1, 3)).req(pr(1, 9));
    assert_clean(&run(Smmuv3ResponseChecker::new(), &s));
}

#[test]
fn checkers_responses_ambiguous_prefers_software_head() {
    // `x` is queued and answered with Success by software; `y`, identical in RID/PRGI/PASID, was
    // dropped and auto-answered with Success. Either response can be either: no violation.
    let x = pr(1, 1).last();
    let y = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.queued(x).cmd_pri_resp(&x, 0b10).req(y);
    s.response(auto_success(&y)).response(auto_success(&x));
    assert_clean(&run(Smmuv3ResponseChecker::new(), &s));
}

#[test]
fn checkers_responses_stop_marker_answered_is_pri17() {
    let sm = stop_marker(1, 3);
    let mut s = Stream::enabled();
    s.req(sm).response(rsp(1, Some(3), 0, RespCode::Success));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["PRI-17"]);
}

#[test]
fn checkers_responses_double_auto_is_pri16() {
    let m = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.req(m).response(auto_success(&m)).response(auto_success(&m));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["PRI-16"]);
}

#[test]
fn checkers_responses_double_software_is_pri16() {
    let m = pr(1, 1).last();
    let r = rsp(1, None, 1, RespCode::InvalidRequest);
    let mut s = Stream::enabled();
    s.queued(m).cmd_pri_resp(&m, 0b01).response(r).response(r);
    let v = run(Smmuv3ResponseChecker::new(), &s);
    assert_rules(&v, &["PRI-16"]);
    assert!(v[0].message.contains("answered twice"), "{}", v[0]);
}

#[test]
fn checkers_responses_missing_auto_at_finish_is_pri16() {
    let dropped = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.req(dropped).queued(pr(1, 2));
    let v = run(Smmuv3ResponseChecker::new(), &s);
    assert_rules(&v, &["PRI-16"]);
    assert_eq!(v[0].cycle, s.cycle);
}

#[test]
fn checkers_responses_missing_software_response_at_finish_is_pri16() {
    let m = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.queued(m).cmd_pri_resp(&m, 0b10);
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["PRI-16"]);
}

#[test]
fn checkers_responses_wrong_auto_code_is_priq10() {
    let m = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.req(m).response(rsp(1, None, 1, RespCode::InvalidRequest));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-PRIQ-10"]);
}

#[test]
fn checkers_responses_auto_success_without_pasid_is_dec3() {
    let m = pr(1, 1).pasid(8).last();
    let mut s = Stream::enabled();
    s.req(m).response(rsp(1, None, 1, RespCode::Success));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["DEC-3"]);
}

#[test]
fn checkers_responses_auto_failure_with_pasid_is_dec2() {
    let m = pr(1, 1).pasid(8).last();
    let mut s = Stream::enabled();
    s.req(m).response(rsp(1, Some(8), 1, RespCode::ResponseFailure));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["DEC-2"]);
}

#[test]
fn checkers_responses_failed_write_answered_success_is_dec2() {
    let m = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.req(m).write(&m).ack_err().response(auto_success(&m));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["DEC-2"]);
}

#[test]
fn checkers_responses_queued_and_auto_answered_is_priq10() {
    let m = pr(1, 1).last();
    // Answered automatically, then written anyway.
    let mut s = Stream::enabled();
    s.req(m).response(auto_success(&m)).write(&m).ack();
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-PRIQ-10"]);
    // Written, then answered as if dropped.
    let mut s = Stream::enabled();
    s.queued(m).response(auto_success(&m));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-PRIQ-10"]);
}

#[test]
fn checkers_responses_wrong_software_code_is_cmd3() {
    let m = pr(1, 1).pasid(2).last();
    let mut s = Stream::enabled();
    s.queued(m).cmd_pri_resp(&m, 0b01).response(rsp(1, Some(2), 1, RespCode::Success));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-CMD-3"]);
}

#[test]
fn checkers_responses_software_out_of_order_is_cmd6() {
    let a = pr(1, 1).last();
    let b = pr(1, 2).last();
    let mut s = Stream::enabled();
    s.queued(a).queued(b).cmd_pri_resp(&a, 0b01).cmd_pri_resp(&b, 0b01);
    s.response(rsp(1, None, 2, RespCode::InvalidRequest)).response(rsp(1, None, 1, RespCode::InvalidRequest));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-CMD-6"]);
}

#[test]
fn checkers_responses_resp3_producing_a_response_is_cmd4() {
    let m = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.queued(m).cmd_pri_resp(&m, 0b11).response(rsp(1, None, 1, RespCode::Reserved(3)));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-CMD-4"]);
}

#[test]
fn checkers_responses_resp3_gerror_flow() {
    let m = pr(1, 1).last();
    // Correct: GERROR shows CMDQ_ERR, software acknowledges, the next command is taken after.
    let mut s = Stream::enabled();
    s.queued(m).cmd_pri_resp(&m, 0b11).wait(3).reg_r(GERROR, 1).reg_w(GERRORN, 1);
    s.cmd_pri_resp(&m, 0b00).response(auto_rf(&m));
    assert_clean(&run(Smmuv3ResponseChecker::new(), &s));
    // CMDQ_ERR never shows.
    let mut s = Stream::enabled();
    s.queued(m).cmd_pri_resp(&m, 0b11).wait(3).reg_r(GERROR, 0).wait(5).reg_r(GERROR, 0);
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-CMD-4"]);
    // A command consumed while the error is still active.
    let mut s = Stream::enabled();
    s.queued(m).cmd_pri_resp(&m, 0b11).cmd_pri_resp(&m, 0b00).response(auto_rf(&m));
    s.reg_r(GERROR, 1).reg_w(GERRORN, 1);
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-CMD-2"]);
}

#[test]
fn checkers_responses_command_while_disabled() {
    let m = pr(1, 1).last();
    // SMMUEN known 0 (CR0ACK read after the disable): a response is SMMU-CMD-5.
    let mut s = Stream::enabled();
    s.queued(m).reg_w(CR0, 0).reg_r(CR0ACK, 0).cmd_pri_resp(&m, 0b10).response(auto_success(&m));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["SMMU-CMD-5"]);
    // ... and no response is fine, with nothing owed at finish.
    let mut s = Stream::enabled();
    s.queued(m).reg_w(CR0, 0).reg_r(CR0ACK, 0).cmd_pri_resp(&m, 0b10);
    assert_clean(&run(Smmuv3ResponseChecker::new(), &s));
    // While CR0ACK may still be changing, either outcome passes.
    for answered in [false, true] {
        let mut s = Stream::enabled();
        s.queued(m).reg_w(CR0, 0).cmd_pri_resp(&m, 0b10);
        if answered {
            s.response(auto_success(&m));
        }
        assert_clean(&run(Smmuv3ResponseChecker::new(), &s));
    }
}

#[test]
fn checkers_responses_unexplained_is_pri16() {
    let mut s = Stream::enabled();
    s.response(rsp(9, None, 9, RespCode::Success));
    assert_rules(&run(Smmuv3ResponseChecker::new(), &s), &["PRI-16"]);
}

// ---- evaluation counters (coverage bins checks.<checker>.<RULE>) --------------------------------

/// Run the standard set over `s`: each checker's name and evaluation counters.
fn evaluations(s: &Stream) -> Vec<(&'static str, Evaluations)> {
    evaluations_of(smmuv3_checkers(&Default::default()), &s.t, s.cycle)
}

#[test]
fn every_smmuv3_checker_counts_what_it_judges() {
    for c in smmuv3_checkers(&Default::default()) {
        assert!(!c.evaluations().rules().is_empty(), "{} counts no rule", c.name());
    }
}

#[test]
fn evaluations_count_each_situation_and_stay_zero_without_it() {
    // Nothing but the queue's enable: no situation arose, every count is 0.
    for (name, ev) in evaluations(&Stream::enabled()) {
        assert!(ev.iter().all(|(_, n)| n == 0), "{name} counted without traffic: {ev:?}");
    }
    let e = evaluations(&correct_stream());
    // Four entry writes, one of them a Stop Marker's.
    assert_eq!(counts(&e, "smmuv3-priq-entry", &["SMMU-PRIQ-3", "SMMU-PRIQ-4", "PRI-31", "SMMU-PRIQ-11"]), [4, 4, 4, 1]);
    assert_eq!(counts(&e, "smmuv3-priq-address", &["SMMU-PRIQ-1", "SMMU-PRIQ-3"]), [4, 4]);
    assert_eq!(counts(&e, "smmuv3-priq-prod", &["SMMU-PRIQ-3"]), [2]);
    let r = "smmuv3-prg-responses";
    // Two CMD_PRI_RESP while SMMUEN is known 1, each answered in order with what it asked.
    assert_eq!(counts(&e, r, &["SMMU-CMD-5", "SMMU-CMD-6", "SMMU-CMD-3"]), [2, 2, 2]);
    // One Stop Marker; two automatic responses, both of entries not failed (DEC-2 and DEC-3).
    assert_eq!(counts(&e, r, &["PRI-17", "DEC-2", "DEC-3"]), [1, 2, 2]);
    // Four writes matched to messages and two L=1 requests queued.
    assert_eq!(counts(&e, r, &["SMMU-PRIQ-10"]), [6]);
    // No Resp=0b11 command.
    assert_eq!(counts(&e, r, &["SMMU-CMD-4", "DEC-4", "SMMU-CMD-2"]), [0, 0, 0]);
    // ... which a Resp=0b11 command and its acknowledgement raise.
    let m = pr(1, 1).last();
    let mut s = Stream::enabled();
    s.queued(m).cmd_pri_resp(&m, 0b11).wait(3).reg_r(GERROR, 1).reg_w(GERRORN, 1);
    s.cmd_pri_resp(&m, 0b00).response(auto_rf(&m));
    assert_eq!(counts(&evaluations(&s), r, &["SMMU-CMD-4", "DEC-4", "SMMU-CMD-2"]), [1, 1, 1]);
}
