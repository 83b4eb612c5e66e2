//! The strict lockstep scoreboard, written once for every flavor (ARCHITECTURE principle 1a):
//! after every edge every output of the DUT must equal the timed model's prediction, and the
//! first difference stops the test with the cycle, the signal, both values and the rule it breaks.
//!
//! Shared here: the compare over the flavor's signal table, the ring of recently decided
//! messages, and the blame of a response the model did not send (by the message it answers).
//! A flavor gives a [`Blame`]: its table (every field of its output record), the rules of those
//! unexpected responses, and which rule any other difference breaks, read off its model.
//!
//! Cost: per cycle, `note` is a few stores and `compare` one equality of two output records; the
//! table walk and all formatting happen only once the records differ.

pub use crate::lockstep::Mismatch;
use models::pcie::{MsgClass, PageRequest};
use models::rules::RuleId;
use std::fmt::Debug;

/// One output signal: its name in reports and how to read it from the output record.
pub struct Signal<O> {
    pub name: &'static str,
    pub get: fn(&O) -> u64,
}

/// Signals read straight from the fields of the same name: `signals!(PriqOutputs; pr_ready, rsp_rid)`.
macro_rules! signals {
    ($o:ty; $($field:ident),* $(,)?) => {
        [$($crate::scoreboard::Signal::<$o> { name: stringify!($field), get: |o| u64::from(o.$field) }),*]
    };
}
pub(crate) use signals;

/// The pseudo-signal of a mismatch that no row of the table shows (a gap in the table): the
/// whole output record.
pub const OUTPUTS: &str = "outputs";

/// How many decided messages the scoreboard remembers.
const RECENT: usize = 8;

/// The messages the model decided last, with their admission rows: what a response nobody
/// expected may answer.
pub struct Recent<R> {
    ring: [Option<(R, PageRequest)>; RECENT],
    /// Slot the next decision goes to (the oldest one).
    next: usize,
}

impl<R: Copy> Default for Recent<R> {
    fn default() -> Self {
        Recent { ring: [None; RECENT], next: 0 }
    }
}

/// Which rule a response the model did not send breaks, by the recently decided message it
/// answers (same RID and PRG index).
pub struct Unexpected<R> {
    /// It answers a Stop Marker.
    pub stop_marker: RuleId,
    /// It answers an L=0 request decided in this row.
    pub request: fn(R) -> RuleId,
    /// The row that writes a message to the queue, and the rule of an automatic response to an
    /// L=1 request decided in it.
    pub queued: (R, RuleId),
    /// It answers nothing decided recently.
    pub unknown: RuleId,
}

impl<R: Copy + PartialEq + Debug> Recent<R> {
    fn push(&mut self, d: (R, PageRequest)) {
        self.ring[self.next] = Some(d);
        self.next = (self.next + 1) % RECENT;
    }

    /// The newest decided message with this RID and PRG index.
    pub fn answered_by(&self, rid: u16, prgi: u16) -> Option<(R, PageRequest)> {
        (1..=RECENT).filter_map(|k| self.ring[(self.next + RECENT - k) % RECENT]).find(|(_, m)| m.rid == rid && m.prgi == prgi)
    }

    /// Blame a response to (`rid`, `prgi`) the model did not send on the rule that says the
    /// message it answers gets none.
    pub fn blame_response(&self, rid: u16, prgi: u16, rules: &Unexpected<R>) -> (RuleId, String) {
        match self.answered_by(rid, prgi) {
            Some((row, m)) if m.class() == MsgClass::StopMarker => {
                (rules.stop_marker, format!("response to a Stop Marker decided in row {row:?}: {m:?}"))
            }
            Some((row, m)) if m.class() == MsgClass::Request => {
                ((rules.request)(row), format!("response to an L=0 request decided in row {row:?}: {m:?}"))
            }
            Some((row, m)) if row == rules.queued.0 => (rules.queued.1, format!("automatic response to a queued request {m:?}")),
            _ => (rules.unknown, "response the model did not send, to no message decided recently".into()),
        }
    }
}

/// What a flavor gives the scoreboard.
pub trait Blame: Default {
    type Outputs: Copy + PartialEq + Debug + 'static;
    /// The timed model (its events and state are the blame's context).
    type Model;
    type Row: Copy + PartialEq + Debug;
    /// Every field of the output record, in compare order, in groups (strict: payloads count
    /// while their valid is 0).
    const SIGNALS: &'static [&'static [Signal<Self::Outputs>]];
    /// The rules of a response the model did not send.
    const UNEXPECTED: Unexpected<Self::Row>;
    /// Follow the model through one edge; returns the message decided at it, if any.
    fn note(&mut self, model: &Self::Model) -> Option<(Self::Row, PageRequest)>;
    /// The rule the difference in `signal` breaks, with context read off the model. `signal`
    /// is [`OUTPUTS`] when no row of the table differs.
    fn blame(
        &self,
        signal: &str,
        exp: &Self::Outputs,
        act: &Self::Outputs,
        model: &Self::Model,
        recent: &Recent<Self::Row>,
    ) -> (RuleId, String);
}

