//! Random classes and directed tests of the host fault consumers, written once for every flavor
//! (generic over [`HostPaths`]) and registered in each flavor's list:
//!
//! - [`iommufd`]: random traffic through the iommufd fault FD and its user thread, with
//!   detach, domain replace and fault-object close at random moments and, on some seeds, a
//!   per-device fault quota (HOST-5..HOST-7, HOST-11..HOST-14, HOST-32);
//! - [`iommufd_detach`]: directed: a slow user, then a detach, a replace and a close, each
//!   while groups are read and unanswered (HOST-14, HOST-13, HOST-11);
//! - [`paging`]: the on-demand paging consumer on a provisioned queue; one PASID is released
//!   mid-run, its pages unmapped once its groups are answered (HOST-5, HOST-10, HOST-29..HOST-31);
//! - [`provisioned`]: a provisioned queue under a slow host, kernel or iommufd consumer: it
//!   never overflows (HOST-29..HOST-31).
//!
//! Every run ends at quiescence with HOST-11: every group the core reported answered once.

use super::events::{AutoTrigger, HostPathEvent};
use super::user::{fault_fd_thread, Handler, UserPlan, UserSide};
use super::{report, HostPaths};
use crate::agents::pcie_fn::{PageWindow, TrafficPlan};
use crate::classes::stop_pasid_traffic;
use crate::env::Env;
use crate::scenario::Scenario;
use crate::seq::free_and_rebind;
use crate::txn::Txn;
use models::host::paging::{DmaRange, PagingHandler};
use models::host::planted::PlantedHostBug;
use models::host::{quota, Consumer, HostEvent};
use models::pcie::{MarkerVsComplete, Variant};
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::rc::Rc;

/// The PASID the paging class releases; its function also uses PASID 6.
const P: u32 = 5;
/// The paging classes' page window and the DMA ranges inside it: the last quarter of the window
/// is outside every range, so some groups fail (HOST-5).
const WINDOW: PageWindow = PageWindow { first: 0x4_0000, pages: 64 };
const DMA: [DmaRange; 2] = [DmaRange { first: 0x4_0000, pages: 24 }, DmaRange { first: 0x4_0018, pages: 24 }];

/// iommufd consumer with `fault_quota` and paging as given (the user plan is drawn by the class).
fn iommufd_host(sc: &mut Scenario, paging: bool) {
    sc.host.consume = true;
    sc.host.sw.consumer = Consumer::Iommufd;
    sc.host.sw.paging = paging;
}

/// The random iommufd class: the flavor's two functions with PASIDs, random credits and PRG
/// sizes, a stop now and then, a quota on one seed in three.
pub fn iommufd_scenario(base: Scenario, rids: &[u16]) -> Scenario {
    let mut r = ChaCha8Rng::seed_from_u64(base.seed ^ 0x10_fd);
    let allocation = r.gen_range(2..=12);
    let mut sc = Scenario {
        traffic: Some(TrafficPlan {
            rids: rids.to_vec(),
            pasids: vec![1, 2, 0],
            allocation,
            max_prg_len: r.gen_range(1..=4),
            prgs: r.gen_range(20..=50),
            stop_odds: r.gen_range(0..=6),
            send_odds: r.gen_range(64..=255),
            prgi_shared_across_pasids: false,
            faults: Default::default(),
        }),
        max_cycles: 200_000,
        ..base
    };
    sc.host.poll_cycles = r.gen_range(16..=128);
    iommufd_host(&mut sc, false);
    if r.gen_range(0..3) == 0 {
        sc.host.sw.fault_quota = Some(r.gen_range(1..allocation));
    }
    sc
}

/// The directed detach test: one function, a slow user.
pub fn detach_scenario(base: Scenario, rids: &[u16]) -> Scenario {
    let mut sc = Scenario { traffic: Some(TrafficPlan { prgs: u32::MAX, ..stop_pasid_traffic(rids[0], P) }), max_cycles: 100_000, ..base };
    sc.host.poll_cycles = 32;
    iommufd_host(&mut sc, false);
    sc
}

