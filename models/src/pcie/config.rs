//! Configuration of one modelled PCIe function: capability constants, PRGI mode (DEC-11) and the
//! opt-in fault-injection modes used by negative tests.

use serde::{Deserialize, Serialize};

/// Fault-injection modes. In each mode the function performs the illegal act when the caller asks
/// for it instead of refusing; the checkers must then report the named rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultModes {
    /// PRI-11: start PRGs beyond the latched Allocation.
    pub credit_overrun: bool,
    /// PRI-8 / PRI-9: `next_request` on a PRG whose L=1 was already sent sends another L=1 with
    /// the same PRGI while the PRG is outstanding.
    pub second_last_on_outstanding: bool,
    /// PRI-27: `stop_marker` while a PRG of the PASID is still open.
    pub marker_with_open_prg: bool,
    /// PRI-7: `next_request_as` sends a member of a PRG with another PASID (or PASID presence).
    pub mixed_pasid_prg: bool,
    /// PRI-5: a PV=1 request with Exe=1 and R=0.
    pub exe_without_read: bool,
}

impl FaultModes {
    pub fn any(&self) -> bool {
        self.credit_overrun || self.second_last_on_outstanding || self.marker_with_open_prg || self.mixed_pasid_prg || self.exe_without_read
    }
}

/// One function's PRI configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FunctionConfig {
    /// Requester ID.
    pub rid: u16,
    /// Status.PRPR, "PRG Response PASID Required" (DEC-13).
    pub prpr: bool,
    /// The function issues PV=1 page requests (PRI-15: needs `prpr`).
    pub pasid_requests: bool,
    /// Outstanding Page Request Capacity (RO).
    pub capacity: u32,
    /// DEC-11 opt-in mode (PRI-9): two outstanding PRGs may share a PRGI under two PASIDs.
    pub prgi_shared_across_pasids: bool,
    /// Count every message as accepted at the IOMMU ingress when it is produced, for unit use
    /// without a harness. Off: the caller reports acceptances with `on_accepted` (PRI-29).
    pub accept_on_send: bool,
    pub faults: FaultModes,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        FunctionConfig {
            rid: 0,
            prpr: true,
            pasid_requests: true,
            capacity: 32,
            prgi_shared_across_pasids: false,
            accept_on_send: false,
            faults: FaultModes::default(),
        }
    }
}

impl FunctionConfig {
    /// Scenario validation; the error is one line naming the rule.
    pub fn validate(&self) -> Result<(), FunctionConfigError> {
        let rid = self.rid;
        if self.pasid_requests && !self.prpr {
            // PRI-15 (DEC-13): the IOMMU flavours copy PASID presence from the request.
            return Err(FunctionConfigError::PasidWithoutPrpr { rid });
        }
        if self.prgi_shared_across_pasids && !(self.prpr && self.pasid_requests) {
            // PRI-9 (DEC-11): sharing a PRGI across PASIDs needs PRPR=1 and PASID requests.
            return Err(FunctionConfigError::SharedPrgiWithoutPasids { rid });
        }
        if self.capacity == 0 {
            return Err(FunctionConfigError::NoCapacity { rid });
        }
        Ok(())
    }
}

/// A function configuration the PRI rules forbid; each displays as one line starting with the
/// rule it breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FunctionConfigError {
    #[error("PRI-15: function {rid:#06x} has PRPR=0 but issues PASID page requests (DEC-13)")]
    PasidWithoutPrpr { rid: u16 },
    #[error("PRI-9: function {rid:#06x} has prgi_shared_across_pasids without PRPR=1 and PASID requests (DEC-11)")]
    SharedPrgiWithoutPasids { rid: u16 },
    #[error("PRI-11: function {rid:#06x} has Outstanding Page Request Capacity 0")]
    NoCapacity { rid: u16 },
}
