//! SMMUv3 PRIQ coverage model: bins of the PRI queue block, each naming the rules it evidences,
//! declared as data in [`SPEC`] and sampled from the timed model's per-edge events
//! (`EdgeEvents`), from the port handshakes of the cycle (`on_inputs`, for back-pressure) and
//! from interface transactions (`on_txn`).
//!
//! The event queue (SMMU-EVTQ-*), its stalls (SMMU-CMD-7, -8) and the CMD_SYNC wait for event
//! records (SMMU-CMD-9) have the groups `evtq` and `stalls`, sampled from the timed model's
//! `EdgeEvents::evtq`.
//!
//! Sampling never allocates: every bin is named by a `const` resolved at compile time, and the
//! only state kept between edges is a few words plus a fixed 512-entry PRG table allocated in `new`.

use crate::coverage::spec::{cross, event, group, point, range, value, Spec};
use crate::coverage::{Collector, CollectorState, Judges, StaticDef};
use crate::txn::{Stamped, StopVariant, Txn};
use models::pcie::{MsgClass, PageRequest, PrgResponse, RespCode};
use models::ring::FLAG_BIT;
use models::rules::*;
use models::smmuv3::arch::{CmdEffect, Row};
use models::smmuv3::event::{EventInput, C_BAD_SUBSTREAMID};
use models::smmuv3::evtq_arch::{StallAction, Unwritable};
use models::smmuv3::evtq_timing::EvRow;
use models::smmuv3::regs;
use models::smmuv3::timing::{EdgeEvents, PriqInputs, PriqTiming, RegAccess, RespSource};

/// Name of the definition (and of its serialized data).
pub const DEFINITION: &str = "smmuv3_priq";

