//! Functional coverage in the SystemVerilog covergroup idiom, tied to rule IDs.
//!
//! - [`def`]: the static definition, built once: covergroups with a goal, coverpoints with bins
//!   (events, single values, ranges, named value sets), crosses of coverpoints, `at_least`,
//!   weights, and the rule IDs each bin evidences (`models::rules`).
//! - [`data`]: the per-run counters. Sampling is one index increment ([`CoverData::hit`]); the
//!   counters serialize and merge by adding, across seeds, jobs and shards.
//! - [`summary`]: weighted percent per group against its goal, holes, per-rule summary, and the
//!   report's [`FunctionalSummary`](crate::report::input::FunctionalSummary).
//!
//! Each flavor's coverage model (its bins and how it samples them) lives in the flavor's folder
//! (`crate::smmuv3::coverage`, `crate::vtd::coverage`).
//!
//! Naming: a bin is `group.point.bin`; a cross bin joins its points' bin names with `&`.

pub mod data;
pub mod def;
pub mod summary;

pub use data::CoverData;
pub use def::{Bin, BinId, CoverDef, Cross, CrossId, DefBuilder, Group, GroupId, Point, PointId};
pub use summary::functional_summary;

/// Misuse of the coverage library: a malformed definition, or data that does not belong to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoverError {
    #[error("coverage definition: {0}")]
    Definition(String),
    #[error("coverage data of definition {theirs} ({theirs_fp}) cannot be used with definition {ours} ({ours_fp})")]
    Mismatch {
        ours: String,
        ours_fp: String,
        theirs: String,
        theirs_fp: String,
    },
}
