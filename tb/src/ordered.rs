//! What every flavor's ordered judge shares (`--compare ordered`, docs/DESIGN.md "Ordered
//! compare"). An ordered judge is fed the DUT's monitored transactions, keeps the architectural
//! state with the models' pure functions, and predicts the content and order of what the DUT
//! does, not its cycle: a decision may be judged against any state the block went through
//! between the message's acceptance and its visible effect (the admission window), a register
//! read against any value within the read latency bound, and every effect must come within its
//! latency bound ([`crate::compare::LatencyBounds`]). It is a [`crate::checkers::Checker`] named
//! [`JUDGE_NAME`]; the run reports its failures with the judge `ordered`.

use crate::checkers::Violation;
use crate::coverage::{CoverData, CoverDef};
use models::pcie::PrgResponse;
use models::rules::RuleId;
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
#[derive(Clone, Debug, PartialEq)]
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

/// The admission rows a message may take over its window, in the order found (a flavor's row
/// type `R`; at most four rows).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rows<R> {
    pub seen: [Option<R>; 4],
}

impl<R> Default for Rows<R> {
    fn default() -> Self {
        Rows { seen: [None, None, None, None] }
    }
}

impl<R: Copy + PartialEq> Rows<R> {
    pub fn add(&mut self, r: R) {
        if !self.has(r) {
            if let Some(slot) = self.seen.iter_mut().find(|s| s.is_none()) {
                *slot = Some(r);
            }
        }
    }

    pub fn has(&self, r: R) -> bool {
        self.seen.contains(&Some(r))
    }

    /// The rows, in the order found.
    pub fn iter(&self) -> impl Iterator<Item = R> + '_ {
        self.seen.iter().flatten().copied()
    }
}

/// An expected PRG response and its cause's cycle; `rule` is broken if it is wrong or late.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpectedResponse {
    pub rsp: PrgResponse,
    pub at: u64,
    pub rule: RuleId,
    /// Allowed, not required (e.g. a command taken while its enable may still have been
    /// changing).
    pub optional: bool,
}

/// Which expected response a sent one was taken for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    Software,
    Automatic,
}

/// A response `rsp` sent at `t`: the next software response if it is that one (software
/// responses keep their order), else the oldest expected automatic response (automatic
/// responses keep message order), judged for content, for the software order `order` (its
/// rule, and what it says) when `rsp` answers a later software request, and for the response
/// bound. None when no automatic response is expected: the judge settles a message for it.
pub fn response_sent(
    t: u64,
    rsp: &PrgResponse,
    sw: &mut VecDeque<ExpectedResponse>,
    autos: &mut VecDeque<ExpectedResponse>,
    order: (RuleId, &str),
    bound: u64,
    out: &mut Vec<Violation>,
) -> Option<Sent> {
    if let Some(s) = sw.front().filter(|s| s.rsp == *rsp).copied() {
        sw.pop_front();
        out.extend(late_response(t, s.at, bound, rsp, s.rule));
        return Some(Sent::Software);
    }
    let a = autos.pop_front()?;
    if a.rsp == *rsp {
        out.extend(late_response(t, a.at, bound, rsp, a.rule));
    } else {
        let later = sw.iter().any(|s| s.rsp == *rsp);
        let also = if later { format!(" ({})", order.1) } else { String::new() };
        let message =
            format!("response {rsp:?} sent, expected the automatic response {:?} of the message accepted at cycle {}{also}", a.rsp, a.at);
        out.push(Violation { rule: if later { order.0 } else { a.rule }, cycle: t, message });
    }
    Some(Sent::Automatic)
}

/// The oldest expected response of `q`, if its bound passed by `now`: forgotten, and reported
/// with its rule unless it was only allowed.
pub fn overdue_response(q: &mut VecDeque<ExpectedResponse>, now: u64, bound: u64, out: &mut Vec<Violation>) {
    if let Some(e) = q.front().filter(|e| now > e.at + bound).copied() {
        q.pop_front();
        if !e.optional {
            let message = format!("response {:?} not sent {} cycles after its cause (bound response={bound})", e.rsp, now - e.at);
            out.push(Violation { rule: e.rule, cycle: now, message });
        }
    }
}