/// The scoreboard of one flavor: its blame context and the recent decisions.
pub struct Scoreboard<B: Blame> {
    blame: B,
    recent: Recent<B::Row>,
}

impl<B: Blame> Default for Scoreboard<B> {
    fn default() -> Self {
        Scoreboard { blame: B::default(), recent: Recent::default() }
    }
}

impl<B: Blame> Scoreboard<B> {
    /// Follow the model through one edge (call after its step).
    pub fn note(&mut self, model: &B::Model) {
        if let Some(d) = self.blame.note(model) {
            self.recent.push(d);
        }
    }

    /// Compare all outputs; on the first difference, name it and its rule.
    #[inline]
    pub fn compare(&self, cycle: u64, exp: &B::Outputs, act: &B::Outputs, model: &B::Model) -> Option<Mismatch> {
        if exp == act {
            return None;
        }
        Some(self.mismatch(cycle, exp, act, model))
    }

    /// Out of line, so that the per-cycle compare stays a record equality.
    #[cold]
    #[inline(never)]
    fn mismatch(&self, cycle: u64, exp: &B::Outputs, act: &B::Outputs, model: &B::Model) -> Mismatch {
        let differs = B::SIGNALS.iter().flat_map(|g| g.iter()).find(|s| (s.get)(exp) != (s.get)(act));
        let Some(s) = differs else {
            // The records differ in a field no row reads: still a mismatch, never a pass.
            let (rule, _) = self.blame.blame(OUTPUTS, exp, act, model, &self.recent);
            let context = format!("outputs differ in a field no signal of the table reads: expected {exp:?}, DUT {act:?}");
            return Mismatch { cycle, signal: OUTPUTS, expected: 0, actual: 0, rule, context };
        };
        let (rule, context) = self.blame.blame(s.name, exp, act, model, &self.recent);
        Mismatch { cycle, signal: s.name, expected: (s.get)(exp), actual: (s.get)(act), rule, context }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record with a field its table forgets (`b`).
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    struct Out {
        a: u8,
        b: u8,
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Row {
        Drop,
        Write,
    }

    #[derive(Default)]
    struct Toy;

    impl Blame for Toy {
        type Outputs = Out;
        /// The decision of the edge.
        type Model = Option<(Row, PageRequest)>;
        type Row = Row;
        const SIGNALS: &'static [&'static [Signal<Out>]] = &[&signals!(Out; a)];
        const UNEXPECTED: Unexpected<Row> =
            Unexpected { stop_marker: RuleId("SM"), request: |_| RuleId("L0"), queued: (Row::Write, RuleId("Q")), unknown: RuleId("U") };
        fn note(&mut self, decided: &Self::Model) -> Option<(Row, PageRequest)> {
            *decided
        }
        fn blame(&self, signal: &str, _: &Out, _: &Out, _: &Self::Model, _: &Recent<Row>) -> (RuleId, String) {
            (RuleId(if signal == OUTPUTS { "GAP" } else { "A" }), String::new())
        }
    }

    #[test]
    fn a_difference_no_signal_shows_is_still_a_mismatch() {
        let sb = Scoreboard::<Toy>::default();
        let exp = Out::default();
        assert!(sb.compare(1, &exp, &exp, &None).is_none());
        let m = sb.compare(2, &exp, &Out { a: 1, b: 0 }, &None).expect("a differs");
        assert_eq!((m.signal, m.expected, m.actual, m.rule.0), ("a", 0, 1, "A"));
        let m = sb.compare(3, &exp, &Out { a: 0, b: 1 }, &None).expect("b differs: not a pass");
        assert_eq!((m.signal, m.rule.0), (OUTPUTS, "GAP"));
        assert!(m.context.contains("b: 1"), "{m}");
    }

    #[test]
    fn unexpected_response_blames_the_newest_message_it_answers() {
        let mut sb = Scoreboard::<Toy>::default();
        let req = |l: bool, pv: bool, r: bool| PageRequest { rid: 7, prgi: 3, l, pv, r, ..Default::default() };
        let blame = |sb: &Scoreboard<Toy>| sb.recent.blame_response(7, 3, &Toy::UNEXPECTED).0 .0;
        assert_eq!(blame(&sb), "U");
        sb.note(&Some((Row::Drop, req(false, false, true))));
        assert_eq!(blame(&sb), "L0");
        sb.note(&Some((Row::Write, req(true, false, true))));
        assert_eq!(blame(&sb), "Q");
        sb.note(&Some((Row::Drop, req(true, true, false))));
        assert_eq!(blame(&sb), "SM");
        // Older decisions fall out of the ring.
        for _ in 0..RECENT {
            sb.note(&Some((Row::Drop, PageRequest { rid: 1, ..Default::default() })));
        }
        assert_eq!(blame(&sb), "U");
    }
}
