//! The ordered judge of the SMMUv3 PRIQ (`--compare ordered`, `crate::ordered`): from the DUT's
//! transactions alone it keeps the PRIQ's architectural state (`models::smmuv3::arch`) and
//! predicts each accepted message's fate (entry with this content at this index, automatic
//! response with this code and PASID, discard, OVFLG toggle), the software responses of
//! CMD_PRI_RESP, PROD/CONS/CR0ACK/IRQ_CTRLACK/GERROR/PRIQ_BASE read values, the PRIQ and GERROR
//! interrupt pulses and CMD_SYNC completion, in content and order, within latency bounds.
//!
//! A message's row is judged against every state between its acceptance and the DUT's visible
//! verdict (the admission window, OP-9 and OP-15 leave the decision point free); the judge
//! settles the row when an observation needs it: an entry write, a response, a PROD read, or
//! the entry bound passing without a write. The event queue is left to its timing-free checkers.

use super::coverage::{classified, Smmuv3Coverage};
use crate::checkers::{Checker, Violation};
use crate::compare::LatencyBounds;
use crate::coverage::Sampler;
use crate::ordered::{
    overdue_response, response_sent, DutCoverage, ExpectedResponse, History, PulseExpectation, Rows, Sent, Silenced, JUDGE_NAME,
};
use crate::txn::{IrqLine, Stamped, Txn};
use models::pcie::{MsgClass, PageRequest, PrgResponse};
use models::ring::{Ring, FLAG_BIT};
use models::rules::RuleId;
use models::smmuv3::arch::{self, AdmissionState, CmdEffect, Row};
use models::smmuv3::cmd::Command;
use models::smmuv3::entry::PriqEntry;
use models::smmuv3::regs;
use std::collections::VecDeque;

/// Queue entry size in bytes.
const ENTRY_BYTES: u64 = 16;
/// The GERROR bits the PRIQ judge predicts.
const GERROR_JUDGED: u32 = regs::GERROR_CMDQ_ERR | regs::GERROR_PRIQ_ABT_ERR;

/// An accepted message still waiting for its row.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Accepted {
    msg: PageRequest,
    at: u64,
    /// The discard rows it may have taken under the queue as it was before a PRIQ_PROD or
    /// PRIQ_BASE write since its acceptance (its response may still be on its way).
    before: Rows<Row>,
}

/// An entry write the judge expects: the message decided in row d, at its index.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ExpectedWrite {
    msg: PageRequest,
    at: u64,
    addr: u64,
    words: [u64; 2],
    /// The automatic response the message gets in another row its window allowed, with that
    /// row's rule: if a later message's entry comes instead, this response was lost.
    owed: Option<(PrgResponse, RuleId)>,
}

/// What the PRIQ rows of an admission window say (`rows` lists the latest state's first).
impl Rows<Row> {
    /// The row other than d the message most likely took.
    fn discard(&self) -> Option<Row> {
        self.seen.iter().flatten().copied().find(|&r| r != Row::D_Write)
    }
    /// The same rows, the latest state's first: a message settled late was most likely
    /// decided late (it waited behind the messages before it).
    fn latest_first(mut self) -> Rows<Row> {
        let n = self.seen.iter().filter(|s| s.is_some()).count();
        self.seen[..n].reverse();
        self
    }
    /// The row other than d in which `m` gets no response: row a if allowed, as it leaves no
    /// trace (rows b and c toggle or keep OVFLG); the others stay as forks, which are capped.
    fn silent_discard(&self, m: &PageRequest) -> Option<Row> {
        let silent = |r: Row| r != Row::D_Write && arch::auto_response(r, m).is_none();
        Some(Row::A_Disabled).filter(|&r| self.has(r) && silent(r)).or_else(|| self.iter().find(|&r| silent(r)))
    }
    fn only_write(&self) -> bool {
        self.has(Row::D_Write) && self.discard().is_none()
    }
}

/// The rule a message's fate in `row` applies (rtl/README.md rows a-d).
fn row_rule(row: Row) -> RuleId {
    match row {
        Row::A_Disabled => RuleId("SMMU-PRIQ-5"),
        Row::B_OverflowActive => RuleId("SMMU-PRIQ-6"),
        Row::C_Full => RuleId("SMMU-PRIQ-7"),
        Row::D_Write => RuleId("SMMU-PRIQ-3"),
    }
}

/// One account of what the DUT did: the architectural state after the rows it chose for the
/// messages settled so far.
#[derive(Clone)]
struct Hypothesis {
    bounds: LatencyBounds,
    /// IDR1.PRIQS of the build.
    priqs: u32,
    /// Software responses a completed CMD_SYNC may leave unsent: committed to the egress is not
    /// yet sent (the contract parameter EGRESS_SLOTS, rtl/README.md "Response egress").
    egress_slots: u64,
    /// CR0 as written (CR0ACK follows within `bounds.ack`; admission follows CR0ACK).
    cr0: History<u32>,
    irq_ctrl: History<u32>,
    /// The last cycles a CR0ACK (IRQ_CTRLACK) read showed CR0 (IRQ_CTRL) as written: older
    /// values cannot be acknowledged after them.
    cr0_acked: u64,
    irq_acked: u64,
    cons: History<u32>,
    /// PRIQ_ABT_ERR active.
    abt: History<bool>,
    /// PRIQ_PROD as software reads it: the acknowledged pointer and OVFLG.
    prod: History<u32>,
    gerror: History<u32>,
    gerrorn: u32,
    base: u64,
    lo: bool,
    /// The pointer of the next entry decided for writing (PROD.WR plus writes in flight).
    wp: u32,
    acked: u32,
    ovflg: u32,
    pending: VecDeque<Accepted>,
    writes: VecDeque<ExpectedWrite>,
    unacked: VecDeque<ExpectedWrite>,
    autos: VecDeque<ExpectedResponse>,
    sw: VecDeque<ExpectedResponse>,
    /// Software responses expected so far and sent (or dropped as optional) so far.
    sw_expected: u64,
    sw_done: u64,
    /// Outstanding CMD_SYNCs: the software responses expected before each.
    syncs: VecDeque<u64>,
    priq_irq: PulseExpectation,
    gerror_irq: PulseExpectation,
    /// The last PRIQ pulse that came before the judge settled the message triggering it: it
    /// serves the triggers of messages accepted before it.
    early_pulse: Option<u64>,
    /// Recently settled messages and commands that must send nothing.
    silent: Silenced,
    /// Coverage of the classified bins, from the DUT's transactions.
    cov: Sampler,
    /// An entry write aborted since the last PROD read (a wrong PROD then breaks SMMU-PRIQ-16).
    aborted: bool,
    /// The cycle of the last entry-write acknowledgement (the write engine was busy before it).
    last_ack: u64,
    /// The last good entry-write acknowledgement, for a PRIQ_CONS write at its edge.
    ack_edge: Option<AckEdge>,
    /// Copies that settled the message at a choice point in another row, to be resumed.
    forks: Vec<Hypothesis>,
    /// Where this transaction's processing stood (a copy resumes there).
    phase: Phase,
    /// Broke a rule in this transaction before it was copied.
    doomed: bool,
}

