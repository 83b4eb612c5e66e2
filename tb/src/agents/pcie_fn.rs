//! PCIe side: the page-request driver of one link and the functions behind it. Each function is
//! the PRI model `models::pcie::PcieFunction` (credits, PRG indexes, PRG lifecycle, responses,
//! stop-PASID); this agent only decides, with a seeded generator, what the functions do next
//! (start a PRG, send its next request, stop a PASID, re-bind it) and puts messages on the link
//! in order, holding `valid` until each is accepted (PRI-28).

use super::Odds;
use models::pcie::{
    Access, FaultModes, FunctionConfig, MarkerVsComplete, PageRequest, PcieFunction, PrgHandle, PrgResponse, Refusal, ResponseEffect,
    Variant,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Random page-request traffic of a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficPlan {
    /// Requester IDs of the functions.
    pub rids: Vec<u16>,
    /// PASIDs each function uses (0 in the list means "no PASID").
    pub pasids: Vec<u32>,
    /// Credits (Outstanding Page Request Allocation) per function.
    pub allocation: u32,
    /// Largest PRG, in requests.
    pub max_prg_len: u32,
    /// PRGs to send in all, across functions.
    pub prgs: u32,
    /// Chance (of 255), when a PASID has no open PRG, that its function is asked to stop using it
    /// (variant A or B, PRI-24..PRI-26) instead of starting a new PRG; it is re-bound (a new
    /// incarnation, PRI-30) once the stop completed and its old PRGs were answered.
    pub stop_odds: u8,
    /// Chance (of 255) that a message is presented in a cycle when one is ready.
    pub send_odds: u8,
    /// DEC-11 opt-in mode: a PRG index may be shared by two PASIDs (exposes HOST-4).
    #[serde(default)]
    pub prgi_shared_across_pasids: bool,
    /// Device fault injection (negative tests): the functions break the named PRI rules.
    #[serde(default)]
    pub faults: FaultModes,
}

/// Something a function did that the monitors report (stop-PASID progress, PRI-24..PRI-30).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceEvent {
    /// `sent`: messages with this PASID the function had produced so far (PRI-29 bookkeeping).
    StopRequested {
        rid: u16,
        pasid: u32,
        variant: Variant,
        sent: u64,
    },
    StopComplete {
        rid: u16,
        pasid: u32,
        sent: u64,
    },
    /// The host released the PASID (its old incarnation fully answered) and bound it again.
    Rebound {
        rid: u16,
        pasid: u32,
        incarnation: u32,
    },
}

/// What the responses did at the functions, for assertions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseTally {
    pub closed: u64,
    pub stale_freed: u64,
    pub response_failures: u64,
    pub unexpected: u64,
}

/// Why a PASID could not be stopped or re-bound (PRI-24..PRI-30); one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StopError {
    #[error("no function with RID {rid:#x}")]
    NoFunction { rid: u16 },
    #[error("PASID {pasid:#x} of {rid:#06x} has no completed stop")]
    NoCompletedStop { rid: u16, pasid: u32 },
    #[error("{0}")]
    Refused(Refusal),
}

