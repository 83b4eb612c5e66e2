//! Port maps end to end (docs/bring-your-own-rtl.md): the fixture `tests/fixtures/renamed_smmuv3`
//! is the embedded SMMUv3 block behind renamed and packed ports, an active-high reset and moved
//! PRIQ_PROD/PRIQ_CONS offsets, and `tests/fixtures/renamed_vtd` the embedded VT-d block behind
//! the same kinds of change (PQH/PQT moved). Their timing is ours, so strict lockstep must pass
//! through their port maps; a wiring bug in a shell, a wrong slice or a missing inversion in a
//! map, a port map without the register remap, or parameters that do not describe the DUT must
//! each fail naming a rule. The command line: bad maps exit 2 on one
//! line, `list` and `run` say why a test does not run, `regress` labels the DUT's runs, `fuzz`
//! fuzzes the DUT and its saved cases replay on the map they were found on.

mod common;
#[path = "common/mutants.rs"]
mod mutants;

use common::{iommu_tb, line_after, root, text};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tb::compare::CompareMode;
use tb::port_map::{self, BoundDut, LoadOptions};
use tb::run::{self, RunError, RunOptions, RunResult, Status};

const FIXTURE: &str = "tests/fixtures/renamed_smmuv3";
const SHELL: &str = "renamed_priq.sv";
/// The VT-d fixture: the embedded vtd_prq behind renamed and packed ports, an active-high reset
/// and PQH/PQT at other offsets.
const VTD_FIXTURE: &str = "tests/fixtures/renamed_vtd";
const VTD_SHELL: &str = "renamed_prq.sv";

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("port-map").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn load(map: &Path, rtl: Option<&Path>) -> Arc<BoundDut> {
    let (contract_rtl, cache_root) = (root().join("rtl"), root().join("build/cache"));
    let o = LoadOptions { rtl_dir: rtl, top: None, contract_rtl: &contract_rtl, cache_root: &cache_root };
    Arc::new(port_map::load(map, &o).unwrap_or_else(|e| panic!("{e}")))
}

fn fixture_map(name: &str) -> Arc<BoundDut> {
    load(&root().join(FIXTURE).join(name), None)
}

/// A registered test with a seed on a bound DUT, under strict lockstep.
fn run_on(dut: &Arc<BoundDut>, test: &str, seed: u64) -> Result<RunResult, RunError> {
    let def = common::find(test);
    let opts = RunOptions { port_maps: vec![dut.clone()], compare: Some(CompareMode::Lockstep), ..RunOptions::for_repo(&root()) };
    run::run(&tb::scenario::Scenario { config: dut.top.clone(), ..(def.scenario)(seed) }, &opts)
}

fn expect_pass(dut: &Arc<BoundDut>, test: &str, seed: u64) {
    let r = run_on(dut, test, seed).unwrap_or_else(|e| panic!("{test}: {e}"));
    assert_eq!(r.status, Status::Pass, "{test} seed {seed} on {}:\n{}", dut.top, r.failure.as_deref().unwrap_or(""));
    assert_eq!(r.dut.as_ref().map(|d| d.port_map.clone()), Some(dut.path.clone()), "the result names its port map");
}

/// "RULE by JUDGE" of a run that must fail.
fn verdict(dut: &Arc<BoundDut>, test: &str) -> String {
    let r = run_on(dut, test, 1).unwrap_or_else(|e| panic!("{test}: {e}"));
    assert_eq!(r.status, Status::Fail, "{test} on {} passed", dut.top);
    format!("{} by {}", r.rule.unwrap_or_default(), r.judge.map(|j| j.to_string()).unwrap_or_default())
}

/// The fixture folder with its sources copied (symlinks followed), `from` replaced by `to` in the
/// shell, and the port map `map_edit` makes of the fixture's.
fn fixture_copy(name: &str, from: &str, to: &str, map_edit: impl Fn(String) -> String) -> PathBuf {
    copy_of(FIXTURE, SHELL, name, from, to, map_edit)
}

