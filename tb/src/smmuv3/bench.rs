//! The cycle loop of the SMMUv3 bench: agents drive the DUT and the timed model with the same
//! inputs; after every rising edge the scoreboard compares all outputs (strict lockstep), the
//! monitors turn handshakes into transactions for the protocol checkers, the trace and the
//! recent-transaction ring; then the scheduler wakes the test sequences waiting on that edge.

use super::dut::PriqDut;
use crate::env::{Agents, Env, QueueConfig};
use super::scoreboard::Scoreboard;
use crate::lockstep::Stop;
use crate::checkers::Violation;
use crate::coverage::CoverData;
use crate::coverage::smmuv3::Smmuv3Coverage;
use crate::sched::{Event, Scheduler};
use crate::observe::Observers;
use crate::txn::{IrqLine, Txn};
use models::pcie::{PrgResponse, RespCode};
use models::smmuv3::timing::{PriqInputs, PriqOutputs, PriqParams, PriqTiming};
use std::cell::RefCell;
use std::rc::Rc;

/// Clock period used for simulated time (waves, timers).
pub const PERIOD_PS: u64 = 10_000;

pub struct Bench {
    dut: PriqDut,
    model: PriqTiming,
    scoreboard: Scoreboard,
    /// Functional coverage, sampled from the model's events and the monitors (ARCHITECTURE: data flow).
    pub coverage: Smmuv3Coverage,
    pub sched: Scheduler,
    pub env: Env,
    /// Checkers, trace, recent transactions and log: every transaction goes there.
    pub obs: Observers,
    /// Enforce the strict cycle-by-cycle compare (off: protocol checkers only).
    pub lockstep: bool,
    out: PriqOutputs,
    cycle: u64,
}

impl Bench {
    pub fn new(
        mut dut: PriqDut,
        params: PriqParams,
        agents: Agents,
        obs: Observers,
    ) -> Bench {
        dut.reset(2);
        let sched = Scheduler::new(PERIOD_PS);
        let env = Env {
            sim: sched.handle(),
            agents: Rc::new(RefCell::new(agents)),
            irq: Rc::new(Event::new()),
            queue: Rc::new(RefCell::new(QueueConfig::default())),
        };
        let model = PriqTiming::new(params);
        let mut out = PriqOutputs::default();
        dut.sample(&mut out);
        Bench {
            dut,
            model,
            scoreboard: Scoreboard::default(),
            coverage: Smmuv3Coverage::new(),
            sched,
            env,
            obs,
            lockstep: true,
            out,
            cycle: 0,
        }
    }

    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    pub fn dut_mut(&mut self) -> &mut PriqDut {
        &mut self.dut
    }

