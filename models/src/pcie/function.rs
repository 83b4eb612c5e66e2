//! One PCIe function's PRI behaviour (pcie-pri.md §1-§9): PRG lifecycle, credits, responses,
//! stop-PASID, capability side effects and fault injection. Pure and deterministic.
//!
//! Typical use by a harness:
//! 1. `write_allocation`, `write_control(CTRL_ENABLE)`;
//! 2. `start_prg(pasid, len)`, then `next_request` `len` times (the last one has L=1), sending
//!    each returned message and reporting its ingress handshake with `on_accepted`;
//! 3. `on_response` for every PRG response addressed to the function;
//! 4. `request_stop`, finish the open PRGs of the PASID, `stop_marker` when `marker_due`, wait for
//!    `stop_complete`, then `bind` before using the PASID again.

use super::cap::{self, ControlChange, PriCapability, Violation};
use super::config::FunctionConfig;
use super::msg::{PageRequest, PrgResponse, RespCode};
use super::prgi::PrgiAllocator;
use super::stop::{MarkerVsComplete, PasidState, StopState, Variant};
use crate::rules::{self, RuleId};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Largest PASID value (20 bits).
pub const PASID_MAX: u32 = (1 << 20) - 1;
/// Page address bits [63:12]: 52 bits.
const PAGE_MASK: u64 = (1 << 52) - 1;

/// Names one PRG of this function from `start_prg` until it is answered or dropped. Handles are
/// never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PrgHandle(pub u64);

/// An open or outstanding PRG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PrgInfo {
    pub handle: PrgHandle,
    /// PV of its requests (PRI-7: the same for all members).
    pub pv: bool,
    /// PASID (0 when `pv` is false).
    pub pasid: u32,
    pub prgi: u16,
    /// Planned requests (the `len` of `start_prg`); credits reserved at start (PRI-11).
    pub len: u32,
    /// Requests sent so far; each holds one credit until the response (PRI-11, PRI-12).
    pub sent: u32,
    /// The L=1 request was sent: the PRG is no longer open and can be answered (PRI-18).
    pub last_sent: bool,
    /// Variant B stop made it stale: its response only frees the PRGI and credits (PRI-26).
    pub stale: bool,
    /// Incarnation of its PASID when the PRG started (PRI-30).
    pub incarnation: u32,
}

impl PrgInfo {
    /// Open: started and L=1 not sent (§4).
    pub fn is_open(&self) -> bool {
        !self.last_sent
    }
    /// Outstanding: at least one request sent (§4).
    pub fn is_outstanding(&self) -> bool {
        self.sent > 0
    }
    fn pasid_opt(&self) -> Option<u32> {
        self.pv.then_some(self.pasid)
    }
    /// Credits reserved against the Allocation.
    fn committed(&self) -> u32 {
        self.len.max(self.sent)
    }
}

/// What the caller wants in one page request; the model adds RID, PV/PASID, L and PRGI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Access {
    pub r: bool,
    pub w: bool,
    /// Only with a PASID (PRI-1); needs `r` (PRI-5).
    pub exe: bool,
    /// Only with a PASID (PRI-1).
    pub priv_: bool,
    /// Page number, address bits [63:12] (masked to 52 bits).
    pub page: u64,
}

impl Access {
    pub fn read(page: u64) -> Self {
        Access { r: true, page, ..Default::default() }
    }
    pub fn write(page: u64) -> Self {
        Access { w: true, page, ..Default::default() }
    }
    pub fn read_write(page: u64) -> Self {
        Access { r: true, w: true, page, ..Default::default() }
    }
}

