//! Stalls are never lost and resolved as commanded: SMMU-EVTQ-8 (a STAG is outstanding from the
//! acceptance of its stall record until a matching CMD_RESUME, a CMD_STALL_TERM of its StreamID
//! or SMMUEN going to 0; no two outstanding stalls share a STAG; at most STALL_MAX outstanding;
//! each stall is resolved exactly once), SMMU-CMD-7 (CMD_RESUME resolves only the stall matching
//! StreamID and STAG, with the action Ac/Ab ask for) and SMMU-CMD-8 (CMD_STALL_TERM aborts every
//! stall of its StreamID).
//!
//! Timing-free: a stall's STAG is learnt from its written record (or its resolution); a stall is
//! surely outstanding while no command or SMMUEN=0 could have resolved it, and only those count
//! towards STALL_MAX and STAG uniqueness (a resolved STAG may be reused before its resolution is
//! taken on the output). A resolution must name a stall that some command (or SMMUEN=0) resolved
//! with that action; at the end of a test every commanded stall must have been resolved.

use super::evtq_view::{action_name, concerns_evtq, ev_of, Ev, EvtqView, Fate};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::rules::RuleId;
use models::smmuv3::cmd::{Command, OP_RESUME, OP_STALL_TERM};
use models::smmuv3::evtq_arch::{resume_action, Resolution, StallAction};

/// What resolved a stall, as far as the commands tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum By {
    /// CMD_RESUME at this cycle with this action (SMMU-CMD-7).
    Resume(u64, StallAction),
    /// CMD_STALL_TERM at this cycle (SMMU-CMD-8).
    Term(u64),
}

#[derive(Clone, Copy, Debug)]
struct Stall {
    seq: u64,
    cycle: u64,
    sid: u32,
    stag: Option<u16>,
    by: Option<By>,
    /// A CMD_RESUME of its StreamID while its STAG was unknown: (STAG, action).
    maybe_resume: Option<(u16, StallAction)>,
    /// CR0ACK.SMMUEN may have been 0 since its acceptance: it may be aborted (SMMU-EVTQ-8).
    smmuen_abort: bool,
    /// A command that must not resolve it while it was outstanding: a CMD_RESUME with its STAG
    /// but another StreamID, or a CMD_STALL_TERM of another StreamID (cycle, opcode, StreamID).
    other: Option<(u64, u8, u32)>,
}

impl Stall {
    /// Surely outstanding: nothing could have resolved it yet.
    fn surely_outstanding(&self) -> bool {
        self.by.is_none() && !self.smmuen_abort
    }

    fn allows(&self, stag: u16, action: StallAction) -> bool {
        let by = match self.by {
            Some(By::Resume(_, a)) => a == action,
            Some(By::Term(_)) => action == StallAction::Abort,
            None => false,
        };
        let maybe = self.maybe_resume.is_some_and(|(t, a)| t == stag && a == action);
        by || maybe || (self.smmuen_abort && action == StallAction::Abort)
    }
}

pub struct StallChecker {
    view: EvtqView,
    stall_max: u32,
    /// Accepted stalls not yet resolved, in acceptance order.
    stalls: Vec<Stall>,
    evals: Evaluations,
}

const RULES: &[RuleId] = &[rule::SMMU_EVTQ_8, rule::SMMU_CMD_7, rule::SMMU_CMD_8];

impl StallChecker {
    /// `eventqs`: IDR1.EVENTQS; `stall_max`: IDR5.STALL_MAX of the build.
    pub fn new(eventqs: u32, stall_max: u32) -> Self {
        StallChecker { view: EvtqView::new(eventqs), stall_max, stalls: Vec::with_capacity(16), evals: Evaluations::new(RULES) }
    }

