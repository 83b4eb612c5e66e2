//! Scenario tests for the flavour-independent PRI checkers (`tb::checkers::pri`): for each rule a
//! correct stream (no violation) and a broken one reporting exactly that rule, plus a long
//! seeded random stream that is legal (default PRGI mode, credits respected, responses in
//! random order, stops of both variants, PASID reuse) and must pass every checker.

use models::pcie::{PageRequest, PrgResponse, RespCode};
use std::collections::VecDeque;
use tb::checkers::pri::{
    pri_checkers, FunctionConfig, PasidReuseChecker, PrgCreditChecker, PrgLivenessChecker, PriConfig, ResponseDisciplineChecker,
    StopOrderChecker,
};
use tb::checkers::{Checker, Violation};
use tb::txn::{Stamped, StopVariant, Txn};

/// Default PRGI mode, PRPR=1, Allocation 8.
const F0: u16 = 0x0100;
/// Default mode, PRPR=0 (PASID-less requests only, PRI-15), Allocation 4.
const F1: u16 = 0x0200;
/// Mode `prgi_shared_across_pasids`, PRPR=1, Allocation 8.
const F2: u16 = 0x0300;
/// Mode `prgi_shared_across_pasids` but PRPR=0 (sharing never allowed).
const F3: u16 = 0x0400;

fn cfg() -> PriConfig {
    let f = |rid, prpr, allocation, shared| FunctionConfig { rid, prpr, allocation, prgi_shared_across_pasids: shared };
    PriConfig { functions: vec![f(F0, true, 8, false), f(F1, false, 4, false), f(F2, true, 8, true), f(F3, false, 8, true)] }
}

// ---- messages -------------------------------------------------------------------------------

fn req(rid: u16, pasid: Option<u32>, prgi: u16, last: bool) -> PageRequest {
    PageRequest {
        rid,
        pv: pasid.is_some(),
        pasid: pasid.unwrap_or(0),
        r: true,
        l: last,
        prgi,
        page: 0x4_0000 + u64::from(prgi),
        ..Default::default()
    }
}

fn marker(rid: u16, pasid: u32) -> PageRequest {
    PageRequest { rid, pv: true, pasid, l: true, ..Default::default() }
}

fn rsp(rid: u16, pasid: Option<u32>, prgi: u16, code: RespCode) -> PrgResponse {
    PrgResponse { rid, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), prgi, code }
}

const OK: RespCode = RespCode::Success;
const IR: RespCode = RespCode::InvalidRequest;
const RF: RespCode = RespCode::ResponseFailure;

// ---- stream builder ---------------------------------------------------------------------------

/// A transaction stream; every call advances time by one cycle. Counts the messages of each
/// (RID, PASID) so stop events can carry the function's `sent` count (accepted at once here).
#[derive(Default)]
struct S {
    t: Vec<Stamped>,
    cycle: u64,
    sent: Vec<((u16, u32), u64)>,
}

impl S {
    fn new() -> Self {
        S { cycle: 1, ..Default::default() }
    }
    fn push(&mut self, txn: Txn) -> &mut Self {
        self.t.push(Stamped { cycle: self.cycle, txn });
        self.cycle += 1;
        self
    }
    fn sent_of(&self, rid: u16, pasid: u32) -> u64 {
        self.sent.iter().find(|(k, _)| *k == (rid, pasid)).map_or(0, |(_, n)| *n)
    }
    /// Count a message of (rid, pasid) as sent by the function without it being accepted yet.
    fn sent_only(&mut self, m: PageRequest) -> &mut Self {
        if m.pv {
            match self.sent.iter_mut().find(|(k, _)| *k == (m.rid, m.pasid)) {
                Some((_, n)) => *n += 1,
                None => self.sent.push(((m.rid, m.pasid), 1)),
            }
        }
        self
    }
    /// Accept a message without counting it as sent (pairs with `sent_only`).
    fn accept_only(&mut self, m: PageRequest) -> &mut Self {
        self.push(Txn::PageRequest { msg: m })
    }
    fn msg(&mut self, m: PageRequest) -> &mut Self {
        self.sent_only(m).accept_only(m)
    }
    fn r(&mut self, rid: u16, pasid: Option<u32>, prgi: u16) -> &mut Self {
        self.msg(req(rid, pasid, prgi, false))
    }
    fn l(&mut self, rid: u16, pasid: Option<u32>, prgi: u16) -> &mut Self {
        self.msg(req(rid, pasid, prgi, true))
    }
    fn sm(&mut self, rid: u16, pasid: u32) -> &mut Self {
        self.msg(marker(rid, pasid))
    }
    fn rsp(&mut self, rid: u16, pasid: Option<u32>, prgi: u16, code: RespCode) -> &mut Self {
        self.push(Txn::Response { rsp: rsp(rid, pasid, prgi, code) })
    }
    fn stop(&mut self, rid: u16, pasid: u32, variant: StopVariant) -> &mut Self {
        let sent = self.sent_of(rid, pasid);
        self.push(Txn::StopRequested { rid, pasid, variant, sent })
    }
    fn complete(&mut self, rid: u16, pasid: u32) -> &mut Self {
        let sent = self.sent_of(rid, pasid);
        self.push(Txn::StopComplete { rid, pasid, sent })
    }
    fn bound(&mut self, rid: u16, pasid: u32) -> &mut Self {
        self.push(Txn::PasidBound { rid, pasid })
    }
    fn freed(&mut self, pasid: u32) -> &mut Self {
        self.push(Txn::PasidFreed { pasid })
    }
    fn drained(&mut self, rid: u16, pasid: u32) -> &mut Self {
        self.push(Txn::QueueDrained { rid, pasid })
    }
    fn reset(&mut self, rid: u16) -> &mut Self {
        self.push(Txn::PriReset { rid })
    }
    fn enable(&mut self, rid: u16, allocation: u32) -> &mut Self {
        self.push(Txn::PriEnable { rid, allocation })
    }
}

