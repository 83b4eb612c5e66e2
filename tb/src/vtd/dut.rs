//! The Verilated `vtd_prq` behind the same input/output records as the timed model
//! (`models::vtd::timing`). Ports are bound once, by name (names from `rtl/README.md`); each
//! cycle is then plain loads and stores into the model's port storage.

use models::pcie::PageRequest;
use models::vtd::timing::{VtdInputs, VtdOutputs};
use sim::{Model, Port, SimError};
use std::path::Path;

/// Port handles of `vtd_prq`.
struct Ports {
    clk: Port,
    rst_n: Port,
    pr_valid: Port,
    pr_ready: Port,
    pr_rid: Port,
    pr_pv: Port,
    pr_pasid: Port,
    pr_exe: Port,
    pr_priv: Port,
    pr_r: Port,
    pr_w: Port,
    pr_l: Port,
    pr_prgi: Port,
    pr_addr: Port,
    rsp_valid: Port,
    rsp_ready: Port,
    rsp_rid: Port,
    rsp_pv: Port,
    rsp_pasid: Port,
    rsp_prgi: Port,
    rsp_code: Port,
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
    model: Model,
    p: Ports,
    time: u64,
    waves: bool,
}

impl VtdDut {
    /// Bind every port by name; a missing port is a one-line error naming it.
    pub fn new(model: Model) -> Result<VtdDut, SimError> {
        macro_rules! bind {
            ($($name:ident),* $(,)?) => { Ports { $($name: model.port(stringify!($name))?),* } };
        }
        let p = bind!(
            clk, rst_n, pr_valid, pr_ready, pr_rid, pr_pv, pr_pasid, pr_exe, pr_priv, pr_r, pr_w, pr_l,
            pr_prgi, pr_addr, rsp_valid, rsp_ready, rsp_rid, rsp_pv, rsp_pasid, rsp_prgi, rsp_code,
            mw_valid, mw_ready, mw_kind, mw_addr, mw_data, mwack_valid, mwack_ready, reg_valid,
            reg_ready, reg_write, reg_addr, reg_wdata, reg_rvalid, reg_rdata, iq_valid, iq_ready,
            iq_qw0, iq_qw1, iq_qw2, iq_qw3,
        );
        Ok(VtdDut { model, p, time: 0, waves: false })
    }

    pub fn open_waves(&mut self, path: &Path) -> Result<(), SimError> {
        self.model.open_waves(path)?;
        self.waves = true;
        Ok(())
    }

    pub fn close(&mut self) {
        if self.waves {
            self.model.close_waves();
            self.waves = false;
        }
    }

    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }

    /// Hold reset for `edges` rising edges, then release it.
    pub fn reset(&mut self, edges: u32) {
        self.p.rst_n.set(0);
        self.drive(&VtdInputs::default());
        for _ in 0..edges {
            self.tick();
        }
        self.p.rst_n.set(1);
    }

    /// Put this cycle's inputs on the ports.
    #[inline]
    pub fn drive(&mut self, i: &VtdInputs) {
        let p = &self.p;
        let m: &PageRequest = &i.pr;
        p.pr_valid.set(i.pr_valid as u64);
        p.pr_rid.set(m.rid as u64);
        p.pr_pv.set(m.pv as u64);
        p.pr_pasid.set(m.pasid as u64);
        p.pr_exe.set(m.exe as u64);
        p.pr_priv.set(m.priv_ as u64);
        p.pr_r.set(m.r as u64);
        p.pr_w.set(m.w as u64);
        p.pr_l.set(m.l as u64);
        p.pr_prgi.set(m.prgi as u64);
        p.pr_addr.set(m.page);
        p.rsp_ready.set(i.rsp_ready as u64);
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

    /// One clock cycle: falling half (inputs settle), then the rising edge.
    #[inline]
    pub fn tick(&mut self) {
        self.p.clk.set(0);
        self.model.eval();
        if self.waves {
            self.model.dump_waves(self.time);
        }
        self.time += 5;
        self.p.clk.set(1);
        self.model.eval();
        if self.waves {
            self.model.dump_waves(self.time);
        }
        self.time += 5;
    }

    /// Read every output after the edge.
    #[inline]
    pub fn sample(&self, o: &mut VtdOutputs) {
        let p = &self.p;
        o.pr_ready = p.pr_ready.get() != 0;
        o.rsp_valid = p.rsp_valid.get() != 0;
        o.rsp_rid = p.rsp_rid.get() as u16;
        o.rsp_pv = p.rsp_pv.get() != 0;
        o.rsp_pasid = p.rsp_pasid.get() as u32;
        o.rsp_prgi = p.rsp_prgi.get() as u16;
        o.rsp_code = p.rsp_code.get() as u8;
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

impl Drop for VtdDut {
    fn drop(&mut self) {
        self.close();
    }
}
