//! The Verilated `smmuv3_priq` behind the same input/output records as the timed model.
//! Ports are bound once, by name, from the port list Verilator produced (no per-port glue);
//! each cycle is then plain loads and stores into the model's port storage.

use crate::dut::{bind_ports, copy_pcie_out, Clocked, PciePorts};
use models::smmuv3::timing::{PriqInputs, PriqOutputs};
use sim::{Model, Port, SimError};

/// Port handles of `smmuv3_priq` besides clock, reset and the PCIe ports (names from
/// `rtl/README.md`).
struct Ports {
    mw_valid: Port,
    mw_ready: Port,
    mw_addr: Port,
    mw_data: Port,
    mwack_valid: Port,
    mwack_ready: Port,
    mwack_err: Port,
    reg_valid: Port,
    reg_ready: Port,
    reg_write: Port,
    reg_addr: Port,
    reg_wdata: Port,
    reg_rvalid: Port,
    reg_rdata: Port,
    cmd_valid: Port,
    cmd_ready: Port,
    cmd_dw0: Port,
    cmd_dw1: Port,
    sync_done: Port,
    irq_priq: Port,
    irq_gerror: Port,
}

pub struct PriqDut {
    /// Clock, reset and waves.
    pub clock: Clocked,
    pcie: PciePorts,
    p: Ports,
}

impl PriqDut {
    /// Bind every port by name; a missing port is a one-line error naming it.
    pub fn new(model: Model) -> Result<PriqDut, SimError> {
        let clock = Clocked::new(model)?;
        let m = clock.model();
        let p = bind_ports!(m, Ports {
            mw_valid, mw_ready, mw_addr, mw_data, mwack_valid, mwack_ready, mwack_err, reg_valid, reg_ready,
            reg_write, reg_addr, reg_wdata, reg_rvalid, reg_rdata, cmd_valid, cmd_ready, cmd_dw0, cmd_dw1,
            sync_done, irq_priq, irq_gerror,
        });
        Ok(PriqDut { pcie: PciePorts::bind(m)?, p, clock })
    }

    /// Hold reset for `edges` rising edges with idle inputs, then release it.
    pub fn reset(&mut self, edges: u32) {
        self.drive(&PriqInputs::default());
        self.clock.reset(edges);
    }

    /// Put this cycle's inputs on the ports.
    #[inline]
    pub fn drive(&mut self, i: &PriqInputs) {
        self.pcie.drive(i.pr_valid, &i.pr, i.rsp_ready);
        let p = &self.p;
        p.mw_ready.set(i.mw_ready as u64);
        p.mwack_valid.set(i.mwack_valid as u64);
        p.mwack_err.set(i.mwack_err as u64);
        p.reg_valid.set(i.reg_valid as u64);
        p.reg_write.set(i.reg_write as u64);
        p.reg_addr.set(i.reg_addr as u64);
        p.reg_wdata.set(i.reg_wdata);
        p.cmd_valid.set(i.cmd_valid as u64);
        p.cmd_dw0.set(i.cmd_dw0);
        p.cmd_dw1.set(i.cmd_dw1);
    }

    /// Read every output after the edge.
    #[inline]
    pub fn sample(&self, o: &mut PriqOutputs) {
        copy_pcie_out!(self.pcie.sample(), o);
        let p = &self.p;
        o.mw_valid = p.mw_valid.get() != 0;
        o.mw_addr = p.mw_addr.get();
        let mut w = [0u32; 4];
        p.mw_data.get_words(&mut w);
        o.mw_data = [w[0] as u64 | (w[1] as u64) << 32, w[2] as u64 | (w[3] as u64) << 32];
        o.mwack_ready = p.mwack_ready.get() != 0;
        o.reg_ready = p.reg_ready.get() != 0;
        o.reg_rvalid = p.reg_rvalid.get() != 0;
        o.reg_rdata = p.reg_rdata.get();
        o.cmd_ready = p.cmd_ready.get() != 0;
        o.sync_done = p.sync_done.get() != 0;
        o.irq_priq = p.irq_priq.get() != 0;
        o.irq_gerror = p.irq_gerror.get() != 0;
    }
}