fn run(c: &mut dyn Checker, s: &S) -> Vec<Violation> {
    let mut out = Vec::new();
    for t in &s.t {
        c.observe(t, &mut out);
    }
    c.finish(s.cycle, &mut out);
    out
}

fn rules(v: &[Violation]) -> Vec<&'static str> {
    v.iter().map(|x| x.rule.0).collect()
}

#[track_caller]
fn clean(c: &mut dyn Checker, s: &S) {
    let v = run(c, s);
    assert!(v.is_empty(), "{}: expected no violation, got:\n{}", c.name(), show(&v));
}

/// Exactly `n` violations, all of `rule`; returns them.
#[track_caller]
fn only(c: &mut dyn Checker, s: &S, rule: &str, n: usize) -> Vec<Violation> {
    let v = run(c, s);
    assert!(v.len() == n && v.iter().all(|x| x.rule.0 == rule), "{}: expected {n} x {rule}, got {:?}:\n{}", c.name(), rules(&v), show(&v));
    v
}

fn show(v: &[Violation]) -> String {
    v.iter().map(|x| format!("  {x}\n")).collect()
}

fn credits() -> PrgCreditChecker {
    PrgCreditChecker::new(&cfg())
}
fn responses() -> ResponseDisciplineChecker {
    ResponseDisciplineChecker::new(&cfg())
}
fn stops() -> StopOrderChecker {
    StopOrderChecker::new(&cfg())
}
fn reuse() -> PasidReuseChecker {
    PasidReuseChecker::new(&cfg())
}
fn liveness() -> PrgLivenessChecker {
    PrgLivenessChecker::new(&cfg())
}

// ---- PrgCreditChecker: PRI-7 -------------------------------------------------------------------

#[test]
fn pri7_one_pasid_per_prg_passes() {
    let mut s = S::new();
    s.r(F0, Some(5), 3).r(F0, Some(5), 3).l(F0, Some(5), 3).rsp(F0, Some(5), 3, OK);
    s.r(F0, None, 4).l(F0, None, 4).rsp(F0, None, 4, OK);
    clean(&mut credits(), &s);
}

#[test]
fn pri7_mixed_pasid_prg_reported() {
    let mut s = S::new();
    s.r(F0, Some(5), 3).l(F0, Some(6), 3);
    let v = only(&mut credits(), &s, "PRI-7", 1);
    assert!(v[0].message.contains("function 0x0100"), "{}", v[0]);
    // PASID presence differs too.
    let mut s = S::new();
    s.r(F0, None, 3).l(F0, Some(6), 3);
    only(&mut credits(), &s, "PRI-7", 1);
}

// ---- PRI-8 ------------------------------------------------------------------------------------

#[test]
fn pri8_index_reused_after_response_passes() {
    let mut s = S::new();
    s.l(F0, Some(5), 3).rsp(F0, Some(5), 3, IR).r(F0, Some(6), 3).l(F0, Some(6), 3);
    // Different indexes may interleave.
    s.r(F0, Some(5), 1).r(F0, Some(5), 2).l(F0, Some(5), 1).l(F0, Some(5), 2);
    clean(&mut credits(), &s);
}

#[test]
fn pri8_second_outstanding_prg_with_same_index_reported() {
    let mut s = S::new();
    s.l(F0, Some(5), 3).r(F0, Some(6), 3);
    only(&mut credits(), &s, "PRI-8", 1);
}

#[test]
fn pri8_second_last_on_outstanding_index_reported() {
    let mut s = S::new();
    s.l(F0, Some(5), 3).l(F0, Some(5), 3);
    let v = only(&mut credits(), &s, "PRI-8", 1);
    assert!(v[0].message.contains("second L=1"), "{}", v[0]);
}

// ---- PRI-9 ------------------------------------------------------------------------------------

#[test]
fn pri9_shared_index_under_two_pasids_passes() {
    let mut s = S::new();
    s.r(F2, Some(5), 3).r(F2, Some(6), 3).l(F2, Some(6), 3).l(F2, Some(5), 3);
    s.rsp(F2, Some(5), 3, OK).rsp(F2, Some(6), 3, OK).l(F2, Some(5), 3);
    clean(&mut credits(), &s);
}

#[test]
fn pri9_two_prgs_per_pasid_and_index_reported() {
    let mut s = S::new();
    s.l(F2, Some(5), 3).r(F2, Some(5), 3);
    only(&mut credits(), &s, "PRI-9", 1);
}

#[test]
fn pri9_share_without_pasid_or_prpr_reported() {
    let mut s = S::new();
    s.l(F2, None, 3).l(F2, Some(6), 3);
    only(&mut credits(), &s, "PRI-9", 1);
    let mut s = S::new();
    s.l(F3, None, 3).l(F3, None, 3);
    only(&mut credits(), &s, "PRI-9", 1);
}

// ---- PRI-11 / PRI-12 --------------------------------------------------------------------------

#[test]
fn pri11_credits_up_to_allocation_and_returned_by_responses_pass() {
    let mut s = S::new();
    // 8 requests in 3 PRGs: exactly the Allocation.
    for _ in 0..3 {
        s.r(F0, Some(5), 1);
    }
    s.l(F0, Some(5), 1).r(F0, None, 2).l(F0, None, 2).r(F0, Some(7), 9).r(F0, Some(7), 9);
    // A response returns all 4 credits of PRG 1 (an automatic one looks the same, PRI-12).
    s.rsp(F0, Some(5), 1, OK);
    for _ in 0..3 {
        s.r(F0, Some(5), 4);
    }
    s.l(F0, Some(5), 4);
    // A stale PRG's response returns its credits too.
    s.rsp(F0, None, 2, OK).stop(F0, 7, StopVariant::B).l(F0, Some(7), 9).complete(F0, 7).sm(F0, 7);
    s.rsp(F0, Some(7), 9, OK).rsp(F0, Some(5), 4, IR);
    for p in 10..18 {
        s.l(F0, Some(5), p);
    }
    clean(&mut credits(), &s);
}

