//! VT-d coverage model of the top `vtd_prq`: bins of the page request queue, automatic responses,
//! event units, software descriptors, fault recording, the single response egress and
//! back-pressure, each naming the rules it evidences (`../shared/spec/vtd.md`, DEC-5..DEC-13).
//! Sampled from the timed model's per-edge events (`on_edge`), from the port handshakes of the
//! cycle (`on_inputs`, back-pressure) and from interface transactions (`on_txn`, responses sent).
//!
//! Only what this RTL can reach has a bin: PD=1 is always legal (ECAP.PDS=1), ICE/ITE never set,
//! there are no write errors (OP-5), so VTD-IQ-11 (a system rule) and those cases have none.
//!
//! Sampling never allocates: every bin is named by a `const` resolved at compile time, and the
//! state kept between edges is a few words.

use crate::coverage::spec::{cross, event, group, point, range, value, Spec};
use crate::coverage::{Collector, CollectorState, Judges, StaticDef};
use crate::txn::{Stamped, Txn};
use models::pcie::{MsgClass, PageRequest, RespCode};
use models::rules::*;
use models::vtd::arch::{FaultOutcome, Row};
use models::vtd::desc::InvWaitDsc;
use models::vtd::regs;
use models::vtd::timing::{EdgeEvents, IqTake, Job, ReadHold, RegAccess, RespSource, Unit, VtdInputs, VtdTiming};

/// Name of the definition (and of its serialized data).
pub const DEFINITION: &str = "vtd_prq";

