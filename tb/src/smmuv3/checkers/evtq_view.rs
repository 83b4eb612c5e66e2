//! What the event-queue checkers know without timing: the queue's state as far as register
//! traffic and acknowledgements reveal it (EVENTQEN and SMMUEN against their CR0ACK copies,
//! EVENTQ_ABT_ERR, geometry, PROD as good acks advance it, CONS, OVFLG) and the fate of every
//! accepted record. Records are decided one at a time in input order (rtl/README.md, OP-1: a held
//! stall record is written first), so a record write that is input record k says every earlier
//! undecided record was discarded; a completed CMD_SYNC says the same of every record accepted
//! before it (SMMU-CMD-9).
//!
//! For each undecided record the view keeps what held at *every* moment since its acceptance
//! (`sure_*`) and at *some* moment (`maybe_*`): its decision happened at one of those moments, so
//! a rule is broken only if its condition held at all of them. Each checker owns one view and
//! judges the fates it reports. No allocation per transaction beyond amortised queue growth.

use super::programmed::{AckBit, Queue, QueueRegs, QueueTxn};
use super::reg;
use crate::txn::Txn;
use models::ring::{Ring, FLAG_BIT};
use models::smmuv3::cmd::{Command, OP_SYNC};
use models::smmuv3::event::{EventInput, EventRecord};
use models::smmuv3::evtq_arch::{Resolution, StallAction};
use models::smmuv3::regs as r;
use std::collections::VecDeque;

/// The event queue: 32-byte records on the `emw_*` port.
pub const EVTQ: Queue = Queue {
    label: "EVTQ",
    base_reg: r::EVENTQ_BASE,
    prod_reg: r::EVENTQ_PROD,
    enable: r::CR0_EVENTQEN as u64,
    entry_bytes: 32,
    geometry_rule: models::rules::SMMU_EVTQ_1,
    advance_rule: models::rules::SMMU_EVTQ_1,
    address_rules: &[models::rules::SMMU_EVTQ_1],
    prod_rules: &[models::rules::SMMU_EVTQ_1],
    address_checker: "smmuv3-evtq-address",
    prod_checker: "smmuv3-evtq-prod",
    classify: |t| match ev_of(t)? {
        Ev::Written { addr, .. } => Some(QueueTxn::Write { addr, bytes: 32 }),
        Ev::Ack { err } => Some(QueueTxn::Ack { err }),
        _ => None,
    },
};

/// The event queue's own transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ev {
    /// A record accepted at the event input.
    Accepted(EventInput),
    /// A record write accepted by memory.
    Written { addr: u64, data: [u64; 4] },
    /// The acknowledgement of the oldest unacknowledged record write.
    Ack { err: bool },
    /// A stall resolution taken at the stall-resolution output.
    Resolved(Resolution),
    /// A stall resolution with the unused action code 3.
    BadAction { sid: u32, stag: u16, code: u8 },
    /// An `irq_evtq` pulse.
    Irq,
}

/// The event queue's part of a transaction, if it is one.
pub(crate) fn ev_of(t: &Txn) -> Option<Ev> {
    match *t {
        Txn::EventAccepted { rec } => Some(Ev::Accepted(rec)),
        Txn::EventWrite { addr, data } => Some(Ev::Written { addr, data }),
        Txn::EventAck { err } => Some(Ev::Ack { err }),
        // An action code 3 is no action: kept as an abort-less retry would hide it, so it is
        // reported by the stall checker through `Ev::BadAction`.
        Txn::StallResolution { sid, stag, action } => match StallAction::from_code(action) {
            Some(action) => Some(Ev::Resolved(Resolution { sid, stag, action })),
            None => Some(Ev::BadAction { sid, stag, code: action }),
        },
        Txn::Irq { line: crate::txn::IrqLine::Evtq } => Some(Ev::Irq),
        _ => None,
    }
}

/// Whether a transaction can tell the event-queue checkers anything: register traffic,
/// commands, CMD_SYNC completions and the event queue's own ports. The PRI queue's traffic
/// (requests, entries, acks, responses) and the PCIe and host events cannot, so the checkers
/// skip them (most transactions of a PRIQ workload).
pub(crate) fn concerns_evtq(t: &Txn) -> bool {
    matches!(t, Txn::RegWrite { .. } | Txn::RegRead { .. } | Txn::Command { .. } | Txn::SyncDone) || ev_of(t).is_some()
}

/// The record an input becomes (SMMU-EVTQ-2), with the STAG the block gave it.
pub(crate) fn expected_words(input: &EventInput, stag: u16) -> [u64; 4] {
    EventRecord::encode_input(input, stag)
}

