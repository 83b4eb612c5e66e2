//! Model-vs-RTL random lockstep of `vtd_prq`: the same seeded random inputs drive the Verilated
//! RTL and the timed model (`models::vtd::timing`); every output is compared after every edge
//! by the VT-d scoreboard, which names the rule behind the first difference. On a mismatch the
//! test prints the last inputs. Also checks that the stimulus reached every row and descriptor
//! path (a lockstep that never exercised them would pass quietly) and that the model's `step`
//! does not allocate.

mod common;

#[path = "../tb/tests/alloc_count/mod.rs"]
mod alloc_count;

use models::vtd::arch::{FaultOutcome, Row};
use models::vtd::timing::{IqTake, RespSource, Unit, VtdInputs, VtdOutputs, VtdParams, VtdTiming};
use std::collections::{BTreeSet, VecDeque};
use tb::config::RtlConfig;
use tb::run::build_spec;
use tb::vtd::dut::VtdDut;
use tb::vtd::scoreboard::Scoreboard;
use tb::vtd::stimulus::Stimulus;

const SEEDS: std::ops::RangeInclusive<u64> = 1..=12;
const CYCLES: u64 = 100_000;
const HISTORY: usize = 20;

fn dut(spec: sim::BuildSpec) -> VtdDut {
    let built = sim::build(&spec, &common::opts().cache_root).expect("build vtd_prq");
    VtdDut::new(sim::Model::load(&built).expect("load vtd_prq")).expect("bind vtd_prq ports")
}

/// Names of the paths an edge exercised (for the reach check).
fn reached(ev: &models::vtd::timing::EdgeEvents, out: &mut BTreeSet<String>) {
    if let Some((row, m)) = ev.decided {
        out.insert(format!("row {row:?} {:?}", m.class()));
    }
    if let Some(f) = ev.fault {
        out.insert(match f {
            FaultOutcome::Recorded { .. } => "fault recorded".into(),
            FaultOutcome::Overflow => "fault overflow".into(),
            FaultOutcome::DroppedPfo => "fault dropped".into(),
        });
    }
    if let Some(t) = ev.iq_taken {
        out.insert(match t {
            IqTake::Response(_) => "iq response".into(),
            IqTake::Wait { dsc, drain } => format!("iq wait pd={} drain>0={}", dsc.pd, drain > 0),
            IqTake::NoEffect(_) => "iq no-op".into(),
            IqTake::Invalid(_) => "iq invalid".into(),
        });
    }
    if let Some(c) = ev.wait_completed {
        out.insert(format!("wait done sw={} if={}", c.status_write.is_some(), c.iwc_set));
    }
    if let Some(j) = ev.job_started {
        out.insert(format!("job {j:?}"));
    }
    if let Some((_, src)) = ev.committed {
        out.insert(format!("commit {src:?}"));
    }
    if ev.read_answered.is_some() && ev.reg.is_none() {
        out.insert("read answered late".into());
    }
    if let Some((_, why)) = ev.read_held {
        out.insert(format!("read held {why:?}"));
    }
    for u in Unit::ALL {
        if ev.unit(u).ip_set {
            out.insert(format!("{u:?} ip set"));
        }
        if ev.unit(u).ip_cleared && !ev.unit(u).msi_triggered {
            out.insert(format!("{u:?} ip cleared"));
        }
    }
}

/// Run `seeds` x `cycles` of lockstep between a fresh reset of `dut` and the model with `p`;
/// panic at the first mismatch with the scoreboard's report and the last inputs.
fn lockstep(dut: &mut VtdDut, p: VtdParams, seeds: std::ops::RangeInclusive<u64>, cycles: u64, reach: &mut BTreeSet<String>) {
    for seed in seeds {
        dut.reset(2);
        let mut model = VtdTiming::new(p);
        let mut sb = Scoreboard::default();
        let mut stim = Stimulus::new(seed);
        let mut history: VecDeque<(u64, VtdInputs)> = VecDeque::with_capacity(HISTORY);
        let mut act = VtdOutputs::default();
        for cycle in 0..=cycles {
            if cycle > 0 {
                let inp = stim.next(&model);
                if history.len() == HISTORY {
                    history.pop_front();
                }
                history.push_back((cycle, inp));
                dut.drive(&inp);
                dut.clock.tick();
                model.step(&inp);
                sb.note(&model);
                reached(model.events(), reach);
            }
            dut.sample(&mut act);
            if let Some(mm) = sb.compare(cycle, model.outputs(), &act, &model) {
                let mut text = format!("{p:?} seed {seed}: {mm}\nexpected {:?}\nDUT      {act:?}\nlast inputs:\n", model.outputs());
                for (c, i) in &history {
                    text.push_str(&format!("  {c}: {i:?}\n"));
                }
                panic!("{text}");
            }
        }
    }
}

