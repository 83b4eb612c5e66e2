//! The parts of a DUT binding every top shares (`rtl/README.md`, "Conventions"): the clock, reset
//! and waves of a Verilated model, and the port groups with the same names on every top: the
//! PCIe page-request ingress and PRG-response egress, the memory write port with its
//! acknowledgement, and the register bus. Each flavor's `dut.rs` binds the rest of its ports.

use models::pcie::PageRequest;
use sim::{Model, Port, SimError};
use std::path::Path;

/// A Verilated top with `clk`, an active-low synchronous `rst_n`, and optional waves.
pub struct Clocked {
    model: Model,
    clk: Port,
    rst_n: Port,
    time: u64,
    waves: bool,
}

impl Clocked {
    pub fn new(model: Model) -> Result<Clocked, SimError> {
        let (clk, rst_n) = (model.port("clk")?, model.port("rst_n")?);
        Ok(Clocked { model, clk, rst_n, time: 0, waves: false })
    }

    /// The model, to bind the top's other ports.
    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
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

    /// Hold reset for `edges` rising edges, then release it (drive idle inputs first).
    pub fn reset(&mut self, edges: u32) {
        self.rst_n.set(0);
        for _ in 0..edges {
            self.tick();
        }
        self.rst_n.set(1);
    }

    /// One clock cycle: falling half (inputs settle), then the rising edge.
    #[inline]
    pub fn tick(&mut self) {
        self.clk.set(0);
        self.model.eval();
        if self.waves {
            self.model.dump_waves(self.time);
        }
        self.time += 5;
        self.clk.set(1);
        self.model.eval();
        if self.waves {
            self.model.dump_waves(self.time);
        }
        self.time += 5;
    }
}

impl Drop for Clocked {
    fn drop(&mut self) {
        self.close();
    }
}

/// Bind a struct of ports by their names in the Verilated top; a missing port is a one-line
/// error naming it.
macro_rules! bind_ports {
    ($model:expr, $ty:ident { $($name:ident),* $(,)? }) => {
        $ty { $($name: $model.port(stringify!($name))?),* }
    };
}
pub(crate) use bind_ports;

/// The PCIe ingress (`pr_*`) and egress (`rsp_*`) ports.
pub struct PciePorts {
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
}

/// What the PCIe ports show after an edge (the output records copy it field by field).
#[derive(Clone, Copy, Debug, Default)]
pub struct PcieOut {
    pub pr_ready: bool,
    pub rsp_valid: bool,
    pub rsp_rid: u16,
    pub rsp_pv: bool,
    pub rsp_pasid: u32,
    pub rsp_prgi: u16,
    pub rsp_code: u8,
}

impl PciePorts {
    pub fn bind(model: &Model) -> Result<PciePorts, SimError> {
        Ok(bind_ports!(
            model,
            PciePorts {
                pr_valid,
                pr_ready,
                pr_rid,
                pr_pv,
                pr_pasid,
                pr_exe,
                pr_priv,
                pr_r,
                pr_w,
                pr_l,
                pr_prgi,
                pr_addr,
                rsp_valid,
                rsp_ready,
                rsp_rid,
                rsp_pv,
                rsp_pasid,
                rsp_prgi,
                rsp_code,
            }
        ))
    }

    /// Put this cycle's message (if `valid`) and egress ready on the ports.
    #[inline]
    pub fn drive(&self, valid: bool, m: &PageRequest, rsp_ready: bool) {
        self.pr_valid.set(valid as u64);
        self.pr_rid.set(m.rid as u64);
        self.pr_pv.set(m.pv as u64);
        self.pr_pasid.set(m.pasid as u64);
        self.pr_exe.set(m.exe as u64);
        self.pr_priv.set(m.priv_ as u64);
        self.pr_r.set(m.r as u64);
        self.pr_w.set(m.w as u64);
        self.pr_l.set(m.l as u64);
        self.pr_prgi.set(m.prgi as u64);
        self.pr_addr.set(m.page);
        self.rsp_ready.set(rsp_ready as u64);
    }

    #[inline]
    pub fn sample(&self) -> PcieOut {
        PcieOut {
            pr_ready: self.pr_ready.get() != 0,
            rsp_valid: self.rsp_valid.get() != 0,
            rsp_rid: self.rsp_rid.get() as u16,
            rsp_pv: self.rsp_pv.get() != 0,
            rsp_pasid: self.rsp_pasid.get() as u32,
            rsp_prgi: self.rsp_prgi.get() as u16,
            rsp_code: self.rsp_code.get() as u8,
        }
    }
}

