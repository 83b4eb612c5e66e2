//! `iommu-tb fuzz` end to end: the corpus of stored fuzz cases replays (passing on the embedded
//! RTL), the fuzzer finds a planted bug in a copy of the RTL and shrinks it to a scenario whose
//! printed replay command fails with the same rule, and bad input is a one-line error, exit 2.

mod common;
#[path = "common/mutants.rs"]
mod mutants;

use common::{iommu_tb, line_after, text};
use std::path::PathBuf;
use tb::run::{self, RunOptions, Status};
use tb::scenario::Scenario;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every stored case of the corpus: each found a planted bug once; on the RTL it was found on
/// (the embedded RTL, or the port-mapped DUT it records) each must pass, under the reset state it
/// recorded.
#[test]
fn corpus_replays_and_passes() {
    let dir = root().join("tests/fuzz-corpus");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let sc = Scenario::from_json(&std::fs::read_to_string(&p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let program = sc.program.clone().unwrap_or_else(|| panic!("{}: not a fuzz case", p.display()));
        let mut opts = RunOptions { reset: program.reset, ..RunOptions::for_repo(&root()) };
        if let Some(found_on) = &program.dut {
            let (contract_rtl, cache_root) = (root().join("rtl"), root().join("build/cache"));
            let rtl = root().join(&found_on.rtl);
            let o = tb::port_map::LoadOptions { rtl_dir: Some(&rtl), top: None, contract_rtl: &contract_rtl, cache_root: &cache_root };
            let dut = tb::port_map::load(&root().join(&found_on.port_map), &o).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert_eq!(dut.map_sha256, found_on.map_sha256, "{}: its port map changed", p.display());
            opts.port_maps.push(std::sync::Arc::new(dut));
        }
        let r = run::run(&sc, &opts).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(r.status, Status::Pass, "{}: {}", p.display(), r.failure.unwrap_or_default());
        n += 1;
    }
    assert!(n >= 2, "the corpus holds {n} cases");
}

/// Each corpus case still finds the planted bug it was shrunk from (the mutations of
/// `tests/smmuv3_bug_injection.rs`), failing with the rule it is named after.
#[test]
fn corpus_cases_still_find_their_bugs() {
    const PRIQ: &str = "smmuv3/smmuv3_priq.sv";
    let cases = [
        ("smmuv3-smmu-priq-4-seed1-case1.json", "entry_rw", "dw0 = {m.pv, m.l, m.w, m.r,", "dw0 = {m.pv, m.l, m.r, m.w,", "SMMU-PRIQ-4"),
        (
            "smmuv3-smmu-cmd-4-seed1-case104.json",
            "resp3_legal",
            "if (cmd_resp == 2'b11)   cmd_illegal = 1'b1;",
            "if (1'b0)   cmd_illegal = 1'b1;",
            "SMMU-CMD-4",
        ),
        ("smmuv3-pri-17-seed1-case0.json", "sm_answered", "return l && !(pv && !r && !w);", "return l;", "PRI-17"),
    ];
    for (file, name, from, to, rule) in cases {
        let p = root().join("tests/fuzz-corpus").join(file);
        let sc = Scenario::from_json(&std::fs::read_to_string(&p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let rtl = mutants::mutant(&format!("corpus_{name}"), PRIQ, from, to);
        let opts = RunOptions { reset: sc.program.as_ref().unwrap().reset, rtl_dir: rtl, ..RunOptions::for_repo(&root()) };
        let r = run::run(&sc, &opts).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!((r.status, r.rule.as_deref()), (Status::Fail, Some(rule)), "{file}: {}", r.failure.unwrap_or_default());
    }
}

#[test]
fn fuzz_finds_a_planted_bug_and_its_replay_fails_with_the_same_rule() {
    // The full-queue condition removed: a request into a full queue is written over an entry.
    let rtl = mutants::mutant(
        "fuzz_no_full",
        "smmuv3/smmuv3_priq.sv",
        "wire row_c = !row_a && !row_b && q_full;",
        "wire row_c = !row_a && !row_b && 1'b0;",
    );
    let out = tmp("found");
    let corpus = tmp("empty-corpus");
    let args = ["fuzz", "--flavor", "smmuv3", "--cases", "400", "--jobs", "1", "--seed", "5", "--config", "default"];
    let more = ["--rtl", rtl.to_str().unwrap(), "--out", out.to_str().unwrap(), "--corpus", corpus.to_str().unwrap()];
    let o = iommu_tb(&[&args[..], &more[..]].concat());
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}{}", text(&o.stderr));
    let rule = line_after(&stdout, "rule ").split(' ').next().unwrap().to_string();
    assert_eq!(rule, "SMMU-PRIQ-7", "{stdout}");
    // The shrunk scenario is on disk and small.
    let saved = PathBuf::from(line_after(&stdout, "written: "));
    assert!(saved.starts_with(out.join("smmuv3")), "{}", saved.display());
    let sc = Scenario::from_json(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(sc.program.as_ref().unwrap().messages() <= 10, "shrunk to {:?}", sc.program);
    // The printed replay command fails the same way.
    let replay = line_after(&stdout, "replay: iommu-tb ");
    let o2 = iommu_tb(&replay.split(' ').collect::<Vec<_>>());
    let stdout2 = text(&o2.stdout);
    assert_eq!(o2.status.code(), Some(1), "{stdout2}{}", text(&o2.stderr));
    assert!(stdout2.lines().nth(1).unwrap_or("").starts_with(&format!("[{rule}]")), "{stdout2}");
    // On the embedded RTL the same case passes: the failure is the planted bug's.
    let o3 = iommu_tb(&["run", "--scenario", saved.to_str().unwrap()]);
    assert_eq!(o3.status.code(), Some(0), "{}", text(&o3.stdout));
}

#[test]
fn a_clean_session_exits_0_with_a_summary() {
    let corpus = tmp("clean-corpus");
    let o = iommu_tb(&["fuzz", "--flavor", "vtd", "--cases", "30", "--jobs", "1", "--seed", "3", "--corpus", corpus.to_str().unwrap()]);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", text(&o.stderr));
    assert!(stdout.contains("fuzz vtd: 30 cases"), "{stdout}");
    assert!(stdout.contains("coverage growth: "), "{stdout}");
}

fn one_line_exit_2(args: &[&str], says: &str) {
    let o = iommu_tb(args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}{err}", text(&o.stdout));
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: {err}");
}

#[test]
fn bad_time_budget_is_one_line_exit_2() {
    one_line_exit_2(&["fuzz", "--time", "10x"], "time budget `10x`");
    one_line_exit_2(&["fuzz", "--time", "0s"], "time budget `0s`");
}

#[test]
fn unknown_flavor_is_one_line_exit_2() {
    one_line_exit_2(&["fuzz", "--flavor", "amd", "--cases", "1"], "unknown flavor 'amd'");
}

#[test]
fn corrupt_corpus_file_is_one_line_exit_2() {
    let dir = tmp("corrupt-corpus");
    std::fs::write(dir.join("broken.json"), "{\"flavor\": \"smmuv3\", \"program\": [").unwrap();
    one_line_exit_2(&["fuzz", "--cases", "1", "--corpus", dir.to_str().unwrap()], "broken.json");
    // A scenario that is not a fuzz case has no place in a corpus either.
    let dir = tmp("plain-corpus");
    let plain = Scenario { program: None, ..(tb::flavors::find_test(None, "basic_write").unwrap().1.scenario)(1) };
    std::fs::write(dir.join("plain.json"), serde_json::to_string(&plain).unwrap()).unwrap();
    one_line_exit_2(&["fuzz", "--cases", "1", "--corpus", dir.to_str().unwrap()], "not a fuzz case");
}
