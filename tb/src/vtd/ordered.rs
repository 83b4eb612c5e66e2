//! The ordered judge of the VT-d page request queue (`--compare ordered`, `crate::ordered`): from
//! the DUT's transactions alone it keeps the block's architectural state (`models::vtd::arch`:
//! the register file, the admission rows, fault recording, descriptor classification, wait
//! completion) and predicts, in content and order, each accepted message's fate (`page_req_dsc`
//! with this content at this PQT slot, automatic response with this code, fault record,
//! discard, PRO set), the software responses of `page_grp_resp_dsc`, the status writes of
//! `inv_wait_dsc` and their page-request drain, register read values, and the page request,
//! fault and completion event MSIs, within latency bounds.
//!
//! A message's row is judged against every state between its acceptance and the DUT's visible
//! verdict (OP-15 leaves the decision point free to the implementation): the PRE bit of its RID,
//! PRS.PRO and PQH over that window, with the judge's own tail (entries decided so far). The
//! judge settles a message when an observation needs it: a descriptor write, a response, a
//! register read or an MSI only its decision explains, a drain, or the entry bound passing.
//! An event MSI follows a trigger; a trigger whose time the judge cannot pin (a decision settled
//! late) allows an MSI, one at an observed edge (a descriptor's acknowledgement, an invalid
//! descriptor) with the interrupt certainly unmasked requires one within the `irq` bound.

use super::coverage::{classified, VtdCoverage};
use super::scoreboard::{register_rule, row_rule};
use crate::checkers::{Checker, Violation};
use crate::compare::LatencyBounds;
use crate::coverage::Sampler;
use crate::ordered::{
    overdue_response, response_sent, DutCoverage, ExpectedResponse, History, PulseExpectation, Rows, Sent, Silenced, JUDGE_NAME,
};
use crate::txn::{Stamped, Txn};
use models::pcie::{MsgClass, PageRequest, PrgResponse};
use models::rules::{self, RuleId};
use models::vtd::arch::{self, RegFile, Row};
use models::vtd::desc::{self, InvWaitDsc, PageReqDsc, SwDesc, Words};
use models::vtd::regs;
use models::vtd::timing::{IqTake, VtdParams};
use std::collections::VecDeque;

/// Responses a wait or a drain may leave committed but not yet sent: the egress register, plus
/// one stage an implementation may add before it.
const EGRESS_SLOTS: usize = 2;

/// The registers whose read values follow hardware actions, judged against their recent values;
/// the others (MSI address/data, PRE, CAP, ECAP) change only by software writes.
const TRACKED: [u32; 9] = [regs::FSTS, regs::FECTL, regs::ICS, regs::IECTL, regs::PQH, regs::PQT, regs::PQA, regs::PRS, regs::PECTL];
const FSTS_I: usize = 0;
const PRS_I: usize = 7;

/// The event units in `RegFile::write` order, with the rule of each one's MSI.
const UNIT_RULES: [RuleId; 3] = [rules::VTD_PRQ_13, rules::VTD_FLT_6, rules::VTD_IQ_8];
const PE: usize = 0;
const FE: usize = 1;
const IE: usize = 2;

/// An accepted message still waiting for its row.
#[derive(Clone, Copy, Debug)]
struct Accepted {
    msg: PageRequest,
    at: u64,
    /// The PRE bit of its RID at acceptance, and the PRE-table writes before it.
    pre: bool,
    pre_gen: u64,
}

/// A `page_req_dsc` write the judge expects: the message decided in row d, at its slot.
#[derive(Clone, Copy, Debug)]
struct ExpectedWrite {
    msg: PageRequest,
    at: u64,
    addr: u64,
    words: Words,
}

/// A taken `inv_wait_dsc` the judge has not seen complete, with its take cycle and the software
/// responses taken before it.
#[derive(Clone, Copy, Debug)]
struct TakenWait {
    dsc: InvWaitDsc,
    at: u64,
    sw_before: u64,
}

/// A memory write on its way to its acknowledgement (acknowledged in write order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InFlight {
    Descriptor,
    Other,
}

/// A software clear of a fault source (VTD-FLT-5, VTD-FLT-1).
#[derive(Clone, Copy, Debug)]
enum Clear {
    F(u32),
    Pfo,
}

/// What the VT-d rows of an admission window say.
impl Rows<Row> {
    /// A row other than d, if any.
    fn discard(&self) -> Option<Row> {
        self.iter().find(|&r| r != Row::D_Write)
    }
    fn only_write(&self) -> bool {
        self.has(Row::D_Write) && self.discard().is_none()
    }
    /// A row with neither a descriptor nor a response for `m`, if any.
    fn silent(&self, m: &PageRequest) -> Option<Row> {
        self.iter().find(|&r| r != Row::D_Write && arch::auto_response(r, m).is_none())
    }
}