/// [`fixture_copy`] of the fixture folder `fixture` whose shell is `shell`.
fn copy_of(fixture: &str, shell: &str, name: &str, from: &str, to: &str, map_edit: impl Fn(String) -> String) -> PathBuf {
    let dir = tmp(name);
    for e in std::fs::read_dir(root().join(fixture)).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    let shell = dir.join(shell);
    if !from.is_empty() {
        let text = std::fs::read_to_string(&shell).unwrap();
        assert_eq!(text.matches(from).count(), 1, "{from}");
        std::fs::write(&shell, text.replace(from, to)).unwrap();
    }
    let map = dir.join("port-map.toml");
    std::fs::write(&map, map_edit(std::fs::read_to_string(&map).unwrap())).unwrap();
    map
}

#[test]
fn lockstep_passes_through_the_port_map() {
    let dut = fixture_map("port-map.toml");
    for test in
        ["basic_write", "overflow_at_full", "register_negative_space", "cmd_resp3_illegal", "irq", "evtq_basic_write", "evtq_resume"]
    {
        expect_pass(&dut, test, 1);
    }
    for seed in [1, 2] {
        expect_pass(&dut, "random", seed);
    }
}

#[test]
fn a_swapped_slice_in_the_shell_fails_naming_the_rule() {
    let map = fixture_copy("swapped", ".pr_r(req_attr[3]), .pr_w(req_attr[4])", ".pr_r(req_attr[4]), .pr_w(req_attr[3])", |m| m);
    assert_eq!(verdict(&load(&map, None), "basic_write"), "SMMU-PRIQ-4 by lockstep");
}

#[test]
fn without_the_register_remap_priq_prod_is_not_where_the_contract_says() {
    let map = fixture_copy("no-remap", "", "", |m| m[..m.find("[registers]").unwrap()].to_string());
    assert_eq!(verdict(&load(&map, None), "basic_write"), "SMMU-PRIQ-3 by lockstep");
}

#[test]
fn parameters_of_the_port_map_are_what_the_models_use() {
    // The shell's block has PRIQS = 8; a map that says 5 makes the models expect IDR1.PRIQS = 5.
    let map = fixture_copy("priqs", "", "", |m| m.replace("[ports]", "[parameters]\nPRIQS = 5\n\n[ports]"));
    let dut = load(&map, None);
    assert_eq!(dut.config.overrides, vec![("PRIQS".to_string(), 5)]);
    assert_eq!(verdict(&dut, "id_registers"), "SMMU-PRIQ-1 by lockstep");
}

#[test]
fn tests_needing_an_absent_feature_do_not_run() {
    let dut = fixture_map("port-map-no-evtq.toml");
    match run_on(&dut, "evtq_basic_write", 1) {
        Err(e @ RunError::NotOnDut { .. }) => assert!(e.to_string().contains("needs feature evtq, absent from renamed_priq"), "{e}"),
        other => panic!("expected NotOnDut, got {other:?}"),
    }
    // The block without its event queue still works: the evtq inputs tied off under [dut_ties],
    // judged by the checkers (the lockstep model expects the event queue's outputs).
    let opts = RunOptions { port_maps: vec![dut.clone()], compare: Some(CompareMode::Checkers), ..RunOptions::for_repo(&root()) };
    let sc = tb::scenario::Scenario { config: dut.top.clone(), ..(common::find("random").scenario)(1) };
    let r = run::run(&sc, &opts).unwrap();
    assert_eq!(r.status, Status::Pass, "{}", r.failure.as_deref().unwrap_or(""));
    let plan = tb::regress::plan(&tb::regress::Plan { seeds: 1, port_maps: vec![dut.clone()], ..Default::default() }).unwrap();
    let on_dut: Vec<&str> = plan.iter().filter(|s| s.config == "renamed_priq").map(|s| s.test.as_str()).collect();
    assert!(on_dut.contains(&"basic_write") && !on_dut.iter().any(|t| t.starts_with("evtq_")), "{on_dut:?}");
    assert!(!on_dut.contains(&"evtq_host_stalls"), "a test asserting no SMMU-EVTQ rule but named evtq_ is left out too");
}

