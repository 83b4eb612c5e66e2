//! Scheduler tests, driven by a plain loop (no DUT).

use super::*;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

const P: u64 = 1000;

/// One clock cycle in the harness order.
fn step(s: &mut Scheduler) {
    s.falling_edge();
    let t = s.now_ps() + s.period_ps();
    s.set_time(t);
    s.rising_edge();
    s.read_only();
}

fn steps(s: &mut Scheduler, n: u64) {
    for _ in 0..n {
        step(s);
    }
}

/// Wraps a future and counts how often it is polled.
struct Counted<F> {
    f: Pin<Box<F>>,
    n: Rc<Cell<u32>>,
}

fn counted<F: Future>(f: F) -> (Counted<F>, Rc<Cell<u32>>) {
    let n = Rc::new(Cell::new(0));
    (Counted { f: Box::pin(f), n: n.clone() }, n)
}

impl<F: Future> Future for Counted<F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.n.set(self.n.get() + 1);
        self.f.as_mut().poll(cx)
    }
}

type Log = Rc<RefCell<Vec<(&'static str, u64, u64, Phase)>>>;

fn note(log: &Log, sim: &Sim, what: &'static str) {
    log.borrow_mut().push((what, sim.cycle(), sim.now_ps(), sim.phase()));
}

#[test]
fn sched_phases_run_in_harness_order() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let log: Log = Rc::default();
    s.start_soon({
        let (sim, log) = (sim.clone(), log.clone());
        async move {
            for _ in 0..2 {
                sim.falling_edge().await;
                note(&log, &sim, "fall");
                sim.rising_edge().await;
                note(&log, &sim, "rise");
                sim.read_only().await;
                note(&log, &sim, "ro");
            }
        }
    });
    s.start_soon({
        let (sim, log) = (sim.clone(), log.clone());
        async move {
            sim.timer(P).await;
            note(&log, &sim, "timer");
        }
    });
    steps(&mut s, 2);
    use Phase::*;
    assert_eq!(
        *log.borrow(),
        vec![
            ("fall", 0, 0, FallingEdge),
            ("timer", 0, 1000, Timer),
            ("rise", 1, 1000, RisingEdge),
            ("ro", 1, 1000, ReadOnly),
            ("fall", 1, 1000, FallingEdge),
            ("rise", 2, 2000, RisingEdge),
            ("ro", 2, 2000, ReadOnly),
        ]
    );
    assert!(s.all_done());
    assert!(!s.has_waiters());
    assert!(!s.has_clock_waiters());
}

#[test]
fn sched_read_only_in_same_cycle_and_next_from_read_only() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let log: Log = Rc::default();
    s.start_soon({
        let (sim, log) = (sim.clone(), log.clone());
        async move {
            sim.falling_edge().await;
            sim.read_only().await; // same cycle
            note(&log, &sim, "ro-a");
            sim.read_only().await; // from read-only: next cycle's
            note(&log, &sim, "ro-b");
        }
    });
    steps(&mut s, 3);
    let got: Vec<_> = log.borrow().iter().map(|e| (e.0, e.1)).collect();
    assert_eq!(got, vec![("ro-a", 1), ("ro-b", 2)]);
}

#[test]
fn sched_clock_cycles_resumes_exactly_at_nth_rising_edge() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let mut h = s.start_soon({
        let sim = sim.clone();
        async move {
            sim.clock_cycles(5).await;
            (sim.cycle(), sim.phase())
        }
    });
    for c in 1..=4 {
        step(&mut s);
        assert_eq!(s.cycle(), c);
        assert!(!h.is_finished(), "resumed early, at cycle {c}");
    }
    s.falling_edge();
    s.set_time(5 * P);
    assert!(!h.is_finished());
    s.rising_edge();
    assert_eq!(h.try_take(), Some((5, Phase::RisingEdge)));
    s.read_only();

    // Started mid-run (at cycle 5): clock_cycles(4) ends at edge 9.
    let mut h = s.start_soon({
        let sim = sim.clone();
        async move {
            let start = sim.cycle();
            sim.clock_cycles(4).await;
            let after4 = sim.cycle();
            sim.clock_cycles(0).await; // immediate
            (start, after4, sim.cycle())
        }
    });
    steps(&mut s, 3);
    assert!(!h.is_finished());
    step(&mut s);
    assert_eq!(h.try_take(), Some((5, 9, 9)));
}

