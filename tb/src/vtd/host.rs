//! Host software that services the VT-d page request queue the way Linux `prq.c` does. This file
//! keeps the register protocol: the PRQ thread (HOST-22), synchronous descriptor submission ending
//! in a status-write wait (HOST-23, `qi_submit_sync`), and the PASID drain (HOST-25). What happens
//! to each entry (bad requests, Stop Markers, groups, overflow discard) and which descriptors are
//! submitted is the software model `models::host::vtd`.

use super::env::{VtdSequences, STATUS_PATIENCE};
use crate::env::Env;
use crate::env::COMMAND_PATIENCE;
use crate::scenario::HostPolicy;
use crate::sched::{first, Event};
use crate::txn::Txn;
use models::host::vtd::{drain_descriptors, drain_matches, VtdEntryFate, VtdHost};
use models::host::{HostEvent, HostResponse, SeededChoices, VtdPageGrpResp};
use models::vtd::desc::{PageReqDsc, Words};
use models::vtd::regs::{self, PrqRing};
use std::cell::RefCell;
use std::rc::Rc;

/// Cycles between looks at the thread's progress while a drain waits for it.
const DRAIN_POLL_CYCLES: u64 = 16;
/// Cycles a step of a drain may wait for the PRQ thread (which runs at least every
/// `poll_cycles`, at most 3 000 in the scenarios that drain) before it fails naming the step.
const THREAD_PATIENCE: u64 = 10_000;
/// Times a drain may repeat its waits because PRO was set meanwhile (HOST-25 step 4); passing
/// runs repeat them once or twice.
const MAX_DRAIN_REPEATS: u32 = 64;
/// Cycles a submission may wait for the QI lock: longer than any holder may take before its own
/// waits fail (at most four descriptors and a status write), so that a hang is reported by the
/// holder, naming its rule.
const QI_LOCK_PATIENCE: u64 = 5 * COMMAND_PATIENCE + STATUS_PATIENCE;

/// The driver's state shared by the PRQ thread and drains, and what tests assert on.
pub struct VtdHostState {
    /// The software model: per-entry decisions and the fault core.
    pub sw: VtdHost,
    /// PRQ entries read (HOST-22 step 3).
    pub entries: u64,
    pub stop_markers_dropped: u64,
    pub bad_requests: u64,
    /// Times the thread cleared PRS.PRO after discarding partials (HOST-22 step 5, HOST-8).
    pub overflows_cleared: u64,
    /// Completed thread runs (HOST-22 step 6).
    pub rounds: u64,
    /// Hazard and violation events of the software model (HOST-15, HOST-24...).
    pub events: Vec<HostEvent>,
    /// Pulsed at the end of each thread run: wakes drains waiting for the thread.
    round_done: Event,
    /// Held by one synchronous submission at a time (Linux `qi->q_lock`).
    qi_busy: bool,
}

impl VtdHostState {
    pub fn new(sw: models::host::HostPolicy) -> Self {
        VtdHostState {
            sw: VtdHost::new(sw),
            entries: 0,
            stop_markers_dropped: 0,
            bad_requests: 0,
            overflows_cleared: 0,
            rounds: 0,
            events: Vec::new(),
            round_done: Event::new(),
            qi_busy: false,
        }
    }

    pub fn groups_answered(&self) -> u64 {
        self.sw.core.stats().responses
    }

    pub fn partials_discarded(&self) -> u64 {
        self.sw.core.stats().partials_discarded
    }

    fn collect_events(&mut self) {
        let e = self.sw.core.take_events();
        self.events.extend(e);
    }
}

type State = Rc<RefCell<VtdHostState>>;

/// The PRQ thread (`prq_event_thread`): woken by the page request event or a poll timer, runs
/// HOST-22 steps 1–6 each time. Runs until the test ends.
pub async fn prq_thread(env: Env, policy: HostPolicy, seed: u64, state: State) {
    let mut choices = SeededChoices::new(seed, policy.invalid_odds, 0);
    loop {
        first((env.irq.wait(), env.sim.clock_cycles(policy.poll_cycles))).await;
        env.irq.clear();
        service_prq(&env, &policy, &state, &mut choices).await;
    }
}

