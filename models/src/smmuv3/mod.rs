//! Arm SMMUv3 PRI queue (`../shared/spec/smmuv3.md`): entry and command layouts, registers,
//! timing-free protocol semantics (`arch`) and the cycle-accurate schedule of our RTL (`timing`).

pub mod arch;
pub mod cmd;
pub mod entry;
pub mod evtq_arch;
pub mod regs;
pub mod timing;