fn one_line_exit_2(o: &std::process::Output, needles: &[&str]) {
    assert_eq!(o.status.code(), Some(2), "{}{}", text(&o.stdout), text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in {err}");
    }
}

#[test]
fn bad_port_maps_exit_2_with_one_line_before_any_run() {
    let fixture = root().join(FIXTURE);
    let fixture = fixture.to_str().unwrap();
    let bad = |name: &str, edit: &dyn Fn(String) -> String| fixture_copy(name, "", "", edit).to_str().unwrap().to_string();
    let run = |map: &str| iommu_tb(&["run", "--test", "basic_write", "--port-map", map, "--rtl", fixture]);
    let width = bad("width", &|t| t.replace("bits = \"14:6\"", "bits = \"13:6\""));
    one_line_exit_2(&run(&width), &["port map ", "contract pr_prgi (in, 9 bits) -> DUT req_attr[13:6] is 8 bits"]);
    let unknown = bad("unknown", &|t| t.replace("\"req_rid\"", "\"req_rdi\""));
    one_line_exit_2(&run(&unknown), &["contract pr_rid (in, 16 bits) -> DUT req_rdi", "renamed_priq has no such port"]);
    let missing = bad("missing", &|t| t.replace("pr_addr = \"req_addr\"\n", ""));
    one_line_exit_2(&run(&missing), &["contract pr_addr (in, 52 bits)", "not mapped"]);
    let direction = bad("direction", &|t| t.replace("pr_ready = \"req_ready\"", "pr_ready = \"req_valid\""));
    one_line_exit_2(&run(&direction), &["contract pr_ready (out, 1 bits) -> DUT req_valid", "input"]);
    let syntax = bad("syntax", &|t| t.replace("flavor = \"smmuv3\"", "flavor = smmuv3"));
    one_line_exit_2(&run(&syntax), &["port map ", "line "]);
    let offset = bad("offset", &|t| t.replace("\"0x00F04\"", "\"0x00F06\""));
    one_line_exit_2(&run(&offset), &["[registers] contract \"0x100CC\" -> DUT \"0x00F06\"", "multiple of 4"]);
    let no_top = iommu_tb(&["run", "--test", "basic_write", "--port-map", &format!("{fixture}/port-map.toml"), "--top", "no_such_top"]);
    one_line_exit_2(&no_top, &["DUT no_such_top: verilation failed", "no_such_top"]);
    let regress = iommu_tb(&["regress", "--seed", "1", "--test", "basic_write", "--no-code-coverage", "--port-map", &width]);
    one_line_exit_2(&regress, &["contract pr_prgi (in, 9 bits) -> DUT req_attr[13:6] is 8 bits"]);
}