/// A good entry-write acknowledgement: a PRIQ_CONS write at the same edge takes effect before
/// it (OP-15, rtl/README.md "Same-cycle ordering"), so whether the queue was empty, and so the
/// PRIQ interrupt trigger, is judged again with the new CONS.
#[derive(Clone, Debug, PartialEq)]
struct AckEdge {
    at: u64,
    /// PROD.WR before the acknowledgement.
    acked: u32,
    /// Whether the entry triggers the PRIQ interrupt if the queue was (was not) empty.
    if_empty: bool,
    if_not_empty: bool,
    /// The PRIQ interrupt expectation before and after the acknowledgement's trigger.
    irq_before: PulseExpectation,
    irq_after: PulseExpectation,
}

/// The step of a transaction's processing a hypothesis is in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Deadlines,
    Transaction,
    Finish,
}

impl Hypothesis {
    fn new(priqs: u32, bounds: LatencyBounds) -> Hypothesis {
        Hypothesis {
            bounds,
            priqs,
            egress_slots: 1,
            cr0: History::new(0),
            irq_ctrl: History::new(0),
            cr0_acked: 0,
            irq_acked: 0,
            cons: History::new(0),
            abt: History::new(false),
            prod: History::new(0),
            gerror: History::new(0),
            gerrorn: 0,
            base: 0,
            lo: false,
            wp: 0,
            acked: 0,
            ovflg: 0,
            pending: VecDeque::new(),
            writes: VecDeque::new(),
            unacked: VecDeque::new(),
            autos: VecDeque::new(),
            sw: VecDeque::new(),
            sw_expected: 0,
            sw_done: 0,
            syncs: VecDeque::new(),
            priq_irq: PulseExpectation::default(),
            gerror_irq: PulseExpectation::default(),
            early_pulse: None,
            silent: Silenced::default(),
            cov: Sampler::new(Smmuv3Coverage::definition()),
            aborted: false,
            last_ack: 0,
            ack_edge: None,
            forks: Vec::new(),
            phase: Phase::Transaction,
            doomed: false,
        }
    }

    /// Also follow the account where the oldest pending message took `row` instead of what this
    /// one chooses: a copy, resumed by the driver at this phase (doomed if this one already
    /// broke a rule in the transaction).
    fn fork(&mut self, t: u64, row: Row, out: &[Violation]) {
        if self.phase == Phase::Finish || self.forks.len() >= MAX_HYPOTHESES {
            return;
        }
        let forks = std::mem::take(&mut self.forks);
        let mut alt = self.clone();
        self.forks = forks;
        alt.doomed = !out.is_empty();
        alt.decide(t, row);
        self.forks.push(alt);
    }

    /// Fork for every row of `rows` except `chosen` (and those `skip` rules out).
    fn fork_others(&mut self, t: u64, rows: Rows<Row>, chosen: Option<Row>, skip: impl Fn(Row) -> bool, out: &[Violation]) {
        for r in rows.seen.into_iter().flatten() {
            if Some(r) != chosen && !skip(r) {
                self.fork(t, r, out);
            }
        }
    }

    /// The same architectural state and expectations (coverage and blame notes aside): one of
    /// the two is redundant.
    fn same_state(&self, o: &Hypothesis) -> bool {
        self.cr0 == o.cr0
            && self.irq_ctrl == o.irq_ctrl
            && (self.cr0_acked, self.irq_acked) == (o.cr0_acked, o.irq_acked)
            && self.cons == o.cons
            && self.abt == o.abt
            && self.prod == o.prod
            && self.gerror == o.gerror
            && (self.gerrorn, self.base, self.lo) == (o.gerrorn, o.base, o.lo)
            && (self.wp, self.acked, self.ovflg) == (o.wp, o.acked, o.ovflg)
            && self.pending == o.pending
            && self.writes == o.writes
            && self.unacked == o.unacked
            && self.autos == o.autos
            && self.sw == o.sw
            && (self.sw_expected, self.sw_done) == (o.sw_expected, o.sw_done)
            && self.syncs == o.syncs
            && self.priq_irq == o.priq_irq
            && self.gerror_irq == o.gerror_irq
            && self.early_pulse == o.early_pulse
            && self.aborted == o.aborted
            && self.last_ack == o.last_ack
            && self.ack_edge == o.ack_edge
    }

    fn ring(&self) -> Ring {
        Ring::new(regs::base_log2size(self.base), self.priqs)
    }

    /// From which cycle the CR0 (IRQ_CTRL) values may still be what the acknowledgement showed
    /// at `t`: a write within the ack bound may be on its way, unless a read at or before `t`
    /// (`acked`) already showed the current value.
    fn ack_window(&self, t: u64, acked: u64) -> u64 {
        let from = t.saturating_sub(self.bounds.ack);
        if acked <= t {
            from.max(acked)
        } else {
            from
        }
    }