/// The definition: one line per bin, with the rules it evidences.
pub const SPEC: Spec = Spec::new(
    DEFINITION,
    &[
        // ---- admission: which row decides which kind of message (vtd.md §4) ------------------------
        group("admission").goal(90.0).items(&[
            // In the order of `row_index`.
            point("row").bins(&[
                event("a", &[VTD_PRQ_5, DEC_5]),
                event("b", &[VTD_PRQ_6, VTD_PRQ_9]),
                event("c", &[VTD_PRQ_7]),
                event("d", &[VTD_PRQ_8, VTD_PRQ_11]),
            ]),
            // In the order of `msg_index`.
            point("msg").bins(&[
                event("l0_pasid", &[VTD_PRQ_11]),
                event("l0_nopasid", &[VTD_PRQ_11]),
                event("l1_pasid", &[VTD_PRQ_17, DEC_13]),
                event("l1_nopasid", &[VTD_PRQ_17]),
                event("stop_marker", &[VTD_PRQ_10, DEC_6]),
                event("l1_nopasid_rw0", &[VTD_PRQ_10, DEC_1]),
            ]),
            cross("row_x_msg", &["row", "msg"]),
        ]),
        // ---- PRQ fill, wrap and the sticky overflow (VTD-PRQ-1..3, -6, -9) ----------------------------
        group("prq").goal(90.0).items(&[
            point("fill").bins(&[
                event("full_with_n_minus_1", &[VTD_PRQ_3]),
                event("pqt_wrapped", &[VTD_PRQ_1, VTD_PRQ_2]),
                event("pqh_drained_to_empty", &[VTD_PRQ_3]),
                event("pro_sticky_after_pqh_moved", &[VTD_PRQ_9, VTD_PRQ_6]),
                event("pro_while_full", &[VTD_PRQ_6]),
                event("written_after_pro_cleared", &[VTD_PRQ_9]),
            ]),
            point("pqs").weight(0).bins(&[value("pqs0_128_entries", 0, &[VTD_PRQ_1]), range("pqs1_7", 1, 7, &[VTD_PRQ_1])]),
        ]),
        // ---- automatic responses (VTD-PRQ-5..7, -17, DEC-5..7, DEC-13) --------------------------------
        group("auto_response").goal(90.0).items(&[
            point("origin").bins(&[
                event("row_a_invalid_request", &[VTD_PRQ_5, DEC_5, VTD_PRQ_17]),
                event("row_b_success", &[VTD_PRQ_6, DEC_7, VTD_PRQ_17]),
                event("row_c_success", &[VTD_PRQ_7, DEC_7, VTD_PRQ_17]),
            ]),
            point("pv").weight(0).bins(&[event("pasid", &[DEC_13]), event("nopasid", &[DEC_13])]),
            cross("auto", &["origin", "pv"]),
            point("dropped").weight(0).bins(&[event("l0", &[DEC_6]), event("stop_marker", &[DEC_6, VTD_PRQ_10])]),
            // In the order of `row_index`.
            point("drop_row").weight(0).bins(&[event("a", &[VTD_PRQ_5]), event("b", &[VTD_PRQ_6]), event("c", &[VTD_PRQ_7])]),
            cross("unanswered", &["dropped", "drop_row"]),
        ]),
        // ---- event units PE, FE, IE (VTD-PRQ-13, -14, VTD-FLT-6, VTD-IQ-8) --------------------------
        group("events").goal(90.0).items(&[
            // In the order of `Unit`.
            point("unit").weight(0).bins(&[event("pe", &[VTD_PRQ_13, VTD_PRQ_14]), event("fe", &[VTD_FLT_6]), event("ie", &[VTD_IQ_8])]),
            point("outcome").weight(0).bins(&[
                event("msi_on_condition", &[]),
                event("ip_set_while_masked", &[]),
                event("msi_on_im_clear", &[VTD_PRQ_14]),
                event("ip_cleared_by_sources", &[VTD_PRQ_14]),
            ]),
            cross("unit_x_outcome", &["unit", "outcome"]),
            // In the order of `Unit`.
            point("msi_written").bins(&[
                event("pe", &[VTD_PRQ_13, VTD_PRQ_16, OP_7]),
                event("fe", &[VTD_FLT_6, OP_7]),
                event("ie", &[VTD_IQ_8, OP_7]),
            ]),
            point("pe").bins(&[
                event("ppr_set_by_descriptor", &[VTD_PRQ_13, VTD_PRQ_8]),
                event("pro_set_by_full", &[VTD_PRQ_13, VTD_PRQ_7]),
                event("ip_kept_one_source_left", &[VTD_PRQ_14]),
            ]),
        ]),
        // ---- software descriptors (VTD-IQ-1..10, DEC-8..10) -------------------------------------------
        group("descriptors").goal(90.0).items(&[
            point("taken").bins(&[
                event("page_grp_resp_valid", &[VTD_IQ_3]),
                event("page_grp_resp_reserved_invalid", &[VTD_IQ_4, VTD_IQ_2]),
                event("page_grp_resp_pdp_invalid", &[VTD_IQ_4, DEC_9]),
                event("inv_wait_valid", &[VTD_IQ_1]),
                event("inv_wait_reserved_invalid", &[VTD_IQ_6, VTD_IQ_2]),
                event("no_effect_type", &[VTD_IQ_1, OP_10]),
                event("unknown_type_invalid", &[VTD_IQ_2, OP_10]),
            ]),
            // In the order of `code_index`.
            point("response_code").bins(&[
                event("success", &[VTD_IQ_3]),
                event("invalid_request", &[VTD_IQ_3]),
                event("response_failure", &[VTD_IQ_3]),
                event("reserved_forwarded", &[VTD_IQ_3, DEC_8]),
            ]),
            point("response_pasid").bins(&[event("pp1", &[VTD_IQ_3, DEC_13]), event("pp0", &[VTD_IQ_3, DEC_13])]),
            point("wait_completed").bins(&[
                event("sw_status_write", &[VTD_IQ_8]),
                event("if_interrupt", &[VTD_IQ_8]),
                event("pd_drain", &[VTD_IQ_10, DEC_10]),
                event("fn_fence", &[VTD_IQ_9]),
                event("silent_sw0_if0", &[VTD_IQ_8]),
            ]),
            point("flow").bins(&[
                event("pd_wait_drains_messages", &[VTD_IQ_10, DEC_10]),
                event("wait_behind_software_response", &[VTD_IQ_7]),
                event("descriptor_held_by_wait", &[VTD_IQ_9]),
                event("descriptor_blocked_by_iqe", &[VTD_IQ_2]),
            ]),
        ]),
        // ---- primary fault recording (VTD-FLT-1..7) ---------------------------------------------------
        group("faults").goal(90.0).items(&[
            point("outcome").bins(&[
                event("recorded", &[VTD_FLT_3, VTD_FLT_4]),
                event("recorded_sets_fri", &[VTD_FLT_4, VTD_FLT_1]),
                event("pfo_set_on_full_record", &[VTD_FLT_4]),
                event("dropped_while_pfo", &[VTD_FLT_4]),
                event("index_wrapped", &[VTD_FLT_4, VTD_FLT_5]),
            ]),
            point("software").bins(&[
                event("record_cleared", &[VTD_FLT_5]),
                event("pfo_cleared", &[VTD_FLT_5]),
                event("iqe_cleared", &[VTD_IQ_2, VTD_FLT_1]),
            ]),
            point("row_a").bins(&[event("record_and_invalid_request", &[VTD_FLT_7, OP_13])]),
        ]),
        // ---- the single response egress (DEC-12, OP-16) -----------------------------------------------
        group("egress").goal(90.0).items(&[
            point("commit").bins(&[
                event("auto", &[DEC_12, VTD_PRQ_17]),
                event("software", &[DEC_12, VTD_IQ_5]),
                event("auto_while_software_waits", &[DEC_12, OP_16, VTD_PRQ_17, VTD_IQ_5]),
            ]),
            // In the order of `code_index`.
            point("sent").bins(&[
                event("success", &[PRI_16]),
                event("invalid_request", &[PRI_16]),
                event("response_failure", &[]),
                event("reserved", &[DEC_8]),
            ]),
        ]),
        // ---- back-pressure at every port ----------------------------------------------------------------
        group("backpressure").items(&[point("stall").bins(&[
            event("ingress", &[OP_15]),
            event("memory_write", &[VTD_PRQ_8]),
            event("memory_ack", &[VTD_PRQ_8]),
            event("egress", &[DEC_12]),
            event("descriptor", &[VTD_IQ_1]),
            event("register_read_held", &[VTD_PRQ_16]),
        ])]),
        // ---- registers (VTD-PRQ-12, -16, -19) ---------------------------------------------------------
        group("registers").items(&[
            point("prs_w1c").bins(&[event("ppr_cleared", &[VTD_PRQ_12]), event("pro_cleared", &[VTD_PRQ_12, VTD_PRQ_9])]),
            point("pre_table").bins(&[event("entry_enabled", &[VTD_PRQ_19, DEC_5]), event("entry_disabled", &[VTD_PRQ_19, DEC_5])]),
            point("read").bins(&[event("answered_after_descriptor", &[VTD_PRQ_16]), event("fault_record_with_f", &[VTD_FLT_2, VTD_FLT_3])]),
            point("pectl").bins(&[event("rsvdp_bits_written", &[VTD_PRQ_15])]),
            // A read held until an event MSI issued before it was acknowledged (rtl/README.md "Reads").
            point("read_pushes_msi").bins(&[
                event("prs_after_pe_msi_ack", &[VTD_PRQ_20]),
                event("pqt_after_pe_msi_ack", &[VTD_PRQ_20]),
                event("pectl_after_pe_msi_ack", &[VTD_PRQ_20]),
                event("fsts_after_fe_msi_ack", &[VTD_FLT_8]),
                event("fectl_after_fe_msi_ack", &[VTD_FLT_8]),
            ]),
        ]),
        // ---- page_req_dsc fields, sampled at the row-d decision (VTD-PRQ-4, -18) ----------------------
        group("descriptor_fields").goal(90.0).items(&[
            // Exe/Priv of PASID requests: value exe << 1 | priv.
            point("perm").bins(&[
                value("none", 0, &[VTD_PRQ_4]),
                value("priv", 1, &[VTD_PRQ_4, VTD_PRQ_18]),
                value("exe", 2, &[VTD_PRQ_4]),
                value("exe_priv", 3, &[VTD_PRQ_4, VTD_PRQ_18]),
            ]),
            // R/W: value r << 1 | w.
            point("access").bins(&[
                value("none", 0, &[VTD_PRQ_4, VTD_PRQ_10]),
                value("w", 1, &[VTD_PRQ_4]),
                value("r", 2, &[VTD_PRQ_4]),
                value("rw", 3, &[VTD_PRQ_4]),
            ]),
            point("prgi").bins(&[value("zero", 0, &[VTD_PRQ_4]), range("mid", 1, 510, &[VTD_PRQ_4]), value("max", 511, &[VTD_PRQ_4])]),
            point("pasid").bins(&[range("below_max", 0, 0xF_FFFE, &[VTD_PRQ_4]), value("max", 0xF_FFFF, &[VTD_PRQ_4])]),
            point("inconsistent").bins(&[event("exe_without_read", &[VTD_PRQ_18])]),
        ]),
        crate::host_paths::coverage::GROUP,
    ],
);

