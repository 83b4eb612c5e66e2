//! The Verilated `smmuv3_priq` behind the same input/output records as the timed model.
//! Ports are bound once, by name, from the port list Verilator produced (no per-port glue);
//! each cycle is then plain loads and stores into the model's port storage.

use crate::dut::{bind_ports, copy_fields, copy_pcie_out, Clocked, MemPorts, PciePorts, RegPorts};
use models::smmuv3::timing::{PriqInputs, PriqOutputs};
use sim::{Model, Port, SimError};

/// Port handles of `smmuv3_priq` besides clock, reset and the shared port groups (names from
/// `rtl/README.md`).
struct Ports {
    mwack_err: Port,
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
    mem: MemPorts,
    reg: RegPorts,
    p: Ports,
}

impl PriqDut {
    /// Bind every port by name; a missing port is a one-line error naming it.
    pub fn new(model: Model) -> Result<PriqDut, SimError> {
        let clock = Clocked::new(model)?;
        let m = clock.model();
        let p = bind_ports!(m, Ports { mwack_err, cmd_valid, cmd_ready, cmd_dw0, cmd_dw1, sync_done, irq_priq, irq_gerror });
        Ok(PriqDut { pcie: PciePorts::bind(m)?, mem: MemPorts::bind(m)?, reg: RegPorts::bind(m)?, p, clock })
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
        self.mem.drive(i.mw_ready, i.mwack_valid);
        self.reg.drive(i.reg_valid, i.reg_write, i.reg_addr, i.reg_wdata);
        let p = &self.p;
        p.mwack_err.set(i.mwack_err as u64);
        p.cmd_valid.set(i.cmd_valid as u64);
        p.cmd_dw0.set(i.cmd_dw0);
        p.cmd_dw1.set(i.cmd_dw1);
    }

    /// Read every output after the edge.
    #[inline]
    pub fn sample(&self, o: &mut PriqOutputs) {
        copy_pcie_out!(self.pcie.sample(), o);
        copy_fields!(self.mem.sample::<2>(), o, mw_valid, mw_addr, mw_data, mwack_ready);
        copy_fields!(self.reg.sample(), o, reg_ready, reg_rvalid, reg_rdata);
        let p = &self.p;
        o.cmd_ready = p.cmd_ready.get() != 0;
        o.sync_done = p.sync_done.get() != 0;
        o.irq_priq = p.irq_priq.get() != 0;
        o.irq_gerror = p.irq_gerror.get() != 0;
    }
}
