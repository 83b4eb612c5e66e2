//! The testbench's cycle loop, for every flavor: agents drive the DUT and the timed model with
//! the same inputs; after every rising edge the scoreboard compares all outputs (strict
//! lockstep), the monitors turn handshakes into transactions for the protocol checkers, the
//! coverage, the trace and the log; then the scheduler wakes the test sequences waiting on that
//! edge. What differs between tops (ports, model, scoreboard, coverage, monitors of the ports
//! that only one top has) is the flavor's [`Block`].

use crate::agents::memory::MemDrive;
use crate::agents::regbus::RegDrive;
use crate::checkers::Violation;
use crate::config::RtlConfig;
use crate::coverage::CoverData;
use crate::dut::Clocked;
use crate::env::{Agents, Env, QueueConfig};
use crate::lockstep::{Mismatch, Stop};
use crate::observe::{Observers, TxnCoverage};
use crate::sched::{Event, Scheduler};
use crate::txn::Txn;
use models::pcie::{PageRequest, PrgResponse};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

/// Clock period used for simulated time (waves, timers).
pub const PERIOD_PS: u64 = 10_000;

/// One flavor's DUT, timed model and scoreboard, and the monitors of its own ports.
pub trait Block: Sized {
    type Inputs: Copy + Default;
    type Outputs: Copy + Default;
    type Coverage: TxnCoverage;
    /// Bind the loaded DUT's ports and start the timed model (the DUT is reset by [`Block::reset`]).
    /// `config` was checked by `Flavor::parameters`.
    fn bind(model: sim::Model, config: &RtlConfig) -> Result<Self, sim::SimError>;
    /// Hold the DUT in reset and release it; the timed model starts in its reset state.
    fn reset(&mut self);
    fn new_coverage() -> Self::Coverage;
    fn coverage_data(c: Self::Coverage) -> CoverData;
    fn clock(&mut self) -> &mut Clocked;
    /// The DUT's outputs now.
    fn sample(&self, out: &mut Self::Outputs);
    /// The top's inputs for a cycle, from what the agents drive.
    fn inputs(d: &Drive) -> Self::Inputs;
    /// One rising edge of the DUT and of the timed model with the same inputs; coverage samples
    /// the model around its step; `out` receives the DUT's outputs after the edge.
    fn edge(&mut self, i: &Self::Inputs, cov: &mut Self::Coverage, out: &mut Self::Outputs);
    /// Transactions of this edge's handshakes (inputs of the cycle against the outputs before
    /// the edge; read data and pulses from the outputs after it).
    fn monitor(&mut self, m: &mut Monitor<'_, Self::Coverage>, i: &Self::Inputs, before: &Self::Outputs, after: &Self::Outputs);
    /// Output pulses after the edge (reported after the device events the handshakes raised).
    fn pulses(_m: &mut Monitor<'_, Self::Coverage>, _after: &Self::Outputs) {}
    /// Follow the model through the edge (for blame), then compare all outputs if `enforce`.
    fn compare(&mut self, edge: u64, out: &Self::Outputs, enforce: bool) -> Option<Mismatch>;
}

/// What the agents drive in one cycle, on the ports both tops have.
#[derive(Clone, Copy, Debug, Default)]
pub struct Drive {
    pub pr: Option<PageRequest>,
    pub mem: MemDrive,
    pub reg: RegDrive,
    /// A command (SMMUv3) or descriptor (VT-d) presented on the software port.
    pub cmd: Option<[u64; 4]>,
    pub rsp_ready: bool,
    /// SMMUv3 event input, event-record memory and stall-resolution ready.
    pub ev: Option<models::smmuv3::event::EventInput>,
    pub emem: MemDrive,
    pub sr_ready: bool,
}

impl Drive {
    /// Each agent fills its part of the inputs for the cycle ending at `edge`.
    fn of(a: &mut Agents, edge: u64) -> Drive {
        a.watch(edge);
        Drive {
            pr: a.pcie.drive(),
            mem: a.mem.drive(edge),
            reg: a.regs.drive(),
            cmd: a.cmds.drive().copied(),
            rsp_ready: a.rsp.drive(),
            ev: a.events.drive(),
            emem: a.emem.drive(edge),
            sr_ready: a.stalls.drive(),
        }
    }
}

/// What a block's monitor works with at one edge.
pub struct Monitor<'a, C: TxnCoverage> {
    pub edge: u64,
    pub agents: &'a mut Agents,
    pub env: &'a Env,
    obs: &'a mut Observers,
    cov: &'a mut C,
}

impl<C: TxnCoverage> Monitor<'_, C> {
    pub fn emit(&mut self, txn: Txn) {
        self.obs.emit(self.agents, self.cov, self.edge, txn);
    }
    /// Host and device events raised since the last call (they happened before what follows).
    pub fn flush_events(&mut self) {
        self.obs.flush_device_events(self.agents, self.cov, self.edge);
    }
    /// The page-request ingress handshake.
    pub fn page_request(&mut self, handshake: bool) {
        if handshake {
            let msg = self.agents.pcie.on_accept();
            self.emit(Txn::PageRequest { msg });
        }
    }
    /// The register port: a request handshake (`write`, `addr`, `wdata` of the cycle) and the
    /// read data shown after the edge.
    pub fn register(&mut self, handshake: bool, write: bool, addr: u32, wdata: u64, rvalid: bool, rdata: u64) {
        if handshake {
            self.agents.regs.on_accept(self.edge);
            if write {
                self.emit(Txn::RegWrite { addr, data: wdata });
            }
        }
        if rvalid {
            if let Some(addr) = self.agents.regs.on_rdata(rdata, self.edge) {
                self.emit(Txn::RegRead { addr, data: rdata });
            }
        }
    }
    /// The command (SMMUv3) or descriptor (VT-d) port handshake; `n` meaningful words.
    pub fn command(&mut self, handshake: bool, n: u8) {
        if handshake {
            let words = self.agents.cmds.on_taken(self.edge);
            self.emit(Txn::Command { words, n });
        }
    }
    /// The memory acknowledgement handshake.
    pub fn mem_ack(&mut self, handshake: bool) {
        if handshake {
            let err = self.agents.mem.on_ack();
            self.emit(Txn::MemAck { err });
        }
    }
    /// The PRG-response egress handshake (fields as shown before the edge).
    pub fn response(&mut self, handshake: bool, rid: u16, pv: bool, pasid: u32, prgi: u16, code: u8) {
        if handshake {
            let rsp = PrgResponse::from_port_fields(rid, pv, pasid, prgi, code);
            self.agents.rsp.on_response(self.edge, rsp);
            self.agents.pcie.on_response(&rsp);
            self.emit(Txn::Response { rsp });
        }
    }
}

