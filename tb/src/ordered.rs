//! What every flavor's ordered judge shares (`--compare ordered`, docs/DESIGN.md "Ordered
//! compare"). An ordered judge is fed the DUT's monitored transactions, keeps the architectural
//! state with the models' pure functions, and predicts the content and order of what the DUT
//! does, not its cycle: a decision may be judged against any state the block went through
//! between the message's acceptance and its visible effect (the admission window), a register
//! read against any value within the read latency bound, and every effect must come within its
//! latency bound ([`crate::compare::LatencyBounds`]). It is a [`crate::checkers::Checker`] named
//! [`JUDGE_NAME`]; the run reports its failures with the judge `ordered`.

use crate::coverage::{CoverData, CoverDef};
use std::collections::VecDeque;

/// The checker name of every ordered judge (`run` turns it into `Judge::Ordered`).
pub const JUDGE_NAME: &str = "ordered";

/// The functional coverage an ordered judge sampled from its classification of the DUT's
/// transactions: the bins `classified` names (full names or prefixes), counted in `data`.
pub struct DutCoverage<'a> {
    pub data: &'a CoverData,
    pub classified: &'static [&'static str],
}

impl DutCoverage<'_> {
    /// Does the judge classify the bin of this full name?
    pub fn classifies(&self, full_name: &str) -> bool {
        self.classified.iter().any(|c| full_name.starts_with(c))
    }

    /// Replace the classified bins' counts of a run's coverage (sampled from the timed model)
    /// by the DUT's.
    pub fn replace_in(&self, def: &CoverDef, run: &mut CoverData) {
        for (i, b) in def.bins().iter().enumerate() {
            if self.classifies(&b.full_name) {
                let id = def.find(&b.full_name).expect("a bin of the definition");
                debug_assert_eq!(id.index(), i);
                run.set(id, self.data.count(id));
            }
        }
    }
}

/// The values a piece of architectural state took over time, each stamped with the cycle it
/// took effect; old values are forgotten once no window can reach them.
#[derive(Clone, Debug)]
pub struct History<T> {
    /// (cycle, value), oldest first; never empty.
    values: VecDeque<(u64, T)>,
}

impl<T: Copy + PartialEq> History<T> {
    pub fn new(initial: T) -> History<T> {
        History { values: VecDeque::from([(0, initial)]) }
    }

    /// The current value.
    pub fn now(&self) -> T {
        self.values.back().expect("never empty").1
    }

    /// `v` holds from `cycle` on.
    pub fn set(&mut self, cycle: u64, v: T) {
        if self.now() != v {
            self.values.push_back((cycle, v));
        }
    }

    /// `v` holds from `cycle` on, learnt late: the values set after `cycle` are dropped (for a
    /// change the judge settles after the fact, when nothing else changed the state since).
    pub fn set_back(&mut self, cycle: u64, v: T) {
        while self.values.len() > 1 && self.values.back().expect("never empty").0 > cycle {
            self.values.pop_back();
        }
        match self.values.back_mut().expect("never empty") {
            (c, last) if *c > cycle => *last = v,
            _ => self.set(cycle, v),
        }
    }

    /// Every value that held at some cycle of `from..=now`, oldest first.
    pub fn since(&self, from: u64) -> impl Iterator<Item = T> + '_ {
        // The last value set at or before `from` held at `from`.
        let first = self.values.iter().rposition(|&(c, _)| c <= from).unwrap_or(0);
        self.values.iter().skip(first).map(|&(_, v)| v)
    }

    /// The value that held at `cycle` (the oldest one kept, if it was forgotten).
    pub fn at(&self, cycle: u64) -> T {
        let i = self.values.iter().rposition(|&(c, _)| c <= cycle).unwrap_or(0);
        self.values[i].1
    }

    /// Did `v` hold at some cycle of `from..=now`?
    pub fn held_since(&self, from: u64, v: T) -> bool {
        self.since(from).any(|x| x == v)
    }

    /// Forget the values no window starting at or after `from` can see.
    pub fn forget_before(&mut self, from: u64) {
        while self.values.len() > 1 && self.values[1].0 <= from {
            self.values.pop_front();
        }
    }
}

