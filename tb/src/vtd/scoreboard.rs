//! What the lockstep scoreboard (`crate::scoreboard`) needs of `vtd_prq`: its signal table and
//! which rule each difference breaks, read off the model's `EdgeEvents` and state: which job the
//! write engine holds, which row produced the response in the egress, which register a read
//! answered.

use crate::scoreboard::{signals, Blame, Recent, Signal, Unexpected};
use models::pcie::{MsgClass, PageRequest};
use models::rules::{self, RuleId};
use models::vtd::arch::Row;
use models::vtd::regs;
use models::vtd::timing::{EdgeEvents, IqTake, Job, ReadHold, RespSource, Unit, VtdOutputs, VtdTiming};

/// The strict lockstep scoreboard of `vtd_prq`.
pub type Scoreboard = crate::scoreboard::Scoreboard<VtdBlame>;

/// Context the blame needs, kept up to date from the model's events (no allocation).
#[derive(Default)]
pub struct VtdBlame {
    /// Source of the response in the egress register (last commit).
    egress: Option<RespSource>,
    /// PD of the last wait taken: its status write is then also a drain result (VTD-IQ-10).
    last_wait_pd: bool,
    /// Class of the message of the last kind-0 job (Stop Markers: VTD-PRQ-10).
    last_written_class: Option<MsgClass>,
    /// Address of the last read handshake (for a read answered later, VTD-PRQ-16).
    last_read: Option<u32>,
    /// Why the model held a read at the last edge and at the one before (VTD-PRQ-16, -20,
    /// VTD-FLT-8).
    read_held: [Option<ReadHold>; 2],
}

/// The rule of an admission row (vtd.md §4).
pub fn row_rule(row: Row) -> RuleId {
    match row {
        Row::A_NotEnabled => rules::VTD_PRQ_5,
        Row::B_Overflow => rules::VTD_PRQ_6,
        Row::C_Full => rules::VTD_PRQ_7,
        Row::D_Write => rules::VTD_PRQ_8,
    }
}

/// The rule of an event unit's MSI (VTD-PRQ-13, VTD-FLT-6, VTD-IQ-8).
fn unit_rule(u: Unit) -> RuleId {
    match u {
        Unit::Pe => rules::VTD_PRQ_13,
        Unit::Fe => rules::VTD_FLT_6,
        Unit::Ie => rules::VTD_IQ_8,
    }
}

/// The 256-bit write data, a signal per 64-bit word.
const MW_DATA: [Signal<VtdOutputs>; 4] = [
    Signal { name: "mw_data[63:0]", get: |o| o.mw_data[0] },
    Signal { name: "mw_data[127:64]", get: |o| o.mw_data[1] },
    Signal { name: "mw_data[191:128]", get: |o| o.mw_data[2] },
    Signal { name: "mw_data[255:192]", get: |o| o.mw_data[3] },
];

impl Blame for VtdBlame {
    type Outputs = VtdOutputs;
    type Model = VtdTiming;
    type Row = Row;