pub struct PrqOrdered {
    bounds: LatencyBounds,
    /// The architectural state as the judge settled it; `rf.prq.pqt` is PQT as software reads
    /// it (advanced at each descriptor's acknowledgement).
    rf: RegFile,
    /// PQT plus the descriptors decided and not yet acknowledged: where the next one goes.
    wp: u64,
    /// PRE-table writes so far.
    pre_gen: u64,
    pro: History<bool>,
    pqh: History<u64>,
    /// The `TRACKED` registers' values over time.
    tracked: History<[u64; 9]>,
    /// Each fault record's [63:0] and [127:64] over time.
    records: Vec<History<[u64; 2]>>,
    /// The last PRS write (a PRO read wrong after it breaks VTD-PRQ-12), and the last one that
    /// would clear PRO (W1C).
    prs_written: u64,
    pro_w1c: u64,
    /// Per fault record: software wrote it since it was last recorded (a wrong F then breaks
    /// VTD-FLT-5, else VTD-FLT-4).
    f_written: Vec<bool>,
    /// Software wrote FSTS since PFO was last set (a wrong PFO then breaks VTD-FLT-1).
    pfo_written: bool,
    /// Software clears of a record's F or of PFO made while a message that may find its RID
    /// disabled was pending, with their cycles: applied in order among the decisions the judge
    /// settles later (before the ones most likely decided after them).
    deferred_clears: VecDeque<(u64, Clear)>,
    /// The last visible effect of a decision (descriptor written, response sent).
    last_effect: u64,
    /// The cycle of the last descriptor acknowledgement (a PRS write at the same edge takes
    /// effect before it, OP-15).
    desc_acked: Option<u64>,
    pending: VecDeque<Accepted>,
    writes: VecDeque<ExpectedWrite>,
    unacked: VecDeque<ExpectedWrite>,
    in_flight: VecDeque<InFlight>,
    autos: VecDeque<ExpectedResponse>,
    sw: VecDeque<ExpectedResponse>,
    /// Software responses expected so far and sent so far.
    sw_taken: u64,
    sw_sent: u64,
    waits: VecDeque<TakenWait>,
    /// Status writes of completed SW=1 waits, not yet seen: (address, data).
    status_due: VecDeque<(u64, u32)>,
    irq: [PulseExpectation; 3],
    /// The event units' MSI address and data over time, and each unit's last MSI: a unit
    /// sends what its registers held at some cycle from its trigger to its MSI (the DUT may
    /// latch them when the write starts), and no trigger before its previous MSI waits.
    msi_regs: History<[regs::Msi; 3]>,
    last_msi: [u64; 3],
    /// Recently settled messages that must get no response.
    silent: Silenced,
    /// Coverage of the classified bins, from the DUT's transactions.
    cov: Sampler,
}

impl PrqOrdered {
    pub fn new(p: &VtdParams, bounds: LatencyBounds) -> PrqOrdered {
        let rf = RegFile::new(p.nr, p.pre_entries);
        let mut j = PrqOrdered {
            bounds,
            wp: 0,
            pre_gen: 0,
            pro: History::new(false),
            pqh: History::new(0),
            tracked: History::new([0; 9]),
            records: vec![History::new([0; 2]); p.nr as usize],
            prs_written: 0,
            pro_w1c: 0,
            desc_acked: None,
            last_effect: 0,
            f_written: vec![false; p.nr as usize],
            pfo_written: false,
            deferred_clears: VecDeque::new(),
            pending: VecDeque::new(),
            writes: VecDeque::new(),
            unacked: VecDeque::new(),
            in_flight: VecDeque::new(),
            autos: VecDeque::new(),
            sw: VecDeque::new(),
            sw_taken: 0,
            sw_sent: 0,
            waits: VecDeque::new(),
            status_due: VecDeque::new(),
            irq: Default::default(),
            msi_regs: History::new([regs::Msi::default(); 3]),
            last_msi: [0; 3],
            silent: Silenced::default(),
            cov: Sampler::new(VtdCoverage::definition()),
            rf,
        };
        j.tracked = History::new(TRACKED.map(|a| j.rf.read(a)));
        j.msi_regs = History::new(j.msi_now());
        j
    }

    /// Record the register values after a change at `t`.
    fn note(&mut self, t: u64) {
        self.tracked.set(t, TRACKED.map(|a| self.rf.read(a)));
        self.pro.set(t, self.rf.prq.pro());
        self.pqh.set(t, self.rf.prq.pqh);
        for (i, h) in self.records.iter_mut().enumerate() {
            h.set(t, self.rf.faults.record_at(i as u32).encode());
        }
    }

    /// The rows `a` may take: every admission state from its acceptance until now.
    fn rows(&self, a: &Accepted) -> Rows<Row> {
        let now = self.rf.pre_enabled(a.msg.rid);
        // Two or more PRE-table writes since acceptance: either bit may have held.
        let (pres, n) = match (a.pre == now, self.pre_gen > a.pre_gen + 1) {
            (_, true) => ([true, false], 2),
            (true, false) => ([a.pre, now], 1),
            (false, false) => ([a.pre, now], 2),
        };
        let ring = self.rf.prq.ring();
        let mut rows = Rows::default();
        for &pre in pres.iter().take(n) {
            for pro in self.pro.since(a.at) {
                for pqh in self.pqh.since(a.at) {
                    rows.add(arch::decide_row(&arch::AdmissionState { pre, pro, pqh, pqt: self.wp, ring }));
                }
            }
        }
        rows
    }

    /// The row `a` most likely took when nothing it did shows which: the state's at the cycle
    /// its decision most likely came, right after the last visible effect of the messages
    /// before it (the DUT decides in order).
    fn likely(&self, a: &Accepted) -> Row {
        let c = self.last_effect.max(a.at);
        let pre = if self.pre_gen == a.pre_gen { a.pre } else { self.rf.pre_enabled(a.msg.rid) };
        let ring = self.rf.prq.ring();
        arch::decide_row(&arch::AdmissionState { pre, pro: self.pro.at(c), pqh: self.pqh.at(c), pqt: self.wp, ring })
    }