    /// Every enable value CR0ACK may have shown at some cycle of `from..=now`.
    fn cr0ack_values(&self, from: u64) -> impl Iterator<Item = u32> + '_ {
        self.cr0.since(self.ack_window(from, self.cr0_acked))
    }

    /// Is `bit` of IRQ_CTRLACK (certainly, possibly) set around `t`?
    fn irq_enabled(&self, t: u64, bit: u32) -> (bool, bool) {
        let mut all = true;
        let mut any = false;
        for v in self.irq_ctrl.since(self.ack_window(t, self.irq_acked)) {
            all &= v & bit != 0;
            any |= v & bit != 0;
        }
        (all, any)
    }

    /// The rows `a` may take: every admission state from its acceptance until now, with the
    /// judge's own PROD (entries decided so far) and OVFLG.
    fn rows(&self, a: &Accepted) -> Rows<Row> {
        let mut rows = a.before;
        self.add_rows_now(a, &mut rows);
        rows.latest_first()
    }

    /// The rows of `a` under the queue as it is now (PRIQ_BASE, the judge's PROD), unordered.
    fn add_rows_now(&self, a: &Accepted, rows: &mut Rows<Row>) {
        let ring = self.ring();
        for cr0 in self.cr0ack_values(a.at) {
            for cons in self.cons.since(a.at) {
                for abt in self.abt.since(a.at) {
                    rows.add(arch::decide_row(&AdmissionState {
                        smmuen: cr0 & regs::CR0_SMMUEN != 0,
                        priqen: cr0 & regs::CR0_PRIQEN != 0,
                        priq_abt_active: abt,
                        prod: self.wp | self.ovflg,
                        cons,
                        ring,
                    }));
                }
            }
        }
    }

    /// A PRIQ_PROD or PRIQ_BASE write is about to take effect: each pending message keeps the
    /// discard rows the queue as it was allowed (the write engine is idle: no row d).
    fn keep_rows_before_reprogram(&mut self) {
        for i in 0..self.pending.len() {
            let mut rows = Rows::default();
            self.add_rows_now(&self.pending[i], &mut rows);
            for r in rows.iter().filter(|&r| r != Row::D_Write) {
                self.pending[i].before.add(r);
            }
        }
    }

    /// Settle the oldest pending message in `row` at cycle `t`.
    fn decide(&mut self, t: u64, row: Row) {
        let a = self.pending.pop_front().expect("a pending message");
        classified::decided(&mut self.cov, row, &a.msg);
        if row == Row::D_Write {
            let ring = self.ring();
            let addr = ring.entry_addr(regs::base_addr(self.base), self.wp, ENTRY_BYTES);
            let rows = self.rows(&a);
            let owed = rows.seen.into_iter().flatten().find_map(|r| arch::auto_response(r, &a.msg).map(|rsp| (rsp, row_rule(r))));
            self.writes.push_back(ExpectedWrite { msg: a.msg, at: a.at, addr, words: PriqEntry::encode_request(&a.msg), owed });
            self.wp = ring.incr(self.wp);
            return;
        }
        let mut now = Rows::default();
        self.add_rows_now(&a, &mut now);
        // A full queue overwritten by PRIQ_PROD since: its OVFLG toggle is gone with it.
        if row == Row::C_Full && now.has(row) {
            classified::ovflg_toggled(&mut self.cov);
            self.ovflg ^= FLAG_BIT;
            self.prod.set(t, self.acked | self.ovflg);
        }
        match arch::auto_response(row, &a.msg) {
            Some(rsp) => {
                classified::auto_origin(&mut self.cov, Some(row));
                self.autos.push_back(ExpectedResponse { rsp, at: a.at, rule: row_rule(row), optional: false })
            }
            None if a.msg.class() == MsgClass::StopMarker => self.silent.remember(a.msg.rid, a.msg.prgi, RuleId("SMMU-PRIQ-11")),
            None => self.silent.remember(a.msg.rid, a.msg.prgi, row_rule(row)),
        }
        if arch::discard_irq_trigger(row, self.lo, &a.msg) && self.early_pulse.is_none_or(|p| p < a.at) {
            // Decided somewhere in its window: the enable counts from its acceptance.
            self.irq_trigger_since(a.at, t);
        }
    }

    fn irq_trigger(&mut self, t: u64) {
        self.irq_trigger_since(t, t);
    }

    /// A PRIQ interrupt trigger at `t` made at some cycle of `from..=t`.
    fn irq_trigger_since(&mut self, from: u64, t: u64) {
        let (certain, possible) = self.irq_enabled(from, regs::IRQ_CTRL_PRIQ_IRQEN);
        if possible {
            self.priq_irq.trigger(t, certain);
        }
    }

    /// Activate a GERROR bit if inactive (SMMU-CMD-2, SMMU-PRIQ-16), a GERROR interrupt trigger.
    fn gerror_activate(&mut self, t: u64, bit: u32) {
        let g = self.gerror.now();
        if (g ^ self.gerrorn) & bit == 0 {
            self.gerror.set(t, g ^ bit);
            if bit == regs::GERROR_PRIQ_ABT_ERR {
                self.abt.set(t, true);
            }
            let (certain, possible) = self.irq_enabled(t, regs::IRQ_CTRL_GERROR_IRQEN);
            if possible {
                self.gerror_irq.trigger(t, certain);
            }
        }
    }

    fn on_entry_write(&mut self, t: u64, addr: u64, data: [u64; 2], out: &mut Vec<Violation>) {
        // Settle pending messages in order until one is decided for this write.
        while self.writes.is_empty() {
            let Some(&head) = self.pending.front() else {
                let msg =
                    format!("PRIQ entry write [{:#x}, {:#x}] at {addr:#x}: no accepted message is waiting for an entry", data[0], data[1]);
                out.push(Violation { rule: RuleId("SMMU-PRIQ-3"), cycle: t, message: msg });
                return;
            };
            let rows = self.rows(&head);
            let matches = PriqEntry::encode_request(&head.msg) == data;
            let silent = rows.silent_discard(&head.msg);
            // Identical messages (Stop Markers of one PASID): the write is the later one's when
            // this one, and every message between them, may have been discarded without a trace.
            let twin = matches && self.silent_twin(data);
            let chosen = match rows.discard() {
                _ if twin && silent.is_some() => silent,
                _ if matches && rows.has(Row::D_Write) => Some(Row::D_Write),
                Some(_) if matches => None,
                Some(_) if silent.is_some() => silent,
                Some(row) => Some(row),
                None => Some(Row::D_Write),
            };
            self.fork_others(t, rows, chosen, |_| false, out);
            match (chosen, rows.discard()) {
                (Some(row), _) => self.decide(t, row),
                (None, row) => {
                    let row = row.expect("a discard row");
                    let msg = format!(
                        "PRIQ entry written for {:?} (accepted at cycle {}), which finds the queue in row {row:?} (PROD {:#x}, CONS {:#x})",
                        head.msg,
                        head.at,
                        self.wp | self.ovflg,
                        self.cons.now()
                    );
                    out.push(Violation { rule: row_rule(row), cycle: t, message: msg });
                    self.pending.pop_front();
                    return;
                }
            }
        }
        let w = self.writes.pop_front().expect("decided above");
        let later = |m: &PageRequest| PriqEntry::encode_request(m) == data;
        let skipped = self.writes.iter().any(|x| later(&x.msg)) || self.pending.iter().any(|a| later(&a.msg));
        if let Some((rsp, rule)) = w.owed.filter(|_| w.words != data && skipped) {
            // Not written (a later message's entry came first), so discarded: its response
            // never came, or not in order.
            let msg = format!(
                "{:?} accepted at cycle {} was not written (the entry at {addr:#x} is a later message's) and its response {rsp:?} was not sent in order",
                w.msg, w.at
            );
            out.push(Violation { rule, cycle: t, message: msg });
        } else if w.words != data {
            let msg = format!(
                "PRIQ entry [{:#x}, {:#x}] written, expected [{:#x}, {:#x}] for {:?} accepted at cycle {} (content and order of entries)",
                data[0], data[1], w.words[0], w.words[1], w.msg, w.at
            );
            out.push(Violation { rule: RuleId("SMMU-PRIQ-4"), cycle: t, message: msg });
        } else if w.addr != addr {
            let msg =
                format!("PRIQ entry for {:?} written at {addr:#x}, expected {:#x} (PRIQ_BASE {:#x}, PROD.WR)", w.msg, w.addr, self.base);
            out.push(Violation { rule: RuleId("SMMU-PRIQ-1"), cycle: t, message: msg });
        } else if t > w.at + self.bounds.entry {
            let msg =
                format!("PRIQ entry for {:?} written {} cycles after its acceptance (bound entry={})", w.msg, t - w.at, self.bounds.entry);
            out.push(Violation { rule: RuleId("SMMU-PRIQ-3"), cycle: t, message: msg });
        }
        self.unacked.push_back(w);
    }

    /// Is a later pending message identical to the head (entry `data`), with every message
    /// between them one that may have been discarded silently?
    fn silent_twin(&self, data: [u64; 2]) -> bool {
        for a in self.pending.iter().skip(1) {
            if PriqEntry::encode_request(&a.msg) == data {
                return true;
            }
            if self.rows(a).discard().is_none_or(|r| arch::auto_response(r, &a.msg).is_some()) {
                return false;
            }
        }
        false
    }

    fn on_entry_ack(&mut self, t: u64, err: bool) {
        let Some(w) = self.unacked.pop_front() else { return };
        self.last_ack = t;
        let ring = self.ring();
        if err {
            // SMMU-PRIQ-16: not covered by PROD, PRIQ_ABT_ERR, answered as in row a.
            self.wp = ring.decr(self.wp);
            for later in self.writes.iter_mut() {
                later.addr -= ENTRY_BYTES.min(later.addr);
            }
            classified::write_aborted(&mut self.cov);
            self.aborted = true;
            self.gerror_activate(t, regs::GERROR_PRIQ_ABT_ERR);
            if let Some(rsp) = arch::write_abort_response(&w.msg) {
                classified::auto_origin(&mut self.cov, None);
                self.autos.push_back(ExpectedResponse { rsp, at: t, rule: RuleId("SMMU-PRIQ-16"), optional: false });
            }
            return;
        }
        let acked = self.acked;
        let irq_before = self.priq_irq.clone();
        self.acked = ring.incr(self.acked);
        self.prod.set(t, self.acked | self.ovflg);
        let if_empty = arch::write_irq_trigger(self.lo, true, &w.msg);
        let if_not_empty = arch::write_irq_trigger(self.lo, false, &w.msg);
        let mut edge = AckEdge { at: t, acked, if_empty, if_not_empty, irq_before, irq_after: PulseExpectation::default() };
        self.ack_trigger(&mut edge);
        self.ack_edge = Some(edge);
    }

    /// The PRIQ interrupt trigger of the acknowledgement `edge` with CONS as it is now.
    fn ack_trigger(&mut self, edge: &mut AckEdge) {
        let was_empty = self.ring().empty(edge.acked, self.cons.now());
        if if was_empty { edge.if_empty } else { edge.if_not_empty } {
            self.irq_trigger(edge.at);
        }
        edge.irq_after = self.priq_irq.clone();
    }

    /// A PRIQ_CONS write at the edge of the last acknowledgement took effect before it: judge
    /// its trigger again (added, or withdrawn), unless a pulse has come since.
    fn cons_at_ack_edge(&mut self, t: u64) {
        let Some(mut edge) = self.ack_edge.take() else { return };
        if edge.at == t && self.priq_irq == edge.irq_after {
            self.priq_irq = edge.irq_before.clone();
            self.ack_trigger(&mut edge);
        }
        self.ack_edge = Some(edge);
    }

    fn on_response(&mut self, t: u64, rsp: PrgResponse, out: &mut Vec<Violation>) {
        let rsp = rsp.at_interface();
        // Optional software responses the egress passed over were not owed.
        while self.sw.front().is_some_and(|s| s.optional && s.rsp != rsp) {
            self.sw.pop_front();
            self.sw_done += 1;
        }
        loop {
            match response_sent(
                t,
                &rsp,
                &mut self.sw,
                &mut self.autos,
                (RuleId("SMMU-CMD-6"), "it answers a later CMD_PRI_RESP: command order"),
                self.bounds.response,
                out,
            ) {
                Some(Sent::Software) => {
                    self.sw_done += 1;
                    return;
                }
                Some(Sent::Automatic) => return,
                None => {}
            }
            let Some(&head) = self.pending.front() else {
                let why = self.silent.why(rsp.rid, rsp.prgi);
                let msg = match why {
                    Some(r) => format!("response {rsp:?} sent for a message or command that must get none ({r})"),
                    None => format!("response {rsp:?} sent: no accepted message or CMD_PRI_RESP asks for it"),
                };
                out.push(Violation { rule: why.unwrap_or(RuleId("SMMU-PRIQ-10")), cycle: t, message: msg });
                return;
            };
            let rows = self.rows(&head);
            let answers = |row: Row| arch::auto_response(row, &head.msg) == Some(rsp);
            let answered = rows.seen.iter().flatten().copied().find(|&r| answers(r));
            let silent = rows.silent_discard(&head.msg);
            let chosen = match (answered, silent) {
                (Some(row), _) => row,
                // A later message was answered, so the state that discards it was reached:
                // a message that could be discarded silently was.
                (None, Some(row)) => row,
                // Written (its entry still to come): its own answer would have come first.
                (None, None) if rows.has(Row::D_Write) => Row::D_Write,
                // Owed an answer that is not this one: judged at the top of the loop.
                (None, None) => rows.discard().expect("a row"),
            };
            self.fork_others(t, rows, Some(chosen), |_| false, out);
            self.decide(t, chosen);
        }
    }

    fn on_command(&mut self, t: u64, words: [u64; 4]) {
        let c = Command::decode(words[0], words[1]);
        let mut on = false;
        let mut off = false;
        for v in self.cr0ack_values(t) {
            on |= v & regs::CR0_SMMUEN != 0;
            off |= v & regs::CR0_SMMUEN == 0;
        }
        let effect = arch::command_effect(&c, on);
        classified::command(&mut self.cov, c.opcode(), effect);
        match effect {
            CmdEffect::Respond(rsp) => {
                let rsp = rsp.at_interface();
                self.sw.push_back(ExpectedResponse { rsp, at: t, rule: RuleId("SMMU-CMD-3"), optional: off });
                self.sw_expected += 1;
            }
            CmdEffect::Illegal => {
                if let Command::PriResp { stream_id, prg_index, .. } = c {
                    self.silent.remember(stream_id as u16, prg_index, RuleId("SMMU-CMD-4"));
                }
                self.gerror_activate(t, regs::GERROR_CMDQ_ERR)
            }
            CmdEffect::Ignored => {
                if let Command::PriResp { stream_id, prg_index, .. } = c {
                    self.silent.remember(stream_id as u16, prg_index, RuleId("SMMU-CMD-5"));
                }
            }
            CmdEffect::Sync => self.syncs.push_back(self.sw_expected),
            _ => {}
        }
    }

    fn on_reg_write(&mut self, t: u64, addr: u32, data: u64) {
        let d32 = data as u32;
        // PRIQ_BASE and PRIQ_PROD take writes only while the queue is off (SMMU-PRIQ-14).
        let priq_off = self.cr0ack_values(t).all(|v| v & regs::CR0_PRIQEN == 0);
        match addr {
            regs::CR0 => self.cr0.set(t, d32 & regs::CR0_MASK),
            regs::IRQ_CTRL => self.irq_ctrl.set(t, d32 & regs::IRQ_CTRL_MASK),
            regs::GERRORN => {
                self.gerrorn = d32 & regs::GERRORN_MASK;
                self.abt.set(t, regs::gerror_active(self.gerror.now(), self.gerrorn, regs::GERROR_PRIQ_ABT_ERR));
            }
            regs::PRIQ_CONS => {
                self.cons.set(t, d32 & regs::PTR_STORED_MASK);
                self.cons_at_ack_edge(t);
            }
            regs::PRIQ_BASE if priq_off => {
                self.keep_rows_before_reprogram();
                self.base = data & regs::BASE_STORED_MASK;
            }
            regs::PRIQ_PROD if priq_off => {
                self.keep_rows_before_reprogram();
                self.acked = d32 & regs::PTR_WR_MASK;
                self.wp = self.acked;
                self.ovflg = d32 & FLAG_BIT;
                self.prod.set(t, self.acked | self.ovflg);
            }
            regs::PRIQ_IRQ_CFG2 if self.irq_enabled(t, regs::IRQ_CTRL_PRIQ_IRQEN) == (false, false) => {
                self.lo = d32 & regs::IRQ_CFG2_LO != 0;
            }
            _ => {}
        }
    }

    fn on_reg_read(&mut self, t: u64, addr: u32, data: u64, out: &mut Vec<Violation>) {
        let from = t.saturating_sub(self.bounds.reg);
        let d32 = data as u32;
        let (rule, ok, what): (&str, bool, &str) = match addr {
            regs::PRIQ_PROD => {
                let v = d32 & regs::PTR_STORED_MASK;
                // A toggle the DUT made for a message the judge has not settled yet.
                if !self.prod.held_since(from, v) && v == (self.prod.now() ^ FLAG_BIT) {
                    if let Some(&head) = self.pending.front() {
                        if self.rows(&head).has(Row::C_Full) {
                            self.decide(t, Row::C_Full);
                        }
                    }
                }
                let ok = self.prod.held_since(from, v);
                let rule = match std::mem::take(&mut self.aborted) {
                    _ if self.prod.since(from).any(|p| (p ^ v) & !FLAG_BIT == 0) => "SMMU-PRIQ-7",
                    true => "SMMU-PRIQ-16",
                    false => "SMMU-PRIQ-3",
                };
                (rule, ok, "PRIQ_PROD")
            }
            regs::PRIQ_CONS => ("SMMU-PRIQ-9", self.cons.held_since(from, d32 & regs::PTR_STORED_MASK), "PRIQ_CONS"),
            regs::CR0ACK => {
                // CR0ACK.PRIQEN (and in the contract SMMUEN) falls only once no entry write is
                // outstanding (SMMU-PRIQ-15, rtl/README.md CR0ACK): at the read data's value,
                // which may be older than the last acknowledgement. The write engine is busy from
                // the decision, before its write shows: a pending message may be in row d.
                let decided_write = self.pending.front().is_some_and(|a| self.rows(a).has(Row::D_Write));
                let in_flight = !(self.writes.is_empty() && self.unacked.is_empty()) || self.last_ack >= from || decided_write;
                let mask = if in_flight { regs::CR0_MASK & !(regs::CR0_PRIQEN | regs::CR0_SMMUEN) } else { regs::CR0_MASK };
                let ok = self.cr0ack_values(from).any(|v| (v ^ d32) & mask == 0);
                if d32 & regs::CR0_MASK == self.cr0.now() {
                    self.cr0_acked = t;
                }
                ("SMMU-PRIQ-15", ok, "CR0ACK")
            }
            regs::IRQ_CTRLACK => {
                let ok = self.irq_ctrl.since(self.ack_window(from, self.irq_acked)).any(|v| v == d32 & regs::IRQ_CTRL_MASK);
                if d32 & regs::IRQ_CTRL_MASK == self.irq_ctrl.now() {
                    self.irq_acked = t;
                }
                ("SMMU-PRIQ-13", ok, "IRQ_CTRLACK")
            }
            regs::GERROR => {
                let v = d32 & GERROR_JUDGED;
                let ok = self.gerror.since(from).any(|g| g & GERROR_JUDGED == v);
                let rule =
                    if self.gerror.since(from).any(|g| (g ^ v) & regs::GERROR_CMDQ_ERR == 0) { "SMMU-PRIQ-16" } else { "SMMU-CMD-2" };
                (rule, ok, "GERROR")
            }
            regs::PRIQ_BASE => ("SMMU-PRIQ-14", data == self.base, "PRIQ_BASE"),
            _ => return,
        };
        if !ok {
            let msg =
                format!("{what} read {data:#x}: not a value the register held in the {} cycles before the read data", self.bounds.reg);
            out.push(Violation { rule: RuleId(rule), cycle: t, message: msg });
        }
    }

    fn on_irq(&mut self, t: u64, line: IrqLine, out: &mut Vec<Violation>) {
        let (rule, ok) = match line {
            IrqLine::Priq => {
                // A discard trigger of a message the judge has not settled yet may explain it.
                // So may it when the trigger it would serve was only allowed.
                let unsettled = self.lo && self.pending.iter().any(|a| a.msg.l);
                let required = self.priq_irq.required();
                let triggered = self.priq_irq.pulse();
                if !required && unsettled {
                    self.early_pulse = Some(t);
                }
                ("SMMU-PRIQ-13", triggered || unsettled)
            }
            IrqLine::Gerror => ("SMMU-CMD-11", self.gerror_irq.pulse()),
            IrqLine::Evtq => return,
        };
        if !ok {
            let msg = format!("{line:?} interrupt pulse with no trigger before it (or with the interrupt disabled)");
            out.push(Violation { rule: RuleId(rule), cycle: t, message: msg });
        }
    }

    fn on_sync_done(&mut self, t: u64, out: &mut Vec<Violation>) {
        let Some(before) = self.syncs.pop_front() else {
            out.push(Violation {
                rule: RuleId("SMMU-CMD-9"),
                cycle: t,
                message: "CMD_SYNC completion with no CMD_SYNC outstanding".into(),
            });
            return;
        };
        let unsent = before.saturating_sub(self.sw_done);
        if unsent > self.egress_slots {
            let msg = format!(
                "CMD_SYNC completed while {unsent} responses of earlier CMD_PRI_RESPs were not sent (at most EGRESS_SLOTS={} may wait in the egress)",
                self.egress_slots
            );
            out.push(Violation { rule: RuleId("SMMU-CMD-9"), cycle: t, message: msg });
        }
    }

    /// Latency bounds passed by `now`; a silent message whose entry bound passed was discarded.
    fn deadlines(&mut self, now: u64, out: &mut Vec<Violation>) {
        while let Some(&head) = self.pending.front() {
            if now <= head.at + self.bounds.entry {
                break;
            }
            let rows = self.rows(&head);
            // No entry within the bound: discarded, in any row but d.
            let chosen = rows.discard().filter(|&r| arch::auto_response(r, &head.msg).is_none() || !rows.has(Row::D_Write));
            self.fork_others(now, rows, chosen, |r| r == Row::D_Write, out);
            match chosen {
                Some(row) => self.decide(now, row),
                None => {
                    let msg = format!(
                        "{:?} accepted at cycle {} has neither its entry nor its response after {} cycles (bound entry={})",
                        head.msg,
                        head.at,
                        now - head.at,
                        self.bounds.entry
                    );
                    let rule = if rows.only_write() { RuleId("SMMU-PRIQ-3") } else { RuleId("SMMU-PRIQ-12") };
                    out.push(Violation { rule, cycle: now, message: msg });
                    self.pending.pop_front();
                }
            }
        }
        if let Some(w) = self.writes.front().filter(|w| now > w.at + self.bounds.entry).copied() {
            let msg =
                format!("no PRIQ entry for {:?} {} cycles after its acceptance (bound entry={})", w.msg, now - w.at, self.bounds.entry);
            out.push(Violation { rule: RuleId("SMMU-PRIQ-3"), cycle: now, message: msg });
            self.writes.pop_front();
        }
        for q in [&mut self.autos, &mut self.sw] {
            overdue_response(q, now, self.bounds.response, out);
        }
        for (p, rule) in [(&mut self.priq_irq, "SMMU-PRIQ-13"), (&mut self.gerror_irq, "SMMU-CMD-11")] {
            p.check_overdue(now, self.bounds.irq, RuleId(rule), out);
        }
        let horizon = self.pending.front().map_or(now, |a| a.at.min(now)).saturating_sub(self.bounds.ack + self.bounds.reg + 1);
        self.cr0.forget_before(horizon);
        self.irq_ctrl.forget_before(horizon);
        self.cons.forget_before(horizon);
        self.abt.forget_before(horizon);
        self.prod.forget_before(horizon);
        self.gerror.forget_before(horizon);
    }

    /// One transaction (after the deadlines).
    fn handle(&mut self, s: &Stamped, out: &mut Vec<Violation>) {
        let t = s.cycle;
        match s.txn {
            Txn::PageRequest { msg } => self.pending.push_back(Accepted { msg: msg.masked(), at: t, before: Rows::default() }),
            Txn::MemWrite { addr, data, .. } => self.on_entry_write(t, addr, [data[0], data[1]], out),
            Txn::MemAck { err } => self.on_entry_ack(t, err),
            Txn::Response { rsp } => self.on_response(t, rsp, out),
            Txn::Command { words, .. } => self.on_command(t, words),
            Txn::RegWrite { addr, data } => self.on_reg_write(t, addr, data),
            Txn::RegRead { addr, data } => self.on_reg_read(t, addr, data, out),
            Txn::Irq { line } => self.on_irq(t, line, out),
            Txn::SyncDone => self.on_sync_done(t, out),
            // An event-record write error is a GERROR interrupt trigger too (SMMU-EVTQ-11).
            Txn::EventAck { err: true } => self.gerror_activate(t, regs::GERROR_EVENTQ_ABT_ERR),
            _ => {}
        }
    }

    /// The end of the run (after the deadlines).
    fn settle_rest(&mut self, end_cycle: u64) {
        // Messages without a visible verdict at the end were discarded silently if they could
        // be (settled for the coverage); the others were never decided.
        while let Some(&head) = self.pending.front() {
            let rows = self.rows(&head);
            match rows.discard().filter(|&r| arch::auto_response(r, &head.msg).is_none()) {
                Some(row) => self.decide(end_cycle, row),
                None => break,
            }
        }
    }
}