static DEF: StaticDef = StaticDef::judged(&SPEC, || Judges::of(super::checkers::checkers(&Default::default()), super::tests::registry()));

/// Index in the `admission.msg` point.
fn msg_index(m: &PageRequest) -> usize {
    match m.class() {
        MsgClass::StopMarker => 4,
        MsgClass::Request => usize::from(!m.pv),
        MsgClass::LastRequest if !m.pv && !m.r && !m.w => 5,
        MsgClass::LastRequest => 2 + usize::from(!m.pv),
    }
}

fn row_index(r: Row) -> usize {
    match r {
        Row::A_NotEnabled => 0,
        Row::B_Overflow => 1,
        Row::C_Full => 2,
        Row::D_Write => 3,
    }
}

fn code_index(c: RespCode) -> usize {
    match c {
        RespCode::Success => 0,
        RespCode::InvalidRequest => 1,
        RespCode::ResponseFailure => 2,
        RespCode::Reserved(_) => 3,
    }
}

/// State of the model before the current edge that the bins compare against.
#[derive(Clone, Copy, Default)]
struct Before {
    prs: u32,
    fsts: u32,
    pqh: u64,
    pqt: u64,
    ip: [bool; 3],
}

impl Before {
    fn of(m: &VtdTiming) -> Before {
        Before { prs: m.prs(), fsts: m.fsts(), pqh: m.pqh(), pqt: m.pqt(), ip: Unit::ALL.map(|u| m.ectl(u) & regs::ECTL_IP != 0) }
    }
}

