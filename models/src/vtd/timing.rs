//! Cycle-accurate model of the RTL top `vtd_prq`, exactly as the VT-d section of `rtl/README.md`
//! specifies it.
//!
//! `step` applies one rising edge. Every output is a register or a function of registers, so
//! `outputs()` after an edge is what the DUT shows in the next cycle. Protocol rules live in
//! `arch.rs`, `desc.rs` and `regs.rs`; this file only schedules them:
//! - the register state is held in the `arch` blocks (`PrqState` with PECTL, `FaultUnit` with
//!   FECTL, `IqState` with ICS/IECTL; `IqState`'s own wait list is not used: the RTL holds one
//!   wait at a time, modelled by `ActiveWait`);
//! - a software write at edge t is applied first (OP-15), so every hardware action at t reads
//!   the written value ("X_eff"); values the contract takes from *before* the edge (read data,
//!   MSI address/data at a job start, every ready/valid output, the FIFO heads) are captured
//!   before the write;
//! - `decide_row`/`auto_response`/`fault_record`/`page_req_write` run at the decision edge,
//!   `PrqRing::advance` + PPR + `EventCtl::condition` at the kind-0 acknowledge,
//!   `desc::classify` at the descriptor take, `complete_wait` at the wait's completion edge.
//!
//! `step` and `outputs` never allocate (FIFOs and tables are sized in `new`).
//!
//! Readings of points the contract leaves open (to align with the RTL):
//! - `reg_addr` is cut to 12 bits; FRCD accesses need a 4-byte aligned offset, PRE accesses an
//!   8-byte aligned one; anything else reads 0 and ignores writes.
//! - Input fields are masked to the port widths (PASID 20, PRGI 9, address 52).
//! - "Event condition" evaluation uses `EventCtl` with the same-edge IM write applied first; a
//!   trigger from the IM write and one from a condition at the same edge are one MSI (one
//!   pending flag).

use super::arch::{self, complete_wait, decide_row, pre_enabled, FaultOutcome, FaultUnit, RegFile, Row, WaitCompletion};
use super::desc::{self, InvWaitDsc, SwDesc, Words};
use super::regs::{self, Msi};
use crate::pcie::{PageRequest, PrgResponse};
use std::collections::VecDeque;

/// RTL build parameters (rtl/README.md "Parameters").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VtdParams {
    pub ing_depth: usize,
    pub auto_depth: usize,
    pub sw_depth: usize,
    /// Fault recording registers, 1..=64 (OP-12).
    pub nr: u32,
    /// PRE table entries, 1..=64 (OP-20).
    pub pre_entries: usize,
}

impl Default for VtdParams {
    fn default() -> Self {
        VtdParams { ing_depth: 4, auto_depth: 4, sw_depth: 2, nr: 4, pre_entries: 8 }
    }
}

/// Input port values held in the cycle before an edge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VtdInputs {
    pub pr_valid: bool,
    pub pr: PageRequest,
    pub rsp_ready: bool,
    pub mw_ready: bool,
    pub mwack_valid: bool,
    pub reg_valid: bool,
    pub reg_write: bool,
    pub reg_addr: u32,
    pub reg_wdata: u64,
    pub iq_valid: bool,
    pub iq_qw: [u64; 4],
}

/// Output port values in the cycle after an edge. Data fields hold their last loaded value while
/// their valid is 0 (`rsp_*` at a commit, `mw_*` at a job start, `reg_rdata` at an answer).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VtdOutputs {
    pub pr_ready: bool,
    pub rsp_valid: bool,
    pub rsp_rid: u16,
    pub rsp_pv: bool,
    pub rsp_pasid: u32,
    pub rsp_prgi: u16,
    pub rsp_code: u8,
    pub mw_valid: bool,
    pub mw_kind: u8,
    pub mw_addr: u64,
    pub mw_data: [u64; 4],
    pub mwack_ready: bool,
    pub reg_ready: bool,
    pub reg_rvalid: bool,
    pub reg_rdata: u64,
    pub iq_ready: bool,
}