    /// Memory port, response egress, register port, then the ready outputs.
    const SIGNALS: &'static [&'static [Signal<VtdOutputs>]] = &[
        &signals!(VtdOutputs; mw_valid, mw_kind, mw_addr),
        &MW_DATA,
        &signals!(VtdOutputs; rsp_valid, rsp_rid, rsp_prgi, rsp_code, rsp_pv, rsp_pasid, reg_rvalid, reg_rdata),
        &signals!(VtdOutputs; reg_ready, iq_ready, pr_ready, mwack_ready),
    ];

    /// A response the model did not send: the rule that says the message it answers gets none
    /// (a Stop Marker: VTD-PRQ-10; an LPIG=0 request: DEC-6; a queued one: VTD-PRQ-8), else
    /// VTD-PRQ-17.
    const UNEXPECTED: Unexpected<Row> = Unexpected {
        stop_marker: rules::VTD_PRQ_10,
        request: |_| rules::DEC_6,
        queued: (Row::D_Write, rules::VTD_PRQ_8),
        unknown: rules::VTD_PRQ_17,
    };

    /// Follow the model through one edge (call after `VtdTiming::step`).
    fn note(&mut self, model: &VtdTiming) -> Option<(Row, PageRequest)> {
        let ev = model.events();
        if let Some((_, src)) = ev.committed {
            self.egress = Some(src);
        }
        if let Some(IqTake::Wait { dsc, .. }) = ev.iq_taken {
            self.last_wait_pd = dsc.pd;
        }
        if let (Some(Job::Descriptor), Some((_, m))) = (ev.job_started, ev.decided) {
            self.last_written_class = Some(m.class());
        }
        if let Some(models::vtd::timing::RegAccess::Read { addr }) = ev.reg {
            self.last_read = Some(addr);
        }
        self.read_held = [ev.read_held.map(|(_, why)| why), self.read_held[0]];
        ev.decided
    }

    fn blame(&self, signal: &str, exp: &VtdOutputs, act: &VtdOutputs, model: &VtdTiming, recent: &Recent<Row>) -> (RuleId, String) {
        let ev = model.events();
        match signal {
            "mw_valid" | "mw_kind" | "mw_addr" | "mw_data[63:0]" | "mw_data[127:64]" | "mw_data[191:128]" | "mw_data[255:192]" => {
                self.blame_write(signal, exp, act, model)
            }
            "rsp_valid" | "rsp_rid" | "rsp_prgi" | "rsp_code" | "rsp_pv" | "rsp_pasid" => match (exp.rsp_valid, self.egress) {
                (true, Some(RespSource::Auto(row))) => (row_rule(row), format!("automatic response, row {row:?}")),
                (true, Some(RespSource::Software)) => (rules::VTD_IQ_3, "software response (page_grp_resp_dsc)".into()),
                _ if act.rsp_valid && !exp.rsp_valid => recent.blame_response(act.rsp_rid, act.rsp_prgi, &Self::UNEXPECTED),
                _ => (rules::VTD_IQ_5, "egress order (DEC-12, OP-16)".into()),
            },
            "reg_rvalid" | "reg_ready" => self.blame_read_timing(ev, model),
            "reg_rdata" => {
                let addr = ev.read_answered.map(|r| r.0).or(self.last_read).unwrap_or(u32::MAX);
                let ip_differs = (exp.reg_rdata ^ act.reg_rdata) & u64::from(regs::ECTL_IP) != 0;
                let rule = match addr {
                    // PECTL.IP: set by a masked event (VTD-PRQ-13), kept until PPR and PRO are both 0.
                    regs::PECTL if ip_differs && exp.reg_rdata & u64::from(regs::ECTL_IP) != 0 => rules::VTD_PRQ_14,
                    regs::PECTL if ip_differs => rules::VTD_PRQ_13,
                    _ => register_rule(addr, model.params().nr, model.params().pre_entries),
                };
                (rule, format!("read of register {addr:#x}"))
            }
            "iq_ready" if model.fsts() & regs::FSTS_IQE != 0 => (rules::VTD_IQ_2, "IQE set: the port stalls".into()),
            "iq_ready" if self.last_wait_pd && exp.iq_ready != act.iq_ready => {
                (rules::VTD_IQ_10, format!("PD=1 wait: drain count {}, engine {:?}", model.drain_count(), model.engine()))
            }
            "iq_ready" => (
                rules::VTD_IQ_9,
                format!(
                    "wait active {}, status write pending {}, software FIFO {}",
                    model.wait_active(),
                    model.status_write_pending(),
                    model.sw_len()
                ),
            ),
            "pr_ready" => (rules::PRI_31, format!("ingress FIFO holds {}", model.ingress_len())),
            _ => (rules::VTD_PRQ_8, format!("write engine {:?}, job {:?}", model.engine(), model.job())),
        }
    }
}