/// The VT-d coverage collector of one run.
pub type VtdCoverage = Collector<VtdState>;

/// What the collector remembers between edges.
#[derive(Default)]
pub struct VtdState {
    before: Before,
    /// The active wait, latched at its take.
    wait: Option<InvWaitDsc>,
    /// The descriptor offered at the port in the current cycle (`on_inputs`).
    offered: [u64; 4],
    /// Software cleared PRO; the next row-d write shows the overflow ended.
    pro_cleared: bool,
    /// A fault record was written at the last index (the next at index 0 wraps).
    recorded_last_index: bool,
    /// Why the model held a read at the last edge (the read it answers next).
    read_hold: Option<ReadHold>,
}

impl CollectorState for VtdState {
    const DEF: &'static StaticDef = &DEF;
}

impl Collector<VtdState> {
    /// The definition's name, as `DEFINITION`.
    pub const DEFINITION: &'static str = DEFINITION;

    /// Back-pressure of the cycle: call with the inputs of the cycle *before* `model.step(inp)`,
    /// while `model.outputs()` still shows the outputs the handshakes are judged against.
    #[inline]
    pub fn on_inputs(&mut self, inp: &VtdInputs, model: &VtdTiming) {
        let o = model.outputs();
        self.state.offered = inp.iq_qw;
        // In the order of the `backpressure.stall` bins.
        let stalled = [
            inp.pr_valid && !o.pr_ready,
            o.mw_valid && !inp.mw_ready,
            o.mwack_ready && !inp.mwack_valid,
            o.rsp_valid && !inp.rsp_ready,
            inp.iq_valid && !o.iq_ready,
            // The register agent issues one access at a time, so a read that waits (VTD-PRQ-16)
            // shows as the model holding it, not as a refused request.
            model.read_hold() == Some(ReadHold::Descriptor),
        ];
        let stall = const { SPEC.point("backpressure.stall") };
        for (k, &s) in stalled.iter().enumerate() {
            if s {
                self.cov.hit(stall.bin(k));
            }
        }
        if inp.iq_valid && !o.iq_ready {
            if model.wait_active() {
                self.cov.hit(const { SPEC.bin("descriptors.flow.descriptor_held_by_wait") });
            }
            if model.fsts() & regs::FSTS_IQE != 0 {
                self.cov.hit(const { SPEC.bin("descriptors.flow.descriptor_blocked_by_iqe") });
            }
        }
    }

