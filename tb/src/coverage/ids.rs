//! Dense ids of a definition's groups, points, crosses and bins, and what a bin matches: the
//! vocabulary shared by the declared [`Spec`](super::spec::Spec) (which resolves names to ids at
//! compile time) and the built [`CoverDef`](super::def::CoverDef).

/// Index of a bin in the counters of its definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BinId(pub(crate) u32);

impl BinId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GroupId(pub(crate) u32);

/// A coverpoint (not a cross): its item and its bins `first..first + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PointId {
    pub(crate) item: u32,
    pub(crate) first: u32,
    pub(crate) len: u32,
}

impl PointId {
    /// Its `k`-th bin, in declaration order (for a bin chosen by an index).
    #[inline]
    pub const fn bin(self, k: usize) -> BinId {
        debug_assert!(k < self.len as usize);
        BinId(self.first + k as u32)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CrossId(pub(crate) u32);

/// Which sampled values a bin counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Match {
    /// Hit only through its id (an event bin).
    Event,
    Value(u64),
    /// Inclusive range.
    Range(u64, u64),
    /// A named set of values.
    Set(&'static [u64]),
}

impl Match {
    #[inline]
    pub(crate) fn contains(&self, v: u64) -> bool {
        match self {
            Match::Event => false,
            Match::Value(x) => *x == v,
            Match::Range(lo, hi) => *lo <= v && v <= *hi,
            Match::Set(s) => s.contains(&v),
        }
    }
}