#[test]
fn sched_timer_fires_at_first_set_time_at_or_after_deadline() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let mut h = s.start_soon({
        let sim = sim.clone();
        async move {
            sim.timer(2500).await;
            let first = sim.now_ps();
            sim.timer(1000).await;
            (first, sim.now_ps(), sim.phase())
        }
    });
    s.run_pending(); // registers the first timer at t=0
    s.set_time(1000);
    s.set_time(2000);
    assert!(!h.is_finished());
    s.set_time(3000); // first set_time >= 2500
    assert!(!h.is_finished());
    s.set_time(3999);
    assert!(!h.is_finished());
    s.set_time(4000); // exactly on the deadline
    assert_eq!(h.try_take(), Some((3000, 4000, Phase::Timer)));
}

#[test]
#[should_panic(expected = "time went backwards")]
fn sched_set_time_backwards_is_refused() {
    let mut s = Scheduler::new(P);
    s.set_time(10);
    s.set_time(5);
}

#[test]
fn sched_event_wakes_only_its_waiters_on_set() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let ev = Event::new();
    let (fut, polls) = counted({
        let (sim, ev) = (sim.clone(), ev.clone());
        async move {
            ev.wait().await;
            (sim.cycle(), sim.phase())
        }
    });
    let mut waiter = s.start_soon(fut);
    // Another task busy on every edge must not cause the waiter to be polled.
    s.start_soon({
        let (sim, ev) = (sim.clone(), ev.clone());
        async move {
            for _ in 0..3 {
                sim.rising_edge().await;
                sim.falling_edge().await;
            }
            sim.rising_edge().await;
            ev.set();
        }
    });
    steps(&mut s, 3);
    assert_eq!(polls.get(), 1, "waiter polled while its event was not set");
    assert!(!ev.is_set());
    step(&mut s);
    assert!(ev.is_set());
    assert_eq!(waiter.try_take(), Some((4, Phase::RisingEdge)));
    assert_eq!(polls.get(), 2);
}

#[test]
fn sched_event_set_before_wait_resolves_immediately_and_clear() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let ev = Event::new();
    ev.set();
    assert!(ev.is_set());
    let (fut, polls) = counted({
        let (sim, ev) = (sim.clone(), ev.clone());
        async move {
            ev.wait().await;
            ev.wait().await;
            sim.cycle()
        }
    });
    let mut h = s.start_soon(fut);
    s.run_pending();
    assert_eq!(h.try_take(), Some(0));
    assert_eq!(polls.get(), 1, "set event must not suspend");

    ev.clear();
    assert!(!ev.is_set());
    let h = s.start_soon({
        let ev = ev.clone();
        async move { ev.wait().await }
    });
    steps(&mut s, 5);
    assert!(!h.is_finished(), "cleared event resolved a wait");
    assert!(s.has_waiters() && !s.has_clock_waiters());
    ev.set(); // from the harness: the waiter runs at the next scheduling point
    assert!(!h.is_finished());
    s.falling_edge();
    assert!(h.is_finished());
    assert_eq!(s.cycle(), 5);
}

#[test]
fn sched_event_waiter_woken_by_set_resumes_even_if_cleared() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let ev = Event::new();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let ev = ev.clone();
            s.start_soon(async move { ev.wait().await })
        })
        .collect();
    s.start_soon({
        let ev = ev.clone();
        async move {
            sim.clock_cycles(2).await;
            ev.set();
            ev.clear();
        }
    });
    steps(&mut s, 2);
    assert!(waiters.iter().all(|h| h.is_finished()));
    assert!(!ev.is_set());
    assert!(s.all_done());
}

