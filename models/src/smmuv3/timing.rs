//! Cycle-accurate model of the RTL top `smmuv3_priq`, exactly as `rtl/README.md` specifies it.
//!
//! `step` applies one rising edge. Every output is a register or a function of registers, so
//! `outputs()` after an edge is what the DUT shows in the next cycle. Inside `step`, every value
//! read under a `_q` name is the register value before the edge; the only same-edge bypass is
//! `cons_eff` (OP-15). Protocol rules live in `arch.rs` and `ring.rs`; this file only schedules
//! them. `step` and `outputs` never allocate.
//!
//! Readings of points the contract leaves open (to align with the RTL):
//! - CR0ACK_LAT counts every register from CR0 to CR0ACK: `lat - 1` intermediate stages, then
//!   CR0ACK, so a CR0 write at edge t shows after edge t+lat (lat = 1: CR0ACK samples CR0).
//!   IRQ_CTRLACK likewise. "CR0ACK changes" compares all four CR0ACK bits.
//! - Only PRIQ_CONS is bypassed to same-edge hardware (`cons_eff`). Everything else, GERRORN
//!   included, is used with its value before the edge (activation tests, row a, `cmd_ready`).
//! - Data outputs hold their last loaded value while their valid is 0: `rsp_*` load only on a
//!   commit, `mw_addr`/`mw_data` only on a row-d decision, `reg_rdata` only on a read.
//! - `reg_ready` is 1 in every cycle after reset. Register offsets are compared exactly (20-bit
//!   address); a 32-bit access to the upper half of PRIQ_BASE (0xC4) reads 0, ignores writes.
//! - Two GERROR activations at one edge (ILLEGAL command and write abort) make one `irq_gerror`
//!   pulse. A CMD_PRI_RESP with Resp=0b11 is ILLEGAL even while CR0ACK.SMMUEN=0.
//! - Input fields are masked to the port widths (PASID 20, PRGI 9, address 52, `reg_addr` 20).

use super::arch::{self, AdmissionState, CmdEffect, Row};
use super::cmd::Command;
use super::entry::{PriqEntry, ENTRY_BYTES};
use super::event::EventInput;
use super::evtq_timing::{EvCtx, EvEvents, EvtqTiming, StallCmd};
use super::regs;
use crate::pcie::{PageRequest, PrgResponse, RespCode};
use crate::ring::{Ring, FLAG_BIT};

/// RTL build parameters (rtl/README.md "Parameters").
#[derive(Clone, Copy, Debug)]
pub struct PriqParams {
    /// IDR1.PRIQS, at most 19.
    pub priqs: u32,
    pub ing_depth: usize,
    pub auto_depth: usize,
    pub sw_depth: usize,
    /// Edges from a CR0 / IRQ_CTRL write to its ACK register, at least 1 (OP-9).
    pub cr0ack_lat: usize,
    /// IDR1.EVENTQS, at most 19.
    pub eventqs: u32,
    /// IDR5.STALL_MAX: stall-table slots, 1..16 (OP-3).
    pub stall_max: u32,
    pub ev_depth: usize,
    pub sr_depth: usize,
    /// PRG responses committed to the egress that may wait there before the port (SMMU-CMD-9
    /// lets a CMD_SYNC complete once its responses are committed): 1 in the embedded blocks,
    /// their one egress register; a contract parameter a foreign block states in its port map,
    /// no Verilog parameter of ours.
    pub egress_slots: usize,
}

impl Default for PriqParams {
    fn default() -> Self {
        PriqParams {
            priqs: 8,
            ing_depth: 4,
            auto_depth: 4,
            sw_depth: 2,
            cr0ack_lat: 2,
            eventqs: 7,
            stall_max: 4,
            ev_depth: 4,
            sr_depth: 2,
            egress_slots: 1,
        }
    }
}

