//! PCIe side: the page-request driver of one link and the PRI state of the functions behind it
//! (credits, PRG indexes, outstanding PRGs, RF/UPRGI), as far as the queue blocks need it.
//! Rules: PRI-7 (PRG shape), PRI-8 (DEC-11 index namespace), PRI-11/12 (credits), PRI-18..20
//! (response handling), PRI-27 (Stop Marker only with no open PRG).

use super::Odds;
use models::pcie::{MsgClass, PageRequest, PrgResponse, RespCode};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
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
    /// Chance (of 255) of a Stop Marker instead of a new PRG when a PASID has no open PRG.
    pub stop_marker_odds: u8,
    /// Chance (of 255) that a message is presented in a cycle when one is ready.
    pub send_odds: u8,
}

/// One outstanding PRG of a function.
#[derive(Clone, Copy, Debug)]
struct Prg {
    prgi: u16,
    pv: bool,
    pasid: u32,
    requests: u32,
    /// Requests in the PRG (its credits).
    /// Requests still to send before the L=1 one (0: the next is the last).
    remaining: u32,
    last_sent: bool,
}

/// PRI state of one function.
#[derive(Debug)]
pub struct PcieFunction {
    pub rid: u16,
    /// PRG Response PASID Required (DEC-13).
    pub prpr: bool,
    pub allocation: u32,
    pub credits_used: u32,
    outstanding: Vec<Prg>,
    /// PRG indexes of `outstanding`, one bit each (512 indexes).
    used_prgi: [u64; 8],
    /// Status.RF: set by a Response Failure or reserved code (PRI-19).
    pub rf: bool,
    /// Status.UPRGI: set by a response matching no outstanding PRG (PRI-20).
    pub uprgi: bool,
    /// Responses that closed a PRG, by code.
    pub closed: u64,
}

impl PcieFunction {
    pub fn new(rid: u16, allocation: u32) -> Self {
        PcieFunction { rid, prpr: true, allocation, credits_used: 0, outstanding: Vec::new(), used_prgi: [0; 8], rf: false, uprgi: false, closed: 0 }
    }
    fn free_prgi(&self) -> Option<u16> {
        // DEC-11 default: never two outstanding PRGs with one index, whatever the PASID (PRI-8).
        // Lowest free index, from the bitmap of outstanding ones.
        self.used_prgi.iter().enumerate().find(|(_, w)| **w != u64::MAX).map(|(k, w)| (k * 64) as u16 + w.trailing_ones() as u16)
    }
    fn set_prgi(&mut self, prgi: u16, used: bool) {
        let (k, b) = (usize::from(prgi >> 6) & 7, prgi & 63);
        if used {
            self.used_prgi[k] |= 1 << b;
        } else {
            self.used_prgi[k] &= !(1 << b);
        }
    }
    fn open_prg(&self, pv: bool, pasid: u32) -> Option<usize> {
        self.outstanding.iter().position(|p| !p.last_sent && p.pv == pv && p.pasid == pasid)
    }
    pub fn outstanding_prgs(&self) -> usize {
        self.outstanding.len()
    }
    /// Apply a PRG response (PRI-18, PRI-19, PRI-20).
    pub fn on_response(&mut self, rsp: &PrgResponse) {
        if self.rf {
            return; // PRI-19: ignored until reset, without UPRGI
        }
        match rsp.code {
            RespCode::ResponseFailure | RespCode::Reserved(_) => {
                self.rf = true;
                self.outstanding.clear();
                self.used_prgi = [0; 8];
                self.credits_used = 0;
            }
            RespCode::Success | RespCode::InvalidRequest => {
                let matches = |p: &Prg| {
                    p.last_sent && p.prgi == rsp.prgi && (!(self.prpr && rsp.pv) || (p.pv && p.pasid == rsp.pasid))
                };
                match self.outstanding.iter().position(matches) {
                    Some(k) => {
                        let prg = self.outstanding.swap_remove(k);
                        // Indexes are unique among outstanding PRGs (free_prgi), so the bit goes.
                        self.set_prgi(prg.prgi, false);
                        self.credits_used -= prg.requests;
                        self.closed += 1;
                    }
                    None => self.uprgi = true,
                }
            }
        }
    }
}

/// The link's page-request driver: explicit messages first (directed tests), then generated
/// traffic. Holds `valid` with the same message until it is accepted.
pub struct PcieDriver {
    queue: VecDeque<PageRequest>,
    plan: Option<TrafficPlan>,
    prgs_started: u32,
    pub functions: Vec<PcieFunction>,
    rng: ChaCha8Rng,
    send_odds: Odds,
    presenting: Option<PageRequest>,
    /// Generated traffic starts only when the test sequence releases it (after enabling the queue).
    pub traffic_on: bool,
    pub accepted: u64,
}

