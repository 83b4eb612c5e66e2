//! Per-PASID state of a function: binding, incarnation, stop-PASID progress (pcie-pri.md §7,
//! PRI-24..PRI-30) and the count of messages not yet accepted at the IOMMU ingress (PRI-29).

use serde::{Deserialize, Serialize};

/// When variant B signals stop-complete relative to its Stop Marker (PRI-26 knob).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MarkerVsComplete {
    /// Stop-complete first; the Stop Marker may be sent only once the stop is complete.
    CompleteBeforeMarker,
    /// Stop-complete once the Stop Marker was sent and accepted at the ingress.
    CompleteAfterMarker,
    /// Stop-complete with the Stop Marker: signalled when the marker is sent if every earlier
    /// message of the PASID was accepted, else as soon as they are (PRI-29 for those messages).
    Together,
}

/// Stop-PASID variant (§7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Variant {
    /// PRI-25: wait for the responses of all outstanding PRGs; no Stop Marker.
    A,
    /// PRI-26: outstanding PRGs become stale; exactly one Stop Marker.
    B { marker_vs_complete: MarkerVsComplete },
}

/// Progress of one stop request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopState {
    pub variant: Variant,
    /// Variant B: the outstanding PRGs of the PASID were marked stale (done once no PRG of the
    /// PASID is open, PRI-24 then PRI-26).
    pub stale_marked: bool,
    /// Variant B: the Stop Marker was sent.
    pub marker_sent: bool,
    /// Stop-complete signalled (sticky until `bind`).
    pub complete: bool,
}

/// One PASID as the function sees it. A PASID never seen is bound, incarnation 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PasidState {
    /// PRI-30: bumped by each re-bind after a completed stop.
    pub incarnation: u32,
    /// `Some` from the stop request until the re-bind.
    pub stop: Option<StopState>,
    /// Messages with this PASID sent and not yet accepted at the IOMMU ingress (PRI-29).
    pub unaccepted: u32,
}

impl PasidState {
    /// Whether the stop can be signalled complete now, given the PRGs of the PASID that are open
    /// (L=1 not sent) and outstanding. Stale marking is done by the caller first.
    /// PRI-25 (A): nothing open or outstanding, everything accepted.
    /// PRI-26 (B): stale marking done, then per the knob; PRI-29: everything accepted.
    pub fn stop_may_complete(&self, open: usize, outstanding: usize) -> bool {
        let Some(s) = self.stop else { return false };
        if s.complete {
            return true;
        }
        if open > 0 {
            return false;
        }
        match s.variant {
            Variant::A => outstanding == 0 && self.unaccepted == 0,
            Variant::B { marker_vs_complete } => {
                s.stale_marked
                    && match marker_vs_complete {
                        MarkerVsComplete::CompleteBeforeMarker => self.unaccepted == 0,
                        MarkerVsComplete::CompleteAfterMarker => s.marker_sent && self.unaccepted == 0,
                        // Messages are accepted in order (PRI-28) and the marker is the last
                        // message of the PASID, so one unaccepted message is the marker itself.
                        MarkerVsComplete::Together => s.marker_sent && self.unaccepted <= 1,
                    }
            }
        }
    }

    /// Variant B still owes its Stop Marker.
    pub fn marker_owed(&self) -> bool {
        matches!(self.stop, Some(StopState { variant: Variant::B { .. }, marker_sent: false, .. }))
    }
}