/// One run of the thread, HOST-22 in order.
async fn service_prq(env: &Env, policy: &HostPolicy, state: &State, choices: &mut SeededChoices) {
    // (1) Clear PPR before reading the pointers, so that a request queued from now on raises a
    // new event.
    env.write_reg(regs::PRS, u64::from(regs::PRS_PPR)).await;
    // (2) PQT, then PQH.
    let (ring, base) = prq_geometry(env);
    let tail = ring.offset(env.read_reg(regs::PQT).await);
    let mut head = ring.offset(env.read_reg(regs::PQH).await);
    // (3) Every entry from PQH up to that PQT.
    while head != tail {
        let d = read_entry(env, ring, base, head);
        if policy.sw.provisioned {
            // HOST-30: free the slot before anything can answer the request.
            env.write_reg(regs::PQH, ring.advance(head)).await;
        }
        let fate = {
            let mut s = state.borrow_mut();
            s.entries += 1;
            let f = s.sw.on_prq_entry(&d);
            s.collect_events();
            f
        };
        match fate {
            VtdEntryFate::Dropped(_) => state.borrow_mut().stop_markers_dropped += 1,
            VtdEntryFate::Bad { answer, .. } => {
                state.borrow_mut().bad_requests += 1;
                // `handle_bad_prq_event`: Invalid Request iff LPIG=1, before PQH moves (HOST-31).
                if let Some(r) = answer {
                    let lock = QiLock::acquire(env, state).await;
                    submit_response(env, &lock, &r).await;
                }
            }
            VtdEntryFate::Reported(_) => {}
        }
        answer_ready_groups(env, state, choices).await;
        head = ring.advance(head);
    }
    // (4) Free the entries read.
    env.write_reg(regs::PQH, tail).await;
    // (5) PRO is cleared only once the queue is empty, after HOST-8.
    if env.read_reg(regs::PRS).await as u32 & regs::PRS_PRO != 0 {
        let h = ring.offset(env.read_reg(regs::PQH).await);
        let t = ring.offset(env.read_reg(regs::PQT).await);
        if h == t {
            state.borrow_mut().sw.on_overflow();
            if policy.ack_overflow {
                env.write_reg(regs::PRS, u64::from(regs::PRS_PRO)).await;
                state.borrow_mut().overflows_cleared += 1;
            }
        }
    }
    // (6) Wake drain waiters.
    let done = {
        let mut s = state.borrow_mut();
        s.rounds += 1;
        s.round_done.clone()
    };
    done.set();
    done.clear();
}

/// The kernel consumer handles every ready group (seeded order, HOST-7); each answer is submitted
/// per HOST-23. The answer is taken under the QI lock so that a drain which found the core
/// flushed (HOST-10) submits its waits only after the response (Linux: the fault workqueue has
/// run before `iopf_queue_flush_dev` returns).
async fn answer_ready_groups(env: &Env, state: &State, choices: &mut SeededChoices) {
    let over_quota = crate::host_paths::take_over_quota(env, &mut state.borrow_mut().sw.core);
    send_responses(env, state, &over_quota).await;
    loop {
        let lock = QiLock::acquire(env, state).await;
        let resp = {
            let mut s = state.borrow_mut();
            let next = s.sw.answer_next(choices);
            s.collect_events();
            match next {
                Some((_, resp)) => resp,
                None => return,
            }
        };
        if let Some(r) = resp {
            submit_response(env, &lock, &r).await;
        }
    }
}

/// Responses the core decided outside the kernel handler (user space, auto-responses, quota),
/// each submitted per HOST-23 under the QI lock.
pub async fn send_responses(env: &Env, state: &State, responses: &[HostResponse]) {
    for r in responses {
        let lock = QiLock::acquire(env, state).await;
        let d = {
            let mut s = state.borrow_mut();
            let d = s.sw.encode(r);
            s.collect_events();
            d
        };
        submit_response(env, &lock, &d).await;
    }
}

/// HOST-23: one `page_grp_resp_dsc`, then a wait with SW=1, waited for.
async fn submit_response(env: &Env, lock: &QiLock, r: &VtdPageGrpResp) {
    qi_submit_sync(env, lock, &[r.descriptor().encode()], false).await;
}

