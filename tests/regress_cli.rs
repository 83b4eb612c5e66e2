//! The regression command end to end: shards merge to exactly one whole run, JUnit is valid,
//! gates set the exit code, Ctrl-C keeps what finished, and bad input is one line and loses
//! nothing already written.

mod common;

use common::{iommu_tb, text};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("regress-cli").join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The runs of a results.json without their wall times: (test, configuration, seed, status,
/// cycles, rule).
fn runs(v: &serde_json::Value) -> Vec<String> {
    v["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {} {} {} {} {}", r["test"], r["scenario"]["config"], r["seed"], r["status"], r["cycles"], r["rule"]))
        .collect()
}

#[test]
fn two_shards_merge_to_one_run() {
    let (whole, s1, s2, merged) = (dir("whole"), dir("shard1"), dir("shard2"), dir("merged"));
    let common = [
        "regress",
        "--seeds",
        "6",
        "--test",
        "random",
        "--test",
        "overflow_at_full",
        "--test",
        "irq",
        "--test",
        "vtd_random",
        "--test",
        "vtd_pre_disabled_fault",
        "--jobs",
        "2",
    ];
    for (out, shard) in [(&whole, None), (&s1, Some("1/2")), (&s2, Some("2/2"))] {
        let mut args: Vec<&str> = common.to_vec();
        args.extend(["--out", out.to_str().unwrap()]);
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let o = iommu_tb(&args);
        assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    }
    let (a, b) = (json(&s1.join("results.json")), json(&s2.join("results.json")));
    assert!(!runs(&a).is_empty() && !runs(&b).is_empty(), "a shard is empty");
    assert!(runs(&a).iter().all(|r| !runs(&b).contains(r)), "the shards overlap");
    let o = iommu_tb(&["merge", s1.to_str().unwrap(), s2.to_str().unwrap(), "--out", merged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    let (w, m) = (json(&whole.join("results.json")), json(&merged.join("results.json")));
    assert_eq!(runs(&w), runs(&m), "merged shards differ from the whole run");
    assert_eq!(w["functional"], m["functional"], "functional coverage differs");
    assert_eq!(w["functional_by_config"], m["functional_by_config"], "functional coverage per configuration differs");
    assert!(runs(&w).iter().any(|r| r.contains("\"max\"")), "the corners ran too");
    for flavor in w["functional"].as_array().unwrap() {
        assert!(flavor["counts"].as_array().unwrap().iter().any(|c| c.as_u64().unwrap() > 0), "no coverage in {}", flavor["definition"]);
    }
    let (wc, mc) = (json(&whole.join("coverage.json")), json(&merged.join("coverage.json")));
    assert_eq!(wc["code"]["totals"], mc["code"]["totals"], "code coverage differs");
    assert_eq!(wc["functional"]["rules"], mc["functional"]["rules"]);
    for f in ["report.html", "report.md", "junit.xml", "coverage.info", "coverage.dat"] {
        assert!(merged.join(f).is_file(), "merge did not write {f}");
    }
}

#[test]
fn junit_is_valid_and_counts_runs() {
    let out = dir("junit");
    let o = iommu_tb(&[
        "regress",
        "--seeds",
        "3",
        "--test",
        "random",
        "--test",
        "basic_write",
        "--config",
        "default",
        "--no-code-coverage",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let xml = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("junit.xml is well-formed XML");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    assert_eq!(cases.len(), 4);
    let seeds: Vec<&str> = cases
        .iter()
        .flat_map(|c| c.descendants().filter(|p| p.has_tag_name("property") && p.attribute("name") == Some("seed")))
        .filter_map(|p| p.attribute("value"))
        .collect();
    assert_eq!(seeds.len(), 4, "every testcase carries its seed");
    assert!(doc.descendants().all(|n| !n.has_tag_name("failure")));
}

#[test]
fn failing_gate_sets_exit_1() {
    let out = dir("gate");
    let args = ["regress", "--seed", "1", "--test", "basic_write", "--config", "default", "--gate", "toggle=99.9", "--out"];
    let o = iommu_tb(&[&args[..], &[out.to_str().unwrap()]].concat());
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("gate toggle=99.9") && stdout.contains("FAILED"), "{stdout}");
    assert!(out.join("report.html").is_file(), "the report is written even when a gate fails");
}

#[test]
fn ctrl_c_keeps_what_finished() {
    let out = dir("interrupt");
    let mut child = Command::new(env!("CARGO_BIN_EXE_iommu-tb"))
        .args(["regress", "--seeds", "1000000", "--test", "random", "--no-code-coverage", "--out", out.to_str().unwrap()])
        .current_dir(common::root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(4));
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let v = json(&out.join("results.json"));
    assert_eq!(v["interrupted"], true);
    let n = v["summary"]["total"].as_u64().unwrap();
    assert!(n > 0 && n < 1_000_000, "{n} runs kept");
    assert_eq!(v["runs"].as_array().unwrap().len() as u64, n);
}

fn one_line_error(o: &Output, needle: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{}{err}", text(&o.stdout));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err}");
}

#[test]
fn bad_inputs_are_one_line_errors() {
    one_line_error(&iommu_tb(&["regress", "--test", "no_such_test"]), "unknown test 'no_such_test'");
    one_line_error(&iommu_tb(&["regress", "--shard", "3/2"]), "3/2");
    one_line_error(&iommu_tb(&["regress", "--gate", "colour=5"]), "colour");
    one_line_error(&iommu_tb(&["regress", "--config", "huge"]), "unknown configuration 'huge'");
    let file = dir("not-a-dir");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "a regular file").unwrap();
    one_line_error(
        &iommu_tb(&["regress", "--seed", "1", "--test", "basic_write", "--out", file.join("out").to_str().unwrap()]),
        "cannot create",
    );
}

#[test]
fn corrupt_inputs_to_merge_keep_earlier_output() {
    // A good merge output first; then merges with corrupt inputs must fail cleanly and leave it.
    let (good, out) = (dir("good"), dir("merge-out"));
    let o = iommu_tb(&["regress", "--seed", "1", "--test", "basic_write", "--out", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let o = iommu_tb(&["merge", good.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let before = std::fs::read_to_string(out.join("results.json")).unwrap();

    let bad_results = dir("bad-results");
    std::fs::create_dir_all(&bad_results).unwrap();
    std::fs::write(bad_results.join("results.json"), "{ not json").unwrap();
    one_line_error(
        &iommu_tb(&["merge", good.to_str().unwrap(), bad_results.to_str().unwrap(), "--out", out.to_str().unwrap()]),
        "not a results file",
    );

    let bad_cov = dir("bad-cov");
    std::fs::create_dir_all(&bad_cov).unwrap();
    std::fs::copy(good.join("results.json"), bad_cov.join("results.json")).unwrap();
    std::fs::write(bad_cov.join("coverage.dat"), "# SystemC::Coverage-3\nC 'garbage").unwrap();
    one_line_error(
        &iommu_tb(&["merge", good.to_str().unwrap(), bad_cov.to_str().unwrap(), "--out", out.to_str().unwrap()]),
        "coverage.dat",
    );

    assert_eq!(std::fs::read_to_string(out.join("results.json")).unwrap(), before, "a failed merge changed earlier output");
}

/// Code coverage metrics: lines and branches unless a gate judges another metric or they are
/// asked for; the report says which were collected, and a gate on one left out fails.
#[test]
fn coverage_metrics_follow_the_gates() {
    let cases: [(&str, &[&str], bool, i32); 4] = [
        ("default", &[], false, 0),
        ("toggle-gate", &["--gate", "toggle=1"], true, 0),
        ("asked", &["--coverage-metrics", "all"], true, 0),
        ("gate-without-its-metric", &["--gate", "toggle=1", "--coverage-metrics", "line"], false, 1),
    ];
    for (name, extra, toggle, code) in cases {
        let out = dir(&format!("metrics-{name}"));
        let args =
            [&["regress", "--seed", "1", "--test", "basic_write", "--config", "default", "--out", out.to_str().unwrap()], extra].concat();
        let o = iommu_tb(&args);
        assert_eq!(o.status.code(), Some(code), "{name}: {}{}", text(&o.stdout), text(&o.stderr));
        let totals = &json(&out.join("coverage.json"))["code"]["totals"];
        assert!(totals["line"].is_array() && totals["branch"].is_array(), "{name}: lines and branches always: {totals}");
        assert_eq!(totals["toggle"].is_array(), toggle, "{name}: {totals}");
        let report = std::fs::read_to_string(out.join("report.md")).unwrap();
        let left_out = report.contains("Not collected by this regression's coverage build: toggle, expr.");
        assert_eq!(left_out, !toggle, "{name}: the report says which metrics were collected");
    }
    one_line_error(&iommu_tb(&["regress", "--coverage-metrics", "most"]), "unknown code coverage metrics 'most'");
}