/// The link's page-request driver: explicit messages first (directed tests), then generated
/// traffic.
pub struct PcieDriver {
    /// Explicit messages and the function that produced each (`NO_FUNCTION`: none).
    queue: VecDeque<(PageRequest, usize)>,
    plan: Option<TrafficPlan>,
    prgs_started: u32,
    pub functions: Vec<PcieFunction>,
    /// Open PRGs being sent: (function index, handle).
    open: Vec<(usize, PrgHandle)>,
    /// Stops in progress: (function index, PASID, stop-complete already reported).
    stops: Vec<(usize, u32, bool)>,
    /// Re-bind a stopped PASID as soon as its old incarnation is answered (the random class);
    /// off, the test sequence plays the host's release sequence and calls `rebind`.
    pub auto_rebind: bool,
    rng: ChaCha8Rng,
    send_odds: Odds,
    presenting: Option<(PageRequest, usize)>,
    /// Generated traffic starts only when the test sequence releases it (after enabling the queue).
    pub traffic_on: bool,
    pub accepted: u64,
    pub tally: ResponseTally,
    /// Device events not yet reported by the monitors.
    pub events: Vec<DeviceEvent>,
    /// Messages produced and accepted per (RID, PASID), Stop Markers included (PRI-29).
    sent: FxHashMap<(u16, u32), u64>,
    accepted_of: FxHashMap<(u16, u32), u64>,
    /// The on-demand paging classes' page window (`crate::host_paths`): generated requests ask
    /// for pages `first..first + pages` only, and like a device with an ATS cache never for a
    /// page already translated (answered Success, until its PASID is re-bound) or already asked
    /// for by an unanswered PRG of the same PASID. `None`: any page below 2^36.
    pub page_window: Option<PageWindow>,
    /// Window mode: the pages each unanswered generated PRG asked for, by (RID, PRGI, PASID).
    window_prgs: FxHashMap<(u16, u16, Option<u32>), Vec<u64>>,
    /// Window mode: translated pages by (RID, PASID, page).
    translated: FxHashSet<(u16, Option<u32>, u64)>,
}

/// A page window: `pages` page numbers from `first`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageWindow {
    pub first: u64,
    pub pages: u64,
}

/// No function owns the message (an explicit message of a directed test).
const NO_FUNCTION: usize = usize::MAX;