/// One of the three interrupt-event register groups (VT-d §7.3, §7.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    /// PECTL: page request events (VTD-PRQ-13, -14).
    Pe,
    /// FECTL: fault events (VTD-FLT-6).
    Fe,
    /// IECTL: invalidation completion events (VTD-IQ-8).
    Ie,
}

impl Unit {
    pub const ALL: [Unit; 3] = [Unit::Pe, Unit::Fe, Unit::Ie];
}

/// A write-engine job (`mw_kind` 0, 1, 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Job {
    /// Kind 0: a `page_req_dsc` (VTD-PRQ-4, -8).
    Descriptor,
    /// Kind 1: the status write of a completed `inv_wait_dsc` (VTD-IQ-8).
    Status,
    /// Kind 2: an MSI of one event unit (OP-7).
    Msi(Unit),
}

impl Job {
    /// The `mw_kind` value.
    pub fn kind(self) -> u8 {
        match self {
            Job::Descriptor => 0,
            Job::Status => 1,
            Job::Msi(_) => 2,
        }
    }
}

/// Write engine state (rtl/README.md "Decision unit and write engine").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EngineState {
    Idle,
    Write,
    WaitAck,
}

/// Where a committed response came from (DEC-12, OP-16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RespSource {
    /// Automatic response of a message decided in this row (VTD-PRQ-5..7).
    Auto(Row),
    /// From a `page_grp_resp_dsc` (VTD-IQ-3).
    Software,
}

/// The kind-0 acknowledge (VTD-PRQ-8, -11, -13).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DescAck {
    /// PQT after the advance.
    pub pqt: u64,
    /// PPR and PRO (effective values) were both 0: a PE condition (VTD-PRQ-13).
    pub pe_condition: bool,
}

/// What a descriptor taken at the port did (VTD-IQ-1..4, -6, OP-10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IqTake {
    /// Valid `page_grp_resp_dsc`: software response pushed (VTD-IQ-3).
    Response(PrgResponse),
    /// Valid `inv_wait_dsc`: the wait is active; `drain` messages to decide first if PD=1
    /// (DEC-10, VTD-IQ-10).
    Wait { dsc: InvWaitDsc, drain: u32 },
    /// OP-10 no-op type.
    NoEffect(u8),
    /// Invalid: IQE set (VTD-IQ-2).
    Invalid(desc::Invalid),
}

/// Why a register read waits (rtl/README.md "Reads").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadHold {
    /// The engine holds a descriptor write, in WRITE or WAIT_ACK (VTD-PRQ-16; every register).
    Descriptor,
    /// An MSI of this unit was issued on the memory port and awaits its ack (engine in
    /// WAIT_ACK): a read of PRS, PQT or PECTL pushes a PE MSI (VTD-PRQ-20), a read of FSTS or
    /// FECTL an FE MSI (VTD-FLT-8).
    Msi(Unit),
}

/// The event unit whose in-flight MSIs a read of `addr` pushes: PRS, PQT, PECTL -> PE
/// (VTD-PRQ-20); FSTS, FECTL -> FE (VTD-FLT-8); any other offset none.
pub fn read_pushes(addr: u32) -> Option<Unit> {
    match addr {
        regs::PRS | regs::PQT | regs::PECTL => Some(Unit::Pe),
        regs::FSTS | regs::FECTL => Some(Unit::Fe),
        _ => None,
    }
}

/// A register access at the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegAccess {
    /// Read handshake (answered at this or a later edge, see `EdgeEvents::read_answered`).
    Read { addr: u32 },
    /// Write handshake; it took effect before every hardware action at this edge (OP-15).
    Write { addr: u32, data: u64 },
}

/// Interrupt-event outcome of one unit at an edge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnitEvent {
    /// An MSI was triggered (condition with IM=0, or IM cleared while IP=1; OP-17).
    pub msi_triggered: bool,
    pub ip_set: bool,
    pub ip_cleared: bool,
}

