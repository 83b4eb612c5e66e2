//! Test classes written once for every flavor: the same sequence runs on each flavor's RTL
//! through its Linux-like host. A flavor takes part by implementing [`HostSide`] (bring its
//! queue up and start its host thread) and registering the class in its test list, e.g.
//! `directed!("soak", soak::<Smmuv3Host>, [...], soak_scenario)`.

use crate::agents::pcie_fn::TrafficPlan;
use crate::env::Env;
use crate::scenario::Scenario;
use models::host::HostEvent;
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
    /// Hazard and violation events of the host's software model so far.
    fn events(state: &Self::State) -> &[HostEvent];
}

/// The traffic of the stop-PASID classes: one function `rid` using PASIDs `p` and 6, small PRGs,
/// without end. The class stops `p` once PRGs of it are outstanding
/// ([`crate::seq::stop_with_prgs_outstanding`]), so the traffic must still be running then
/// whatever the seed; it winds the traffic down ([`Env::stop_traffic`]) after the release.
pub fn stop_pasid_traffic(rid: u16, p: u32) -> TrafficPlan {
    TrafficPlan {
        rids: vec![rid],
        pasids: vec![p, 6],
        allocation: 8,
        max_prg_len: 3,
        prgs: u32::MAX,
        stop_odds: 0,
        send_odds: 128,
        prgi_shared_across_pasids: false,
        faults: Default::default(),
    }
}

/// DEC-11 opt-in mode (the scenario's traffic has `prgi_shared_across_pasids`): two PASIDs share
/// a PRG index (PRI-9); Linux groups by index only (HOST-3), so a group mixes PASIDs: the HOST-4
/// hazard, reported by the host model, not a DUT failure.
/// The hazard needs groups of both PASIDs with one index outstanding together, which a seed may
/// give late: the scenario's plan is unbounded and the traffic runs until the first mixed group,
/// for at most [`HAZARD_PATIENCE`] cycles.
pub async fn grpid_hazard<H: HostSide>(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let state = H::start(&env, &sc, rng.next_u64()).await;
    let hazards = || H::events(&state.borrow()).iter().filter(|e| matches!(e, HostEvent::MixedPasidGroup { .. })).count();
    env.start_traffic();
    let deadline = env.sim.cycle() + HAZARD_PATIENCE;
    env.run_traffic_until("a group mixing PASIDs (HOST-4)", |e| hazards() >= 1 || e.sim.cycle() >= deadline).await;
    env.stop_traffic().await;
    env.settle(200).await;
    ensure!(hazards() >= 1, "HOST-4", "no group mixed PASIDs in {HAZARD_PATIENCE} cycles although indexes were shared");
}

/// How long [`grpid_hazard`] sends traffic waiting for a group that mixes PASIDs.
pub const HAZARD_PATIENCE: u64 = 40_000;

/// Continuous traffic for the scenario's cycles through the host (also the `make bench`
/// workload): every run must see groups answered (PRI-16).
pub async fn soak<H: HostSide>(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let state = H::start(&env, &sc, rng.next_u64()).await;
    env.start_traffic();
    let now = env.sim.cycle();
    env.run_traffic(sc.max_cycles.saturating_sub(now + 2_000)).await;
    env.stop_traffic().await;
    env.settle(100).await;
    ensure!(H::groups_answered(&state.borrow()) > 0, "PRI-16", "no group answered during the soak");
}
