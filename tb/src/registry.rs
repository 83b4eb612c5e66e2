//! What a registered test is: a directed sequence, a seeded class or a negative test. Each
//! flavor lists its own (`Flavor::tests`); `crate::flavors::find_test` finds one by name.

use crate::env::Env;
use crate::scenario::Scenario;
use rand_chacha::ChaCha8Rng;
use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;

pub type Body = fn(Env, Scenario, ChaCha8Rng) -> Pin<Box<dyn Future<Output = ()>>>;

/// A registered test.
pub struct TestDef {
    pub name: &'static str,
    /// Rules and decisions whose outcome the sequence asserts.
    pub rules: &'static [&'static str],
    /// Random tests take a new scenario per seed; directed ones use the seed only for agents.
    pub random: bool,
    pub scenario: fn(u64) -> Scenario,
    pub body: Body,
    /// A negative test: the run must fail naming this rule (a fault is injected on purpose).
    pub expect_failure: Option<&'static str>,
    /// The parameter ranges (RTL names) the test makes sense at, e.g. `("NR", 2..=64)` for a
    /// test of two fault records; a regression runs it under the configurations that meet them
    /// (`crate::config::unmet`). Empty: every configuration.
    pub needs: &'static [(&'static str, RangeInclusive<u32>)],
}