#[test]
fn model_matches_rtl_on_random_stimulus() {
    let opts = common::opts();
    let mut dut = dut(build_spec(&tb::vtd::Vtd, &RtlConfig::default_config(), &opts.rtl_dir, sim::Variant::Plain));
    let mut reach = BTreeSet::new();
    let t0 = std::time::Instant::now();
    lockstep(&mut dut, VtdParams::default(), SEEDS, CYCLES, &mut reach);
    let secs = t0.elapsed().as_secs_f64();
    let total = CYCLES * SEEDS.clone().count() as u64;
    eprintln!("vtd lockstep: {total} cycles over {} seeds in {secs:.2} s", SEEDS.clone().count());
    eprintln!("reached: {reach:?}");
    let must = [
        "row A_NotEnabled LastRequest",
        "row A_NotEnabled StopMarker",
        "row A_NotEnabled Request",
        "row B_Overflow LastRequest",
        "row C_Full LastRequest",
        "row D_Write LastRequest",
        "row D_Write StopMarker",
        "row D_Write Request",
        "fault recorded",
        "fault overflow",
        "fault dropped",
        "iq response",
        "iq wait pd=true drain>0=true",
        "iq wait pd=false drain>0=false",
        "iq no-op",
        "iq invalid",
        "wait done sw=true if=true",
        "job Status",
        "job Msi(Pe)",
        "job Msi(Fe)",
        "job Msi(Ie)",
        "commit Software",
        "read answered late",
        "read held Descriptor",
        "read held Msi(Pe)",
        "read held Msi(Fe)",
        "Pe ip set",
        "Fe ip set",
        "Ie ip set",
        "Pe ip cleared",
        "Fe ip cleared",
        "Ie ip cleared",
    ];
    let missing: Vec<_> = must.iter().filter(|m| !reach.contains(**m)).collect();
    assert!(missing.is_empty(), "stimulus never reached {missing:?}");
    for row in [Row::A_NotEnabled, Row::B_Overflow, Row::C_Full] {
        assert!(reach.contains(&format!("commit {:?}", RespSource::Auto(row))), "no committed response of row {row:?}");
    }
}

/// Small FIFOs, one fault record, an odd PRE table: every back-pressure path and the record
/// overflow happen often.
#[test]
fn model_matches_rtl_with_small_parameters() {
    let p = VtdParams { ing_depth: 2, auto_depth: 1, sw_depth: 1, nr: 1, pre_entries: 3 };
    let mut spec = build_spec(&tb::vtd::Vtd, &RtlConfig::default_config(), &common::opts().rtl_dir, sim::Variant::Plain);
    spec.params = [
        ("ING_DEPTH", p.ing_depth),
        ("AUTO_DEPTH", p.auto_depth),
        ("SW_DEPTH", p.sw_depth),
        ("NR", p.nr as usize),
        ("PRE_ENTRIES", p.pre_entries),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut dut = dut(spec);
    let mut reach = BTreeSet::new();
    lockstep(&mut dut, p, 101..=104, 50_000, &mut reach);
    assert!(reach.contains("fault overflow") && reach.contains("row C_Full LastRequest"), "{reach:?}");
}

#[test]
fn model_step_does_not_allocate() {
    let mut model = VtdTiming::new(VtdParams::default());
    let mut stim = Stimulus::new(99);
    let inputs: Vec<VtdInputs> = (0..50_000)
        .map(|_| {
            let i = stim.next(&model);
            model.step(&i);
            i
        })
        .collect();
    let mut model = VtdTiming::new(VtdParams::default());
    let before = alloc_count::allocs();
    for i in &inputs {
        model.step(i);
        std::hint::black_box(model.outputs());
    }
    assert_eq!(alloc_count::allocs() - before, 0, "VtdTiming::step allocated");
}