/// Why the function will not do what it was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Refusal {
    /// PRI-22: Enable=0.
    Disabled,
    /// PRI-19: Response Failure received; nothing is sent until reset and re-enable.
    ResponseFailure,
    /// A PRG has at least one request.
    ZeroLength,
    /// PRI-15: the configuration has no PASID requests.
    PasidRequestsDisabled,
    /// PASIDs are 20 bits.
    PasidOutOfRange,
    /// PRI-24: a stop of the PASID is in progress.
    PasidStopping,
    /// PRI-30: the PASID is stopped and needs `bind`.
    PasidStopped,
    /// PRI-11: the PRG does not fit in the remaining credits.
    Credits { needed: u32, available: u32 },
    /// PRI-8 / PRI-9: every usable PRGI is held.
    NoFreeIndex,
    /// The handle names no open or outstanding PRG.
    UnknownPrg,
    /// PRI-7: the PRG's L=1 request was already sent.
    PrgClosed,
    /// PRI-7: a member with another PASID presence or value.
    MixedPasid,
    /// PRI-5: PV=1, Exe=1 and R=0.
    ExeWithoutRead,
    /// PRI-2: PV=1, L=1, R=W=0 would be read as a Stop Marker.
    WouldBeStopMarker,
    /// PRI-26: no variant B stop of the PASID owes a Stop Marker.
    NoMarkerDue,
    /// PRI-26: exactly one Stop Marker per stop.
    MarkerAlreadySent,
    /// PRI-27: a PRG of the PASID is still open.
    OpenPrg,
    /// PRI-26 knob `CompleteBeforeMarker`: the stop is not complete yet.
    StopNotComplete,
}

impl Refusal {
    /// The rule that makes the function refuse.
    pub fn rule(self) -> RuleId {
        match self {
            Refusal::Disabled => rules::PRI_22,
            Refusal::ResponseFailure => rules::PRI_19,
            Refusal::ZeroLength | Refusal::PrgClosed | Refusal::MixedPasid | Refusal::UnknownPrg => rules::PRI_7,
            Refusal::PasidRequestsDisabled => rules::PRI_15,
            Refusal::PasidOutOfRange => rules::PRI_1,
            Refusal::PasidStopping => rules::PRI_24,
            Refusal::PasidStopped => rules::PRI_30,
            Refusal::Credits { .. } => rules::PRI_11,
            Refusal::NoFreeIndex => rules::PRI_8,
            Refusal::ExeWithoutRead => rules::PRI_5,
            Refusal::WouldBeStopMarker => rules::PRI_2,
            Refusal::NoMarkerDue | Refusal::MarkerAlreadySent | Refusal::StopNotComplete => rules::PRI_26,
            Refusal::OpenPrg => rules::PRI_27,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:?}", self.rule(), self)
    }
}

/// Result recorded for a PRG closed by a response (PRI-18).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PrgResult {
    Success,
    InvalidRequest,
}

/// What a PRG response did (§5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ResponseEffect {
    /// PRI-18: closed a PRG; PRGI and credits freed.
    Closed { prg: PrgInfo, result: PrgResult },
    /// PRI-18, PRI-26: answered a stale PRG; only PRGI and credits freed.
    StaleFreed { prg: PrgInfo },
    /// PRI-19, DEC-8: code 0xF or reserved 0x2-0xE: RF set, every PRG abandoned.
    ResponseFailure { abandoned: Vec<PrgHandle> },
    /// PRI-19: RF is set; the response is ignored (no UPRGI).
    Ignored,
    /// PRI-20: no outstanding PRG with L=1 sent matches; UPRGI set.
    Unexpected,
    /// Addressed to another RID; nothing changes.
    NotForThisFunction,
}

/// What a register write did besides the register bits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RegWriteEffect {
    /// PRI-23 misuse found in this write (also kept in `violations()`).
    pub violations: Vec<Violation>,
    /// PRI-22: PRGs abandoned by Enable 1→0 (open ones).
    pub abandoned: Vec<PrgHandle>,
    /// PRI-21: Reset took effect (all PRG state, credits and PRGIs cleared).
    pub reset: bool,
}

