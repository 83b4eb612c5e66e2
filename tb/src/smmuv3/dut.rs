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

/// The event queue's own ports (rtl/README.md "SMMUv3 event queue"); `emw_*` is a `MemPorts`.
struct EvPorts {
    ev_valid: Port,
    ev_ready: Port,
    ev_id: Port,
    ev_sid: Port,
    ev_ssv: Port,
    ev_ssid: Port,
    ev_stall: Port,
    ev_pnu: Port,
    ev_ind: Port,
    ev_rnw: Port,
    ev_s2: Port,
    ev_class: Port,
    ev_ttrnw: Port,
    ev_iaddr: Port,
    ev_addr2: Port,
    sr_valid: Port,
    sr_ready: Port,
    sr_sid: Port,
    sr_stag: Port,
    sr_action: Port,
    emwack_err: Port,
    irq_evtq: Port,
}

pub struct PriqDut {
    /// Clock, reset and waves.
    pub clock: Clocked,
    pcie: PciePorts,
    mem: MemPorts,
    reg: RegPorts,
    p: Ports,
    emem: MemPorts,
    ev: EvPorts,
}

impl PriqDut {
    /// Bind every port by name; a missing port is a one-line error naming it.
    pub fn new(model: Model) -> Result<PriqDut, SimError> {
        let clock = Clocked::new(model)?;
        let m = clock.model();
        let p = bind_ports!(m, Ports { mwack_err, cmd_valid, cmd_ready, cmd_dw0, cmd_dw1, sync_done, irq_priq, irq_gerror });
        let ev = bind_ports!(
            m,
            EvPorts {
                ev_valid,
                ev_ready,
                ev_id,
                ev_sid,
                ev_ssv,
                ev_ssid,
                ev_stall,
                ev_pnu,
                ev_ind,
                ev_rnw,
                ev_s2,
                ev_class,
                ev_ttrnw,
                ev_iaddr,
                ev_addr2,
                sr_valid,
                sr_ready,
                sr_sid,
                sr_stag,
                sr_action,
                emwack_err,
                irq_evtq,
            }
        );
        let emem = MemPorts::bind_prefixed(m, "emw", "emwack")?;
        Ok(PriqDut { pcie: PciePorts::bind(m)?, mem: MemPorts::bind(m)?, reg: RegPorts::bind(m)?, p, emem, ev, clock })
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
        self.emem.drive(i.emw_ready, i.emwack_valid);
        let (v, e) = (&self.ev, &i.ev);
        v.ev_valid.set(i.ev_valid as u64);
        v.ev_id.set(u64::from(e.id));
        v.ev_sid.set(u64::from(e.sid));
        v.ev_ssv.set(e.ssv as u64);
        v.ev_ssid.set(u64::from(e.ssid));
        v.ev_stall.set(e.stall as u64);
        v.ev_pnu.set(e.pnu as u64);
        v.ev_ind.set(e.ind as u64);
        v.ev_rnw.set(e.rnw as u64);
        v.ev_s2.set(e.s2 as u64);
        v.ev_class.set(u64::from(e.class));
        v.ev_ttrnw.set(e.ttrnw as u64);
        v.ev_iaddr.set(e.iaddr);
        v.ev_addr2.set(e.addr2);
        v.sr_ready.set(i.sr_ready as u64);
        v.emwack_err.set(i.emwack_err as u64);
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
        let e = self.emem.sample::<4>();
        (o.emw_valid, o.emw_addr, o.emw_data, o.emwack_ready) = (e.mw_valid, e.mw_addr, e.mw_data, e.mwack_ready);
        let v = &self.ev;
        o.ev_ready = v.ev_ready.get() != 0;
        o.sr_valid = v.sr_valid.get() != 0;
        o.sr_sid = v.sr_sid.get() as u32;
        o.sr_stag = v.sr_stag.get() as u16;
        o.sr_action = v.sr_action.get() as u8;
        o.irq_evtq = v.irq_evtq.get() != 0;
    }
}
