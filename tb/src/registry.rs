//! The registered tests of both flavors: directed sequences, seeded classes and negative tests.

use crate::env::Env;
use crate::scenario::{Flavor, Scenario};
use rand_chacha::ChaCha8Rng;
use std::future::Future;
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
}

/// Every registered test of a flavor.
pub fn tests(flavor: Flavor) -> &'static [TestDef] {
    match flavor {
        Flavor::Smmuv3 => crate::smmuv3::tests::registry(),
        Flavor::Vtd => crate::vtd::tests::registry(),
    }
}

/// Find a registered test by name.
pub fn find_test(flavor: Flavor, name: &str) -> Result<&'static TestDef, String> {
    tests(flavor).iter().find(|t| t.name == name).ok_or_else(|| {
        let names: Vec<&str> = tests(flavor).iter().map(|t| t.name).collect();
        format!("unknown test '{name}' for flavor {} (known: {})", flavor.name(), names.join(", "))
    })
}

/// Find a registered test by name in one flavor, or in any (test names are unique across
/// flavors).
pub fn find_in(flavor: Option<Flavor>, name: &str) -> Result<&'static TestDef, String> {
    match flavor {
        Some(f) => find_test(f, name),
        None => Flavor::ALL.iter().find_map(|f| find_test(*f, name).ok()).ok_or_else(|| {
            let names: Vec<&str> = Flavor::ALL.iter().flat_map(|f| tests(*f)).map(|t| t.name).collect();
            format!("unknown test '{name}' (known: {})", names.join(", "))
        }),
    }
}