/// What happened at the last edge, for rule blame and coverage. Fixed size, `Copy`, no
/// allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EdgeEvents {
    /// Ingress handshake: the message, masked to the port widths (PRI-31 order).
    pub accepted: Option<PageRequest>,
    /// Decision of the head message and its row (VTD-PRQ-5..9, DEC-5).
    pub decided: Option<(Row, PageRequest)>,
    /// Automatic response pushed, with the row of its message (VTD-PRQ-5..7, -17, DEC-6, DEC-7).
    pub auto_pushed: Option<(Row, PrgResponse)>,
    /// Fault outcome of a row-a decision (VTD-FLT-3, -4, OP-12).
    pub fault: Option<FaultOutcome>,
    /// Job started by the write engine (VTD-PRQ-4, -8; VTD-IQ-8 status write; OP-7 MSI).
    pub job_started: Option<Job>,
    /// `mw` handshake of the current job.
    pub mem_write: Option<Job>,
    /// Kind-0 acknowledge: PQT advanced, PPR set (VTD-PRQ-8, -11, -13).
    pub desc_ack: Option<DescAck>,
    /// Descriptor taken at the port (VTD-IQ-1..4, -6).
    pub iq_taken: Option<IqTake>,
    /// The active wait completed (VTD-IQ-7, -8, -10).
    pub wait_completed: Option<WaitCompletion>,
    /// Response loaded into the egress register (DEC-12, OP-16, VTD-IQ-5).
    pub committed: Option<(PrgResponse, RespSource)>,
    /// Egress handshake: the response that left.
    pub sent: Option<PrgResponse>,
    /// Register handshake (VTD-PRQ-2, -12, -15, -19, VTD-FLT-1, -5, VTD-IQ-8).
    pub reg: Option<RegAccess>,
    /// A read answered at this edge: (address, data on `reg_rdata`) (VTD-PRQ-16, -20, VTD-FLT-8).
    pub read_answered: Option<(u32, u64)>,
    /// A read held at this edge (it waits after it): (address, why) (VTD-PRQ-16, -20, VTD-FLT-8).
    pub read_held: Option<(u32, ReadHold)>,
    /// Event units PE, FE, IE (index `Unit as usize`) (VTD-PRQ-13, -14, VTD-FLT-6, VTD-IQ-8).
    pub units: [UnitEvent; 3],
}

impl EdgeEvents {
    pub fn unit(&self, u: Unit) -> &UnitEvent {
        &self.units[u as usize]
    }
}

/// The active `inv_wait_dsc` (at most one; it holds every later descriptor, VTD-IQ-9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ActiveWait {
    dsc: InvWaitDsc,
    /// Decisions still to happen before a PD=1 wait may complete (DEC-10).
    drain: u32,
}

/// The register port's offset width (rtl/README.md "Registers").
const REG_ADDR_MASK: u32 = (1 << regs::REG_ADDR_BITS) - 1;

/// Timed model of `vtd_prq`.
#[derive(Clone, Debug)]
pub struct VtdTiming {
    p: VtdParams,
    /// PRQ, fault unit, descriptor port and PRE table, as software reads and writes them.
    rf: RegFile,
    /// MSI pending flags, one per unit (OP-17).
    msi_pending: [bool; 3],
    wait: Option<ActiveWait>,
    /// The status write of a completed SW=1 wait, not yet started: (address, data).
    status_pending: Option<(u64, u32)>,
    ingress: VecDeque<PageRequest>,
    auto_q: VecDeque<(Row, PrgResponse)>,
    sw_q: VecDeque<PrgResponse>,
    engine: EngineState,
    job: Job,
    /// A read that waits for the engine (VTD-PRQ-16, -20, VTD-FLT-8): address, and why it was
    /// held at the last edge.
    read_pending: Option<(u32, ReadHold)>,
    out: VtdOutputs,
    ev: EdgeEvents,
}

