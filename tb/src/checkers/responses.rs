//! PRG responses, for every flavor (PRI-16 and the flavor's response rules).
//!
//! Every response at the PCIe egress must be explained by exactly one of
//! - a software command (SMMUv3 CMD_PRI_RESP, VT-d `page_grp_resp_dsc`) taken earlier, in
//!   command order;
//! - the automatic response of an accepted L=1 request (never a Stop Marker or an L=0 request)
//!   that was not written to the queue, of a form the flavor allows;
//!
//! and at the end (quiescence) every L=1 request that was not queued has had its automatic
//! response and every command that must answer has answered.
//!
//! Which row applied, and when, depends on timing: a message is "not queued" once a later
//! message's entry is written, or at the end (the ledger); until then an automatic response may
//! come for it, and then it may no longer be written. A response both explanations fit goes to
//! the head of the pending software responses first (if it was really the automatic one, the
//! software one that follows then fits the automatic slot, as both carry the same fields).
//!
//! This module is the mechanism; a flavor's [`ResponsePolicy`] decodes and gates its commands,
//! says which automatic responses have an allowed form, keeps its own state (SMMUv3: CR0 and
//! GERROR; VT-d: the IQE gate and the PRE table) and names its rules ([`Rules`]).

use super::entry::DecodedEntry;
use super::ledger::{Fate, Ledger, Rec, WriteMatch};
use super::{rule, Checker, Evaluations, ShowReq, ShowRsp, Violation};
use crate::trace::Ring;
use crate::txn::{Stamped, Txn};
use models::pcie::{MsgClass, PageRequest, PrgResponse};
use models::rules::RuleId;
use std::collections::VecDeque;

/// The rules a flavor's response matcher names, and the name of its response command.
pub struct Rules {
    /// The software command that asks for a response (`CMD_PRI_RESP`, `page_grp_resp_dsc`).
    pub command: &'static str,
    // Automatic responses.
    /// They keep request order, if the flavor has that rule.
    pub auto_order: Option<RuleId>,
    /// An L=1 request that is not queued gets exactly one, of these forms.
    pub auto_owed: (RuleId, &'static str),
    /// A queued L=1 request gets none.
    pub queued_no_auto: RuleId,
    /// A message is either queued or answered automatically, never both.
    pub queued_or_answered: RuleId,
    /// A Stop Marker never gets a response.
    pub stop_marker: RuleId,
    /// An L=0 request never gets one, if the flavor names that rule (else such a response is
    /// left to PRI-16).
    pub l0_request: Option<RuleId>,
    // Software responses.
    /// They keep command order.
    pub command_order: RuleId,
    /// One carries what its command asks for.
    pub command_content: RuleId,
    /// A command that must answer has answered by the end.
    pub command_answered: RuleId,
}

/// Whether a software response must come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// The command took effect: its response must come.
    Must,
    /// The flavor cannot tell whether the command took effect (SMMUv3: SMMUEN changing).
    May,
    /// Taken behind a gate of the flavor (VT-d: IQE); it may act only once the gate opened, which
    /// the flavor tells from this token ([`ResponsePolicy::held`]).
    Held(u64),
}

