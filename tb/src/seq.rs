//! Building blocks of directed test sequences, for both flavors: typical messages, their
//! expected answers, and bounded waits that fail naming the rule that promised the outcome.

use crate::env::Env;
use crate::txn::Txn;
use models::pcie::{PageRequest, PrgResponse, RespCode, Variant};

/// A read page request of `rid`, with PASID if given.
pub fn req(rid: u16, pasid: Option<u32>, prgi: u16, l: bool) -> PageRequest {
    PageRequest {
        rid,
        pv: pasid.is_some(),
        pasid: pasid.unwrap_or(0),
        r: true,
        l,
        prgi,
        page: 0x1234_5000 + prgi as u64,
        ..Default::default()
    }
}

/// A request of `rid` with every field at its widest: all flags set, the largest PASID and page
/// address, for checking an entry layout bit by bit.
pub fn every_bit_request(rid: u16, prgi: u16) -> PageRequest {
    PageRequest { rid, pv: true, pasid: 0xF_FFFF, exe: true, priv_: true, r: true, w: true, l: true, prgi, page: 0xF_FFFF_FFFF_FFFF }
}

pub fn stop_marker(rid: u16, pasid: u32) -> PageRequest {
    PageRequest { rid, pv: true, pasid, l: true, ..Default::default() }
}

pub fn success(m: &PageRequest) -> PrgResponse {
    PrgResponse { rid: m.rid, pv: m.pv, pasid: m.pasid, prgi: m.prgi, code: RespCode::Success }
}

/// How long a directed test waits for an outcome before it fails naming the rule.
pub const PATIENCE: u64 = 2_000;

/// Wait until `cond` holds; after `PATIENCE` cycles fail with `rule`.
pub async fn wait_for(env: &Env, rule: &str, what: &str, cond: impl Fn(&Env) -> bool) {
    wait_until(env, rule, what, PATIENCE, cond).await
}

/// Wait until `cond` holds; after `limit` cycles fail with `rule`.
pub async fn wait_until(env: &Env, rule: &str, what: &str, limit: u64, cond: impl Fn(&Env) -> bool) {
    let deadline = env.sim.cycle() + limit;
    while !cond(env) {
        expired!(crate::judge::waits::CONDITION, env.sim.cycle() < deadline, rule, "waited {limit} cycles for {what}");
        env.sim.rising_edge().await;
    }
}

/// Ask function `rid` to stop using `pasid` (PRI-24) as soon as one of its PRGs of `pasid` is
/// outstanding (a request sent, no response yet), so that every stop has something to do:
/// variant A waits for that PRG before stop-complete (PRI-25), variant B makes it stale (PRI-26).
/// The function's traffic must still be running: the stop classes' traffic ends only when the
/// test winds it down (`crate::classes::stop_pasid_traffic`).
pub async fn stop_with_prgs_outstanding(env: &Env, rid: u16, pasid: u32, variant: Variant) {
    let outstanding = |e: &Env| {
        let a = e.agents.borrow();
        a.pcie.functions.iter().filter(|f| f.rid() == rid).any(|f| f.outstanding().any(|g| g.pv && g.pasid == pasid))
    };
    // A function starts a PRG only while it has credits, and responses return them (PRI-12).
    let what = format!("a PRG of PASID {pasid:#x} of {rid:#06x} to be outstanding, to stop it (are responses coming back?)");
    wait_until(env, "PRI-16", &what, crate::env::TRAFFIC_PATIENCE, outstanding).await;
    env.stop_pasid(rid, pasid, variant);
}

/// Wait until `n` responses have been sent; `rule` promises them.
pub async fn responses(env: &Env, n: usize, rule: &str) {
    wait_for(env, rule, &format!("{n} PRG responses"), |e| e.responses().len() >= n).await
}

/// HOST-27 steps 3 to 5 for (`rid`, `pasid`) once its queue was drained: wait until the host has
/// answered every group of the PASID (`answered`, HOST-10), discard its stale partials
/// (`discard`), free it, and bind it again: its first new incarnation (PRI-30).
pub async fn free_and_rebind(env: &Env, rid: u16, pasid: u32, answered: impl Fn() -> bool, discard: impl FnOnce()) {
    let deadline = env.sim.cycle() + 20 * PATIENCE;
    while !answered() {
        expired!(
            crate::judge::waits::HOST,
            env.sim.cycle() < deadline,
            "HOST-10",
            "groups of PASID {pasid:#x} still unanswered {} cycles after its drain",
            20 * PATIENCE
        );
        env.cycles(10).await;
    }
    discard();
    env.host_event(Txn::PasidFreed { pasid });
    env.cycles(1).await;
    let inc = env.agents.borrow_mut().pcie.rebind(rid, pasid);
    ensure!(inc == Ok(1), "PRI-30", "re-binding PASID {pasid:#x} gave {inc:?}, expected incarnation 1");
}