/// Input port values held in the cycle before an edge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriqInputs {
    pub pr_valid: bool,
    pub pr: PageRequest,
    pub rsp_ready: bool,
    pub mw_ready: bool,
    pub mwack_valid: bool,
    pub mwack_err: bool,
    pub reg_valid: bool,
    pub reg_write: bool,
    pub reg_addr: u32,
    pub reg_wdata: u64,
    pub cmd_valid: bool,
    pub cmd_dw0: u64,
    pub cmd_dw1: u64,
    // Event queue (rtl/README.md "SMMUv3 event queue").
    pub ev_valid: bool,
    pub ev: EventInput,
    pub sr_ready: bool,
    pub emw_ready: bool,
    pub emwack_valid: bool,
    pub emwack_err: bool,
}

/// Output port values in the cycle after an edge. Data fields (`rsp_*` but `rsp_valid`,
/// `mw_addr`, `mw_data`, `reg_rdata`) hold their last loaded value while their valid is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriqOutputs {
    pub pr_ready: bool,
    pub rsp_valid: bool,
    pub rsp_rid: u16,
    pub rsp_pv: bool,
    pub rsp_pasid: u32,
    pub rsp_prgi: u16,
    pub rsp_code: u8,
    pub mw_valid: bool,
    pub mw_addr: u64,
    pub mw_data: [u64; 2],
    pub mwack_ready: bool,
    pub reg_ready: bool,
    pub reg_rvalid: bool,
    pub reg_rdata: u64,
    pub cmd_ready: bool,
    pub sync_done: bool,
    pub irq_priq: bool,
    pub irq_gerror: bool,
    // Event queue. `emw_addr`/`emw_data` hold their last loaded value; `sr_*` show the
    // stall-resolution FIFO slot at its read pointer.
    pub ev_ready: bool,
    pub sr_valid: bool,
    pub sr_sid: u32,
    pub sr_stag: u16,
    pub sr_action: u8,
    pub emw_valid: bool,
    pub emw_addr: u64,
    pub emw_data: [u64; 4],
    pub emwack_ready: bool,
    pub irq_evtq: bool,
}

/// Where a committed response came from (DEC-12, OP-16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RespSource {
    Auto,
    Software,
}

/// Write engine state (rtl/README.md "Decision unit and write engine").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EngineState {
    Idle,
    Write,
    WaitAck,
}

/// A command taken at the command port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CmdOutcome {
    pub opcode: u8,
    pub effect: CmdEffect,
}

/// A register access handshaken at the edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegAccess {
    /// `data` is the value returned on `reg_rdata` after the edge.
    Read { addr: u32, data: u64 },
    /// `applied` is false for read-only or unknown offsets and for gated writes (SMMU-PRIQ-14).
    Write { addr: u32, data: u64, applied: bool },
}

/// What happened at the last edge, for coverage and debugging. Fixed size, no allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EdgeEvents {
    /// Ingress handshake: the message (fields masked to the port widths).
    pub accepted: Option<PageRequest>,
    /// Decision of the head message and its row (SMMU-PRIQ-12).
    pub decided: Option<(Row, PageRequest)>,
    /// Row c toggled OVFLG (SMMU-PRIQ-7).
    pub ovflg_toggled: bool,
    /// Memory write handshake: the entry address.
    pub mem_write: Option<u64>,
    /// Successful ack: the index now covered by PROD (SMMU-PRIQ-3).
    pub written: Option<u32>,
    /// Failed ack: the index that was not written (SMMU-PRIQ-16).
    pub write_aborted: Option<u32>,
    /// Automatic response pushed into its FIFO (rows a-c, write abort).
    pub auto_pushed: Option<PrgResponse>,
    /// Software response pushed into its FIFO (CMD_PRI_RESP).
    pub sw_pushed: Option<PrgResponse>,
    /// Response loaded into the egress register (DEC-12).
    pub committed: Option<(PrgResponse, RespSource)>,
    /// Egress handshake: the response that left.
    pub sent: Option<PrgResponse>,
    pub cmd: Option<CmdOutcome>,
    /// A pending CMD_SYNC completed (`sync_done` pulses after this edge).
    pub sync_completed: bool,
    pub reg: Option<RegAccess>,
    /// CR0ACK changed value (no decision at such an edge).
    pub cr0ack_changed: bool,
    /// PRIQ interrupt trigger (pulses only with IRQ_CTRLACK.PRIQ_IRQEN=1).
    pub priq_irq_trigger: bool,
    /// GERROR bits activated at this edge (SMMU-CMD-11).
    pub gerror_activated: u32,
    /// The event queue's events.
    pub evtq: EvEvents,
}