    /// `likely` if the window allows it, else a row the window allows.
    fn likely_in(&self, a: &Accepted, rows: &Rows<Row>) -> Row {
        let r = self.likely(a);
        if rows.has(r) {
            r
        } else {
            rows.iter().next().expect("every window has a row")
        }
    }

    /// A row of the window in which `a` leaves no trace (no descriptor, no response), the likely
    /// one first.
    fn silent_likely(&self, a: &Accepted, rows: &Rows<Row>) -> Option<Row> {
        let r = self.likely(a);
        if r != Row::D_Write && rows.has(r) && arch::auto_response(r, &a.msg).is_none() {
            Some(r)
        } else {
            rows.silent(&a.msg)
        }
    }

    /// Is some pending message's window open to `row` (its decision may already have happened)?
    fn may_be_pending(&self, row: Row) -> bool {
        self.pending.iter().any(|a| self.rows(a).has(row))
    }

    /// Did the unit's sources (PRS for PE, FSTS's PPF, PFO and IQE for FE) read 0 at some cycle
    /// since `from`, and at every one?
    fn sources_clear(&self, unit: usize, from: u64) -> (bool, bool) {
        let (i, mask) = if unit == PE {
            (PRS_I, u64::from(regs::PRS_MASK))
        } else {
            (FSTS_I, u64::from(regs::FSTS_PFO | regs::FSTS_PPF | regs::FSTS_IQE))
        };
        let mut any = false;
        let mut all = true;
        for v in self.tracked.since(from) {
            any |= v[i] & mask == 0;
            all &= v[i] & mask == 0;
        }
        (any, all)
    }

    /// An event condition of `unit` at the observed cycle `t` (VTD-PRQ-13, VTD-FLT-6): with IM=0
    /// the unit's MSI follows, within the `irq` bound when `required` (the condition is certain).
    fn event(&mut self, t: u64, unit: usize, required: bool) {
        let ctl = match unit {
            PE => &mut self.rf.prq.pe,
            FE => &mut self.rf.faults.fe,
            _ => &mut self.rf.iq.ie,
        };
        if ctl.condition(false) {
            self.irq[unit].trigger(t, required);
        }
    }

    /// Settle the oldest pending message in `row` at cycle `t`.
    fn decide(&mut self, t: u64, row: Row) {
        let a = self.pending.pop_front().expect("a pending message");
        // Clears most likely made before this decision: its likely edge is the one after the
        // last visible effect before it, and a write at that edge comes first (OP-15).
        self.apply_clears(self.last_effect.max(a.at) + 1);
        classified::decided(&mut self.cov, row, &a.msg);
        match row {
            Row::D_Write => {
                let ring = self.rf.prq.ring();
                let (addr, words) = arch::page_req_write(ring, self.rf.prq.pqa, self.wp, &a.msg);
                self.writes.push_back(ExpectedWrite { msg: a.msg, at: a.at, addr, words });
                self.wp = ring.advance(self.wp);
                return;
            }
            // The decision's cycle is the DUT's: its event condition allows an MSI if the
            // sources read 0 at some cycle of the window, and requires none.
            Row::A_NotEnabled => {
                let (outcome, msi) = self.rf.faults.record(arch::fault_record(&a.msg));
                let recorded = match outcome {
                    arch::FaultOutcome::Recorded { index } => {
                        self.f_written[index as usize] = false;
                        true
                    }
                    arch::FaultOutcome::Overflow => {
                        self.pfo_written = false;
                        false
                    }
                    arch::FaultOutcome::DroppedPfo => false,
                };
                if msi.is_some() || (recorded && !self.rf.faults.fe.im && self.sources_clear(FE, a.at).0) {
                    self.irq[FE].trigger(t, false);
                }
            }
            Row::B_Overflow => {}
            Row::C_Full => {
                let msi = self.rf.prq.pe.condition(self.rf.prq.prs != 0);
                if msi || (!self.rf.prq.pe.im && self.sources_clear(PE, a.at).0) {
                    self.irq[PE].trigger(t, false);
                }
                self.rf.prq.prs |= regs::PRS_PRO;
                // PRO most likely rose when the DUT decided, before the judge learnt it; the
                // admission windows of later messages see it from then unless PRS was written.
                let c = self.last_effect.max(a.at).min(t);
                if self.pro_w1c < c {
                    self.pro.set_back(c, true);
                }
            }
        }
        // Clears no pending message can still precede.
        self.apply_clears(self.pending.front().map_or(u64::MAX, |a| a.at));
        self.note(t);
        match arch::auto_response(row, &a.msg) {
            Some(rsp) => self.autos.push_back(ExpectedResponse { rsp, at: a.at, rule: row_rule(row), optional: false }),
            None if a.msg.class() == MsgClass::StopMarker => self.silent.remember(a.msg.rid, a.msg.prgi, rules::VTD_PRQ_10),
            None => self.silent.remember(a.msg.rid, a.msg.prgi, rules::DEC_6),
        }
    }

    /// Before a software clear at `t`: settle, in order, the pending messages that can only
    /// find their RID disabled and were most likely decided before `t` (at the edge after the
    /// last visible effect before them).
    fn settle_certain_faults(&mut self, t: u64) {
        while let Some(head) = self.pending.front().copied() {
            let rows = self.rows(&head);
            if self.last_effect.max(head.at) + 1 >= t || rows.iter().any(|r| r != Row::A_NotEnabled) {
                return;
            }
            self.decide(t, Row::A_NotEnabled);
        }
    }