#[test]
fn sched_first_returns_index_and_losers_never_wake_the_task() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let ev = Event::new();
    let never = Event::new();
    let (fut, polls) = counted({
        let (sim, ev, never) = (sim.clone(), ev.clone(), never.clone());
        async move {
            let i = first((sim.clock_cycles(10), ev.wait(), sim.timer(7 * P))).await;
            let at = sim.cycle();
            never.wait().await; // parked: nothing may poll us again
            (i, at)
        }
    });
    let h = s.start_soon(fut);
    s.start_soon({
        let (sim, ev) = (sim.clone(), ev.clone());
        async move {
            sim.clock_cycles(2).await;
            ev.set();
        }
    });
    steps(&mut s, 2);
    assert_eq!(polls.get(), 2);
    // The ClockCycles(10) and Timer registrations were dropped with First.
    assert!(!s.has_clock_waiters());
    steps(&mut s, 20);
    assert_eq!(polls.get(), 2, "a losing trigger woke the task");
    assert!(!h.is_finished());
    never.set();
    s.run_pending();
    let mut h = h;
    assert_eq!(h.try_take(), Some((1, 2)));
}

#[test]
fn sched_first_as_timeout_and_with_vec_values() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let ev = Event::new();
    let mut h = s.start_soon({
        let sim = sim.clone();
        async move {
            let timed_out = first((ev.wait(), sim.clock_cycles(3))).await;
            let c1 = sim.cycle();
            let v: Vec<Pin<Box<dyn Future<Output = u32>>>> = vec![
                Box::pin({
                    let sim = sim.clone();
                    async move {
                        sim.clock_cycles(4).await;
                        40
                    }
                }),
                Box::pin({
                    let sim = sim.clone();
                    async move {
                        sim.clock_cycles(2).await;
                        20
                    }
                }),
            ];
            let (i, val) = first(v).await;
            (timed_out, c1, i, val, sim.cycle())
        }
    });
    steps(&mut s, 10);
    assert_eq!(h.try_take(), Some((1, 3, 1, 20, 5)));
    assert!(!s.has_clock_waiters());
}

#[test]
fn sched_first_with_complete_keeps_the_task_value() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let mut h = s.start_soon({
        let sim = sim.clone();
        async move {
            let mut child = sim.start_soon({
                let sim = sim.clone();
                async move {
                    sim.clock_cycles(3).await;
                    "response"
                }
            });
            let i = first((sim.clock_cycles(100), child.complete())).await;
            (i, child.try_take(), sim.cycle())
        }
    });
    steps(&mut s, 3);
    assert_eq!(h.try_take(), Some((1, Some("response"), 3)));
}

#[test]
fn sched_combine_waits_for_all() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let mut h = s.start_soon({
        let sim = sim.clone();
        async move {
            let a = sim.start_soon({
                let sim = sim.clone();
                async move {
                    sim.clock_cycles(2).await;
                    "a"
                }
            });
            let b = sim.start_soon({
                let sim = sim.clone();
                async move {
                    sim.clock_cycles(5).await;
                    7u32
                }
            });
            let ((), x, y) = combine((sim.clock_cycles(3), a, b)).await;
            let c1 = sim.cycle();
            let v: Vec<Trigger> = vec![sim.clock_cycles(1), sim.clock_cycles(4)];
            let outs = combine(v).await;
            (x, y, c1, outs.len(), sim.cycle())
        }
    });
    steps(&mut s, 4);
    assert!(!h.is_finished());
    step(&mut s);
    assert!(!h.is_finished());
    steps(&mut s, 3);
    assert!(!h.is_finished());
    step(&mut s);
    assert_eq!(h.try_take(), Some(("a", 7, 5, 2, 9)));
}