impl VtdTiming {
    /// State right after reset (OP-18: 0 except the three IM bits).
    pub fn new(p: VtdParams) -> Self {
        assert!((1..=64).contains(&p.nr), "NR must be in 1..=64");
        assert!((1..=64).contains(&p.pre_entries), "PRE_ENTRIES must be in 1..=64");
        assert!(p.ing_depth >= 1 && p.auto_depth >= 1 && p.sw_depth >= 1);
        let mut s = VtdTiming {
            p,
            rf: RegFile::new(p.nr, p.pre_entries),
            msi_pending: [false; 3],
            wait: None,
            status_pending: None,
            ingress: VecDeque::with_capacity(p.ing_depth),
            auto_q: VecDeque::with_capacity(p.auto_depth),
            sw_q: VecDeque::with_capacity(p.sw_depth),
            engine: EngineState::Idle,
            job: Job::Descriptor,
            read_pending: None,
            out: VtdOutputs::default(),
            ev: EdgeEvents::default(),
        };
        s.update_derived_outputs();
        s
    }

    /// Outputs in the current cycle (after the last edge).
    pub fn outputs(&self) -> &VtdOutputs {
        &self.out
    }

    /// Events of the last edge.
    pub fn events(&self) -> &EdgeEvents {
        &self.ev
    }

    pub fn params(&self) -> &VtdParams {
        &self.p
    }