/// The definition: one line per bin, with the rules it evidences.
pub const SPEC: Spec = Spec::new(
    DEFINITION,
    &[
        // ---- admission: which row decides which kind of message (smmuv3.md §5) --------------------
        group("admission").goal(90.0).items(&[
            point("row").bins(&[
                event("a", &[SMMU_PRIQ_5, DEC_2, SMMU_PRIQ_12]),
                event("b", &[SMMU_PRIQ_6, SMMU_PRIQ_8, SMMU_PRIQ_12]),
                event("c", &[SMMU_PRIQ_7, SMMU_PRIQ_12]),
                event("d", &[SMMU_PRIQ_3, SMMU_PRIQ_12]),
            ]),
            // In the order of `msg_kind`.
            point("msg").bins(&[
                event("l0_pasid", &[PRI_4]),
                event("l0_nopasid", &[PRI_4]),
                event("l1_pasid", &[PRI_4]),
                event("l1_nopasid", &[PRI_4]),
                event("stop_marker", &[PRI_4, PRI_2, DEC_1, SMMU_PRIQ_11]),
                event("l1_nopasid_rw0", &[PRI_4, PRI_3, DEC_1]),
            ]),
            cross("row_x_msg", &["row", "msg"]),
        ]),
        // ---- queue geometry and pointers (SMMU-PRIQ-1, SMMU-PRIQ-2) ---------------------------------
        group("queue").goal(80.0).items(&[
            point("log2size").weight(0).bins(&[
                value("n0", 0, &[SMMU_PRIQ_1]),
                value("n1", 1, &[SMMU_PRIQ_1]),
                range("n2_3", 2, 3, &[SMMU_PRIQ_1]),
                range("n4_7", 4, 7, &[SMMU_PRIQ_1]),
                range("n8_up", 8, 19, &[SMMU_PRIQ_1]),
            ]),
            point("wrap").weight(0).bins(&[value("kept", 0, &[SMMU_PRIQ_2]), value("toggled", 1, &[SMMU_PRIQ_2])]),
            // With one slot every write toggles the wrap bit.
            cross("log2size_x_wrap", &["log2size", "wrap"]).ignore(&[&["n0", "kept"]]),
            point("fill").bins(&[event("became_full", &[SMMU_PRIQ_2]), event("drained_to_empty", &[SMMU_PRIQ_2])]),
        ]),
        // ---- entry fields, sampled when an entry is written (SMMU-PRIQ-4) --------------------------
        group("entry").goal(90.0).items(&[
            point("prgi").bins(&[
                value("zero", 0, &[SMMU_PRIQ_4]),
                range("mid", 1, 510, &[SMMU_PRIQ_4]),
                value("max", 511, &[SMMU_PRIQ_4]),
            ]),
            point("pasid").bins(&[
                event("none", &[SMMU_PRIQ_4]),
                range("below_max", 0, 0xF_FFFE, &[SMMU_PRIQ_4]),
                value("max", 0xF_FFFF, &[SMMU_PRIQ_4]),
            ]),
            // Exe/Priv of PASID requests: value exe << 1 | priv.
            point("perm").bins(&[
                value("none", 0, &[SMMU_PRIQ_4]),
                value("priv", 1, &[SMMU_PRIQ_4]),
                value("exe", 2, &[SMMU_PRIQ_4]),
                value("exe_priv", 3, &[SMMU_PRIQ_4]),
            ]),
            // R/W: value r << 1 | w.
            point("access").bins(&[
                value("none", 0, &[SMMU_PRIQ_4]),
                value("w", 1, &[SMMU_PRIQ_4]),
                value("r", 2, &[SMMU_PRIQ_4]),
                value("rw", 3, &[SMMU_PRIQ_4]),
            ]),
            point("page").bins(&[range("below_max", 0, (1 << 52) - 2, &[SMMU_PRIQ_4]), value("max", (1 << 52) - 1, &[SMMU_PRIQ_4])]),
        ]),
        // ---- overflow, inhibition and its acknowledgement ---------------------------------------
        group("overflow").items(&[point("event").bins(&[
            event("ovflg_toggled", &[SMMU_PRIQ_7]),
            event("inhibited_not_full", &[SMMU_PRIQ_8, SMMU_PRIQ_6]),
            event("inhibited_full", &[SMMU_PRIQ_6]),
            event("cons_keeps_ovackflg", &[SMMU_PRIQ_9, HOST_16]),
            event("cons_acknowledges", &[SMMU_PRIQ_9, HOST_16]),
            event("written_after_ack", &[SMMU_PRIQ_9]),
        ])]),
        // ---- automatic responses (SMMU-PRIQ-10, DEC-2, DEC-3) ----------------------------------------
        group("auto_response").items(&[
            point("origin").bins(&[
                event("row_a", &[SMMU_PRIQ_5, DEC_2, SMMU_PRIQ_10]),
                event("row_b", &[SMMU_PRIQ_6, DEC_3, SMMU_PRIQ_10]),
                event("row_c", &[SMMU_PRIQ_7, DEC_3, SMMU_PRIQ_10]),
                event("write_abort", &[SMMU_PRIQ_16, DEC_2, SMMU_PRIQ_10]),
            ]),
            point("code").weight(0).bins(&[event("success", &[DEC_3]), event("failure", &[DEC_2])]),
            point("pv").weight(0).bins(&[event("pasid", &[SMMU_PRIQ_10]), event("nopasid", &[SMMU_PRIQ_10])]),
            // DEC-2: a Response Failure never carries a PASID.
            cross("committed", &["code", "pv"]).ignore(&[&["failure", "pasid"]]).rules(&[DEC_12]),
            point("unanswered").bins(&[
                event("l0_discarded", &[SMMU_PRIQ_5, SMMU_PRIQ_6, SMMU_PRIQ_7]),
                event("stop_marker_discarded", &[PRI_17, SMMU_PRIQ_11, DEC_1]),
            ]),
        ]),
        // ---- the single response egress (DEC-12) -----------------------------------------------------
        group("egress").items(&[
            point("commit").bins(&[
                event("auto", &[DEC_12, SMMU_PRIQ_12]),
                event("software", &[DEC_12, SMMU_CMD_6]),
                event("auto_while_software_waits", &[DEC_12, SMMU_PRIQ_12, SMMU_CMD_6]),
            ]),
            point("sent").bins(&[event("success", &[PRI_16]), event("invalid_request", &[PRI_16]), event("response_failure", &[])]),
        ]),
        // ---- back-pressure at every interface ----------------------------------------------------------
        group("backpressure").items(&[point("stall").bins(&[
            event("ingress", &[SMMU_PRIQ_12]),
            event("memory_write", &[SMMU_PRIQ_3]),
            event("memory_ack", &[SMMU_PRIQ_3]),
            event("egress", &[DEC_12]),
        ])]),
        // ---- commands (SMMU-CMD-*) ------------------------------------------------------------------
        group("commands").items(&[
            point("outcome").bins(&[
                event("pri_resp_0_failure", &[SMMU_CMD_3]),
                event("pri_resp_1_invalid", &[SMMU_CMD_3]),
                event("pri_resp_2_success", &[SMMU_CMD_3]),
                event("pri_resp_3_illegal", &[SMMU_CMD_4, SMMU_CMD_2, DEC_4]),
                event("pri_resp_smmuen0_ignored", &[SMMU_CMD_5]),
                event("sync", &[SMMU_CMD_9]),
                event("sync_cs3_illegal", &[SMMU_CMD_9, SMMU_CMD_2]),
                event("noop_opcode", &[SMMU_CMD_1]),
                event("undefined_opcode_illegal", &[SMMU_CMD_1, SMMU_CMD_2]),
            ]),
            point("flow").bins(&[
                event("sync_completed", &[SMMU_CMD_9, SMMU_CMD_10]),
                event("sync_waited_for_responses", &[SMMU_CMD_9]),
                event("stalled_by_cmdq_err", &[SMMU_CMD_2]),
            ]),
        ]),
        // ---- interrupts (SMMU-PRIQ-13, SMMU-CMD-11) ---------------------------------------------------
        group("interrupts").items(&[
            point("priq_trigger").weight(0).bins(&[
                event("lo0_write_into_empty", &[SMMU_PRIQ_13]),
                event("lo1_last_written", &[SMMU_PRIQ_13]),
                event("lo1_last_discarded", &[SMMU_PRIQ_13]),
            ]),
            point("priq_irqen").weight(0).bins(&[event("pulsed", &[SMMU_PRIQ_13]), event("masked", &[SMMU_PRIQ_13])]),
            cross("priq", &["priq_trigger", "priq_irqen"]),
            // Index: 2 * (PRIQ_ABT_ERR) + (masked).
            point("gerror").bins(&[
                event("cmdq_err_pulsed", &[SMMU_CMD_11, SMMU_CMD_2]),
                event("cmdq_err_masked", &[SMMU_CMD_11, SMMU_CMD_2]),
                event("priq_abt_err_pulsed", &[SMMU_CMD_11, SMMU_PRIQ_16]),
                event("priq_abt_err_masked", &[SMMU_CMD_11, SMMU_PRIQ_16]),
            ]),
        ]),
        // ---- registers (SMMU-PRIQ-14, SMMU-PRIQ-15) -----------------------------------------------------
        group("registers").items(&[
            point("write").bins(&[
                event("base_while_disabled", &[SMMU_PRIQ_14]),
                event("base_gated", &[SMMU_PRIQ_14]),
                event("prod_while_disabled", &[SMMU_PRIQ_14]),
                event("prod_gated", &[SMMU_PRIQ_14]),
                event("cons_while_enabled", &[SMMU_PRIQ_14, SMMU_PRIQ_9]),
            ]),
            point("cr0ack").bins(&[
                event("enable_acknowledged", &[SMMU_PRIQ_15]),
                event("disable_acknowledged", &[SMMU_PRIQ_15]),
                event("held_while_engine_busy", &[SMMU_PRIQ_15]),
            ]),
        ]),
        // ---- memory write errors (SMMU-PRIQ-16) -----------------------------------------------------------
        group("abort").items(&[point("event")
            .bins(&[event("write_aborted", &[SMMU_PRIQ_16]), event("row_a_while_priq_abt_err", &[SMMU_PRIQ_16, SMMU_PRIQ_5, DEC_2])])]),
        // ---- PRG structure in the queue (PRI-31) -------------------------------------------------------
        group("prg").items(&[point("last_written").bins(&[event("after_its_members", &[PRI_31]), event("single_request", &[])])]),
        // ---- the event queue (smmuv3.md §6, §7; rtl/README.md "SMMUv3 event queue") ------------------
        group("evtq").items(&[
            // Event IDs accepted at the event input (§7.3).
            point("event_id").bins(&[
                value("f_uut", 0x01, &[SMMU_EVTQ_2]),
                value("c_bad_streamid", 0x02, &[SMMU_EVTQ_2]),
                value("f_ste_fetch", 0x03, &[SMMU_EVTQ_2]),
                value("c_bad_ste", 0x04, &[SMMU_EVTQ_2]),
                value("f_bad_ats_treq", 0x05, &[SMMU_EVTQ_2]),
                value("f_stream_disabled", 0x06, &[SMMU_EVTQ_2]),
                value("f_transl_forbidden", 0x07, &[SMMU_EVTQ_2]),
                value("c_bad_substreamid", 0x08, &[SMMU_EVTQ_2]),
                value("f_cd_fetch", 0x09, &[SMMU_EVTQ_2]),
                value("c_bad_cd", 0x0A, &[SMMU_EVTQ_2]),
                value("f_walk_eabt", 0x0B, &[SMMU_EVTQ_2]),
                value("f_translation", 0x10, &[SMMU_EVTQ_2, SMMU_EVTQ_6]),
                value("f_addr_size", 0x11, &[SMMU_EVTQ_2, SMMU_EVTQ_6]),
                value("f_access", 0x12, &[SMMU_EVTQ_2, SMMU_EVTQ_6]),
                value("f_permission", 0x13, &[SMMU_EVTQ_2, SMMU_EVTQ_6]),
                value("f_tlb_conflict", 0x20, &[SMMU_EVTQ_2]),
                value("f_cfg_conflict", 0x21, &[SMMU_EVTQ_2]),
                value("e_page_request", 0x24, &[SMMU_EVTQ_2]),
                value("f_vms_fetch", 0x25, &[SMMU_EVTQ_2]),
                range("impdef", 0xE0, 0xEF, &[SMMU_EVTQ_2]),
            ]),
            // Each decision: stall record or not, and the queue's state (SMMU-EVTQ-3..6, -10, -11).
            point("kind").weight(0).bins(&[event("non_stall", &[SMMU_EVTQ_3]), event("stall", &[SMMU_EVTQ_6])]),
            point("state").weight(0).bins(&[
                event("writable", &[SMMU_EVTQ_3]),
                event("full", &[SMMU_EVTQ_4]),
                event("disabled", &[SMMU_EVTQ_10]),
                event("abort", &[SMMU_EVTQ_11]),
            ]),
            cross("kind_x_state", &["kind", "state"]).rules(&[SMMU_EVTQ_3, SMMU_EVTQ_6]),
            point("delivery").bins(&[
                event("ovflg_toggled", &[SMMU_EVTQ_4]),
                event("discarded_overflow_active", &[SMMU_EVTQ_4]),
                event("written_overflow_active", &[SMMU_EVTQ_5]),
                event("held_record_written", &[SMMU_EVTQ_6]),
                event("later_records_wait", &[SMMU_EVTQ_6, SMMU_EVTQ_7]),
                event("stall_record_discarded_smmuen0", &[SMMU_EVTQ_6, SMMU_EVTQ_8]),
                event("wrapped", &[SMMU_EVTQ_1]),
                event("became_full", &[SMMU_EVTQ_1]),
            ]),
            // EVENTQ_CONS writes while an overflow is active: the EVTQ thread keeps OVACKFLG
            // while it consumes, then acknowledges (HOST-16).
            point("consume")
                .bins(&[event("cons_keeps_ovackflg", &[SMMU_EVTQ_4, HOST_16]), event("cons_acknowledges", &[SMMU_EVTQ_4, HOST_16])]),
            // Record fields of written records (SMMU-EVTQ-2).
            point("record").bins(&[
                event("ssv", &[SMMU_EVTQ_2]),
                event("no_ssv", &[SMMU_EVTQ_2]),
                event("bad_substreamid", &[SMMU_EVTQ_2]),
                event("ind_without_rnw", &[SMMU_EVTQ_2]),
                event("stall_flag_on_other_id", &[SMMU_EVTQ_2]),
                event("s2", &[SMMU_EVTQ_2]),
            ]),
            point("irq").bins(&[event("pulsed", &[SMMU_EVTQ_9]), event("masked", &[SMMU_EVTQ_9])]),
            point("abort").bins(&[
                event("write_aborted", &[SMMU_EVTQ_11]),
                event("gerror_pulsed", &[SMMU_EVTQ_11, SMMU_CMD_11]),
                event("gerror_masked", &[SMMU_EVTQ_11, SMMU_CMD_11]),
            ]),
            point("disable").bins(&[event("acknowledged_off", &[SMMU_EVTQ_10]), event("held_while_writing", &[SMMU_EVTQ_10])]),
            point("backpressure").bins(&[
                event("input", &[SMMU_EVTQ_7]),
                event("memory_write", &[SMMU_EVTQ_1]),
                event("memory_ack", &[SMMU_EVTQ_1]),
                event("resolution", &[SMMU_EVTQ_8]),
            ]),
        ]),
        // ---- stalls: the STAG table and the commands that resolve it (SMMU-EVTQ-8, SMMU-CMD-7..9) ----
        group("stalls").items(&[
            point("table").bins(&[
                event("accepted", &[SMMU_EVTQ_8]),
                event("stall_max_reached", &[SMMU_EVTQ_8]),
                event("input_held_at_stall_max", &[SMMU_EVTQ_8]),
                event("aborted_by_smmuen0", &[SMMU_EVTQ_8]),
                event("resolution_taken", &[SMMU_EVTQ_8]),
            ]),
            point("resume").bins(&[
                event("retry", &[SMMU_CMD_7]),
                event("abort", &[SMMU_CMD_7]),
                event("raz_wi", &[SMMU_CMD_7]),
                event("no_match", &[SMMU_CMD_7]),
            ]),
            point("stall_term").bins(&[event("none", &[SMMU_CMD_8]), event("one", &[SMMU_CMD_8]), event("many", &[SMMU_CMD_8])]),
            point("sync").bins(&[event("waited_for_records", &[SMMU_CMD_9]), event("waited_for_resolutions", &[SMMU_CMD_9])]),
        ]),
        // ---- PCIe PRI lifecycle around the queue (pcie-pri.md §7, host-sw.md §5) ------------------------
        group("pri_lifecycle").items(&[point("event").bins(&[
            event("stop_requested_a", &[PRI_24, PRI_25]),
            event("stop_requested_b", &[PRI_24, PRI_26]),
            event("stop_complete", &[PRI_29, PRI_28]),
            event("stop_marker_accepted", &[PRI_2, PRI_17, PRI_27]),
            event("queue_drained", &[HOST_19, HOST_27]),
            event("pasid_freed", &[HOST_27]),
            event("pasid_rebound", &[HOST_28, PRI_30]),
            event("pri_reset", &[PRI_21]),
            event("response_failure_sent", &[PRI_19]),
        ])]),
        crate::host_paths::coverage::GROUP,
    ],
);

