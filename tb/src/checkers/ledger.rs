//! The fate of every accepted page-request message, as far as the queue writes reveal it,
//! without any timing: entries are written in ingress order (PRI-31), so a write that decodes
//! to message k says that every earlier unaccounted message was not queued (dropped or
//! answered automatically). A message is "pending" until such a write, or the end of the test.

use super::entry::{field_diff, DecodedEntry};
use crate::trace::Ring;
use models::pcie::PageRequest;
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Accepted; no later write has been seen yet.
    Pending,
    /// Its entry write was issued; the ack has not come.
    Writing,
    /// Written and acknowledged without error.
    Queued,
    /// Skipped over by a later write (or pending at the end): dropped or answered automatically.
    NotQueued,
    /// Its entry write was acknowledged with an error (SMMU-PRIQ-16: treated as row a).
    WriteFailed,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub seq: u64,
    /// Acceptance cycle.
    pub cycle: u64,
    /// The message, normalized (PASID/Exe/Priv 0 without PV).
    pub msg: PageRequest,
    pub fate: Fate,
    /// Cycle of the entry write, if any.
    pub written: Option<u64>,
    /// Cycle of the automatic response attributed to it, if any.
    pub answered: Option<u64>,
}

pub(crate) enum WriteMatch {
    /// The entry equals message `seq`; earlier pending messages became NotQueued.
    Exact { seq: u64 },
    /// No pending message equals the entry; `seq` is the closest one (fields `diff` differ), taken
    /// as the message this write was meant for so one bad field reports once.
    Approx { seq: u64, diff: u16, skipped: u64 },
    /// Nothing pending resembles the entry.
    Unmatched,
}

/// At most this many fields may differ for a write to be attributed to a message anyway.
const MAX_APPROX_DIFF: u32 = 3;

/// Bound on messages waiting for a later write to tell their fate (memory bound for long runs
/// with the queue disabled). No DUT holds this many undecided messages, so the oldest is then
/// taken as not queued.
const MAX_PENDING: u64 = 1 << 16;

pub(crate) struct Ledger {
    recs: VecDeque<Rec>,
    next_seq: u64,
    /// Every record with seq < cursor is accounted for (not Pending).
    cursor: u64,
    /// Writes awaiting their ack, oldest first; None for a write matched to no message.
    acks: VecDeque<Option<u64>>,
    /// Recently retired records, for diagnosis (out of order, twice, Stop Marker).
    history: Ring<Rec>,
}

impl Ledger {
    pub fn new() -> Self {
        Ledger { recs: VecDeque::with_capacity(64), next_seq: 0, cursor: 0, acks: VecDeque::with_capacity(8), history: Ring::new(64) }
    }

    fn front_seq(&self) -> u64 {
        self.recs.front().map_or(self.next_seq, |r| r.seq)
    }

    pub fn get(&self, seq: u64) -> Option<&Rec> {
        self.recs.get(seq.checked_sub(self.front_seq())? as usize)
    }

    pub fn get_mut(&mut self, seq: u64) -> Option<&mut Rec> {
        let i = seq.checked_sub(self.front_seq())? as usize;
        self.recs.get_mut(i)
    }

    /// A message accepted at the ingress; returns its sequence number (acceptance order from 0).
    pub fn accept(&mut self, cycle: u64, msg: &PageRequest) -> u64 {
        if self.next_seq - self.cursor >= MAX_PENDING {
            let c = self.cursor;
            if let Some(r) = self.get_mut(c) {
                if r.fate == Fate::Pending {
                    r.fate = Fate::NotQueued;
                }
            }
            self.advance_cursor(c + 1);
        }
        self.recs.push_back(Rec { seq: self.next_seq, cycle, msg: msg.at_interface(), fate: Fate::Pending, written: None, answered: None });
        self.next_seq += 1;
        self.next_seq - 1
    }