    /// Apply one rising edge with `inp` held in the cycle before it.
    pub fn step(&mut self, inp: &VtdInputs) -> &EdgeEvents {
        self.ev = EdgeEvents::default();
        let o = self.out;

        // Handshakes at this edge, from the outputs of the cycle before it.
        let pr_hs = inp.pr_valid && o.pr_ready;
        let rsp_hs = o.rsp_valid && inp.rsp_ready;
        let mw_hs = o.mw_valid && inp.mw_ready;
        let mwack_hs = inp.mwack_valid && o.mwack_ready;
        let reg_hs = inp.reg_valid && o.reg_ready;
        let iq_hs = inp.iq_valid && o.iq_ready;

        // State before the edge that the contract reads as such.
        let engine_q = self.engine;
        let holds_desc_q = engine_q != EngineState::Idle && self.job == Job::Descriptor;
        let (auto_len_q, sw_len_q) = (self.auto_q.len(), self.sw_q.len());
        let msi_q = self.msi_pending;
        let msi_regs_q = [self.rf.prq.pe_msi, self.rf.faults.fe_msi, self.rf.iq.ie_msi];
        let ip_q = self.ips();
        let wait_q = self.wait;
        let reg_addr = inp.reg_addr & REG_ADDR_MASK;

        // Register reads: answered once the engine holds neither a descriptor (VTD-PRQ-16) nor,
        // for the registers that push it, an issued and unacknowledged MSI of their unit
        // (VTD-PRQ-20, VTD-FLT-8), with the value before the edge.
        self.out.reg_rvalid = false;
        let read_addr = match (reg_hs && !inp.reg_write, self.read_pending) {
            (true, _) => Some(reg_addr),
            (false, pending) => pending.map(|(addr, _)| addr),
        };
        self.read_pending = None;
        let msi_in_flight_q = match (engine_q, self.job) {
            (EngineState::WaitAck, Job::Msi(u)) => Some(u),
            _ => None,
        };
        if let Some(addr) = read_addr {
            let hold = if holds_desc_q {
                Some(ReadHold::Descriptor)
            } else {
                read_pushes(addr).filter(|&u| msi_in_flight_q == Some(u)).map(ReadHold::Msi)
            };
            if let Some(why) = hold {
                self.read_pending = Some((addr, why));
                self.ev.read_held = Some((addr, why));
            } else {
                let data = self.read_reg(addr);
                self.out.reg_rvalid = true;
                self.out.reg_rdata = data;
                self.ev.read_answered = Some((addr, data));
            }
        }

        // Software write first (OP-15).
        let mut trig = [false; 3];
        if reg_hs {
            self.ev.reg = Some(if inp.reg_write {
                trig = self.write_reg(reg_addr, inp.reg_wdata);
                RegAccess::Write { addr: reg_addr, data: inp.reg_wdata }
            } else {
                RegAccess::Read { addr: reg_addr }
            });
        }

        // Response egress (DEC-12, OP-16): loads when empty or sending; automatic first.
        if rsp_hs {
            self.ev.sent = Some(self.egress_response());
        }
        if !o.rsp_valid || rsp_hs {
            let next = match self.auto_q.pop_front() {
                Some((row, r)) => Some((r, RespSource::Auto(row))),
                None => self.sw_q.pop_front().map(|r| (r, RespSource::Software)),
            };
            self.out.rsp_valid = next.is_some();
            if let Some((r, src)) = next {
                self.load_egress(&r);
                self.ev.committed = Some((r, src));
            }
        }

        // Write engine: start a job or decide (IDLE), or advance the handshakes.
        let mut decided = false;
        match engine_q {
            EngineState::Idle => {
                let msi_job = Unit::ALL.into_iter().find(|&u| msi_q[u as usize]);
                if let Some((addr, data)) = self.status_pending.take() {
                    self.start_job(Job::Status, addr, [u64::from(data), 0, 0, 0]);
                } else if let Some(u) = msi_job {
                    self.msi_pending[u as usize] = false;
                    let Msi { addr, data } = msi_regs_q[u as usize].msi();
                    self.start_job(Job::Msi(u), addr, [u64::from(data), 0, 0, 0]);
                } else if !self.ingress.is_empty() && auto_len_q < self.p.auto_depth {
                    decided = true;
                    self.decide(&mut trig);
                }
            }
            EngineState::Write => {
                if mw_hs {
                    self.ev.mem_write = Some(self.job);
                    self.engine = EngineState::WaitAck;
                }
            }
            EngineState::WaitAck => {
                if mwack_hs {
                    self.engine = EngineState::Idle;
                    if self.job == Job::Descriptor {
                        self.desc_ack(&mut trig);
                    }
                }
            }
        }

        // Ingress push after the pop: a message is decided one edge after it arrives.
        if pr_hs {
            let m = inp.pr.masked();
            self.ingress.push_back(m);
            self.ev.accepted = Some(m);
        }

        // Wait completion, from the state before the edge (VTD-IQ-7, -10, DEC-10).
        if let Some(w) = wait_q {
            let drained = w.drain == 0 && !holds_desc_q && auto_len_q == 0;
            if sw_len_q == 0 && (!w.dsc.pd || drained) {
                self.wait = None;
                let c = complete_wait(&w.dsc, &mut self.rf.iq.iwc, &mut self.rf.iq.ie, &self.rf.iq.ie_msi);
                self.status_pending = c.status_write;
                trig[Unit::Ie as usize] |= c.msi.is_some();
                self.ev.wait_completed = Some(c);
            } else if decided && w.drain > 0 {
                self.wait = Some(ActiveWait { drain: w.drain - 1, ..w });
            }
        }

        // Descriptor take (VTD-IQ-1..4, -6, OP-10).
        if iq_hs {
            let take = self.take_descriptor(inp.iq_qw, &mut trig);
            self.ev.iq_taken = Some(take);
        }

        // MSI pending flags: a trigger while pending is merged (OP-17).
        let ip_d = self.ips();
        for u in Unit::ALL {
            let i = u as usize;
            self.msi_pending[i] |= trig[i];
            self.ev.units[i] = UnitEvent { msi_triggered: trig[i], ip_set: !ip_q[i] && ip_d[i], ip_cleared: ip_q[i] && !ip_d[i] };
        }

        self.update_derived_outputs();
        &self.ev
    }

