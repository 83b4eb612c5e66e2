//! Macros shared by both flavors' test sequences.

/// Test sequences fail naming the rule they check: "[RULE] message" (the runner reads it).
macro_rules! ensure {
    ($cond:expr, $rule:expr, $($fmt:tt)+) => {
        if !$cond {
            panic!("[{}] {}", $rule, format!($($fmt)+));
        }
    };
}

/// A test body from an `async fn(Env, Scenario, ChaCha8Rng)`.
macro_rules! body {
    ($f:ident) => {
        |env, sc, rng| Box::pin($f(env, sc, rng))
    };
}