    fn on_accept(&mut self, cycle: u64, seq: u64, sid: u32, out: &mut Vec<Violation>) {
        self.evals.count(rule::SMMU_EVTQ_8);
        let smmuen_abort = self.view.smmuen.settled() != Some(true);
        self.stalls.push(Stall { seq, cycle, sid, stag: None, by: None, maybe_resume: None, smmuen_abort, other: None });
        let n = self.stalls.iter().filter(|s| s.surely_outstanding()).count();
        if n as u64 > u64::from(self.stall_max) {
            out.push(Violation {
                rule: rule::SMMU_EVTQ_8,
                cycle,
                message: format!(
                    "a stall record of StreamID 0x{sid:x} was accepted while {} stalls were already outstanding (none resolved by a command or SMMUEN=0): at most IDR5.STALL_MAX = {} stalls are outstanding (OP-3: the event input waits)",
                    n - 1,
                    self.stall_max
                ),
            });
        }
    }

    fn on_written(&mut self, cycle: u64, seq: u64, stag: u16, out: &mut Vec<Violation>) {
        self.evals.count(rule::SMMU_EVTQ_8);
        let clash = self.stalls.iter().find(|s| s.seq != seq && s.stag == Some(stag) && s.surely_outstanding()).copied();
        if let Some(me) = self.stalls.iter_mut().find(|s| s.seq == seq) {
            me.stag = Some(stag);
            if let Some(o) = clash {
                out.push(Violation {
                    rule: rule::SMMU_EVTQ_8,
                    cycle,
                    message: format!(
                        "the stall record of StreamID 0x{:x} accepted at cycle {} carries STAG 0x{stag:x}, which the stall of StreamID 0x{:x} accepted at cycle {} still holds (never resolved): no two outstanding stalls share a STAG",
                        me.sid, me.cycle, o.sid, o.cycle
                    ),
                });
            }
        }
    }

    fn on_command(&mut self, cycle: u64, c: Command) {
        match c {
            Command::Resume { stream_id, stag, ac, ab } => {
                self.evals.count(rule::SMMU_CMD_7);
                let action = resume_action(ac, ab, false);
                for s in self.stalls.iter_mut().filter(|s| s.sid != stream_id && s.by.is_none() && s.stag.is_none_or(|t| t == stag)) {
                    s.other = Some((cycle, OP_RESUME, stream_id));
                }
                let open = |s: &&mut Stall| s.sid == stream_id && s.by.is_none();
                if let Some(s) = self.stalls.iter_mut().filter(open).find(|s| s.stag == Some(stag)) {
                    s.by = Some(By::Resume(cycle, action));
                } else {
                    for s in self.stalls.iter_mut().filter(|s| s.sid == stream_id && s.by.is_none() && s.stag.is_none()) {
                        s.maybe_resume = Some((stag, action));
                    }
                }
            }
            Command::StallTerm { stream_id } => {
                self.evals.count(rule::SMMU_CMD_8);
                for s in self.stalls.iter_mut().filter(|s| s.sid != stream_id && s.by.is_none()) {
                    s.other = Some((cycle, OP_STALL_TERM, stream_id));
                }
                for s in self.stalls.iter_mut().filter(|s| s.sid == stream_id && s.by.is_none()) {
                    s.by = Some(By::Term(cycle));
                }
            }
            _ => {}
        }
    }