    /// Load a job into the `mw_*` registers; the engine goes to WRITE.
    fn start_job(&mut self, job: Job, addr: u64, data: Words) {
        self.job = job;
        self.engine = EngineState::Write;
        self.out.mw_kind = job.kind();
        self.out.mw_addr = addr & regs::ADDR_MASK;
        self.out.mw_data = data;
        self.ev.job_started = Some(job);
    }

    /// Decide the head message (rows a-d, vtd.md §4) with the effective register values.
    fn decide(&mut self, trig: &mut [bool; 3]) {
        let m = self.ingress.pop_front().expect("decide with an empty ingress FIFO");
        let row = decide_row(&self.rf.prq.admission_state(pre_enabled(&self.rf.pre, m.rid)));
        self.ev.decided = Some((row, m));
        match row {
            Row::A_NotEnabled => {
                let (outcome, msi) = self.rf.faults.record(arch::fault_record(&m));
                self.ev.fault = Some(outcome);
                trig[Unit::Fe as usize] |= msi.is_some();
            }
            Row::B_Overflow => {}
            Row::C_Full => {
                let pending_before = self.rf.prq.prs & regs::PRS_MASK != 0;
                self.rf.prq.prs |= regs::PRS_PRO;
                trig[Unit::Pe as usize] |= self.rf.prq.pe.condition(pending_before);
            }
            Row::D_Write => {
                let (addr, words) = arch::page_req_write(self.rf.prq.ring(), self.rf.prq.pqa, self.rf.prq.pqt, &m);
                self.start_job(Job::Descriptor, addr, words);
            }
        }
        if let Some(r) = arch::auto_response(row, &m) {
            self.auto_q.push_back((row, r));
            self.ev.auto_pushed = Some((row, r));
        }
    }

    /// Kind-0 acknowledge: PQT covers the entry, PPR set, PE condition (VTD-PRQ-8, -11, -13).
    fn desc_ack(&mut self, trig: &mut [bool; 3]) {
        let pe_condition = self.rf.prq.prs & regs::PRS_MASK == 0;
        self.rf.prq.pqt = self.rf.prq.ring().advance(self.rf.prq.pqt);
        self.rf.prq.prs |= regs::PRS_PPR;
        trig[Unit::Pe as usize] |= self.rf.prq.pe.condition(!pe_condition);
        self.ev.desc_ack = Some(DescAck { pqt: self.rf.prq.pqt, pe_condition });
    }

    /// Take one descriptor from the port.
    fn take_descriptor(&mut self, w: Words, trig: &mut [bool; 3]) -> IqTake {
        match desc::classify(w, self.rf.iq.pds) {
            SwDesc::PageGrpResp(d) => {
                let r = arch::page_grp_resp_effect(&d);
                self.sw_q.push_back(r);
                IqTake::Response(r)
            }
            SwDesc::InvWait(dsc) => {
                // DEC-10: messages in the ingress FIFO after this edge.
                let drain = if dsc.pd { self.ingress.len() as u32 } else { 0 };
                self.wait = Some(ActiveWait { dsc, drain });
                IqTake::Wait { dsc, drain }
            }
            SwDesc::NoEffect(t) => IqTake::NoEffect(t),
            SwDesc::Invalid(why) => {
                trig[Unit::Fe as usize] |= self.rf.faults.set_iqe().is_some();
                IqTake::Invalid(why)
            }
        }
    }

    /// Outputs that are functions of several registers.
    fn update_derived_outputs(&mut self) {
        let o = &mut self.out;
        o.pr_ready = self.ingress.len() < self.p.ing_depth;
        o.mw_valid = self.engine == EngineState::Write;
        o.mwack_ready = self.engine == EngineState::WaitAck;
        o.reg_ready = self.read_pending.is_none();
        o.iq_ready = !self.rf.faults.iqe && self.wait.is_none() && self.status_pending.is_none() && self.sw_q.len() < self.p.sw_depth;
    }

    fn ips(&self) -> [bool; 3] {
        [self.rf.prq.pe.ip, self.rf.faults.fe.ip, self.rf.iq.ie.ip]
    }