/// Registered FIFO with a fixed depth; storage is allocated once in `new`. Like
/// `rtl/common/sync_fifo.sv`, its slots keep what was written after a pop.
#[derive(Clone, Debug)]
pub(super) struct Fifo<T: Copy> {
    buf: Box<[T]>,
    head: usize,
    len: usize,
}

impl<T: Copy> Fifo<T> {
    pub(super) fn new(depth: usize, fill: T) -> Self {
        assert!(depth >= 1, "FIFO depth must be at least 1");
        Fifo { buf: vec![fill; depth].into_boxed_slice(), head: 0, len: 0 }
    }
    pub(super) fn len(&self) -> usize {
        self.len
    }
    pub(super) fn capacity(&self) -> usize {
        self.buf.len()
    }
    pub(super) fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }
    /// The slot at the read pointer: the head while not empty, else stale storage.
    pub(super) fn head_slot(&self) -> T {
        self.buf[self.head]
    }
    pub(super) fn peek(&self) -> T {
        assert!(self.len > 0, "peek into an empty FIFO");
        self.buf[self.head]
    }
    pub(super) fn push(&mut self, v: T) {
        assert!(!self.is_full(), "push into a full FIFO");
        let mut tail = self.head + self.len;
        if tail >= self.buf.len() {
            tail -= self.buf.len();
        }
        self.buf[tail] = v;
        self.len += 1;
    }
    pub(super) fn pop(&mut self) -> T {
        assert!(self.len > 0, "pop from an empty FIFO");
        let v = self.buf[self.head];
        self.head = if self.head + 1 == self.buf.len() { 0 } else { self.head + 1 };
        self.len -= 1;
        v
    }
}

/// Delay line of an enable register towards its ACK: `lat - 1` intermediate stages, then the
/// ACK register itself, so a write at edge t shows in the ACK after edge t+lat (OP-9).
#[derive(Clone, Debug)]
struct AckLine {
    stages: Box<[u32]>,
    ack: u32,
}

impl AckLine {
    fn new(lat: usize) -> Self {
        assert!(lat >= 1, "CR0ACK_LAT must be at least 1");
        AckLine { stages: vec![0; lat - 1].into_boxed_slice(), ack: 0 }
    }
    /// ACK value after the edge, before any hold: the last stage, or the source itself.
    fn next_ack(&self, src_q: u32) -> u32 {
        self.stages.last().copied().unwrap_or(src_q)
    }
    /// Shift the stages; `ack` is the (possibly held) new ACK value.
    fn shift(&mut self, src_q: u32, ack: u32) {
        let n = self.stages.len();
        if n > 0 {
            self.stages.copy_within(0..n - 1, 1);
            self.stages[0] = src_q;
        }
        self.ack = ack;
    }
}

const NO_RESPONSE: PrgResponse = PrgResponse { rid: 0, pv: false, pasid: 0, prgi: 0, code: RespCode::Success };

