//! Per-run counters of one coverage definition: one `u64` per bin, indexed by `BinId`. Sampling
//! is an index increment; merging adds counters (associative and commutative), and only data of
//! the same definition (same fingerprint) merges.

use super::def::{BinId, CoverDef};
use super::CoverError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverData {
    /// Name and fingerprint of the definition the counters belong to.
    pub definition: String,
    pub fingerprint: String,
    /// Hits per bin, in definition order.
    counts: Vec<u64>,
}

impl CoverData {
    /// Zeroed counters for `def`.
    pub fn new(def: &CoverDef) -> CoverData {
        CoverData { definition: def.name().to_string(), fingerprint: def.fingerprint().to_string(), counts: vec![0; def.bins().len()] }
    }

    /// Count one hit of a bin: the whole hot path.
    #[inline(always)]
    pub fn hit(&mut self, b: BinId) {
        self.counts[b.index()] += 1;
    }

    /// Count `n` hits of a bin at once (counters kept elsewhere during the run).
    pub fn add(&mut self, b: BinId, n: u64) {
        let c = &mut self.counts[b.index()];
        *c = c.saturating_add(n);
    }

    /// Set a bin's count (a count sampled from another source, `crate::ordered::DutCoverage`).
    pub fn set(&mut self, b: BinId, n: u64) {
        self.counts[b.index()] = n;
    }

    /// Count a hit if there is a bin (an ignored cross combination or an unmatched value has none).
    #[inline(always)]
    pub fn hit_opt(&mut self, b: Option<BinId>) {
        if let Some(b) = b {
            self.hit(b);
        }
    }

    pub fn count(&self, b: BinId) -> u64 {
        self.counts[b.index()]
    }

    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Are these counters of `def`?
    pub fn check(&self, def: &CoverDef) -> Result<(), CoverError> {
        if self.fingerprint == def.fingerprint() && self.definition == def.name() && self.counts.len() == def.bins().len() {
            Ok(())
        } else {
            Err(CoverError::Mismatch {
                ours: def.name().to_string(),
                ours_fp: def.fingerprint().to_string(),
                theirs: self.definition.clone(),
                theirs_fp: self.fingerprint.clone(),
            })
        }
    }

    /// Add `other`'s counts to ours (saturating). Fails, leaving ours unchanged, when the two
    /// belong to different definitions.
    pub fn merge(&mut self, other: &CoverData) -> Result<(), CoverError> {
        if self.fingerprint != other.fingerprint || self.definition != other.definition || self.counts.len() != other.counts.len() {
            return Err(CoverError::Mismatch {
                ours: self.definition.clone(),
                ours_fp: self.fingerprint.clone(),
                theirs: other.definition.clone(),
                theirs_fp: other.fingerprint.clone(),
            });
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
        Ok(())
    }

    /// The sum of several data sets of one definition (`None` for an empty list).
    pub fn merge_all<'a>(parts: impl IntoIterator<Item = &'a CoverData>) -> Result<Option<CoverData>, CoverError> {
        let mut acc: Option<CoverData> = None;
        for p in parts {
            match acc.as_mut() {
                None => acc = Some(p.clone()),
                Some(a) => a.merge(p)?,
            }
        }
        Ok(acc)
    }

    /// Zero every counter.
    pub fn clear(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
    }
}