/// HOST-25: drain the PRQ of (RID, P) after the function stopped P (`intel_iommu_drain_pasid_prq`).
/// `pasid = None` drains the RID's PASID-less requests. Emits `Txn::QueueDrained` for a PASID
/// (HOST-27 step 2).
pub async fn drain_pasid(env: &Env, state: &State, rid: u16, pasid: Option<u32>) {
    // (1) Until no entry of (RID, P) sits between PQH and PQT, let the thread run and rescan.
    let deadline = env.sim.cycle() + THREAD_PATIENCE;
    let what = || format!("the PRQ thread to consume the entries of {rid:#06x}/{pasid:?}");
    loop {
        let round = state.borrow().rounds;
        if !prq_holds(env, rid, pasid).await {
            break;
        }
        expired!(crate::judge::waits::HOST, env.sim.cycle() < deadline, "HOST-25", "waited until cycle {deadline} for {}", what());
        wait_for_thread(env, state, deadline, "HOST-25", what, |s| s.rounds > round).await;
    }
    // (2) HOST-10: every group already reported for the device is answered.
    let mark = state.borrow().sw.core.flush_mark(rid);
    let deadline = env.sim.cycle() + THREAD_PATIENCE;
    while !state.borrow().sw.core.flush_done(&mark) {
        expired!(
            crate::judge::waits::HOST,
            env.sim.cycle() < deadline,
            "HOST-10",
            "the groups of {rid:#06x} reported before its drain were not all answered in {THREAD_PATIENCE} cycles"
        );
        env.cycles(DRAIN_POLL_CYCLES).await;
    }
    for repeat in 0.. {
        ensure!(
            repeat < MAX_DRAIN_REPEATS,
            "HOST-25",
            "the drain of {rid:#06x}/{pasid:?} was repeated {MAX_DRAIN_REPEATS} times: PRO kept being set"
        );
        // (3) Fence, invalidations, and a drain wait with SW=1, PD=1.
        {
            let lock = QiLock::acquire(env, state).await;
            qi_submit_sync(env, &lock, &drain_descriptors(pasid), true).await;
        }
        // (4) An overflow meanwhile may have auto-answered a request of P: once the thread has
        // cleared PRO, repeat (3) (VT-d §7.10 step d).
        let cleared = state.borrow().overflows_cleared;
        if env.read_reg(regs::PRS).await as u32 & regs::PRS_PRO == 0 {
            break;
        }
        let deadline = env.sim.cycle() + THREAD_PATIENCE;
        wait_for_thread(env, state, deadline, "HOST-22", || "the PRQ thread to clear PRO".into(), |s| s.overflows_cleared > cleared).await;
    }
    if let Some(p) = pasid {
        env.host_event(Txn::QueueDrained { rid, pasid: p });
    }
}

/// HOST-25 step 1: does an entry of (RID, P) sit between PQH and PQT? Reads PQT, then PQH.
async fn prq_holds(env: &Env, rid: u16, pasid: Option<u32>) -> bool {
    let (ring, base) = prq_geometry(env);
    let tail = ring.offset(env.read_reg(regs::PQT).await);
    let mut head = ring.offset(env.read_reg(regs::PQH).await);
    while head != tail {
        if drain_matches(&read_entry(env, ring, base, head), rid, pasid) {
            return true;
        }
        head = ring.advance(head);
    }
    false
}

/// Wait until the thread's progress satisfies `done`, woken at the end of each thread run; at
/// cycle `deadline` fail with `rule`, saying what was awaited.
async fn wait_for_thread(
    env: &Env,
    state: &State,
    deadline: u64,
    rule: &str,
    what: impl Fn() -> String,
    done: impl Fn(&VtdHostState) -> bool,
) {
    while !done(&state.borrow()) {
        expired!(crate::judge::waits::HOST, env.sim.cycle() < deadline, rule, "waited until cycle {deadline} for {}", what());
        let ev = state.borrow().round_done.clone();
        first((ev.wait(), env.sim.clock_cycles(DRAIN_POLL_CYCLES))).await;
    }
}

/// The PRQ as programmed (VTD-PRQ-1): ring geometry from PQS = log2size − 7, and the base.
fn prq_geometry(env: &Env) -> (PrqRing, u64) {
    let q = *env.queue.borrow();
    (PrqRing::new(q.log2size.saturating_sub(7)), q.base)
}

/// The `page_req_dsc` at byte offset `off`: four words from queue memory.
fn read_entry(env: &Env, ring: PrqRing, base: u64, off: u64) -> PageReqDsc {
    let addr = ring.entry_addr(base, off);
    let a = env.agents.borrow();
    let words: Words = std::array::from_fn(|k| a.mem.read_word(addr + 8 * k as u64));
    PageReqDsc::decode(words)
}

/// `qi_submit_sync`: submit `descs`, then a wait with SW=1 (and PD=1 for a drain), and wait for
/// its status write. Holding the [`QiLock`] keeps each batch contiguous on the descriptor port.
async fn qi_submit_sync(env: &Env, _lock: &QiLock, descs: &[Words], drain: bool) {
    env.sync_submit(descs, drain).await;
}

/// One synchronous submission at a time (Linux `qi->q_lock`); released when dropped.
struct QiLock {
    state: State,
}

impl QiLock {
    async fn acquire(env: &Env, state: &State) -> QiLock {
        let deadline = env.sim.cycle() + QI_LOCK_PATIENCE;
        loop {
            expired!(
                crate::judge::waits::HOST,
                env.sim.cycle() < deadline,
                "HOST-23",
                "a synchronous submission held the QI lock for {QI_LOCK_PATIENCE} cycles"
            );
            {
                let mut s = state.borrow_mut();
                if !s.qi_busy {
                    s.qi_busy = true;
                    return QiLock { state: state.clone() };
                }
            }
            env.cycles(1).await;
        }
    }
}

impl Drop for QiLock {
    fn drop(&mut self) {
        self.state.borrow_mut().qi_busy = false;
    }
}