static DEF: StaticDef = StaticDef::judged(&SPEC, || Judges::of(super::checkers::checkers(&Default::default()), super::tests::registry()));

/// Index of a message kind in the `admission.msg` point.
fn msg_kind(m: &PageRequest) -> usize {
    match (m.class(), m.l, m.pv) {
        (MsgClass::StopMarker, _, _) => 4,
        (_, false, true) => 0,
        (_, false, false) => 1,
        (_, true, true) => 2,
        (_, true, false) if !m.r && !m.w => 5,
        (_, true, false) => 3,
    }
}

fn row_index(r: Row) -> usize {
    match r {
        Row::A_Disabled => 0,
        Row::B_OverflowActive => 1,
        Row::C_Full => 2,
        Row::D_Write => 3,
    }
}

/// Members of the PRG being written under one PRG index (PRI-31).
#[derive(Clone, Copy, Default)]
struct PrgTrack {
    rid: u16,
    members: u16,
}

const ENABLES: u32 = regs::CR0_SMMUEN | regs::CR0_PRIQEN;

/// A CONS write `data` to a queue whose PROD and CONS were `prod`, `cons`: during an overflow
/// (OVFLG != OVACKFLG), whether it acknowledges it (`Some(true)`) or keeps OVACKFLG
/// (`Some(false)`, HOST-16 while consuming); `None` outside an overflow. Both SMMU queues.
fn overflow_ack(prod: u32, cons: u32, data: u64) -> Option<bool> {
    ((prod ^ cons) & FLAG_BIT != 0).then_some((data as u32 ^ cons) & FLAG_BIT != 0)
}