/// One PCIe function's PRI state.
#[derive(Clone, Debug)]
pub struct PcieFunction {
    cfg: FunctionConfig,
    cap: PriCapability,
    /// PRI-19: set by a Response Failure, cleared only by Enable 0→1 (the RW1C Status.RF bit may
    /// be cleared earlier by software without restarting PRI).
    halted: bool,
    /// Open and outstanding PRGs, oldest first.
    prgs: Vec<PrgInfo>,
    prgi: PrgiAllocator,
    pasids: BTreeMap<u32, PasidState>,
    /// PV=0 messages sent and not yet accepted.
    unaccepted_nopasid: u32,
    next_handle: u64,
    violations: Vec<Violation>,
    injected: Vec<RuleId>,
    closed_success: u64,
    closed_invalid: u64,
    stale_freed: u64,
}

impl PcieFunction {
    /// A function out of reset (Enable=0, Allocation=0). The configuration is not validated here:
    /// scenario loaders call `FunctionConfig::validate` first.
    pub fn new(cfg: FunctionConfig) -> Self {
        let cap = PriCapability::new(cfg.prpr, cfg.capacity);
        PcieFunction {
            cfg,
            cap,
            halted: false,
            prgs: Vec::new(),
            prgi: PrgiAllocator::new(),
            pasids: BTreeMap::new(),
            unaccepted_nopasid: 0,
            next_handle: 0,
            violations: Vec::new(),
            injected: Vec::new(),
            closed_success: 0,
            closed_invalid: 0,
            stale_freed: 0,
        }
    }

    /// Convenience: new, write Allocation, set Enable (as Linux `pci_enable_pri` does).
    pub fn enabled(cfg: FunctionConfig, allocation: u32) -> Self {
        let mut f = PcieFunction::new(cfg);
        f.write_allocation(allocation);
        f.write_control(cap::CTRL_ENABLE);
        f
    }

    pub fn config(&self) -> &FunctionConfig {
        &self.cfg
    }
    pub fn rid(&self) -> u16 {
        self.cfg.rid
    }

    // ---------------------------------------------------------------- capability registers (§6)

    pub fn read_control(&self) -> u16 {
        self.cap.read_control()
    }
    /// PRI-22: Stopped reads 1 iff Enable=0 and no PRG is outstanding.
    pub fn read_status(&self) -> u16 {
        self.cap.read_status(self.any_outstanding())
    }
    pub fn read_capacity(&self) -> u32 {
        self.cap.read_capacity()
    }
    pub fn read_allocation(&self) -> u32 {
        self.cap.read_allocation()
    }

    /// Control write (PRI-21, PRI-22, PRI-23).
    pub fn write_control(&mut self, value: u16) -> RegWriteEffect {
        let mut eff = RegWriteEffect::default();
        let outstanding = self.any_outstanding();
        let ControlChange { enabled, disabled, reset } = self.cap.write_control(value, outstanding, &mut eff.violations);
        if enabled {
            // PRI-21 / PRI-19: Enable 0→1 restarts PRI after a Response Failure.
            self.halted = false;
        }
        if disabled {
            // PRI-22: open PRGs (L=1 not sent) are abandoned and their credits returned; PRGs
            // whose L=1 was sent stay outstanding.
            let mut k = 0;
            while k < self.prgs.len() {
                if self.prgs[k].is_open() {
                    let g = self.prgs.remove(k);
                    self.prgi.release(g.prgi, g.pasid_opt());
                    eff.abandoned.push(g.handle);
                } else {
                    k += 1;
                }
            }
        }
        if reset {
            // PRI-21: Reset with Enable=0 clears all PRG state, credits and the PRGI allocator.
            self.prgs.clear();
            self.prgi.clear();
            eff.reset = true;
        }
        self.violations.extend(eff.violations.iter().cloned());
        self.update_stops();
        eff
    }

    /// Status write: RF and UPRGI are RW1C (PRI-21).
    pub fn write_status(&mut self, value: u16) {
        self.cap.write_status(value);
    }