/// The judge: every account of the DUT's choices still consistent with what it did. Where the
/// transactions seen so far allow a message several rows (a silent discard leaves no trace
/// until a PROD read or a later entry tells), the judge follows each (`Hypothesis::fork`) and
/// drops those a later transaction contradicts; it fails only when none is left, with the
/// violations of the account it prefers (the first).
pub struct PriqOrdered {
    /// The surviving hypotheses, the preferred first; never empty.
    hyps: Vec<Hypothesis>,
    /// Scratch kept for its memory: the hypotheses still to run in a step, one hypothesis's
    /// violations, and the preferred failing one's.
    work: Vec<Hypothesis>,
    scratch: Vec<Violation>,
    failed: Vec<Violation>,
}

/// Hypotheses followed at once (the preferred ones are kept).
const MAX_HYPOTHESES: usize = 8;

impl PriqOrdered {
    pub fn new(priqs: u32, bounds: LatencyBounds) -> PriqOrdered {
        PriqOrdered { hyps: vec![Hypothesis::new(priqs, bounds)], work: Vec::new(), scratch: Vec::new(), failed: Vec::new() }
    }

    /// The DUT's EGRESS_SLOTS (default 1, the embedded blocks' one egress register).
    pub fn with_egress_slots(mut self, n: u64) -> PriqOrdered {
        self.hyps[0].egress_slots = n;
        self
    }