#[test]
fn pri11_credit_overrun_reported_once() {
    let mut s = S::new();
    for p in 0..8 {
        s.l(F0, Some(5), p);
    }
    s.r(F0, Some(5), 20).r(F0, Some(5), 20);
    let v = only(&mut credits(), &s, "PRI-11", 1);
    assert!(v[0].message.starts_with("function 0x0100 has 9 requests outstanding, Allocation 8"), "{}", v[0]);
    assert_eq!(v[0].cycle, 9);
}

#[test]
fn pri11_allocation_latched_at_enable() {
    // Allocation 4 from PriEnable replaces the configured 8.
    let mut s = S::new();
    s.enable(F0, 4);
    for p in 0..5 {
        s.l(F0, None, p);
    }
    only(&mut credits(), &s, "PRI-11", 1);
    // After RF, reset and re-enable with 8, the abandoned credits are gone.
    let mut s = S::new();
    for p in 0..8 {
        s.l(F0, None, p);
    }
    s.rsp(F0, None, 0, RF).reset(F0).enable(F0, 8);
    for p in 0..8 {
        s.l(F0, None, p);
    }
    clean(&mut credits(), &s);
}

// ---- PRI-27, PRI-2 ----------------------------------------------------------------------------

#[test]
fn pri27_marker_after_prgs_closed_passes() {
    let mut s = S::new();
    s.r(F0, Some(5), 3).r(F0, Some(6), 4).l(F0, Some(5), 3).sm(F0, 5).l(F0, Some(6), 4);
    clean(&mut credits(), &s);
}

#[test]
fn pri27_marker_with_open_prg_reported() {
    let mut s = S::new();
    s.r(F0, Some(5), 3).sm(F0, 5);
    only(&mut credits(), &s, "PRI-27", 1);
}

#[test]
fn pri2_marker_fields_zero() {
    let mut s = S::new();
    s.msg(PageRequest { prgi: 7, ..marker(F0, 5) });
    only(&mut credits(), &s, "PRI-2", 1);
    // A PASID-less L=1, R=W=0 message is a page request (DEC-1): it holds a credit and its index.
    let mut s = S::new();
    s.msg(PageRequest { r: false, ..req(F0, None, 3, true) }).l(F0, None, 3);
    only(&mut credits(), &s, "PRI-8", 1);
}

// ---- ResponseDisciplineChecker: PRI-16 --------------------------------------------------------

#[test]
fn pri16_responses_after_last_in_any_order_pass() {
    let mut s = S::new();
    s.r(F0, Some(5), 1).l(F0, Some(5), 1).l(F0, None, 2).l(F1, None, 2);
    s.rsp(F1, None, 2, OK).rsp(F0, None, 2, IR).rsp(F0, Some(5), 1, OK);
    // Response Failure may name anything, even an open PRG.
    s.r(F0, Some(5), 7).rsp(F0, None, 99, RF);
    let mut c = responses();
    clean(&mut c, &s);
    assert!(c.expected_uprgi().is_empty());
}

#[test]
fn pri16_response_before_last_reported() {
    let mut s = S::new();
    s.r(F0, Some(5), 1).rsp(F0, Some(5), 1, OK);
    let v = only(&mut responses(), &s, "PRI-16", 1);
    assert!(v[0].message.contains("before its L=1"), "{}", v[0]);
}

#[test]
fn pri16_second_response_reported() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).rsp(F0, Some(5), 1, OK).rsp(F0, Some(5), 1, OK);
    let mut c = responses();
    let v = only(&mut c, &s, "PRI-16", 1);
    assert!(v[0].message.contains("already answered at cycle 2"), "{}", v[0]);
    // The function sets UPRGI for the second one.
    assert_eq!(c.expected_uprgi().len(), 1);
    assert!(c.uprgi_expected_since(F0, 3));
    assert!(!c.uprgi_expected_since(F1, 0));
}

#[test]
fn pri16_response_for_unknown_prg_reported() {
    let mut s = S::new();
    s.rsp(F1, None, 17, IR);
    only(&mut responses(), &s, "PRI-16", 1);
}

// ---- PRI-14 -----------------------------------------------------------------------------------

#[test]
fn pri14_pasid_iff_prpr_and_pv_passes() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).l(F0, None, 2).l(F1, None, 1);
    s.rsp(F0, Some(5), 1, OK).rsp(F0, None, 2, OK).rsp(F1, None, 1, IR);
    // DEC-2: Response Failure without PASID, to a PASID PRG of a PRPR=1 function.
    s.l(F0, Some(5), 3).rsp(F0, None, 3, RF);
    clean(&mut responses(), &s);
}

#[test]
fn pri14_pasid_to_prpr0_function_reported() {
    let mut s = S::new();
    s.l(F1, None, 1).rsp(F1, Some(5), 1, OK);
    only(&mut responses(), &s, "PRI-14", 1);
    // Even a Response Failure.
    let mut s = S::new();
    s.rsp(F1, Some(5), 1, RF);
    only(&mut responses(), &s, "PRI-14", 1);
}

#[test]
fn pri14_missing_or_wrong_pasid_reported() {
    // PRPR=1, request with PASID, response without: matched by PRGI, wrong shape.
    let mut s = S::new();
    s.l(F0, Some(5), 1).rsp(F0, None, 1, OK);
    only(&mut responses(), &s, "PRI-14", 1);
    // PRPR=1, request without PASID, response with one: no match, UPRGI.
    let mut s = S::new();
    s.l(F0, None, 1).rsp(F0, Some(5), 1, OK);
    let mut c = responses();
    only(&mut c, &s, "PRI-14", 1);
    assert_eq!(c.expected_uprgi().len(), 1);
    // Another PASID.
    let mut s = S::new();
    s.l(F0, Some(5), 1).rsp(F0, Some(6), 1, OK);
    only(&mut responses(), &s, "PRI-14", 1);
}

