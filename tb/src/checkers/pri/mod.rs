//! Timing-free PCIe PRI checkers (device and system rules of `../shared/spec/pcie-pri.md`, plus
//! HOST-27 / HOST-28), independent of the IOMMU flavour. They observe the page requests accepted
//! at the ingress (`Txn::PageRequest`), the PRG responses sent at the egress (`Txn::Response`) and
//! the function and host events the harness reports (`Txn::StopRequested`, `StopComplete`,
//! `PasidBound`, `PasidFreed`, `QueueDrained`, `PriReset`, `PriEnable`; docs/trace.md), and are
//! told each function's RID, PRPR, Allocation and PRGI mode by a [`PriConfig`].
//!
//! | Checker | Rules | Idea |
//! |---|---|---|
//! | [`PrgCreditChecker`] | PRI-7, PRI-8, PRI-9, PRI-11 (PRI-12), PRI-27, PRI-2 | PRG shape, index sharing and credits from the message stream |
//! | [`ResponseDisciplineChecker`] | PRI-16, PRI-14, PRI-20 (expected UPRGI) | each response answers one PRG whose L=1 was accepted, once, with the right PASID |
//! | [`StopOrderChecker`] | PRI-24, PRI-25, PRI-26, PRI-28, PRI-29, PRI-30 | stop-PASID sequences and message order, from `sent` counts |
//! | [`PasidReuseChecker`] | HOST-27, HOST-28 | a PASID is freed and reused only after its old incarnation is gone |
//! | [`PrgLivenessChecker`] | PRI-16 (quiescence) | every closed PRG got its response unless RF or reset |
//!
//! Messages and events of a RID missing from the configuration are ignored. Each checker keeps
//! its own copy of the PRG state (`tracker`), so they can be used one at a time. Like the other
//! checkers they format text only when they report.

mod config;
mod liveness;
mod pasid_reuse;
mod prg_credits;
mod response_discipline;
mod stop_order;
mod tracker;

pub use config::{FunctionConfig, PriConfig};
pub use liveness::PrgLivenessChecker;
pub use pasid_reuse::PasidReuseChecker;
pub use prg_credits::PrgCreditChecker;
pub use response_discipline::{ResponseDisciplineChecker, UprgiEvent};
pub use stop_order::StopOrderChecker;

use super::Checker;

/// All PRI checkers for `cfg` (the pasid-reuse one without drain events).
pub fn pri_checkers(cfg: &PriConfig) -> Vec<Box<dyn Checker>> {
    vec![
        Box::new(PrgCreditChecker::new(cfg)),
        Box::new(ResponseDisciplineChecker::new(cfg)),
        Box::new(StopOrderChecker::new(cfg)),
        Box::new(PasidReuseChecker::new(cfg)),
        Box::new(PrgLivenessChecker::new(cfg)),
    ]
}