pub struct Testbench<B: Block> {
    block: B,
    /// Functional coverage, sampled from the model's events and the monitors (ARCHITECTURE: data flow).
    pub coverage: B::Coverage,
    pub sched: Scheduler,
    pub env: Env,
    /// Checkers, trace, recent transactions and log: every transaction goes there.
    pub obs: Observers,
    /// Enforce the strict cycle-by-cycle compare (off: protocol checkers only).
    pub lockstep: bool,
    out: B::Outputs,
    cycle: u64,
}

impl<B: Block> Testbench<B> {
    /// A testbench on a loaded build: ports bound, waves opened if asked (before reset, so the
    /// reset is in them), DUT reset.
    pub fn load(
        model: sim::Model,
        config: &RtlConfig,
        waves: Option<&Path>,
        agents: Agents,
        obs: Observers,
    ) -> Result<Testbench<B>, sim::SimError> {
        let mut block = B::bind(model, config)?;
        if let Some(w) = waves {
            block.clock().open_waves(w)?;
        }
        block.reset();
        Ok(Testbench::new(block, config, agents, obs))
    }

    /// A testbench on a block whose DUT has just been reset.
    pub fn new(block: B, config: &RtlConfig, agents: Agents, obs: Observers) -> Testbench<B> {
        let sched = Scheduler::new(PERIOD_PS);
        let env = Env {
            sim: sched.handle(),
            agents: Rc::new(RefCell::new(agents)),
            irq: Rc::new(Event::new()),
            queue: Rc::new(RefCell::new(QueueConfig::default())),
            tickets: Rc::default(),
            config: Rc::new(config.clone()),
        };
        let mut out = B::Outputs::default();
        block.sample(&mut out);
        Testbench { block, coverage: B::new_coverage(), sched, env, obs, lockstep: true, out, cycle: 0 }
    }

    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    /// Run one clock cycle. Returns why the run must stop, if it must.
    pub fn step(&mut self) -> Option<Stop> {
        self.sched.falling_edge();
        let edge = self.cycle + 1;
        let inp = B::inputs(&Drive::of(&mut self.env.agents.borrow_mut(), edge));
        let before = self.out;
        self.block.edge(&inp, &mut self.coverage, &mut self.out);
        self.cycle = edge;
        {
            // Completions and events set by the monitors wake their tasks without a lock.
            let _local = self.sched.local_wakes();
            let mut agents = self.env.agents.borrow_mut();
            let mut m = Monitor { edge, agents: &mut agents, env: &self.env, obs: &mut self.obs, cov: &mut self.coverage };
            // Device events raised while driving this cycle happened before this edge's handshakes;
            // those raised while reacting to them come after.
            m.flush_events();
            self.block.monitor(&mut m, &inp, &before, &self.out);
            m.flush_events();
            B::pulses(&mut m, &self.out);
        }
        // Checkers-only mode (the judge for RTL with other latencies) still runs the model, so
        // that coverage and blame stay available, but does not enforce its outputs.
        if let Some(m) = self.block.compare(edge, &self.out, self.lockstep) {
            return Some(Stop::Mismatch(m));
        }
        if !self.obs.violations.is_empty() {
            return Some(Stop::Violations(std::mem::take(&mut self.obs.violations)));
        }
        self.sched.set_time(edge * PERIOD_PS);
        self.sched.rising_edge();
        self.sched.read_only();
        None
    }