    /// Software sets the tail only while the queue is idle (OP-11): a message still pending
    /// with no trace was discarded silently before, in the rows of its window so far (its
    /// window must not combine the new tail with older heads).
    fn settle_silent_before_tail_write(&mut self, t: u64) {
        while let Some(head) = self.pending.front().copied() {
            let rows = self.rows(&head);
            match self.silent_likely(&head, &rows) {
                Some(row) => self.decide(t, row),
                None => return,
            }
        }
    }

    /// Apply the deferred clears made at or before cycle `upto`.
    fn apply_clears(&mut self, upto: u64) {
        while let Some(&(_, c)) = self.deferred_clears.front().filter(|(w, _)| *w <= upto) {
            match c {
                Clear::F(i) => self.rf.faults.write_frcd_hi(i, 1 << 31),
                Clear::Pfo => self.rf.faults.write_fsts(regs::FSTS_PFO),
            }
            self.deferred_clears.pop_front();
        }
    }

    /// Settle pending messages accepted before `t`, in order, until one is settled in `row`;
    /// false when none may take it.
    fn settle_until(&mut self, t: u64, row: Row) -> bool {
        while let Some(head) = self.pending.front().copied() {
            if head.at >= t || !self.may_be_pending(row) {
                return false;
            }
            let rows = self.rows(&head);
            let r = if rows.has(row) { row } else { self.likely_in(&head, &rows) };
            self.decide(t, r);
            if r == row {
                return true;
            }
        }
        false
    }

    /// A message accepted at the ingress, with the PRE bit of its RID then.
    fn on_accepted(&mut self, t: u64, msg: PageRequest) {
        let pre = self.rf.pre_enabled(msg.rid);
        self.pending.push_back(Accepted { msg, at: t, pre, pre_gen: self.pre_gen });
    }

    fn on_descriptor_write(&mut self, t: u64, addr: u64, data: Words, out: &mut Vec<Violation>) {
        self.in_flight.push_back(InFlight::Descriptor);
        // Settle pending messages in order until one is decided for this write.
        while self.writes.is_empty() {
            let Some(head) = self.pending.front().copied() else {
                let msg = format!("page_req_dsc written at {addr:#x}: no accepted message is waiting for a descriptor");
                out.push(Violation { rule: rules::VTD_PRQ_8, cycle: t, message: msg });
                return;
            };
            let rows = self.rows(&head);
            let matches = PageReqDsc::encode_request(&head.msg) == data;
            match rows.discard() {
                _ if matches && rows.has(Row::D_Write) => self.decide(t, Row::D_Write),
                Some(row) if matches => {
                    let msg = format!(
                        "page_req_dsc written for {:?} (accepted at cycle {}), which finds the queue in row {row:?} (PRO {}, PQH {:#x}, tail {:#x})",
                        head.msg,
                        head.at,
                        self.pro.now(),
                        self.pqh.now(),
                        self.wp
                    );
                    out.push(Violation { rule: row_rule(row), cycle: t, message: msg });
                    self.pending.pop_front();
                    return;
                }
                Some(_) => {
                    let likely = self.likely(&head);
                    self.decide(t, if likely != Row::D_Write && rows.has(likely) { likely } else { rows.discard().expect("checked") })
                }
                None => self.decide(t, Row::D_Write),
            }
        }
        self.last_effect = t;
        let w = self.writes.pop_front().expect("decided above");
        if w.words != data {
            let msg = format!(
                "page_req_dsc {data:x?} written, expected {:x?} for {:?} accepted at cycle {} (content and order of descriptors)",
                w.words, w.msg, w.at
            );
            out.push(Violation { rule: rules::VTD_PRQ_4, cycle: t, message: msg });
        } else if w.addr != addr {
            let msg = format!("page_req_dsc for {:?} written at {addr:#x}, expected {:#x} (PQA base + PQT)", w.msg, w.addr);
            out.push(Violation { rule: rules::VTD_PRQ_1, cycle: t, message: msg });
        } else if t > w.at + self.bounds.entry {
            let msg = format!(
                "page_req_dsc for {:?} written {} cycles after its acceptance (bound entry={})",
                w.msg,
                t - w.at,
                self.bounds.entry
            );
            out.push(Violation { rule: rules::VTD_PRQ_8, cycle: t, message: msg });
        }
        self.unacked.push_back(w);
    }

    fn on_ack(&mut self, t: u64) {
        if self.in_flight.pop_front() != Some(InFlight::Descriptor) {
            return;
        }
        if self.unacked.pop_front().is_none() {
            return;
        }
        // VTD-PRQ-8, -11: PQT covers the descriptor, PPR set; a PE condition if PRS read 0.
        let prs_clear = self.rf.prq.prs == 0;
        self.desc_acked = Some(t);
        // The next decision most likely follows the write's acknowledgement.
        self.last_effect = t;
        self.rf.prq.pqt = self.rf.prq.ring().advance(self.rf.prq.pqt);
        self.rf.prq.prs |= regs::PRS_PPR;
        if prs_clear {
            let certain = !self.may_be_pending(Row::C_Full);
            self.event(t, PE, certain);
        }
        self.note(t);
    }

