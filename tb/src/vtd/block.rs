//! The VT-d PRQ block of the bench (`crate::testbench`): the Verilated `vtd_prq`, its timed model and
//! scoreboard, and the monitors of its own ports. The memory port carries three kinds of writes
//! (descriptor, status write, MSI; `mw_kind`), the software port is the 256-bit
//! invalidation-queue descriptor input, and the queue's interrupt is the page request event MSI
//! (to the address software programmed in PEADDR/PEUADDR, as the monitor saw it written).

use super::coverage::VtdCoverage;
use super::dut::VtdDut;
use super::scoreboard::Scoreboard;
use crate::config::RtlConfig;
use crate::coverage::CoverData;
use crate::dut::Clocked;
use crate::lockstep::Mismatch;
use crate::testbench::{Block, Drive, Monitor};
use crate::txn::Txn;
use models::vtd::regs;
use models::vtd::timing::{Job, VtdInputs, VtdOutputs, VtdTiming};

pub struct Prq {
    dut: VtdDut,
    model: VtdTiming,
    scoreboard: Scoreboard,
    /// PEADDR and PEUADDR as written on the register port: an MSI there is the queue's interrupt.
    pe_msi: (u32, u32),
}

impl Block for Prq {
    type Inputs = VtdInputs;
    type Outputs = VtdOutputs;
    type Coverage = VtdCoverage;

    fn bind(model: sim::Model, config: &RtlConfig) -> Result<Prq, sim::SimError> {
        let params = super::params::model_params(config).expect("checked by run");
        Ok(Prq { dut: VtdDut::new(model)?, model: VtdTiming::new(params), scoreboard: Scoreboard::default(), pe_msi: (0, 0) })
    }
    fn reset(&mut self) {
        self.dut.reset(2);
    }
    fn new_coverage() -> VtdCoverage {
        VtdCoverage::new()
    }
    fn coverage_data(c: VtdCoverage) -> CoverData {
        c.into_data()
    }
    fn clock(&mut self) -> &mut Clocked {
        &mut self.dut.clock
    }
    fn sample(&self, out: &mut VtdOutputs) {
        self.dut.sample(out);
    }

    #[inline]
    fn inputs(d: &Drive) -> VtdInputs {
        VtdInputs {
            pr_valid: d.pr.is_some(),
            pr: d.pr.unwrap_or_default(),
            rsp_ready: d.rsp_ready,
            mw_ready: d.mem.mw_ready,
            mwack_valid: d.mem.ack_valid,
            reg_valid: d.reg.valid,
            reg_write: d.reg.write,
            reg_addr: d.reg.addr,
            reg_wdata: d.reg.wdata,
            iq_valid: d.cmd.is_some(),
            iq_qw: d.cmd.unwrap_or_default(),
        }
    }

    fn edge(&mut self, i: &VtdInputs, cov: &mut VtdCoverage, out: &mut VtdOutputs) {
        self.dut.drive(i);
        self.dut.clock.tick();
        cov.on_inputs(i, &self.model);
        self.model.step(i);
        cov.on_edge(self.model.events(), &self.model);
        self.dut.sample(out);
    }

    fn monitor(&mut self, m: &mut Monitor<'_, VtdCoverage>, i: &VtdInputs, before: &VtdOutputs, after: &VtdOutputs) {
        if i.reg_valid && before.reg_ready && i.reg_write {
            match i.reg_addr {
                regs::PEADDR => self.pe_msi.0 = i.reg_wdata as u32,
                regs::PEUADDR => self.pe_msi.1 = i.reg_wdata as u32,
                _ => {}
            }
        }
        m.page_request(i.pr_valid && before.pr_ready);
        if before.mw_valid && i.mw_ready {
            let (addr, d) = (before.mw_addr, before.mw_data);
            let value = d[0] as u32;
            let txn = if before.mw_kind == Job::Descriptor.kind() {
                m.agents.mem.on_write(m.edge, addr, &d);
                Txn::MemWrite { addr, bytes: 32, data: d }
            } else {
                m.agents.mem.on_write_u32(m.edge, addr, value);
                if before.mw_kind == Job::Status.kind() {
                    Txn::StatusWrite { addr, data: value }
                } else {
                    if addr == regs::msi(self.pe_msi.0, self.pe_msi.1, 0).addr {
                        m.env.irq.set();
                    }
                    Txn::Msi { addr, data: value }
                }
            };
            m.emit(txn);
        }
        m.mem_ack(i.mwack_valid && before.mwack_ready);
        m.register(i.reg_valid && before.reg_ready, i.reg_write, i.reg_addr, i.reg_wdata, after.reg_rvalid, after.reg_rdata);
        m.command(i.iq_valid && before.iq_ready, 4);
        let b = before;
        m.response(b.rsp_valid && i.rsp_ready, b.rsp_rid, b.rsp_pv, b.rsp_pasid, b.rsp_prgi, b.rsp_code);
    }

    // Called every cycle from the generic loop (as is `inputs`): let it inline there.
    #[inline]
    fn compare(&mut self, edge: u64, out: &VtdOutputs, enforce: bool) -> Option<Mismatch> {
        self.scoreboard.note(&self.model);
        if !enforce {
            return None;
        }
        self.scoreboard.compare(edge, self.model.outputs(), out, &self.model)
    }
}