    /// Sample one edge: call right after `model.step(..)` with `model.events()`.
    #[inline]
    pub fn on_edge(&mut self, ev: &EdgeEvents, model: &VtdTiming) {
        if let Some(reg) = ev.reg {
            self.on_reg(reg, ev, model);
        }
        if let Some((row, msg)) = ev.decided {
            self.on_decided(row, &msg, ev, model);
        }
        if let Some(a) = ev.desc_ack {
            self.on_desc_ack(a.pe_condition, model);
        }
        if let Some(f) = ev.fault {
            self.on_fault(f, ev, model);
        }
        if let Some(t) = ev.iq_taken {
            self.on_taken(&t, model);
        }
        if ev.wait_completed.is_some() {
            self.on_wait_completed();
        }
        if let Some((_, src)) = ev.committed {
            self.on_committed(src, ev, model);
        }
        if let Some(Job::Msi(u)) = ev.job_started {
            self.cov.hit(const { SPEC.point("events.msi_written") }.bin(u as usize));
        }
        for u in Unit::ALL {
            self.on_unit(u, ev);
        }
        if let Some((addr, data)) = ev.read_answered {
            self.on_read(addr, data);
        }
        self.state.read_hold = ev.read_held.map(|(_, why)| why);
        self.state.before = Before::of(model);
    }

    fn on_reg(&mut self, reg: RegAccess, ev: &EdgeEvents, model: &VtdTiming) {
        let RegAccess::Write { addr, data } = reg else { return };
        let b = self.state.before;
        let w = data as u32;
        match addr {
            regs::PRS => {
                if w & b.prs & regs::PRS_PPR != 0 {
                    self.cov.hit(const { SPEC.bin("registers.prs_w1c.ppr_cleared") });
                }
                if w & b.prs & regs::PRS_PRO != 0 {
                    self.cov.hit(const { SPEC.bin("registers.prs_w1c.pro_cleared") });
                    self.state.pro_cleared = true;
                }
                let pe_ip_kept = b.ip[Unit::Pe as usize] && !ev.unit(Unit::Pe).ip_cleared;
                if pe_ip_kept && w & b.prs != 0 && model.prs() & regs::PRS_MASK != 0 {
                    self.cov.hit(const { SPEC.bin("events.pe.ip_kept_one_source_left") });
                }
            }
            regs::PECTL if w & regs::ECTL_RSVDP_MASK != 0 => self.cov.hit(const { SPEC.bin("registers.pectl.rsvdp_bits_written") }),
            regs::PQH => {
                let ring = models::vtd::regs::PrqRing::from_pqa(model.pqa());
                if !ring.empty(b.pqh, b.pqt) && ring.empty(model.pqh(), model.pqt()) {
                    self.cov.hit(const { SPEC.bin("prq.fill.pqh_drained_to_empty") });
                }
            }
            regs::FSTS => {
                if w & b.fsts & regs::FSTS_PFO != 0 {
                    self.cov.hit(const { SPEC.bin("faults.software.pfo_cleared") });
                }
                if w & b.fsts & regs::FSTS_IQE != 0 {
                    self.cov.hit(const { SPEC.bin("faults.software.iqe_cleared") });
                }
            }
            a if a >= regs::PRE_BASE && (a - regs::PRE_BASE).is_multiple_of(regs::PRE_STRIDE) => {
                let enabled = data & regs::PRE_EN != 0;
                if ((a - regs::PRE_BASE) / regs::PRE_STRIDE) < model.params().pre_entries as u32 {
                    if enabled {
                        self.cov.hit(const { SPEC.bin("registers.pre_table.entry_enabled") });
                    } else {
                        self.cov.hit(const { SPEC.bin("registers.pre_table.entry_disabled") });
                    }
                }
            }
            a if a >= regs::FRCD_BASE && regs::frcd_write_clears_f((a - regs::FRCD_BASE) % 16, data) => {
                let i = (a - regs::FRCD_BASE) / 16;
                if i < model.faults().nr() && b.fsts & regs::FSTS_PPF != 0 {
                    self.cov.hit(const { SPEC.bin("faults.software.record_cleared") });
                }
            }
            _ => {}
        }
    }