    /// Allocation write: effective at the next Enable 0→1 (PRI-21); PRI-23 misuse recorded.
    pub fn write_allocation(&mut self, value: u32) -> RegWriteEffect {
        let mut eff = RegWriteEffect::default();
        self.cap.write_allocation(value, &mut eff.violations);
        self.violations.extend(eff.violations.iter().cloned());
        eff
    }

    // ---------------------------------------------------------------- PRG lifecycle (§4)

    fn can_send(&self) -> Result<(), Refusal> {
        if !self.cap.enabled() {
            return Err(Refusal::Disabled); // PRI-22
        }
        if self.halted {
            return Err(Refusal::ResponseFailure); // PRI-19
        }
        Ok(())
    }

    /// Start a PRG of `len` requests with `pasid` (None: PV=0). Nothing is sent yet; the PRG is
    /// open from now and outstanding from its first `next_request`.
    /// Refusals: PRI-22 disabled, PRI-19 RF, PRI-24/PRI-30 PASID stopping or stopped, PRI-11
    /// credits (all `len` credits are reserved now, so an open PRG can always be finished),
    /// PRI-8/PRI-9 no free index.
    pub fn start_prg(&mut self, pasid: Option<u32>, len: u32) -> Result<PrgHandle, Refusal> {
        if len == 0 {
            return Err(Refusal::ZeroLength);
        }
        self.can_send()?;
        let mut incarnation = 0;
        if let Some(p) = pasid {
            if !self.cfg.pasid_requests {
                return Err(Refusal::PasidRequestsDisabled); // PRI-15
            }
            if p > PASID_MAX {
                return Err(Refusal::PasidOutOfRange);
            }
            if let Some(st) = self.pasids.get(&p) {
                match st.stop {
                    Some(s) if s.complete => return Err(Refusal::PasidStopped), // PRI-30
                    Some(_) => return Err(Refusal::PasidStopping),              // PRI-24
                    None => {}
                }
                incarnation = st.incarnation;
            }
        }
        // PRI-11: requests in outstanding PRGs never exceed the latched Allocation.
        let committed = self.credits_committed();
        let alloc = self.cap.latched_allocation();
        let overrun = u64::from(committed) + u64::from(len) > u64::from(alloc);
        if overrun && !self.cfg.faults.credit_overrun {
            return Err(Refusal::Credits { needed: len, available: alloc.saturating_sub(committed) });
        }
        // PRI-8 / PRI-9 (DEC-11): lowest free index, or a shared one in the opt-in mode.
        let shared = self.cfg.prgi_shared_across_pasids && self.cfg.prpr;
        let prgi = self.prgi.alloc(pasid, shared).ok_or(Refusal::NoFreeIndex)?;
        if overrun {
            self.injected.push(rules::PRI_11); // fault mode credit_overrun
        }
        let handle = PrgHandle(self.next_handle);
        self.next_handle += 1;
        self.prgs.push(PrgInfo {
            handle,
            pv: pasid.is_some(),
            pasid: pasid.unwrap_or(0),
            prgi,
            len,
            sent: 0,
            last_sent: false,
            stale: false,
            incarnation,
        });
        Ok(handle)
    }

    /// The next request of PRG `handle`: L=0 until the `len`-th request, which has L=1 (PRI-7).
    pub fn next_request(&mut self, handle: PrgHandle, access: Access) -> Result<PageRequest, Refusal> {
        self.next_request_inner(handle, access, None)
    }

    /// As `next_request`, but the message carries `pasid` (None: PV=0). Only the PRG's own PASID
    /// is legal (PRI-7); fault mode `mixed_pasid_prg` sends another one.
    pub fn next_request_as(&mut self, handle: PrgHandle, access: Access, pasid: Option<u32>) -> Result<PageRequest, Refusal> {
        self.next_request_inner(handle, access, Some(pasid))
    }

