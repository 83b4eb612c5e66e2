//! PCIe PRI: the messages that cross the testbench interfaces (`msg`) and a pure, deterministic
//! model of one PCIe function's PRI behaviour (`function`): capability registers (`cap`), PRG index
//! allocation (`prgi`), stop-PASID state (`stop`) and the scenario configuration (`config`).
//! Normative text: `../shared/spec/pcie-pri.md` (rules PRI-1..PRI-32) and DEC-1, DEC-8, DEC-11, DEC-13.
//!
//! The model holds no randomness: the caller chooses what to send, the model says whether it is
//! legal (or, in an opt-in fault-injection mode, performs the illegal act) and tracks the state.

mod msg;

pub mod cap;
pub mod config;
pub mod function;
pub mod prgi;
pub mod stop;
#[cfg(test)]
pub(crate) mod strategies;

pub use msg::{MsgClass, PageRequest, PrgResponse, RespCode};

pub use cap::{PriCapability, Violation};
pub use config::{FaultModes, FunctionConfig, FunctionConfigError};
pub use function::{Access, PcieFunction, PrgHandle, PrgInfo, PrgResult, Refusal, RegWriteEffect, ResponseEffect};
pub use prgi::PrgiAllocator;
pub use stop::{MarkerVsComplete, Variant};

#[cfg(test)]
mod tests;