/// One accepted record not yet known to be finished.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rec {
    pub seq: u64,
    pub cycle: u64,
    pub input: EventInput,
    pub state: RecState,
    /// Writable at every moment so far (SMMU-EVTQ-3).
    pub sure_writable: bool,
    /// A discard now would toggle OVFLG, at every moment so far / at some moment (SMMU-EVTQ-4).
    pub sure_toggle: bool,
    pub maybe_toggle: bool,
    /// An overflow may have been active at some moment (SMMU-EVTQ-5).
    pub maybe_overflow: bool,
    /// CR0ACK.SMMUEN may have been 0 at some moment (row S, SMMU-EVTQ-8).
    pub maybe_smmuen_off: bool,
    /// The queue may have been unwritable at some moment (a held stall record).
    pub maybe_unwritable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecState {
    /// Not decided as far as the checker knows.
    Pending,
    /// Its write was issued at this cycle; the ack has not come.
    Writing { at: u64 },
}

/// What a transaction revealed about records: the checker judges each.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fate {
    /// Decided as discarded (a later record was written, a CMD_SYNC completed, the test ended).
    Discarded(Rec),
    /// Its write was issued (`Written` transaction), with the STAG of the written record.
    Written { rec: Rec, stag: u16 },
    /// A record write that is no undecided input record: `dup` is the cycle a record with these
    /// words was last written, if it is among the recent ones; `discarded` the recently discarded
    /// record it equals, if any (written after it was known discarded).
    Unmatched { words: [u64; 4], dup: Option<u64>, discarded: Option<Rec> },
    /// A CMD_SYNC completed (`sync_done`); `boundary`: records accepted up to its handshake.
    /// `writing`: such a record whose write was not acknowledged; `held`: such a stall record
    /// not written while SMMUEN was surely 1 (so held, not discarded). Reported before the
    /// records below the boundary are settled as discarded.
    SyncDone { boundary: u64, writing: Option<Rec>, held: Option<Rec> },
}

/// How many recent written records are kept to recognise a duplicate (SMMU-EVTQ-7).
const RECENT: usize = 32;

pub(crate) struct EvtqView {
    pub regs: QueueRegs,
    pub smmuen: AckBit,
    pub irqen: AckBit,
    /// EVENTQ_CONS as last written.
    pub cons: u32,
    gerror_abt: bool,
    gerrorn_abt: bool,
    /// OVFLG as known once every decided record is accounted for; `None` when unknown.
    ovflg: Option<bool>,
    pub recs: VecDeque<Rec>,
    next_seq: u64,
    /// (words, cycle) of the last RECENT written records.
    recent: VecDeque<([u64; 4], u64)>,
    /// Records accepted so far.
    pub accepted: u64,
    /// The last RECENT records known discarded, to name a record written after that.
    discarded: VecDeque<Rec>,
    /// Pending CMD_SYNCs: (handshake cycle, boundary once its cycle is over).
    syncs: VecDeque<(u64, Option<u64>)>,
    /// Records below this number were finished at a completed CMD_SYNC.
    pub synced: u64,
}

impl EvtqView {
    /// `eventqs`: IDR1.EVENTQS of the build.
    pub fn new(eventqs: u32) -> Self {
        EvtqView {
            regs: QueueRegs::new(EVTQ, eventqs, 48),
            smmuen: AckBit::new(reg::CR0_SMMUEN),
            irqen: AckBit::new(r::IRQ_CTRL_EVENTQ_IRQEN as u64),
            cons: 0,
            gerror_abt: false,
            gerrorn_abt: false,
            ovflg: Some(false),
            recs: VecDeque::with_capacity(16),
            next_seq: 0,
            recent: VecDeque::with_capacity(RECENT),
            accepted: 0,
            discarded: VecDeque::with_capacity(RECENT),
            syncs: VecDeque::with_capacity(4),
            synced: 0,
        }
    }

    pub fn ring(&self) -> Ring {
        Ring::new(self.regs.main.n, 19)
    }

    /// PROD [n:0] as good acks advanced it.
    pub fn prod(&self) -> u32 {
        self.regs.main.prod
    }

    pub fn full(&self) -> bool {
        self.ring().full(self.prod(), self.cons)
    }

    /// EVENTQ_ABT_ERR active (GERROR[2] != GERRORN[2]).
    pub fn abt_active(&self) -> bool {
        self.gerror_abt != self.gerrorn_abt
    }

