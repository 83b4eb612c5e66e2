//! Stopping a PASID, and message order around it: PRI-24, PRI-25, PRI-26, PRI-28, PRI-29,
//! PRI-30.
//!
//! The checker sees only the ingress, so it orders the function's actions against acceptance
//! with the `sent` counts of `StopRequested` / `StopComplete`: the k-th accepted message with
//! PASID P of a function (Stop Markers included) is the k-th one it sent (PRI-28). Per
//! (function, P) it reports:
//! - PRI-29: at `StopComplete`, fewer messages of P accepted than the function had sent;
//! - PRI-25 (variant A): at `StopComplete`, a PRG of P still outstanding (its response had not
//!   left the egress); or a Stop Marker for P after a variant-A stop;
//! - PRI-26 (variant B): a second Stop Marker for one stop, a Stop Marker with no stop request, or
//!   (at `finish`) a variant-B stop whose Stop Marker was never accepted;
//! - PRI-24: after `StopRequested`, a request of P sent after it (ordinal above its `sent`) that
//!   starts a new PRG instead of finishing an open one;
//! - PRI-28: a page request of P that the function sent before the Stop Marker (before
//!   stop-complete) accepted after the Stop Marker;
//! - PRI-30: a request of P sent after stop-complete and accepted before the host bound P again
//!   (`PasidBound`), reported once per stop.
//!
//! Cannot detect: reordering among messages of other PASIDs or PASID-less ones (no counts for
//! them), or a Stop Marker sent after new-incarnation requests (the marker carries no count);
//! stops still in progress at `finish` are not judged.

use super::config::PriConfig;
use super::tracker::{ReqOutcome, ShowPrg, Tracker};
use crate::checkers::{rule, Checker, Evaluations, ShowReq, Violation};
use crate::txn::{Stamped, StopVariant, Txn};
use models::pcie::{MsgClass, PageRequest};
use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug)]
struct Stop {
    variant: StopVariant,
    requested: u64,
    req_sent: u64,
    /// (cycle, sent) of stop-complete.
    complete: Option<(u64, u64)>,
    /// Cycle its Stop Marker was accepted.
    marker: Option<u64>,
    /// `PasidBound` seen after stop-complete.
    rebound: bool,
    reported_30: bool,
}

#[derive(Clone, Copy, Debug, Default)]
struct PState {
    accepted: u64,
    stop: Option<Stop>,
    /// Completed variant-B stops whose Stop Marker has not been accepted (with the cycle of the
    /// oldest stop-complete).
    owed_markers: u32,
    owed_since: u64,
    last_variant: Option<StopVariant>,
}

pub struct StopOrderChecker {
    tracker: Tracker,
    pasids: FxHashMap<(u16, u32), PState>,
    evals: Evaluations,
}

/// What it judges, each where the situation arises: a Stop Marker (PRI-26), a request of a
/// stopping or stopped PASID (PRI-24, PRI-28, PRI-30), a stop-complete (PRI-29, and PRI-25 or
/// PRI-26 by variant).
const RULES: &[models::rules::RuleId] = &[rule::PRI_24, rule::PRI_25, rule::PRI_26, rule::PRI_28, rule::PRI_29, rule::PRI_30];

impl StopOrderChecker {
    pub fn new(cfg: &PriConfig) -> Self {
        StopOrderChecker { tracker: Tracker::new(cfg), pasids: FxHashMap::default(), evals: Evaluations::new(RULES) }
    }

    fn on_message(&mut self, cycle: u64, m: &PageRequest, out: &mut Vec<Violation>) {
        let outcome = self.tracker.on_request(cycle, m);
        if !m.pv || self.tracker.func(m.rid).is_none() {
            return;
        }
        let s = self.pasids.entry((m.rid, m.pasid)).or_default();
        s.accepted += 1;
        let k = s.accepted;
        let v = |rule, message| Violation { rule, cycle, message };
        if m.class() == MsgClass::StopMarker {
            self.evals.count(rule::PRI_26);
            let current_owed =
                u32::from(s.stop.is_some_and(|st| st.variant == StopVariant::B && st.complete.is_some() && st.marker.is_none()));
            if s.owed_markers > current_owed {
                // The marker of an earlier stop whose successor was already requested.
                s.owed_markers -= 1;
            } else if let Some(st) = s.stop.as_mut().filter(|st| st.variant == StopVariant::B && st.marker.is_none()) {
                st.marker = Some(cycle);
                if st.complete.is_some() {
                    s.owed_markers = s.owed_markers.saturating_sub(1);
                }
            } else if let Some(st) = s.stop.filter(|st| st.variant == StopVariant::B && st.marker.is_some()) {
                out.push(v(
                    rule::PRI_26,
                    format!(
                        "second Stop Marker {} for the variant-B stop requested at cycle {}; the first was accepted at cycle {}: a stop sends exactly one",
                        ShowReq(m),
                        st.requested,
                        st.marker.unwrap_or(0)
                    ),
                ));
            } else if s.last_variant == Some(StopVariant::A) {
                out.push(v(
                    rule::PRI_25,
                    format!(
                        "Stop Marker {} after a variant-A stop of PASID 0x{:x} (requested at cycle {}): variant A sends no Stop Marker",
                        ShowReq(m),
                        m.pasid,
                        s.stop.map_or(0, |st| st.requested)
                    ),
                ));
            } else {
                out.push(v(
                    rule::PRI_26,
                    format!(
                        "Stop Marker {} without a variant-B stop request for PASID 0x{:x} of function 0x{:04x}",
                        ShowReq(m),
                        m.pasid,
                        m.rid
                    ),
                ));
            }
            return;
        }
        let Some(st) = s.stop.as_mut() else { return };
        match st.complete {
            Some((cc, sent)) if k <= sent => {
                self.evals.count(rule::PRI_28);
                // Sent before stop-complete (PRI-29 was reported then), so before the marker.
                if let Some(mc) = st.marker {
                    out.push(v(
                        rule::PRI_28,
                        format!(
                            "request {} is the function's message #{k} of PASID 0x{:x}, sent before stop-complete (cycle {cc}, {sent} sent), but accepted after the Stop Marker of cycle {mc}: a Stop Marker never passes earlier requests",
                            ShowReq(m),
                            m.pasid
                        ),
                    ));
                }
            }
            Some((cc, sent)) => {
                self.evals.count(rule::PRI_30);
                if !st.rebound && !st.reported_30 {
                    st.reported_30 = true;
                    out.push(v(
                        rule::PRI_30,
                        format!(
                            "request {} (message #{k} of PASID 0x{:x}; {sent} were sent at stop-complete, cycle {cc}) was sent after stop-complete and before the host bound PASID 0x{:x} again",
                            ShowReq(m),
                            m.pasid,
                            m.pasid
                        ),
                    ));
                }
            }
            None => {
                self.evals.count(rule::PRI_28);
                if st.marker.is_none() && k > st.req_sent {
                    self.evals.count(rule::PRI_24);
                }
                if let Some(mc) = st.marker {
                    out.push(v(
                        rule::PRI_28,
                        format!(
                            "request {} of PASID 0x{:x} accepted after the Stop Marker of cycle {mc}: the Stop Marker follows the last request of the PASID",
                            ShowReq(m),
                            m.pasid
                        ),
                    ));
                } else if k > st.req_sent && matches!(outcome, ReqOutcome::Started { .. }) {
                    out.push(v(
                        rule::PRI_24,
                        format!(
                            "request {} (message #{k} of PASID 0x{:x}; {} were sent when the stop was requested at cycle {}) starts a new PRG while the PASID is stopping: only open PRGs may be finished",
                            ShowReq(m),
                            m.pasid,
                            st.req_sent,
                            st.requested
                        ),
                    ));
                }
            }
        }
    }