#[test]
fn sched_first_and_combine_on_eight_mixed_futures() {
    // The widest tuples, mixing triggers, `!Unpin` async blocks, a handle and
    // an event wait.
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let ev = Event::new();
    let mut h = s.start_soon({
        let (sim, ev) = (sim.clone(), ev.clone());
        async move {
            let c = |n| sim.clock_cycles(n);
            let late = async {
                c(2).await;
                'z'
            };
            let i = first((c(9), c(8), c(7), c(6), c(5), c(4), c(3), late)).await;
            let at = sim.cycle();
            let child = sim.start_soon({
                let sim = sim.clone();
                async move {
                    sim.clock_cycles(4).await;
                    2u8
                }
            });
            let s = async {
                c(1).await;
                "s"
            };
            let ((), s, x, y, (), (), (), ()) = combine((c(1), s, child, async { 3u16 }, c(2), c(0), c(3), ev.wait())).await;
            (i, at, s, x, y, sim.cycle())
        }
    });
    steps(&mut s, 8);
    assert!(!h.is_finished());
    assert!(!s.has_clock_waiters(), "finished members of Combine still registered");
    ev.set();
    s.run_pending();
    assert_eq!(h.try_take(), Some((7, 2, "s", 2, 3, 8)));
}

#[test]
fn sched_join_handle_returns_value_to_awaiting_task() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let mut parent = s.start_soon({
        let sim = sim.clone();
        async move {
            let child = sim.start_soon({
                let sim = sim.clone();
                async move {
                    sim.clock_cycles(3).await;
                    42u64
                }
            });
            let v = child.await;
            (v, sim.cycle(), sim.phase())
        }
    });
    steps(&mut s, 2);
    assert!(!parent.is_finished());
    step(&mut s);
    assert!(parent.is_finished());
    assert_eq!(parent.try_take(), Some((42, 3, Phase::RisingEdge)));
    assert_eq!(parent.try_take(), None, "value taken twice");
    assert!(s.all_done());
}

#[test]
fn sched_cancel_stops_a_task() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let ticks = Rc::new(Cell::new(0u32));
    let ticker = s.start_soon({
        let (sim, ticks) = (sim.clone(), ticks.clone());
        async move {
            loop {
                sim.rising_edge().await;
                ticks.set(ticks.get() + 1);
            }
        }
    });
    // A watcher awaits the ticker's completion.
    let watcher = s.start_soon(ticker.complete());
    steps(&mut s, 3);
    assert_eq!(ticks.get(), 3);
    ticker.cancel();
    assert!(ticker.is_finished() && ticker.is_cancelled());
    steps(&mut s, 10);
    assert_eq!(ticks.get(), 3, "cancelled task kept running");
    assert!(watcher.is_finished());
    assert!(s.all_done());
    assert!(!s.has_clock_waiters(), "cancelled task left a registration");

    // Cancelled from another task, and a task cancelling itself.
    let victim = s.start_soon({
        let (sim, ticks) = (sim.clone(), ticks.clone());
        async move {
            loop {
                sim.falling_edge().await;
                ticks.set(ticks.get() + 1);
            }
        }
    });
    let killer = s.start_soon({
        let sim = sim.clone();
        async move {
            sim.clock_cycles(2).await;
            victim.kill();
            victim.is_cancelled()
        }
    });
    let me: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
    let selfish = s.start_soon({
        let (sim, me, ticks) = (sim.clone(), me.clone(), ticks.clone());
        async move {
            sim.rising_edge().await;
            me.borrow().as_ref().unwrap().cancel();
            ticks.set(ticks.get() + 100); // runs: stops at the next await
            sim.rising_edge().await;
            ticks.set(ticks.get() + 1000);
        }
    });
    let selfish_done = selfish.complete();
    *me.borrow_mut() = Some(selfish);
    let mut killer = killer;
    steps(&mut s, 5);
    // victim ran on falling edges of cycles 1 and 2 (before edge 2 killed it).
    assert_eq!(ticks.get(), 3 + 2 + 100);
    assert_eq!(killer.try_take(), Some(true));
    assert!(me.borrow().as_ref().unwrap().is_cancelled());
    drop(selfish_done);
    assert!(s.all_done());
}

