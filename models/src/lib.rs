//! Golden reference models (pure Rust, no simulator): PCIe PRI messages, SMMUv3 PRIQ in two
//! layers (`arch`: the rules; `timing`: our RTL's schedule, from `rtl/README.md`), queue pointer
//! arithmetic shared by the queue flavours, rule IDs.

pub mod host;
pub mod pcie;
pub mod ring;
pub mod rules;
pub mod smmuv3;
pub mod vtd;
