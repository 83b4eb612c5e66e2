//! Functional coverage in the SystemVerilog covergroup idiom, tied to rule IDs.
//!
//! - [`spec`]: how a flavor declares its coverage, as data: covergroups with a goal, coverpoints
//!   with one line per bin (events, single values, ranges, named value sets), crosses of
//!   coverpoints, `at_least`, weights, and the rule IDs each bin evidences (`models::rules`).
//! - [`def`]: the definition built from a spec ([`CoverDef::new`], the one builder): every bin
//!   with its full name, rules and dense index, and the fingerprint that identifies it.
//! - [`sampler`]: a run's counters as a flavor's collector hits them, by names resolved at
//!   compile time; [`data`]: the counters, which serialize and merge by adding, across seeds,
//!   jobs and shards.
//! - [`judges`]: bins generated from a flavor's checkers (their evaluations per rule) and tests
//!   (passed runs per asserted rule), so a rule judged only by them is covered only once judged.
//! - [`summary`]: weighted percent per group against its goal, holes, per-rule summary, and the
//!   report's [`FunctionalSummary`](crate::report::input::FunctionalSummary).
//!
//! Each flavor's coverage model (its spec and how it samples it) lives in the flavor's folder
//! (`crate::smmuv3::coverage`, `crate::vtd::coverage`).
//!
//! Naming: a bin is `group.point.bin`; a cross bin joins its points' bin names with `&`.

pub mod data;
pub mod def;
pub mod ids;
pub mod judges;
pub mod sampler;
pub mod spec;
pub mod summary;

pub use data::CoverData;
pub use def::{BinId, BinInfo, CoverDef, CrossId, GroupId, ItemInfo, PointId};
pub use judges::Judges;
pub use sampler::{Collector, CollectorState, Sampler, StaticDef};
pub use spec::Spec;
pub use summary::functional_summary;

/// Misuse of the coverage library: a malformed definition, or data that does not belong to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoverError {
    #[error("coverage definition: {0}")]
    Definition(String),
    #[error("coverage data of definition {theirs} ({theirs_fp}) cannot be used with definition {ours} ({ours_fp})")]
    Mismatch { ours: String, ours_fp: String, theirs: String, theirs_fp: String },
}