    fn next_request_inner(&mut self, handle: PrgHandle, access: Access, pasid: Option<Option<u32>>) -> Result<PageRequest, Refusal> {
        let k = self.prgs.iter().position(|g| g.handle == handle).ok_or(Refusal::UnknownPrg)?;
        self.can_send()?;
        let g = self.prgs[k];
        let mut injected: [Option<RuleId>; 3] = [None; 3];
        if g.last_sent {
            // PRI-8 / PRI-9: a second L=1 on an outstanding index only in fault mode.
            if !self.cfg.faults.second_last_on_outstanding {
                return Err(Refusal::PrgClosed);
            }
            injected[0] = Some(if self.cfg.prgi_shared_across_pasids { rules::PRI_9 } else { rules::PRI_8 });
        }
        let msg_pasid = pasid.unwrap_or(g.pasid_opt());
        if msg_pasid != g.pasid_opt() {
            // PRI-7: all members share PV and PASID.
            if !self.cfg.faults.mixed_pasid_prg {
                return Err(Refusal::MixedPasid);
            }
            if matches!(msg_pasid, Some(p) if p > PASID_MAX) {
                return Err(Refusal::PasidOutOfRange);
            }
            injected[1] = Some(rules::PRI_7);
        }
        let pv = msg_pasid.is_some();
        // PRI-1: without a PASID, Exe and Priv are 0.
        let (exe, priv_) = if pv { (access.exe, access.priv_) } else { (false, false) };
        if pv && exe && !access.r {
            // PRI-5
            if !self.cfg.faults.exe_without_read {
                return Err(Refusal::ExeWithoutRead);
            }
            injected[2] = Some(rules::PRI_5);
        }
        let last = g.last_sent || g.sent + 1 >= g.len;
        if pv && last && !access.r && !access.w {
            return Err(Refusal::WouldBeStopMarker); // PRI-2 (DEC-1)
        }
        let msg = PageRequest {
            rid: self.cfg.rid,
            pv,
            pasid: msg_pasid.unwrap_or(0),
            exe,
            priv_,
            r: access.r,
            w: access.w,
            l: last,
            prgi: g.prgi,
            page: access.page & PAGE_MASK,
        };
        self.injected.extend(injected.iter().flatten());
        // PRI-11: the request holds one credit until its PRG is answered.
        let g = &mut self.prgs[k];
        g.sent += 1;
        g.last_sent |= last;
        self.note_sent(msg_pasid);
        self.update_stops();
        Ok(msg)
    }

    fn note_sent(&mut self, pasid: Option<u32>) {
        if self.cfg.accept_on_send {
            return;
        }
        match pasid {
            Some(p) => self.pasids.entry(p).or_default().unaccepted += 1,
            None => self.unaccepted_nopasid += 1,
        }
    }

    /// PRI-29: the message was accepted at the IOMMU ingress (handshake). Messages are accepted
    /// in the order sent (PRI-28). Returns false if the message was not expected (other RID, or
    /// more acceptances than messages sent).
    pub fn on_accepted(&mut self, msg: &PageRequest) -> bool {
        if msg.rid != self.cfg.rid || self.cfg.accept_on_send {
            return msg.rid == self.cfg.rid;
        }
        let ok = if msg.pv {
            match self.pasids.get_mut(&msg.pasid) {
                Some(st) if st.unaccepted > 0 => {
                    st.unaccepted -= 1;
                    true
                }
                _ => false,
            }
        } else if self.unaccepted_nopasid > 0 {
            self.unaccepted_nopasid -= 1;
            true
        } else {
            false
        };
        self.update_stops();
        ok
    }

    // ---------------------------------------------------------------- responses (§5)