    fn on_response(&mut self, t: u64, rsp: PrgResponse, out: &mut Vec<Violation>) {
        let rsp = rsp.at_interface();
        loop {
            match response_sent(
                t,
                &rsp,
                &mut self.sw,
                &mut self.autos,
                (rules::VTD_IQ_5, "it answers a later page_grp_resp_dsc: descriptor order"),
                self.bounds.response,
                out,
            ) {
                Some(Sent::Software) => {
                    self.sw_sent += 1;
                    return;
                }
                Some(Sent::Automatic) => return,
                None => {}
            }
            let Some(head) = self.pending.front().copied() else {
                let why = self.silent.why(rsp.rid, rsp.prgi);
                // A software response out of descriptor order, or with other content.
                let why = why
                    .or_else(|| self.sw.iter().any(|s| s.rsp == rsp).then_some(rules::VTD_IQ_5))
                    .or_else(|| self.sw.iter().any(|s| (s.rsp.rid, s.rsp.prgi) == (rsp.rid, rsp.prgi)).then_some(rules::VTD_IQ_3));
                let msg = match why {
                    Some(r) => format!("response {rsp:?} sent for a message or descriptor that must not get it ({r})"),
                    None => format!("response {rsp:?} sent: no accepted message or page_grp_resp_dsc asks for it"),
                };
                out.push(Violation { rule: why.unwrap_or(rules::VTD_PRQ_17), cycle: t, message: msg });
                return;
            };
            let rows = self.rows(&head);
            let answers = |row: Row| arch::auto_response(row, &head.msg) == Some(rsp);
            // Rows b and c answer alike: the likely one, when it answers.
            let likely = self.likely(&head);
            let answered = if rows.has(likely) && answers(likely) { Some(likely) } else { rows.iter().find(|&r| answers(r)) };
            match (answered, self.silent_likely(&head, &rows)) {
                (Some(row), _) => {
                    self.decide(t, row);
                    self.last_effect = t;
                }
                // A later message was answered: one that could be discarded silently was.
                (None, Some(row)) => self.decide(t, row),
                // Answered in a row its window does not allow: it must be written.
                (None, None)
                    if !rows.has(Row::A_NotEnabled) && [Row::A_NotEnabled, Row::B_Overflow, Row::C_Full].into_iter().any(answers) =>
                {
                    let msg = format!(
                        "response {rsp:?} sent for {:?} (accepted at cycle {}), which finds the queue with room, PRO clear and its RID enabled: it must be written",
                        head.msg, head.at
                    );
                    let rule = if rows.has(Row::D_Write) { rules::VTD_PRQ_8 } else { row_rule(rows.discard().expect("a row")) };
                    out.push(Violation { rule, cycle: t, message: msg });
                    self.pending.pop_front();
                    return;
                }
                // Written (its descriptor still to come): its own answer would have come first.
                (None, None) if rows.has(Row::D_Write) => self.decide(t, Row::D_Write),
                // Owed an answer that is not this one: judged at the top of the loop.
                (None, None) => self.decide(t, self.likely_in(&head, &rows)),
            }
        }
    }

    fn on_descriptor(&mut self, t: u64, words: Words, out: &mut Vec<Violation>) {
        if self.rf.faults.iqe {
            let msg = "descriptor taken while FSTS.IQE is set (the port stalls until software clears it)".to_string();
            out.push(Violation { rule: rules::VTD_IQ_2, cycle: t, message: msg });
        }
        // A fence: every earlier FN=1 wait completed before this take (VTD-IQ-9).
        if let Some(last_fence) = self.waits.iter().rposition(|w| w.dsc.fn_) {
            for _ in 0..=last_fence {
                self.complete_wait(t, out);
            }
        }
        let taken = match desc::classify(words, self.rf.iq.pds) {
            SwDesc::PageGrpResp(d) => {
                let rsp = arch::page_grp_resp_effect(&d).at_interface();
                self.sw.push_back(ExpectedResponse { rsp, at: t, rule: rules::VTD_IQ_3, optional: false });
                self.sw_taken += 1;
                IqTake::Response(rsp)
            }
            SwDesc::InvWait(dsc) => {
                self.waits.push_back(TakenWait { dsc, at: t, sw_before: self.sw_taken });
                IqTake::Wait { dsc, drain: 0 }
            }
            SwDesc::NoEffect(ty) => IqTake::NoEffect(ty),
            SwDesc::Invalid(why) => {
                let clear = self.rf.faults.fsts() & (regs::FSTS_PFO | regs::FSTS_PPF | regs::FSTS_IQE) == 0;
                self.rf.faults.iqe = true;
                if clear {
                    let certain = !self.may_be_pending(Row::A_NotEnabled);
                    self.event(t, FE, certain);
                }
                self.note(t);
                IqTake::Invalid(why)
            }
        };
        classified::taken(&mut self.cov, &taken, words);
    }

    /// The oldest taken wait completes at `t` (VTD-IQ-7, -8, -10): its PD=1 drain and the
    /// software responses before it are checked; its status write is then due.
    fn complete_wait(&mut self, t: u64, out: &mut Vec<Violation>) {
        let Some(w) = self.waits.pop_front() else { return };
        let unsent = w.sw_before.saturating_sub(self.sw_sent);
        if unsent > EGRESS_SLOTS as u64 {
            let msg = format!("inv_wait_dsc taken at cycle {} completed while {unsent} earlier software responses were not sent", w.at);
            out.push(Violation { rule: rules::VTD_IQ_7, cycle: t, message: msg });
        }
        if w.dsc.pd {
            self.check_drain(t, &w, out);
        }
        let c = arch::complete_wait(&w.dsc, &mut self.rf.iq.iwc, &mut self.rf.iq.ie, &self.rf.iq.ie_msi);
        // The completion's cycle is the DUT's: its event allows an MSI, requires none.
        if c.msi.is_some() || (c.iwc_set && !self.rf.iq.ie.im) {
            self.irq[IE].trigger(t, false);
        }
        self.status_due.extend(c.status_write);
        self.note(t);
    }