/// An expected interrupt line: triggers that must be followed by a pulse within the bound, and
/// pulses that must each follow a trigger (several triggers may share one pulse).
#[derive(Clone, Debug, Default)]
pub struct PulseExpectation {
    /// The oldest trigger not yet followed by a pulse, if any: its cycle, and whether the enable
    /// was certainly on (then the pulse is required, not only allowed).
    pending: Option<(u64, bool)>,
    /// Triggers the pending pulse merges.
    merged: u32,
    /// The last pulse merged several triggers: the last of them may have come as that pulse
    /// started, and such a trigger gets a pulse of its own (OP-17).
    spare: bool,
}

impl PulseExpectation {
    /// A trigger at `cycle`; `required`: the interrupt enable was on for certain.
    pub fn trigger(&mut self, cycle: u64, required: bool) {
        self.merged += 1;
        match &mut self.pending {
            Some((_, req)) => *req |= required,
            None => self.pending = Some((cycle, required)),
        }
    }

    /// A pulse: false when no trigger precedes it.
    pub fn pulse(&mut self) -> bool {
        self.spare = std::mem::take(&mut self.merged) > 1;
        self.pending.take().is_some()
    }

    /// A pulse of a line whose triggers merge only while the pulse is not yet started: false
    /// when no trigger precedes it and the previous pulse merged at most one.
    pub fn pulse_or_spare(&mut self) -> bool {
        let spare = std::mem::take(&mut self.spare);
        self.pulse() || spare
    }

    /// The cycle of a required trigger still without its pulse `bound` cycles later.
    pub fn overdue(&self, now: u64, bound: u64) -> Option<u64> {
        match self.pending {
            Some((c, true)) if now > c + bound => Some(c),
            _ => None,
        }
    }

    /// Forget an overdue trigger once it was reported.
    pub fn clear(&mut self) {
        self.pending = None;
        self.merged = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_windows_see_every_value_that_held() {
        let mut h = History::new(0u32);
        h.set(10, 1);
        h.set(20, 2);
        h.set(25, 2); // unchanged: no new entry
        assert_eq!(h.since(15).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(h.since(5).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(h.since(30).collect::<Vec<_>>(), vec![2]);
        assert!(h.held_since(10, 1) && !h.held_since(20, 1));
        assert_eq!((h.at(9), h.at(10), h.at(24), h.at(99)), (0, 1, 2, 2));
        h.set_back(15, 3);
        assert_eq!(h.since(0).collect::<Vec<_>>(), vec![1, 3], "the value set at 20 is replaced");
        h.forget_before(21);
        assert_eq!(h.since(0).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn pulses_follow_triggers() {
        let mut p = PulseExpectation::default();
        assert!(!p.pulse(), "no pulse without a trigger");
        p.trigger(5, false);
        assert_eq!(p.overdue(100, 10), None, "an allowed pulse is not required");
        p.trigger(6, true);
        assert_eq!(p.overdue(14, 10), None);
        assert_eq!(p.overdue(16, 10), Some(5));
        assert!(p.pulse());
        assert!(!p.pulse(), "one pulse serves all triggers before it");
    }

    #[test]
    fn a_merged_trigger_may_get_a_pulse_of_its_own() {
        let mut p = PulseExpectation::default();
        p.trigger(5, true);
        assert!(p.pulse_or_spare());
        assert!(!p.pulse_or_spare(), "one trigger, one pulse");
        p.trigger(10, true);
        p.trigger(11, true);
        assert!(p.pulse_or_spare());
        assert!(p.pulse_or_spare(), "the second trigger may have come as the first pulse started");
        assert!(!p.pulse_or_spare(), "but no third pulse");
    }
}