    /// Apply a PRG response (PRI-14, PRI-18, PRI-19, PRI-20, PRI-32, DEC-8). Responses may come
    /// in any order (PRI-32). Matching uses the PRGI, plus the PASID when PRPR=1 and the response
    /// carries one (PRI-18); when several outstanding PRGs match (shared PRGI mode, response
    /// without PASID) the oldest is taken.
    pub fn on_response(&mut self, rsp: &PrgResponse) -> ResponseEffect {
        if rsp.rid != self.cfg.rid {
            return ResponseEffect::NotForThisFunction;
        }
        if rsp.pv && !self.cfg.prpr {
            // PRI-14: a PASID-carrying response to a PRPR=0 function.
            self.violations.push(Violation {
                rule: rules::PRI_14,
                detail: format!("response PRGI {} carries PASID {:#x} but PRPR=0", rsp.prgi, rsp.pasid),
            });
        }
        if self.halted {
            return ResponseEffect::Ignored; // PRI-19: ignored, no UPRGI, until reset + re-enable
        }
        let result = match rsp.code {
            RespCode::Success => PrgResult::Success,
            RespCode::InvalidRequest => PrgResult::InvalidRequest,
            // PRI-19, DEC-8: 0xF and reserved 0x2-0xE act as Response Failure, whatever the
            // PRGI or PASID.
            RespCode::ResponseFailure | RespCode::Reserved(_) => return self.response_failure(),
        };
        let use_pasid = self.cfg.prpr && rsp.pv;
        let found = self.prgs.iter().position(|g| g.last_sent && g.prgi == rsp.prgi && (!use_pasid || (g.pv && g.pasid == rsp.pasid)));
        let Some(k) = found else {
            // PRI-20: UPRGI, nothing else changes.
            self.cap.set_uprgi();
            return ResponseEffect::Unexpected;
        };
        let prg = self.prgs.remove(k);
        if self.cfg.prpr && rsp.pv != prg.pv {
            // PRI-14: with PRPR=1 a response carries a PASID iff the request had one.
            self.violations.push(Violation {
                rule: rules::PRI_14,
                detail: format!("response PRGI {} PV={} for a PRG with PV={} (PRPR=1)", rsp.prgi, rsp.pv as u8, prg.pv as u8),
            });
        }
        // PRI-10, PRI-12: the PRGI is free and the credits are back.
        self.prgi.release(prg.prgi, prg.pasid_opt());
        self.update_stops();
        if prg.stale {
            // PRI-26: a stale PRG's response only frees PRGI and credits; never UPRGI.
            self.stale_freed += 1;
            ResponseEffect::StaleFreed { prg }
        } else {
            // PRI-18: result recorded.
            match result {
                PrgResult::Success => self.closed_success += 1,
                PrgResult::InvalidRequest => self.closed_invalid += 1,
            }
            ResponseEffect::Closed { prg, result }
        }
    }

    /// PRI-19: set RF, abandon every PRG (credits and PRGIs back), stop sending.
    fn response_failure(&mut self) -> ResponseEffect {
        self.cap.set_rf();
        self.halted = true;
        let abandoned = self.prgs.drain(..).map(|g| g.handle).collect();
        self.prgi.clear();
        self.update_stops();
        ResponseEffect::ResponseFailure { abandoned }
    }

    // ---------------------------------------------------------------- stop-PASID (§7)

    /// Ask the function to stop using `pasid` (PRI-24). From now on no new PRG starts for it; the
    /// caller finishes its open PRGs with `next_request`. A second stop before the re-bind is
    /// refused.
    pub fn request_stop(&mut self, pasid: u32, variant: Variant) -> Result<(), Refusal> {
        if pasid > PASID_MAX {
            return Err(Refusal::PasidOutOfRange);
        }
        let st = self.pasids.entry(pasid).or_default();
        match st.stop {
            Some(s) if s.complete => return Err(Refusal::PasidStopped),
            Some(_) => return Err(Refusal::PasidStopping),
            None => {}
        }
        st.stop = Some(StopState { variant, stale_marked: false, marker_sent: false, complete: false });
        self.update_stops();
        Ok(())
    }

