//! SMMUv3 event queue semantics without timing (smmuv3.md §6, §7; SMMU-EVTQ-3..8, SMMU-CMD-7, -8;
//! OP-1..OP-3). Pure functions and one small state machine (the stall table): whether the queue is
//! writable, what happens to a record decided now, which stalls are outstanding and how commands
//! and SMMUEN resolve them. The timed model and the timing-free
//! checkers both call these, so the rules live in one place.

use crate::ring::{Ring, FLAG_BIT};
use std::fmt;

/// State a record decision reads (smmuv3.md §6 "Event queue delivery"). OVFLG is `prod` bit 31 and
/// OVACKFLG is `cons` bit 31.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvtqState {
    /// CR0ACK.EVENTQEN.
    pub eventqen: bool,
    /// GERROR.EVENTQ_ABT_ERR != GERRORN.EVENTQ_ABT_ERR (SMMU-EVTQ-11).
    pub abt_active: bool,
    pub prod: u32,
    pub cons: u32,
    pub ring: Ring,
}

/// Why the queue is not writable, first match wins (the order of SMMU-EVTQ-4's conditions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unwritable {
    /// CR0ACK.EVENTQEN=0 (SMMU-EVTQ-10).
    Disabled,
    /// EVENTQ_ABT_ERR active (SMMU-EVTQ-11).
    AbortError,
    /// No free slot (SMMU-EVTQ-4).
    Full,
}

impl EvtqState {
    /// The reason the queue is not writable, or `None` when it is (SMMU-EVTQ-3).
    pub fn unwritable(&self) -> Option<Unwritable> {
        if !self.eventqen {
            Some(Unwritable::Disabled)
        } else if self.abt_active {
            Some(Unwritable::AbortError)
        } else if self.ring.full(self.prod, self.cons) {
            Some(Unwritable::Full)
        } else {
            None
        }
    }

    /// Writable: CR0ACK.EVENTQEN=1, not full, EVENTQ_ABT_ERR inactive (§6, SMMU-EVTQ-3).
    pub fn writable(&self) -> bool {
        self.unwritable().is_none()
    }

    /// An overflow is active while PROD.OVFLG != CONS.OVACKFLG. It never inhibits (SMMU-EVTQ-5).
    pub fn overflow_active(&self) -> bool {
        (self.prod ^ self.cons) & FLAG_BIT != 0
    }
}

/// What happens to a record decided in a given state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Written at PROD.WR (SMMU-EVTQ-3, SMMU-EVTQ-5: whatever the overflow flags say).
    Write,
    /// A non-stall record discarded (SMMU-EVTQ-3); `toggle` says OVFLG toggles (SMMU-EVTQ-4).
    Discard { why: Unwritable, toggle: bool },
    /// A stall record kept until the queue is writable (SMMU-EVTQ-6, OP-1, OP-2 defaults).
    Hold { why: Unwritable },
}

/// The decision of one record (SMMU-EVTQ-3..6). A stall record is never discarded and never
/// toggles OVFLG; a non-stall record that finds the queue full toggles OVFLG iff no overflow is
/// active just before (SMMU-EVTQ-4); other discards leave OVFLG alone.
pub fn decide(s: &EvtqState, stall: bool) -> Decision {
    match s.unwritable() {
        None => Decision::Write,
        Some(why) if stall => Decision::Hold { why },
        Some(why) => Decision::Discard { why, toggle: why == Unwritable::Full && !s.overflow_active() },
    }
}

/// PROD after an SMMU-EVTQ-4 toggle: bit 31 flipped, index and wrap kept.
pub fn toggle_ovflg(prod: u32) -> u32 {
    prod ^ FLAG_BIT
}

/// How a stalled transaction ends (the stall-resolution output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StallAction {
    /// CMD_RESUME with Ac=1.
    Retry,
    /// CMD_RESUME Ac=0 Ab=1 (or Ab=0 with TERM_MODEL=1), CMD_STALL_TERM, SMMUEN 1->0.
    Abort,
    /// CMD_RESUME Ac=0 Ab=0 with TERM_MODEL=0: reads as zero, writes ignored.
    RazWi,
}

impl StallAction {
    /// The 2-bit `sr_action` code of the stall-resolution output (0 retry, 1 abort, 2 RAZ/WI).
    pub fn code(self) -> u8 {
        match self {
            StallAction::Retry => 0,
            StallAction::Abort => 1,
            StallAction::RazWi => 2,
        }
    }

