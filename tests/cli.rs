//! The command line end to end: exit codes, one-line errors, trace, waves, regress output.

mod common;
#[path = "common/mutants.rs"]
mod mutants;

use common::{iommu_tb, text};
use mutants::mutant;

const PRIQ: &str = "smmuv3/smmuv3_priq.sv";

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn run_passes_with_exit_0() {
    let o = iommu_tb(&["run", "--flavor", "smmuv3", "--test", "overflow_at_full", "--seed", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).starts_with("PASS overflow_at_full seed 3"));
}

#[test]
fn unknown_test_is_one_line_exit_2() {
    let o = iommu_tb(&["run", "--test", "no_such_test"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("unknown test 'no_such_test'"), "{err}");
}

#[test]
fn malformed_scenario_is_one_line_exit_2() {
    let f = tmp("bad-scenario.json");
    std::fs::write(&f, "{\"flavor\": \"smmuv3\", \"test\": 5}").unwrap();
    let o = iommu_tb(&["run", "--scenario", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("malformed scenario"), "{err}");
}

#[test]
fn missing_rtl_is_one_line_exit_2() {
    let o = iommu_tb(&["run", "--test", "basic_write", "--rtl", "/nonexistent/rtl"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
}

#[test]
fn trace_out_writes_json_lines() {
    let f = tmp("trace.jsonl");
    let o = iommu_tb(&["run", "--test", "basic_write", "--trace-out", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let txns = tb::trace::read_trace(&f).unwrap();
    let kinds = |k: &str| txns.iter().filter(|t| serde_json::to_value(t).unwrap()["kind"] == k).count();
    assert_eq!(kinds("page_request"), 3);
    assert_eq!(kinds("mem_write"), 3);
    assert_eq!(kinds("mem_ack"), 3);
    assert!(kinds("reg_write") >= 4 && kinds("reg_read") >= 1);
    assert!(txns.windows(2).all(|w| w[0].cycle <= w[1].cycle), "trace not in cycle order");
}

#[test]
fn replay_writes_waves() {
    let f = tmp("replay.fst");
    let o = iommu_tb(&["replay", "--test", "stop_marker_queued", "--seed", "1", "--waves-out", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(std::fs::metadata(&f).unwrap().len() > 100, "empty waves file");
}

#[test]
fn failing_run_exits_1_with_rule_and_replay_command() {
    // A copy of the RTL whose entries swap R and W.
    let rtl = mutant("cli_entry_rw", PRIQ, "dw0 = {m.pv, m.l, m.w, m.r,", "dw0 = {m.pv, m.l, m.r, m.w,");
    let o = iommu_tb(&["run", "--test", "basic_write", "--rtl", rtl.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("[SMMU-PRIQ-4] cycle"), "{out}");
    assert!(out.contains("recent transactions"), "{out}");
    assert!(out.contains("judged by: lockstep"), "{out}");
    // The reset state is part of the replay: the default random mode seeded from the run seed.
    let reset = format!("--reset-values random:{}", tb::reset::reset_seed(1));
    assert!(out.contains(&format!("replay: iommu-tb replay --flavor smmuv3 --test basic_write --seed 1 {reset}")), "{out}");
}

#[test]
fn reset_values_are_chosen_recorded_and_checked() {
    let o = iommu_tb(&["run", "--test", "basic_write", "--reset-values", "ones"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("reset ones"), "{}", text(&o.stdout));
    let o = iommu_tb(&["run", "--test", "basic_write", "--seed", "4"]);
    assert!(text(&o.stdout).contains(&format!("reset random:{}", tb::reset::reset_seed(4))), "{}", text(&o.stdout));
    for bad in ["some", "random:0", "random:abc"] {
        let o = iommu_tb(&["run", "--test", "basic_write", "--reset-values", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(text(&o.stderr).contains("give zero, ones, random or random:SEED"), "{bad}: {}", text(&o.stderr));
    }
}

#[test]
fn regress_writes_results_json() {
    let out = tmp("regress");
    // The Rust plan alone: the Python tests' share is tests/python_cli.rs's.
    let o = iommu_tb(&["regress", "--seeds", "2", "--no-python", "--out", out.to_str().unwrap()]);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", text(&o.stderr));
    assert!(stdout.contains("runs:") && stdout.contains("0 failed"), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    // Every configuration of each top: directed tests once, random classes 2 seeds under the
    // defaults and 1 (a quarter, at least one) under a corner; tests only where their needs hold.
    let mut want = 0u64;
    let mut builds = Vec::new();
    for f in tb::flavors::ALL {
        for cfg in f.configs().unwrap() {
            builds.push(format!("{} {}", f.name(), cfg.name));
            let params = f.parameters(&cfg).unwrap();
            for t in f.tests().iter().filter(|t| tb::config::unmet(t.needs, &params).is_none()) {
                want += if !t.random {
                    1
                } else if cfg.is_default() {
                    2
                } else {
                    1
                };
            }
        }
    }
    assert_eq!(v["summary"]["total"], want);
    assert_eq!(v["summary"]["failed"], 0);
    assert!(v["runs"].as_array().unwrap().iter().all(|r| r["status"] == "pass" && r["scenario"]["seed"].is_u64()));
    // Every run records the reset state it started from, seeded from its own seed.
    for r in v["runs"].as_array().unwrap() {
        let want = format!("random:{}", tb::reset::reset_seed(r["seed"].as_u64().unwrap()));
        assert_eq!(r["reset"].as_str(), Some(want.as_str()), "{r}");
        assert!(r["judge"].is_null(), "{r}");
    }
    // Both flavors ran, each configuration on its own build, each flavor with its own
    // functional coverage, also per configuration.
    let got: Vec<String> = v["rtl"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| format!("{} {}", b["flavor"].as_str().unwrap(), b["config"].as_str().unwrap()))
        .collect();
    assert_eq!(got, builds);
    assert_eq!(builds.len(), 6, "default, min and max of both tops");
    let hashes: std::collections::BTreeSet<&str> = v["rtl"].as_array().unwrap().iter().map(|b| b["hash"].as_str().unwrap()).collect();
    assert_eq!(hashes.len(), 6, "each configuration is its own build");
    assert_eq!(v["functional_by_config"].as_array().unwrap().len(), 6);
    let defs: Vec<&str> = v["functional"].as_array().unwrap().iter().map(|c| c["definition"].as_str().unwrap()).collect();
    assert_eq!(defs, ["smmuv3_priq", "vtd_prq"]);
}

#[test]
fn bench_reports_both_rates_and_the_ratio() {
    // The pipeline of `make bench` (C++ loop compiled against the cached build, harness run);
    // speed itself is a figure to read, not a pass/fail criterion.
    let out = tmp("bench");
    let o = iommu_tb(&["bench", "--cycles", "20000", "--reps", "1", "--regress-seeds", "2", "--out", out.to_str().unwrap()]);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", text(&o.stderr));
    assert!(stdout.contains("ratio"), "{stdout}");
    let all: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("bench.json")).unwrap()).unwrap();
    let flavors = all["flavors"].as_array().unwrap();
    assert_eq!(flavors.iter().map(|v| v["flavor"].as_str().unwrap()).collect::<Vec<_>>(), ["smmuv3", "smmuv3", "vtd"]);
    // One row per workload: the SMMUv3 PRIQ and event queue, the VT-d PRQ.
    assert_eq!(flavors.iter().map(|v| v["workload"].as_str().unwrap()).collect::<Vec<_>>(), ["smmuv3", "smmuv3-evtq", "vtd"]);
    for v in flavors {
        let (h, p) = (v["harness_cycles_per_s"].as_f64().unwrap(), v["plain_cpp_cycles_per_s"].as_f64().unwrap());
        assert!(h > 0.0 && p > 0.0, "{v}");
        assert!((v["ratio"].as_f64().unwrap() - h / p).abs() < 1e-9, "{v}");
        for (m, rate) in [("line", "line_coverage_harness_cycles_per_s"), ("all", "coverage_harness_cycles_per_s")] {
            let c = v[rate].as_f64().unwrap();
            assert!(c > 0.0 && (v["coverage_slowdown"][m].as_f64().unwrap() - h / c).abs() < 1e-9, "{v}");
        }
    }
    // Start-up per run of both builds, and the efficiency of both regressions.
    let t = &all["throughput"];
    let builds: Vec<&str> = t["startup"].as_array().unwrap().iter().map(|s| s["build"].as_str().unwrap()).collect();
    assert_eq!(builds, ["plain", "coverage"], "{t}");
    assert!(t["startup"].as_array().unwrap().iter().all(|s| s["per_run_ms"].as_f64().unwrap() > 0.0), "{t}");
    let regressions = t["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 2, "{t}");
    for r in regressions {
        let f = |k: &str| r[k].as_f64().unwrap();
        assert!(f("runs") > 0.0 && f("cycles") > 0.0, "{r}");
        assert!((f("aggregate_cycles_per_s") - f("cycles") / f("elapsed_s")).abs() < 1e-6 * f("aggregate_cycles_per_s"), "{r}");
        assert!((f("efficiency") - f("aggregate_cycles_per_s") / (f("jobs") * f("single_run_cycles_per_s"))).abs() < 1e-9, "{r}");
    }
    assert!(stdout.contains("efficiency") && stdout.contains("start-up per run"), "{stdout}");
}

#[test]
fn run_under_a_configuration() {
    let o = iommu_tb(&["run", "--test", "wrap_sizes", "--config", "max"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).starts_with("PASS wrap_sizes@max seed 1"), "{}", text(&o.stdout));
}

#[test]
fn configuration_errors_are_one_line_exit_2() {
    for (args, needle) in [
        (["run", "--test", "basic_write", "--config", "huge"], "unknown configuration 'huge' for smmuv3_priq (known: default, min, max)"),
        (["run", "--test", "vtd_pre_disabled_fault", "--config", "min"], "does not run under configuration min: NR=1 (needs 2..=64)"),
    ] {
        let o = iommu_tb(&args);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        let err = text(&o.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn a_failure_at_a_corner_replays_at_that_corner() {
    // The RTL with IDR1.PRIQS not passed to the ring: only a corner shows it.
    let rtl = mutant("cli_priqs_not_passed", PRIQ, ", .MAX_LOG2(PRIQS)) u_ring", ") u_ring");
    let o = iommu_tb(&["run", "--test", "wrap_sizes", "--config", "max", "--rtl", rtl.to_str().unwrap()]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("[SMMU-PRIQ-1] cycle"), "{out}");
    assert!(out.contains("replay: iommu-tb replay --flavor smmuv3 --config max --test wrap_sizes --seed 1"), "{out}");
}

#[test]
fn compare_modes_judge_record_and_replay() {
    // Ordered compare: the planted R/W swap is the ordered judge's, and the replay keeps the mode.
    let rtl = mutant("cli_entry_rw_ordered", PRIQ, "dw0 = {m.pv, m.l, m.w, m.r,", "dw0 = {m.pv, m.l, m.r, m.w,");
    let o = iommu_tb(&["run", "--test", "basic_write", "--rtl", rtl.to_str().unwrap(), "--compare", "ordered"]);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("[SMMU-PRIQ-4] cycle"), "{out}");
    assert!(out.contains("judged by: ordered"), "{out}");
    assert!(out.contains("--compare ordered"), "{out}");
    // Checkers mode, and its old spelling.
    for args in [&["--compare", "checkers"][..], &["--checkers-only"]] {
        let o = iommu_tb(&[&["run", "--test", "basic_write", "--rtl", rtl.to_str().unwrap()][..], args].concat());
        let out = text(&o.stdout);
        assert!(out.contains("judged by: checker smmuv3-priq-entry"), "{args:?}: {out}");
        assert!(out.contains("--compare checkers"), "{args:?}: {out}");
    }
    let o = iommu_tb(&["run", "--test", "basic_write", "--compare", "ordered", "--latency-bound", "entry=100,reg=4"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
}

#[test]
fn bad_compare_options_exit_2() {
    for (args, says) in [
        (&["--compare", "strict"][..], "unknown compare mode 'strict' (lockstep, ordered or checkers)"),
        (&["--latency-bound", "speed=3"], "expected KEY=CYCLES[,KEY=CYCLES...] with KEY one of response, entry, reg, irq, ack"),
        (&["--compare", "ordered", "--checkers-only"], "cannot be used with"),
    ] {
        let o = iommu_tb(&[&["run", "--test", "basic_write"][..], args].concat());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains(says), "{args:?}: {}", text(&o.stderr));
    }
}

#[test]
fn regress_records_the_compare_mode_of_every_run() {
    let out = tmp("regress-ordered");
    let args = ["regress", "--compare", "ordered", "--test", "basic_write", "--test", "random", "--seeds", "2", "--config", "default"];
    let o = iommu_tb(&[&args[..], &["--no-code-coverage", "--out", out.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|r| r["compare"] == "ordered"), "{runs:?}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("3 runs under ordered compare"), "{md}");
}

/// A reader that stops early (`iommu-tb list | head -1`) ends the listing quietly: exit 0, no
/// panic about a broken pipe. The pipe is closed before the command writes, so every write meets
/// it closed.
#[test]
fn list_into_a_closed_pipe_ends_quietly() {
    for args in [&["list"][..], &["testplan"][..]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_iommu-tb"))
            .args(args)
            .current_dir(common::root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
        assert!(!text(&o.stderr).contains("panicked"), "{args:?}: {}", text(&o.stderr));
    }
}
