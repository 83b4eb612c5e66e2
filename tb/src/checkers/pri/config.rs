//! Per-function PRI configuration the harness gives the PRI checkers at construction.

use serde::{Deserialize, Serialize};

/// One PCIe function as the checkers must know it (pcie-pri.md §4-§6, DEC-11, DEC-13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionConfig {
    /// Requester ID.
    pub rid: u16,
    /// "PRG Response PASID Required" (Status bit 15).
    pub prpr: bool,
    /// Outstanding Page Request Allocation in force from the start of the run; a later
    /// `Txn::PriEnable` replaces it (PRI-21).
    pub allocation: u32,
    /// DEC-11 opt-in mode: two outstanding PRGs may share a PRGI under two PASIDs (PRI-9).
    pub prgi_shared_across_pasids: bool,
}

/// The functions of a run. Messages and events of a RID not listed here are ignored by the PRI
/// checkers (they cannot judge credits or PASID rules without the configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriConfig {
    pub functions: Vec<FunctionConfig>,
}

impl PriConfig {
    pub fn function(&self, rid: u16) -> Option<&FunctionConfig> {
        self.functions.iter().find(|f| f.rid == rid)
    }
}