    /// The inverse of [`StallAction::code`]; `None` for the unused code 3.
    pub fn from_code(c: u8) -> Option<StallAction> {
        match c {
            0 => Some(StallAction::Retry),
            1 => Some(StallAction::Abort),
            2 => Some(StallAction::RazWi),
            _ => None,
        }
    }
}

/// CMD_RESUME's action (SMMU-CMD-7): Ac=1 retries (Ab ignored); Ac=0 Ab=1 aborts; Ac=0 Ab=0 is
/// RAZ/WI, or an abort when IDR0.TERM_MODEL=1.
pub fn resume_action(ac: bool, ab: bool, term_model: bool) -> StallAction {
    match (ac, ab) {
        (true, _) => StallAction::Retry,
        (false, true) => StallAction::Abort,
        (false, false) if term_model => StallAction::Abort,
        (false, false) => StallAction::RazWi,
    }
}

/// One resolved stall: the StreamID, the STAG and how the transaction ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resolution {
    pub sid: u32,
    pub stag: u16,
    pub action: StallAction,
}

/// A stall acceptance that breaks SMMU-EVTQ-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StallError {
    /// The STAG is already outstanding (for any StreamID).
    StagInUse { stag: u16, held_by: u32 },
    /// IDR5.STALL_MAX stalls are already outstanding.
    AtLimit { stall_max: u32 },
}

impl fmt::Display for StallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StallError::StagInUse { stag, held_by } => {
                write!(f, "STAG 0x{stag:x} is already outstanding for StreamID 0x{held_by:x}")
            }
            StallError::AtLimit { stall_max } => write!(f, "{stall_max} stalls (IDR5.STALL_MAX) are already outstanding"),
        }
    }
}

/// The outstanding stalls (SMMU-EVTQ-8): each STAG is outstanding from the acceptance of its stall
/// record until a matching CMD_RESUME (SMMU-CMD-7), a CMD_STALL_TERM of its StreamID (SMMU-CMD-8)
/// or CR0ACK.SMMUEN going to 0. At most IDR5.STALL_MAX at once; small, so a vector in acceptance
/// order (capacity reserved up front: no allocation per record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StallTable {
    stall_max: u32,
    /// (StreamID, STAG) in acceptance order.
    out: Vec<(u32, u16)>,
}

impl StallTable {
    pub fn new(stall_max: u32) -> StallTable {
        StallTable { stall_max, out: Vec::with_capacity(stall_max.min(1 << 16) as usize) }
    }

    pub fn stall_max(&self) -> u32 {
        self.stall_max
    }

    pub fn len(&self) -> usize {
        self.out.len()
    }

    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// STALL_MAX stalls are outstanding: a new stall record must wait (OP-3 default: back-pressure).
    pub fn at_limit(&self) -> bool {
        self.out.len() as u64 >= u64::from(self.stall_max)
    }

    /// The StreamID holding `stag`, if it is outstanding.
    pub fn holder(&self, stag: u16) -> Option<u32> {
        self.out.iter().find(|&&(_, t)| t == stag).map(|&(s, _)| s)
    }

    /// Number of outstanding stalls of `sid`.
    pub fn count_of(&self, sid: u32) -> usize {
        self.out.iter().filter(|&&(s, _)| s == sid).count()
    }

    /// The lowest STAG not outstanding (one way a block may assign STAGs, OP-3).
    pub fn lowest_free_stag(&self) -> Option<u16> {
        (0..=u16::MAX).find(|&t| self.holder(t).is_none())
    }

    /// Accepts a stall record (SMMU-EVTQ-8). On error the table is unchanged.
    pub fn accept(&mut self, sid: u32, stag: u16) -> Result<(), StallError> {
        if let Some(held_by) = self.holder(stag) {
            return Err(StallError::StagInUse { stag, held_by });
        }
        if self.at_limit() {
            return Err(StallError::AtLimit { stall_max: self.stall_max });
        }
        self.out.push((sid, stag));
        Ok(())
    }

    /// CMD_RESUME (SMMU-CMD-7): resolves the stall matching both StreamID and STAG; no match is a
    /// no-op (`None`).
    pub fn resume(&mut self, sid: u32, stag: u16, ac: bool, ab: bool, term_model: bool) -> Option<Resolution> {
        let i = self.out.iter().position(|&e| e == (sid, stag))?;
        self.out.remove(i);
        Some(Resolution { sid, stag, action: resume_action(ac, ab, term_model) })
    }

