//! The sampling side of a run: a flavor's definition held in a `static`, and the counters its
//! collector hits through names resolved at compile time (`const { SPEC.bin(..) }`).

use super::data::CoverData;
use super::def::{BinId, CoverDef, CrossId, PointId};
use super::judges::Judges;
use super::spec::Spec;
use std::sync::OnceLock;

/// A flavor's definition as a `static`: its spec, built on first use, once per process.
pub struct StaticDef {
    spec: &'static Spec,
    judges: fn() -> Judges,
    built: OnceLock<CoverDef>,
}

impl StaticDef {
    pub const fn new(spec: &'static Spec) -> StaticDef {
        StaticDef { spec, judges: Judges::default, built: OnceLock::new() }
    }

    /// With the generated bins of the flavor's judges ([`super::judges`]).
    pub const fn judged(spec: &'static Spec, judges: fn() -> Judges) -> StaticDef {
        StaticDef { spec, judges, built: OnceLock::new() }
    }

    /// The built definition. A malformed spec panics here, so every test of its flavor shows it.
    pub fn get(&'static self) -> &'static CoverDef {
        self.built.get_or_init(|| CoverDef::judged(self.spec, &(self.judges)()).unwrap_or_else(|e| panic!("{e}")))
    }
}

/// One run's counters of one definition. A sample is an index increment (a short scan of one
/// point's bins for a value): no allocation, no lookup by name (the per-cycle path).
#[derive(Clone, Debug)]
pub struct Sampler {
    def: &'static CoverDef,
    data: CoverData,
}

impl Sampler {
    pub fn new(def: &'static CoverDef) -> Sampler {
        Sampler { def, data: CoverData::new(def) }
    }

    /// Count one hit of a point's bin.
    #[inline(always)]
    pub fn hit(&mut self, b: BinId) {
        self.data.hit(b);
    }

    /// Count the first bin of `p` that contains `v`, if any.
    #[inline]
    pub fn hit_value(&mut self, p: PointId, v: u64) {
        self.data.hit_opt(self.def.point_value_bin(p, v));
    }

    /// Sample a cross the SystemVerilog way: each crossed point counts its bin `ks[i]`, and the
    /// cross counts the combination unless it is ignored.
    #[inline]
    pub fn cross(&mut self, x: CrossId, ks: &[usize]) {
        self.def.sample_cross(&mut self.data, x, ks);
    }

    pub fn def(&self) -> &'static CoverDef {
        self.def
    }

    pub fn data(&self) -> &CoverData {
        &self.data
    }

    pub fn into_data(self) -> CoverData {
        self.data
    }
}

/// What a flavor's collector keeps between samples, and the definition it counts for.
pub trait CollectorState: Default {
    const DEF: &'static StaticDef;
}

/// A flavor's coverage collector: the run's counters and the flavor's state. The flavor's own
/// `impl Collector<ItsState>` (in its folder) says which bin each model event or transaction hits.
pub struct Collector<S> {
    pub(crate) cov: Sampler,
    pub(crate) state: S,
}

impl<S: CollectorState> Default for Collector<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: CollectorState> Collector<S> {
    pub fn new() -> Self {
        Collector { cov: Sampler::new(S::DEF.get()), state: S::default() }
    }

    /// The static definition (built once per process).
    pub fn definition() -> &'static CoverDef {
        S::DEF.get()
    }

    pub fn data(&self) -> &CoverData {
        self.cov.data()
    }

    pub fn into_data(self) -> CoverData {
        self.cov.into_data()
    }
}