/// What a software command taken asks of the egress.
pub enum Asked {
    /// This response, in command order.
    Response { rsp: PrgResponse, need: Need },
    /// No response: one that `fits` the response it would have asked for breaks `rule` (`why`
    /// says what the command was).
    Nothing { rsp: PrgResponse, fits: fn(&PrgResponse, &PrgResponse) -> bool, rule: RuleId, why: &'static str },
}

/// What a flavor decides for the matcher.
pub trait ResponsePolicy {
    /// [`Checker::name`].
    const NAME: &'static str;
    const RULES: Rules;
    /// Every rule the checker counts evaluations of ([`Checker::evaluations`]): those of
    /// [`Rules`], PRI-16, and the ones the policy counts itself.
    const COUNTED: &'static [RuleId];
    /// What the flavor notes of an L=1 request at its acceptance, to judge its automatic response.
    type AtAccept: Copy;
    fn at_accept(&self, msg: &PageRequest) -> Self::AtAccept;
    /// Follow a transaction for the flavor's own state (before the matcher sees it) and report
    /// (and count in `evals`) what only the flavor judges; returns `Some(err)` if it acknowledges
    /// a queue-entry write.
    fn observe(&mut self, t: &Stamped, evals: &mut Evaluations, out: &mut Vec<Violation>) -> Option<bool>;
    /// A queue entry (a memory write), decoded by the flavor's layout.
    fn decode(&self, data: &[u64; 4]) -> DecodedEntry;
    /// A command taken at the software port: what it asks for, if it is a response command
    /// (counting in `evals` the flavor's rules it judges).
    fn command(&mut self, cycle: u64, words: &[u64; 4], evals: &mut Evaluations) -> Option<Asked>;
    /// Whether `r`, which has the RID and PRG index of `msg`, is of a form its automatic response
    /// may take (`failed_write`: its entry write was acknowledged with an error).
    fn auto_form(&self, r: &PrgResponse, msg: &PageRequest, failed_write: bool, at: &Self::AtAccept) -> bool;
    /// The rules that judge the form of an automatic response to `msg` (counted once per
    /// automatic response).
    fn auto_rules(&self, msg: &PageRequest, failed_write: bool, at: &Self::AtAccept) -> &'static [RuleId];
    /// For such a response that is of no allowed form: the rule, and the form it must take.
    fn auto_form_broken(&self, r: &PrgResponse, msg: &PageRequest, failed_write: bool, at: &Self::AtAccept) -> (RuleId, String);
    /// A command taken behind the flavor's gate with this token still may not act: the rule, and
    /// why.
    fn held(&self, _token: u64) -> Option<(RuleId, &'static str)> {
        None
    }
    /// End of test: the flavor's own liveness checks.
    fn finish(&mut self, _evals: &mut Evaluations, _out: &mut Vec<Violation>) {}
}

/// A response a software command asked for.
#[derive(Clone, Copy, Debug)]
struct Expected {
    rsp: PrgResponse,
    cycle: u64,
    need: Need,
}

/// A software command that must send no response (`Asked::Nothing`).
#[derive(Clone, Copy)]
struct Silent {
    rsp: PrgResponse,
    cycle: u64,
    fits: fn(&PrgResponse, &PrgResponse) -> bool,
    rule: RuleId,
    why: &'static str,
}

/// An L=1 request that may still need its automatic response.
#[derive(Clone, Copy, Debug)]
struct Open<A> {
    seq: u64,
    at: A,
}

/// Who an explained response was for.
#[derive(Clone, Copy, Debug)]
enum Source {
    Command(u64),
    Auto(u64),
}

/// The response checker of a flavor: the shared mechanism driven by its policy.
pub struct ResponseChecker<P: ResponsePolicy> {
    policy: P,
    ledger: Ledger,
    /// L=1 requests (not Stop Markers) still waiting for an answer or for a write, oldest first.
    open: VecDeque<Open<P::AtAccept>>,
    /// Responses software commands asked for, in command order.
    sw: VecDeque<Expected>,
    /// Recent commands that must send nothing.
    silent: Ring<Silent>,
    /// Recently explained responses.
    answered: Ring<(PrgResponse, u64, Source)>,
    evals: Evaluations,
}

fn needs_answer(r: &Rec) -> bool {
    r.msg.class() == MsgClass::LastRequest
}

fn same_prg(a: &PrgResponse, b: &PrgResponse) -> bool {
    a.rid == b.rid && a.prgi == b.prgi
}

/// Not queued (yet), so it may get its automatic response, and has not had it.
fn awaits_auto(rec: &Rec, r: &PrgResponse) -> bool {
    rec.answered.is_none()
        && rec.msg.rid == r.rid
        && rec.msg.prgi == r.prgi
        && matches!(rec.fate, Fate::Pending | Fate::NotQueued | Fate::WriteFailed)
}

impl<P: ResponsePolicy> ResponseChecker<P> {
    pub fn with_policy(policy: P) -> Self {
        ResponseChecker {
            policy,
            ledger: Ledger::new(),
            open: VecDeque::with_capacity(32),
            sw: VecDeque::with_capacity(16),
            silent: Ring::new(16),
            answered: Ring::new(64),
            evals: Evaluations::new(P::COUNTED),
        }
    }

    fn retire(&mut self) {
        self.ledger.retire(|r| match r.fate {
            Fate::Queued => true,
            Fate::NotQueued | Fate::WriteFailed => !needs_answer(r) || r.answered.is_some(),
            Fate::Pending | Fate::Writing => false,
        });
    }

