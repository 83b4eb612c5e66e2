//! Macros shared by every flavor's test sequences and test registry.

/// Test sequences fail naming the rule they check: "[RULE] message" (the runner reads it).
macro_rules! ensure {
    ($cond:expr, $rule:expr, $($fmt:tt)+) => {
        if !$cond {
            panic!("[{}] {}", $rule, format!($($fmt)+));
        }
    };
}

/// A bounded wait fails naming its rule and itself: "[RULE] <wait>: message", `wait` one of
/// `crate::judge::waits` (so the run records which wait expired, not a test assertion).
macro_rules! expired {
    ($wait:expr, $cond:expr, $rule:expr, $($fmt:tt)+) => {
        if !$cond {
            panic!("[{}] {}: {}", $rule, $wait, format!($($fmt)+));
        }
    };
}

/// A test body from an `async fn(Env, Scenario, ChaCha8Rng)`.
macro_rules! body {
    ($f:expr) => {
        |env, sc, rng| Box::pin(($f)(env, sc, rng))
    };
}

/// A directed test for a flavor's registry: name, sequence, the rules it asserts, and its
/// scenario (default: the flavor's `directed(name, seed)`).
macro_rules! directed {
    ($name:literal, $f:expr, [$($r:literal),*]) => { directed!($name, $f, [$($r),*], |s| directed($name, s)) };
    ($name:literal, $f:expr, [$($r:literal),*], $sc:expr) => {
        $crate::registry::TestDef { name: $name, rules: &[$($r),*], random: false, scenario: $sc, body: body!($f), expect_failure: None, needs: &[] }
    };
}

/// A scenario class run with every seed of a regression (the seed draws the scenario).
macro_rules! seeded {
    ($name:literal, $f:expr, [$($r:literal),*], $sc:expr) => {
        $crate::registry::TestDef { name: $name, rules: &[$($r),*], random: true, scenario: $sc, body: body!($f), expect_failure: None, needs: &[] }
    };
}

/// A negative test: a fault is injected on purpose and the run must fail naming `$want`.
macro_rules! negative {
    ($name:literal, $f:expr, [$($r:literal),*], $sc:expr, expect $want:literal) => {
        $crate::registry::TestDef { name: $name, rules: &[$($r),*], random: false, scenario: $sc, body: body!($f), expect_failure: Some($want), needs: &[] }
    };
}