/// The paging class: one function using PASIDs 5 and 6, a provisioned queue.
pub fn paging_scenario<H: HostPaths>(base: Scenario, rids: &[u16]) -> Scenario {
    let mut sc = Scenario { traffic: Some(TrafficPlan { prgs: u32::MAX, ..stop_pasid_traffic(rids[0], P) }), max_cycles: 120_000, ..base };
    provision::<H>(&mut sc);
    sc.host.poll_cycles = 40;
    iommufd_host(&mut sc, true);
    sc
}

/// The provisioned class: both functions, Allocations filling the queue, a slow host (so the
/// queue fills up to its capacity), the kernel consumer on even seeds and iommufd on odd ones.
pub fn provisioned_scenario<H: HostPaths>(base: Scenario, rids: &[u16]) -> Scenario {
    let mut r = ChaCha8Rng::seed_from_u64(base.seed ^ 0x9_0715);
    // Enough PRGs to use every credit between two polls of the host.
    let half = (H::capacity(&base) / 2) as u32;
    let mut sc = Scenario {
        traffic: Some(TrafficPlan {
            rids: rids.to_vec(),
            pasids: vec![1, 2, 3],
            allocation: 1,
            max_prg_len: r.gen_range(1..=3),
            prgs: r.gen_range(half + 20..=half + 60),
            stop_odds: 0,
            send_odds: 255,
            prgi_shared_across_pasids: false,
            faults: Default::default(),
        }),
        max_cycles: 200_000,
        ..base
    };
    provision::<H>(&mut sc);
    sc.host.consume = true;
    sc.host.poll_cycles = r.gen_range(100..=300);
    if base.seed % 2 == 1 {
        iommufd_host(&mut sc, false);
    }
    sc
}

/// HOST-29 for the scenario's functions: the largest equal Allocation whose sum, plus room for a
/// Stop Marker per (function, PASID) when stops may happen, fits the queue; `provisioned` set.
fn provision<H: HostPaths>(sc: &mut Scenario) {
    let cap = H::capacity(sc);
    let t = sc.traffic.as_mut().expect("the host-path classes have traffic");
    t.allocation = ((cap.saturating_sub(marker_room(t) as u64)) / t.rids.len() as u64).clamp(1, 64) as u32;
    sc.host.sw.provisioned = true;
}

/// HOST-29's Stop Marker room: one per (function, PASID) when the traffic may stop PASIDs (its
/// stop odds, or the paging class's release of P in traffic without end).
fn marker_room(t: &TrafficPlan) -> u32 {
    if t.stop_odds > 0 || t.prgs == u32::MAX {
        (t.rids.len() * t.pasids.len()) as u32
    } else {
        0
    }
}

/// Start the flavor's host, its user thread for an iommufd consumer, and report provisioning
/// (HOST-29, checked here: a host that cannot provision does not start).
async fn start<H: HostPaths>(env: &Env, sc: &Scenario, rng: &mut ChaCha8Rng) -> (Rc<RefCell<H::State>>, Option<Rc<RefCell<UserSide>>>) {
    let t = sc.traffic.as_ref().expect("the host-path classes have traffic");
    if sc.host.sw.provisioned {
        let cap = H::capacity(sc);
        let markers = marker_room(t);
        // Each function was enabled with Allocation = min(Capacity, requested) = the plan's (PRI-23).
        let allocations = vec![t.allocation; t.rids.len()];
        // The planted bug `OverProvisioned` skips the check (its test programs each function
        // with the whole queue).
        if sc.host.sw.planted != Some(PlantedHostBug::OverProvisioned) {
            if let Err(e) = quota::check_provisioning(&allocations, markers, cap) {
                panic!("[HOST-29] {e}");
            }
        }
        let needed = allocations.iter().sum::<u32>() + markers;
        report(env, HostPathEvent::Provisioned { needed, capacity: cap as u32 });
    }
    let state = H::start(env, sc, rng.next_u64()).await;
    env.cycles(1).await; // the host thread has set up its core
    {
        let mut s = state.borrow_mut();
        let core = H::core(&mut s);
        // HOST-32: each function's kernel-to-user queue is sized to its Allocation.
        for &rid in &t.rids {
            core.fd_mut().set_bound(rid, t.allocation);
        }
    }
    let user = (sc.host.sw.consumer == Consumer::Iommufd).then(|| {
        let mut r = ChaCha8Rng::seed_from_u64(rng.next_u64());
        let plan = UserPlan {
            poll_cycles: r.gen_range(8..=64),
            // User space answers no faster than the driver frees the slot (HOST-30).
            latency: (r.gen_range(16..=40), r.gen_range(40..=400)),
            max_buf_records: r.gen_range(1..=8),
            batch_odds: r.gen_range(32..=128),
            bad_odds: r.gen_range(16..=64),
            invalid_odds: r.gen_range(0..=48),
            reorder: r.gen_bool(0.75),
        };
        let handler =
            if sc.host.sw.paging { Handler::Paging(PagingHandler::new(DMA.to_vec(), sc.host.sw.planted)) } else { Handler::Seeded };
        let user = UserSide::new(plan, handler);
        env.sim.start_soon(fault_fd_thread::<H>(env.clone(), state.clone(), user.clone(), r));
        user
    });
    (state, user)
}