    fn close(&mut self, seq: u64) {
        if let Some(i) = self.open.iter().position(|o| o.seq == seq) {
            self.open.remove(i);
        }
    }

    /// May `r` be the automatic response of `o`?
    fn auto_fits(&self, r: &PrgResponse, o: &Open<P::AtAccept>) -> bool {
        self.ledger
            .get(o.seq)
            .is_some_and(|rec| awaits_auto(rec, r) && self.policy.auto_form(r, &rec.msg, rec.fate == Fate::WriteFailed, &o.at))
    }

    /// An entry written for a message that already had its automatic response.
    #[inline(never)]
    fn on_write(&mut self, cycle: u64, addr: u64, data: &[u64; 4], out: &mut Vec<Violation>) {
        let e = self.policy.decode(data);
        let answered = match self.ledger.on_write(cycle, &e) {
            WriteMatch::Exact { seq } | WriteMatch::Approx { seq, .. } => {
                self.evals.count(P::RULES.queued_or_answered);
                self.ledger.get(seq).filter(|r| r.answered.is_some()).copied()
            }
            WriteMatch::Unmatched => {
                let m = e.msg.at_interface();
                self.ledger.find(|r| r.answered.is_some() && r.msg == m)
            }
        };
        if let Some(r) = answered {
            if let Some(a) = r.answered {
                out.push(Violation {
                    rule: P::RULES.queued_or_answered,
                    cycle,
                    message: format!(
                        "queue entry at 0x{addr:x} is written for {} accepted at cycle {}, which was already answered automatically at cycle {a}: a message is either queued or answered by hardware",
                        ShowReq(&r.msg),
                        r.cycle
                    ),
                });
            }
        }
        self.retire();
    }

    fn on_ack(&mut self, err: bool) {
        if let Some(seq) = self.ledger.on_ack(err) {
            if !err {
                // A queued L=1 request: from now on only software may answer it.
                if self.ledger.get(seq).is_some_and(needs_answer) {
                    self.evals.count(P::RULES.queued_no_auto);
                }
                self.close(seq);
            }
        }
        self.retire();
    }

    fn on_command(&mut self, cycle: u64, words: &[u64; 4]) {
        match self.policy.command(cycle, words, &mut self.evals) {
            Some(Asked::Response { rsp, need }) => {
                if need == Need::Must {
                    self.evals.count(P::RULES.command_answered);
                }
                self.sw.push_back(Expected { rsp, cycle, need })
            }
            Some(Asked::Nothing { rsp, fits, rule, why }) => self.silent.push(Silent { rsp, cycle, fits, rule, why }),
            None => {}
        }
    }

    // Out of line (as are the other rare paths) so that `observe` stays small for the many
    // transactions that are not responses.
    #[inline(never)]
    fn on_response(&mut self, cycle: u64, rsp: &PrgResponse, out: &mut Vec<Violation>) {
        let r = rsp.at_interface();
        let command = P::RULES.command;
        self.evals.count(rule::PRI_16);
        // 1. The head of the software responses (optional ones at the head may be skipped).
        let hit = self.sw.iter().position(|s| s.rsp == r || s.need == Need::Must).filter(|&i| self.sw[i].rsp == r);
        // A command still held by the flavor's gate cannot have answered: prefer an automatic
        // explanation.
        let held = hit.and_then(|i| match self.sw[i].need {
            Need::Held(token) => self.policy.held(token),
            _ => None,
        });
        if let Some(i) = hit.filter(|_| held.is_none() || !self.open.iter().any(|o| self.auto_fits(&r, o))) {
            let s = self.sw[i];
            self.count_command_response();
            if let Some((rule, why)) = held {
                let message = format!("response {} answers the {command} taken at cycle {} {why}", ShowRsp(&r), s.cycle);
                out.push(Violation { rule, cycle, message });
            }
            self.sw.drain(..=i);
            self.answered.push((r, cycle, Source::Command(s.cycle)));
            return;
        }
        // 2. An automatic response, oldest fitting request first.
        if let Some(k) = self.open.iter().position(|o| self.auto_fits(&r, o)) {
            if let Some(rule) = P::RULES.auto_order {
                self.evals.count(rule);
                let skipped = self
                    .open
                    .iter()
                    .take(k)
                    .find_map(|e| self.ledger.get(e.seq).filter(|rec| rec.fate == Fate::NotQueued && rec.answered.is_none()));
                if let Some(e) = skipped {
                    out.push(Violation {
                        rule,
                        cycle,
                        message: format!(
                            "automatic response {} is sent while {} accepted at cycle {} (earlier, not queued) has not had its own: automatic responses keep request order",
                            ShowRsp(&r),
                            ShowReq(&e.msg),
                            e.cycle
                        ),
                    });
                }
            }
            let o = self.open[k];
            self.count_auto(o.seq, &o.at);
            self.take_auto(o.seq, cycle, r);
            return;
        }
        // 3. A later software response: out of command order.
        if let Some(i) = self.sw.iter().position(|s| s.rsp == r) {
            let s = self.sw.remove(i).expect("position is valid");
            self.count_command_response();
            out.push(Violation {
                rule: P::RULES.command_order,
                cycle,
                message: format!(
                    "response {} answers the {command} taken at cycle {}, but the earlier {command} taken at cycle {} (asking for {}) has not been answered: software responses keep command order",
                    ShowRsp(&r),
                    s.cycle,
                    self.sw[0].cycle,
                    ShowRsp(&self.sw[0].rsp)
                ),
            });
            self.answered.push((r, cycle, Source::Command(s.cycle)));
            return;
        }
        let v = self.diagnose(cycle, r);
        out.push(v);
    }