    /// CMD_STALL_TERM (SMMU-CMD-8): every outstanding stall of `sid` aborted, in acceptance order;
    /// none outstanding is a no-op.
    pub fn stall_term(&mut self, sid: u32, mut each: impl FnMut(Resolution)) {
        self.out.retain(|&(s, stag)| {
            if s == sid {
                each(Resolution { sid, stag, action: StallAction::Abort });
            }
            s != sid
        });
    }

    /// CR0ACK.SMMUEN 1->0 (SMMU-EVTQ-8): every outstanding stall aborted, in acceptance order.
    pub fn abort_all(&mut self, mut each: impl FnMut(Resolution)) {
        for (sid, stag) in self.out.drain(..) {
            each(Resolution { sid, stag, action: StallAction::Abort });
        }
    }

    /// Outstanding (StreamID, STAG) pairs in acceptance order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u16)> + '_ {
        self.out.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn st(prod: u32, cons: u32) -> EvtqState {
        EvtqState { eventqen: true, abt_active: false, prod, cons, ring: Ring::new(1, 8) }
    }

    #[test]
    fn writable_needs_enable_room_and_no_abort() {
        assert!(st(0, 0).writable());
        assert!(st(1, 0).writable());
        assert_eq!(st(2, 0).unwritable(), Some(Unwritable::Full));
        assert_eq!(EvtqState { abt_active: true, ..st(2, 0) }.unwritable(), Some(Unwritable::AbortError));
        assert_eq!(EvtqState { eventqen: false, abt_active: true, ..st(2, 0) }.unwritable(), Some(Unwritable::Disabled));
    }

    #[test]
    fn decisions_evtq_3_to_6() {
        // SMMU-EVTQ-5: an active overflow does not inhibit.
        assert_eq!(decide(&st(FLAG_BIT | 1, 0), false), Decision::Write);
        assert_eq!(decide(&st(FLAG_BIT | 1, 0), true), Decision::Write);
        // SMMU-EVTQ-4: toggle only when full and no overflow active.
        assert_eq!(decide(&st(2, 0), false), Decision::Discard { why: Unwritable::Full, toggle: true });
        assert_eq!(decide(&st(FLAG_BIT | 2, 0), false), Decision::Discard { why: Unwritable::Full, toggle: false });
        assert_eq!(decide(&st(FLAG_BIT | 2, FLAG_BIT), false), Decision::Discard { why: Unwritable::Full, toggle: true });
        // Other discards never toggle.
        let off = EvtqState { eventqen: false, ..st(2, 0) };
        assert_eq!(decide(&off, false), Decision::Discard { why: Unwritable::Disabled, toggle: false });
        let abt = EvtqState { abt_active: true, ..st(2, 0) };
        assert_eq!(decide(&abt, false), Decision::Discard { why: Unwritable::AbortError, toggle: false });
        // SMMU-EVTQ-6: stalls are held, never discarded.
        assert_eq!(decide(&st(2, 0), true), Decision::Hold { why: Unwritable::Full });
        assert_eq!(decide(&off, true), Decision::Hold { why: Unwritable::Disabled });
        assert_eq!(toggle_ovflg(0x3), FLAG_BIT | 0x3);
    }

    #[test]
    fn resume_actions_cmd_7() {
        assert_eq!(resume_action(true, true, false), StallAction::Retry);
        assert_eq!(resume_action(true, false, true), StallAction::Retry);
        assert_eq!(resume_action(false, true, false), StallAction::Abort);
        assert_eq!(resume_action(false, false, false), StallAction::RazWi);
        assert_eq!(resume_action(false, false, true), StallAction::Abort);
        for a in [StallAction::Retry, StallAction::Abort, StallAction::RazWi] {
            assert_eq!(StallAction::from_code(a.code()), Some(a));
        }
        assert_eq!(StallAction::from_code(3), None);
    }

