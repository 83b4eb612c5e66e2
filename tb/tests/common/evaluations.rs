//! Reading checkers' evaluation counters in the checker tests of both flavors.
//! Declared with `#[path = "common/evaluations.rs"] mod evaluations;`.

use tb::checkers::{Checker, Evaluations};
use tb::txn::Stamped;

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

/// Run the checker set `cs` over the transactions `t` ending at `end_cycle`: no violation is
/// allowed; each checker's name and evaluation counters.
#[track_caller]
pub fn evaluations_of(mut cs: Vec<Box<dyn Checker>>, t: &[Stamped], end_cycle: u64) -> Vec<(&'static str, Evaluations)> {
    let mut out = Vec::new();
    for s in t {
        for c in cs.iter_mut() {
            c.observe(s, &mut out);
        }
    }
    for c in cs.iter_mut() {
        c.finish(end_cycle, &mut out);
    }
    assert!(out.is_empty(), "unexpected violations:\n{}", out.iter().map(|v| format!("{v}\n")).collect::<String>());
    cs.iter().map(|c| (c.name(), c.evaluations().clone())).collect()
}
