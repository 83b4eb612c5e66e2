//! The library crates (`models`, `sim`, `tb`) return typed errors, never bare strings: every
//! `Result` whose error type is `String`, and every `type Err`/`type Error = String`, in their
//! sources is reported with its file and line.

use std::path::{Path, PathBuf};

/// The error type of each `Result<T, E>` written in `text` (generic arguments balanced), with
/// its 1-based line; `Result<T>` aliases have none.
fn result_error_types(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("Result<") {
        let args = &text[at + "Result<".len()..];
        let (mut depth, mut last_comma, mut end) = (0usize, None, None);
        for (i, c) in args.char_indices() {
            match c {
                '<' | '(' | '[' => depth += 1,
                '>' | ')' | ']' if depth == 0 => {
                    end = Some(i);
                    break;
                }
                '>' | ')' | ']' => depth -= 1,
                ',' if depth == 0 => last_comma = Some(i),
                _ => {}
            }
        }
        if let (Some(comma), Some(end)) = (last_comma, end) {
            let line = 1 + text[..at].matches('\n').count();
            out.push((line, args[comma + 1..end].trim().to_string()));
        }
    }
    out
}

/// `file:line: what` for every string error in `text`.
fn string_errors(file: &str, text: &str) -> Vec<String> {
    let mut found: Vec<String> = result_error_types(text)
        .into_iter()
        .filter(|(_, e)| e == "String" || e == "std::string::String")
        .map(|(line, _)| format!("{file}:{line}: Result with a String error"))
        .collect();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.starts_with("type Err = String") || l.starts_with("type Error = String") {
            found.push(format!("{file}:{}: {l}", n + 1));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_detector_finds_string_errors_and_nothing_else() {
    let text = "fn a() -> Result<Vec<(u8, u16)>, String> {}\n\
                fn b() -> Result<HashMap<String, u8>, MyError> {}\n\
                fn c() -> Result<String> {}\n\
                fn d() -> Option<Result<u8, String>> {}\n\
                impl FromStr for X {\n    type Err = String;\n}\n";
    assert_eq!(
        string_errors("x.rs", text),
        ["x.rs:1: Result with a String error", "x.rs:4: Result with a String error", "x.rs:6: type Err = String;"]
    );
}

#[test]
fn library_crates_have_no_string_errors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for krate in ["models", "sim", "tb"] {
        rust_files(&root.join(krate).join("src"), &mut files);
    }
    assert!(files.len() > 50, "found only {} source files under {}", files.len(), root.display());
    let found: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            string_errors(&f.strip_prefix(root).unwrap().display().to_string(), &text)
        })
        .collect();
    assert!(found.is_empty(), "use a typed error (thiserror) instead:\n{}", found.join("\n"));
}

/// A registered scenario to break field by field.
fn scenario() -> tb::scenario::Scenario {
    (tb::flavors::find_test(Some("smmuv3"), "basic_write").unwrap().1.scenario)(1)
}

#[test]
fn errors_carry_what_went_wrong_and_read_as_one_line() {
    use tb::flavors::{self, LookupError};
    use tb::regress::{self, RegressError, ResultsFile};
    use tb::run::{self, RunError};
    use tb::scenario::{Scenario, ScenarioError};

    let e = flavors::by_name("arm").unwrap_err();
    assert_eq!(e, LookupError::UnknownFlavor { name: "arm".into(), known: vec!["smmuv3", "vtd"] });
    assert_eq!(e.to_string(), "unknown flavor 'arm' (known: smmuv3, vtd)");
    let e = flavors::find_test(Some("vtd"), "basic_write").err().expect("basic_write is an smmuv3 test");
    assert!(matches!(&e, LookupError::UnknownTest { flavor: Some(f), .. } if f == "vtd"), "{e:?}");
    assert!(e.to_string().starts_with("unknown test 'basic_write' for flavor vtd (known: "), "{e}");

    let mut s = scenario();
    s.memory.ack_latency = (3, 2);
    assert!(matches!(s.validate(), Err(ScenarioError::AckLatency { min: 3, max: 2 })));
    assert_eq!(s.validate().unwrap_err().to_string(), "scenario memory.ack_latency (3, 2) must be 1 <= min <= max");
    assert!(matches!(Scenario::from_json("{\"flavor\": 5}"), Err(ScenarioError::Malformed(_))));
    let s = Scenario { max_cycles: 0, ..scenario() };
    assert!(matches!(Scenario::from_json(&serde_json::to_string(&s).unwrap()), Err(ScenarioError::NoCycles)));

    // Refused before anything is built: the scenario, then its test and configuration.
    let opts = run::RunOptions::for_repo(&sim::repo_root().unwrap());
    let e = run::run(&Scenario { log2size: 20, ..scenario() }, &opts).unwrap_err();
    assert!(matches!(&e, RunError::Scenario(ScenarioError::QueueSize { log2size: 20, flavor: "smmuv3", .. })), "{e:?}");
    assert_eq!(e.to_string(), "scenario log2size 20 is outside 0..=19 for flavor smmuv3");
    let e = run::run(&Scenario { config: "huge".into(), ..scenario() }, &opts).unwrap_err();
    assert!(matches!(&e, RunError::Config(tb::config::ConfigError::UnknownForTop { name, .. }) if name == "huge"), "{e:?}");

    assert!(matches!(regress::merge(vec![]), Err(RegressError::NothingToMerge)));
    let missing = std::path::Path::new("/nonexistent/results.json");
    let e = ResultsFile::load(missing).unwrap_err();
    assert!(matches!(&e, RegressError::Read { path, .. } if path == missing), "{e:?}");
    assert!(e.to_string().starts_with("cannot read /nonexistent/results.json: "), "{e}");
    use rand::SeedableRng;
    use tb::agents::pcie_fn::{PcieDriver, StopError};
    let mut link = PcieDriver::new(None, rand_chacha::ChaCha8Rng::seed_from_u64(1));
    assert_eq!(link.request_stop(0x100, 1, models::pcie::Variant::A), Err(StopError::NoFunction { rid: 0x100 }));
    assert_eq!(link.rebind(0x100, 1), Err(StopError::NoCompletedStop { rid: 0x100, pasid: 1 }));
    assert_eq!(link.rebind(0x100, 1).unwrap_err().to_string(), "PASID 0x1 of 0x0100 has no completed stop");

    for e in [flavors::by_name("x").unwrap_err().to_string(), e.to_string()] {
        assert!(!e.contains('\n'), "{e}");
    }
}
