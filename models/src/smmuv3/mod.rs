//! Arm SMMUv3 PRI queue and event queue (`../shared/spec/smmuv3.md`): entry, record and command
//! layouts, registers, timing-free protocol semantics (`arch`, `evtq_arch`) and the cycle-accurate
//! schedule of our RTL (`timing`).

pub mod arch;
pub mod cmd;
pub mod entry;
pub mod event;
pub mod evtq_arch;
pub mod evtq_timing;
pub mod regs;
pub mod timing;