impl VtdBlame {
    /// A read answered at another edge than the model's: the rule of the model's hold, at this
    /// edge (the DUT answered early) or at the one before (the model just released the read).
    /// VTD-PRQ-20 for a PE MSI, VTD-FLT-8 for an FE MSI, else VTD-PRQ-16.
    fn blame_read_timing(&self, ev: &EdgeEvents, model: &VtdTiming) -> (RuleId, String) {
        let released = ev.read_answered.and(self.read_held[1]);
        let why = self.read_held[0].or(released);
        let addr = ev.read_held.map(|r| r.0).or(ev.read_answered.map(|r| r.0)).or(self.last_read).unwrap_or(u32::MAX);
        let rule = match why {
            Some(ReadHold::Msi(Unit::Pe)) => rules::VTD_PRQ_20,
            Some(ReadHold::Msi(Unit::Fe)) => rules::VTD_FLT_8,
            _ => rules::VTD_PRQ_16,
        };
        let state = format!("engine {:?} job {:?}", model.engine(), model.job());
        let context = match why {
            Some(ReadHold::Msi(u)) => format!("read of {addr:#x} held until the {u:?} MSI issued before it is acknowledged; {state}"),
            _ => format!("read of {addr:#x} held behind a descriptor write; {state}"),
        };
        (rule, context)
    }

    /// A difference on the memory-write port. A status write or MSI the model did not start is
    /// blamed on the rule that says when that write may happen; otherwise the job the model
    /// holds (or just started) is blamed.
    fn blame_write(&self, signal: &str, exp: &VtdOutputs, act: &VtdOutputs, model: &VtdTiming) -> (RuleId, String) {
        if act.mw_valid && (!exp.mw_valid || act.mw_kind != exp.mw_kind) {
            if act.mw_kind == Job::Status.kind() {
                let rule = if self.last_wait_pd { rules::VTD_IQ_10 } else { rules::VTD_IQ_7 };
                return (rule, format!("status write the model did not start (last wait PD={})", self.last_wait_pd));
            }
            if act.mw_kind == Job::Msi(Unit::Pe).kind() {
                let unit = Unit::ALL.into_iter().find(|u| msi_addr(model, *u) == act.mw_addr);
                let rule = unit.map_or(rules::VTD_PRQ_13, unit_rule);
                return (rule, format!("MSI the model did not start, to {:#x} (unit {unit:?})", act.mw_addr));
            }
        }
        let ev = model.events();
        if signal == "mw_valid" {
            if let Some((row, m)) = ev.decided {
                return (row_rule(row), format!("message decided at this edge took row {row:?}: {m:?}"));
            }
        }
        let job = model.job();
        let rule = match job {
            Job::Descriptor if signal == "mw_addr" => rules::VTD_PRQ_1,
            Job::Descriptor if signal == "mw_valid" => rules::VTD_PRQ_8,
            Job::Descriptor if self.last_written_class == Some(MsgClass::StopMarker) => rules::VTD_PRQ_10,
            Job::Descriptor => rules::VTD_PRQ_4,
            Job::Status if self.last_wait_pd => rules::VTD_IQ_10,
            Job::Status => rules::VTD_IQ_8,
            Job::Msi(Unit::Pe) if signal == "mw_valid" => rules::VTD_PRQ_16,
            Job::Msi(u) => unit_rule(u),
        };
        (rule, format!("job {job:?}, PQA {:#x}, PQT {:#x}", model.pqa(), model.pqt()))
    }
}

/// Where a unit's MSI goes, from the model's registers.
fn msi_addr(model: &VtdTiming, u: Unit) -> u64 {
    let (eaddr, euaddr) = match u {
        Unit::Pe => (regs::PEADDR, regs::PEUADDR),
        Unit::Fe => (regs::FEADDR, regs::FEUADDR),
        Unit::Ie => (regs::IEADDR, regs::IEUADDR),
    };
    regs::msi(model.read_reg(eaddr) as u32, model.read_reg(euaddr) as u32, 0).addr
}