    /// Run one clock cycle. Returns why the run must stop, if it must.
    pub fn step(&mut self) -> Option<Stop> {
        self.sched.falling_edge();
        let edge = self.cycle + 1;
        let inp = self.inputs(edge);
        self.dut.drive(&inp);
        self.dut.clock.tick();
        let before = self.out;
        self.coverage.on_inputs(&inp, &self.model);
        self.model.step(&inp);
        self.coverage.on_edge(self.model.events(), &self.model);
        self.dut.sample(&mut self.out);
        self.cycle = edge;
        {
            // Completions and events set by the monitors wake their tasks without a lock.
            let _local = self.sched.local_wakes();
            self.monitor(&inp, &before);
        }
        self.scoreboard.note(self.model.events());
        if !self.lockstep {
            // Checkers-only mode (the judge for RTL with other latencies): the model still runs
            // so that coverage and blame stay available, but its outputs are not enforced.
        } else if let Some(m) = self.scoreboard.compare(edge, self.model.outputs(), &self.out, &self.model) {
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

    /// Each agent fills its part of the inputs for the cycle ending at `edge`.
    fn inputs(&mut self, edge: u64) -> PriqInputs {
        let mut a = self.env.agents.borrow_mut();
        let mut i = PriqInputs::default();
        if let Some(m) = a.pcie.drive() {
            i.pr_valid = true;
            i.pr = m;
        }
        let m = a.mem.drive(edge);
        i.mw_ready = m.mw_ready;
        i.mwack_valid = m.ack_valid;
        i.mwack_err = m.ack_err;
        let r = a.regs.drive();
        i.reg_valid = r.valid;
        i.reg_write = r.write;
        i.reg_addr = r.addr;
        i.reg_wdata = r.wdata;
        if let Some(w) = a.cmds.drive() {
            i.cmd_valid = true;
            i.cmd_dw0 = w[0];
            i.cmd_dw1 = w[1];
        }
        i.rsp_ready = a.rsp.drive();
        i
    }

    /// Handshakes at this edge: inputs of the cycle against the outputs before the edge.
    fn monitor(&mut self, i: &PriqInputs, before: &PriqOutputs) {
        let edge = self.cycle;
        let mut a = self.env.agents.borrow_mut();
        let (obs, cov) = (&mut self.obs, &mut self.coverage);
        // Device events raised while driving this cycle (a stop completing, a PASID re-bound)
        // happened before this edge's handshakes.
        obs.flush_device_events(&mut a, cov, edge);
        if i.pr_valid && before.pr_ready {
            let msg = a.pcie.on_accept();
            obs.emit(&mut a, cov, edge, Txn::PageRequest { msg });
        }
        if before.mw_valid && i.mw_ready {
            a.mem.on_write(edge, before.mw_addr, &before.mw_data);
            let d = before.mw_data;
            obs.emit(&mut a, cov, edge, Txn::MemWrite { addr: before.mw_addr, bytes: 16, data: [d[0], d[1], 0, 0] });
        }
        if i.mwack_valid && before.mwack_ready {
            let err = a.mem.on_ack();
            obs.emit(&mut a, cov, edge, Txn::MemAck { err });
        }
        if i.reg_valid && before.reg_ready {
            a.regs.on_accept(edge);
            if i.reg_write {
                obs.emit(&mut a, cov, edge, Txn::RegWrite { addr: i.reg_addr, data: i.reg_wdata });
            }
        }
        if self.out.reg_rvalid {
            if let Some(addr) = a.regs.on_rdata(self.out.reg_rdata, edge) {
                obs.emit(&mut a, cov, edge, Txn::RegRead { addr, data: self.out.reg_rdata });
            }
        }
        if i.cmd_valid && before.cmd_ready {
            let words = a.cmds.on_taken(edge);
            obs.emit(&mut a, cov, edge, Txn::Command { words, n: 2 });
        }
        if before.rsp_valid && i.rsp_ready {
            let rsp = PrgResponse {
                rid: before.rsp_rid,
                pv: before.rsp_pv,
                pasid: before.rsp_pasid,
                prgi: before.rsp_prgi,
                code: RespCode::from_bits(before.rsp_code),
            };
            a.rsp.on_response(edge, rsp);
            a.pcie.on_response(&rsp);
            obs.emit(&mut a, cov, edge, Txn::Response { rsp });
        }
        // Device events raised while reacting to this edge's handshakes come after them.
        obs.flush_device_events(&mut a, cov, edge);
        if self.out.irq_priq {
            self.env.irq.set();
            obs.emit(&mut a, cov, edge, Txn::Irq { line: IrqLine::Priq });
        }
        if self.out.irq_gerror {
            obs.emit(&mut a, cov, edge, Txn::Irq { line: IrqLine::Gerror });
        }
        if self.out.sync_done {
            obs.emit(&mut a, cov, edge, Txn::SyncDone);
        }
    }

    /// End of test: liveness checks of every checker.
    pub fn finish(&mut self) -> Vec<Violation> {
        let v = self.obs.finish(self.cycle);
        self.dut.clock.close();
        v
    }
}

impl crate::run::Harness for Bench {
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
        Bench::step(self)
    }
    fn finish(&mut self) -> Vec<Violation> {
        Bench::finish(self)
    }
    fn take_coverage(&mut self) -> CoverData {
        std::mem::replace(&mut self.coverage, Smmuv3Coverage::new()).into_data()
    }
    fn write_code_coverage(&mut self, path: &std::path::Path) -> Result<(), String> {
        self.dut.clock.model_mut().write_coverage(path).map_err(|e| e.to_string())
    }
}