    fn on_read(&mut self, addr: u32, data: u64) {
        // The read was held at the last edge (one read at a time: it is this one).
        match self.state.read_hold {
            Some(ReadHold::Descriptor) => self.cov.hit(const { SPEC.bin("registers.read.answered_after_descriptor") }),
            Some(ReadHold::Msi(u)) => {
                let k = match (u, addr) {
                    (Unit::Pe, regs::PRS) => Some(0),
                    (Unit::Pe, regs::PQT) => Some(1),
                    (Unit::Pe, regs::PECTL) => Some(2),
                    (Unit::Fe, regs::FSTS) => Some(3),
                    (Unit::Fe, regs::FECTL) => Some(4),
                    _ => None,
                };
                if let Some(k) = k {
                    self.cov.hit(const { SPEC.point("registers.read_pushes_msi") }.bin(k));
                }
            }
            None => {}
        }
        // F [127] is bit 63 of the +8 qword and bit 31 of the +0xC dword.
        let f = (regs::FRCD_BASE..regs::PRE_BASE).contains(&addr)
            && match (addr - regs::FRCD_BASE) % 16 {
                8 => data >> 63 & 1 == 1,
                0xC => data >> 31 & 1 == 1,
                _ => false,
            };
        if f {
            self.cov.hit(const { SPEC.bin("registers.read.fault_record_with_f") });
        }
    }

    fn on_decided(&mut self, row: Row, msg: &PageRequest, ev: &EdgeEvents, model: &VtdTiming) {
        classified::decided(&mut self.cov, row, msg);
        let ring = models::vtd::regs::PrqRing::from_pqa(model.pqa());
        match row {
            Row::D_Write => {
                if std::mem::take(&mut self.state.pro_cleared) {
                    self.cov.hit(const { SPEC.bin("prq.fill.written_after_pro_cleared") });
                }
                self.on_fields(msg);
            }
            Row::B_Overflow => {
                if ring.full(model.pqh(), model.pqt()) {
                    self.cov.hit(const { SPEC.bin("prq.fill.pro_while_full") });
                } else {
                    self.cov.hit(const { SPEC.bin("prq.fill.pro_sticky_after_pqh_moved") });
                }
            }
            Row::C_Full => {
                let pe = ev.unit(Unit::Pe);
                if pe.msi_triggered || pe.ip_set {
                    self.cov.hit(const { SPEC.bin("events.pe.pro_set_by_full") });
                }
            }
            Row::A_NotEnabled => {}
        }
    }

    /// Fields of a message decided in row d, as its `page_req_dsc` carries them.
    fn on_fields(&mut self, m: &PageRequest) {
        self.cov.hit_value(const { SPEC.point("descriptor_fields.access") }, u64::from(m.r) << 1 | u64::from(m.w));
        self.cov.hit_value(const { SPEC.point("descriptor_fields.prgi") }, u64::from(m.prgi));
        if m.pv {
            let perm = u64::from(m.exe) << 1 | u64::from(m.priv_);
            self.cov.hit_value(const { SPEC.point("descriptor_fields.perm") }, perm);
            self.cov.hit_value(const { SPEC.point("descriptor_fields.pasid") }, u64::from(m.pasid));
            if m.exe && !m.r {
                self.cov.hit(const { SPEC.bin("descriptor_fields.inconsistent.exe_without_read") });
            }
        }
    }

