//! `iommu-tb list` and `iommu-tb run` see the Python engine tests of tests/python/engine (run
//! through the project's `.venv`, which `make setup` prepares): listed with kind `python`, run
//! with the command's exit status, failing with the rule on a planted bug.

#[path = "common/mutants.rs"]
mod mutants;

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
fn waves_of_a_python_test_are_refused_in_one_line() {
    let o = iommu_tb(&["replay", "--test", "test_py_queue_then_answer"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.trim(),
        "iommu-tb: test_py_queue_then_answer is a Python engine test: waves, replay and --reset-values are for the Rust tests"
    );
}