    /// A PD=1 wait taken at `w.at` completes: every message accepted by then is resolved,
    /// written with PQT covering it or discarded with its response committed (VTD-IQ-10, DEC-10).
    fn check_drain(&mut self, t: u64, w: &TakenWait, out: &mut Vec<Violation>) {
        while let Some(head) = self.pending.front().copied().filter(|a| a.at <= w.at) {
            let rows = self.rows(&head);
            match self.silent_likely(&head, &rows) {
                Some(row) => self.decide(t, row),
                None => {
                    let msg = format!(
                        "PD=1 inv_wait_dsc taken at cycle {} completed before {:?} accepted at cycle {} was resolved",
                        w.at, head.msg, head.at
                    );
                    out.push(Violation { rule: rules::VTD_IQ_10, cycle: t, message: msg });
                    return;
                }
            }
        }
        let unwritten = self.writes.iter().chain(&self.unacked).find(|e| e.at <= w.at).map(|e| e.msg);
        let unanswered = self.autos.iter().filter(|e| e.at <= w.at).count();
        if let Some(m) = unwritten {
            let msg = format!("PD=1 inv_wait_dsc taken at cycle {} completed before the descriptor of {m:?} was acknowledged", w.at);
            out.push(Violation { rule: rules::VTD_IQ_10, cycle: t, message: msg });
        } else if unanswered > EGRESS_SLOTS {
            let msg = format!(
                "PD=1 inv_wait_dsc taken at cycle {} completed with {unanswered} automatic responses of earlier messages not sent",
                w.at
            );
            out.push(Violation { rule: rules::VTD_IQ_10, cycle: t, message: msg });
        }
    }

    fn on_status_write(&mut self, t: u64, addr: u64, data: u32, out: &mut Vec<Violation>) {
        self.in_flight.push_back(InFlight::Other);
        while self.status_due.is_empty() && !self.waits.is_empty() {
            self.complete_wait(t, out);
        }
        if let Some((a, d)) = self.status_due.pop_front() {
            if (a, d) != (addr, data) {
                let msg = format!("status write {data:#x} to {addr:#x}, expected {d:#x} to {a:#x} (the next SW=1 inv_wait_dsc)");
                out.push(Violation { rule: rules::VTD_IQ_8, cycle: t, message: msg });
            }
            return;
        }
        let msg = format!("status write {data:#x} to {addr:#x}: no SW=1 inv_wait_dsc is waiting to complete");
        out.push(Violation { rule: rules::VTD_IQ_8, cycle: t, message: msg });
    }

    /// The event units' MSI address and data now.
    fn msi_now(&self) -> [regs::Msi; 3] {
        [self.rf.prq.pe_msi.msi(), self.rf.faults.fe_msi.msi(), self.rf.iq.ie_msi.msi()]
    }

    /// Which unit's MSI registers gave this address and data at some cycle since that unit's
    /// previous MSI (any of them, if several did).
    fn units_of(&self, addr: u64, data: u32) -> [bool; 3] {
        let m = regs::Msi { addr, data };
        [PE, FE, IE].map(|u| self.msi_regs.since(self.last_msi[u]).any(|v| v[u] == m))
    }

    fn on_msi(&mut self, t: u64, addr: u64, data: u32, out: &mut Vec<Violation>) {
        self.in_flight.push_back(InFlight::Other);
        let units = self.units_of(addr, data);
        for u in [PE, FE, IE] {
            if units[u] && self.irq[u].pulse_or_spare() {
                self.last_msi[u] = t;
                return;
            }
        }
        // A trigger the judge has not settled yet: a row-c or row-a decision, a completed wait.
        for u in [PE, FE, IE] {
            let settled = match u {
                PE => units[PE] && self.settle_until(t, Row::C_Full),
                FE => units[FE] && self.settle_until(t, Row::A_NotEnabled),
                _ => {
                    units[IE] && self.waits.iter().any(|w| w.dsc.if_) && {
                        while self.waits.front().is_some_and(|w| !w.dsc.if_) {
                            self.complete_wait(t, out);
                        }
                        self.complete_wait(t, out);
                        true
                    }
                }
            };
            if settled && self.irq[u].pulse_or_spare() {
                self.last_msi[u] = t;
                return;
            }
        }
        let rule = units.iter().position(|&b| b).map_or(rules::VTD_PRQ_13, |u| UNIT_RULES[u]);
        let msg = format!("interrupt message {data:#x} to {addr:#x} with no event condition before it (or with the interrupt masked)");
        out.push(Violation { rule, cycle: t, message: msg });
    }

