//! Credits and quotas (host-sw.md §5, HOST-29..HOST-32).

use super::HostEvent;
use std::collections::BTreeMap;
use std::fmt;

/// HOST-29 / PRI-23: the Allocation the host programs: min(Capacity, requested).
pub fn allocation(capacity: u32, requested: u32) -> u32 {
    capacity.min(requested)
}

/// HOST-29: capacity of an SMMUv3 PRIQ of 2^n entries.
pub fn priq_capacity(log2size: u32) -> u64 {
    1u64 << log2size
}

/// HOST-29: capacity of a VT-d PRQ of `entries` descriptors (one slot stays empty): N−1.
pub fn prq_capacity(entries: u64) -> u64 {
    entries.saturating_sub(1)
}

/// A HOST-29 provisioning failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProvisioningError {
    /// Sum of Allocations plus Stop Marker room.
    pub needed: u64,
    pub capacity: u64,
}

impl fmt::Display for ProvisioningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HOST-29: allocations plus Stop Marker room need {} queue entries, the queue holds {}", self.needed, self.capacity)
    }
}

impl std::error::Error for ProvisioningError {}

/// HOST-29 (`provisioned=true`): the sum of the Allocations of the functions sharing a queue, plus the
/// largest number of Stop Markers that can be queued at once, is at most the queue capacity.
pub fn check_provisioning(allocations: &[u32], stop_marker_room: u32, capacity: u64) -> Result<(), ProvisioningError> {
    let needed = allocations.iter().map(|&a| a as u64).sum::<u64>() + stop_marker_room as u64;
    if needed <= capacity {
        Ok(())
    } else {
        Err(ProvisioningError { needed, capacity })
    }
}

/// HOST-32: per-function bound of the kernel-to-user fault queue, in groups (its Allocation).
/// Functions without a bound are unbounded.
#[derive(Clone, Debug, Default)]
pub struct UserQueueBound {
    allocation: BTreeMap<u16, u32>,
}

impl UserQueueBound {
    pub fn set(&mut self, rid: u16, allocation: u32) {
        self.allocation.insert(rid, allocation);
    }

    pub fn get(&self, rid: u16) -> Option<u32> {
        self.allocation.get(&rid).copied()
    }

    /// A HOST-32 event when `groups` queued for `rid` exceed its bound.
    pub fn check(&self, rid: u16, groups: u32) -> Option<HostEvent> {
        let a = self.get(rid)?;
        (groups > a).then_some(HostEvent::UserQueueOverflow { rid, groups, allocation: a })
    }
}