    /// Records still alive (accounted ones not yet retired, then pending ones), oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Rec> + '_ {
        self.recs.iter()
    }

    /// Pending records (not yet accounted for), oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &Rec> + '_ {
        let skip = (self.cursor - self.front_seq()) as usize;
        self.recs.iter().skip(skip).filter(|r| r.fate == Fate::Pending)
    }

    /// Move the cursor to the first Pending record at or after `from`.
    fn advance_cursor(&mut self, from: u64) {
        let mut c = from;
        while self.get(c).is_some_and(|r| r.fate != Fate::Pending) {
            c += 1;
        }
        self.cursor = c.min(self.next_seq);
    }

    /// An automatic response was attributed to message `seq`: hardware decided not to queue it.
    pub fn mark_answered(&mut self, seq: u64, cycle: u64) {
        if let Some(r) = self.get_mut(seq) {
            r.answered = Some(cycle);
            if r.fate == Fate::Pending {
                r.fate = Fate::NotQueued;
            }
        }
        if seq == self.cursor {
            self.advance_cursor(seq + 1);
        }
    }

    fn pending_before(&self, seq: u64) -> u64 {
        self.pending().take_while(|r| r.seq < seq).count() as u64
    }

    /// A queue-memory write of entry `e` at `cycle`.
    pub fn on_write(&mut self, cycle: u64, e: &DecodedEntry) -> WriteMatch {
        let entry = e.msg.at_interface();
        let mut best: Option<(u64, u16)> = None;
        let mut exact = None;
        for r in self.pending() {
            let d = field_diff(&entry, &r.msg, e.stream_id);
            if d == 0 {
                exact = Some(r.seq);
                break;
            }
            if best.is_none_or(|(_, bd)| d.count_ones() < bd.count_ones()) {
                best = Some((r.seq, d));
            }
        }
        let m = match (exact, best) {
            (Some(seq), _) => WriteMatch::Exact { seq },
            (None, Some((seq, diff))) if diff.count_ones() <= MAX_APPROX_DIFF => {
                WriteMatch::Approx { seq, diff, skipped: self.pending_before(seq) }
            }
            _ => WriteMatch::Unmatched,
        };
        match m {
            WriteMatch::Exact { seq, .. } | WriteMatch::Approx { seq, .. } => {
                for s in self.cursor..seq {
                    if let Some(r) = self.get_mut(s) {
                        if r.fate == Fate::Pending {
                            r.fate = Fate::NotQueued;
                        }
                    }
                }
                if let Some(r) = self.get_mut(seq) {
                    r.fate = Fate::Writing;
                    r.written = Some(cycle);
                }
                self.advance_cursor(seq + 1);
                self.acks.push_back(Some(seq));
            }
            WriteMatch::Unmatched => self.acks.push_back(None),
        }
        m
    }

    /// The ack of the oldest unacknowledged write; returns the message it was for, if known.
    pub fn on_ack(&mut self, err: bool) -> Option<u64> {
        let seq = self.acks.pop_front()??;
        if let Some(r) = self.get_mut(seq) {
            r.fate = if err { Fate::WriteFailed } else { Fate::Queued };
        }
        Some(seq)
    }

    /// End of test: whatever is still pending was not queued.
    pub fn finish(&mut self) {
        let c = self.cursor;
        for r in self.recs.iter_mut().filter(|r| r.seq >= c && r.fate == Fate::Pending) {
            r.fate = Fate::NotQueued;
        }
        self.cursor = self.next_seq;
    }

    /// Drop accounted records from the front while `done` says they need no more attention.
    pub fn retire(&mut self, mut done: impl FnMut(&Rec) -> bool) {
        while let Some(r) = self.recs.front() {
            if r.seq >= self.cursor || r.fate == Fate::Writing || !done(r) {
                break;
            }
            let r = self.recs.pop_front().expect("front exists");
            self.history.push(r);
        }
    }

    /// The most recent record (alive or recently retired) satisfying `pred`.
    pub fn find(&self, mut pred: impl FnMut(&Rec) -> bool) -> Option<Rec> {
        self.recs.iter().rev().find(|r| pred(r)).or_else(|| self.history.iter().rev().find(|r| pred(r))).copied()
    }
}