    /// CR0ACK.EVENTQEN is surely 1 / may be 1 / surely 0.
    pub fn eventqen_sure(&self) -> bool {
        self.regs.enable.settled() == Some(true)
    }
    pub fn eventqen_maybe(&self) -> bool {
        self.regs.enable.settled() != Some(false)
    }
    pub fn eventqen_surely_off(&self) -> bool {
        self.regs.enable.settled() == Some(false) && !self.regs.enable.written()
    }

    pub fn ovackflg(&self) -> bool {
        self.cons & FLAG_BIT != 0
    }

    /// The known OVFLG, if no undecided record may have toggled it.
    pub fn ovflg(&self) -> Option<bool> {
        self.ovflg
    }

    /// Follows one transaction; reports what it revealed to `fate`.
    pub fn observe(&mut self, cycle: u64, t: &Txn, mut fate: impl FnMut(Fate)) {
        // A CMD_SYNC's boundary: every record accepted in its handshake cycle or before.
        for s in self.syncs.iter_mut().filter(|s| s.1.is_none() && s.0 < cycle) {
            s.1 = Some(self.accepted);
        }
        match *t {
            // Only a CMD_SYNC matters here: the opcode byte says so before the full decode.
            Txn::Command { words, .. } if words[0] as u8 == OP_SYNC => {
                if let Command::Sync { cs, .. } = Command::decode(words[0], words[1]) {
                    if cs != 0b11 {
                        self.syncs.push_back((cycle, None));
                    }
                }
            }
            Txn::SyncDone => {
                if let Some((_, b)) = self.syncs.pop_front() {
                    let boundary = b.unwrap_or(self.accepted);
                    let below = |r: &&Rec| r.seq < boundary;
                    let writing = self.recs.iter().filter(below).find(|r| matches!(r.state, RecState::Writing { .. })).copied();
                    let held = self
                        .recs
                        .iter()
                        .filter(below)
                        .find(|r| r.state == RecState::Pending && r.input.is_stall() && !r.maybe_smmuen_off)
                        .copied();
                    fate(Fate::SyncDone { boundary, writing, held });
                    // Records after a held stall record wait behind it: not decided yet.
                    let upto = held.map_or(boundary, |h| h.seq);
                    self.settle(upto, &mut fate);
                    self.synced = self.synced.max(boundary);
                }
            }
            Txn::RegWrite { addr: reg::CR0, data } => self.smmuen.on_cr0_write(data),
            Txn::RegRead { addr: reg::CR0ACK, data } => self.smmuen.on_cr0ack_read(data),
            Txn::RegWrite { addr: r::IRQ_CTRL, data } => self.irqen.on_cr0_write(data),
            Txn::RegRead { addr: r::IRQ_CTRLACK, data } => self.irqen.on_cr0ack_read(data),
            Txn::RegWrite { addr: r::EVENTQ_CONS, data } => self.cons = data as u32,
            Txn::RegWrite { addr: reg::GERRORN, data } => self.gerrorn_abt = data & u64::from(r::GERROR_EVENTQ_ABT_ERR) != 0,
            Txn::RegWrite { addr: r::EVENTQ_PROD, data } => {
                // Taken only while the queue is disabled (gating as EVENTQ_BASE).
                let gated_open = !self.regs.enable.written() && self.regs.enable.settled() == Some(false);
                self.ovflg = if gated_open { Some(data as u32 & FLAG_BIT != 0) } else { None };
            }
            Txn::RegRead { addr: r::EVENTQ_PROD, data } => {
                self.ovflg = if self.recs.iter().any(|r| r.state == RecState::Pending && r.maybe_toggle) {
                    None
                } else {
                    Some(data as u32 & FLAG_BIT != 0)
                };
            }
            _ => {}
        }
        match ev_of(t) {
            Some(Ev::Accepted(input)) => {
                let rec = Rec {
                    seq: self.next_seq,
                    cycle,
                    input: input.masked(),
                    state: RecState::Pending,
                    sure_writable: true,
                    sure_toggle: true,
                    maybe_toggle: false,
                    maybe_overflow: false,
                    maybe_smmuen_off: false,
                    maybe_unwritable: false,
                };
                self.next_seq += 1;
                self.accepted += 1;
                self.recs.push_back(rec);
            }
            Some(Ev::Written { data, .. }) => self.on_write(cycle, data, &mut fate),
            Some(Ev::Ack { err }) => {
                // The oldest record being written is finished.
                if let Some(i) = self.recs.iter().position(|r| matches!(r.state, RecState::Writing { .. })) {
                    self.recs.remove(i);
                }
                if err && !self.abt_active() {
                    self.gerror_abt = !self.gerror_abt; // SMMU-EVTQ-11: activated if inactive
                }
            }
            _ => {}
        }
        self.regs.observe(t);
        self.refresh();
    }

