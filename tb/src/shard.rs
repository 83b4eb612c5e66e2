//! `--shard K/N`: deterministic slices of a regression for any job array (Slurm, LSF, a CI
//! matrix). Every machine that runs the same regression list with the same N computes the same
//! slices, whatever order it lists the items in, and the N slices partition the list exactly.
//!
//! How: the distinct keys are sorted (byte order), and the i-th distinct key (0-based) goes to
//! shard `i % N + 1`. Items with equal keys stay together. Shards are balanced in distinct keys
//! (their sizes differ by at most one), and because the keys are sorted first, the runs of one
//! test spread evenly over the shards.

use std::fmt;
use std::str::FromStr;

/// Shard K of N (1-based: 1 <= K <= N).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    pub k: u32,
    pub n: u32,
}

/// A malformed `K/N` spec; its message is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad shard spec '{spec}': expected K/N with 1 <= K <= N")]
pub struct ShardError {
    pub spec: String,
}

impl Shard {
    /// The whole regression (shard 1 of 1).
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    pub fn new(k: u32, n: u32) -> Result<Shard, ShardError> {
        if k >= 1 && k <= n {
            Ok(Shard { k, n })
        } else {
            Err(ShardError { spec: format!("{k}/{n}") })
        }
    }

    /// Parse "K/N" (surrounding spaces allowed).
    pub fn parse(spec: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError { spec: spec.to_string() };
        let (k, n) = spec.trim().split_once('/').ok_or_else(bad)?;
        let num = |s: &str| -> Result<u32, ShardError> {
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            s.parse::<u32>().map_err(|_| bad())
        };
        let (k, n) = (num(k)?, num(n)?);
        if k >= 1 && k <= n {
            Ok(Shard { k, n })
        } else {
            Err(bad())
        }
    }

    /// Whether this is the whole regression.
    pub fn is_all(&self) -> bool {
        self.n == 1
    }

    /// The items of this shard, sorted by key (items with equal keys keep their input order).
    pub fn select<'a, T>(&self, items: &'a [T], key: impl Fn(&T) -> String) -> Vec<&'a T> {
        let mut keyed: Vec<(String, usize)> = items.iter().enumerate().map(|(i, t)| (key(t), i)).collect();
        keyed.sort();
        let n = self.n.max(1) as usize;
        let want = (self.k.max(1) - 1) as usize;
        let mut out = Vec::new();
        let mut distinct = 0usize;
        let mut prev: Option<&str> = None;
        for (k, i) in &keyed {
            if prev != Some(k.as_str()) {
                if prev.is_some() {
                    distinct += 1;
                }
                prev = Some(k.as_str());
            }
            if distinct % n == want {
                out.push(&items[*i]);
            }
        }
        out
    }
}

impl Default for Shard {
    fn default() -> Self {
        Shard::ALL
    }
}

impl FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Shard, ShardError> {
        Shard::parse(s)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_good_specs() {
        assert_eq!(Shard::parse("1/1").unwrap(), Shard { k: 1, n: 1 });
        assert_eq!(Shard::parse(" 3/4 ").unwrap(), Shard { k: 3, n: 4 });
        assert_eq!("2/2".parse::<Shard>().unwrap().to_string(), "2/2");
    }

    #[test]
    fn rejects_bad_specs_with_one_line() {
        for s in ["3/2", "0/2", "1/0", "", "1", "a/b", "1/2/3", "-1/2", "+1/2", "1 /", "99999999999/2"] {
            let e = Shard::parse(s).unwrap_err().to_string();
            assert!(!e.contains('\n'));
            assert!(e.contains(&format!("'{s}'")), "{e}");
        }
        assert_eq!(Shard::parse("3/2").unwrap_err().to_string(), "bad shard spec '3/2': expected K/N with 1 <= K <= N");
    }
}
