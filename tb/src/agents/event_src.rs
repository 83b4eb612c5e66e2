//! Event source on the SMMUv3 event input (`ev_*`): a modelled translation pipeline. It presents
//! the records a test or class queued, in order, one per handshake. A stall record stands for a
//! stalled client transaction: it stays stalled until a resolution for its StreamID is taken on
//! `sr_*` (rtl/README.md "SMMUv3 event queue"). The STAG is assigned by the block (OP-3), so
//! the source pairs a resolution with the oldest stalled transaction of that StreamID.

use models::smmuv3::event::EventInput;
use std::collections::VecDeque;

/// A client transaction that ended with a resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub record: EventInput,
    /// Edge of the record's acceptance and of its resolution's handshake.
    pub accepted: u64,
    pub resolved: u64,
    pub stag: u16,
    /// `sr_action`: 0 retry, 1 abort, 2 RAZ/WI.
    pub action: u8,
}

#[derive(Default)]
pub struct EventSource {
    queue: VecDeque<EventInput>,
    /// Stalled client transactions: (record, acceptance edge), oldest first.
    stalled: Vec<(EventInput, u64)>,
    /// Records accepted so far.
    pub accepted: u64,
    /// Client transactions resolved so far, in resolution order.
    pub resolved: Vec<Resolved>,
    /// Resolutions that matched no stalled transaction of their StreamID.
    pub unmatched: Vec<(u64, u32, u16, u8)>,
}

impl EventSource {
    /// Queue records (sent in order, without waiting).
    pub fn send(&mut self, e: EventInput) {
        self.queue.push_back(e);
    }
    /// The record presented this cycle, if any.
    #[inline]
    pub fn drive(&self) -> Option<EventInput> {
        self.queue.front().copied()
    }
    /// The presented record was accepted at `edge`; returns it (masked to the port widths).
    pub fn on_accept(&mut self, edge: u64) -> EventInput {
        let e = self.queue.pop_front().expect("a record was presented").masked();
        self.accepted += 1;
        if e.is_stall() {
            self.stalled.push((e, edge));
        }
        e
    }
    /// A resolution was taken on `sr_*` at `edge`: its StreamID's oldest stalled transaction ends.
    pub fn on_resolution(&mut self, edge: u64, sid: u32, stag: u16, action: u8) {
        match self.stalled.iter().position(|(e, _)| e.sid == sid) {
            Some(k) => {
                let (record, accepted) = self.stalled.remove(k);
                self.resolved.push(Resolved { record, accepted, resolved: edge, stag, action });
            }
            None => self.unmatched.push((edge, sid, stag, action)),
        }
    }
    /// Client transactions still stalled.
    pub fn stalled(&self) -> usize {
        self.stalled.len()
    }
    /// Nothing left to send.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stall_released_by_its_streams_resolution() {
        let mut s = EventSource::default();
        s.send(EventInput { id: 0x10, sid: 5, stall: true, ..Default::default() });
        s.send(EventInput { id: 0x02, sid: 5, stall: true, ..Default::default() });
        assert_eq!(s.drive().map(|e| e.id), Some(0x10));
        s.on_accept(3);
        s.on_accept(4);
        assert_eq!(s.stalled(), 1, "0x02 cannot stall");
        s.on_resolution(9, 6, 0, 0);
        assert_eq!((s.stalled(), s.unmatched.len()), (1, 1));
        s.on_resolution(10, 5, 0, 1);
        assert_eq!(s.stalled(), 0);
        assert_eq!((s.resolved[0].accepted, s.resolved[0].resolved, s.resolved[0].action), (3, 10, 1));
        assert!(s.is_idle());
    }
}
