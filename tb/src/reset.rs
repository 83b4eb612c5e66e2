//! How a run's RTL variables that no reset assigns start (`--reset-values`): all zero, all ones,
//! or random bits from a reset seed, by default derived from the run seed so that a seed range
//! also ranges over reset states and every run replays bit-exactly.

use serde::{Deserialize, Serialize};
use sim::ResetValues;
use std::fmt;
use std::str::FromStr;

/// A reset-value choice as the command line and results.json spell it: `zero`, `ones`,
/// `random` (seed from the run seed) or `random:N` (this reset seed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ResetMode {
    Zero,
    Ones,
    #[default]
    Random,
    Seeded(u32),
}

impl ResetMode {
    /// The mode of one run: `random` becomes `random:N` with N derived from the run seed.
    pub fn for_run(self, run_seed: u64) -> ResetMode {
        match self {
            ResetMode::Random => ResetMode::Seeded(reset_seed(run_seed)),
            other => other,
        }
    }

    /// What the model is loaded with (a plain `random` draws from the run seed).
    pub fn values(self, run_seed: u64) -> ResetValues {
        match self.for_run(run_seed) {
            ResetMode::Zero => ResetValues::Zero,
            ResetMode::Ones => ResetValues::Ones,
            ResetMode::Seeded(s) => ResetValues::Random(s),
            ResetMode::Random => unreachable!("for_run seeds a random mode"),
        }
    }
}

/// The reset seed of run seed `seed`: a mix (SplitMix64's finaliser) folded into Verilator's
/// seed range 1..=i32::MAX, so neighbouring run seeds get unrelated reset states.
pub fn reset_seed(seed: u64) -> u32 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % ResetValues::MAX_SEED as u64) as u32 + 1
}

impl fmt::Display for ResetMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResetMode::Zero => f.write_str("zero"),
            ResetMode::Ones => f.write_str("ones"),
            ResetMode::Random => f.write_str("random"),
            ResetMode::Seeded(s) => write!(f, "random:{s}"),
        }
    }
}

/// A `--reset-values` spelling [`ResetMode`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reset values `{0}`: give zero, ones, random or random:SEED (SEED 1..={max})", max = ResetValues::MAX_SEED)]
pub struct BadResetMode(pub String);

impl FromStr for ResetMode {
    type Err = BadResetMode;
    fn from_str(s: &str) -> Result<ResetMode, BadResetMode> {
        let bad = || BadResetMode(s.to_string());
        match s {
            "zero" => Ok(ResetMode::Zero),
            "ones" => Ok(ResetMode::Ones),
            "random" => Ok(ResetMode::Random),
            _ => {
                let n: u32 = s.strip_prefix("random:").and_then(|n| n.parse().ok()).ok_or_else(bad)?;
                (1..=ResetValues::MAX_SEED).contains(&n).then_some(ResetMode::Seeded(n)).ok_or_else(bad)
            }
        }
    }
}

impl From<ResetMode> for String {
    fn from(m: ResetMode) -> String {
        m.to_string()
    }
}

impl TryFrom<String> for ResetMode {
    type Error = BadResetMode;
    fn try_from(s: String) -> Result<ResetMode, BadResetMode> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_and_bad_ones_are_refused() {
        for m in [ResetMode::Zero, ResetMode::Ones, ResetMode::Random, ResetMode::Seeded(1), ResetMode::Seeded(ResetValues::MAX_SEED)] {
            assert_eq!(m.to_string().parse::<ResetMode>(), Ok(m));
        }
        for bad in ["", "one", "random:", "random:0", "random:-3", "random:2147483648", "random:x"] {
            let e = bad.parse::<ResetMode>().unwrap_err();
            assert_eq!(e, BadResetMode(bad.into()));
            assert!(e.to_string().contains("zero, ones, random"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_run_seed_picks_a_valid_reset_seed_and_keeps_it() {
        let seeds: Vec<u32> = (0..1000).map(reset_seed).collect();
        assert!(seeds.iter().all(|s| (1..=ResetValues::MAX_SEED).contains(s)));
        let mut distinct = seeds.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), seeds.len(), "neighbouring run seeds share a reset seed");
        assert_eq!(ResetMode::Random.for_run(5), ResetMode::Seeded(reset_seed(5)));
        assert_eq!(ResetMode::Seeded(9).values(5), ResetValues::Random(9));
        assert_eq!(ResetMode::Ones.for_run(5), ResetMode::Ones);
        assert_eq!(reset_seed(u64::MAX), reset_seed(u64::MAX), "deterministic");
    }
}