/// The SMMUv3 PRIQ coverage collector of one run.
pub type Smmuv3Coverage = Collector<PriqState>;

/// What the collector remembers between edges.
pub struct PriqState {
    /// The message of the last row-d decision: the entry being written.
    writing: PageRequest,
    prev_prod: u32,
    prev_cons: u32,
    /// EVENTQ_PROD and EVENTQ_CONS before the edge.
    prev_ev_prod: u32,
    prev_ev_cons: u32,
    prev_cr0ack: u32,
    /// Edges since the last applied CR0 write.
    cr0_age: u64,
    ack_pending_resume: bool,
    prgs: Box<[PrgTrack; 512]>,
    /// The head event record was held at the last decision (SMMU-EVTQ-6).
    ev_held: bool,
    /// The pending CMD_SYNC found event records in flight / resolutions not issued at its handshake.
    sync_records: bool,
    sync_resolutions: bool,
}

impl Default for PriqState {
    fn default() -> Self {
        PriqState {
            writing: PageRequest::default(),
            prev_prod: 0,
            prev_cons: 0,
            prev_ev_prod: 0,
            prev_ev_cons: 0,
            prev_cr0ack: 0,
            cr0_age: u64::MAX,
            ack_pending_resume: false,
            prgs: Box::new([PrgTrack::default(); 512]),
            ev_held: false,
            sync_records: false,
            sync_resolutions: false,
        }
    }
}

impl CollectorState for PriqState {
    const DEF: &'static StaticDef = &DEF;
}

impl Collector<PriqState> {
    /// Back-pressure of the cycle: call with the inputs of the cycle *before* `model.step(inp)`,
    /// while `model.outputs()` still shows the outputs the handshakes are judged against.
    #[inline]
    pub fn on_inputs(&mut self, inp: &PriqInputs, model: &PriqTiming) {
        let o = model.outputs();
        if inp.pr_valid && !o.pr_ready {
            self.cov.hit(const { SPEC.bin("backpressure.stall.ingress") });
        }
        if o.mw_valid && !inp.mw_ready {
            self.cov.hit(const { SPEC.bin("backpressure.stall.memory_write") });
        }
        if o.mwack_ready && !inp.mwack_valid {
            self.cov.hit(const { SPEC.bin("backpressure.stall.memory_ack") });
        }
        if o.rsp_valid && !inp.rsp_ready {
            self.cov.hit(const { SPEC.bin("backpressure.stall.egress") });
        }
        if inp.cmd_valid && !o.cmd_ready && model.cmdq_err_active() {
            self.cov.hit(const { SPEC.bin("commands.flow.stalled_by_cmdq_err") });
        }
        if inp.ev_valid && !o.ev_ready {
            self.cov.hit(const { SPEC.bin("evtq.backpressure.input") });
            if model.evtq().outstanding() >= model.params().stall_max as usize {
                self.cov.hit(const { SPEC.bin("stalls.table.input_held_at_stall_max") });
            }
        }
        if o.emw_valid && !inp.emw_ready {
            self.cov.hit(const { SPEC.bin("evtq.backpressure.memory_write") });
        }
        if o.emwack_ready && !inp.emwack_valid {
            self.cov.hit(const { SPEC.bin("evtq.backpressure.memory_ack") });
        }
        if o.sr_valid && !inp.sr_ready {
            self.cov.hit(const { SPEC.bin("evtq.backpressure.resolution") });
        }
    }

