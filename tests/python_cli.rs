//! `iommu-tb list`, `run`, `replay` and `regress` see the Python engine tests of
//! tests/python/engine (run through the project's `.venv`, which `make setup` prepares): listed
//! with kind `python`, run with the command's exit status, failing with the rule on a planted
//! bug, replayed with waves, and regressed beside the Rust tests (results, coverage, JUnit), on
//! a port-mapped DUT too.

#[path = "common/mutants.rs"]
mod mutants;

use std::path::PathBuf;
use std::process::Command;

fn iommu_tb(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_iommu-tb")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn list_shows_the_python_tests_after_the_rust_ones() {
    let o = iommu_tb(&["list"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let line = out.lines().find(|l| l.contains("test_py_vtd_queue_then_answer")).unwrap_or_else(|| panic!("not listed:\n{out}"));
    assert!(line.starts_with("vtd      test_py_vtd_queue_then_answer    python   VTD-PRQ-1"), "{line}");
    assert!(out.lines().last().unwrap().contains(" python "), "Python tests come last");
    let smmu = String::from_utf8_lossy(&iommu_tb(&["list", "--flavor", "smmuv3"]).stdout).to_string();
    assert!(smmu.contains("test_py_queue_then_answer") && !smmu.contains("test_py_vtd_queue_then_answer"));
}

#[test]
fn run_passes_a_python_test_and_fails_it_on_a_planted_bug() {
    let o = iommu_tb(&["run", "--test", "test_py_queue_then_answer", "--seed", "2"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("PASS test_py_queue_then_answer seed 2"));

    let rtl = mutants::mutant("py_entry_rw", "smmuv3/smmuv3_priq.sv", "dw0 = {m.pv, m.l, m.w, m.r,", "dw0 = {m.pv, m.l, m.r, m.w,");
    let o = iommu_tb(&["run", "--test", "test_py_queue_then_answer", "--rtl", rtl.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("[SMMU-PRIQ-4] by lockstep"), "{}", text(&o));
    let o = iommu_tb(&["run", "--test", "test_py_queue_then_answer", "--rtl", rtl.to_str().unwrap(), "--checkers-only"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("[SMMU-PRIQ-4] by checker smmuv3-priq-entry"), "{}", text(&o));
}

#[test]
fn replay_of_a_python_test_writes_waves_from_the_same_reset_state() {
    let o = iommu_tb(&["run", "--test", "test_py_queue_then_answer", "--seed", "4", "--reset-values", "ones"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let first = String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with("PASS test_py_queue_then_answer seed 4 reset ones ("), "{first}");
    let waves = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-cli").join("replay.fst");
    let _ = std::fs::remove_file(&waves);
    let args = ["replay", "--test", "test_py_queue_then_answer", "--seed", "4", "--reset-values", "ones", "--waves-out"];
    let o = iommu_tb(&[&args[..], &[waves.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // The same run (cycles included) with waves.
    let cycles = |l: &str| l.split('(').nth(1).and_then(|c| c.split(' ').next()).map(str::to_string);
    assert_eq!(cycles(out.lines().next().unwrap()), cycles(&first), "{out}");
    assert!(out.contains(&format!("waves: {}", waves.display())), "{out}");
    assert!(std::fs::metadata(&waves).map(|m| m.len() > 0).unwrap_or(false), "no waves at {}", waves.display());
}

/// The functional-coverage holes of `rule` in a regression's coverage.json.
fn holes(out: &std::path::Path, rule: &str) -> Vec<String> {
    let cov: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    let r = cov["functional"]["rules"].as_array().unwrap().iter().find(|r| r["rule"] == rule).unwrap().clone();
    r["holes"].as_array().unwrap().iter().map(|h| h.as_str().unwrap().to_string()).collect()
}

#[test]
fn regress_runs_the_python_tests_beside_the_rust_ones() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-cli");
    let regress = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let _ = std::fs::remove_dir_all(&out);
        let mut args = vec!["regress", "--config", "default", "--jobs", "2", "--gate", "pass-rate=100", "--out", out.to_str().unwrap()];
        for t in ["basic_write", "test_py_queue_then_answer", "test_py_vtd_queue_then_answer"] {
            args.extend(["--test", t]);
        }
        args.extend(extra);
        let o = iommu_tb(&args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        (out, String::from_utf8_lossy(&o.stdout).to_string())
    };
    let (out, stdout) = regress("regress", &[]);
    assert!(stdout.starts_with("regress: 1 + 2 Python runs"), "{stdout}");
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let mut tests: Vec<&str> = results["runs"].as_array().unwrap().iter().map(|r| r["test"].as_str().unwrap()).collect();
    tests.sort_unstable();
    assert_eq!(tests, ["basic_write", "test_py_queue_then_answer", "test_py_vtd_queue_then_answer"]);
    assert_eq!(results["summary"]["passed"], 3);
    // The rules the Python tests assert reach the merged functional coverage (asserts.passed.*),
    // which the same regression without them leaves as holes.
    let asserted = [("VTD-IQ-3", "asserts.passed.VTD-IQ-3"), ("SMMU-CMD-3", "asserts.passed.SMMU-CMD-3")];
    for (rule, bin) in asserted {
        assert!(!holes(&out, rule).iter().any(|h| h == bin), "{bin} is a hole with the Python tests");
    }
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(junit.contains("test_py_vtd_queue_then_answer"), "{junit}");
    assert!(std::fs::read_to_string(out.join("report.html")).unwrap().contains("test_py_queue_then_answer"));
    assert!(!out.join("python-runs").exists(), "the Python side's scratch folder was left behind");
    let (without, stdout) = regress("regress-no-python", &["--no-python"]);
    assert!(stdout.starts_with("regress: 1 runs"), "{stdout}");
    for (rule, bin) in asserted {
        assert!(holes(&without, rule).iter().any(|h| h == bin), "{bin} is covered without the Python tests");
    }
}

#[test]
fn regress_without_the_python_package_says_so_in_one_line() {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-cli").join("no-python");
    let run = |python: &str| {
        Command::new(env!("CARGO_BIN_EXE_iommu-tb"))
            .args(["regress", "--seed", "1", "--config", "default", "--out", out.to_str().unwrap()])
            .env("IOMMU_TB_PYTHON", python)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let o = run("/nonexistent/python");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.trim(),
        "iommu-tb: no Python interpreter at /nonexistent/python for the Python tests: run `make setup` (or set IOMMU_TB_PYTHON)"
    );
    let system = ["/usr/bin/python3", "/usr/local/bin/python3"].into_iter().find(|p| std::path::Path::new(p).is_file()).unwrap();
    let o = run(system);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&format!("the Python at {system} has no iommu_tb package: run `make setup`")), "{err}");
}

/// The Python side failing mid-regression loses nothing already run: the command exits 2 with
/// one line, and results.json holds the Rust runs. (The interpreter here lists the tests but
/// fails at `regress`, as a broken package would.)
#[test]
fn a_failing_python_side_keeps_the_rust_results() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-cli").join("broken-python");
    std::fs::create_dir_all(&dir).unwrap();
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let script = dir.join("python");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ncase \"$*\" in *\" regress \"*) echo broken >&2; exit 3;; esac\nexec {} \"$@\"\n", venv.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new(env!("CARGO_BIN_EXE_iommu-tb"))
        .args(["regress", "--seed", "1", "--config", "default", "--no-code-coverage", "--out", out.to_str().unwrap()])
        .args(["--test", "basic_write", "--test", "test_py_queue_then_answer"])
        .env("IOMMU_TB_PYTHON", &script)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let results = std::fs::read_to_string(out.join("results.json")).unwrap_or_else(|e| panic!("no results.json ({e}): {}", text(&o)));
    assert!(results.contains("\"basic_write\""), "{results}");
}

/// `run --port-map` and `regress --port-map` take the Python tests to the DUT: the fixture's
/// renamed SMMUv3 block, its runs labelled `test@renamed_priq`, judged by ordered compare (the
/// default with a port map) on the regression's own build of the DUT; the VT-d Python test is not
/// planned on an SMMUv3 DUT.
#[test]
fn run_and_regress_take_the_python_tests_to_a_port_mapped_dut() {
    let map = "tests/fixtures/renamed_smmuv3/port-map.toml";
    let o = iommu_tb(&["run", "--test", "test_py_queue_then_answer", "--port-map", map]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("PASS test_py_queue_then_answer@renamed_priq seed 1"), "{}", text(&o));

    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("python-cli").join("regress-port-map");
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec!["regress", "--config", "default", "--config", "renamed_priq", "--port-map", map, "--no-code-coverage"];
    for t in ["basic_write", "test_py_ports_and_tasks", "test_py_vtd_queue_then_answer"] {
        args.extend(["--test", t]);
    }
    args.extend(["--out", out.to_str().unwrap()]);
    let o = iommu_tb(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let mut runs: Vec<(String, String)> = results["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let label = tb::regress::run_label(r["test"].as_str().unwrap(), r["scenario"]["config"].as_str().unwrap());
            (label, r["compare"].as_str().unwrap().to_string())
        })
        .collect();
    runs.sort_unstable();
    let want = [
        ("basic_write", "lockstep"),
        ("basic_write@renamed_priq", "ordered"),
        ("test_py_ports_and_tasks", "lockstep"),
        ("test_py_ports_and_tasks@renamed_priq", "ordered"),
        ("test_py_vtd_queue_then_answer", "lockstep"),
    ];
    assert_eq!(runs, want.map(|(l, c)| (l.to_string(), c.to_string())));
    let builds = results["rtl"].as_array().unwrap();
    assert_eq!(builds.iter().filter(|b| b["config"] == "renamed_priq").count(), 1, "one build of the DUT: {builds:?}");
}
