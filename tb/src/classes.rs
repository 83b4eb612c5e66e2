//! Test classes written once for every flavor: the same sequence runs on each flavor's RTL
//! through its Linux-like host. A flavor takes part by implementing [`HostSide`] (bring its
//! queue up and start its host thread) and registering the class in its test list, e.g.
//! `directed!("soak", soak::<Smmuv3Host>, [...], soak_scenario)`.

use crate::agents::pcie_fn::TrafficPlan;
use crate::env::Env;
use crate::scenario::Scenario;
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::rc::Rc;

/// A flavor's host side as the shared classes drive it.
#[allow(async_fn_in_trait)] // single-threaded executor: the futures need not be Send
pub trait HostSide {
    /// What the host thread records (for the classes' final assertions).
    type State;
    /// Program and enable the queue for `sc` (with whatever else the flavor's host sets up before
    /// traffic, e.g. interrupts) and start the host thread seeded with `seed`.
    async fn start(env: &Env, sc: &Scenario, seed: u64) -> Rc<RefCell<Self::State>>;
    /// Page request groups the host has answered so far.
    fn groups_answered(state: &Self::State) -> u64;
}

/// The traffic of the stop-PASID classes: one function `rid` using PASIDs `p` and 6, small PRGs,
/// 60 of them, so that PRGs of `p` are outstanding when the test stops it.
pub fn stop_pasid_traffic(rid: u16, p: u32) -> TrafficPlan {
    TrafficPlan {
        rids: vec![rid],
        pasids: vec![p, 6],
        allocation: 8,
        max_prg_len: 3,
        prgs: 60,
        stop_odds: 0,
        send_odds: 128,
        prgi_shared_across_pasids: false,
        faults: Default::default(),
    }
}

/// Continuous traffic for the scenario's cycles through the host (also the `make bench`
/// workload): every run must see groups answered (PRI-16).
pub async fn soak<H: HostSide>(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let state = H::start(&env, &sc, rng.next_u64()).await;
    env.start_traffic();
    let now = env.sim.cycle();
    env.cycles(sc.max_cycles.saturating_sub(now + 2_000)).await;
    env.stop_traffic().await;
    env.settle(100).await;
    ensure!(H::groups_answered(&state.borrow()) > 0, "PRI-16", "no group answered during the soak");
}