    /// Sample one edge: call right after `model.step(..)` with `model.events()`.
    #[inline]
    pub fn on_edge(&mut self, ev: &EdgeEvents, model: &PriqTiming) {
        self.state.cr0_age = self.state.cr0_age.saturating_add(1);
        if let Some(reg) = ev.reg {
            self.on_reg(reg, model);
        }
        if let Some((row, msg)) = ev.decided {
            self.on_decided(row, &msg, ev, model);
        }
        if ev.ovflg_toggled {
            classified::ovflg_toggled(&mut self.cov);
        }
        if let Some(index) = ev.written {
            self.on_written(index, model);
        }
        if ev.write_aborted.is_some() {
            classified::write_aborted(&mut self.cov);
        }
        if ev.auto_pushed.is_some() {
            // A write abort has no decision at that edge (engine busy).
            classified::auto_origin(&mut self.cov, ev.decided.map(|(row, _)| row));
        }
        if let Some((r, src)) = ev.committed {
            self.on_committed(&r, src, ev, model);
        }
        if let Some(c) = ev.cmd {
            classified::command(&mut self.cov, c.opcode, c.effect);
        }
        self.on_evtq(ev, model);
        if ev.sync_completed {
            if self.state.sync_records {
                self.cov.hit(const { SPEC.bin("stalls.sync.waited_for_records") });
            }
            if self.state.sync_resolutions {
                self.cov.hit(const { SPEC.bin("stalls.sync.waited_for_resolutions") });
            }
            (self.state.sync_records, self.state.sync_resolutions) = (false, false);
            self.cov.hit(const { SPEC.bin("commands.flow.sync_completed") });
            if !matches!(ev.cmd, Some(c) if c.effect == CmdEffect::Sync) {
                self.cov.hit(const { SPEC.bin("commands.flow.sync_waited_for_responses") });
            }
        }
        if ev.priq_irq_trigger {
            let lo = model.read_reg(regs::PRIQ_IRQ_CFG2) as u32 & regs::IRQ_CFG2_LO != 0;
            let cause = match (ev.written.is_some(), lo) {
                (true, false) => 0,
                (true, true) => 1,
                (false, _) => 2,
            };
            let pulse = if model.outputs().irq_priq { 0 } else { 1 };
            self.cov.cross(const { SPEC.cross("interrupts.priq") }, &[cause, pulse]);
        }
        if ev.gerror_activated != 0 {
            let gerror = const { SPEC.point("interrupts.gerror") };
            let masked = usize::from(!model.outputs().irq_gerror);
            if ev.gerror_activated & regs::GERROR_CMDQ_ERR != 0 {
                self.cov.hit(gerror.bin(masked));
            }
            if ev.gerror_activated & regs::GERROR_PRIQ_ABT_ERR != 0 {
                self.cov.hit(gerror.bin(2 + masked));
            }
            if ev.gerror_activated & regs::GERROR_EVENTQ_ABT_ERR != 0 {
                self.cov.hit(const { SPEC.point("evtq.abort") }.bin(1 + masked));
            }
        }
        if ev.cr0ack_changed {
            let now = model.cr0ack();
            if now & !self.state.prev_cr0ack & ENABLES != 0 {
                self.cov.hit(const { SPEC.bin("registers.cr0ack.enable_acknowledged") });
            }
            if self.state.prev_cr0ack & !now & ENABLES != 0 {
                self.cov.hit(const { SPEC.bin("registers.cr0ack.disable_acknowledged") });
            }
            if self.state.prev_cr0ack & !now & regs::CR0_EVENTQEN != 0 {
                self.cov.hit(const { SPEC.bin("evtq.disable.acknowledged_off") });
            }
        }
        let held = model.cr0ack() & !model.cr0() & ENABLES;
        if held != 0 && self.state.cr0_age >= model.params().cr0ack_lat as u64 {
            // The delay line has delivered the disable, but CR0ACK keeps the enable: the
            // write engine is busy (SMMU-PRIQ-15).
            self.cov.hit(const { SPEC.bin("registers.cr0ack.held_while_engine_busy") });
        }
        let ev_held = model.cr0ack() & !model.cr0() & regs::CR0_EVENTQEN;
        if ev_held != 0 && self.state.cr0_age >= model.params().cr0ack_lat as u64 {
            // CR0ACK keeps EVENTQEN while the EVTQ write engine is busy (SMMU-EVTQ-10).
            self.cov.hit(const { SPEC.bin("evtq.disable.held_while_writing") });
        }
        self.state.prev_cr0ack = model.cr0ack();
        self.state.prev_prod = model.prod();
        self.state.prev_cons = model.cons();
        self.state.prev_ev_prod = model.evtq().prod();
        self.state.prev_ev_cons = model.evtq().cons();
    }