    /// Run every hypothesis, and the copies it forks, through one transaction (`None`: the end
    /// of the run at cycle `t`).
    fn step(&mut self, s: Option<&Stamped>, t: u64, out: &mut Vec<Violation>) {
        let mut work = std::mem::take(&mut self.work);
        work.extend(self.hyps.drain(..).rev().map(|mut h| {
            h.phase = Phase::Deadlines;
            h
        }));
        let mut first_failed: Option<Hypothesis> = None;
        while let Some(mut h) = work.pop() {
            self.scratch.clear();
            if h.phase == Phase::Deadlines {
                h.deadlines(t, &mut self.scratch);
            }
            match s {
                Some(s) => {
                    h.phase = Phase::Transaction;
                    h.handle(s, &mut self.scratch);
                }
                None => {
                    h.phase = Phase::Finish;
                    h.settle_rest(t);
                }
            }
            work.extend(h.forks.drain(..).rev());
            if h.doomed || !self.scratch.is_empty() {
                if first_failed.is_none() {
                    std::mem::swap(&mut self.failed, &mut self.scratch);
                    first_failed = Some(h);
                }
            } else if self.hyps.len() < MAX_HYPOTHESES && !self.hyps.iter().any(|o| o.same_state(&h)) {
                self.hyps.push(h);
            }
        }
        if self.hyps.is_empty() {
            let mut h = first_failed.expect("a hypothesis ran");
            h.doomed = false;
            self.hyps.push(h);
            out.append(&mut self.failed);
        }
        self.work = work;
    }
}