// ---- PRI-20 (expected UPRGI) ------------------------------------------------------------------

#[test]
fn pri20_expected_uprgi_after_reset_not_a_violation() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).reset(F0).enable(F0, 8).rsp(F0, Some(5), 1, OK);
    let mut c = responses();
    clean(&mut c, &s);
    let e = c.expected_uprgi();
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].rid, e[0].rsp.prgi, e[0].cycle), (F0, 1, 4));
}

#[test]
fn pri20_stale_prg_response_is_not_uprgi_and_rf_ignores_later_responses() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).stop(F0, 5, StopVariant::B).complete(F0, 5).sm(F0, 5).rsp(F0, Some(5), 1, OK);
    // After RF the function ignores responses (no UPRGI) until re-enabled.
    s.l(F0, None, 2).rsp(F0, None, 9, RespCode::Reserved(2)).rsp(F0, None, 2, OK);
    let mut c = responses();
    clean(&mut c, &s);
    assert!(c.expected_uprgi().is_empty());
}

// ---- StopOrderChecker: PRI-29 -----------------------------------------------------------------

#[test]
fn pri29_complete_after_all_accepted_passes() {
    let mut s = S::new();
    s.r(F0, Some(5), 1).stop(F0, 5, StopVariant::A).l(F0, Some(5), 1).rsp(F0, Some(5), 1, OK).complete(F0, 5);
    clean(&mut stops(), &s);
}

#[test]
fn pri29_complete_before_acceptance_reported() {
    let mut s = S::new();
    let m = req(F0, Some(5), 1, true);
    s.stop(F0, 5, StopVariant::B).sent_only(m).complete(F0, 5).accept_only(m).sm(F0, 5);
    let v = only(&mut stops(), &s, "PRI-29", 1);
    assert!(v[0].message.contains("sent 1 message(s) of it, but only 0 were accepted"), "{}", v[0]);
}

// ---- PRI-25 -----------------------------------------------------------------------------------

#[test]
fn pri25_variant_a_waits_for_responses_passes() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).l(F0, Some(6), 2).stop(F0, 5, StopVariant::A).rsp(F0, Some(5), 1, OK).complete(F0, 5);
    clean(&mut stops(), &s);
}

#[test]
fn pri25_variant_a_complete_with_outstanding_prg_reported() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).stop(F0, 5, StopVariant::A).complete(F0, 5);
    only(&mut stops(), &s, "PRI-25", 1);
}

#[test]
fn pri25_variant_a_marker_reported() {
    let mut s = S::new();
    s.stop(F0, 5, StopVariant::A).complete(F0, 5).sm(F0, 5);
    only(&mut stops(), &s, "PRI-25", 1);
}

// ---- PRI-26 -----------------------------------------------------------------------------------

#[test]
fn pri26_one_marker_before_or_after_complete_passes() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).stop(F0, 5, StopVariant::B).sm(F0, 5).complete(F0, 5);
    s.l(F0, Some(6), 2).stop(F0, 6, StopVariant::B).complete(F0, 6).sm(F0, 6);
    // Second incarnation of 6, stopped again.
    s.bound(F0, 6).l(F0, Some(6), 3).stop(F0, 6, StopVariant::B).complete(F0, 6).sm(F0, 6);
    clean(&mut stops(), &s);
}

#[test]
fn pri26_missing_marker_reported_at_finish() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).stop(F0, 5, StopVariant::B).complete(F0, 5);
    only(&mut stops(), &s, "PRI-26", 1);
}

#[test]
fn pri26_second_or_unrequested_marker_reported() {
    let mut s = S::new();
    s.stop(F0, 5, StopVariant::B).complete(F0, 5).sm(F0, 5).sm(F0, 5);
    only(&mut stops(), &s, "PRI-26", 1);
    let mut s = S::new();
    s.sm(F0, 5);
    only(&mut stops(), &s, "PRI-26", 1);
}

// ---- PRI-24 -----------------------------------------------------------------------------------

#[test]
fn pri24_open_prgs_finished_passes() {
    // The new PRG 2 was sent before the stop request (count 1), so it may still arrive.
    let mut s = S::new();
    let m = req(F0, Some(5), 2, true);
    s.r(F0, Some(5), 1).sent_only(m).stop(F0, 5, StopVariant::A).accept_only(m);
    s.r(F0, Some(5), 1).l(F0, Some(5), 1).rsp(F0, Some(5), 1, OK).rsp(F0, Some(5), 2, OK).complete(F0, 5);
    clean(&mut stops(), &s);
}

#[test]
fn pri24_new_prg_while_stopping_reported() {
    let mut s = S::new();
    s.r(F0, Some(5), 1).stop(F0, 5, StopVariant::A).l(F0, Some(5), 1).l(F0, Some(5), 2);
    only(&mut stops(), &s, "PRI-24", 1);
}

// ---- PRI-28 -----------------------------------------------------------------------------------

#[test]
fn pri28_request_passing_marker_reported() {
    let mut s = S::new();
    let last = req(F0, Some(5), 1, true);
    // The function sent L=1 and then the marker; the ingress took the marker first.
    s.r(F0, Some(5), 1).stop(F0, 5, StopVariant::B).sent_only(last).sm(F0, 5).accept_only(last).complete(F0, 5);
    let v = only(&mut stops(), &s, "PRI-28", 1);
    assert!(v[0].message.contains("after the Stop Marker"), "{}", v[0]);
}