#[test]
fn list_and_run_say_why_a_test_does_not_run() {
    let map = format!("{FIXTURE}/port-map-no-evtq.toml");
    let o = iommu_tb(&["list", "--port-map", &map]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let line = |name: &str| {
        out.lines().find(|l| l.split_whitespace().nth(1) == Some(name)).unwrap_or_else(|| panic!("{name} in\n{out}")).to_string()
    };
    assert!(line("evtq_basic_write").ends_with("[not run on renamed_priq: needs feature evtq, absent from renamed_priq]"), "{out}");
    assert!(!line("basic_write").contains("not run"), "{out}");
    one_line_exit_2(
        &iommu_tb(&["run", "--test", "evtq_basic_write", "--port-map", &map]),
        &["evtq_basic_write does not run on renamed_priq"],
    );
}

#[test]
fn run_and_regress_label_the_duts_runs() {
    let map = format!("{FIXTURE}/port-map.toml");
    let o = iommu_tb(&["run", "--test", "basic_write", "--port-map", &map]);
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).starts_with("PASS basic_write@renamed_priq seed 1"), "{}", text(&o.stdout));
    let out = tmp("regress");
    let args = ["regress", "--seed", "1", "--test", "basic_write", "--config", "default", "--config", "renamed_priq"];
    let o = iommu_tb(&[&args[..], &["--no-code-coverage", "--port-map", &map, "--out", out.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(0), "{}{}", text(&o.stdout), text(&o.stderr));
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let labels: Vec<String> = results["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| tb::regress::run_label(r["test"].as_str().unwrap(), r["scenario"]["config"].as_str().unwrap()))
        .collect();
    assert_eq!(labels, ["basic_write", "basic_write@renamed_priq"]);
    assert!(results["rtl"].as_array().unwrap().iter().any(|b| b["config"] == "renamed_priq"), "the DUT's build is named");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(junit.contains("basic_write@renamed_priq"), "{junit}");
}

/// `fuzz --port-map` on the fixture passes; on a copy with a planted wiring bug it finds the bug
/// under ordered compare (the default with a port map), and the saved case records its map: the
/// printed replay fails the same way without `--port-map`, replays first as that map's corpus,
/// is refused against another map, and is left out of another map's corpus. (The map's text is
/// what is recorded, not the sources: a fixed DUT replays its old failures.)
#[test]
fn fuzz_through_a_port_map_and_its_saved_case_replays_on_that_map() {
    let fuzz = |map: &str, corpus: &Path, out: &Path, cases: &str| {
        let args = ["fuzz", "--port-map", map, "--cases", cases, "--jobs", "1", "--seed", "3"];
        iommu_tb(&[&args[..], &["--corpus", corpus.to_str().unwrap(), "--out", out.to_str().unwrap()]].concat())
    };
    let clean = format!("{FIXTURE}/port-map.toml");
    let (empty, out) = (tmp("fuzz-empty-corpus"), tmp("fuzz-out"));
    let o = fuzz(&clean, &empty, &out, "40");
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", text(&o.stderr));
    assert!(stdout.contains("fuzz smmuv3 on renamed_priq (port map ") && stdout.contains("compare ordered"), "{stdout}");
    assert!(stdout.contains("fuzz smmuv3: 40 cases"), "{stdout}");

    let swapped = fixture_copy("fuzz-swapped", ".pr_r(req_attr[3]), .pr_w(req_attr[4])", ".pr_r(req_attr[4]), .pr_w(req_attr[3])", |m| m);
    let swapped = swapped.to_str().unwrap();
    let o = fuzz(swapped, &empty, &out, "200");
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout}{}", text(&o.stderr));
    assert!(line_after(&stdout, "rule ").starts_with("SMMU-PRIQ-4 by ordered: "), "{stdout}");
    let saved = PathBuf::from(line_after(&stdout, "written: "));
    let sc = tb::scenario::Scenario::from_json(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    let found_on = sc.program.as_ref().and_then(|p| p.dut.clone()).expect("the case records its DUT");
    assert_eq!(found_on.map_sha256, port_map::sha256_hex(&std::fs::read(swapped).unwrap()));
    assert_eq!(sc.config, "renamed_priq");

    let replay = line_after(&stdout, "replay: iommu-tb ");
    assert!(!replay.contains("--port-map"), "the case itself names its DUT: {replay}");
    let o = iommu_tb(&replay.split(' ').collect::<Vec<_>>());
    let stdout2 = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{stdout2}{}", text(&o.stderr));
    assert!(stdout2.starts_with("FAIL fuzz@renamed_priq") && stdout2.contains("judged by: ordered"), "{stdout2}");
    assert!(stdout2.lines().nth(1).unwrap_or("").starts_with("[SMMU-PRIQ-4]"), "{stdout2}");

    let saved_s = saved.to_str().unwrap();
    let other = format!("{FIXTURE}/port-map-no-evtq.toml");
    let elsewhere = iommu_tb(&["run", "--scenario", saved_s, "--port-map", &other]);
    one_line_exit_2(&elsewhere, &["the case was found on port map ", "replay it with the map it was found on"]);

    let corpus = saved.parent().unwrap();
    let o = fuzz(swapped, corpus, &tmp("fuzz-out-again"), "1");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("corpus case ") && text(&o.stdout).contains("fails again"), "{}", text(&o.stdout));
    let o = fuzz(&other, corpus, &tmp("fuzz-out-other"), "1");
    assert_eq!(o.status.code(), Some(0), "another map's case is not in this map's corpus: {}", text(&o.stdout));
}

#[test]
fn fuzz_with_a_bad_port_map_exits_2_with_one_line_before_fuzzing() {
    let width = fixture_copy("fuzz-width", "", "", |t| t.replace("bits = \"14:6\"", "bits = \"13:6\""));
    let o = iommu_tb(&["fuzz", "--port-map", width.to_str().unwrap(), "--cases", "1"]);
    one_line_exit_2(&o, &["port map ", "contract pr_prgi (in, 9 bits) -> DUT req_attr[13:6] is 8 bits"]);
    assert!(!text(&o.stdout).contains("fuzz smmuv3"), "no fuzzing started: {}", text(&o.stdout));
}

/// Every VT-d test that runs on the fixture (the directed ones at seed 1, the random classes at
/// seeds 1 and 2) passes through its port map under strict lockstep: the shell adds no latency.
#[test]
fn vtd_tests_pass_through_the_port_map_under_lockstep() {
    let dut = load(&root().join(VTD_FIXTURE).join("port-map.toml"), None);
    assert_eq!((dut.flavor.name(), dut.top.as_str()), ("vtd", "renamed_prq"));
    let mut runs = 0;
    for t in dut.flavor.tests().iter().filter(|t| t.expect_failure.is_none()) {
        assert_eq!(dut.skip_reason(t), None, "{} does not run on the fixture", t.name);
        let seeds: &[u64] = if t.random { &[1, 2] } else { &[1] };
        for &seed in seeds {
            expect_pass(&dut, t.name, seed);
            runs += 1;
        }
    }
    assert!(runs >= 20, "only {runs} VT-d runs");
}

/// A VT-d port map that ties a DUT wrongly fails naming the VT-d rule the wiring breaks: R and W
/// swapped (each slice one bit off) garble the page request descriptor (VTD-PRQ-4); the egress's
/// "full" input mapped without `invert` sends a response when the link is not ready (VTD-PRQ-17);
/// without the register remap PQT is not where the contract reads it (VTD-PRQ-16).
#[test]
fn a_wrong_vtd_port_map_fails_naming_a_vtd_rule() {
    let map = |name: &str, edits: &[(&str, &str)]| {
        let edits: Vec<(String, String)> = edits.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let path = copy_of(VTD_FIXTURE, VTD_SHELL, name, "", "", move |mut t| {
            for (from, to) in &edits {
                assert_eq!(t.matches(from.as_str()).count(), 1, "{from}");
                t = t.replace(from.as_str(), to);
            }
            t
        });
        load(&path, None)
    };
    let swapped = map(
        "vtd-swapped",
        &[
            ("pr_r = { port = \"prq_in_flags\", bits = \"2\" }", "pr_r = { port = \"prq_in_flags\", bits = \"3\" }"),
            ("pr_w = { port = \"prq_in_flags\", bits = \"3\" }", "pr_w = { port = \"prq_in_flags\", bits = \"2\" }"),
        ],
    );
    assert_eq!(verdict(&swapped, "vtd_basic_write"), "VTD-PRQ-4 by lockstep");
    let not_inverted = map("vtd-no-invert", &[("rsp_ready = { port = \"resp_full\", invert = true }", "rsp_ready = \"resp_full\"")]);
    assert_eq!(verdict(&not_inverted, "vtd_random"), "VTD-PRQ-17 by lockstep");
    let no_remap = map("vtd-no-remap", &[("[registers]\n\"0x0C0\" = \"0xF00\"   # PQH\n\"0x0C8\" = \"0xF08\"   # PQT\n", "")]);
    assert_eq!(verdict(&no_remap, "vtd_basic_write"), "VTD-PRQ-16 by lockstep");
}