    /// A response matched to a software command: its order and content were judged.
    fn count_command_response(&mut self) {
        self.evals.count(P::RULES.command_order);
        self.evals.count(P::RULES.command_content);
    }

    /// An automatic response of the request `seq` (owed to it, and of a form the flavor judges).
    fn count_auto(&mut self, seq: u64, at: &P::AtAccept) {
        self.evals.count(P::RULES.auto_owed.0);
        if let Some(rec) = self.ledger.get(seq) {
            for &rule in self.policy.auto_rules(&rec.msg, rec.fate == Fate::WriteFailed, at) {
                self.evals.count(rule);
            }
        }
    }

    fn take_auto(&mut self, seq: u64, cycle: u64, r: PrgResponse) {
        self.ledger.mark_answered(seq, cycle);
        self.close(seq);
        self.answered.push((r, cycle, Source::Auto(seq)));
        self.retire();
    }

    /// Why `r` fits nothing; the closest explanation is consumed so one bug reports once.
    #[cold]
    #[inline(never)]
    fn diagnose(&mut self, cycle: u64, r: PrgResponse) -> Violation {
        let rules = &P::RULES;
        let command = rules.command;
        let v = |rule: RuleId, message: String| Violation { rule, cycle, message };
        if let Some(s) = self.silent.iter().rev().find(|s| (s.fits)(&s.rsp, &r)) {
            return v(s.rule, format!("response {} answers the {command} taken at cycle {} {}", ShowRsp(&r), s.cycle, s.why));
        }
        // A request that awaits its automatic response, answered in another form.
        let wrong_auto = self.open.iter().find(|o| self.ledger.get(o.seq).is_some_and(|rec| awaits_auto(rec, &r))).copied();
        if let Some(o) = wrong_auto {
            let rec = *self.ledger.get(o.seq).expect("found above");
            let (rule, want) = self.policy.auto_form_broken(&r, &rec.msg, rec.fate == Fate::WriteFailed, &o.at);
            self.count_auto(o.seq, &o.at);
            self.take_auto(o.seq, cycle, r);
            return v(
                rule,
                format!(
                    "response {} is the automatic response of {} accepted at cycle {} (not queued), but it must carry {want}",
                    ShowRsp(&r),
                    ShowReq(&rec.msg),
                    rec.cycle
                ),
            );
        }
        // The pending command for that PRG, asking for something else.
        if let Some(i) = self.sw.iter().position(|s| same_prg(&s.rsp, &r)) {
            let s = self.sw.remove(i).expect("position is valid");
            self.answered.push((r, cycle, Source::Command(s.cycle)));
            return v(
                rules.command_content,
                format!("response {} answers the {command} taken at cycle {}, which asks for {}", ShowRsp(&r), s.cycle, ShowRsp(&s.rsp)),
            );
        }
        if let Some(&(_, c0, src)) = self.answered.iter().rev().find(|(x, _, _)| *x == r) {
            let what = match src {
                Source::Command(c) => format!("the {command} taken at cycle {c}"),
                Source::Auto(seq) => match self.ledger.find(|x| x.seq == seq) {
                    Some(rec) => format!("the automatic response of {} accepted at cycle {}", ShowReq(&rec.msg), rec.cycle),
                    None => "an automatic response".to_string(),
                },
            };
            return v(rule::PRI_16, format!("response {} was already sent at cycle {c0} as {what}; it is answered twice", ShowRsp(&r)));
        }
        // A message of that requester that never gets an automatic response.
        let find = |pred: &dyn Fn(&Rec) -> bool| self.ledger.find(|x| x.msg.rid == r.rid && pred(x));
        if let Some(rec) = find(&|x| x.msg.class() == MsgClass::StopMarker && (!r.pv || x.msg.pasid == r.pasid)) {
            return v(
                rules.stop_marker,
                format!(
                    "response {} answers the Stop Marker {} accepted at cycle {}; Stop Markers never get a response",
                    ShowRsp(&r),
                    ShowReq(&rec.msg),
                    rec.cycle
                ),
            );
        }
        if let Some(rule) = rules.l0_request {
            if let Some(rec) = find(&|x| x.msg.class() == MsgClass::Request && x.msg.prgi == r.prgi && x.fate == Fate::NotQueued) {
                return v(
                    rule,
                    format!("response {} answers the L=0 request {} accepted at cycle {}, which was not queued; L=0 requests never get an automatic response", ShowRsp(&r), ShowReq(&rec.msg), rec.cycle),
                );
            }
        }
        if let Some(rec) = find(&|x| needs_answer(x) && x.msg.prgi == r.prgi && matches!(x.fate, Fate::Queued | Fate::Writing)) {
            return v(
                rules.queued_no_auto,
                format!(
                    "response {} looks automatic, but {} accepted at cycle {} was written to the queue: only software answers it",
                    ShowRsp(&r),
                    ShowReq(&rec.msg),
                    rec.cycle
                ),
            );
        }
        v(
            rule::PRI_16,
            format!("response {} matches no pending {command} and no accepted L=1 request awaiting an automatic response", ShowRsp(&r)),
        )
    }
}

impl<P: ResponsePolicy> Checker for ResponseChecker<P> {
    fn name(&self) -> &'static str {
        P::NAME
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let acked = self.policy.observe(t, &mut self.evals, out);
        match t.txn {
            Txn::PageRequest { ref msg } => {
                let seq = self.ledger.accept(t.cycle, msg);
                match msg.class() {
                    MsgClass::LastRequest => self.open.push_back(Open { seq, at: self.policy.at_accept(msg) }),
                    MsgClass::StopMarker => self.evals.count(P::RULES.stop_marker),
                    MsgClass::Request => {
                        if let Some(rule) = P::RULES.l0_request {
                            self.evals.count(rule);
                        }
                    }
                }
            }
            Txn::MemWrite { addr, ref data, .. } => self.on_write(t.cycle, addr, data, out),
            Txn::Command { ref words, .. } => self.on_command(t.cycle, words),
            Txn::Response { ref rsp } => self.on_response(t.cycle, rsp, out),
            _ => {}
        }
        if let Some(err) = acked {
            self.on_ack(err);
        }
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        self.ledger.finish();
        self.policy.finish(&mut self.evals, out);
        let (rule, forms) = P::RULES.auto_owed;
        for rec in self.open.iter().filter_map(|o| self.ledger.get(o.seq)) {
            if rec.answered.is_none() && matches!(rec.fate, Fate::NotQueued | Fate::WriteFailed) {
                self.evals.count(rule);
                let failed = if rec.fate == Fate::WriteFailed { " (its write failed)" } else { "" };
                out.push(Violation {
                    rule,
                    cycle: end_cycle,
                    message: format!(
                        "{} accepted at cycle {} was not queued{failed} and never answered: an L=1 request that is not queued gets exactly one automatic response {forms}",
                        ShowReq(&rec.msg),
                        rec.cycle
                    ),
                });
            }
        }
        let (rule, command) = (P::RULES.command_answered, P::RULES.command);
        for s in self.sw.iter().filter(|s| s.need == Need::Must) {
            out.push(Violation {
                rule,
                cycle: end_cycle,
                message: format!("the {command} taken at cycle {} was never answered: expected response {}", s.cycle, ShowRsp(&s.rsp)),
            });
        }
        self.sw.clear();
        self.open.clear();
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