    fn load_egress(&mut self, r: &PrgResponse) {
        let o = &mut self.out;
        (o.rsp_rid, o.rsp_pv, o.rsp_pasid, o.rsp_prgi, o.rsp_code) = r.port_fields();
    }

    /// The response currently in the egress register (meaningful while `rsp_valid`).
    fn egress_response(&self) -> PrgResponse {
        let o = &self.out;
        PrgResponse::from_port_fields(o.rsp_rid, o.rsp_pv, o.rsp_pasid, o.rsp_prgi, o.rsp_code)
    }

    /// Software write (OP-15). Returns the MSI triggers of IM writes, per unit (VTD-PRQ-14).
    fn write_reg(&mut self, addr: u32, data: u64) -> [bool; 3] {
        self.rf.write(addr, data)
    }

    /// Register value as a read returns it now (no side effects).
    pub fn read_reg(&self, addr: u32) -> u64 {
        self.rf.read(addr)
    }

    // Read-only accessors for checkers, coverage and tests.
    pub fn pqh(&self) -> u64 {
        self.rf.prq.pqh
    }
    pub fn pqt(&self) -> u64 {
        self.rf.prq.pqt
    }
    pub fn pqa(&self) -> u64 {
        self.rf.prq.pqa
    }
    /// PRS: PPR [0], PRO [1].
    pub fn prs(&self) -> u32 {
        self.rf.prq.prs
    }
    pub fn fsts(&self) -> u32 {
        self.rf.faults.fsts()
    }
    pub fn iwc(&self) -> bool {
        self.rf.iq.iwc
    }
    /// The fault recording registers and the internal index.
    pub fn faults(&self) -> &FaultUnit {
        &self.rf.faults
    }
    /// xECTL of a unit as read (IM, IP, RsvdP).
    pub fn ectl(&self, u: Unit) -> u32 {
        match u {
            Unit::Pe => self.rf.prq.pectl(),
            Unit::Fe => self.rf.faults.fectl(),
            Unit::Ie => self.rf.iq.ie.bits(),
        }
    }
    pub fn msi_pending(&self, u: Unit) -> bool {
        self.msi_pending[u as usize]
    }
    pub fn engine(&self) -> EngineState {
        self.engine
    }
    /// The current (or last) write-engine job.
    pub fn job(&self) -> Job {
        self.job
    }
    pub fn ingress_len(&self) -> usize {
        self.ingress.len()
    }
    pub fn auto_len(&self) -> usize {
        self.auto_q.len()
    }
    pub fn sw_len(&self) -> usize {
        self.sw_q.len()
    }
    pub fn wait_active(&self) -> bool {
        self.wait.is_some()
    }
    /// Decisions a PD=1 wait still waits for (DEC-10); 0 without a wait.
    pub fn drain_count(&self) -> u32 {
        self.wait.map_or(0, |w| w.drain)
    }
    pub fn status_write_pending(&self) -> bool {
        self.status_pending.is_some()
    }
    /// Address of a read waiting for the engine (VTD-PRQ-16, -20, VTD-FLT-8).
    pub fn read_pending(&self) -> Option<u32> {
        self.read_pending.map(|(addr, _)| addr)
    }
    /// Why the waiting read was held at the last edge.
    pub fn read_hold(&self) -> Option<ReadHold> {
        self.read_pending.map(|(_, why)| why)
    }
    /// True when no message, response, job, wait or read is in flight inside the block.
    pub fn is_quiescent(&self) -> bool {
        self.ingress.is_empty()
            && self.auto_q.is_empty()
            && self.sw_q.is_empty()
            && self.engine == EngineState::Idle
            && !self.out.rsp_valid
            && self.wait.is_none()
            && self.status_pending.is_none()
            && self.msi_pending == [false; 3]
            && self.read_pending.is_none()
    }
}

#[cfg(test)]
#[path = "timing_tests.rs"]
mod tests;
