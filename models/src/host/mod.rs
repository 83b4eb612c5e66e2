//! Host software model (`../shared/spec/host-sw.md`, rules HOST-1..HOST-32): a Linux-like consumer of
//! the IOMMU fault path, pure and deterministic.
//!
//! Layers (host-sw.md §1):
//! - [`record`]: the fault record (HOST-1) and the group (HOST-3) that every layer shares;
//! - [`fault_core`]: io-pgfault — fault records, partial and pending lists, grouping by group index
//!   only (HOST-3), response matching (HOST-6), overflow discard (HOST-8), device removal (HOST-9),
//!   flush (HOST-10), the in-kernel handler (HOST-5, HOST-7);
//! - [`response`]: generic codes and their SMMUv3 / VT-d encodings (HOST-15, HOST-18, HOST-23, DEC-13);
//! - [`iommufd`]: the fault FD (HOST-12..HOST-14);
//! - [`smmu`]: the SMMUv3 driver's per-entry decisions (HOST-17, HOST-18, HOST-24); the register
//!   protocol (HOST-16) stays in the testbench;
//! - [`smmu_stall`]: the SMMUv3 driver's EVTQ decisions: stall events as one-record groups answered
//!   by CMD_RESUME, no-handler aborts, the per-device stall quota (HOST-20, HOST-21);
//! - [`vtd`]: the VT-d driver's per-entry decisions (HOST-22 step 3, HOST-23, HOST-24) and the
//!   descriptors it submits (HOST-23, HOST-25); the register protocol stays in the testbench;
//! - [`stop_marker`]: the Stop Marker test both drivers share (HOST-18, HOST-22, HOST-24);
//! - [`pasid`]: PASID allocation and release (HOST-26..HOST-28);
//! - [`quota`]: provisioning and per-function bounds (HOST-29, HOST-32);
//! - [`paging`]: the on-demand paging handler of a VFIO-style consumer (HOST-5, HOST-10);
//! - [`planted`]: host-model bugs a test injects on purpose to prove a checker bites.
//!
//! Nothing here draws random numbers: every choice (which group finishes next, whether the handler
//! resolves a page) is asked of a [`HostChoices`] supplied by the caller, so the harness seeds it.
//! Linux hazards are reported as [`HostEvent`]s (never panics); the checker turns them into warnings
//! and coverage under their rule IDs.

pub mod fault_core;
pub mod iommufd;
pub mod paging;
pub mod pasid;
pub mod planted;
pub mod quota;
pub mod record;
pub mod response;
pub mod smmu;
pub mod smmu_stall;
pub mod stop_marker;
pub mod vtd;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vtd_tests;

pub use fault_core::{DeviceCfg, FaultCore, FlushMark, Handled, Reported};
pub use record::{FaultRecord, Group, GroupId, Perm};
pub use response::{GenericCode, HostResponse, SmmuPriResp, VtdPageGrpResp};

use crate::rules::{self, RuleId};
use serde::{Deserialize, Serialize};

/// `smmu_driver` knob (host-sw.md §1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmmuDriver {
    /// Full fault path: PRI delivered to the fault core (HOST-18).
    #[default]
    Iopf,
    /// Mainline v6.x: every L=1 entry answered with Response Failure (HOST-17).
    Mainline,
}

/// `stop_marker_test` knob.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopMarkerTest {
    /// PASID ∧ L ∧ ¬R ∧ ¬W (DEC-1).
    #[default]
    PasidRequired,
    /// L ∧ ¬R ∧ ¬W, as Linux tests it (HOST-24 hazard for PASID-less ones).
    LrwOnly,
}

/// `consumer` knob: where groups are handled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consumer {
    /// In-kernel handler (HOST-5).
    #[default]
    Kernel,
    /// User process through the iommufd fault FD (HOST-12..HOST-14).
    Iommufd,
}

/// `vtd_failure_code` knob: how the generic FAILURE is written in a VT-d `page_grp_resp_dsc`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VtdFailureCode {
    /// RC 0x2, as Linux does (HOST-15 hazard).
    #[default]
    Raw,
    /// RC 0xF (PCIe Response Failure).
    Pcie,
}

/// `vtd_no_pasid` knob (HOST-22 step 3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VtdNoPasid {
    /// PASID-less requests are reported like any other (recent kernels).
    #[default]
    Accept,
    /// PASID-less requests are bad: Invalid Request when LPIG=1 (kernels before the Jensen patch).
    Reject,
}

/// The host policy knobs of host-sw.md §1 that the software model needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostPolicy {
    pub smmu_driver: SmmuDriver,
    pub stop_marker_test: StopMarkerTest,
    pub consumer: Consumer,
    pub vtd_failure_code: VtdFailureCode,
    pub vtd_no_pasid: VtdNoPasid,
    /// HOST-21 (`None` = no quota): unanswered stall groups per StreamID (`smmu_stall`).
    pub stall_quota: Option<u32>,
    /// HOST-29..HOST-31.
    pub provisioned: bool,
    /// Per-device limit of groups outstanding at the iommufd consumer (queued or read, not
    /// answered); a group beyond it is answered INVALID at once by the kernel (docs/DESIGN.md).
    /// `None`: no limit beyond the device's credits (host-sw.md §3).
    pub fault_quota: Option<u32>,
    /// The iommufd consumer serves faults by on-demand paging (`paging`), not by seeded choice.
    pub paging: bool,
    /// A host-model bug injected on purpose by a test (never by a regression scenario).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planted: Option<planted::PlantedHostBug>,
    /// Cycles a released PASID stays in quarantine after its owner is done (HOST-27 step 5).
    pub pasid_grace: u64,
    /// Configuration of a device never named by [`FaultCore::set_device`].
    pub default_device: DeviceCfg,
}