#[test]
fn pri28_marker_sent_after_complete_then_new_incarnation_passes() {
    // The host rebinds before the old incarnation's marker arrives; new requests follow it.
    let mut s = S::new();
    s.l(F0, Some(5), 1).stop(F0, 5, StopVariant::B).complete(F0, 5).bound(F0, 5).sm(F0, 5).l(F0, Some(5), 2);
    clean(&mut stops(), &s);
}

// ---- PRI-30 -----------------------------------------------------------------------------------

#[test]
fn pri30_requests_after_rebind_pass() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).rsp(F0, Some(5), 1, OK).stop(F0, 5, StopVariant::A).complete(F0, 5);
    s.bound(F0, 5).l(F0, Some(5), 1).l(F0, Some(5), 2);
    clean(&mut stops(), &s);
}

#[test]
fn pri30_request_after_complete_without_rebind_reported() {
    let mut s = S::new();
    s.stop(F0, 5, StopVariant::A).complete(F0, 5).l(F0, Some(5), 1).l(F0, Some(5), 2);
    only(&mut stops(), &s, "PRI-30", 1);
}

// ---- PasidReuseChecker: HOST-27 ---------------------------------------------------------------

/// The full HOST-27 release of (F0, 5) with a stale PRG answered, then a new incarnation.
fn release_ok(s: &mut S) {
    s.bound(F0, 5).l(F0, Some(5), 1).stop(F0, 5, StopVariant::B).complete(F0, 5).sm(F0, 5);
    s.drained(F0, 5).rsp(F0, Some(5), 1, OK).freed(5).bound(F0, 5).l(F0, Some(5), 1);
}

#[test]
fn host27_full_release_passes() {
    let mut s = S::new();
    release_ok(&mut s);
    clean(&mut reuse(), &s);
    clean(&mut reuse().with_drain_events(), &s);
    // A late variant-B marker after the free is not a request of P.
    let mut s = S::new();
    s.bound(F0, 6).stop(F0, 6, StopVariant::B).complete(F0, 6).freed(6).sm(F0, 6);
    clean(&mut reuse(), &s);
}

#[test]
fn host27_free_before_stop_complete_reported() {
    let mut s = S::new();
    s.bound(F0, 5).stop(F0, 5, StopVariant::A).freed(5);
    only(&mut reuse(), &s, "HOST-27", 1);
    let mut s = S::new();
    s.bound(F0, 5).freed(5);
    only(&mut reuse(), &s, "HOST-27", 1);
}

#[test]
fn host27_free_with_outstanding_stale_prg_reported() {
    let mut s = S::new();
    s.bound(F0, 5).l(F0, Some(5), 1).stop(F0, 5, StopVariant::B).complete(F0, 5).sm(F0, 5).freed(5);
    let v = only(&mut reuse(), &s, "HOST-27", 1);
    assert!(v[0].message.contains("stale"), "{}", v[0]);
}

#[test]
fn host27_free_before_drain_reported_with_drain_events() {
    let mut s = S::new();
    s.bound(F0, 5).stop(F0, 5, StopVariant::A).complete(F0, 5).freed(5);
    clean(&mut reuse(), &s);
    only(&mut reuse().with_drain_events(), &s, "HOST-27", 1);
}

// ---- HOST-28 ----------------------------------------------------------------------------------

#[test]
fn host28_rebind_before_free_reported() {
    let mut s = S::new();
    s.bound(F0, 5).stop(F0, 5, StopVariant::A).complete(F0, 5).bound(F0, 5);
    only(&mut reuse(), &s, "HOST-28", 1);
}

#[test]
fn host28_rebind_with_old_prg_outstanding_reported() {
    // Freed properly by the host model's account, but a PRG of the old incarnation shows up
    // (accepted late) before the rebind.
    let mut s = S::new();
    s.bound(F0, 5).stop(F0, 5, StopVariant::A).complete(F0, 5).freed(5).l(F0, Some(5), 1).bound(F0, 5);
    let v = only(&mut reuse(), &s, "HOST-28", 2);
    assert!(v[0].message.contains("accepted after PASID 0x5 was freed"), "{}", v[0]);
    assert!(v[1].message.contains("old incarnation is still outstanding"), "{}", v[1]);
}

#[test]
fn host28_request_after_free_reported_once() {
    let mut s = S::new();
    s.bound(F0, 5).stop(F0, 5, StopVariant::A).complete(F0, 5).freed(5).r(F0, Some(5), 1).r(F0, Some(5), 1);
    only(&mut reuse(), &s, "HOST-28", 1);
}

// ---- PrgLivenessChecker: PRI-16 at quiescence -------------------------------------------------

#[test]
fn pri16_liveness_every_closed_prg_answered_passes() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).r(F0, Some(5), 2).l(F1, None, 1).rsp(F0, Some(5), 1, OK).rsp(F1, None, 1, IR);
    // Exempt: PRGs abandoned by RF, and by a PRI reset.
    s.l(F0, None, 3).rsp(F0, None, 0, RF).l(F0, None, 4);
    s.l(F1, None, 2).reset(F1).enable(F1, 4);
    clean(&mut liveness(), &s);
}

#[test]
fn pri16_liveness_missing_response_reported() {
    let mut s = S::new();
    s.l(F0, Some(5), 1).l(F0, Some(5), 2).rsp(F0, Some(5), 1, OK);
    s.stop(F0, 7, StopVariant::B).l(F0, Some(7), 3).complete(F0, 7).sm(F0, 7);
    let v = only(&mut liveness(), &s, "PRI-16", 2);
    assert!(v[0].message.contains("prgi 2"), "{}", v[0]);
    assert!(v[1].message.contains("stale"), "{}", v[1]);
}

// ---- all checkers, and trace round trip of the new kinds --------------------------------------