/// The rule that defines a register's read value.
pub fn register_rule(addr: u32, nr: u32, pre_entries: usize) -> RuleId {
    let frcd_end = regs::FRCD_BASE + 16 * nr;
    let pre_end = regs::PRE_BASE + regs::PRE_STRIDE * pre_entries as u32;
    match addr {
        regs::PQT => rules::VTD_PRQ_16,
        regs::PQH => rules::VTD_PRQ_2,
        regs::PQA => rules::VTD_PRQ_1,
        regs::PRS => rules::VTD_PRQ_12,
        regs::PECTL => rules::VTD_PRQ_15,
        regs::PEDATA | regs::PEADDR | regs::PEUADDR => rules::VTD_PRQ_13,
        regs::FSTS => rules::VTD_FLT_1,
        regs::FECTL | regs::FEDATA | regs::FEADDR | regs::FEUADDR => rules::VTD_FLT_6,
        regs::ICS | regs::IECTL | regs::IEDATA | regs::IEADDR | regs::IEUADDR => rules::VTD_IQ_8,
        regs::CAP => rules::VTD_FLT_2,
        regs::ECAP => rules::VTD_IQ_2,
        a if (regs::FRCD_BASE..frcd_end).contains(&a) => rules::VTD_FLT_3,
        a if (regs::PRE_BASE..pre_end).contains(&a) => rules::VTD_PRQ_19,
        _ => rules::VTD_PRQ_19,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lockstep::Mismatch;
    use models::pcie::PageRequest;
    use models::vtd::timing::{VtdInputs, VtdParams};

    /// Model and scoreboard stepped together.
    struct Rig {
        m: VtdTiming,
        sb: Scoreboard,
    }

    impl Rig {
        fn new() -> Rig {
            Rig { m: VtdTiming::new(VtdParams::default()), sb: Scoreboard::default() }
        }
        fn step(&mut self, i: VtdInputs) {
            self.m.step(&i);
            self.sb.note(&self.m);
        }
        fn write(&mut self, addr: u32, data: u64) {
            self.step(VtdInputs { reg_valid: true, reg_write: true, reg_addr: addr, reg_wdata: data, ..Default::default() });
        }
        fn msg(&mut self, rid: u16) {
            let pr = PageRequest { rid, l: true, r: true, prgi: 3, ..Default::default() };
            self.step(VtdInputs { pr_valid: true, pr, ..Default::default() });
        }
        /// The rule blamed when the DUT differs from the model in `signal` via `corrupt`.
        fn blame(&self, corrupt: impl FnOnce(&mut VtdOutputs)) -> Mismatch {
            let exp = *self.m.outputs();
            let mut act = exp;
            corrupt(&mut act);
            self.sb.compare(7, &exp, &act, &self.m).expect("a difference must be reported")
        }
    }

    #[test]
    fn equal_outputs_pass() {
        let r = Rig::new();
        let o = *r.m.outputs();
        assert!(r.sb.compare(0, &o, &o, &r.m).is_none());
    }

    #[test]
    fn row_a_response_blames_vtd_prq_5() {
        let mut r = Rig::new();
        r.msg(0x0200); // no PRE entry: row a
        r.step(VtdInputs::default()); // decided
        r.step(VtdInputs::default()); // committed
        assert!(r.m.outputs().rsp_valid);
        let mm = r.blame(|o| o.rsp_code ^= 1);
        assert_eq!((mm.signal, mm.rule), ("rsp_code", rules::VTD_PRQ_5));
        assert!(mm.to_string().contains("cycle 7"), "{mm}");
    }

    #[test]
    fn descriptor_write_blames_prq_1_and_prq_4() {
        let mut r = Rig::new();
        r.write(regs::PQA, 0x1000);
        r.write(regs::PRE_BASE, regs::PRE_EN | 0x0100);
        r.msg(0x0100);
        r.step(VtdInputs::default()); // row d: kind-0 job
        assert_eq!(r.blame(|o| o.mw_addr ^= 0x20).rule, rules::VTD_PRQ_1);
        assert_eq!(r.blame(|o| o.mw_data[1] ^= 1).rule, rules::VTD_PRQ_4);
        assert_eq!(r.blame(|o| o.mw_valid = false).rule, rules::VTD_PRQ_8);
    }

    #[test]
    fn software_response_and_iq_ready() {
        let mut r = Rig::new();
        let d = models::vtd::desc::PageGrpRespDsc { rid: 5, prgi: 1, ..Default::default() };
        r.step(VtdInputs { iq_valid: true, iq_qw: d.encode(), ..Default::default() });
        r.step(VtdInputs::default());
        assert_eq!(r.blame(|o| o.rsp_rid = 6).rule, rules::VTD_IQ_3);
        r.step(VtdInputs { iq_valid: true, iq_qw: [0x7F, 0, 0, 0], ..Default::default() }); // IQE
        assert_eq!(r.blame(|o| o.iq_ready = true).rule, rules::VTD_IQ_2);
    }

    #[test]
    fn register_reads() {
        let mut r = Rig::new();
        r.step(VtdInputs { reg_valid: true, reg_addr: regs::PQT, ..Default::default() });
        assert_eq!(r.blame(|o| o.reg_rdata = 0x20).rule, rules::VTD_PRQ_16);
        assert_eq!(r.blame(|o| o.reg_rvalid = false).rule, rules::VTD_PRQ_16);
        r.step(VtdInputs { reg_valid: true, reg_addr: regs::FSTS, ..Default::default() });
        assert_eq!(r.blame(|o| o.reg_rdata = 2).rule, rules::VTD_FLT_1);
        r.step(VtdInputs { reg_valid: true, reg_addr: regs::FRCD_BASE + 0xC, ..Default::default() });
        assert_eq!(r.blame(|o| o.reg_rdata = 1 << 31).rule, rules::VTD_FLT_3);
        // PECTL: an IP difference names the rule of IP, any other bit the register's rule.
        r.step(VtdInputs { reg_valid: true, reg_addr: regs::PECTL, ..Default::default() });
        let ip = u64::from(regs::ECTL_IP);
        assert_eq!(r.blame(|o| o.reg_rdata ^= ip).rule, rules::VTD_PRQ_13);
        assert_eq!(r.blame(|o| o.reg_rdata ^= 1).rule, rules::VTD_PRQ_15);
    }

    /// A read answered early or late around an in-flight MSI names the rule that holds it.
    #[test]
    fn read_held_by_msi_blames_its_rule() {
        let ack = |on: bool| VtdInputs { mw_ready: true, mwack_valid: on, rsp_ready: true, ..Default::default() };
        let read = |addr: u32| VtdInputs { reg_valid: true, reg_addr: addr, ..ack(false) };
        for (unit, addr, rule) in [(Unit::Pe, regs::PRS, rules::VTD_PRQ_20), (Unit::Fe, regs::FECTL, rules::VTD_FLT_8)] {
            let mut r = Rig::new();
            r.write(regs::PQA, 0x1000);
            r.write(regs::PRE_BASE, regs::PRE_EN | 0x0100);
            r.write(regs::PECTL, 0);
            r.write(regs::FECTL, 0);
            match unit {
                Unit::Pe => r.msg(0x0100), // a descriptor, then the PE MSI
                _ => r.step(VtdInputs { iq_valid: true, iq_qw: [0x0A, 0, 0, 0], ..Default::default() }), // IQE
            }
            for _ in 0..8 {
                if r.m.engine() == models::vtd::timing::EngineState::WaitAck && r.m.job() == Job::Msi(unit) {
                    break;
                }
                r.step(ack(r.m.job() != Job::Msi(unit)));
            }
            assert_eq!(r.m.job(), Job::Msi(unit));
            r.step(read(addr));
            assert!(!r.m.outputs().reg_rvalid, "{unit:?}: the model holds the read");
            // The DUT answered at once: early.
            let mm = r.blame(|o| o.reg_rvalid = true);
            assert_eq!((mm.signal, mm.rule), ("reg_rvalid", rule));
            assert_eq!(r.blame(|o| o.reg_ready = true).rule, rule);
            r.step(ack(true)); // the ack
            r.step(ack(false)); // the model answers
            assert!(r.m.outputs().reg_rvalid);
            // The DUT still holds it: late.
            assert_eq!(r.blame(|o| o.reg_rvalid = false).rule, rule);
        }
        // A descriptor hold is still VTD-PRQ-16.
        let mut r = Rig::new();
        r.write(regs::PRE_BASE, regs::PRE_EN | 0x0100);
        r.msg(0x0100);
        r.step(VtdInputs::default()); // decided: WRITE
        r.step(read(regs::PRS));
        assert_eq!(r.blame(|o| o.reg_rvalid = true).rule, rules::VTD_PRQ_16);
    }
}