/// Timed model of `smmuv3_priq`.
#[derive(Clone, Debug)]
pub struct PriqTiming {
    p: PriqParams,
    // Registers (rtl/README.md "Registers"); all reset to 0 (OP-18).
    cr0: u32,
    cr0ack: AckLine,
    irq_ctrl: u32,
    irq_ctrlack: AckLine,
    gerror: u32,
    gerrorn: u32,
    cmdq_cons_err: u32,
    priq_base: u64,
    irq_cfg2: u32,
    prod: u32,
    cons: u32,
    // Datapath.
    ingress: Fifo<PageRequest>,
    auto_q: Fifo<PrgResponse>,
    sw_q: Fifo<PrgResponse>,
    engine: EngineState,
    /// The message latched by the last row-d decision.
    latched: PageRequest,
    sync_pending: bool,
    /// Event records the pending CMD_SYNC still waits for (SMMU-CMD-9).
    sync_records: u32,
    evtq: EvtqTiming,
    out: PriqOutputs,
    ev: EdgeEvents,
}

impl PriqTiming {
    /// State right after reset (rst_n held low for at least one edge, then released).
    pub fn new(p: PriqParams) -> Self {
        assert!(p.priqs <= Ring::MAX_N, "PRIQS must be at most 19");
        let mut s = PriqTiming {
            p,
            cr0: 0,
            cr0ack: AckLine::new(p.cr0ack_lat),
            irq_ctrl: 0,
            irq_ctrlack: AckLine::new(p.cr0ack_lat),
            gerror: 0,
            gerrorn: 0,
            cmdq_cons_err: 0,
            priq_base: 0,
            irq_cfg2: 0,
            prod: 0,
            cons: 0,
            ingress: Fifo::new(p.ing_depth, PageRequest::default()),
            auto_q: Fifo::new(p.auto_depth, NO_RESPONSE),
            sw_q: Fifo::new(p.sw_depth, NO_RESPONSE),
            engine: EngineState::Idle,
            latched: PageRequest::default(),
            sync_pending: false,
            sync_records: 0,
            evtq: EvtqTiming::new(p.eventqs, p.stall_max, p.ev_depth, p.sr_depth),
            out: PriqOutputs::default(),
            ev: EdgeEvents::default(),
        };
        s.update_derived_outputs();
        s
    }

    /// Outputs in the current cycle (after the last edge).
    pub fn outputs(&self) -> &PriqOutputs {
        &self.out
    }

    /// Events of the last edge.
    pub fn events(&self) -> &EdgeEvents {
        &self.ev
    }

    pub fn params(&self) -> &PriqParams {
        &self.p
    }