#[test]
fn new_kinds_round_trip_through_json() {
    let evs = [
        Txn::StopRequested { rid: F0, pasid: 5, variant: StopVariant::B, sent: 3 },
        Txn::StopComplete { rid: F0, pasid: 5, sent: 4 },
        Txn::PasidBound { rid: F0, pasid: 5 },
        Txn::PasidFreed { pasid: 5 },
        Txn::QueueDrained { rid: F0, pasid: 5 },
        Txn::PriReset { rid: F0 },
        Txn::PriEnable { rid: F0, allocation: 8 },
    ];
    for (i, txn) in evs.into_iter().enumerate() {
        let st = Stamped { cycle: i as u64, txn };
        let j = serde_json::to_string(&st).unwrap();
        assert_eq!(serde_json::from_str::<Stamped>(&j).unwrap(), st, "{j}");
    }
    let j = serde_json::to_string(&Stamped { cycle: 7, txn: evs[0] }).unwrap();
    assert_eq!(j, r#"{"cycle":7,"kind":"stop_requested","rid":256,"pasid":5,"variant":"b","sent":3}"#);
}

// ---- long random legal stream -----------------------------------------------------------------

/// xorshift64*: a tiny seeded generator, so the stream depends only on the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Bound,
    Stopping { variant: StopVariant, marker_sent: bool },
    Stopped { drained: bool },
    Free { until: u64 },
}

struct PState {
    pasid: u32,
    phase: Phase,
    sent: u64,
}

#[derive(Clone, Copy)]
struct FPrg {
    prgi: u16,
    pasid: Option<u32>,
    reqs: u32,
    /// L=1 sent by the function.
    last_sent: bool,
    /// L=1 accepted at the ingress: the host may answer it.
    last_accepted: bool,
}

struct Fun {
    rid: u16,
    prpr: bool,
    alloc: u32,
    used: u32,
    prgs: Vec<FPrg>,
    /// Messages sent, not yet accepted (one FIFO per function keeps its order, PRI-28).
    fifo: VecDeque<PageRequest>,
    pasids: Vec<PState>,
}

impl Fun {
    fn in_fifo(&self, pasid: u32) -> bool {
        self.fifo.iter().any(|m| m.pv && m.pasid == pasid)
    }
    fn outstanding(&self, pasid: u32) -> bool {
        self.prgs.iter().any(|p| p.pasid == Some(pasid))
    }
}