    /// Every undecided record accepted so far was decided: a CMD_SYNC completed (`upto` records
    /// accepted before it) or the test ended (`upto` = all). Reports them as discarded.
    pub fn settle(&mut self, upto: u64, mut fate: impl FnMut(Fate)) {
        let mut k = 0;
        while k < self.recs.len() && self.recs[k].seq < upto {
            if self.recs[k].state == RecState::Pending {
                let r = self.recs.remove(k).expect("index in range");
                self.discard(r, &mut fate);
            } else {
                k += 1;
            }
        }
    }

    /// The test ended quiescent: every undecided record before the first undecided stall record
    /// was discarded (a stall record may still be held legitimately, and the rest wait behind it).
    pub fn finish(&mut self, fate: impl FnMut(Fate)) {
        let upto = self.recs.iter().find(|r| r.state == RecState::Pending && r.input.is_stall()).map_or(u64::MAX, |r| r.seq);
        self.settle(upto, fate);
    }

    fn discard(&mut self, r: Rec, fate: &mut impl FnMut(Fate)) {
        self.account_discard(&r);
        if self.discarded.len() == RECENT {
            self.discarded.pop_front();
        }
        self.discarded.push_back(r);
        fate(Fate::Discarded(r));
    }

    /// A record write: the first undecided record it equals (with the STAG it carries) is the
    /// record; the pending records before it were discarded.
    fn on_write(&mut self, cycle: u64, data: [u64; 4], fate: &mut impl FnMut(Fate)) {
        let stag = EventRecord::decode(data).stag;
        let hit = self.recs.iter().position(|r| r.state == RecState::Pending && expected_words(&r.input, stag) == data);
        let Some(i) = hit else {
            let dup = self.recent.iter().rev().find(|(w, _)| *w == data).map(|&(_, c)| c);
            let discarded = self.discarded.iter().rev().find(|r| expected_words(&r.input, stag) == data).copied();
            fate(Fate::Unmatched { words: data, dup, discarded });
            return;
        };
        // Records before it that are still pending were discarded, in order.
        let (mut k, mut at) = (0, i);
        while k < at {
            if self.recs[k].state == RecState::Pending {
                let r = self.recs.remove(k).expect("index in range");
                self.discard(r, fate);
                at -= 1;
            } else {
                k += 1;
            }
        }
        self.recs[at].state = RecState::Writing { at: cycle };
        fate(Fate::Written { rec: self.recs[at], stag });
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back((data, cycle));
    }

    /// OVFLG after a known discard of the oldest undecided record (SMMU-EVTQ-4).
    fn account_discard(&mut self, r: &Rec) {
        if r.input.is_stall() {
            return;
        }
        if r.sure_toggle {
            self.ovflg = self.ovflg.map(|v| !v);
        } else if r.maybe_toggle {
            self.ovflg = None;
        }
    }

    /// Updates every undecided record's window flags with the state now. Walks in input order:
    /// OVFLG at a record's decision depends on the records decided before it.
    fn refresh(&mut self) {
        if self.recs.is_empty() {
            return; // nothing undecided (the common case under PRIQ-only traffic)
        }
        let en_sure = self.eventqen_sure();
        let en_maybe = self.eventqen_maybe();
        let abt = self.abt_active();
        let full = self.full();
        let ovack = self.ovackflg();
        let smmuen_off = self.smmuen.settled() != Some(true);
        let writable = en_sure && !abt && !full;
        let mut ov = self.ovflg;
        for r in self.recs.iter_mut().filter(|r| r.state == RecState::Pending) {
            let sure_toggle = en_sure && !abt && full && ov == Some(ovack);
            let maybe_toggle = en_maybe && !abt && full && ov.is_none_or(|v| v == ovack);
            r.sure_writable &= writable;
            r.maybe_unwritable |= !writable;
            r.maybe_smmuen_off |= smmuen_off;
            r.maybe_overflow |= ov != Some(ovack);
            if !r.input.is_stall() {
                r.sure_toggle &= sure_toggle;
                r.maybe_toggle |= maybe_toggle;
                if r.maybe_toggle {
                    ov = None;
                }
            }
        }
    }
}

/// A stall action's name in messages.
pub(crate) fn action_name(a: StallAction) -> &'static str {
    match a {
        StallAction::Retry => "retry",
        StallAction::Abort => "abort",
        StallAction::RazWi => "RAZ/WI",
    }
}
