//! The Stop Marker test both drivers apply before reporting an entry (HOST-18, HOST-22 step 3,
//! HOST-24, DEC-1): Stop Markers never reach the fault core.

use super::fault_core::FaultCore;
use super::{HostEvent, StopMarkerTest};
use crate::pcie::PageRequest;

/// Why a driver dropped a queue entry without reporting it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dropped {
    /// A Stop Marker: PASID, L=1, R=W=0 (DEC-1).
    StopMarker,
    /// HOST-24 (hazard): a PASID-less L=1, R=W=0 request taken for a Stop Marker (`lrw_only`).
    LrwDropped,
}

/// Does the driver drop `m` as a Stop Marker under the policy of `core`? A real Stop Marker is
/// always dropped; with `stop_marker_test=lrw_only` the PASID-less L=1, R=W=0 request is dropped
/// too, and the HOST-24 hazard is recorded in `core`.
pub(crate) fn drop_stop_marker(core: &mut FaultCore, m: &PageRequest) -> Option<Dropped> {
    if !(m.l && !m.r && !m.w) {
        return None;
    }
    if m.pv {
        return Some(Dropped::StopMarker);
    }
    if core.policy().stop_marker_test != StopMarkerTest::LrwOnly {
        return None;
    }
    core.push_event(HostEvent::PasidlessLrwDropped { rid: m.rid, prgi: m.prgi });
    Some(Dropped::LrwDropped)
}