    fn on_event(&mut self, cycle: u64, e: &Txn, out: &mut Vec<Violation>) {
        match *e {
            Txn::StopRequested { rid, pasid, variant, sent } if self.tracker.func(rid).is_some() => {
                let s = self.pasids.entry((rid, pasid)).or_default();
                s.stop = Some(Stop {
                    variant,
                    requested: cycle,
                    req_sent: sent,
                    complete: None,
                    marker: None,
                    rebound: false,
                    reported_30: false,
                });
                s.last_variant = Some(variant);
            }
            Txn::StopComplete { rid, pasid, sent } if self.tracker.func(rid).is_some() => {
                let s = self.pasids.entry((rid, pasid)).or_default();
                let accepted = s.accepted;
                if let Some(st) = s.stop.as_mut() {
                    self.evals.count(rule::PRI_29);
                    self.evals.count(if st.variant == StopVariant::A { rule::PRI_25 } else { rule::PRI_26 });
                    st.complete = Some((cycle, sent));
                    if st.variant == StopVariant::B && st.marker.is_none() {
                        if s.owed_markers == 0 {
                            s.owed_since = cycle;
                        }
                        s.owed_markers += 1;
                    }
                    if accepted < sent {
                        out.push(Violation {
                            rule: rule::PRI_29,
                            cycle,
                            message: format!(
                                "function 0x{rid:04x} signalled stop-complete for PASID 0x{pasid:x} having sent {sent} message(s) of it, but only {accepted} were accepted at the ingress"
                            ),
                        });
                    }
                    if st.variant == StopVariant::A {
                        let mut it = self.tracker.outstanding_of(rid, pasid);
                        if let Some(p) = it.next() {
                            let more = it.count();
                            out.push(Violation {
                                rule: rule::PRI_25,
                                cycle,
                                message: format!(
                                    "function 0x{rid:04x} signalled stop-complete (variant A) for PASID 0x{pasid:x} while {} {}is still outstanding: variant A waits for every response",
                                    ShowPrg(p),
                                    if more > 0 { format!("(and {more} more) ") } else { String::new() }
                                ),
                            });
                        }
                    }
                }
            }
            Txn::PasidBound { rid, pasid } => {
                if let Some(st) = self.pasids.get_mut(&(rid, pasid)).and_then(|s| s.stop.as_mut()) {
                    if st.complete.is_some() {
                        st.rebound = true;
                    }
                }
            }
            _ => {}
        }
        self.tracker.on_event(e);
    }
}

impl Checker for StopOrderChecker {
    fn name(&self) -> &'static str {
        "pri-stop-order"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        match t.txn {
            Txn::PageRequest { ref msg } => self.on_message(t.cycle, msg, out),
            Txn::Response { ref rsp } => {
                self.tracker.on_response(rsp);
            }
            ref e => self.on_event(t.cycle, e, out),
        }
    }

    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>) {
        let mut owed: Vec<_> = self.pasids.iter().filter(|(_, s)| s.owed_markers > 0).collect();
        owed.sort_by_key(|(k, _)| **k);
        for (&(rid, pasid), s) in owed {
            out.push(Violation {
                rule: rule::PRI_26,
                cycle: end_cycle,
                message: format!(
                    "function 0x{rid:04x} stopped PASID 0x{pasid:x} with variant B ({} stop(s), the oldest completed at cycle {}) but no Stop Marker for it was accepted",
                    s.owed_markers, s.owed_since
                ),
            });
        }
    }

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