    /// Sample an interface transaction (responses that left at the PCIe egress).
    fn sample_txn(&mut self, t: &Stamped) {
        let b = match t.txn {
            Txn::Response { rsp } => {
                if matches!(rsp.code, RespCode::ResponseFailure | RespCode::Reserved(_)) {
                    self.cov.hit(const { SPEC.bin("pri_lifecycle.event.response_failure_sent") });
                }
                match rsp.code {
                    RespCode::Success => const { SPEC.bin("egress.sent.success") },
                    RespCode::InvalidRequest => const { SPEC.bin("egress.sent.invalid_request") },
                    _ => const { SPEC.bin("egress.sent.response_failure") },
                }
            }
            Txn::StopRequested { variant: StopVariant::A, .. } => const { SPEC.bin("pri_lifecycle.event.stop_requested_a") },
            Txn::StopRequested { variant: StopVariant::B, .. } => const { SPEC.bin("pri_lifecycle.event.stop_requested_b") },
            Txn::StopComplete { .. } => const { SPEC.bin("pri_lifecycle.event.stop_complete") },
            Txn::PageRequest { msg } if msg.class() == MsgClass::StopMarker => {
                const { SPEC.bin("pri_lifecycle.event.stop_marker_accepted") }
            }
            Txn::QueueDrained { .. } => const { SPEC.bin("pri_lifecycle.event.queue_drained") },
            Txn::PasidFreed { .. } => const { SPEC.bin("pri_lifecycle.event.pasid_freed") },
            Txn::PasidBound { .. } => const { SPEC.bin("pri_lifecycle.event.pasid_rebound") },
            Txn::PriReset { .. } => const { SPEC.bin("pri_lifecycle.event.pri_reset") },
            _ => return,
        };
        self.cov.hit(b);
    }

    fn on_reg(&mut self, reg: RegAccess, model: &PriqTiming) {
        let RegAccess::Write { addr, data, applied } = reg else {
            return;
        };
        match (addr, applied) {
            (regs::CR0, true) => self.state.cr0_age = 0,
            (regs::PRIQ_BASE, true) => self.cov.hit(const { SPEC.bin("registers.write.base_while_disabled") }),
            (regs::PRIQ_BASE, false) => self.cov.hit(const { SPEC.bin("registers.write.base_gated") }),
            (regs::PRIQ_PROD, true) => self.cov.hit(const { SPEC.bin("registers.write.prod_while_disabled") }),
            (regs::PRIQ_PROD, false) => self.cov.hit(const { SPEC.bin("registers.write.prod_gated") }),
            (regs::PRIQ_CONS, true) => {
                if model.cr0ack() & regs::CR0_PRIQEN != 0 {
                    self.cov.hit(const { SPEC.bin("registers.write.cons_while_enabled") });
                }
                let (prod, cons) = (self.state.prev_prod, self.state.prev_cons);
                match overflow_ack(prod, cons, data) {
                    Some(false) => self.cov.hit(const { SPEC.bin("overflow.event.cons_keeps_ovackflg") }),
                    Some(true) => {
                        self.cov.hit(const { SPEC.bin("overflow.event.cons_acknowledges") });
                        self.state.ack_pending_resume = true;
                    }
                    None => {}
                }
                let ring = model.ring();
                if !ring.empty(prod, cons) && ring.empty(model.prod(), model.cons()) {
                    self.cov.hit(const { SPEC.bin("queue.fill.drained_to_empty") });
                }
            }
            (regs::EVENTQ_CONS, true) => match overflow_ack(self.state.prev_ev_prod, self.state.prev_ev_cons, data) {
                Some(false) => self.cov.hit(const { SPEC.bin("evtq.consume.cons_keeps_ovackflg") }),
                Some(true) => self.cov.hit(const { SPEC.bin("evtq.consume.cons_acknowledges") }),
                None => {}
            },
            _ => {}
        }
    }

    fn on_decided(&mut self, row: Row, msg: &PageRequest, ev: &EdgeEvents, model: &PriqTiming) {
        classified::decided(&mut self.cov, row, msg);
        match row {
            Row::D_Write => {
                self.state.writing = *msg;
                if self.state.ack_pending_resume {
                    self.state.ack_pending_resume = false;
                    self.cov.hit(const { SPEC.bin("overflow.event.written_after_ack") });
                }
                return;
            }
            Row::B_OverflowActive => {
                if model.ring().full(model.prod(), model.cons()) {
                    self.cov.hit(const { SPEC.bin("overflow.event.inhibited_full") });
                } else {
                    self.cov.hit(const { SPEC.bin("overflow.event.inhibited_not_full") });
                }
            }
            Row::A_Disabled => {
                let enabled = model.cr0ack() & ENABLES == ENABLES;
                if enabled && model.priq_abt_active() {
                    self.cov.hit(const { SPEC.bin("abort.event.row_a_while_priq_abt_err") });
                }
            }
            Row::C_Full => {}
        }
        // Discarded: L=0 and Stop Markers get no response; a discarded L=1 ends its PRG here.
        match msg.class() {
            MsgClass::Request => self.cov.hit(const { SPEC.bin("auto_response.unanswered.l0_discarded") }),
            MsgClass::StopMarker if ev.auto_pushed.is_none() => {
                self.cov.hit(const { SPEC.bin("auto_response.unanswered.stop_marker_discarded") })
            }
            MsgClass::LastRequest => self.state.prgs[usize::from(msg.prgi & 0x1FF)] = PrgTrack::default(),
            MsgClass::StopMarker => {}
        }
    }

