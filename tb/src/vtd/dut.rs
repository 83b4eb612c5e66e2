//! The Verilated `vtd_prq` behind the same input/output records as the timed model
//! (`models::vtd::timing`). Ports are bound once, by name (names from `rtl/README.md`); each
//! cycle is then plain loads and stores into the model's port storage.

use crate::dut::{bind_ports, copy_fields, copy_pcie_out, Clocked, MemPorts, PciePorts, RegPorts};
use models::vtd::timing::{VtdInputs, VtdOutputs};
use sim::{Model, Port, SimError};

/// Port handles of `vtd_prq` besides clock, reset and the shared port groups.
struct Ports {
    mw_kind: Port,
    iq_valid: Port,
    iq_ready: Port,
    iq_qw0: Port,
    iq_qw1: Port,
    iq_qw2: Port,
    iq_qw3: Port,
}

pub struct VtdDut {
    /// Clock, reset and waves.
    pub clock: Clocked,
    pcie: PciePorts,
    mem: MemPorts,
    reg: RegPorts,
    p: Ports,
}

impl VtdDut {
    /// Bind every port by name; a missing port is a one-line error naming it.
    pub fn new(model: Model) -> Result<VtdDut, SimError> {
        let clock = Clocked::new(model)?;
        let m = clock.model();
        let p = bind_ports!(m, Ports { mw_kind, iq_valid, iq_ready, iq_qw0, iq_qw1, iq_qw2, iq_qw3 });
        Ok(VtdDut { pcie: PciePorts::bind(m)?, mem: MemPorts::bind(m)?, reg: RegPorts::bind(m)?, p, clock })
    }

    /// Hold reset for `edges` rising edges with idle inputs, then release it.
    pub fn reset(&mut self, edges: u32) {
        self.drive(&VtdInputs::default());
        self.clock.reset(edges);
    }

    /// Put this cycle's inputs on the ports.
    #[inline]
    pub fn drive(&mut self, i: &VtdInputs) {
        self.pcie.drive(i.pr_valid, &i.pr, i.rsp_ready);
        self.mem.drive(i.mw_ready, i.mwack_valid);
        self.reg.drive(i.reg_valid, i.reg_write, i.reg_addr, i.reg_wdata);
        let p = &self.p;
        p.iq_valid.set(i.iq_valid as u64);
        p.iq_qw0.set(i.iq_qw[0]);
        p.iq_qw1.set(i.iq_qw[1]);
        p.iq_qw2.set(i.iq_qw[2]);
        p.iq_qw3.set(i.iq_qw[3]);
    }

    /// Read every output after the edge.
    #[inline]
    pub fn sample(&self, o: &mut VtdOutputs) {
        copy_pcie_out!(self.pcie.sample(), o);
        copy_fields!(self.mem.sample::<4>(), o, mw_valid, mw_addr, mw_data, mwack_ready);
        copy_fields!(self.reg.sample(), o, reg_ready, reg_rvalid, reg_rdata);
        let p = &self.p;
        o.mw_kind = p.mw_kind.get() as u8;
        o.iq_ready = p.iq_ready.get() != 0;
    }
}