/// A response sent at `t` for a cause at `at`: the violation of `rule` if it came after the
/// response bound.
pub fn late_response(t: u64, at: u64, bound: u64, rsp: &PrgResponse, rule: RuleId) -> Option<Violation> {
    (t > at + bound).then(|| Violation {
        rule,
        cycle: t,
        message: format!("response {rsp:?} sent {} cycles after its cause (bound response={bound})", t - at),
    })
}

/// Recently settled messages and commands that must send no response, to blame a response
/// nothing asked for: (RID, PRGI, the rule that forbids the response).
#[derive(Clone, Debug, Default)]
pub struct Silenced {
    recent: VecDeque<(u16, u16, RuleId)>,
}

impl Silenced {
    /// How many are kept.
    const KEPT: usize = 16;

    pub fn remember(&mut self, rid: u16, prgi: u16, rule: RuleId) {
        if self.recent.len() == Self::KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back((rid, prgi, rule));
    }

    /// The rule that forbids a response to (`rid`, `prgi`), if one was settled recently.
    pub fn why(&self, rid: u16, prgi: u16) -> Option<RuleId> {
        self.recent.iter().rev().find(|&&(r, p, _)| (r, p) == (rid, prgi)).map(|&(.., rule)| rule)
    }
}

/// An expected interrupt line: triggers that must be followed by a pulse within the bound, and
/// pulses that must each follow a trigger (several triggers may share one pulse).
#[derive(Clone, Debug, Default, PartialEq)]
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

    /// A trigger waits for its pulse and the enable was certainly on for it.
    pub fn required(&self) -> bool {
        matches!(self.pending, Some((_, true)))
    }

    /// The cycle of a required trigger still without its pulse `bound` cycles later.
    pub fn overdue(&self, now: u64, bound: u64) -> Option<u64> {
        match self.pending {
            Some((c, true)) if now > c + bound => Some(c),
            _ => None,
        }
    }

    /// A required trigger without its pulse `bound` cycles later breaks `rule` (reported once).
    pub fn check_overdue(&mut self, now: u64, bound: u64, rule: RuleId, out: &mut Vec<Violation>) {
        if let Some(c) = self.overdue(now, bound) {
            self.clear();
            let message = format!("no interrupt within {bound} cycles of the trigger at cycle {c} (bound irq)");
            out.push(Violation { rule, cycle: now, message });
        }
    }

    /// Forget an overdue trigger once it was reported.
    pub fn clear(&mut self) {
        self.pending = None;
        self.merged = 0;
    }
}

/// Feeding a judge a synthetic stream, for the judges' unit tests.
#[cfg(test)]
pub mod stream {
    use crate::checkers::{Checker, Violation};
    use crate::txn::{Stamped, Txn};

    /// `txn` observed at `cycle`.
    pub fn feed(j: &mut dyn Checker, out: &mut Vec<Violation>, cycle: u64, txn: Txn) {
        j.observe(&Stamped { cycle, txn }, out);
    }

    /// The rules of `out`, in order.
    pub fn rules(out: &[Violation]) -> Vec<&'static str> {
        out.iter().map(|v| v.rule.0).collect()
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
        h.forget_before(21);
        assert_eq!(h.since(0).collect::<Vec<_>>(), vec![2]);
        let mut h = History::new(0u32);
        h.set(10, 1);
        h.set(20, 2);
        h.set_back(15, 3);
        assert_eq!(h.since(0).collect::<Vec<_>>(), vec![0, 1, 3], "the value set at 20 is replaced");
        assert_eq!(h.at(17), 3);
    }

    #[test]
    fn pulses_follow_triggers() {
        let mut p = PulseExpectation::default();
        assert!(!p.pulse(), "no pulse without a trigger");
        p.trigger(5, false);
        assert_eq!(p.overdue(100, 10), None, "an allowed pulse is not required");
        assert!(!p.required());
        p.trigger(6, true);
        assert!(p.required());
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