    /// Whether `stop_marker(pasid)` would succeed now (legal mode).
    pub fn marker_due(&self, pasid: u32) -> bool {
        let Some(st) = self.pasids.get(&pasid) else { return false };
        let Some(s) = st.stop else { return false };
        let Variant::B { marker_vs_complete } = s.variant else { return false };
        self.can_send().is_ok()
            && !s.marker_sent
            && s.stale_marked
            && (marker_vs_complete != MarkerVsComplete::CompleteBeforeMarker || s.complete)
    }

    /// The Stop Marker of a variant B stop (PRI-2, PRI-26, PRI-27): PV=1, L=1, R=W=0, PRGI,
    /// address, Exe and Priv 0; no credit, no PRGI (PRI-17). Sent once, after the last request of
    /// the PASID, with no PRG of the PASID open (fault mode `marker_with_open_prg` skips that).
    pub fn stop_marker(&mut self, pasid: u32) -> Result<PageRequest, Refusal> {
        self.can_send()?; // PRI-19, PRI-22
        let open = self.prgs.iter().filter(|g| g.pv && g.pasid == pasid && g.is_open()).count();
        let st = self.pasids.get(&pasid).copied().unwrap_or_default();
        let Some(s) = st.stop else { return Err(Refusal::NoMarkerDue) };
        let Variant::B { marker_vs_complete } = s.variant else { return Err(Refusal::NoMarkerDue) };
        if s.marker_sent {
            return Err(Refusal::MarkerAlreadySent);
        }
        if open > 0 {
            if !self.cfg.faults.marker_with_open_prg {
                return Err(Refusal::OpenPrg); // PRI-27
            }
            self.injected.push(rules::PRI_27);
        } else if marker_vs_complete == MarkerVsComplete::CompleteBeforeMarker && !s.complete {
            return Err(Refusal::StopNotComplete);
        }
        if let Some(s) = self.pasids.get_mut(&pasid).and_then(|st| st.stop.as_mut()) {
            s.marker_sent = true;
        }
        self.note_sent(Some(pasid));
        self.update_stops();
        Ok(PageRequest { rid: self.cfg.rid, pv: true, pasid, l: true, ..Default::default() })
    }

    /// Stop-complete signalled for `pasid` (sticky until `bind`).
    pub fn stop_complete(&self, pasid: u32) -> bool {
        matches!(self.pasids.get(&pasid).and_then(|st| st.stop), Some(StopState { complete: true, .. }))
    }

    /// Whether a stop of `pasid` was requested and not yet followed by `bind`.
    pub fn stopping(&self, pasid: u32) -> bool {
        self.pasids.get(&pasid).is_some_and(|st| st.stop.is_some())
    }

    /// PRI-30: the host (re-)binds `pasid`. After a completed stop (and, for variant B, its Stop
    /// Marker) this starts a new incarnation and returns it; on a bound PASID it changes nothing.
    /// Refused while a stop is in progress or a Stop Marker is still owed.
    pub fn bind(&mut self, pasid: u32) -> Result<u32, Refusal> {
        if pasid > PASID_MAX {
            return Err(Refusal::PasidOutOfRange);
        }
        let st = self.pasids.entry(pasid).or_default();
        match st.stop {
            None => Ok(st.incarnation),
            Some(s) if !s.complete => Err(Refusal::PasidStopping),
            Some(_) if st.marker_owed() => Err(Refusal::PasidStopping),
            Some(_) => {
                st.stop = None;
                st.incarnation += 1;
                Ok(st.incarnation)
            }
        }
    }

    /// Incarnation of `pasid` (0 until the first re-bind after a stop; PRI-30).
    pub fn incarnation(&self, pasid: u32) -> u32 {
        self.pasids.get(&pasid).map_or(0, |st| st.incarnation)
    }