impl Default for HostPolicy {
    fn default() -> Self {
        HostPolicy {
            smmu_driver: SmmuDriver::Iopf,
            stop_marker_test: StopMarkerTest::PasidRequired,
            consumer: Consumer::Kernel,
            vtd_failure_code: VtdFailureCode::Raw,
            vtd_no_pasid: VtdNoPasid::Accept,
            stall_quota: None,
            provisioned: false,
            fault_quota: None,
            paging: false,
            planted: None,
            pasid_grace: 0,
            default_device: DeviceCfg::default(),
        }
    }
}

/// Outcome of the handler for one page (the `handler` knob, seeded by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PageOutcome {
    /// The page was made available.
    Resolved,
    /// The page cannot be provided: the group ends with INVALID (HOST-5).
    Failed,
    /// The handler aborts: the group ends with FAILURE (HOST-5).
    Abort,
}

/// Every choice the host model leaves to the caller. The harness implements it on its seeded RNG.
pub trait HostChoices {
    /// Which of `n >= 1` ready groups finishes next (0-based, arrival order) (HOST-7).
    fn pick_group(&mut self, n: usize) -> usize;
    /// Whether the handler resolves one page (called in page order, only for pages the handler
    /// actually tries: not after the first failure, not for PRI-6 pages, not without a domain).
    fn page(&mut self, rec: &FaultRecord) -> PageOutcome;
}

/// Arrival order, every page resolved: the deterministic default.
#[derive(Clone, Copy, Debug, Default)]
pub struct InOrder;

impl HostChoices for InOrder {
    fn pick_group(&mut self, _n: usize) -> usize {
        0
    }
    fn page(&mut self, _rec: &FaultRecord) -> PageOutcome {
        PageOutcome::Resolved
    }
}

/// A small self-contained seeded implementation (xorshift64*), for tests and simple scenarios.
/// `fail_odds` and `abort_odds` are out of 256 per page.
#[derive(Clone, Copy, Debug)]
pub struct SeededChoices {
    state: u64,
    pub fail_odds: u8,
    pub abort_odds: u8,
}

impl SeededChoices {
    pub fn new(seed: u64, fail_odds: u8, abort_odds: u8) -> Self {
        SeededChoices { state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, fail_odds, abort_odds }
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

impl HostChoices for SeededChoices {
    fn pick_group(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn page(&mut self, _rec: &FaultRecord) -> PageOutcome {
        let v = (self.next_u64() >> 56) as u8;
        if v < self.abort_odds {
            PageOutcome::Abort
        } else if v < self.abort_odds.saturating_add(self.fail_odds) {
            PageOutcome::Failed
        } else {
            PageOutcome::Resolved
        }
    }
}

/// A hazard or violation the host model observed. [`HostEvent::rule`] names its rule; the checker
/// reports hazards (`is_hazard`) as warnings plus coverage, the others as failures of the host model's
/// environment (e.g. a PASID reused too early).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HostEvent {
    /// HOST-4: a group mixes PASID presence or values (DEC-11 opt-in mode, or a PRI-7 violation).
    MixedPasidGroup { rid: u16, grpid: u16, group: GroupId, pasids: Vec<Option<u32>> },
    /// HOST-15: a VT-d `page_grp_resp_dsc` with RC=0x2 (`vtd_failure_code=raw`).
    VtdRawFailure { rid: u16, prgi: u16, pasid: Option<u32> },
    /// HOST-17: mainline SMMUv3 answered an L=1 entry with Response Failure.
    MainlineFailure { rid: u16, prgi: u16, pasid: Option<u32> },
    /// HOST-24: a PASID-less L=1, R=W=0 request dropped as a Stop Marker (`stop_marker_test=lrw_only`).
    PasidlessLrwDropped { rid: u16, prgi: u16 },
    /// HOST-28: a PASID was reallocated, or used with an old incarnation, before its release completed.
    PasidReuse { pasid: u32, detail: String },
    /// HOST-32: a function's kernel-to-user queue holds more groups than its Allocation.
    UserQueueOverflow { rid: u16, groups: u32, allocation: u32 },
}

impl HostEvent {
    pub fn rule(&self) -> RuleId {
        match self {
            HostEvent::MixedPasidGroup { .. } => rules::HOST_4,
            HostEvent::VtdRawFailure { .. } => rules::HOST_15,
            HostEvent::MainlineFailure { .. } => rules::HOST_17,
            HostEvent::PasidlessLrwDropped { .. } => rules::HOST_24,
            HostEvent::PasidReuse { .. } => rules::HOST_28,
            HostEvent::UserQueueOverflow { .. } => rules::HOST_32,
        }
    }

    /// *(hazard)* rules of host-sw.md: reported as warnings, not failures.
    pub fn is_hazard(&self) -> bool {
        matches!(
            self,
            HostEvent::MixedPasidGroup { .. }
                | HostEvent::VtdRawFailure { .. }
                | HostEvent::MainlineFailure { .. }
                | HostEvent::PasidlessLrwDropped { .. }
        )
    }
}
