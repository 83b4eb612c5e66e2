//! PASID lifecycle (host-sw.md §5, HOST-26..HOST-28): allocation from 1 to a maximum, release as an
//! ordered sequence of steps the harness reports as they happen, quarantine until the grace period
//! has elapsed, and incarnations so a checker can catch state of an old incarnation being used.

use super::HostEvent;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Largest PASID value (20 bits).
pub const PASID_MAX: u32 = (1 << 20) - 1;

/// An incarnation of a PASID: increases by one at every allocation of that value (first is 1).
pub type Incarnation = u64;

/// The release steps of HOST-27, in order. `GraceElapsed` is reached by [`PasidManager::tick`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ReleaseStep {
    /// (1a) the function was asked to stop P.
    StopRequested,
    /// (1b) the function signalled stop-complete.
    StopComplete,
    /// (2) the hardware queue was drained for P (HOST-19 or HOST-25).
    QueueDrained,
    /// (3) every PRG of P answered or discarded, stale ones included (HOST-10).
    GroupsAnswered,
    /// (4) the owning driver declared it is done with P; the grace period starts.
    OwnerDone,
}

impl ReleaseStep {
    fn next(self) -> Option<ReleaseStep> {
        use ReleaseStep::*;
        match self {
            StopRequested => Some(StopComplete),
            StopComplete => Some(QueueDrained),
            QueueDrained => Some(GroupsAnswered),
            GroupsAnswered => Some(OwnerDone),
            OwnerDone => None,
        }
    }
}

/// Where a PASID value stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PasidState {
    /// Never allocated, or released completely: may be allocated (`can_reuse`).
    Free,
    /// In use; `has_mm` false for a PASID without a process address space (HOST-26).
    Allocated { incarnation: Incarnation, has_mm: bool },
    /// Release in progress; `done` is the last step completed; after `OwnerDone`, `grace_from` is the
    /// cycle the grace period started (quarantine).
    Releasing { incarnation: Incarnation, done: ReleaseStep, grace_from: Option<u64> },
}

/// Errors of the PASID manager (no panics; the harness reports them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PasidError {
    /// PASID 0 is never allocated (HOST-26).
    Zero,
    /// Above the configured maximum.
    OutOfRange { pasid: u32, max: u32 },
    /// Every PASID in 1..=max is in use or in quarantine.
    Exhausted,
    /// Already allocated.
    InUse { pasid: u32 },
    /// Release not complete (HOST-28; an event is also recorded).
    Quarantined { pasid: u32 },
    /// A release step out of order, or for a PASID not being released.
    OutOfOrder { pasid: u32, step: ReleaseStep, state: PasidState },
}

impl fmt::Display for PasidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for PasidError {}

#[derive(Clone, Copy, Debug)]
struct Slot {
    incarnation: Incarnation,
    state: PasidState,
}

/// The host's PASID manager.
#[derive(Clone, Debug)]
pub struct PasidManager {
    max: u32,
    grace: u64,
    now: u64,
    slots: BTreeMap<u32, Slot>,
    events: Vec<HostEvent>,
}

impl PasidManager {
    /// PASIDs 1..=`max` (clamped to 1..=2^20−1); `grace` = `pasid_grace` cycles.
    pub fn new(max: u32, grace: u64) -> Self {
        PasidManager { max: max.clamp(1, PASID_MAX), grace, now: 0, slots: BTreeMap::new(), events: Vec::new() }
    }

    pub fn max(&self) -> u32 {
        self.max
    }

    pub fn now(&self) -> u64 {
        self.now
    }

    pub fn state(&self, p: u32) -> PasidState {
        self.slots.get(&p).map(|s| s.state).unwrap_or(PasidState::Free)
    }

    /// The current incarnation of P (allocated or being released), for HOST-28 checks.
    pub fn incarnation(&self, p: u32) -> Option<Incarnation> {
        match self.state(p) {
            PasidState::Free => None,
            PasidState::Allocated { incarnation, .. } | PasidState::Releasing { incarnation, .. } => Some(incarnation),
        }
    }

    /// HOST-27/HOST-28: P may be handed out (never 0, within range, release complete).
    pub fn can_reuse(&self, p: u32) -> bool {
        p != 0 && p <= self.max && self.state(p) == PasidState::Free
    }

    /// HOST-26: allocate the lowest PASID that `can_reuse` (never 0, never one in quarantine).
    pub fn alloc(&mut self, has_mm: bool) -> Result<(u32, Incarnation), PasidError> {
        let mut p = 1;
        for (&k, s) in self.slots.range(1..) {
            if k > p {
                break;
            }
            if s.state != PasidState::Free {
                p = k + 1;
            } else {
                break;
            }
        }
        if p > self.max {
            return Err(PasidError::Exhausted);
        }
        let inc = self.alloc_at(p, has_mm)?;
        Ok((p, inc))
    }