    /// Advance every stop in progress: variant B marks the outstanding PRGs of P stale once none
    /// is open (PRI-26), and stop-complete is signalled when PRI-25/PRI-26/PRI-29 allow it.
    fn update_stops(&mut self) {
        let prgs = &mut self.prgs;
        for (&p, st) in self.pasids.iter_mut() {
            let Some(mut s) = st.stop else { continue };
            if s.complete {
                continue;
            }
            let open = prgs.iter().filter(|g| g.pv && g.pasid == p && g.is_open()).count();
            if open == 0 && matches!(s.variant, Variant::B { .. }) && !s.stale_marked {
                // PRI-26: every outstanding PRG of P becomes stale.
                for g in prgs.iter_mut().filter(|g| g.pv && g.pasid == p) {
                    g.stale = true;
                }
                s.stale_marked = true;
                st.stop = Some(s);
            }
            let outstanding = prgs.iter().filter(|g| g.pv && g.pasid == p).count();
            if st.stop_may_complete(open, outstanding) {
                s.complete = true;
                st.stop = Some(s);
            }
        }
    }

    // ---------------------------------------------------------------- queries

    /// Open and outstanding PRGs, oldest first.
    pub fn prgs(&self) -> &[PrgInfo] {
        &self.prgs
    }
    /// Outstanding PRGs (at least one request sent).
    pub fn outstanding(&self) -> impl Iterator<Item = &PrgInfo> {
        self.prgs.iter().filter(|g| g.is_outstanding())
    }
    /// The PRG `handle`, if open or outstanding.
    pub fn prg(&self, handle: PrgHandle) -> Option<&PrgInfo> {
        self.prgs.iter().find(|g| g.handle == handle)
    }
    fn any_outstanding(&self) -> bool {
        self.prgs.iter().any(PrgInfo::is_outstanding)
    }
    /// Credits held: requests sent in outstanding PRGs (PRI-11).
    pub fn credits_used(&self) -> u32 {
        self.prgs.iter().map(|g| g.sent).sum()
    }
    /// Credits reserved: the planned requests of open PRGs plus those sent (PRI-11).
    pub fn credits_committed(&self) -> u32 {
        self.prgs.iter().map(PrgInfo::committed).sum()
    }
    /// Allocation in force (latched at the last Enable 0→1).
    pub fn allocation(&self) -> u32 {
        self.cap.latched_allocation()
    }
    pub fn is_enabled(&self) -> bool {
        self.cap.enabled()
    }
    /// Status.RF (RW1C).
    pub fn rf(&self) -> bool {
        self.cap.rf()
    }
    /// PRI stopped by a Response Failure until the next Enable 0→1 (PRI-19).
    pub fn halted(&self) -> bool {
        self.halted
    }
    /// Status.UPRGI (RW1C).
    pub fn uprgi(&self) -> bool {
        self.cap.uprgi()
    }
    /// Status.Stopped (PRI-22).
    pub fn stopped(&self) -> bool {
        self.read_status() & cap::STATUS_STOPPED != 0
    }
    /// Violations by others: PRI-23 host misuse, PRI-14 responses.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
    pub fn take_violations(&mut self) -> Vec<Violation> {
        std::mem::take(&mut self.violations)
    }
    /// Rules broken on purpose by the fault-injection modes, one entry per illegal act.
    pub fn injected_faults(&self) -> &[RuleId] {
        &self.injected
    }
    /// PRGs closed by Success / Invalid Request, and stale PRGs freed.
    pub fn closed_counts(&self) -> (u64, u64, u64) {
        (self.closed_success, self.closed_invalid, self.stale_freed)
    }
    /// Messages sent and not yet accepted at the ingress.
    pub fn unaccepted(&self) -> u32 {
        self.unaccepted_nopasid + self.pasids.values().map(|s| s.unaccepted).sum::<u32>()
    }
    /// Nothing open or outstanding, every message accepted, no stop in progress and no Stop
    /// Marker owed.
    pub fn is_quiescent(&self) -> bool {
        self.prgs.is_empty()
            && self.unaccepted() == 0
            && self.pasids.values().all(|st| match st.stop {
                None => true,
                Some(s) => s.complete && !st.marker_owed(),
            })
    }
}