impl Checker for PriqOrdered {
    fn name(&self) -> &'static str {
        JUDGE_NAME
    }

    fn observe(&mut self, s: &Stamped, out: &mut Vec<Violation>) {
        self.step(Some(s), s.cycle, out);
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        self.step(None, end_cycle, out);
    }

    fn coverage_from_dut(&self) -> Option<DutCoverage<'_>> {
        Some(DutCoverage { data: self.hyps[0].cov.data(), classified: classified::BINS })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::pcie::RespCode;

    const BASE: u64 = 0x1000;
    /// A 4-entry queue at `BASE`, enabled and acknowledged by cycle 3.
    fn judge() -> (PriqOrdered, Vec<Violation>) {
        let mut j = PriqOrdered::new(8, LatencyBounds { response: 50, entry: 50, reg: 4, irq: 8, ack: 8 });
        let mut out = Vec::new();
        feed(&mut j, &mut out, 1, Txn::RegWrite { addr: regs::PRIQ_BASE, data: BASE | 2 });
        feed(&mut j, &mut out, 2, Txn::RegWrite { addr: regs::CR0, data: u64::from(regs::CR0_SMMUEN | regs::CR0_PRIQEN) });
        feed(&mut j, &mut out, 3, Txn::RegRead { addr: regs::CR0ACK, data: u64::from(regs::CR0_SMMUEN | regs::CR0_PRIQEN) });
        (j, out)
    }

    fn feed(j: &mut PriqOrdered, out: &mut Vec<Violation>, cycle: u64, txn: Txn) {
        j.observe(&Stamped { cycle, txn }, out);
    }

    fn req(prgi: u16, l: bool) -> PageRequest {
        PageRequest { rid: 5, pv: true, pasid: 0x77, r: true, l, prgi, page: 0x1234 + u64::from(prgi), ..Default::default() }
    }

    fn write(m: &PageRequest, index: u64) -> Txn {
        let w = PriqEntry::encode_request(m);
        Txn::MemWrite { addr: BASE + 16 * index, bytes: 16, data: [w[0], w[1], 0, 0] }
    }

    fn rules(out: &[Violation]) -> Vec<&'static str> {
        out.iter().map(|v| v.rule.0).collect()
    }

    /// Four entries fill the queue; the fifth L=1 request is answered with Success (row c),
    /// OVFLG toggles, PROD reads back; the sequence is clean.
    fn fill(j: &mut PriqOrdered, out: &mut Vec<Violation>) {
        for k in 0..4u16 {
            let c = 10 + 4 * u64::from(k);
            feed(j, out, c, Txn::PageRequest { msg: req(k, false) });
            feed(j, out, c + 1, write(&req(k, false), k.into()));
            feed(j, out, c + 2, Txn::MemAck { err: false });
        }
    }

    #[test]
    fn a_correct_stream_passes() {
        let (mut j, mut out) = judge();
        fill(&mut j, &mut out);
        feed(&mut j, &mut out, 30, Txn::PageRequest { msg: req(9, true) });
        let rsp = arch::auto_response(Row::C_Full, &req(9, true)).unwrap();
        feed(&mut j, &mut out, 33, Txn::Response { rsp });
        feed(&mut j, &mut out, 35, Txn::RegRead { addr: regs::PRIQ_PROD, data: u64::from(4 | FLAG_BIT) });
        j.finish(40, &mut out);
        assert_eq!(out, vec![]);
    }

    /// A full queue is turned off and reprogrammed (PRIQ_BASE, PRIQ_PROD) while an L=1
    /// request's row c response is still on its way: that row stays allowed, though the queue
    /// now has room.
    #[test]
    fn a_reprogrammed_queue_keeps_the_rows_it_allowed_before() {
        let (mut j, mut out) = judge();
        fill(&mut j, &mut out);
        let on = u64::from(regs::CR0_SMMUEN | regs::CR0_PRIQEN);
        feed(&mut j, &mut out, 30, Txn::PageRequest { msg: req(9, true) });
        feed(&mut j, &mut out, 31, Txn::RegWrite { addr: regs::CR0, data: 0 });
        feed(&mut j, &mut out, 40, Txn::RegRead { addr: regs::CR0ACK, data: 0 });
        feed(&mut j, &mut out, 41, Txn::RegWrite { addr: regs::PRIQ_BASE, data: BASE | 2 });
        feed(&mut j, &mut out, 42, Txn::RegWrite { addr: regs::PRIQ_PROD, data: 0 });
        feed(&mut j, &mut out, 43, Txn::RegWrite { addr: regs::CR0, data: on });
        feed(&mut j, &mut out, 45, Txn::RegRead { addr: regs::CR0ACK, data: on });
        feed(&mut j, &mut out, 50, Txn::PageRequest { msg: req(10, false) });
        feed(&mut j, &mut out, 52, write(&req(10, false), 0));
        let rsp = arch::auto_response(Row::C_Full, &req(9, true)).unwrap();
        feed(&mut j, &mut out, 55, Txn::Response { rsp });
        j.finish(60, &mut out);
        assert_eq!(out, vec![]);
    }

    #[test]
    fn admission_is_judged_anywhere_in_the_window() {
        // Full at acceptance; a CONS write before the DUT decides makes room: the entry is legal.
        let (mut j, mut out) = judge();
        fill(&mut j, &mut out);
        feed(&mut j, &mut out, 30, Txn::PageRequest { msg: req(9, false) });
        feed(&mut j, &mut out, 31, Txn::RegWrite { addr: regs::PRIQ_CONS, data: 1 });
        feed(&mut j, &mut out, 33, write(&req(9, false), 0));
        assert_eq!(out, vec![]);
        // Without the CONS write the same entry breaks row c.
        let (mut j, mut out) = judge();
        fill(&mut j, &mut out);
        feed(&mut j, &mut out, 30, Txn::PageRequest { msg: req(9, false) });
        feed(&mut j, &mut out, 33, write(&req(9, false), 0));
        assert_eq!(rules(&out), ["SMMU-PRIQ-7"]);
    }

    /// Two identical Stop Markers; the first finds the queue full (row c) and then with room
    /// (row d). Taking it for a silent discard (its OVFLG toggle would leave the second in row b)
    /// is contradicted by the second entry; the account where it was written holds.
    #[test]
    fn a_silent_discard_is_settled_by_what_follows() {
        let stop = PageRequest { rid: 5, pv: true, pasid: 0x77, l: true, ..Default::default() };
        let (mut j, mut out) = judge();
        fill(&mut j, &mut out);
        feed(&mut j, &mut out, 30, Txn::PageRequest { msg: stop });
        feed(&mut j, &mut out, 31, Txn::RegWrite { addr: regs::PRIQ_CONS, data: 1 });
        feed(&mut j, &mut out, 32, Txn::PageRequest { msg: stop });
        feed(&mut j, &mut out, 34, write(&stop, 0));
        feed(&mut j, &mut out, 35, Txn::MemAck { err: false });
        feed(&mut j, &mut out, 36, Txn::RegWrite { addr: regs::PRIQ_CONS, data: 2 });
        feed(&mut j, &mut out, 38, write(&stop, 1));
        feed(&mut j, &mut out, 39, Txn::MemAck { err: false });
        feed(&mut j, &mut out, 45, Txn::RegRead { addr: regs::PRIQ_PROD, data: 6 });
        assert_eq!(out, vec![]);
        // No account has OVFLG toggled once both were written.
        feed(&mut j, &mut out, 46, Txn::RegRead { addr: regs::PRIQ_PROD, data: u64::from(6 | FLAG_BIT) });
        assert_eq!(rules(&out), ["SMMU-PRIQ-7"]);
    }

    /// A message the queue could write or answer (full, then with room) gets neither: a later
    /// message's response comes first (the judge takes it as written), then a later entry at its
    /// index. The lost response is named, with its row's rule, not the entry.
    #[test]
    fn a_lost_response_names_its_row() {
        let (mut j, mut out) = judge();
        fill(&mut j, &mut out);
        feed(&mut j, &mut out, 30, Txn::PageRequest { msg: req(7, true) });
        feed(&mut j, &mut out, 31, Txn::RegWrite { addr: regs::PRIQ_CONS, data: 1 });
        feed(&mut j, &mut out, 32, Txn::PageRequest { msg: req(8, true) });
        let rsp = arch::auto_response(Row::C_Full, &req(8, true)).unwrap();
        feed(&mut j, &mut out, 35, Txn::Response { rsp });
        assert_eq!(out, vec![]);
        feed(&mut j, &mut out, 40, Txn::PageRequest { msg: req(9, false) });
        feed(&mut j, &mut out, 42, write(&req(9, false), 0));
        assert_eq!(rules(&out), ["SMMU-PRIQ-7"], "{out:?}");
        assert!(out[0].message.contains("was not written"), "{}", out[0]);
    }

    #[test]
    fn a_wrong_entry_content_is_smmu_priq_4() {
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(1, false) });
        let wrong = PageRequest { w: true, ..req(1, false) };
        feed(&mut j, &mut out, 12, write(&wrong, 0));
        assert_eq!(rules(&out), ["SMMU-PRIQ-4"]);
    }

    #[test]
    fn entries_out_of_order_are_smmu_priq_4() {
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(1, false) });
        feed(&mut j, &mut out, 11, Txn::PageRequest { msg: req(2, false) });
        feed(&mut j, &mut out, 13, write(&req(2, false), 0));
        assert_eq!(rules(&out), ["SMMU-PRIQ-4"]);
    }

    #[test]
    fn a_wrong_entry_address_is_smmu_priq_1() {
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(1, false) });
        feed(&mut j, &mut out, 12, write(&req(1, false), 1));
        assert_eq!(rules(&out), ["SMMU-PRIQ-1"]);
    }

    #[test]
    fn a_wrong_response_code_names_the_row() {
        let (mut j, mut out) = judge();
        fill(&mut j, &mut out);
        feed(&mut j, &mut out, 30, Txn::PageRequest { msg: req(9, true) });
        let rsp = PrgResponse { code: RespCode::InvalidRequest, ..arch::auto_response(Row::C_Full, &req(9, true)).unwrap() };
        feed(&mut j, &mut out, 33, Txn::Response { rsp });
        assert_eq!(rules(&out), ["SMMU-PRIQ-7"]);
    }

    #[test]
    fn software_responses_follow_their_commands() {
        let (mut j, mut out) = judge();
        let rsp = PrgResponse { rid: 5, pv: false, pasid: 0, prgi: 3, code: RespCode::Success };
        let cmd = Command::pri_resp(5, None, 3, RespCode::Success).unwrap().encode();
        feed(&mut j, &mut out, 10, Txn::Command { words: [cmd[0], cmd[1], 0, 0], n: 2 });
        feed(&mut j, &mut out, 12, Txn::Response { rsp });
        assert_eq!(out, vec![]);
        // A second command whose response never comes breaks SMMU-CMD-3 once the bound passes.
        feed(&mut j, &mut out, 20, Txn::Command { words: [cmd[0], cmd[1], 0, 0], n: 2 });
        j.finish(71, &mut out);
        assert_eq!(rules(&out), ["SMMU-CMD-3"]);
    }

    #[test]
    fn a_register_read_outside_its_window_is_its_rule() {
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(1, false) });
        feed(&mut j, &mut out, 11, write(&req(1, false), 0));
        feed(&mut j, &mut out, 12, Txn::MemAck { err: false });
        // PROD read 1..reg cycles after its change may show either value.
        feed(&mut j, &mut out, 14, Txn::RegRead { addr: regs::PRIQ_PROD, data: 0 });
        assert_eq!(out, vec![]);
        feed(&mut j, &mut out, 20, Txn::RegRead { addr: regs::PRIQ_PROD, data: 0 });
        assert_eq!(rules(&out), ["SMMU-PRIQ-3"]);
        out.clear();
        feed(&mut j, &mut out, 21, Txn::RegRead { addr: regs::CR0ACK, data: 0 });
        assert_eq!(rules(&out), ["SMMU-PRIQ-15"]);
    }

    /// CR0ACK.SMMUEN and PRIQEN may stay 1 while an entry write is outstanding, up to the read
    /// data of the edge that acknowledged it; the other bits follow CR0.
    #[test]
    fn cr0ack_enables_hold_while_an_entry_write_is_outstanding() {
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(1, false) });
        feed(&mut j, &mut out, 11, write(&req(1, false), 0));
        let others = u64::from(regs::CR0_EVENTQEN | regs::CR0_CMDQEN);
        feed(&mut j, &mut out, 12, Txn::RegWrite { addr: regs::CR0, data: others });
        feed(&mut j, &mut out, 14, Txn::MemAck { err: false });
        let held = others | u64::from(regs::CR0_SMMUEN | regs::CR0_PRIQEN);
        feed(&mut j, &mut out, 14, Txn::RegRead { addr: regs::CR0ACK, data: held });
        assert_eq!(out, vec![]);
        feed(&mut j, &mut out, 40, Txn::RegRead { addr: regs::CR0ACK, data: held });
        assert_eq!(rules(&out), ["SMMU-PRIQ-15"], "held long after the write was acknowledged");
    }

    /// The write engine is busy from a row d decision, before its write shows (a stalled
    /// memory port): the enables may hold while a pending message may have been decided so.
    #[test]
    fn cr0ack_enables_hold_while_a_pending_message_may_be_in_row_d() {
        let (mut j, mut out) = judge();
        let held = u64::from(regs::CR0_SMMUEN | regs::CR0_PRIQEN);
        feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(1, false) });
        feed(&mut j, &mut out, 10, Txn::RegWrite { addr: regs::CR0, data: 0 });
        feed(&mut j, &mut out, 30, Txn::RegRead { addr: regs::CR0ACK, data: held });
        assert_eq!(out, vec![]);
        // Nothing pending: the enables fall within the bound.
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 10, Txn::RegWrite { addr: regs::CR0, data: 0 });
        feed(&mut j, &mut out, 30, Txn::RegRead { addr: regs::CR0ACK, data: held });
        assert_eq!(rules(&out), ["SMMU-PRIQ-15"]);
    }

    #[test]
    fn interrupts_need_a_trigger_and_follow_it_within_the_bound() {
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 5, Txn::Irq { line: IrqLine::Priq });
        assert_eq!(rules(&out), ["SMMU-PRIQ-13"], "a pulse without a trigger");
        out.clear();
        feed(&mut j, &mut out, 6, Txn::RegWrite { addr: regs::IRQ_CTRL, data: u64::from(regs::IRQ_CTRL_PRIQ_IRQEN) });
        feed(&mut j, &mut out, 7, Txn::RegRead { addr: regs::IRQ_CTRLACK, data: u64::from(regs::IRQ_CTRL_PRIQ_IRQEN) });
        // LO=0: an entry into the empty queue is a trigger; its pulse comes in time.
        feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(1, false) });
        feed(&mut j, &mut out, 11, write(&req(1, false), 0));
        feed(&mut j, &mut out, 12, Txn::MemAck { err: false });
        feed(&mut j, &mut out, 14, Txn::Irq { line: IrqLine::Priq });
        assert_eq!(out, vec![]);
        // The next one into the empty queue (CONS caught up) gets no pulse within the bound.
        feed(&mut j, &mut out, 15, Txn::RegWrite { addr: regs::PRIQ_CONS, data: 1 });
        feed(&mut j, &mut out, 20, Txn::PageRequest { msg: req(2, false) });
        feed(&mut j, &mut out, 21, write(&req(2, false), 1));
        feed(&mut j, &mut out, 22, Txn::MemAck { err: false });
        j.finish(40, &mut out);
        assert_eq!(rules(&out), ["SMMU-PRIQ-13"]);
    }

    #[test]
    fn exceeded_latency_bounds_fail_with_the_rule_of_the_late_effect() {
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(1, false) });
        feed(&mut j, &mut out, 70, write(&req(1, false), 0));
        // The run stops at the first violation: the entry's bound passed before it came.
        assert_eq!(rules(&out)[0], "SMMU-PRIQ-3", "entry after the entry bound");
        assert!(out[0].message.contains("bound entry=50"), "{}", out[0]);
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 4, Txn::RegWrite { addr: regs::CR0, data: 0 });
        feed(&mut j, &mut out, 20, Txn::PageRequest { msg: req(1, true) });
        let rsp = arch::auto_response(Row::A_Disabled, &req(1, true)).unwrap();
        feed(&mut j, &mut out, 80, Txn::Response { rsp });
        assert_eq!(rules(&out)[0], "SMMU-PRIQ-5", "response after the response bound");
        assert!(out[0].message.contains("bound response=50"), "{}", out[0]);
    }

    #[test]
    fn sync_completion_needs_a_sync() {
        let (mut j, mut out) = judge();
        feed(&mut j, &mut out, 10, Txn::SyncDone);
        assert_eq!(rules(&out), ["SMMU-CMD-9"]);
    }

    /// A CMD_SYNC may complete with at most EGRESS_SLOTS earlier responses unsent.
    #[test]
    fn sync_completion_leaves_at_most_egress_slots_responses_unsent() {
        let cmd = |prgi| {
            let c = Command::pri_resp(5, None, prgi, RespCode::Success).unwrap().encode();
            Txn::Command { words: [c[0], c[1], 0, 0], n: 2 }
        };
        let sync = Command::Sync { cs: 0, msh: 0, msi_attr: 0, msi_data: 0, msi_addr: 0 }.encode();
        let sync = Txn::Command { words: [sync[0], sync[1], 0, 0], n: 2 };
        for (slots, want) in [(1, vec!["SMMU-CMD-9"]), (2, vec![])] {
            let (j, mut out) = judge();
            let mut j = j.with_egress_slots(slots);
            feed(&mut j, &mut out, 10, cmd(1));
            feed(&mut j, &mut out, 11, cmd(2));
            feed(&mut j, &mut out, 12, sync);
            feed(&mut j, &mut out, 14, Txn::SyncDone);
            assert_eq!(rules(&out), want, "EGRESS_SLOTS={slots}, two responses unsent");
        }
    }
}