    /// End of test: liveness checks of every checker; waves closed.
    pub fn finish(&mut self) -> Vec<Violation> {
        let v = self.obs.finish(self.cycle);
        self.block.clock().close();
        v
    }
}

/// What `run` needs of a testbench, whatever its block: the flavor hands one out as a trait
/// object (`Flavor::testbench`).
pub trait Harness {
    fn env(&self) -> Env;
    fn sched(&mut self) -> &mut Scheduler;
    fn obs(&self) -> &Observers;
    fn cycle(&self) -> u64;
    /// Strict lockstep against the timed model (off: the protocol checkers are the only judge).
    fn set_lockstep(&mut self, on: bool);
    /// Run one clock cycle. Returns why the run must stop, if it must.
    fn step(&mut self) -> Option<Stop>;
    /// End of test: liveness checks of every checker; closes waves and trace.
    fn finish(&mut self) -> Vec<Violation>;
    /// This run's functional coverage counters.
    fn take_coverage(&mut self) -> CoverData;
    /// The loaded DUT (its code-coverage counters, its coverage file).
    fn dut(&mut self) -> &mut sim::Model;
}

impl<B: Block> Harness for Testbench<B> {
    fn env(&self) -> Env {
        self.env.clone()
    }
    fn sched(&mut self) -> &mut Scheduler {
        &mut self.sched
    }
    fn obs(&self) -> &Observers {
        &self.obs
    }
    fn cycle(&self) -> u64 {
        self.cycle
    }
    fn set_lockstep(&mut self, on: bool) {
        self.lockstep = on;
    }
    fn step(&mut self) -> Option<Stop> {
        Testbench::step(self)
    }
    fn finish(&mut self) -> Vec<Violation> {
        Testbench::finish(self)
    }
    fn take_coverage(&mut self) -> CoverData {
        B::coverage_data(std::mem::replace(&mut self.coverage, B::new_coverage()))
    }
    fn dut(&mut self) -> &mut sim::Model {
        self.block.clock().model_mut()
    }
}