    fn on_written(&mut self, index: u32, model: &PriqTiming) {
        let m = self.state.writing;
        let ring = model.ring();
        let toggled = usize::from(index == ring.entries() - 1);
        let log2size = const { SPEC.point("queue.log2size") };
        if let Some(size) = self.cov.def().point_value_index(log2size, u64::from(ring.n())) {
            self.cov.cross(const { SPEC.cross("queue.log2size_x_wrap") }, &[size, toggled]);
        }
        if ring.full(model.prod(), model.cons()) {
            self.cov.hit(const { SPEC.bin("queue.fill.became_full") });
        }
        // Entry fields (SMMU-PRIQ-4).
        self.cov.hit_value(const { SPEC.point("entry.prgi") }, u64::from(m.prgi));
        if m.pv {
            self.cov.hit_value(const { SPEC.point("entry.pasid") }, u64::from(m.pasid));
            let perm = u64::from(m.exe) << 1 | u64::from(m.priv_);
            self.cov.hit_value(const { SPEC.point("entry.perm") }, perm);
        } else {
            self.cov.hit(const { SPEC.bin("entry.pasid.none") });
        }
        self.cov.hit_value(const { SPEC.point("entry.access") }, u64::from(m.r) << 1 | u64::from(m.w));
        self.cov.hit_value(const { SPEC.point("entry.page") }, m.page);
        // PRG members in queue order (PRI-31).
        let t = &mut self.state.prgs[usize::from(m.prgi & 0x1FF)];
        match m.class() {
            MsgClass::StopMarker => {}
            MsgClass::Request => {
                if t.rid == m.rid && t.members > 0 {
                    t.members = t.members.saturating_add(1);
                } else {
                    *t = PrgTrack { rid: m.rid, members: 1 };
                }
            }
            MsgClass::LastRequest => {
                let multi = t.rid == m.rid && t.members > 0;
                *t = PrgTrack::default();
                if multi {
                    self.cov.hit(const { SPEC.bin("prg.last_written.after_its_members") });
                } else {
                    self.cov.hit(const { SPEC.bin("prg.last_written.single_request") });
                }
            }
        }
    }

    fn on_committed(&mut self, r: &PrgResponse, src: RespSource, ev: &EdgeEvents, model: &PriqTiming) {
        match src {
            RespSource::Software => self.cov.hit(const { SPEC.bin("egress.commit.software") }),
            RespSource::Auto => {
                self.cov.hit(const { SPEC.bin("egress.commit.auto") });
                // Software FIFO length before the edge: now, minus a push at this edge.
                if model.sw_len() > usize::from(ev.sw_pushed.is_some()) {
                    self.cov.hit(const { SPEC.bin("egress.commit.auto_while_software_waits") });
                }
                let code = usize::from(r.code != RespCode::Success);
                let pv = usize::from(!r.pv);
                self.cov.cross(const { SPEC.cross("auto_response.committed") }, &[code, pv]);
            }
        }
    }

    /// The event queue's part of an edge (groups `evtq` and `stalls`).
    fn on_evtq(&mut self, ev: &EdgeEvents, model: &PriqTiming) {
        let e = &ev.evtq;
        let q = model.evtq();
        if let Some((input, stag)) = e.accepted {
            self.cov.hit_value(const { SPEC.point("evtq.event_id") }, u64::from(input.id));
            if stag.is_some() {
                self.cov.hit(const { SPEC.bin("stalls.table.accepted") });
                if q.outstanding() >= model.params().stall_max as usize {
                    self.cov.hit(const { SPEC.bin("stalls.table.stall_max_reached") });
                }
            }
        }
        if let Some((row, input, _)) = e.decided {
            self.on_ev_decided(row, &input, model);
        }
        if let Some(index) = e.written {
            let ring = q.ring();
            if index == ring.entries() - 1 {
                self.cov.hit(const { SPEC.bin("evtq.delivery.wrapped") });
            }
            if ring.full(q.prod(), q.cons()) {
                self.cov.hit(const { SPEC.bin("evtq.delivery.became_full") });
            }
        }
        if e.write_aborted.is_some() {
            self.cov.hit(const { SPEC.bin("evtq.abort.write_aborted") });
        }
        if e.irq_trigger {
            let b = if model.outputs().irq_evtq { const { SPEC.bin("evtq.irq.pulsed") } } else { const { SPEC.bin("evtq.irq.masked") } };
            self.cov.hit(b);
        }
        if e.taken.is_some() {
            self.cov.hit(const { SPEC.bin("stalls.table.resolution_taken") });
        }
        let resolving = e.resolving.count_ones();
        match ev.cmd.map(|c| c.effect) {
            Some(CmdEffect::Resume { action, .. }) => {
                let b = match (resolving, action) {
                    (0, _) => const { SPEC.bin("stalls.resume.no_match") },
                    (_, StallAction::Retry) => const { SPEC.bin("stalls.resume.retry") },
                    (_, StallAction::Abort) => const { SPEC.bin("stalls.resume.abort") },
                    (_, StallAction::RazWi) => const { SPEC.bin("stalls.resume.raz_wi") },
                };
                self.cov.hit(b);
            }
            Some(CmdEffect::StallTerm { .. }) => {
                let b = match resolving {
                    0 => const { SPEC.bin("stalls.stall_term.none") },
                    1 => const { SPEC.bin("stalls.stall_term.one") },
                    _ => const { SPEC.bin("stalls.stall_term.many") },
                };
                self.cov.hit(b);
            }
            Some(CmdEffect::Sync) if !ev.sync_completed => {
                self.state.sync_records = q.in_flight() > 0;
                self.state.sync_resolutions = q.resolving_any();
            }
            _ => {}
        }
        if resolving > 0 && model.cr0ack() & regs::CR0_SMMUEN == 0 {
            self.cov.hit(const { SPEC.bin("stalls.table.aborted_by_smmuen0") });
        }
    }