    fn on_reg_write(&mut self, t: u64, addr: u32, data: u64) {
        let ip = [self.rf.prq.pe.ip, self.rf.faults.fe.ip, self.rf.iq.ie.ip];
        let masked = [self.rf.prq.pe.im, self.rf.faults.fe.im, self.rf.iq.ie.im];
        let sources =
            [self.rf.prq.prs != 0, self.rf.faults.fsts() & (regs::FSTS_PFO | regs::FSTS_PPF | regs::FSTS_IQE) != 0, self.rf.iq.iwc];
        // A PRE-table write that changes an entry (no copy of the table: this runs per write).
        let pre = self.rf.pre_slot(addr).map(|i| (i, self.rf.pre[i]));
        // A clear of a fault source may come before or after the decision of a pending message
        // in row a (the DUT's decision cycle is unseen): deferred to take its place among them.
        let clear = match self.rf.frcd_slot(addr) {
            Some((i, off)) if regs::frcd_write_clears_f(off, data) => Some(Clear::F(i)),
            _ if addr == regs::FSTS && data & u64::from(regs::FSTS_PFO) != 0 => Some(Clear::Pfo),
            _ => None,
        };
        if clear.is_some() {
            self.settle_certain_faults(t);
        }
        if addr == regs::PQT {
            self.settle_silent_before_tail_write(t);
        }
        let data = match clear {
            Some(c) if !self.deferred_clears.is_empty() || self.may_be_pending(Row::A_NotEnabled) => {
                self.deferred_clears.push_back((t, c));
                match c {
                    Clear::F(_) => 0,
                    Clear::Pfo => data & !u64::from(regs::FSTS_PFO),
                }
            }
            _ => data,
        };
        let trig = self.rf.write(addr, data);
        self.pfo_written |= addr == regs::FSTS;
        self.msi_regs.set(t, self.msi_now());
        if addr == regs::PRS && data & u64::from(regs::PRS_PRO) != 0 {
            self.pro_w1c = t;
        }
        if let Some((i, _)) = self.rf.frcd_slot(addr) {
            self.f_written[i as usize] = true;
        }
        if pre.is_some_and(|(i, v)| self.rf.pre[i] != v) {
            self.pre_gen += 1;
        }
        match addr {
            regs::PRS if self.desc_acked == Some(t) => {
                // The write came first at this edge: PPR is set on top of it, and the
                // acknowledgement's PE condition reads the written value.
                self.prs_written = t;
                let clear = self.rf.prq.prs == 0;
                self.rf.prq.prs |= regs::PRS_PPR;
                if clear {
                    self.event(t, PE, false);
                }
            }
            regs::PRS => self.prs_written = t,
            // Software sets the tail only while the queue is idle (OP-11).
            regs::PQT => self.wp = self.rf.prq.pqt,
            _ => {}
        }
        for u in [PE, FE, IE] {
            // Clearing IM while IP is set sends the MSI (VTD-PRQ-14); IP may be set by a
            // condition the judge has not settled, while a source is set.
            if trig[u] || (!ip[u] && sources[u] && masked[u] && !self.unit_masked(u)) {
                self.irq[u].trigger(t, false);
            }
        }
        self.note(t);
    }

    fn unit_masked(&self, u: usize) -> bool {
        [self.rf.prq.pe.im, self.rf.faults.fe.im, self.rf.iq.ie.im][u]
    }

    fn on_reg_read(&mut self, t: u64, addr: u32, data: u64, out: &mut Vec<Violation>) {
        let from = t.saturating_sub(self.bounds.reg);
        // IP [30] of the three event blocks is the DUT's timing; IM and RsvdP are judged.
        let mask = match addr {
            regs::PECTL | regs::FECTL | regs::IECTL => !u64::from(regs::ECTL_IP),
            _ => !0,
        };
        let ok = |j: &Self| j.held(addr, from, data, mask);
        if ok(self) {
            return;
        }
        // A value only a decision the judge has not settled explains.
        let settle = match addr {
            regs::PRS => Some(Row::C_Full),
            regs::FSTS => Some(Row::A_NotEnabled),
            _ if self.rf.frcd_slot(addr).is_some() => Some(Row::A_NotEnabled),
            _ => None,
        };
        if let Some(row) = settle {
            while self.settle_until(t, row) {
                if ok(self) {
                    return;
                }
            }
        }
        if addr == regs::ICS && data & u64::from(regs::ICS_IWC) != 0 {
            while self.waits.iter().any(|w| w.dsc.if_) && !self.rf.iq.iwc {
                self.complete_wait(t, out);
            }
            if ok(self) {
                return;
            }
        }
        let rule = self.read_rule(addr, from, data);
        let msg = format!(
            "register {addr:#x} read {data:#x}: not a value it held in the {} cycles before the read data (now {:#x})",
            self.bounds.reg,
            self.rf.read(addr)
        );
        out.push(Violation { rule, cycle: t, message: msg });
    }

    /// Did register `addr` hold `data` (under `mask`) at some cycle since `from`?
    fn held(&self, addr: u32, from: u64, data: u64, mask: u64) -> bool {
        if let Some(i) = TRACKED.iter().position(|&a| a == addr) {
            return self.tracked.since(from).any(|v| (v[i] ^ data) & mask == 0);
        }
        if let Some((i, off)) = self.rf.frcd_slot(addr) {
            let read = |w: [u64; 2]| regs::FaultRecord::decode(w).read(off);
            return self.records[i as usize].since(from).any(|w| read(w) == data);
        }
        self.rf.read(addr) == data
    }