#[test]
fn sched_awaiting_a_cancelled_task_panics_in_the_awaiter() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let victim = s.start_soon({
        let sim = sim.clone();
        async move { sim.clock_cycles(100).await }
    });
    victim.cancel();
    s.start_soon(victim);
    let err = catch_unwind(AssertUnwindSafe(|| step(&mut s))).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("cancelled"), "{msg}");
}

#[test]
fn sched_task_panic_propagates_to_the_harness_call() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let h = s.start_soon({
        let sim = sim.clone();
        async move {
            sim.clock_cycles(2).await;
            assert_eq!(sim.cycle(), 3, "sequence check failed");
        }
    });
    let joiner = s.start_soon(h.complete());
    step(&mut s);
    s.falling_edge();
    s.set_time(2 * P);
    let err = catch_unwind(AssertUnwindSafe(|| s.rising_edge())).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("sequence check failed"), "{msg}");
    assert!(h.is_finished() && !h.is_cancelled());
    // The scheduler stays usable: the joiner learns of the end.
    s.read_only();
    assert!(joiner.is_finished());
    assert!(s.all_done());
    step(&mut s);
    assert_eq!(s.cycle(), 3);
}

#[test]
fn sched_clock_cycles_1000_polls_each_task_twice() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let n = 50;
    let counters: Vec<_> = (0..n)
        .map(|_| {
            let sim = sim.clone();
            let (fut, polls) = counted(async move { sim.clock_cycles(1000).await });
            s.start_soon(fut);
            polls
        })
        .collect();
    steps(&mut s, 999);
    assert_eq!(s.polls(), n, "waiting tasks were polled between their edges");
    assert!(!s.all_done());
    step(&mut s);
    assert!(s.all_done());
    assert_eq!(s.polls(), 2 * n);
    assert!(counters.iter().all(|c| c.get() == 2));
}

#[test]
fn sched_triggers_wake_only_their_own_waiters() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let mk = |kind: u8| {
        let sim = sim.clone();
        counted(async move {
            loop {
                match kind {
                    0 => sim.falling_edge().await,
                    1 => sim.rising_edge().await,
                    2 => sim.read_only().await,
                    _ => sim.timer(10 * P).await,
                }
            }
        })
    };
    let polls: Vec<_> = (0..4)
        .map(|k| {
            let (f, p) = mk(k);
            s.start_soon(f);
            p
        })
        .collect();
    steps(&mut s, 100);
    let got: Vec<u32> = polls.iter().map(|p| p.get()).collect();
    assert_eq!(got, vec![101, 101, 101, 11]);
}

#[test]
fn sched_idle_cycles_poll_nothing() {
    let mut s = Scheduler::new(P);
    steps(&mut s, 10_000);
    assert_eq!(s.polls(), 0);
    assert!(s.all_done() && !s.has_waiters());
    let ev = Event::new();
    let h = s.start_soon({
        let ev = ev.clone();
        async move { ev.wait().await }
    });
    steps(&mut s, 10_000);
    assert_eq!(s.polls(), 1);
    assert!(!h.is_finished() && s.has_waiters());
}

#[test]
fn sched_start_soon_from_a_task_runs_in_the_same_phase() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let log: Log = Rc::default();
    let mut parent = s.start_soon({
        let (sim, log) = (sim.clone(), log.clone());
        async move {
            sim.clock_cycles(2).await;
            note(&log, &sim, "parent-spawns");
            let child = sim.start_soon({
                let (sim, log) = (sim.clone(), log.clone());
                async move {
                    note(&log, &sim, "child-runs");
                    sim.read_only().await;
                    note(&log, &sim, "child-ro");
                    sim.cycle() * 10
                }
            });
            note(&log, &sim, "parent-continues");
            let v = child.await;
            note(&log, &sim, "parent-joined");
            v
        }
    });
    steps(&mut s, 2);
    assert_eq!(parent.try_take(), Some(20));
    use Phase::*;
    assert_eq!(
        *log.borrow(),
        vec![
            ("parent-spawns", 2, 2000, RisingEdge),
            ("parent-continues", 2, 2000, RisingEdge),
            ("child-runs", 2, 2000, RisingEdge),
            ("child-ro", 2, 2000, ReadOnly),
            ("parent-joined", 2, 2000, ReadOnly),
        ]
    );
}

