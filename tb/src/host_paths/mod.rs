//! The seeds' host paths end to end on the RTL, for every flavor (issue 14): how host software
//! receives and answers faults beyond the in-kernel handler.
//!
//! - [`user`]: a user-space handler thread on the iommufd fault FD (host-sw.md §3): polls, reads
//!   whole groups into buffers of varying size or a batch of pre-posted reads, answers by cookie
//!   after a user-space latency, sometimes with an unknown cookie or an out-of-range code
//!   (HOST-12, HOST-13), optionally serving faults by on-demand paging
//!   (`models::host::paging`, HOST-5, HOST-10);
//! - [`events`]: what the consumers report to the observers (`Txn::HostPath`);
//! - [`checkers`]: the timing-free judges of those reports against the PCIe traffic;
//! - [`coverage`]: the `host_paths` covergroup both flavors include;
//! - [`classes`]: random classes and directed tests written once, generic over [`HostPaths`].
//!
//! A flavor takes part by implementing [`HostPaths`] for its [`HostSide`]: hand out its fault
//! core, send the core's responses its own way (CMD_PRI_RESP, `page_grp_resp_dsc`), drain its
//! hardware queue of a PASID, and say how big its queue is.

pub mod checkers;
pub mod classes;
pub mod coverage;
pub mod events;
pub mod user;

use crate::classes::HostSide;
use crate::env::Env;
use crate::scenario::Scenario;
use crate::txn::Txn;
use events::HostPathEvent;
use models::host::{FaultCore, HostResponse};
use std::cell::RefCell;
use std::rc::Rc;

/// A flavor's host side as the host-path classes drive it.
#[allow(async_fn_in_trait)] // single-threaded executor: the futures need not be Send
pub trait HostPaths: HostSide<State: 'static> + 'static {
    /// The fault core of the host's IOMMU (with its iommufd fault object).
    fn core(state: &mut Self::State) -> &mut FaultCore;
    /// Send responses the core decided (HOST-6 matched), encoded for this IOMMU, in order.
    async fn send(env: &Env, state: &Rc<RefCell<Self::State>>, responses: &[HostResponse]);
    /// Drain the hardware queue of (`rid`, `pasid`) after the function stopped it (HOST-27 step
    /// 2: HOST-19 or HOST-25).
    async fn drain(env: &Env, state: &Rc<RefCell<Self::State>>, sc: &Scenario, rid: u16, pasid: u32);
    /// Leave the driver thread to its poll timer only (no queue interrupt), so that a slow host
    /// lets the queue fill up to the functions' credits.
    async fn polled(env: &Env);
    /// Queue capacity in requests for HOST-29 (2^n for the PRIQ, N−1 for the PRQ).
    fn capacity(sc: &Scenario) -> u64;
}

/// Where a flavor shows a queue overflow to software, for HOST-31: a register whose `mask` bit is
/// read as 1 while an overflow is active (`toggles = false`, VT-d PRS.PRO) or changes at each new
/// overflow (`toggles = true`, SMMUv3 PRIQ_PROD.OVFLG).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OverflowFlag {
    pub reg: u32,
    pub mask: u64,
    pub toggles: bool,
}

/// Report a host-path event (emitted at the next edge, in order).
pub fn report(env: &Env, ev: HostPathEvent) {
    env.host_event(Txn::HostPath { ev });
}

/// The per-device fault quota's answers the core decided while reporting (docs/DESIGN.md), taken
/// for the driver thread to send at once, each reported. Empty (and allocation-free) unless a
/// device is at its quota.
pub fn take_over_quota(env: &Env, core: &mut FaultCore) -> Vec<HostResponse> {
    let rs = core.take_immediate();
    for r in &rs {
        report(env, HostPathEvent::OverQuota { rid: r.rid });
    }
    rs
}