    fn on_ev_decided(&mut self, row: EvRow, input: &EventInput, model: &PriqTiming) {
        let kind = usize::from(input.is_stall());
        let state = |why: Unwritable| match why {
            Unwritable::Full => 1,
            Unwritable::Disabled => 2,
            Unwritable::AbortError => 3,
        };
        let held = self.state.ev_held;
        self.state.ev_held = false;
        let st = match row {
            EvRow::Write => {
                if model.evtq().overflow_active() {
                    self.cov.hit(const { SPEC.bin("evtq.delivery.written_overflow_active") });
                }
                if held && input.is_stall() {
                    self.cov.hit(const { SPEC.bin("evtq.delivery.held_record_written") });
                }
                let rec = const { SPEC.point("evtq.record") };
                if input.id == C_BAD_SUBSTREAMID {
                    self.cov.hit(rec.bin(2));
                } else {
                    self.cov.hit(rec.bin(usize::from(!input.ssv)));
                }
                if input.ind && !input.rnw {
                    self.cov.hit(rec.bin(3));
                }
                if input.stall && !input.is_stall() {
                    self.cov.hit(rec.bin(4));
                }
                if input.s2 {
                    self.cov.hit(rec.bin(5));
                }
                0
            }
            EvRow::Hold(why) => {
                self.state.ev_held = true;
                if model.evtq().ingress_len() > 1 {
                    self.cov.hit(const { SPEC.bin("evtq.delivery.later_records_wait") });
                }
                state(why)
            }
            EvRow::StallAborted(why) => {
                self.cov.hit(const { SPEC.bin("evtq.delivery.stall_record_discarded_smmuen0") });
                state(why)
            }
            EvRow::Discard { why, toggle } => {
                if toggle {
                    self.cov.hit(const { SPEC.bin("evtq.delivery.ovflg_toggled") });
                } else if why == Unwritable::Full {
                    self.cov.hit(const { SPEC.bin("evtq.delivery.discarded_overflow_active") });
                }
                state(why)
            }
        };
        self.cov.cross(const { SPEC.cross("evtq.kind_x_state") }, &[kind, st]);
    }
}

/// The bins sampled from a classification of what the block did with a message or a command:
/// the timed model's events classify under lockstep and checkers mode, the ordered judge
/// (`super::ordered`) classifies the DUT's own transactions under ordered compare. Both call
/// these functions, so the two sources count alike (`tests/coverage_from_dut.rs`).
pub mod classified {
    use super::{msg_kind, row_index, SPEC};
    use crate::coverage::Sampler;
    use models::pcie::{PageRequest, RespCode};
    use models::smmuv3::arch::{CmdEffect, Row};
    use models::smmuv3::cmd::{OP_PRI_RESP, OP_SYNC};

    /// The full names (or name prefixes) of the classified bins.
    pub const BINS: &[&str] = &[
        "admission.",
        "auto_response.origin.",
        "overflow.event.ovflg_toggled",
        "abort.event.write_aborted",
        "commands.outcome.pri_resp_",
        "commands.outcome.sync",
        "commands.outcome.noop_opcode",
        "commands.outcome.undefined_opcode_illegal",
    ];

    /// A message decided in `row` (SMMU-PRIQ-12).
    #[inline]
    pub fn decided(cov: &mut Sampler, row: Row, msg: &PageRequest) {
        cov.cross(const { SPEC.cross("admission.row_x_msg") }, &[row_index(row), msg_kind(msg)]);
    }

    /// An automatic response made by a decision in `row`, or by a write abort (`None`).
    #[inline]
    pub fn auto_origin(cov: &mut Sampler, row: Option<Row>) {
        cov.hit(match row {
            Some(Row::A_Disabled) => const { SPEC.bin("auto_response.origin.row_a") },
            Some(Row::B_OverflowActive) => const { SPEC.bin("auto_response.origin.row_b") },
            Some(Row::C_Full) => const { SPEC.bin("auto_response.origin.row_c") },
            Some(Row::D_Write) | None => const { SPEC.bin("auto_response.origin.write_abort") },
        });
    }

    /// OVFLG toggled by a row-c discard (SMMU-PRIQ-7).
    #[inline]
    pub fn ovflg_toggled(cov: &mut Sampler) {
        cov.hit(const { SPEC.bin("overflow.event.ovflg_toggled") });
    }

    /// An entry write acknowledged with an error (SMMU-PRIQ-16).
    #[inline]
    pub fn write_aborted(cov: &mut Sampler) {
        cov.hit(const { SPEC.bin("abort.event.write_aborted") });
    }

    /// A command taken, by its effect (stall commands are sampled with their resolutions).
    #[inline]
    pub fn command(cov: &mut Sampler, opcode: u8, effect: CmdEffect) {
        let b = match effect {
            CmdEffect::Respond(r) => match r.code {
                RespCode::ResponseFailure => const { SPEC.bin("commands.outcome.pri_resp_0_failure") },
                RespCode::InvalidRequest => const { SPEC.bin("commands.outcome.pri_resp_1_invalid") },
                _ => const { SPEC.bin("commands.outcome.pri_resp_2_success") },
            },
            CmdEffect::Ignored => const { SPEC.bin("commands.outcome.pri_resp_smmuen0_ignored") },
            CmdEffect::Sync => const { SPEC.bin("commands.outcome.sync") },
            CmdEffect::NoOp => const { SPEC.bin("commands.outcome.noop_opcode") },
            CmdEffect::Resume { .. } | CmdEffect::StallTerm { .. } => return,
            CmdEffect::Illegal if opcode == OP_PRI_RESP => const { SPEC.bin("commands.outcome.pri_resp_3_illegal") },
            CmdEffect::Illegal if opcode == OP_SYNC => const { SPEC.bin("commands.outcome.sync_cs3_illegal") },
            CmdEffect::Illegal => const { SPEC.bin("commands.outcome.undefined_opcode_illegal") },
        };
        cov.hit(b);
    }
}

impl crate::observe::TxnCoverage for Smmuv3Coverage {
    fn on_txn(&mut self, t: &Stamped) {
        // Register and memory traffic has no bins here: skip it before any lookup (hot path).
        if !matches!(t.txn, Txn::RegRead { .. } | Txn::RegWrite { .. } | Txn::MemWrite { .. } | Txn::MemAck { .. }) {
            self.sample_txn(t);
            if let Some(i) = crate::host_paths::coverage::event_bin(&t.txn) {
                self.cov.hit(const { SPEC.point("host_paths.event") }.bin(i));
            }
        }
    }
}