    fn on_desc_ack(&mut self, pe_condition: bool, model: &VtdTiming) {
        let ring = models::vtd::regs::PrqRing::from_pqa(model.pqa());
        if ring.full(model.pqh(), model.pqt()) {
            self.cov.hit(const { SPEC.bin("prq.fill.full_with_n_minus_1") });
        }
        if ring.offset(model.pqt()) == 0 {
            self.cov.hit(const { SPEC.bin("prq.fill.pqt_wrapped") });
        }
        self.cov.hit_value(const { SPEC.point("prq.pqs") }, u64::from(ring.pqs()));
        if pe_condition {
            self.cov.hit(const { SPEC.bin("events.pe.ppr_set_by_descriptor") });
        }
    }

    fn on_fault(&mut self, f: FaultOutcome, ev: &EdgeEvents, model: &VtdTiming) {
        let outcome = match f {
            FaultOutcome::Recorded { index } => {
                if self.state.before.fsts & regs::FSTS_PPF == 0 {
                    self.cov.hit(const { SPEC.bin("faults.outcome.recorded_sets_fri") });
                }
                if index == 0 && self.state.recorded_last_index {
                    self.cov.hit(const { SPEC.bin("faults.outcome.index_wrapped") });
                }
                self.state.recorded_last_index = index + 1 == model.faults().nr();
                if ev.auto_pushed.is_some() {
                    self.cov.hit(const { SPEC.bin("faults.row_a.record_and_invalid_request") });
                }
                const { SPEC.bin("faults.outcome.recorded") }
            }
            FaultOutcome::Overflow => const { SPEC.bin("faults.outcome.pfo_set_on_full_record") },
            FaultOutcome::DroppedPfo => const { SPEC.bin("faults.outcome.dropped_while_pfo") },
        };
        self.cov.hit(outcome);
    }

    fn on_taken(&mut self, t: &IqTake, model: &VtdTiming) {
        classified::taken(&mut self.cov, t, self.state.offered);
        if let IqTake::Wait { dsc, drain } = *t {
            self.state.wait = Some(dsc);
            if dsc.pd && drain > 0 {
                self.cov.hit(const { SPEC.bin("descriptors.flow.pd_wait_drains_messages") });
            }
            if model.sw_len() > 0 {
                self.cov.hit(const { SPEC.bin("descriptors.flow.wait_behind_software_response") });
            }
        }
    }

    fn on_wait_completed(&mut self) {
        let Some(w) = self.state.wait.take() else { return };
        let done = [
            (w.sw, const { SPEC.bin("descriptors.wait_completed.sw_status_write") }),
            (w.if_, const { SPEC.bin("descriptors.wait_completed.if_interrupt") }),
            (w.pd, const { SPEC.bin("descriptors.wait_completed.pd_drain") }),
            (w.fn_, const { SPEC.bin("descriptors.wait_completed.fn_fence") }),
            (!w.sw && !w.if_, const { SPEC.bin("descriptors.wait_completed.silent_sw0_if0") }),
        ];
        for (on, b) in done {
            if on {
                self.cov.hit(b);
            }
        }
    }

    fn on_committed(&mut self, src: RespSource, ev: &EdgeEvents, model: &VtdTiming) {
        match src {
            RespSource::Software => self.cov.hit(const { SPEC.bin("egress.commit.software") }),
            RespSource::Auto(_) => {
                self.cov.hit(const { SPEC.bin("egress.commit.auto") });
                // Software FIFO length before the edge: now, minus a push at this edge.
                let pushed = matches!(ev.iq_taken, Some(IqTake::Response(_)));
                if model.sw_len() > usize::from(pushed) {
                    self.cov.hit(const { SPEC.bin("egress.commit.auto_while_software_waits") });
                }
            }
        }
    }

    fn on_unit(&mut self, u: Unit, ev: &EdgeEvents) {
        let e = ev.unit(u);
        // In the order of `events.outcome`.
        let outcome = match (e.msi_triggered, e.ip_set, e.ip_cleared) {
            (true, _, true) => 2,
            (true, _, false) => 0,
            (false, true, _) => 1,
            (false, false, true) => 3,
            (false, false, false) => return,
        };
        self.cov.cross(const { SPEC.cross("events.unit_x_outcome") }, &[u as usize, outcome]);
    }
}