#[test]
fn sched_foreign_waker_still_works() {
    // A trigger polled under a waker that is not one of our tasks' (as a
    // third-party combinator would) still wakes that waker.
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;
    struct Flag(AtomicUsize);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let flag = Arc::new(Flag(AtomicUsize::new(0)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut t = sim.clock_cycles(2);
    assert!(Pin::new(&mut t).poll(&mut cx).is_pending());
    step(&mut s);
    assert_eq!(flag.0.load(Ordering::SeqCst), 0);
    step(&mut s);
    assert_eq!(flag.0.load(Ordering::SeqCst), 1);
    assert!(Pin::new(&mut t).poll(&mut cx).is_ready());
}

#[test]
fn sched_drop_releases_tasks_and_handles_see_cancel() {
    let s = Scheduler::new(P);
    let sim = s.handle();
    let h = s.start_soon(async move { sim.clock_cycles(5).await });
    drop(s);
    assert!(h.is_finished() && h.is_cancelled());
}

#[test]
fn sched_trigger_records_its_task_not_a_waker_clone() {
    // The fast path: a trigger awaited by one of our tasks records the task
    // itself: no waker clone holds the task's cell.
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let h = s.start_soon(async move { sim.clock_cycles(3).await });
    let strong = |s: &Scheduler| {
        let mut tasks = s.inner.tasks.borrow_mut();
        Arc::strong_count(&tasks.get_mut(h.idx, h.gen).expect("task").cell)
    };
    let before = strong(&s);
    s.run_pending();
    assert!(s.has_clock_waiters());
    assert_eq!(strong(&s), before, "the trigger cloned the task's waker");
    steps(&mut s, 3);
    assert!(h.is_finished());
}

#[test]
fn sched_local_wakes_bypass_the_remote_queue() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let ev = Event::new();
    let h = s.start_soon({
        let ev = ev.clone();
        async move {
            ev.wait().await;
            ev.wait().await; // still set: resolves at once
            sim.cycle()
        }
    });
    s.run_pending();
    {
        // Harness code setting an event under the guard: the task goes
        // straight onto the local ready queue.
        let _local = s.local_wakes();
        ev.set();
    }
    assert!(!s.inner.remote.pending.load(Ordering::Acquire));
    assert_eq!(s.inner.ready.borrow().len(), 1);
    s.run_pending();
    assert!(h.is_finished());

    // Without the guard, the same wake-up takes the thread-safe queue.
    ev.clear();
    let h = s.start_soon({
        let ev = ev.clone();
        async move { ev.wait().await }
    });
    s.run_pending();
    ev.set();
    assert!(s.inner.remote.pending.load(Ordering::Acquire));
    assert!(s.inner.ready.borrow().is_empty());
    s.run_pending();
    assert!(h.is_finished());
}

#[test]
fn sched_drive_in_read_only_is_rejected_naming_port_and_phase() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let drives = Rc::new(Cell::new(0));
    s.start_soon({
        let (sim, drives) = (sim.clone(), drives.clone());
        async move {
            // Driving after either edge is allowed, as in cocotb.
            sim.falling_edge().await;
            sim.drive("reg_valid");
            sim.rising_edge().await;
            sim.drive("reg_valid");
            drives.set(2);
            sim.read_only().await;
            sim.drive("reg_valid");
            drives.set(3);
        }
    });
    s.falling_edge();
    s.set_time(P);
    s.rising_edge();
    assert_eq!(drives.get(), 2);
    let err = catch_unwind(AssertUnwindSafe(|| s.read_only())).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("reg_valid") && msg.contains("ReadOnly") && msg.contains("cycle 1"), "{msg}");
    assert_eq!(drives.get(), 2, "the write after the rejected drive ran");
}