    fn on_resolution(&mut self, cycle: u64, r: Resolution, out: &mut Vec<Violation>) {
        self.evals.count(rule::SMMU_EVTQ_8);
        let known = self.stalls.iter().position(|s| s.sid == r.sid && s.stag == Some(r.stag));
        let i = known.or_else(|| self.stalls.iter().position(|s| s.sid == r.sid && s.stag.is_none() && s.allows(r.stag, r.action)));
        let Some(i) = i else {
            out.push(Violation {
                rule: rule::SMMU_EVTQ_8,
                cycle,
                message: format!(
                    "stall resolution {} for StreamID 0x{:x} STAG 0x{:x}, but no accepted, unresolved stall has that StreamID and STAG: each accepted stall is resolved exactly once",
                    action_name(r.action),
                    r.sid,
                    r.stag
                ),
            });
            return;
        };
        let s = self.stalls.remove(i);
        match s.by {
            Some(By::Resume(..)) => self.evals.count(rule::SMMU_CMD_7),
            Some(By::Term(_)) => self.evals.count(rule::SMMU_CMD_8),
            None => {}
        }
        if s.allows(r.stag, r.action) {
            return;
        }
        let (rule, why) = match s.by {
            Some(By::Resume(c, a)) => (rule::SMMU_CMD_7, format!("the CMD_RESUME at cycle {c} asked for {}", action_name(a))),
            Some(By::Term(c)) => (rule::SMMU_CMD_8, format!("the CMD_STALL_TERM at cycle {c} aborts")),
            // Resolved by a command meant for another stall: the command matched wrongly.
            None => match s.other {
                Some((c, OP_RESUME, sid)) => (
                    rule::SMMU_CMD_7,
                    format!("the only CMD_RESUME with its STAG (cycle {c}) names StreamID 0x{sid:x}: a CMD_RESUME resolves only the stall matching both StreamID and STAG"),
                ),
                Some((c, _, sid)) => (
                    rule::SMMU_CMD_8,
                    format!("the only CMD_STALL_TERM since (cycle {c}) names StreamID 0x{sid:x}: a CMD_STALL_TERM resolves only the stalls of its StreamID"),
                ),
                None => (rule::SMMU_EVTQ_8, "no CMD_RESUME, CMD_STALL_TERM or SMMUEN=0 resolved it".to_string()),
            },
        };
        out.push(Violation {
            rule,
            cycle,
            message: format!(
                "the stall of StreamID 0x{:x} STAG 0x{:x} accepted at cycle {} was resolved {}, but {why}",
                s.sid,
                r.stag,
                s.cycle,
                action_name(r.action)
            ),
        });
    }
}

impl Checker for StallChecker {
    fn name(&self) -> &'static str {
        "smmuv3-evtq-stalls"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if !concerns_evtq(&t.txn) {
            return;
        }
        let cycle = t.cycle;
        // Only CMD_RESUME and CMD_STALL_TERM resolve stalls: the opcode byte says so before the
        // full decode.
        if let Txn::Command { words, .. } = t.txn {
            if matches!(words[0] as u8, OP_RESUME | OP_STALL_TERM) {
                self.on_command(cycle, Command::decode(words[0], words[1]));
            }
        }
        match ev_of(&t.txn) {
            Some(Ev::Accepted(input)) if input.is_stall() => {
                let seq = self.view.accepted;
                self.on_accept(cycle, seq, input.sid, out);
            }
            Some(Ev::Resolved(r)) => self.on_resolution(cycle, r, out),
            Some(Ev::BadAction { sid, stag, code }) => {
                self.evals.count(rule::SMMU_CMD_7);
                out.push(Violation {
                    rule: rule::SMMU_CMD_7,
                    cycle,
                    message: format!("stall resolution for StreamID 0x{sid:x} STAG 0x{stag:x} has action code {code}, which is none of retry (0), abort (1), RAZ/WI (2)"),
                });
            }
            _ => {}
        }
        let mut written = None;
        self.view.observe(cycle, &t.txn, |f| {
            if let Fate::Written { rec, stag } = f {
                if rec.input.is_stall() {
                    written = Some((rec.seq, stag));
                }
            }
        });
        if let Some((seq, stag)) = written {
            self.on_written(cycle, seq, stag, out);
        }
        // While CR0ACK.SMMUEN may be 0 every outstanding stall may be aborted (SMMU-EVTQ-8).
        if self.view.smmuen.settled() != Some(true) {
            for s in &mut self.stalls {
                s.smmuen_abort = true;
            }
        }
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        for s in self.stalls.iter().filter(|s| s.by.is_some()) {
            let (rule, what) = match s.by {
                Some(By::Resume(c, a)) => (rule::SMMU_CMD_7, format!("the CMD_RESUME ({}) at cycle {c}", action_name(a))),
                _ => (rule::SMMU_CMD_8, "a CMD_STALL_TERM".to_string()),
            };
            out.push(Violation {
                rule,
                cycle: end_cycle,
                message: format!(
                    "the stall of StreamID 0x{:x}{} accepted at cycle {} was resolved by {what}, but no resolution appeared on the stall-resolution output by the end of the test",
                    s.sid,
                    s.stag.map(|t| format!(" STAG 0x{t:x}")).unwrap_or_default(),
                    s.cycle
                ),
            });
        }
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
