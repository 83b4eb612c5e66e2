//! The Verilated `vtd_prq` behind the same input/output records as the timed model
//! (`models::vtd::timing`). Ports are bound once, by name (names from `rtl/README.md`); each
//! cycle is then plain loads and stores into the model's port storage.

use crate::dut::{bind_ports, copy_pcie_out, Clocked, PciePorts};
use models::vtd::timing::{VtdInputs, VtdOutputs};
use sim::{Model, Port, SimError};

/// Port handles of `vtd_prq` besides clock, reset and the PCIe ports.
struct Ports {
    mw_valid: Port,
    mw_ready: Port,
    mw_kind: Port,
    mw_addr: Port,
    mw_data: Port,
    mwack_valid: Port,
    mwack_ready: Port,
    reg_valid: Port,
    reg_ready: Port,
    reg_write: Port,
    reg_addr: Port,
    reg_wdata: Port,
    reg_rvalid: Port,
    reg_rdata: Port,
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
    p: Ports,
}

impl VtdDut {
    /// Bind every port by name; a missing port is a one-line error naming it.
    pub fn new(model: Model) -> Result<VtdDut, SimError> {
        let clock = Clocked::new(model)?;
        let m = clock.model();
        let p = bind_ports!(m, Ports {
            mw_valid, mw_ready, mw_kind, mw_addr, mw_data, mwack_valid, mwack_ready, reg_valid, reg_ready,
            reg_write, reg_addr, reg_wdata, reg_rvalid, reg_rdata, iq_valid, iq_ready, iq_qw0, iq_qw1, iq_qw2, iq_qw3,
        });
        Ok(VtdDut { pcie: PciePorts::bind(m)?, p, clock })
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
        let p = &self.p;
        p.mw_ready.set(i.mw_ready as u64);
        p.mwack_valid.set(i.mwack_valid as u64);
        p.reg_valid.set(i.reg_valid as u64);
        p.reg_write.set(i.reg_write as u64);
        p.reg_addr.set(i.reg_addr as u64);
        p.reg_wdata.set(i.reg_wdata);
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
        let p = &self.p;
        o.mw_valid = p.mw_valid.get() != 0;
        o.mw_kind = p.mw_kind.get() as u8;
        o.mw_addr = p.mw_addr.get();
        let mut w = [0u32; 8];
        p.mw_data.get_words(&mut w);
        for (q, pair) in o.mw_data.iter_mut().zip(w.chunks_exact(2)) {
            *q = u64::from(pair[0]) | u64::from(pair[1]) << 32;
        }
        o.mwack_ready = p.mwack_ready.get() != 0;
        o.reg_ready = p.reg_ready.get() != 0;
        o.reg_rvalid = p.reg_rvalid.get() != 0;
        o.reg_rdata = p.reg_rdata.get();
        o.iq_ready = p.iq_ready.get() != 0;
    }
}