    /// Allocate a given PASID (a scenario that binds a fixed value). Asking for one in quarantine is
    /// refused and recorded as a HOST-28 event.
    pub fn alloc_at(&mut self, p: u32, has_mm: bool) -> Result<Incarnation, PasidError> {
        if p == 0 {
            return Err(PasidError::Zero);
        }
        if p > self.max {
            return Err(PasidError::OutOfRange { pasid: p, max: self.max });
        }
        match self.state(p) {
            PasidState::Free => {}
            PasidState::Allocated { .. } => return Err(PasidError::InUse { pasid: p }),
            PasidState::Releasing { done, .. } => {
                self.events.push(HostEvent::PasidReuse { pasid: p, detail: format!("reallocation requested with release at {done:?}") });
                return Err(PasidError::Quarantined { pasid: p });
            }
        }
        let slot = self.slots.entry(p).or_insert(Slot { incarnation: 0, state: PasidState::Free });
        slot.incarnation += 1;
        slot.state = PasidState::Allocated { incarnation: slot.incarnation, has_mm };
        Ok(slot.incarnation)
    }

    /// Attach or detach the process address space of an allocated PASID (HOST-26).
    pub fn set_mm(&mut self, p: u32, has_mm: bool) {
        if let Some(Slot { state: PasidState::Allocated { has_mm: m, .. }, .. }) = self.slots.get_mut(&p) {
            *m = has_mm;
        }
    }

    /// HOST-27 (1a): the host asks the function to stop P; the release begins.
    pub fn request_stop(&mut self, p: u32) -> Result<(), PasidError> {
        match self.state(p) {
            PasidState::Allocated { incarnation, .. } => {
                self.slots.get_mut(&p).expect("allocated").state =
                    PasidState::Releasing { incarnation, done: ReleaseStep::StopRequested, grace_from: None };
                Ok(())
            }
            state => Err(PasidError::OutOfOrder { pasid: p, step: ReleaseStep::StopRequested, state }),
        }
    }

    fn step(&mut self, p: u32, step: ReleaseStep) -> Result<(), PasidError> {
        let now = self.now;
        let state = self.state(p);
        match state {
            PasidState::Releasing { incarnation, done, .. } if done.next() == Some(step) => {
                let grace_from = (step == ReleaseStep::OwnerDone).then_some(now);
                self.slots.get_mut(&p).expect("releasing").state = PasidState::Releasing { incarnation, done: step, grace_from };
                if step == ReleaseStep::OwnerDone {
                    self.expire();
                }
                Ok(())
            }
            _ => Err(PasidError::OutOfOrder { pasid: p, step, state }),
        }
    }

    /// HOST-27 (1b): the function signalled stop-complete for P.
    pub fn on_stop_complete(&mut self, p: u32) -> Result<(), PasidError> {
        self.step(p, ReleaseStep::StopComplete)
    }

    /// HOST-27 (2): the hardware queue was drained for P.
    pub fn on_queue_drained(&mut self, p: u32) -> Result<(), PasidError> {
        self.step(p, ReleaseStep::QueueDrained)
    }

    /// HOST-27 (3): every PRG of P answered or discarded, stale ones included
    /// (see [`super::FaultCore::pasid_idle`] and [`super::FaultCore::flush_done`]).
    pub fn on_groups_answered(&mut self, p: u32) -> Result<(), PasidError> {
        self.step(p, ReleaseStep::GroupsAnswered)
    }

    /// HOST-27 (4): the owning driver is done with P; quarantine for `pasid_grace` cycles starts now.
    pub fn on_owner_done(&mut self, p: u32) -> Result<(), PasidError> {
        self.step(p, ReleaseStep::OwnerDone)
    }

    /// Advance time (HOST-27 (5)); returns the PASIDs freed by this tick.
    pub fn tick(&mut self, now: u64) -> Vec<u32> {
        self.now = self.now.max(now);
        self.expire()
    }

    fn expire(&mut self) -> Vec<u32> {
        let (now, grace) = (self.now, self.grace);
        let mut freed = Vec::new();
        for (&p, s) in self.slots.iter_mut() {
            if let PasidState::Releasing { grace_from: Some(t), .. } = s.state {
                if now >= t.saturating_add(grace) {
                    s.state = PasidState::Free;
                    freed.push(p);
                }
            }
        }
        freed
    }

    /// HOST-28: a request, response or piece of state tagged with incarnation `inc` of P is about to
    /// be used. Records and returns a HOST-28 event when `inc` is not P's current incarnation.
    pub fn check_use(&mut self, p: u32, inc: Incarnation) -> Option<HostEvent> {
        let cur = self.incarnation(p);
        if cur == Some(inc) {
            return None;
        }
        let e = HostEvent::PasidReuse { pasid: p, detail: format!("state of incarnation {inc} used, current {cur:?}") };
        self.events.push(e.clone());
        Some(e)
    }

    /// HOST-28 events since the last call.
    pub fn take_events(&mut self) -> Vec<HostEvent> {
        std::mem::take(&mut self.events)
    }
}
