//! Scheduler cost checks: the steady state must not allocate (principle 6),
//! and an ignored micro-benchmark of per-cycle overhead
//! (`cargo test --release -p tb --test sched -- --ignored --nocapture`).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Instant;

use tb::sched::{first, Event, Scheduler, Sim};

mod alloc_count;
use alloc_count::allocs;

const P: u64 = 1000;

fn step(s: &mut Scheduler) {
    s.falling_edge();
    let t = s.now_ps() + P;
    s.set_time(t);
    s.rising_edge();
    s.read_only();
}

/// A mix of every trigger kind, events, First with losers left behind
/// (stale heap entries), in endless loops.
fn start_workload(s: &Scheduler, sim: &Sim) -> Rc<Cell<u64>> {
    let work = Rc::new(Cell::new(0u64));
    let ev = Event::new();
    let (w, si) = (work.clone(), sim.clone());
    s.start_soon(async move {
        loop {
            si.rising_edge().await;
            w.set(w.get() + 1);
        }
    });
    let (w, si, e) = (work.clone(), sim.clone(), ev.clone());
    s.start_soon(async move {
        loop {
            si.clock_cycles(3).await;
            e.set();
            w.set(w.get() + 1);
        }
    });
    let (w, si, e) = (work.clone(), sim.clone(), ev.clone());
    s.start_soon(async move {
        loop {
            let i = first((si.clock_cycles(5), e.wait())).await;
            e.clear();
            si.read_only().await;
            w.set(w.get() + i as u64);
        }
    });
    let (w, si) = (work.clone(), sim.clone());
    s.start_soon(async move {
        loop {
            si.falling_edge().await;
            si.timer(P / 2).await;
            w.set(w.get() + 1);
        }
    });
    let (w, si) = (work.clone(), sim.clone());
    s.start_soon(async move {
        loop {
            // The far timer loses every cycle and is left stale in its heap.
            first((si.timer(1_000_000_000), si.rising_edge(), si.clock_cycles(1_000_000))).await;
            w.set(w.get() + 1);
        }
    });
    work
}

#[test]
fn sched_steady_state_does_not_allocate() {
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let work = start_workload(&s, &sim);
    for _ in 0..2_000 {
        step(&mut s);
    }
    let (a0, w0, p0) = (allocs(), work.get(), s.polls());
    assert!(a0 > 0, "allocation counter not wired");
    for _ in 0..20_000 {
        step(&mut s);
    }
    let (a1, w1, p1) = (allocs(), work.get(), s.polls());
    assert!(w1 - w0 > 20_000 * 3, "workload did not run: {}", w1 - w0);
    assert!(p1 - p0 > 20_000 * 4);
    assert_eq!(a1 - a0, 0, "allocations in steady state");
}

#[test]
#[ignore = "benchmark; run with --release --ignored --nocapture"]
fn sched_bench_cycle_cost() {
    let n = 2_000_000u64;
    let mut s = Scheduler::new(P);
    let t = Instant::now();
    for _ in 0..n {
        step(&mut s);
    }
    let idle = t.elapsed().as_nanos() as f64 / n as f64;

    let mut s = Scheduler::new(P);
    let sim = s.handle();
    for _ in 0..4 {
        let sim = sim.clone();
        s.start_soon(async move {
            loop {
                sim.rising_edge().await;
            }
        });
    }
    let t = Instant::now();
    for _ in 0..n {
        step(&mut s);
    }
    let four = t.elapsed().as_nanos() as f64 / n as f64;

    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let _work = start_workload(&s, &sim);
    let t = Instant::now();
    for _ in 0..n {
        step(&mut s);
    }
    let mixed = t.elapsed().as_nanos() as f64 / n as f64;

    // Two tasks hand an event to each other every cycle: wake-ups through
    // task wakers (Event::set from inside a task), not trigger slots.
    let mut s = Scheduler::new(P);
    let sim = s.handle();
    let (ping, pong) = (Event::new(), Event::new());
    let (p, q) = (ping.clone(), pong.clone());
    s.start_soon(async move {
        loop {
            sim.rising_edge().await;
            p.set();
            q.wait().await;
            q.clear();
        }
    });
    s.start_soon(async move {
        loop {
            ping.wait().await;
            ping.clear();
            pong.set();
        }
    });
    let t = Instant::now();
    for _ in 0..n {
        step(&mut s);
    }
    let events = t.elapsed().as_nanos() as f64 / n as f64;

    let mut s = Scheduler::new(P);
    let sim = s.handle();
    for _ in 0..1000 {
        let sim = sim.clone();
        s.start_soon(async move { sim.clock_cycles(u64::MAX / 2).await });
    }
    let t = Instant::now();
    for _ in 0..n {
        step(&mut s);
    }
    let parked = t.elapsed().as_nanos() as f64 / n as f64;
    println!(
        "ns per cycle (4 phase calls): idle {idle:.1}, 4 tasks on RisingEdge {four:.1}, \
         mixed workload {mixed:.1}, event ping-pong {events:.1}, 1000 tasks parked in ClockCycles {parked:.1}"
    );
}