impl PcieDriver {
    pub fn new(plan: Option<TrafficPlan>, rng: ChaCha8Rng) -> Self {
        let functions = plan
            .as_ref()
            .map(|p| p.rids.iter().map(|&r| PcieFunction::new(r, p.allocation)).collect())
            .unwrap_or_default();
        let send_odds = Odds(plan.as_ref().map_or(255, |p| p.send_odds));
        PcieDriver { queue: VecDeque::new(), plan, prgs_started: 0, functions, rng, send_odds, presenting: None, traffic_on: false, accepted: 0 }
    }
    /// Queue one explicit message (sent in order, before generated traffic).
    pub fn send(&mut self, msg: PageRequest) {
        self.queue.push_back(msg);
    }
    /// Nothing queued, nothing presented, no generated traffic left to start.
    pub fn is_idle(&self) -> bool {
        self.presenting.is_none()
            && self.queue.is_empty()
            && self.plan.as_ref().map_or(true, |p| {
                // Done when the plan is spent, or when every function stopped on Response
                // Failure (PRI-19) and so will never send again.
                (self.prgs_started >= p.prgs || self.functions.iter().all(|f| f.rf)) && self.all_closed_sent()
            })
    }
    fn all_closed_sent(&self) -> bool {
        self.functions.iter().all(|f| f.rf || f.outstanding.iter().all(|p| p.last_sent))
    }
    /// Start no new PRG; open ones still finish (the way a device winds down).
    pub fn stop_traffic(&mut self) {
        if let Some(p) = self.plan.as_mut() {
            p.prgs = self.prgs_started;
        }
    }
    /// Every generated PRG has been answered (or its function hit RF).
    pub fn traffic_done(&self) -> bool {
        self.is_idle() && self.functions.iter().all(|f| f.rf || f.outstanding.is_empty())
    }
    /// The message to present this cycle, if any.
    pub fn drive(&mut self) -> Option<PageRequest> {
        if self.presenting.is_none() && self.send_odds.draw(&mut self.rng) {
            self.presenting = self.queue.pop_front().or_else(|| self.generate());
        }
        self.presenting
    }
    pub fn on_accept(&mut self) -> PageRequest {
        self.accepted += 1;
        self.presenting.take().expect("ingress handshake without a presented message")
    }
    pub fn on_response(&mut self, rsp: &PrgResponse) {
        if let Some(f) = self.functions.iter_mut().find(|f| f.rid == rsp.rid) {
            f.on_response(rsp);
        }
    }
    /// Next generated message: continue an open PRG, start a new one within credits, or send a
    /// Stop Marker for a PASID with no open PRG.
    fn generate(&mut self) -> Option<PageRequest> {
        let plan = self.plan.as_ref().filter(|_| self.traffic_on)?;
        let nf = self.functions.len();
        if nf == 0 {
            return None;
        }
        let fi = self.rng.gen_range(0..nf);
        let pasid = plan.pasids[self.rng.gen_range(0..plan.pasids.len())];
        let (pv, pasid) = (pasid != 0, pasid);
        let f = &mut self.functions[fi];
        if f.rf {
            return None;
        }
        let prg_index = match f.open_prg(pv, pasid) {
            Some(k) => k,
            None => {
                // Winding down (every PRG of the plan started): nothing new, Stop Markers included,
                // so the link goes idle once the open PRGs are finished.
                if self.prgs_started >= plan.prgs {
                    return None;
                }
                if pv && self.rng.gen_range(0u32..255) < plan.stop_marker_odds as u32 {
                    // PRI-27: no open PRG of this PASID; a Stop Marker needs no credit.
                    return Some(PageRequest { rid: f.rid, pv: true, pasid, l: true, ..Default::default() });
                }
                let prgi = f.free_prgi()?;
                let len = self.rng.gen_range(1..=plan.max_prg_len.max(1)).min(f.allocation);
                // A PRG takes the credits of all its requests up front, so a function never
                // opens more PRGs than it can finish (PRI-11).
                if f.credits_used + len > f.allocation {
                    return None;
                }
                f.credits_used += len;
                self.prgs_started += 1;
                f.outstanding.push(Prg { prgi, pv, pasid, requests: len, remaining: len - 1, last_sent: false });
                f.set_prgi(prgi, true);
                f.outstanding.len() - 1
            }
        };
        // Message fields are drawn only once a message is certain (this runs every cycle
        // while the link waits for credits).
        let page = self.rng.gen_range(0u64..1 << 36);
        let (r, w) = match self.rng.gen_range(0..3) {
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        };
        let exe = pv && r && self.rng.gen_range(0..8) == 0; // PRI-5: Exe only with R
        let priv_ = pv && self.rng.gen_range(0..4) == 0;
        let prg = &mut f.outstanding[prg_index];
        let last = prg.remaining == 0;
        if last {
            prg.last_sent = true;
        } else {
            prg.remaining -= 1;
        }
        let msg = PageRequest { rid: f.rid, pv, pasid, exe, priv_, r, w, l: last, prgi: prg.prgi, page };
        debug_assert_ne!(msg.class(), MsgClass::StopMarker);
        Some(msg)
    }
}