    /// Apply one rising edge with `inp` held in the cycle before it.
    pub fn step(&mut self, inp: &PriqInputs) -> &EdgeEvents {
        // Events are built in place: a local copy moved in at the end cost more than the rest
        // of an idle edge.
        self.ev = EdgeEvents::default();
        let o = self.out;

        // Handshakes at this edge, from the outputs of the cycle before it.
        let pr_hs = inp.pr_valid && o.pr_ready;
        let rsp_hs = o.rsp_valid && inp.rsp_ready;
        let mw_hs = o.mw_valid && inp.mw_ready;
        let mwack_hs = inp.mwack_valid && o.mwack_ready;
        let reg_hs = inp.reg_valid && o.reg_ready;
        let cmd_hs = inp.cmd_valid && o.cmd_ready;

        // Register values before the edge.
        let cr0_q = self.cr0;
        let cr0ack_q = self.cr0ack.ack;
        let irq_ctrl_q = self.irq_ctrl;
        let irq_ctrlack_q = self.irq_ctrlack.ack;
        let (gerror_q, gerrorn_q) = (self.gerror, self.gerrorn);
        let prod_q = self.prod;
        let base_q = self.priq_base;
        let lo_q = self.irq_cfg2 & regs::IRQ_CFG2_LO != 0;
        let engine_q = self.engine;
        let (ing_len_q, auto_len_q, sw_len_q) = (self.ingress.len(), self.auto_q.len(), self.sw_q.len());
        let ring = Ring::new(regs::base_log2size(base_q), self.p.priqs);

        // Register access. A write takes effect before this edge's decisions (OP-15): the
        // decision and the write engine use `cons_eff`.
        self.out.reg_rvalid = false;
        if reg_hs {
            let addr = inp.reg_addr & ((1 << regs::ADDR_BITS) - 1);
            self.ev.reg = Some(if inp.reg_write {
                let applied = self.write_reg(addr, inp.reg_wdata);
                RegAccess::Write { addr, data: inp.reg_wdata, applied }
            } else {
                let data = self.read_reg(addr);
                self.out.reg_rvalid = true;
                self.out.reg_rdata = data;
                RegAccess::Read { addr, data }
            });
        }
        let cons_eff = self.cons;
        let ev_cons_eff = self.evtq.cons;
        let (ev_in_flight_q, ev_resolving_q) = (self.evtq.in_flight(), self.evtq.resolving_any());

        // CR0ACK and IRQ_CTRLACK (SMMU-PRIQ-15, OP-9). SMMUEN and PRIQEN do not fall while the
        // write engine is busy, EVENTQEN while the EVTQ engine is (SMMU-EVTQ-10); they retry at
        // the next edge.
        let mut cr0ack_d = self.cr0ack.next_ack(cr0_q);
        if engine_q != EngineState::Idle {
            cr0ack_d |= cr0ack_q & (regs::CR0_SMMUEN | regs::CR0_PRIQEN);
        }
        if self.evtq.engine() != EngineState::Idle {
            cr0ack_d |= cr0ack_q & regs::CR0_EVENTQEN;
        }
        self.ev.cr0ack_changed = cr0ack_d != cr0ack_q;
        self.cr0ack.shift(cr0_q, cr0ack_d);
        let irq_ctrlack_d = self.irq_ctrlack.next_ack(irq_ctrl_q);
        self.irq_ctrlack.shift(irq_ctrl_q, irq_ctrlack_d);

        // Response egress (DEC-12, OP-16): loads when empty or sending; automatic first.
        if rsp_hs {
            self.ev.sent = Some(self.egress_response());
        }
        if !o.rsp_valid || rsp_hs {
            let next = if auto_len_q > 0 {
                Some((self.auto_q.pop(), RespSource::Auto))
            } else if sw_len_q > 0 {
                Some((self.sw_q.pop(), RespSource::Software))
            } else {
                None
            };
            self.out.rsp_valid = next.is_some();
            if let Some((r, src)) = next {
                self.load_egress(&r);
                self.ev.committed = Some((r, src));
            }
        }

        // Decision unit and write engine.
        let mut priq_trigger = false;
        let mut priq_abt = false;
        match engine_q {
            EngineState::Idle => {
                if ing_len_q > 0 && auto_len_q < self.p.auto_depth && !self.ev.cr0ack_changed {
                    let m = self.ingress.pop();
                    let state = AdmissionState {
                        smmuen: cr0ack_q & regs::CR0_SMMUEN != 0,
                        priqen: cr0ack_q & regs::CR0_PRIQEN != 0,
                        priq_abt_active: regs::gerror_active(gerror_q, gerrorn_q, regs::GERROR_PRIQ_ABT_ERR),
                        prod: prod_q,
                        cons: cons_eff,
                        ring,
                    };
                    let row = arch::decide_row(&state);
                    self.ev.decided = Some((row, m));
                    if row == Row::C_Full {
                        self.prod ^= FLAG_BIT;
                        self.ev.ovflg_toggled = true;
                    }
                    if let Some(r) = arch::auto_response(row, &m) {
                        self.auto_q.push(r);
                        self.ev.auto_pushed = Some(r);
                    }
                    priq_trigger = arch::discard_irq_trigger(row, lo_q, &m);
                    if row == Row::D_Write {
                        self.latched = m;
                        self.out.mw_addr = ring.entry_addr(regs::base_addr(base_q), prod_q, ENTRY_BYTES);
                        self.out.mw_data = PriqEntry::encode_request(&m);
                        self.engine = EngineState::Write;
                    }
                }
            }
            EngineState::Write => {
                if mw_hs {
                    self.ev.mem_write = Some(o.mw_addr);
                    self.engine = EngineState::WaitAck;
                }
            }
            EngineState::WaitAck => {
                if mwack_hs {
                    self.engine = EngineState::Idle;
                    let index = ring.index(prod_q);
                    if inp.mwack_err {
                        // SMMU-PRIQ-16: PROD unchanged, PRIQ_ABT_ERR, answered as in row a.
                        self.ev.write_aborted = Some(index);
                        priq_abt = true;
                        if let Some(r) = arch::write_abort_response(&self.latched) {
                            self.auto_q.push(r);
                            self.ev.auto_pushed = Some(r);
                        }
                    } else {
                        // SMMU-PRIQ-3: PROD covers the entry only now.
                        let was_empty = ring.empty(prod_q, cons_eff);
                        self.prod = ring.incr(self.prod);
                        self.ev.written = Some(index);
                        priq_trigger = arch::write_irq_trigger(lo_q, was_empty, &self.latched);
                    }
                }
            }
        }

        // Ingress FIFO push (after the pop: a message is decided one edge after it arrives).
        if pr_hs {
            let m = inp.pr.masked();
            self.ingress.push(m);
            self.ev.accepted = Some(m);
        }

        // Command unit (SMMU-CMD-*).
        let mut cmdq_illegal = false;
        let mut sync_start = false;
        let mut stall_cmd = None;
        if cmd_hs {
            let c = Command::decode(inp.cmd_dw0, inp.cmd_dw1);
            let effect = arch::command_effect(&c, cr0ack_q & regs::CR0_SMMUEN != 0);
            self.ev.cmd = Some(CmdOutcome { opcode: c.opcode(), effect });
            match effect {
                CmdEffect::Respond(r) => {
                    self.sw_q.push(r);
                    self.ev.sw_pushed = Some(r);
                }
                CmdEffect::Sync => sync_start = true,
                CmdEffect::Illegal => cmdq_illegal = true,
                CmdEffect::Resume { stream_id, stag, action } => stall_cmd = Some(StallCmd::Resume { sid: stream_id, stag, action }),
                CmdEffect::StallTerm { stream_id } => stall_cmd = Some(StallCmd::Term { sid: stream_id }),
                CmdEffect::Ignored | CmdEffect::NoOp => {}
            }
        }

        // Event queue (rtl/README.md "SMMUv3 event queue").
        let ctx = EvCtx {
            smmuen: cr0ack_q & regs::CR0_SMMUEN != 0,
            eventqen: cr0ack_q & regs::CR0_EVENTQEN != 0,
            abt_active: regs::gerror_active(gerror_q, gerrorn_q, regs::GERROR_EVENTQ_ABT_ERR),
            cr0ack_changed: self.ev.cr0ack_changed,
            cmd: stall_cmd,
        };
        self.evtq.step(&ctx, inp, &o, ev_cons_eff, &mut self.out, &mut self.ev.evtq);
        let evq = self.ev.evtq;

        // CMD_SYNC (SMMU-CMD-9): the software FIFO was empty, no stall resolution waits to be
        // issued, and every record accepted up to the sync's own edge is finished.
        let sync_waiting = self.sync_pending || sync_start;
        let accepted = u32::from(evq.accepted.is_some());
        let records = if sync_start { ev_in_flight_q + accepted - evq.finished } else { self.sync_records.saturating_sub(evq.finished) };
        self.ev.sync_completed = sync_waiting && sw_len_q == 0 && !ev_resolving_q && records == 0;
        self.sync_pending = sync_waiting && !self.ev.sync_completed;
        self.sync_records = if self.sync_pending { records } else { 0 };
        self.out.sync_done = self.ev.sync_completed;

        // Global errors: activate (toggle GERROR) only if inactive before the edge (SMMU-CMD-2,
        // SMMU-PRIQ-16); each activation is a GERROR interrupt trigger (SMMU-CMD-11).
        let inactive = |bit| !regs::gerror_active(gerror_q, gerrorn_q, bit);
        if cmdq_illegal {
            self.cmdq_cons_err = regs::CERROR_ILL;
            if inactive(regs::GERROR_CMDQ_ERR) {
                self.ev.gerror_activated |= regs::GERROR_CMDQ_ERR;
            }
        }
        if priq_abt && inactive(regs::GERROR_PRIQ_ABT_ERR) {
            self.ev.gerror_activated |= regs::GERROR_PRIQ_ABT_ERR;
        }
        if evq.write_aborted.is_some() && inactive(regs::GERROR_EVENTQ_ABT_ERR) {
            self.ev.gerror_activated |= regs::GERROR_EVENTQ_ABT_ERR; // SMMU-EVTQ-11
        }
        self.gerror ^= self.ev.gerror_activated;

        // Interrupt pulses, gated by IRQ_CTRLACK before the edge (SMMU-PRIQ-13, OP-7, OP-17).
        self.ev.priq_irq_trigger = priq_trigger;
        self.out.irq_priq = priq_trigger && irq_ctrlack_q & regs::IRQ_CTRL_PRIQ_IRQEN != 0;
        self.out.irq_gerror = self.ev.gerror_activated != 0 && irq_ctrlack_q & regs::IRQ_CTRL_GERROR_IRQEN != 0;
        self.out.irq_evtq = evq.irq_trigger && irq_ctrlack_q & regs::IRQ_CTRL_EVENTQ_IRQEN != 0; // SMMU-EVTQ-9

        self.update_derived_outputs();
        &self.ev
    }