/// A legal random stream: functions obey credits, the default PRGI mode, PRPR, stops of both
/// variants (PRI-24..29), the host answers closed PRGs in random order and releases PASIDs with
/// the HOST-27 sequence before rebinding them.
fn random_stream(seed: u64, steps: usize) -> (PriConfig, S) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut funs = vec![
        Fun { rid: 0x0100, prpr: true, alloc: 8, used: 0, prgs: vec![], fifo: VecDeque::new(), pasids: vec![] },
        Fun { rid: 0x0108, prpr: false, alloc: 5, used: 0, prgs: vec![], fifo: VecDeque::new(), pasids: vec![] },
        Fun { rid: 0x0210, prpr: true, alloc: 16, used: 0, prgs: vec![], fifo: VecDeque::new(), pasids: vec![] },
    ];
    let cfg = PriConfig {
        functions: funs
            .iter()
            .map(|f| FunctionConfig { rid: f.rid, prpr: f.prpr, allocation: f.alloc, prgi_shared_across_pasids: false })
            .collect(),
    };
    let mut s = S::new();
    for f in &mut funs {
        s.enable(f.rid, f.alloc);
        if f.prpr {
            let base = if f.rid == 0x0100 { 1 } else { 100 };
            for p in base..base + 4 {
                f.pasids.push(PState { pasid: p, phase: Phase::Bound, sent: 0 });
                s.bound(f.rid, p);
            }
        }
    }
    let mut ending = false;
    let mut step = 0usize;
    loop {
        step += 1;
        if step > steps {
            ending = true;
        }
        let idle = funs.iter().all(|f| f.fifo.is_empty() && f.prgs.iter().all(|p| !p.last_accepted));
        if ending && idle {
            break;
        }
        let fi = rng.below(funs.len() as u64) as usize;
        let f = &mut funs[fi];
        let now = s.cycle;
        match rng.below(10) {
            // Send a page request.
            0..=3 if !ending => {
                if f.used >= f.alloc {
                    continue;
                }
                // A stopping PASID finishes its open PRGs first (PRI-24).
                let stopping: Vec<u32> = f.pasids.iter().filter(|p| matches!(p.phase, Phase::Stopping { .. })).map(|p| p.pasid).collect();
                let open: Vec<usize> = (0..f.prgs.len())
                    .filter(|&i| {
                        let p = f.prgs[i];
                        !p.last_sent
                            && p.pasid.is_none_or(|x| {
                                f.pasids.iter().any(|q| q.pasid == x && matches!(q.phase, Phase::Bound | Phase::Stopping { .. }))
                            })
                    })
                    .collect();
                let urgent = open.iter().copied().find(|&i| f.prgs[i].pasid.is_some_and(|x| stopping.contains(&x)));
                // With one credit left, close an open PRG so credits can come back.
                let urgent = urgent.or_else(|| (f.used + 1 >= f.alloc).then(|| open.first().copied()).flatten());
                let (i, last) = if let Some(i) = urgent {
                    (i, true)
                } else if f.used + 1 >= f.alloc {
                    continue;
                } else if !open.is_empty() && rng.pct(50) {
                    (open[rng.below(open.len() as u64) as usize], rng.pct(40))
                } else {
                    let pasid = if f.prpr && rng.pct(80) {
                        let bound: Vec<u32> = f.pasids.iter().filter(|p| p.phase == Phase::Bound).map(|p| p.pasid).collect();
                        if bound.is_empty() {
                            continue;
                        }
                        Some(bound[rng.below(bound.len() as u64) as usize])
                    } else {
                        None
                    };
                    let prgi = loop {
                        let g = rng.below(512) as u16;
                        if f.prgs.iter().all(|p| p.prgi != g) {
                            break g;
                        }
                    };
                    f.prgs.push(FPrg { prgi, pasid, reqs: 0, last_sent: false, last_accepted: false });
                    (f.prgs.len() - 1, rng.pct(40))
                };
                let p = &mut f.prgs[i];
                p.reqs += 1;
                p.last_sent = last;
                f.used += 1;
                let mut m = req(f.rid, p.pasid, p.prgi, last);
                m.page = rng.below(1 << 40);
                m.w = rng.pct(30);
                m.r = !m.w || rng.pct(50);
                if let Some(x) = p.pasid {
                    f.pasids.iter_mut().find(|q| q.pasid == x).unwrap().sent += 1;
                }
                f.fifo.push_back(m);
            }
            // The ingress accepts the oldest message of the function.
            0..=6 => {
                let Some(m) = f.fifo.pop_front() else { continue };
                if m.l && !(m.pv && !m.r && !m.w) {
                    let p = f.prgs.iter_mut().find(|p| p.prgi == m.prgi && p.last_sent).unwrap();
                    p.last_accepted = true;
                }
                s.accept_only(m);
            }
            // The host answers a closed PRG, in random order.
            7 | 8 => {
                let ready: Vec<usize> = (0..f.prgs.len()).filter(|&i| f.prgs[i].last_accepted).collect();
                if ready.is_empty() {
                    continue;
                }
                let p = f.prgs.remove(ready[rng.below(ready.len() as u64) as usize]);
                f.used -= p.reqs;
                let code = if rng.pct(70) { OK } else { IR };
                s.rsp(f.rid, p.pasid.filter(|_| f.prpr), p.prgi, code);
            }
            // PASID lifecycle: start a stop, progress stops, release, rebind.
            _ => {
                let k = rng.below(f.pasids.len().max(1) as u64) as usize;
                let Some(ps) = f.pasids.get(k) else { continue };
                let (pasid, phase, sent) = (ps.pasid, ps.phase, ps.sent);
                let rid = f.rid;
                let open_left = f.prgs.iter().any(|p| p.pasid == Some(pasid) && !p.last_sent);
                let new_phase = match phase {
                    Phase::Bound if !ending && rng.pct(30) => {
                        let variant = if rng.pct(50) { StopVariant::A } else { StopVariant::B };
                        s.push(Txn::StopRequested { rid, pasid, variant, sent });
                        Phase::Stopping { variant, marker_sent: false }
                    }
                    Phase::Stopping { variant, marker_sent } if !open_left => {
                        let accepted_all = !f.in_fifo(pasid);
                        match variant {
                            StopVariant::A if accepted_all && !f.outstanding(pasid) => {
                                s.push(Txn::StopComplete { rid, pasid, sent });
                                Phase::Stopped { drained: false }
                            }
                            StopVariant::B if !marker_sent && rng.pct(50) => {
                                f.fifo.push_back(marker(rid, pasid));
                                f.pasids[k].sent += 1;
                                Phase::Stopping { variant, marker_sent: true }
                            }
                            StopVariant::B if accepted_all => {
                                s.push(Txn::StopComplete { rid, pasid, sent });
                                if !marker_sent {
                                    f.fifo.push_back(marker(rid, pasid));
                                    f.pasids[k].sent += 1;
                                }
                                Phase::Stopped { drained: false }
                            }
                            _ => phase,
                        }
                    }
                    Phase::Stopped { drained: false } => {
                        s.push(Txn::QueueDrained { rid, pasid });
                        Phase::Stopped { drained: true }
                    }
                    Phase::Stopped { drained: true } if !f.outstanding(pasid) => {
                        s.push(Txn::PasidFreed { pasid });
                        Phase::Free { until: now + rng.below(20) }
                    }
                    Phase::Free { until } if now >= until && !ending => {
                        s.push(Txn::PasidBound { rid, pasid });
                        Phase::Bound
                    }
                    _ => phase,
                };
                f.pasids[k].phase = new_phase;
            }
        }
    }
    (cfg, s)
}

#[test]
fn random_legal_streams_pass_every_checker() {
    for seed in [1u64, 2, 3, 0xDEAD_BEEF, 0x1234_5678_9ABC] {
        let (cfg, s) = random_stream(seed, 40_000);
        let kinds = |f: fn(&Txn) -> bool| s.t.iter().filter(|t| f(&t.txn)).count();
        eprintln!(
            "seed {seed}: {} txns, {} requests, {} responses, {} stops, {} rebinds",
            s.t.len(),
            kinds(|t| matches!(t, Txn::PageRequest { .. })),
            kinds(|t| matches!(t, Txn::Response { .. })),
            kinds(|t| matches!(t, Txn::StopComplete { .. })),
            kinds(|t| matches!(t, Txn::PasidBound { .. }))
        );
        assert!(kinds(|t| matches!(t, Txn::Response { .. })) > 1000, "seed {seed}: too few responses");
        assert!(kinds(|t| matches!(t, Txn::StopComplete { .. })) > 20, "seed {seed}: too few stops");
        assert!(kinds(|t| matches!(t, Txn::PasidBound { .. })) > 20, "seed {seed}: too few rebinds");
        let mut all = pri_checkers(&cfg);
        all.push(Box::new(PasidReuseChecker::new(&cfg).with_drain_events()));
        for c in &mut all {
            let v = run(c.as_mut(), &s);
            assert!(v.is_empty(), "seed {seed}, {}: {} violation(s), first:\n{}", c.name(), v.len(), show(&v[..v.len().min(5)]));
        }
        let mut r = ResponseDisciplineChecker::new(&cfg);
        run(&mut r, &s);
        assert!(r.expected_uprgi().is_empty(), "seed {seed}: unexpected UPRGI {:?}", r.expected_uprgi()[0]);
    }
}