    /// The rule a wrong read value breaks.
    fn read_rule(&self, addr: u32, from: u64, data: u64) -> RuleId {
        let now = self.rf.read(addr);
        let d32 = data as u32;
        match addr {
            regs::PRS if (now ^ data) & u64::from(regs::PRS_PRO) != 0 => {
                if self.prs_written >= from {
                    rules::VTD_PRQ_12
                } else {
                    rules::VTD_PRQ_7
                }
            }
            regs::PRS => rules::VTD_PRQ_8,
            regs::PQT => rules::VTD_PRQ_8,
            regs::FSTS if d32 & 0x80 != 0 => rules::VTD_FLT_1,
            regs::FSTS if (now as u32 ^ d32) & regs::FSTS_IQE != 0 => rules::VTD_IQ_2,
            regs::FSTS if (now as u32 ^ d32) & regs::FSTS_PFO != 0 && self.pfo_written => rules::VTD_FLT_1,
            regs::FSTS => rules::VTD_FLT_4,
            _ => match self.rf.frcd_slot(addr) {
                Some((i, off)) if off >= 8 && ((now ^ data) >> (if off == 0xC { 31 } else { 63 })) & 1 != 0 => {
                    if self.f_written[i as usize] {
                        rules::VTD_FLT_5
                    } else {
                        rules::VTD_FLT_4
                    }
                }
                _ => register_rule(addr, self.rf.faults.nr(), self.rf.pre.len()),
            },
        }
    }

    /// Latency bounds passed by `now`; a silent message whose entry bound passed was discarded.
    fn deadlines(&mut self, now: u64, out: &mut Vec<Violation>) {
        while let Some(head) = self.pending.front().copied() {
            if now <= head.at + self.bounds.entry {
                break;
            }
            let rows = self.rows(&head);
            match self.silent_likely(&head, &rows) {
                Some(row) => self.decide(now, row),
                // Its response is owed: the response bound judges it.
                None if !rows.has(Row::D_Write) => self.decide(now, self.likely_in(&head, &rows)),
                None => {
                    let msg = format!(
                        "{:?} accepted at cycle {} has neither its descriptor nor its response after {} cycles (bound entry={})",
                        head.msg,
                        head.at,
                        now - head.at,
                        self.bounds.entry
                    );
                    let rule = if rows.discard().is_none() { rules::VTD_PRQ_8 } else { rules::VTD_PRQ_17 };
                    out.push(Violation { rule, cycle: now, message: msg });
                    self.pending.pop_front();
                }
            }
        }
        if let Some(w) = self.writes.front().filter(|w| now > w.at + self.bounds.entry).copied() {
            let msg =
                format!("no page_req_dsc for {:?} {} cycles after its acceptance (bound entry={})", w.msg, now - w.at, self.bounds.entry);
            out.push(Violation { rule: rules::VTD_PRQ_8, cycle: now, message: msg });
            self.writes.pop_front();
        }
        for q in [&mut self.autos, &mut self.sw] {
            overdue_response(q, now, self.bounds.response, out);
        }
        // An MSI is a memory write the memory may hold off unseen (its ready is not observed):
        // during the run it is due within the `entry` bound, as a descriptor write is; at the
        // end, within `irq` (`finish`).
        let bound = self.bounds.irq.max(self.bounds.entry);
        for (p, rule) in self.irq.iter_mut().zip(UNIT_RULES) {
            p.check_overdue(now, bound, rule, out);
        }
        let horizon = self.pending.front().map_or(now, |a| a.at.min(now)).saturating_sub(self.bounds.reg + 1);
        self.pro.forget_before(horizon);
        self.pqh.forget_before(horizon);
        self.tracked.forget_before(horizon);
        for h in &mut self.records {
            h.forget_before(horizon);
        }
        self.msi_regs.forget_before(self.last_msi.into_iter().min().expect("three units"));
    }
}

impl Checker for PrqOrdered {
    /// One transaction, after the deadlines it passes; the descriptor port and the registers
    /// first, then the ingress, the memory port and the egress.
    fn observe(&mut self, s: &Stamped, out: &mut Vec<Violation>) {
        self.deadlines(s.cycle, out);
        let t = s.cycle;
        match s.txn {
            Txn::Command { words, .. } => self.on_descriptor(t, words, out),
            Txn::RegWrite { addr, data } => self.on_reg_write(t, addr, data),
            Txn::RegRead { addr, data } => self.on_reg_read(t, addr, data, out),
            Txn::PageRequest { msg } => self.on_accepted(t, msg.masked()),
            Txn::MemWrite { addr, data, .. } => self.on_descriptor_write(t, addr, data, out),
            Txn::StatusWrite { addr, data } => self.on_status_write(t, addr, data, out),
            Txn::Msi { addr, data } => self.on_msi(t, addr, data, out),
            Txn::MemAck { .. } => self.on_ack(t),
            Txn::Response { rsp } => self.on_response(t, rsp, out),
            _ => {}
        }
    }

    fn name(&self) -> &'static str {
        JUDGE_NAME
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        self.deadlines(end_cycle, out);
        for (p, rule) in self.irq.iter_mut().zip(UNIT_RULES) {
            p.check_overdue(end_cycle, self.bounds.irq, rule, out);
        }
        // Messages without a visible verdict at the end were discarded silently if they could
        // be (settled for the coverage); the others were never decided.
        while let Some(head) = self.pending.front().copied() {
            let rows = self.rows(&head);
            match self.silent_likely(&head, &rows) {
                Some(row) => self.decide(end_cycle, row),
                // The one descriptor the write engine may hold when the run stops (decided, its
                // write not yet taken by memory): counted as decided, as the DUT did.
                None if rows.only_write() && head.at < end_cycle && self.writes.is_empty() && self.unacked.is_empty() => {
                    self.decide(end_cycle, Row::D_Write);
                    break;
                }
                None => break,
            }
        }
    }

    fn coverage_from_dut(&self) -> Option<DutCoverage<'_>> {
        Some(DutCoverage { data: self.cov.data(), classified: classified::BINS })
    }
}

#[cfg(test)]
#[path = "ordered_tests.rs"]
mod tests;