    /// Outputs that are functions of several registers.
    fn update_derived_outputs(&mut self) {
        let o = &mut self.out;
        o.pr_ready = !self.ingress.is_full();
        o.mw_valid = self.engine == EngineState::Write;
        o.mwack_ready = self.engine == EngineState::WaitAck;
        o.reg_ready = true;
        o.cmd_ready = !regs::gerror_active(self.gerror, self.gerrorn, regs::GERROR_CMDQ_ERR)
            && self.sw_q.len() < self.p.sw_depth
            && !self.sync_pending;
        self.evtq.derived_outputs(o);
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

    /// Software write; returns whether it took effect. Gating uses values before the edge
    /// (SMMU-PRIQ-14); this runs before any other register changes at the edge.
    fn write_reg(&mut self, addr: u32, data: u64) -> bool {
        let d32 = data as u32;
        let priq_enabled = (self.cr0 | self.cr0ack.ack) & regs::CR0_PRIQEN != 0;
        let priq_irq_enabled = (self.irq_ctrl | self.irq_ctrlack.ack) & regs::IRQ_CTRL_PRIQ_IRQEN != 0;
        let evtq_enabled = (self.cr0 | self.cr0ack.ack) & regs::CR0_EVENTQEN != 0;
        match addr {
            regs::CR0 => self.cr0 = d32 & regs::CR0_MASK,
            regs::IRQ_CTRL => self.irq_ctrl = d32 & regs::IRQ_CTRL_MASK,
            regs::GERRORN => self.gerrorn = d32 & regs::GERRORN_MASK,
            regs::PRIQ_BASE if !priq_enabled => self.priq_base = data & regs::BASE_STORED_MASK,
            regs::PRIQ_PROD if !priq_enabled => self.prod = d32 & regs::PTR_STORED_MASK,
            regs::PRIQ_IRQ_CFG2 if !priq_irq_enabled => self.irq_cfg2 = d32 & regs::IRQ_CFG2_LO,
            regs::PRIQ_CONS => self.cons = d32 & regs::PTR_STORED_MASK,
            // SMMU-EVTQ-1 (gating as SMMU-PRIQ-14, on EVENTQEN).
            regs::EVENTQ_BASE if !evtq_enabled => self.evtq.base = data & regs::BASE_STORED_MASK,
            regs::EVENTQ_PROD if !evtq_enabled => self.evtq.prod = d32 & regs::PTR_STORED_MASK,
            regs::EVENTQ_CONS => self.evtq.cons = d32 & regs::PTR_STORED_MASK,
            _ => return false,
        }
        true
    }

    /// Register value as a read returns it now (no side effects).
    pub fn read_reg(&self, addr: u32) -> u64 {
        let v32 = match addr {
            regs::IDR0 => regs::IDR0_PRI,
            regs::IDR1 => regs::idr1(self.p.priqs, self.p.eventqs),
            regs::IDR3 => regs::IDR3_PPS,
            regs::IDR5 => regs::idr5(self.p.stall_max),
            regs::CR0 => self.cr0,
            regs::CR0ACK => self.cr0ack.ack,
            regs::IRQ_CTRL => self.irq_ctrl,
            regs::IRQ_CTRLACK => self.irq_ctrlack.ack,
            regs::GERROR => self.gerror,
            regs::GERRORN => self.gerrorn,
            regs::CMDQ_CONS => self.cmdq_cons_err << regs::CMDQ_CONS_ERR_SHIFT,
            regs::PRIQ_BASE => return self.priq_base,
            regs::PRIQ_IRQ_CFG2 => self.irq_cfg2,
            regs::PRIQ_PROD => self.prod,
            regs::PRIQ_CONS => self.cons,
            regs::EVENTQ_BASE => return self.evtq.base,
            regs::EVENTQ_PROD => self.evtq.prod,
            regs::EVENTQ_CONS => self.evtq.cons,
            _ => 0,
        };
        u64::from(v32)
    }

    // Read-only accessors for checkers and tests.
    pub fn prod(&self) -> u32 {
        self.prod
    }
    pub fn cons(&self) -> u32 {
        self.cons
    }
    pub fn ovflg(&self) -> bool {
        self.prod & FLAG_BIT != 0
    }
    pub fn ovackflg(&self) -> bool {
        self.cons & FLAG_BIT != 0
    }
    pub fn overflow_active(&self) -> bool {
        arch::overflow_active(self.prod, self.cons)
    }
    pub fn cr0(&self) -> u32 {
        self.cr0
    }
    pub fn cr0ack(&self) -> u32 {
        self.cr0ack.ack
    }
    pub fn irq_ctrl(&self) -> u32 {
        self.irq_ctrl
    }
    pub fn irq_ctrlack(&self) -> u32 {
        self.irq_ctrlack.ack
    }
    pub fn gerror(&self) -> u32 {
        self.gerror
    }
    pub fn gerrorn(&self) -> u32 {
        self.gerrorn
    }
    pub fn priq_abt_active(&self) -> bool {
        regs::gerror_active(self.gerror, self.gerrorn, regs::GERROR_PRIQ_ABT_ERR)
    }
    pub fn cmdq_err_active(&self) -> bool {
        regs::gerror_active(self.gerror, self.gerrorn, regs::GERROR_CMDQ_ERR)
    }
    pub fn priq_base(&self) -> u64 {
        self.priq_base
    }
    /// Queue geometry from the current PRIQ_BASE.LOG2SIZE and PRIQS.
    pub fn ring(&self) -> Ring {
        Ring::new(regs::base_log2size(self.priq_base), self.p.priqs)
    }
    pub fn engine(&self) -> EngineState {
        self.engine
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
    pub fn sync_pending(&self) -> bool {
        self.sync_pending
    }
    /// The event queue (registers, stall table, FIFOs).
    pub fn evtq(&self) -> &EvtqTiming {
        &self.evtq
    }
    /// True when no message, record, response, write, stall resolution or sync is in flight
    /// inside the block (outstanding stalls may remain).
    pub fn is_quiescent(&self) -> bool {
        self.evtq.in_flight() == 0
            && !self.evtq.resolving_any()
            && self.evtq.sr_len() == 0
            && self.ingress.len() == 0
            && self.auto_q.len() == 0
            && self.sw_q.len() == 0
            && self.engine == EngineState::Idle
            && !self.out.rsp_valid
            && !self.sync_pending
    }
}

#[cfg(test)]
#[path = "timing_tests.rs"]
mod tests;
