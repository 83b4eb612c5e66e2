//! The README's table of planted bugs is the bug-injection tests' own verdicts: every test of
//! `tests/smmuv3_bug_injection.rs` and `tests/vtd_bug_injection.rs` has one row with the
//! directed test it runs and the verdicts it asserts ("RULE by JUDGE" under lockstep, under the
//! checkers alone and under ordered compare), and the table has no other row. On a mismatch the message prints the
//! rows the table should have.

use std::path::Path;

const FILES: &[(&str, &str)] = &[("smmuv3", "tests/smmuv3_bug_injection.rs"), ("vtd", "tests/vtd_bug_injection.rs")];
const BEGIN: &str = "<!-- planted bugs: checked by tests/planted_bug_table.rs -->";
const END: &str = "<!-- end of planted bugs -->";

/// The string literals of `text` (none of these sources escapes a quote inside one).
fn literals(text: &str) -> Vec<&str> {
    text.split('"').skip(1).step_by(2).collect()
}

/// One row per `#[test]` of a bug-injection file: the test's name, then the four literals of
/// its `judged`/`judged_from` call (directed test, lockstep, checkers-only and ordered verdicts).
fn rows_of(flavor: &str, source: &str) -> Vec<String> {
    let mut rows = Vec::new();
    for test in source.split("#[test]").skip(1) {
        let name = test.split("fn ").nth(1).and_then(|t| t.split('(').next()).expect("a test function").trim();
        let call = ["judged(", "judged_from(", "judged_under("]
            .iter()
            .filter_map(|c| test.find(c).map(|i| &test[i..]))
            .next()
            .unwrap_or_else(|| panic!("{name}: no judged(..) call"));
        let mut args = literals(&call[..call.find(");").expect("end of the call")]);
        // judged_under("CONFIG", ..) runs the directed test under that RTL configuration.
        if call.starts_with("judged_under(") {
            assert_eq!(
                args.len(),
                5,
                "{name}: judged_under(\"config\", .., \"test\", \"lockstep\", \"checkers only\", \"ordered\") with literal strings"
            );
            let config = args.remove(0);
            let run = format!("{}@{config}", args[0]);
            rows.push(format!("| {flavor} | `{name}` | `{run}` | {} | {} | {} |", args[1], args[2], args[3]));
            continue;
        }
        assert_eq!(args.len(), 4, "{name}: judged(.., \"test\", \"lockstep\", \"checkers only\", \"ordered\") with literal strings");
        rows.push(format!("| {flavor} | `{name}` | `{}` | {} | {} | {} |", args[0], args[1], args[2], args[3]));
    }
    rows
}

#[test]
fn readme_table_matches_the_bug_injection_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut want = Vec::new();
    for (flavor, file) in FILES {
        want.extend(rows_of(flavor, &std::fs::read_to_string(root.join(file)).unwrap()));
    }
    assert!(want.len() >= 25, "fewer planted bugs than expected: {}", want.len());
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = readme.split(BEGIN).nth(1).and_then(|t| t.split(END).next()).expect("README: the planted-bug table markers");
    let have: Vec<String> =
        table.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| Flavor") && !l.starts_with("|--")).map(String::from).collect();
    assert!(have == want, "README's planted-bug table differs from the tests; it should read:\n{}", want.join("\n"));
}
