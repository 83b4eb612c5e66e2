//! Reading checkers' evaluation counters in the checker tests of both flavors.
//! Declared with `#[path = "common/evaluations.rs"] mod evaluations;`.

use tb::checkers::Evaluations;

/// The counts of `checker` for `rules`, in that order; a rule the checker does not count fails
/// the test (a count of 0 would otherwise hide a missing counter).
#[track_caller]
pub fn counts(e: &[(&str, Evaluations)], checker: &str, rules: &[&str]) -> Vec<u64> {
    let (_, ev) = e.iter().find(|(n, _)| *n == checker).unwrap_or_else(|| panic!("no checker {checker}"));
    rules
        .iter()
        .map(|r| {
            let id = models::rules::RuleId::parse(r).expect("a spec ID");
            assert!(ev.rules().contains(&id), "{checker} does not count {r}");
            ev.get(id)
        })
        .collect()
}