impl crate::observe::TxnCoverage for VtdCoverage {
    fn on_txn(&mut self, t: &Stamped) {
        if let Txn::Response { rsp } = t.txn {
            self.cov.hit(const { SPEC.point("egress.sent") }.bin(code_index(rsp.code)));
        }
        if let Some(i) = crate::host_paths::coverage::event_bin(&t.txn) {
            self.cov.hit(const { SPEC.point("host_paths.event") }.bin(i));
        }
    }
}

/// The bins that classify what the block did with a message or a descriptor, sampled through
/// one place by the timed model's events (`VtdCoverage`) and by the ordered judge's settlements
/// (`super::ordered`), so under ordered compare they count what the DUT did.
pub mod classified {
    use super::{code_index, msg_index, row_index, SPEC};
    use crate::coverage::Sampler;
    use models::pcie::{MsgClass, PageRequest, RespCode};
    use models::vtd::arch::{auto_response, Row};
    use models::vtd::desc::{desc_type, Invalid, Words, TYPE_PAGE_GRP_RESP};
    use models::vtd::timing::IqTake;

    /// The full names (or name prefixes) of the classified bins.
    pub const BINS: &[&str] =
        &["admission.", "auto_response.", "descriptors.taken.", "descriptors.response_code.", "descriptors.response_pasid."];

    /// A message decided in `row`, with its automatic response or its silence (VTD-PRQ-5..11,
    /// VTD-PRQ-17).
    pub fn decided(cov: &mut Sampler, row: Row, msg: &PageRequest) {
        cov.cross(const { SPEC.cross("admission.row_x_msg") }, &[row_index(row), msg_index(msg)]);
        if row == Row::D_Write {
            return;
        }
        if let Some(rsp) = auto_response(row, msg) {
            // In the order of `auto_response.origin`.
            let origin = match (row, rsp.code) {
                (Row::A_NotEnabled, RespCode::InvalidRequest) => 0,
                (Row::B_Overflow, RespCode::Success) => 1,
                (Row::C_Full, RespCode::Success) => 2,
                _ => return,
            };
            cov.cross(const { SPEC.cross("auto_response.auto") }, &[origin, usize::from(!rsp.pv)]);
        } else {
            let class = usize::from(msg.class() == MsgClass::StopMarker);
            cov.cross(const { SPEC.cross("auto_response.unanswered") }, &[class, row_index(row)]);
        }
    }

    /// A descriptor taken at the port (`offered`: its words), by what it does (VTD-IQ-1..6).
    pub fn taken(cov: &mut Sampler, t: &IqTake, offered: Words) {
        let taken = match *t {
            IqTake::Response(r) => {
                cov.hit(const { SPEC.point("descriptors.response_code") }.bin(code_index(r.code)));
                if r.pv {
                    cov.hit(const { SPEC.bin("descriptors.response_pasid.pp1") });
                } else {
                    cov.hit(const { SPEC.bin("descriptors.response_pasid.pp0") });
                }
                const { SPEC.bin("descriptors.taken.page_grp_resp_valid") }
            }
            IqTake::Wait { .. } => const { SPEC.bin("descriptors.taken.inv_wait_valid") },
            IqTake::NoEffect(_) => const { SPEC.bin("descriptors.taken.no_effect_type") },
            IqTake::Invalid(Invalid::Reserved(r)) => {
                let pgr = desc_type(offered) == TYPE_PAGE_GRP_RESP;
                match (pgr, r[0] & (1 << 5) != 0) {
                    (true, true) => const { SPEC.bin("descriptors.taken.page_grp_resp_pdp_invalid") },
                    (true, false) => const { SPEC.bin("descriptors.taken.page_grp_resp_reserved_invalid") },
                    (false, _) => const { SPEC.bin("descriptors.taken.inv_wait_reserved_invalid") },
                }
            }
            IqTake::Invalid(_) => const { SPEC.bin("descriptors.taken.unknown_type_invalid") },
        };
        cov.hit(taken);
    }
}
