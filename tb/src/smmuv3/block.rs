//! The SMMUv3 PRIQ block of the bench (`crate::testbench`): the Verilated `smmuv3_priq`, its timed
//! model and scoreboard, and the monitors of its own ports (PRIQ entry writes, the command port,
//! the event input, event-record writes, stall resolutions, the interrupt and CMD_SYNC pulses).

use super::coverage::Smmuv3Coverage;
use super::dut::PriqDut;
use super::scoreboard::Scoreboard;
use crate::config::RtlConfig;
use crate::coverage::CoverData;
use crate::dut::Clocked;
use crate::lockstep::Mismatch;
use crate::testbench::{Block, Drive, Monitor};
use crate::txn::{IrqLine, Txn};
use models::smmuv3::timing::{PriqInputs, PriqOutputs, PriqTiming};

pub struct Priq {
    dut: PriqDut,
    model: PriqTiming,
    scoreboard: Scoreboard,
}

impl Block for Priq {
    type Inputs = PriqInputs;
    type Outputs = PriqOutputs;
    type Coverage = Smmuv3Coverage;

    fn bind(model: sim::Model, config: &RtlConfig) -> Result<Priq, sim::SimError> {
        let params = super::params::model_params(config).expect("checked by run");
        Ok(Priq { dut: PriqDut::new(model)?, model: PriqTiming::new(params), scoreboard: Scoreboard::default() })
    }
    fn reset(&mut self) {
        self.dut.reset(2);
    }
    fn new_coverage() -> Smmuv3Coverage {
        Smmuv3Coverage::new()
    }
    fn coverage_data(c: Smmuv3Coverage) -> CoverData {
        c.into_data()
    }
    fn clock(&mut self) -> &mut Clocked {
        &mut self.dut.clock
    }
    fn sample(&self, out: &mut PriqOutputs) {
        self.dut.sample(out);
    }

    #[inline]
    fn inputs(d: &Drive) -> PriqInputs {
        let cmd = d.cmd.unwrap_or_default();
        PriqInputs {
            pr_valid: d.pr.is_some(),
            pr: d.pr.unwrap_or_default(),
            rsp_ready: d.rsp_ready,
            mw_ready: d.mem.mw_ready,
            mwack_valid: d.mem.ack_valid,
            mwack_err: d.mem.ack_err,
            reg_valid: d.reg.valid,
            reg_write: d.reg.write,
            reg_addr: d.reg.addr,
            reg_wdata: d.reg.wdata,
            cmd_valid: d.cmd.is_some(),
            cmd_dw0: cmd[0],
            cmd_dw1: cmd[1],
            ev_valid: d.ev.is_some(),
            ev: d.ev.unwrap_or_default(),
            sr_ready: d.sr_ready,
            emw_ready: d.emem.mw_ready,
            emwack_valid: d.emem.ack_valid,
            emwack_err: d.emem.ack_err,
        }
    }

    fn edge(&mut self, i: &PriqInputs, cov: &mut Smmuv3Coverage, out: &mut PriqOutputs) {
        self.dut.drive(i);
        self.dut.clock.tick();
        cov.on_inputs(i, &self.model);
        self.model.step(i);
        cov.on_edge(self.model.events(), &self.model);
        self.dut.sample(out);
    }

    fn monitor(&mut self, m: &mut Monitor<'_, Smmuv3Coverage>, i: &PriqInputs, before: &PriqOutputs, after: &PriqOutputs) {
        m.page_request(i.pr_valid && before.pr_ready);
        if before.mw_valid && i.mw_ready {
            let d = before.mw_data;
            m.agents.mem.on_write(m.edge, before.mw_addr, &d);
            m.emit(Txn::MemWrite { addr: before.mw_addr, bytes: 16, data: [d[0], d[1], 0, 0] });
        }
        m.mem_ack(i.mwack_valid && before.mwack_ready);
        m.register(i.reg_valid && before.reg_ready, i.reg_write, i.reg_addr, i.reg_wdata, after.reg_rvalid, after.reg_rdata);
        m.command(i.cmd_valid && before.cmd_ready, 2);
        let b = before;
        m.response(b.rsp_valid && i.rsp_ready, b.rsp_rid, b.rsp_pv, b.rsp_pasid, b.rsp_prgi, b.rsp_code);
        // Event queue (rtl/README.md "SMMUv3 event queue").
        if i.ev_valid && b.ev_ready {
            let rec = m.agents.events.on_accept(m.edge);
            m.emit(Txn::EventAccepted { rec });
        }
        if b.emw_valid && i.emw_ready {
            m.agents.emem.on_write(m.edge, b.emw_addr, &b.emw_data);
            m.emit(Txn::EventWrite { addr: b.emw_addr, data: b.emw_data });
        }
        if i.emwack_valid && b.emwack_ready {
            let err = m.agents.emem.on_ack();
            m.emit(Txn::EventAck { err });
        }
        if b.sr_valid && i.sr_ready {
            let (edge, sid, stag, action) = (m.edge, b.sr_sid, b.sr_stag, b.sr_action);
            m.agents.stalls.on_taken(edge, sid, stag, action);
            m.agents.events.on_resolution(edge, sid, stag, action);
            m.emit(Txn::StallResolution { sid, stag, action });
        }
    }

    fn pulses(m: &mut Monitor<'_, Smmuv3Coverage>, after: &PriqOutputs) {
        if after.irq_priq {
            m.env.irq.set();
            m.emit(Txn::Irq { line: IrqLine::Priq });
        }
        if after.irq_gerror {
            m.emit(Txn::Irq { line: IrqLine::Gerror });
        }
        if after.irq_evtq {
            m.emit(Txn::Irq { line: IrqLine::Evtq });
        }
        if after.sync_done {
            m.emit(Txn::SyncDone);
        }
    }

    // Called every cycle from the generic loop (as is `inputs`): let it inline there.
    #[inline]
    fn compare(&mut self, edge: u64, out: &PriqOutputs, enforce: bool) -> Option<Mismatch> {
        self.scoreboard.note(&self.model);
        if !enforce {
            return None;
        }
        self.scoreboard.compare(edge, self.model.outputs(), out, &self.model)
    }
}