    #[test]
    fn stall_table_evtq_8_cmd_7_8() {
        let mut t = StallTable::new(3);
        t.accept(0x10, 0).unwrap();
        t.accept(0x11, 1).unwrap();
        assert_eq!(t.accept(0x12, 1), Err(StallError::StagInUse { stag: 1, held_by: 0x11 }));
        t.accept(0x10, 2).unwrap();
        assert!(t.at_limit());
        assert_eq!(t.accept(0x12, 3), Err(StallError::AtLimit { stall_max: 3 }));
        assert_eq!(t.len(), 3);
        // SMMU-CMD-7: StreamID and STAG must both match.
        assert_eq!(t.resume(0x11, 0, true, false, false), None);
        assert_eq!(t.resume(0x11, 1, false, false, false), Some(Resolution { sid: 0x11, stag: 1, action: StallAction::RazWi }));
        assert_eq!(t.resume(0x11, 1, true, false, false), None);
        assert_eq!(t.lowest_free_stag(), Some(1));
        // SMMU-CMD-8: every stall of the StreamID, in acceptance order.
        let mut got = vec![];
        t.stall_term(0x10, |r| got.push(r));
        assert_eq!(got.iter().map(|r| (r.stag, r.action)).collect::<Vec<_>>(), vec![(0, StallAction::Abort), (2, StallAction::Abort)]);
        assert!(t.is_empty());
        t.stall_term(0x10, |_| panic!("no-op with none outstanding"));
        // SMMUEN 1->0 aborts everything.
        t.accept(5, 9).unwrap();
        t.accept(6, 8).unwrap();
        assert_eq!(t.count_of(5), 1);
        let mut n = 0;
        t.abort_all(|r| {
            assert_eq!(r.action, StallAction::Abort);
            n += 1
        });
        assert_eq!((n, t.len()), (2, 0));
    }

    /// One operation on a stall table.
    #[derive(Clone, Debug)]
    enum Op {
        Accept(u32, u16),
        Resume(u32, u16, bool, bool),
        Term(u32),
        Disable,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u32..3, 0u16..6).prop_map(|(s, t)| Op::Accept(s, t)),
            3 => (0u32..3, 0u16..6, any::<bool>(), any::<bool>()).prop_map(|(s, t, ac, ab)| Op::Resume(s, t, ac, ab)),
            1 => (0u32..3).prop_map(Op::Term),
            1 => Just(Op::Disable),
        ]
    }

    proptest! {
        /// A stall record is never discarded and never toggles; a non-stall record is written iff
        /// the queue is writable; a toggle only on a full, enabled, error-free queue with no
        /// overflow active (SMMU-EVTQ-3..6).
        #[test]
        fn decide_is_consistent(en in any::<bool>(), abt in any::<bool>(), n in 0u32..5, prod in any::<u32>(), cons in any::<u32>(), stall in any::<bool>()) {
            let s = EvtqState { eventqen: en, abt_active: abt, prod, cons, ring: Ring::new(n, 19) };
            let d = decide(&s, stall);
            prop_assert_eq!(d == Decision::Write, s.writable());
            let discarded = matches!(d, Decision::Discard { .. });
            prop_assert!(!(stall && discarded), "a stall record was discarded");
            if let Decision::Discard { toggle: true, .. } = d {
                prop_assert!(en && !abt && s.ring.full(prod, cons) && !s.overflow_active());
            }
            if !stall && en && !abt && s.ring.full(prod, cons) && !s.overflow_active() {
                prop_assert_eq!(d, Decision::Discard { why: Unwritable::Full, toggle: true });
            }
        }

        /// Under any sequence of operations: no two outstanding stalls share a STAG, at most
        /// STALL_MAX are outstanding, each accepted stall is resolved at most once, and accepted =
        /// resolved + outstanding (SMMU-EVTQ-8, SMMU-CMD-7, SMMU-CMD-8).
        #[test]
        fn stall_table_invariants(max in 1u32..5, ops in prop::collection::vec(op(), 0..60)) {
            let mut t = StallTable::new(max);
            let (mut accepted, mut resolved) = (0usize, 0usize);
            for o in ops {
                match o {
                    Op::Accept(s, g) => if t.accept(s, g).is_ok() { accepted += 1 },
                    Op::Resume(s, g, ac, ab) => {
                        let before = t.holder(g) == Some(s);
                        let r = t.resume(s, g, ac, ab, false);
                        prop_assert_eq!(r.is_some(), before);
                        if let Some(r) = r {
                            prop_assert_eq!(r.action, resume_action(ac, ab, false));
                            resolved += 1;
                        }
                    }
                    Op::Term(s) => {
                        let before = t.count_of(s);
                        let mut n = 0;
                        t.stall_term(s, |r| { assert_eq!((r.sid, r.action), (s, StallAction::Abort)); n += 1; });
                        prop_assert_eq!(n, before);
                        prop_assert_eq!(t.count_of(s), 0);
                        resolved += n;
                    }
                    Op::Disable => { let mut n = 0; t.abort_all(|_| n += 1); resolved += n; }
                }
                prop_assert!(t.len() as u32 <= max);
                let mut stags: Vec<u16> = t.iter().map(|(_, g)| g).collect();
                stags.sort_unstable();
                stags.dedup();
                prop_assert_eq!(stags.len(), t.len());
                prop_assert_eq!(accepted, resolved + t.len());
            }
        }
    }
}