/// The random stream with one mutation is caught: dropping one response breaks liveness.
#[test]
fn random_stream_with_dropped_response_fails_liveness() {
    let (cfg, mut s) = random_stream(7, 5_000);
    let i = s.t.iter().rposition(|t| matches!(t.txn, Txn::Response { .. })).unwrap();
    s.t.remove(i);
    let v = run(&mut PrgLivenessChecker::new(&cfg), &s);
    assert_eq!(rules(&v), ["PRI-16"]);
}

/// The random stream judged with a smaller Allocation than the function used: PRI-11 only.
#[test]
fn random_stream_with_smaller_allocation_fails_credits() {
    let (mut cfg, s) = random_stream(11, 5_000);
    cfg.functions[0].allocation = 7;
    let mut s2 = S::new();
    // Drop the PriEnable events that latch the real Allocation.
    s2.t = s.t.iter().filter(|t| !matches!(t.txn, Txn::PriEnable { .. })).copied().collect();
    s2.cycle = s.cycle;
    let v = run(&mut PrgCreditChecker::new(&cfg), &s2);
    assert!(!v.is_empty() && v.iter().all(|x| x.rule.0 == "PRI-11"), "{:?}", rules(&v));
}

/// The random stream with its first Stop Marker moved before the message of its PASID that
/// precedes it: the stop checker reports it.
#[test]
fn random_stream_with_marker_moved_earlier_fails_stop_order() {
    let (cfg, mut s) = random_stream(5, 5_000);
    let is_req_of = |t: &Stamped, rid: u16, pasid: u32| matches!(t.txn, Txn::PageRequest { msg } if msg.rid == rid && msg.pv && msg.pasid == pasid && (msg.r || msg.w));
    let (i, j) =
        s.t.iter()
            .enumerate()
            .filter_map(|(i, t)| match t.txn {
                Txn::PageRequest { msg } if msg.pv && msg.l && !msg.r && !msg.w => {
                    let j = s.t[..i].iter().rposition(|u| is_req_of(u, msg.rid, msg.pasid))?;
                    Some((i, j))
                }
                _ => None,
            })
            .next()
            .expect("a Stop Marker with an earlier request of its PASID");
    let cj = s.t[j].cycle;
    let m = s.t.remove(i);
    s.t.insert(j, Stamped { cycle: cj, txn: m.txn });
    let v = run(&mut StopOrderChecker::new(&cfg), &s);
    assert_eq!(rules(&v), ["PRI-28"], "{}", show(&v));
}

#[test]
fn trace_doc_documents_and_exemplifies_every_event_kind() {
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/trace.md");
    let text = std::fs::read_to_string(doc).unwrap();
    let examples: Vec<Stamped> = text
        .split('`')
        .filter(|x| x.starts_with(r#"{"cycle""#))
        .map(|x| serde_json::from_str(x).unwrap_or_else(|e| panic!("{x}: {e}")))
        .collect();
    for kind in ["stop_requested", "stop_complete", "pasid_bound", "pasid_freed", "queue_drained", "pri_reset", "pri_enable"] {
        assert!(text.contains(&format!("### `{kind}`")), "no section for {kind}");
        assert!(
            examples.iter().any(|t| serde_json::to_string(t).unwrap().contains(&format!(r#""kind":"{kind}""#))),
            "no example for {kind}"
        );
    }
}

// ---- evaluation counters (coverage bins checks.<checker>.<RULE>) --------------------------------

#[test]
fn evaluations_count_each_situation_and_stay_zero_without_it() {
    use models::rules::{DEC_11, PRI_11, PRI_14, PRI_16, PRI_2, PRI_20, PRI_27, PRI_7, PRI_8, PRI_9};
    // Default mode: two PRGs of two requests each, answered; no Stop Marker, no shared index.
    let mut s = S::new();
    s.r(F0, Some(1), 1).l(F0, Some(1), 1).r(F0, Some(1), 2).l(F0, Some(1), 2);
    s.rsp(F0, Some(1), 1, RespCode::Success).rsp(F0, Some(1), 2, RespCode::Success);
    let mut credits = PrgCreditChecker::new(&cfg());
    clean(&mut credits, &s);
    let e = credits.evaluations();
    assert_eq!((e.get(PRI_8), e.get(DEC_11), e.get(PRI_7), e.get(PRI_11)), (2, 2, 2, 4), "{e:?}");
    assert_eq!((e.get(PRI_9), e.get(PRI_2), e.get(PRI_27)), (0, 0, 0), "no shared mode, no Stop Marker: {e:?}");
    let mut discipline = ResponseDisciplineChecker::new(&cfg());
    clean(&mut discipline, &s);
    let e = discipline.evaluations();
    assert_eq!((e.get(PRI_14), e.get(PRI_16), e.get(PRI_20)), (2, 2, 0), "every response matched: {e:?}");
    let mut liveness = PrgLivenessChecker::new(&cfg());
    clean(&mut liveness, &s);
    assert_eq!(liveness.evaluations().get(PRI_16), 2);
    // Shared mode and a response that matches nothing: PRI-9 and PRI-20 evaluated.
    let mut s = S::new();
    s.l(F2, Some(1), 1).rsp(F2, Some(1), 1, RespCode::Success).rsp(F2, Some(1), 1, RespCode::Success);
    let mut credits = PrgCreditChecker::new(&cfg());
    run(&mut credits, &s);
    assert_eq!((credits.evaluations().get(PRI_9), credits.evaluations().get(PRI_8)), (1, 0));
    let mut discipline = ResponseDisciplineChecker::new(&cfg());
    run(&mut discipline, &s);
    assert_eq!(discipline.evaluations().get(PRI_20), 1);
}

#[test]
fn every_pri_checker_counts_what_it_judges() {
    for c in pri_checkers(&cfg()) {
        assert!(!c.evaluations().rules().is_empty(), "{} counts no rule", c.name());
    }
}
