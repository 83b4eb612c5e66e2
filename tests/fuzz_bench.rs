//! The fuzz benchmark (`make fuzz-bench`; ignored by `make test`): for every planted bug of the
//! bug-injection tests (read from their source, so the list never drifts), a fuzz session on the
//! bug's RTL copy with a 60 s budget and 2 jobs, reporting the time to the first failure, its rule
//! and the size of the shrunk program; next to it, the time the flavor's seeded random class
//! needs to fail on the same copy (seeds 1, 2, ... for at most 30 s). Writes
//! `build/fuzz/bench.md` and the shrunk cases to `build/fuzz/bench/`.

#[path = "common/mutants.rs"]
mod mutants;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use tb::flavor::Flavor;
use tb::fuzz::session::{self, Budget, SessionConfig};
use tb::run::{self, RunOptions, Status};

const FUZZ_BUDGET: Duration = Duration::from_secs(60);
const RANDOM_BUDGET: Duration = Duration::from_secs(30);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One planted bug: its test name and the mutation `mutant` applies.
struct Planted {
    name: String,
    file: String,
    from: String,
    to: String,
}

/// The Rust string literals of `s` from its start, in order (escapes resolved; a backslash
/// before a newline skips the newline and the indentation after it).
fn literals(s: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = s.chars().peekable();
    while out.len() < n {
        let Some(c) = it.next() else { break };
        if c != '"' {
            continue;
        }
        let mut lit = String::new();
        while let Some(c) = it.next() {
            match c {
                '"' => break,
                '\\' => match it.next() {
                    Some('n') => lit.push('\n'),
                    Some('t') => lit.push('\t'),
                    Some('\n') => {
                        while it.peek().is_some_and(|c| c.is_whitespace()) {
                            it.next();
                        }
                    }
                    Some(o) => lit.push(o),
                    None => break,
                },
                c => lit.push(c),
            }
        }
        out.push(lit);
    }
    out
}

/// Every `#[test] fn NAME` of a bug-injection file with its `mutant(...)` call.
fn planted(file: &str) -> Vec<Planted> {
    let text = std::fs::read_to_string(root().join("tests").join(file)).unwrap();
    let consts: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("const ")?.split_once(": &str = ").map(|(k, v)| (k.to_string(), literals(v, 1)[0].clone())))
        .collect();
    text.split("#[test]")
        .skip(1)
        .filter_map(|t| {
            let name = t.trim_start().strip_prefix("fn ")?.split('(').next()?.to_string();
            let call = &t[t.find("mutant(")? + "mutant(".len()..];
            // mutant(NAME, FILE, "from", "to"): FILE a literal or a constant of the test file.
            let file_arg = call.split(',').nth(1)?.trim();
            if file_arg.starts_with('"') {
                let lits = literals(call, 4);
                return Some(Planted { name, file: lits[1].clone(), from: lits[2].clone(), to: lits[3].clone() });
            }
            let lits = literals(call, 3);
            let file = consts.iter().find(|(k, _)| k == file_arg)?.1.clone();
            Some(Planted { name, file, from: lits[1].clone(), to: lits[2].clone() })
        })
        .collect()
}

#[test]
#[ignore = "a benchmark of several minutes: make fuzz-bench"]
fn fuzz_against_every_planted_bug() {
    let mut rows = vec![
        "| Flavor | Planted bug | Fuzz: first failure | Rule | Shrunk to (actions / messages) | Random class: first failure |".to_string(),
        "|---|---|---|---|---|---|".to_string(),
    ];
    let saved = root().join("build/fuzz/bench");
    for (file, flavor_name, random) in [("smmuv3_bug_injection.rs", "smmuv3", "random"), ("vtd_bug_injection.rs", "vtd", "vtd_random")] {
        let flavor: &'static dyn Flavor = tb::flavors::by_name(flavor_name).unwrap();
        let bugs = planted(file);
        assert!(!bugs.is_empty(), "no planted bugs read from {file}");
        for bug in bugs {
            let rtl = mutants::mutant(&format!("bench_{}", bug.name), &bug.file, &bug.from, &bug.to);
            let opts = RunOptions { rtl_dir: rtl.clone(), ..RunOptions::for_repo(&root()) };
            let configs: Vec<String> = flavor.configs().unwrap().into_iter().map(|c| c.name).collect();
            // Build every configuration first: the clock measures fuzzing, not Verilator.
            let (_, def) = tb::flavors::find_test(Some(flavor_name), flavor.fuzz().test).unwrap();
            for c in &configs {
                run::run(&tb::scenario::Scenario { config: c.clone(), ..(def.scenario)(1) }, &opts).unwrap();
            }
            let cfg = SessionConfig {
                flavor,
                configs,
                budget: Budget::Time(FUZZ_BUDGET),
                jobs: 2,
                seed: 1,
                steer: true,
                baseline: None,
                opts: opts.clone(),
                compare: tb::compare::CompareMode::Lockstep,
                shrink_runs: 400,
            };
            let stop = std::sync::atomic::AtomicBool::new(false);
            let o = session::run_session(&cfg, &|_| {}, &stop).unwrap();
            let (fuzz, rule, size) = match &o.found {
                Some(f) => {
                    session::save(&saved, &f.shrunk, None, 1, f.case).unwrap();
                    let p = f.shrunk.scenario.program.as_ref().unwrap();
                    (
                        format!("{:.2} s (case {})", f.after_s, f.case),
                        f.shrunk.rule.clone().unwrap_or_default(),
                        format!("{} / {}", p.actions.len(), p.messages()),
                    )
                }
                None => (format!("not found in {} s ({} cases)", FUZZ_BUDGET.as_secs(), o.cases), "-".into(), "-".into()),
            };
            let (_, rdef) = tb::flavors::find_test(Some(flavor_name), random).unwrap();
            let start = Instant::now();
            let mut random_result = format!("not in {} s", RANDOM_BUDGET.as_secs());
            for seed in 1.. {
                if start.elapsed() >= RANDOM_BUDGET {
                    random_result = format!("not in {} s ({} seeds)", RANDOM_BUDGET.as_secs(), seed - 1);
                    break;
                }
                let r = run::run(&(rdef.scenario)(seed), &opts).unwrap();
                if r.status == Status::Fail {
                    random_result = format!("{:.2} s (seed {seed}, {})", start.elapsed().as_secs_f64(), r.rule.unwrap_or_default());
                    break;
                }
            }
            let row = format!("| {flavor_name} | `{}` | {fuzz} | {rule} | {size} | {random_result} |", bug.name);
            eprintln!("{row}");
            rows.push(row);
        }
    }
    let table = rows.join("\n") + "\n";
    std::fs::create_dir_all(root().join("build/fuzz")).unwrap();
    std::fs::write(root().join("build/fuzz/bench.md"), &table).unwrap();
    println!("{table}");
}

#[test]
fn the_planted_bugs_are_read_from_the_bug_injection_tests() {
    // Every #[test] of the bug-injection files plants a bug, and each is read with its mutation.
    for file in ["smmuv3_bug_injection.rs", "vtd_bug_injection.rs"] {
        let text = std::fs::read_to_string(root().join("tests").join(file)).unwrap();
        let bugs = planted(file);
        assert_eq!(bugs.len(), text.matches("#[test]").count(), "{file}");
        for b in &bugs {
            let rtl = std::fs::read_to_string(root().join("rtl").join(&b.file)).unwrap();
            assert_eq!(rtl.matches(&b.from).count(), 1, "{}: {:?} not once in {}", b.name, b.from, b.file);
            assert_ne!(b.from, b.to, "{}", b.name);
        }
    }
}