impl PcieDriver {
    pub fn new(plan: Option<TrafficPlan>, rng: ChaCha8Rng) -> Self {
        let functions = plan
            .as_ref()
            .map(|p| {
                p.rids
                    .iter()
                    .map(|&rid| {
                        let cfg = FunctionConfig {
                            rid,
                            capacity: p.allocation,
                            prgi_shared_across_pasids: p.prgi_shared_across_pasids,
                            faults: p.faults,
                            ..FunctionConfig::default()
                        };
                        PcieFunction::enabled(cfg, p.allocation)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let send_odds = Odds(plan.as_ref().map_or(255, |p| p.send_odds));
        PcieDriver {
            queue: VecDeque::new(),
            plan,
            prgs_started: 0,
            functions,
            open: Vec::new(),
            stops: Vec::new(),
            auto_rebind: true,
            rng,
            send_odds,
            presenting: None,
            traffic_on: false,
            accepted: 0,
            tally: ResponseTally::default(),
            events: Vec::new(),
            sent: FxHashMap::default(),
            accepted_of: FxHashMap::default(),
            page_window: None,
            window_prgs: FxHashMap::default(),
            translated: FxHashSet::default(),
        }
    }
    /// Queue one explicit message (sent in order, before generated traffic).
    pub fn send(&mut self, msg: PageRequest) {
        self.queue.push_back((msg, NO_FUNCTION));
    }
    /// Queue a message function `fi` produced itself (`PcieFunction::next_request` or
    /// `stop_marker`, driven by a test such as the fuzz interpreter): its acceptance is reported
    /// to the function and counted for its stops (PRI-29), as for generated traffic.
    pub fn send_produced(&mut self, fi: usize, msg: PageRequest) {
        if let Some(m) = self.produced(msg, fi) {
            self.queue.push_back(m);
        }
    }
    /// Ask function `rid` to stop using `pasid` (PRI-24); the generator finishes its open PRGs
    /// and, for variant B, sends the Stop Marker.
    pub fn request_stop(&mut self, rid: u16, pasid: u32, variant: Variant) -> Result<(), StopError> {
        let fi = self.functions.iter().position(|f| f.rid() == rid).ok_or(StopError::NoFunction { rid })?;
        self.functions[fi].request_stop(pasid, variant).map_err(StopError::Refused)?;
        self.stops.push((fi, pasid, false));
        let sent = self.sent_of(rid, pasid);
        self.events.push(DeviceEvent::StopRequested { rid, pasid, variant, sent });
        Ok(())
    }
    /// Start no new PRG; open ones still finish (the way a device winds down).
    pub fn stop_traffic(&mut self) {
        if let Some(p) = self.plan.as_mut() {
            p.prgs = self.prgs_started;
        }
    }
    /// Nothing queued or presented, no PRG open, no stop unfinished, and no generated PRG left to
    /// start (or every function stopped on Response Failure, PRI-19, and will never send again).
    pub fn is_idle(&self) -> bool {
        let plan_spent = self.plan.as_ref().is_none_or(|p| self.prgs_started >= p.prgs || self.functions.iter().all(|f| f.rf()));
        self.presenting.is_none() && self.queue.is_empty() && self.open.is_empty() && self.stops.is_empty() && plan_spent
    }
    /// Nothing queued or presented (stops and PRGs may still wait for responses).
    pub fn link_idle(&self) -> bool {
        self.presenting.is_none() && self.queue.is_empty()
    }
    /// Every generated PRG has been answered (or its function hit RF).
    pub fn traffic_done(&self) -> bool {
        self.is_idle() && self.functions.iter().all(|f| f.rf() || f.outstanding().next().is_none())
    }
    /// What the link still waits for, for timeout reports.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "PCIe link: {} queued, presenting {:?}, {} open PRGs, stops in progress {:?}, {} PRGs started",
            self.queue.len(),
            self.presenting.map(|p| p.0),
            self.open.len(),
            self.stops
                .iter()
                .map(|&(fi, p, _)| {
                    let f = &self.functions[fi];
                    format!(
                        "{:#06x}/{p}: complete {} marker due {} unaccepted {}",
                        f.rid(),
                        f.stop_complete(p),
                        f.marker_due(p),
                        f.unaccepted()
                    )
                })
                .collect::<Vec<_>>(),
            self.prgs_started
        );
        for f in &self.functions {
            let out: Vec<String> = f
                .outstanding()
                .map(|g| format!("prgi {} pasid {:?} sent {}/{} stale {}", g.prgi, g.pv.then_some(g.pasid), g.sent, g.len, g.stale))
                .collect();
            s.push_str(&format!(
                "\n  function {:#06x}: rf {} credits {}/{} outstanding [{}]",
                f.rid(),
                f.rf(),
                f.credits_committed(),
                f.allocation(),
                out.join("; ")
            ));
        }
        s
    }
    /// The message to present this cycle, if any.
    pub fn drive(&mut self) -> Option<PageRequest> {
        if !self.stops.is_empty() {
            // A stop can complete without any message or response (nothing was outstanding).
            self.advance_stops();
        }
        if self.presenting.is_none() && self.send_odds.draw(&mut self.rng) {
            self.presenting = self.queue.pop_front().or_else(|| self.generate());
        }
        self.presenting.map(|p| p.0)
    }
    pub fn on_accept(&mut self) -> PageRequest {
        self.accepted += 1;
        let (msg, fi) = self.presenting.take().expect("ingress handshake without a presented message");
        if msg.pv {
            *self.accepted_of.entry((msg.rid, msg.pasid)).or_insert(0) += 1;
        }
        if let Some(f) = self.functions.get_mut(fi) {
            f.on_accepted(&msg); // PRI-29: stop-complete waits for this
            self.advance_stops();
        }
        msg
    }
    pub fn on_response(&mut self, rsp: &PrgResponse) {
        if self.page_window.is_some() {
            let pasid = rsp.pv.then_some(rsp.pasid);
            if let Some(pages) = self.window_prgs.remove(&(rsp.rid, rsp.prgi, pasid)) {
                if rsp.code == models::pcie::RespCode::Success {
                    self.translated.extend(pages.into_iter().map(|p| (rsp.rid, pasid, p)));
                }
            }
        }
        let Some(f) = self.functions.iter_mut().find(|f| f.rid() == rsp.rid) else { return };
        match f.on_response(rsp) {
            ResponseEffect::Closed { .. } => self.tally.closed += 1,
            ResponseEffect::StaleFreed { .. } => self.tally.stale_freed += 1,
            ResponseEffect::ResponseFailure { .. } => {
                self.tally.response_failures += 1;
                let rid = rsp.rid;
                // PRI-19: the function abandons everything; its open PRGs and stops end here.
                let fi = self.functions.iter().position(|f| f.rid() == rid).unwrap_or(NO_FUNCTION);
                self.open.retain(|o| o.0 != fi);
                self.stops.retain(|s| s.0 != fi);
            }
            ResponseEffect::Unexpected => self.tally.unexpected += 1,
            ResponseEffect::Ignored | ResponseEffect::NotForThisFunction => {}
        }
        self.advance_stops();
    }

    fn sent_of(&self, rid: u16, pasid: u32) -> u64 {
        self.sent.get(&(rid, pasid)).copied().unwrap_or(0)
    }

    /// Count a produced message of function `fi`.
    fn produced(&mut self, msg: PageRequest, fi: usize) -> Option<(PageRequest, usize)> {
        if msg.pv {
            *self.sent.entry((msg.rid, msg.pasid)).or_insert(0) += 1;
        }
        Some((msg, fi))
    }

    /// Report completed stops and, with `auto_rebind`, re-bind PASIDs whose old incarnation is
    /// fully answered.
    fn advance_stops(&mut self) {
        let mut k = 0;
        while k < self.stops.len() {
            let (fi, pasid, reported) = self.stops[k];
            let f = &self.functions[fi];
            let rid = f.rid();
            let old_prgs = f.outstanding().any(|g| g.pv && g.pasid == pasid);
            let sent = self.sent_of(rid, pasid);
            // PRI-29: stop-complete is signalled once every message of P, its Stop Marker
            // included, was accepted at the ingress.
            let all_accepted = self.accepted_of.get(&(rid, pasid)).copied().unwrap_or(0) == sent;
            let complete = f.stop_complete(pasid) && !old_prgs && !f.marker_due(pasid) && all_accepted;
            if complete && !reported {
                self.events.push(DeviceEvent::StopComplete { rid, pasid, sent });
                self.stops[k].2 = true;
            }
            if complete && self.auto_rebind && self.rebind_at(k).is_ok() {
                continue; // the entry was removed
            }
            k += 1;
        }
    }

    /// Re-bind a PASID after its completed stop (the host's HOST-27 sequence is done).
    pub fn rebind(&mut self, rid: u16, pasid: u32) -> Result<u32, StopError> {
        let k = self
            .stops
            .iter()
            .position(|&(fi, p, reported)| p == pasid && reported && self.functions[fi].rid() == rid)
            .ok_or(StopError::NoCompletedStop { rid, pasid })?;
        self.rebind_at(k)
    }

    fn rebind_at(&mut self, k: usize) -> Result<u32, StopError> {
        let (fi, pasid, _) = self.stops[k];
        let rid = self.functions[fi].rid();
        let incarnation = self.functions[fi].bind(pasid).map_err(StopError::Refused)?;
        // A new incarnation holds no translation of the old one.
        self.translated.retain(|&(r, p, _)| !(r == rid && p == Some(pasid)));
        self.window_prgs.retain(|&(r, _, p), _| !(r == rid && p == Some(pasid)));
        self.events.push(DeviceEvent::Rebound { rid, pasid, incarnation });
        self.stops.swap_remove(k);
        Ok(incarnation)
    }

    /// Window mode: a page of the window neither translated nor asked for by an unanswered PRG
    /// of the same (RID, PASID), recorded for PRG `handle`; with none left, a page past the
    /// window (it will fail, so it is never translated).
    fn window_page(&mut self, fi: usize, handle: PrgHandle, w: PageWindow) -> u64 {
        let f = &self.functions[fi];
        let rid = f.rid();
        let Some(g) = f.prg(handle) else { return w.first + w.pages };
        let (prgi, pasid) = (g.prgi, g.pv.then_some(g.pasid));
        let busy = |d: &PcieDriver, p: u64| {
            d.translated.contains(&(rid, pasid, p)) || d.window_prgs.iter().any(|(&(r, _, q), v)| r == rid && q == pasid && v.contains(&p))
        };
        let start = self.rng.gen_range(0..w.pages.max(1));
        let page = (0..w.pages).map(|k| w.first + (start + k) % w.pages).find(|&p| !busy(self, p));
        let page = page.unwrap_or_else(|| w.first + w.pages + self.rng.gen_range(0..1 << 20));
        self.window_prgs.entry((rid, prgi, pasid)).or_default().push(page);
        page
    }

    /// Next generated message: a due Stop Marker, the next request of an open PRG, a stop
    /// request, or the first request of a new PRG.
    fn generate(&mut self) -> Option<(PageRequest, usize)> {
        if !self.traffic_on {
            return None;
        }
        let plan = self.plan.as_ref()?;
        let (prgs, stop_odds, max_len) = (plan.prgs, plan.stop_odds, plan.max_prg_len.max(1));
        let pasid = plan.pasids[self.rng.gen_range(0..plan.pasids.len())];
        let pasid = (pasid != 0).then_some(pasid);
        // PRI-26: a variant B stop sends its Stop Marker once no PRG of the PASID is open.
        if let Some(&(fi, pasid, _)) = self.stops.iter().find(|&&(fi, p, _)| self.functions[fi].marker_due(p)) {
            let marker = self.functions[fi].stop_marker(pasid).ok()?;
            return self.produced(marker, fi);
        }
        let nf = self.functions.len();
        if nf == 0 {
            return None;
        }
        let fi = self.rng.gen_range(0..nf);
        // Each function has PASIDs of its own (processes differ), so a PASID's release by the
        // host concerns one function only.
        let pasid = pasid.map(|p| ((p + fi as u32 * 0x1_0000) & 0xF_FFFF).max(1));
        let f = &self.functions[fi];
        if f.rf() {
            return None;
        }
        let existing = self
            .open
            .iter()
            .position(|&(i, h)| i == fi && f.prg(h).is_some_and(|g| g.pv == pasid.is_some() && g.pasid == pasid.unwrap_or(0)));
        let handle = match existing {
            Some(k) => self.open[k].1,
            None => {
                // Winding down (every PRG of the plan started): nothing new.
                if self.prgs_started >= prgs {
                    return None;
                }
                if let Some(p) = pasid {
                    if f.stopping(p) {
                        return None;
                    }
                    if self.rng.gen_range(0u32..255) < stop_odds as u32 {
                        let variant = match self.rng.gen_range(0..4) {
                            0 => Variant::A,
                            1 => Variant::B { marker_vs_complete: MarkerVsComplete::CompleteBeforeMarker },
                            2 => Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker },
                            _ => Variant::B { marker_vs_complete: MarkerVsComplete::Together },
                        };
                        let rid = f.rid();
                        let _ = self.request_stop(rid, p, variant);
                        return None;
                    }
                }
                let len = self.rng.gen_range(1..=max_len);
                let h = self.functions[fi].start_prg(pasid, len).ok()?; // refusals: credits, indexes (PRI-8, PRI-11)
                self.prgs_started += 1;
                self.open.push((fi, h));
                h
            }
        };
        let page = match self.page_window {
            Some(w) => self.window_page(fi, handle, w),
            None => self.rng.gen_range(0u64..1 << 36),
        };
        let mut access = match self.rng.gen_range(0..3) {
            0 => Access::read(page),
            1 => Access::write(page),
            _ => Access::read_write(page),
        };
        // Window mode asks for user data pages only: no Exe, no Priv (a privileged or execute
        // request the VT-d driver refuses silently when not last, HOST-22, while the rest of its
        // group may still be answered Success).
        let user_pages = self.page_window.is_some();
        access.exe = !user_pages && pasid.is_some() && access.r && self.rng.gen_range(0..8) == 0; // PRI-5
        access.priv_ = !user_pages && pasid.is_some() && self.rng.gen_range(0..4) == 0;
        let msg = self.functions[fi].next_request(handle, access).ok()?;
        if msg.l {
            self.open.retain(|&(i, h)| !(i == fi && h == handle));
        }
        self.produced(msg, fi)
    }
}
