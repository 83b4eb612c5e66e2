//! Building blocks of directed test sequences, for both flavors: typical messages, their
//! expected answers, and bounded waits that fail naming the rule that promised the outcome.

use crate::env::Env;
use models::pcie::{PageRequest, PrgResponse, RespCode};

/// A read page request of `rid`, with PASID if given.
pub fn req(rid: u16, pasid: Option<u32>, prgi: u16, l: bool) -> PageRequest {
    PageRequest { rid, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), r: true, l, prgi, page: 0x1234_5000 + prgi as u64, ..Default::default() }
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
    let deadline = env.sim.cycle() + PATIENCE;
    while !cond(env) {
        ensure!(env.sim.cycle() < deadline, rule, "waited {PATIENCE} cycles for {what}");
        env.sim.rising_edge().await;
    }
}

/// Wait until `n` responses have been sent; `rule` promises them.
pub async fn responses(env: &Env, n: usize, rule: &str) {
    wait_for(env, rule, &format!("{n} PRG responses"), |e| e.responses().len() >= n).await
}