/// HOST-14 now: `trigger` for device `rid` (every device for `Close`): the groups queued or
/// read and unanswered are answered INVALID.
pub async fn auto_respond<H: HostPaths>(env: &Env, state: &Rc<RefCell<H::State>>, trigger: AutoTrigger, rid: u16) -> u32 {
    let rs = {
        let mut s = state.borrow_mut();
        H::core(&mut s).fd_detach(if trigger == AutoTrigger::Close { None } else { Some(rid) })
    };
    report(env, HostPathEvent::AutoResponse { trigger, rid, groups: rs.len() as u32 });
    H::send(env, state, &rs).await;
    rs.len() as u32
}

/// Wind down: stop the traffic, settle, and judge HOST-11 and HOST-32 on the host's core.
async fn finish<H: HostPaths>(env: &Env, state: &Rc<RefCell<H::State>>) {
    env.stop_traffic().await;
    env.settle(200).await;
    let groups = {
        let mut guard = state.borrow_mut();
        let s = &mut *guard;
        let overflows: Vec<&HostEvent> = H::events(s).iter().filter(|e| matches!(e, HostEvent::UserQueueOverflow { .. })).collect();
        ensure!(overflows.is_empty(), "HOST-32", "a kernel-to-user queue outgrew its Allocation: {overflows:?}");
        let core = H::core(s);
        let unanswered = core.unanswered();
        ensure!(unanswered.is_empty(), "HOST-11", "groups {unanswered:?} reached the core and were never answered");
        let twice = core.check_answered_once();
        ensure!(twice.is_empty(), "HOST-11", "groups answered other than once: {twice:?}");
        core.stats().groups as u32
    };
    report(env, HostPathEvent::Quiescent { groups });
    env.cycles(2).await;
}

pub async fn iommufd<H: HostPaths>(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let (state, user) = start::<H>(&env, &sc, &mut rng).await;
    let user = user.expect("iommufd consumer");
    env.start_traffic();
    // Now and then a detach, a replace or a close, while traffic runs.
    let rids = sc.traffic.as_ref().map(|t| t.rids.clone()).unwrap_or_default();
    while !env.agents.borrow().pcie.is_idle() {
        env.run_traffic(rng.gen_range(500..=2_000)).await;
        if rng.gen_range(0..3) == 0 {
            let trigger = [AutoTrigger::Detach, AutoTrigger::Replace, AutoTrigger::Close][rng.gen_range(0..3)];
            auto_respond::<H>(&env, &state, trigger, rids[rng.gen_range(0..rids.len())]).await;
        }
    }
    finish::<H>(&env, &state).await;
    let u = user.borrow().stats;
    ensure!(u.answered > 0 && u.reads > 0, "HOST-12", "the user thread read {} times and answered {} groups", u.reads, u.answered);
}