/// Copy the PCIe outputs into a flavor's output record (same field names on every top).
macro_rules! copy_pcie_out {
    ($from:expr, $to:expr) => {
        copy_fields!($from, $to, pr_ready, rsp_valid, rsp_rid, rsp_pv, rsp_pasid, rsp_prgi, rsp_code)
    };
}
pub(crate) use copy_pcie_out;

/// Copy same-named fields from a port group's sample into a flavor's output record.
macro_rules! copy_fields {
    ($from:expr, $to:expr, $($f:ident),+) => {{
        let p = $from;
        $( $to.$f = p.$f; )+
    }};
}
pub(crate) use copy_fields;

/// The memory write port (`mw_*`) and its acknowledgement (`mwack_*`); the data is `N` 64-bit
/// words wide. Flavor-only signals of the port (an error bit, a write kind) stay in the flavor.
pub struct MemPorts {
    mw_valid: Port,
    mw_ready: Port,
    mw_addr: Port,
    mw_data: Port,
    mwack_valid: Port,
    mwack_ready: Port,
}

/// What the memory ports show after an edge (field names as in the output records).
#[derive(Clone, Copy, Debug)]
pub struct MemOut<const N: usize> {
    pub mw_valid: bool,
    pub mw_addr: u64,
    pub mw_data: [u64; N],
    pub mwack_ready: bool,
}

impl MemPorts {
    pub fn bind(model: &Model) -> Result<MemPorts, SimError> {
        MemPorts::bind_prefixed(model, "mw", "mwack")
    }

    /// The same port group under other names (`emw_*` / `emwack_*`: the SMMUv3 event-record port).
    pub fn bind_prefixed(model: &Model, write: &str, ack: &str) -> Result<MemPorts, SimError> {
        let p = |prefix: &str, name: &str| model.port(&format!("{prefix}_{name}"));
        Ok(MemPorts {
            mw_valid: p(write, "valid")?,
            mw_ready: p(write, "ready")?,
            mw_addr: p(write, "addr")?,
            mw_data: p(write, "data")?,
            mwack_valid: p(ack, "valid")?,
            mwack_ready: p(ack, "ready")?,
        })
    }

    #[inline]
    pub fn drive(&self, mw_ready: bool, mwack_valid: bool) {
        self.mw_ready.set(mw_ready as u64);
        self.mwack_valid.set(mwack_valid as u64);
    }

    /// `N` is 2 or 4 (128- or 256-bit data).
    #[inline]
    pub fn sample<const N: usize>(&self) -> MemOut<N> {
        let mut w = [0u32; 8];
        self.mw_data.get_words(&mut w[..2 * N]);
        let mut mw_data = [0u64; N];
        for (q, pair) in mw_data.iter_mut().zip(w.chunks_exact(2)) {
            *q = u64::from(pair[0]) | u64::from(pair[1]) << 32;
        }
        MemOut { mw_valid: self.mw_valid.get() != 0, mw_addr: self.mw_addr.get(), mw_data, mwack_ready: self.mwack_ready.get() != 0 }
    }
}

/// The register bus (`reg_*`).
pub struct RegPorts {
    reg_valid: Port,
    reg_ready: Port,
    reg_write: Port,
    reg_addr: Port,
    reg_wdata: Port,
    reg_rvalid: Port,
    reg_rdata: Port,
}

/// What the register bus shows after an edge (field names as in the output records).
#[derive(Clone, Copy, Debug)]
pub struct RegOut {
    pub reg_ready: bool,
    pub reg_rvalid: bool,
    pub reg_rdata: u64,
}

impl RegPorts {
    pub fn bind(model: &Model) -> Result<RegPorts, SimError> {
        Ok(bind_ports!(model, RegPorts { reg_valid, reg_ready, reg_write, reg_addr, reg_wdata, reg_rvalid, reg_rdata }))
    }

    #[inline]
    pub fn drive(&self, valid: bool, write: bool, addr: u32, wdata: u64) {
        self.reg_valid.set(valid as u64);
        self.reg_write.set(write as u64);
        self.reg_addr.set(u64::from(addr));
        self.reg_wdata.set(wdata);
    }

    #[inline]
    pub fn sample(&self) -> RegOut {
        RegOut { reg_ready: self.reg_ready.get() != 0, reg_rvalid: self.reg_rvalid.get() != 0, reg_rdata: self.reg_rdata.get() }
    }
}
