//! PASID release and reuse: HOST-27, HOST-28.
//!
//! Per (function, P) it follows the lifecycle the harness reports: `PasidBound` → `StopRequested`
//! → `StopComplete` → (`QueueDrained`) → `PasidFreed` → `PasidBound` (a new incarnation), and the
//! outstanding PRGs of P from the interface transactions. It reports:
//! - HOST-27: `PasidFreed` of P while a function it was bound to has not signalled stop-complete
//!   for it, while a PRG of (function, P) is outstanding (step 3: answer every PRG, stale ones
//!   included), or, when built `with_drain_events`, before `QueueDrained` of (function, P)
//!   followed the stop-complete (step 2);
//! - HOST-28: `PasidBound` of (function, P) after a stop of P while a PRG of the old incarnation
//!   is outstanding, or before P was freed (and, with drain events, drained); a page request of
//!   (function, P) accepted after `PasidFreed` and before the next `PasidBound` (once per freed
//!   period). Stop Markers are exempt: a variant-B marker may arrive after the host freed P
//!   (the host never depends on it).
//!
//! Queue drain: without `with_drain_events` the checker only knows outstanding PRGs, not queue
//! entries of P that the host has not consumed; the harness that reports `QueueDrained` for every
//! drain should build the checker with it. A PASID used with no `PasidBound` first counts as bound.

use super::config::PriConfig;
use super::tracker::{ShowPrg, Tracker};
use crate::checkers::{rule, Checker, Evaluations, ShowReq, Violation};
use crate::txn::{Stamped, Txn};
use models::pcie::MsgClass;
use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Life {
    Bound,
    Stopping { requested: u64 },
    Stopped { complete: u64, drained: bool },
    Freed { freed: u64, reported: bool },
}

pub struct PasidReuseChecker {
    tracker: Tracker,
    life: FxHashMap<(u16, u32), Life>,
    drain_events: bool,
    /// HOST-28 on each re-bind and each PASID request of a known PASID; HOST-27 on each
    /// (function, PASID) a free releases.
    evals: Evaluations,
}

impl PasidReuseChecker {
    pub fn new(cfg: &PriConfig) -> Self {
        PasidReuseChecker {
            tracker: Tracker::new(cfg),
            life: FxHashMap::default(),
            drain_events: false,
            evals: Evaluations::new(&[rule::HOST_27, rule::HOST_28]),
        }
    }

    /// The harness reports `QueueDrained` for every drain: require it between stop-complete and
    /// the free (HOST-27 step 2) and before a rebind (HOST-28).
    pub fn with_drain_events(mut self) -> Self {
        self.drain_events = true;
        self
    }

    fn outstanding(&self, rid: u16, pasid: u32) -> Option<String> {
        let mut it = self.tracker.outstanding_of(rid, pasid);
        let p = it.next()?;
        let more = it.count();
        Some(if more > 0 { format!("{} and {more} more PRG(s)", ShowPrg(p)) } else { ShowPrg(p).to_string() })
    }

    fn on_event(&mut self, cycle: u64, e: &Txn, out: &mut Vec<Violation>) {
        match *e {
            Txn::PasidBound { rid, pasid } if self.tracker.func(rid).is_some() => {
                self.evals.count(rule::HOST_28);
                let prev = self.life.insert((rid, pasid), Life::Bound);
                let old = !matches!(prev, None | Some(Life::Bound));
                let why = if let (true, Some(p)) = (old, self.outstanding(rid, pasid)) {
                    Some(format!("{p} of the old incarnation is still outstanding"))
                } else {
                    match prev {
                        Some(Life::Stopping { requested }) => {
                            Some(format!("its stop requested at cycle {requested} has not completed and P was not freed"))
                        }
                        Some(Life::Stopped { complete, drained }) => Some(format!(
                            "it stopped at cycle {complete} but was never freed{}",
                            if self.drain_events && !drained { " nor its queue drained" } else { "" }
                        )),
                        _ => None,
                    }
                };
                if let Some(why) = why {
                    out.push(Violation {
                        rule: rule::HOST_28,
                        cycle,
                        message: format!(
                            "PASID 0x{pasid:x} was bound again to function 0x{rid:04x} before the HOST-27 release completed: {why}"
                        ),
                    });
                }
            }
            Txn::StopRequested { rid, pasid, .. } if self.tracker.func(rid).is_some() => {
                self.life.insert((rid, pasid), Life::Stopping { requested: cycle });
            }
            Txn::StopComplete { rid, pasid, .. } if self.tracker.func(rid).is_some() => {
                self.life.insert((rid, pasid), Life::Stopped { complete: cycle, drained: false });
            }
            Txn::QueueDrained { rid, pasid } => {
                if let Some(Life::Stopped { drained, .. }) = self.life.get_mut(&(rid, pasid)) {
                    *drained = true;
                }
            }
            Txn::PasidFreed { pasid } => {
                let mut keys: Vec<(u16, u32)> = self.life.keys().filter(|k| k.1 == pasid).copied().collect();
                keys.sort_unstable();
                for k in keys {
                    let (rid, _) = k;
                    self.evals.count(rule::HOST_27);
                    let why = match self.life[&k] {
                        Life::Bound => Some("the function never signalled stop-complete for it (step 1)".to_string()),
                        Life::Stopping { requested } => Some(format!("the stop requested at cycle {requested} has not completed (step 1)")),
                        Life::Stopped { drained, .. } => match self.outstanding(rid, pasid) {
                            Some(p) => Some(format!("{p} is still outstanding (step 3: answer every PRG of P)")),
                            None if self.drain_events && !drained => {
                                Some("its hardware queue was not drained after stop-complete (step 2)".to_string())
                            }
                            None => None,
                        },
                        Life::Freed { .. } => None,
                    };
                    if let Some(why) = why {
                        out.push(Violation {
                            rule: rule::HOST_27,
                            cycle,
                            message: format!("PASID 0x{pasid:x} was freed while bound to function 0x{rid:04x}: {why}"),
                        });
                    }
                    self.life.insert(k, Life::Freed { freed: cycle, reported: false });
                }
            }
            _ => {}
        }
        self.tracker.on_event(e);
    }
}

impl Checker for PasidReuseChecker {
    fn name(&self) -> &'static str {
        "pri-pasid-reuse"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        match t.txn {
            Txn::PageRequest { ref msg } => {
                if msg.pv && msg.class() != MsgClass::StopMarker {
                    let life = self.life.get_mut(&(msg.rid, msg.pasid));
                    if life.is_some() {
                        self.evals.count(rule::HOST_28);
                    }
                    if let Some(Life::Freed { freed, reported }) = life {
                        if !*reported {
                            *reported = true;
                            out.push(Violation {
                                rule: rule::HOST_28,
                                cycle: t.cycle,
                                message: format!(
                                    "request {} accepted after PASID 0x{:x} was freed at cycle {freed} and before it was bound again: it would be handled with no owner or a new owner's state",
                                    ShowReq(msg),
                                    msg.pasid
                                ),
                            });
                        }
                    }
                }
                self.tracker.on_request(t.cycle, msg);
            }
            Txn::Response { ref rsp } => {
                self.tracker.on_response(rsp);
            }
            ref e => self.on_event(t.cycle, e, out),
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