pub async fn iommufd_detach<H: HostPaths>(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let (state, user) = start::<H>(&env, &sc, &mut rng).await;
    let user = user.expect("iommufd consumer");
    let rid = sc.traffic.as_ref().expect("traffic").rids[0];
    env.start_traffic();
    for trigger in [AutoTrigger::Detach, AutoTrigger::Replace, AutoTrigger::Close] {
        // Wait for a group read by the user and not yet answered.
        let read_unanswered = |s: &mut H::State| H::core(s).fd().cookies().next().is_some();
        let deadline = env.sim.cycle() + crate::env::TRAFFIC_PATIENCE;
        while !read_unanswered(&mut state.borrow_mut()) {
            expired!(crate::judge::waits::HOST, env.sim.cycle() < deadline, "HOST-12", "no group was read by the user thread");
            env.cycles(1).await;
        }
        let n = auto_respond::<H>(&env, &state, trigger, rid).await;
        ensure!(n > 0, "HOST-14", "{trigger:?} answered no group although one was read and unanswered");
        env.run_traffic(2_000).await;
    }
    finish::<H>(&env, &state).await;
    let u = user.borrow().stats;
    ensure!(u.forgotten > 0, "HOST-14", "no write of the user named an auto-answered group (it must fail with -EINVAL)");
}

pub async fn paging<H: HostPaths>(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    env.agents.borrow_mut().pcie.page_window = Some(WINDOW);
    env.agents.borrow_mut().pcie.auto_rebind = false;
    let (state, user) = start::<H>(&env, &sc, &mut rng).await;
    let user = user.expect("iommufd consumer");
    let rid = sc.traffic.as_ref().expect("traffic").rids[0];
    env.start_traffic();
    env.run_traffic(rng.gen_range(300..=1_000)).await;
    // Stop P once a group of it is reported and unanswered.
    let pending = |s: &mut H::State| !H::core(s).pasid_answered(rid, Some(P));
    let deadline = env.sim.cycle() + crate::env::TRAFFIC_PATIENCE;
    while !pending(&mut state.borrow_mut()) {
        expired!(crate::judge::waits::HOST, env.sim.cycle() < deadline, "PRI-16", "no group of PASID {P:#x} was ever pending");
        env.cycles(1).await;
    }
    let variant = if rng.gen_bool(0.5) { Variant::A } else { Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker } };
    env.stop_pasid(rid, P, variant);
    let unmap = |env: &Env| {
        let pages = match &mut user.borrow_mut().handler {
            Handler::Paging(p) => p.unmap_pasid(rid, Some(P)).len() as u32,
            Handler::Seeded => 0,
        };
        report(env, HostPathEvent::PasidUnmapped { rid, pasid: Some(P), pages });
    };
    if sc.host.sw.planted == Some(PlantedHostBug::UnmapBeforeAnswered) {
        unmap(&env);
    }
    env.wait_txn("PRI-25", 20_000, |t| matches!(t, Txn::StopComplete { pasid: P, .. })).await;
    H::drain(&env, &state, &sc, rid, P).await;
    let answered = || H::core(&mut state.borrow_mut()).pasid_answered(rid, Some(P));
    let discard = || {
        H::core(&mut state.borrow_mut()).discard_pasid_partials(rid, Some(P));
        // HOST-10: unmapped only now that every group of P is answered.
        unmap(&env);
    };
    free_and_rebind(&env, rid, P, answered, discard).await;
    env.run_traffic(rng.gen_range(300..=1_000)).await;
    finish::<H>(&env, &state).await;
    let mapped = match &user.borrow().handler {
        Handler::Paging(p) => p.mapped_pages(),
        Handler::Seeded => 0,
    };
    ensure!(mapped > 0, "HOST-5", "the paging handler mapped no page");
}

pub async fn provisioned<H: HostPaths>(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let (state, _user) = start::<H>(&env, &sc, &mut rng).await;
    H::polled(&env).await;
    env.start_traffic();
    env.wait_traffic_done().await;
    finish::<H>(&env, &state).await;
    ensure!(H::groups_answered(&state.borrow()) > 0, "PRI-16", "no group answered");
}
