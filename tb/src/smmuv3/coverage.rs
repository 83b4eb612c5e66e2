//! SMMUv3 PRIQ coverage model: bins of the PRI queue block, each naming the rules it evidences,
//! sampled from the timed model's per-edge events (`EdgeEvents`), from the port handshakes of the
//! cycle (`on_inputs`, for back-pressure) and from interface transactions (`on_txn`).
//!
//! Only what this RTL can do has a bin: the event queue (SMMU-EVTQ-*) and stalls (SMMU-CMD-7,
//! SMMU-CMD-8) have none, so those rules are reported as not applicable.
//!
//! Sampling never allocates: every bin id is resolved when the definition is built, and the only
//! state kept between edges is a few words plus a fixed 512-entry PRG table allocated in `new`.

use crate::coverage::data::CoverData;
use crate::coverage::def::{Bin, BinId, CoverDef, Cross, CrossId, DefBuilder, Group, Point, PointId};
use crate::txn::{Stamped, Txn};
use models::pcie::{MsgClass, PageRequest, RespCode};
use models::ring::FLAG_BIT;
use models::rules::*;
use models::smmuv3::arch::{CmdEffect, Row};
use models::smmuv3::cmd::{OP_PRI_RESP, OP_SYNC};
use models::smmuv3::regs;
use models::smmuv3::timing::{EdgeEvents, PriqInputs, PriqTiming, RegAccess, RespSource};
use std::sync::OnceLock;

/// Name of the definition (and of its serialized data).
pub const DEFINITION: &str = "smmuv3_priq";

/// Bin ids and points the sampler uses, resolved once with the definition.
struct Ids {
    row_x_msg: CrossId,
    log2size: PointId,
    log2size_x_wrap: CrossId,
    prgi: PointId,
    pasid: PointId,
    perm: PointId,
    access: PointId,
    page: PointId,
    fill_full: BinId,
    fill_drained: BinId,
    ov_toggled: BinId,
    ov_inhibited_not_full: BinId,
    ov_inhibited_full: BinId,
    ov_cons_keeps: BinId,
    ov_cons_acks: BinId,
    ov_resumed: BinId,
    origin: [BinId; 4],
    code_x_pv: CrossId,
    silent_l0: BinId,
    silent_stop_marker: BinId,
    commit_auto: BinId,
    commit_software: BinId,
    commit_auto_while_software: BinId,
    sent_success: BinId,
    sent_invalid: BinId,
    sent_failure: BinId,
    bp_ingress: BinId,
    bp_mem_write: BinId,
    bp_mem_ack: BinId,
    bp_egress: BinId,
    cmd_resp: [BinId; 3],
    cmd_resp_illegal: BinId,
    cmd_ignored: BinId,
    cmd_sync: BinId,
    cmd_sync_illegal: BinId,
    cmd_noop: BinId,
    cmd_undefined: BinId,
    cmd_sync_completed: BinId,
    cmd_sync_waited: BinId,
    cmd_stalled_err: BinId,
    irq_cause_x_pulse: CrossId,
    gerror: [BinId; 4],
    reg_base_applied: BinId,
    reg_base_ignored: BinId,
    reg_prod_applied: BinId,
    reg_prod_ignored: BinId,
    reg_cons_enabled: BinId,
    cr0ack_rise: BinId,
    cr0ack_fall: BinId,
    cr0ack_held: BinId,
    abort_written: BinId,
    abort_row_a: BinId,
    prg_multi: BinId,
    prg_single: BinId,
    /// PCIe PRI lifecycle reported by the harness (stop-PASID, release, reset).
    pri: [BinId; 9],
}

struct Model {
    def: CoverDef,
    ids: Ids,
}

fn build() -> Model {
    let mut b = DefBuilder::new(DEFINITION);

    // ---- admission: which row decides which kind of message (smmuv3.md §5) --------------------
    let g = b.group(Group::new("admission").goal(90.0));
    let row = b.point(
        g,
        Point::new("row").bins([
            Bin::event("a").rules(&[SMMU_PRIQ_5, DEC_2, SMMU_PRIQ_12]),
            Bin::event("b").rules(&[SMMU_PRIQ_6, SMMU_PRIQ_8, SMMU_PRIQ_12]),
            Bin::event("c").rules(&[SMMU_PRIQ_7, SMMU_PRIQ_12]),
            Bin::event("d").rules(&[SMMU_PRIQ_3, SMMU_PRIQ_12]),
        ]),
    );
    let msg = b.point(
        g,
        Point::new("msg").bins([
            Bin::event("l0_pasid").rules(&[PRI_4]),
            Bin::event("l0_nopasid").rules(&[PRI_4]),
            Bin::event("l1_pasid").rules(&[PRI_4]),
            Bin::event("l1_nopasid").rules(&[PRI_4]),
            Bin::event("stop_marker").rules(&[PRI_4, PRI_2, DEC_1, SMMU_PRIQ_11]),
            Bin::event("l1_nopasid_rw0").rules(&[PRI_4, PRI_3, DEC_1]),
        ]),
    );
    let row_x_msg = b.cross(g, Cross::new("row_x_msg", &[row, msg]));

    // ---- queue geometry and pointers (SMMU-PRIQ-1, SMMU-PRIQ-2) ---------------------------------
    let g = b.group(Group::new("queue").goal(80.0));
    let log2size = b.point(
        g,
        Point::new("log2size").weight(0).bins([
            Bin::value("n0", 0).rules(&[SMMU_PRIQ_1]),
            Bin::value("n1", 1).rules(&[SMMU_PRIQ_1]),
            Bin::range("n2_3", 2, 3).rules(&[SMMU_PRIQ_1]),
            Bin::range("n4_7", 4, 7).rules(&[SMMU_PRIQ_1]),
            Bin::range("n8_up", 8, 19).rules(&[SMMU_PRIQ_1]),
        ]),
    );
    let wrap = b.point(
        g,
        Point::new("wrap").weight(0).bins([
            Bin::value("kept", 0).rules(&[SMMU_PRIQ_2]),
            Bin::value("toggled", 1).rules(&[SMMU_PRIQ_2]),
        ]),
    );
    // With one slot every write toggles the wrap bit.
    let log2size_x_wrap = b.cross(
        g,
        Cross::new("log2size_x_wrap", &[log2size, wrap]).ignore(&["n0", "kept"]),
    );
    let (_, [fill_full, fill_drained]) = b.event_point(
        g,
        "fill",
        [
            ("became_full", &[SMMU_PRIQ_2]),
            ("drained_to_empty", &[SMMU_PRIQ_2]),
        ],
    );

    // ---- entry fields, sampled when an entry is written (SMMU-PRIQ-4) --------------------------
    let g = b.group(Group::new("entry").goal(90.0));
    let prgi = b.point(
        g,
        Point::new("prgi").bins([
            Bin::value("zero", 0).rules(&[SMMU_PRIQ_4]),
            Bin::range("mid", 1, 510).rules(&[SMMU_PRIQ_4]),
            Bin::value("max", 511).rules(&[SMMU_PRIQ_4]),
        ]),
    );
    let pasid = b.point(
        g,
        Point::new("pasid").bins([
            Bin::event("none").rules(&[SMMU_PRIQ_4]),
            Bin::range("below_max", 0, 0xF_FFFE).rules(&[SMMU_PRIQ_4]),
            Bin::value("max", 0xF_FFFF).rules(&[SMMU_PRIQ_4]),
        ]),
    );
    // Exe/Priv of PASID requests: value exe << 1 | priv.
    let perm = b.point(
        g,
        Point::new("perm").bins([
            Bin::value("none", 0).rules(&[SMMU_PRIQ_4]),
            Bin::value("priv", 1).rules(&[SMMU_PRIQ_4]),
            Bin::value("exe", 2).rules(&[SMMU_PRIQ_4]),
            Bin::value("exe_priv", 3).rules(&[SMMU_PRIQ_4]),
        ]),
    );
    // R/W: value r << 1 | w.
    let access = b.point(
        g,
        Point::new("access").bins([
            Bin::value("none", 0).rules(&[SMMU_PRIQ_4]),
            Bin::value("w", 1).rules(&[SMMU_PRIQ_4]),
            Bin::value("r", 2).rules(&[SMMU_PRIQ_4]),
            Bin::value("rw", 3).rules(&[SMMU_PRIQ_4]),
        ]),
    );
    let page = b.point(
        g,
        Point::new("page").bins([
            Bin::range("below_max", 0, (1 << 52) - 2).rules(&[SMMU_PRIQ_4]),
            Bin::value("max", (1 << 52) - 1).rules(&[SMMU_PRIQ_4]),
        ]),
    );

    // ---- overflow, inhibition and its acknowledgement ---------------------------------------
    let g = b.group(Group::new("overflow"));
    let (_, [ov_toggled, ov_inhibited_not_full, ov_inhibited_full, ov_cons_keeps, ov_cons_acks, ov_resumed]) =
        b.event_point(
            g,
            "event",
            [
                ("ovflg_toggled", &[SMMU_PRIQ_7]),
                ("inhibited_not_full", &[SMMU_PRIQ_8, SMMU_PRIQ_6]),
                ("inhibited_full", &[SMMU_PRIQ_6]),
                ("cons_keeps_ovackflg", &[SMMU_PRIQ_9, HOST_16]),
                ("cons_acknowledges", &[SMMU_PRIQ_9, HOST_16]),
                ("written_after_ack", &[SMMU_PRIQ_9]),
            ],
        );

    // ---- automatic responses (SMMU-PRIQ-10, DEC-2, DEC-3) ----------------------------------------
    let g = b.group(Group::new("auto_response"));
    let (_, origin) = b.event_point(
        g,
        "origin",
        [
            ("row_a", &[SMMU_PRIQ_5, DEC_2, SMMU_PRIQ_10]),
            ("row_b", &[SMMU_PRIQ_6, DEC_3, SMMU_PRIQ_10]),
            ("row_c", &[SMMU_PRIQ_7, DEC_3, SMMU_PRIQ_10]),
            ("write_abort", &[SMMU_PRIQ_16, DEC_2, SMMU_PRIQ_10]),
        ],
    );
    let code = b.point(
        g,
        Point::new("code").weight(0).bins([
            Bin::event("success").rules(&[DEC_3]),
            Bin::event("failure").rules(&[DEC_2]),
        ]),
    );
    let pv = b.point(
        g,
        Point::new("pv").weight(0).bins([
            Bin::event("pasid").rules(&[SMMU_PRIQ_10]),
            Bin::event("nopasid").rules(&[SMMU_PRIQ_10]),
        ]),
    );
    // DEC-2: a Response Failure never carries a PASID.
    let code_x_pv = b.cross(
        g,
        Cross::new("committed", &[code, pv])
            .ignore(&["failure", "pasid"])
            .rules(&[DEC_12]),
    );
    let (_, [silent_l0, silent_stop_marker]) = b.event_point(
        g,
        "unanswered",
        [
            ("l0_discarded", &[SMMU_PRIQ_5, SMMU_PRIQ_6, SMMU_PRIQ_7]),
            ("stop_marker_discarded", &[PRI_17, SMMU_PRIQ_11, DEC_1]),
        ],
    );

    // ---- the single response egress (DEC-12) -----------------------------------------------------
    let g = b.group(Group::new("egress"));
    let (_, [commit_auto, commit_software, commit_auto_while_software]) = b.event_point(
        g,
        "commit",
        [
            ("auto", &[DEC_12, SMMU_PRIQ_12]),
            ("software", &[DEC_12, SMMU_CMD_6]),
            ("auto_while_software_waits", &[DEC_12, SMMU_PRIQ_12, SMMU_CMD_6]),
        ],
    );
    let (_, [sent_success, sent_invalid, sent_failure]) = b.event_point(
        g,
        "sent",
        [
            ("success", &[PRI_16]),
            ("invalid_request", &[PRI_16]),
            ("response_failure", &[]),
        ],
    );

    // ---- back-pressure at every interface ----------------------------------------------------------
    let g = b.group(Group::new("backpressure"));
    let (_, [bp_ingress, bp_mem_write, bp_mem_ack, bp_egress]) = b.event_point(
        g,
        "stall",
        [
            ("ingress", &[SMMU_PRIQ_12]),
            ("memory_write", &[SMMU_PRIQ_3]),
            ("memory_ack", &[SMMU_PRIQ_3]),
            ("egress", &[DEC_12]),
        ],
    );

    // ---- commands (SMMU-CMD-*) ------------------------------------------------------------------
    let g = b.group(Group::new("commands"));
    let (_, [r_rf, r_ir, r_ok, cmd_resp_illegal, cmd_ignored, cmd_sync, cmd_sync_illegal, cmd_noop, cmd_undefined]) =
        b.event_point(
            g,
            "outcome",
            [
                ("pri_resp_0_failure", &[SMMU_CMD_3]),
                ("pri_resp_1_invalid", &[SMMU_CMD_3]),
                ("pri_resp_2_success", &[SMMU_CMD_3]),
                ("pri_resp_3_illegal", &[SMMU_CMD_4, SMMU_CMD_2, DEC_4]),
                ("pri_resp_smmuen0_ignored", &[SMMU_CMD_5]),
                ("sync", &[SMMU_CMD_9]),
                ("sync_cs3_illegal", &[SMMU_CMD_9, SMMU_CMD_2]),
                ("noop_opcode", &[SMMU_CMD_1]),
                ("undefined_opcode_illegal", &[SMMU_CMD_1, SMMU_CMD_2]),
            ],
        );
    let (_, [cmd_sync_completed, cmd_sync_waited, cmd_stalled_err]) = b.event_point(
        g,
        "flow",
        [
            ("sync_completed", &[SMMU_CMD_9, SMMU_CMD_10]),
            ("sync_waited_for_responses", &[SMMU_CMD_9]),
            ("stalled_by_cmdq_err", &[SMMU_CMD_2]),
        ],
    );

    // ---- interrupts (SMMU-PRIQ-13, SMMU-CMD-11) ---------------------------------------------------
    let g = b.group(Group::new("interrupts"));
    let cause = b.point(
        g,
        Point::new("priq_trigger").weight(0).bins([
            Bin::event("lo0_write_into_empty").rules(&[SMMU_PRIQ_13]),
            Bin::event("lo1_last_written").rules(&[SMMU_PRIQ_13]),
            Bin::event("lo1_last_discarded").rules(&[SMMU_PRIQ_13]),
        ]),
    );
    let pulse = b.point(
        g,
        Point::new("priq_irqen").weight(0).bins([
            Bin::event("pulsed").rules(&[SMMU_PRIQ_13]),
            Bin::event("masked").rules(&[SMMU_PRIQ_13]),
        ]),
    );
    let irq_cause_x_pulse = b.cross(g, Cross::new("priq", &[cause, pulse]));
    let (_, gerror) = b.event_point(
        g,
        "gerror",
        [
            ("cmdq_err_pulsed", &[SMMU_CMD_11, SMMU_CMD_2]),
            ("cmdq_err_masked", &[SMMU_CMD_11, SMMU_CMD_2]),
            ("priq_abt_err_pulsed", &[SMMU_CMD_11, SMMU_PRIQ_16]),
            ("priq_abt_err_masked", &[SMMU_CMD_11, SMMU_PRIQ_16]),
        ],
    );

    // ---- registers (SMMU-PRIQ-14, SMMU-PRIQ-15) -----------------------------------------------------
    let g = b.group(Group::new("registers"));
    let (_, [reg_base_applied, reg_base_ignored, reg_prod_applied, reg_prod_ignored, reg_cons_enabled]) =
        b.event_point(
            g,
            "write",
            [
                ("base_while_disabled", &[SMMU_PRIQ_14]),
                ("base_gated", &[SMMU_PRIQ_14]),
                ("prod_while_disabled", &[SMMU_PRIQ_14]),
                ("prod_gated", &[SMMU_PRIQ_14]),
                ("cons_while_enabled", &[SMMU_PRIQ_14, SMMU_PRIQ_9]),
            ],
        );
    let (_, [cr0ack_rise, cr0ack_fall, cr0ack_held]) = b.event_point(
        g,
        "cr0ack",
        [
            ("enable_acknowledged", &[SMMU_PRIQ_15]),
            ("disable_acknowledged", &[SMMU_PRIQ_15]),
            ("held_while_engine_busy", &[SMMU_PRIQ_15]),
        ],
    );

    // ---- memory write errors (SMMU-PRIQ-16) -----------------------------------------------------------
    let g = b.group(Group::new("abort"));
    let (_, [abort_written, abort_row_a]) = b.event_point(
        g,
        "event",
        [
            ("write_aborted", &[SMMU_PRIQ_16]),
            ("row_a_while_priq_abt_err", &[SMMU_PRIQ_16, SMMU_PRIQ_5, DEC_2]),
        ],
    );

    // ---- PRG structure in the queue (PRI-31) -------------------------------------------------------
    let g = b.group(Group::new("prg"));
    let (_, [prg_multi, prg_single]) = b.event_point(
        g,
        "last_written",
        [("after_its_members", &[PRI_31]), ("single_request", &[])],
    );

    // ---- PCIe PRI lifecycle around the queue (pcie-pri.md §7, host-sw.md §5) ------------------------
    let g = b.group(Group::new("pri_lifecycle"));
    let (_, pri) = b.event_point(
        g,
        "event",
        [
            ("stop_requested_a", &[PRI_24, PRI_25]),
            ("stop_requested_b", &[PRI_24, PRI_26]),
            ("stop_complete", &[PRI_29, PRI_28]),
            ("stop_marker_accepted", &[PRI_2, PRI_17, PRI_27]),
            ("queue_drained", &[HOST_19, HOST_27]),
            ("pasid_freed", &[HOST_27]),
            ("pasid_rebound", &[HOST_28, PRI_30]),
            ("pri_reset", &[PRI_21]),
            ("response_failure_sent", &[PRI_19]),
        ],
    );

    let def = b.build().expect("the SMMUv3 coverage definition is well formed");
    let ids = Ids {
        row_x_msg,
        log2size,
        log2size_x_wrap,
        prgi,
        pasid,
        perm,
        access,
        page,
        fill_full,
        fill_drained,
        ov_toggled,
        ov_inhibited_not_full,
        ov_inhibited_full,
        ov_cons_keeps,
        ov_cons_acks,
        ov_resumed,
        origin,
        code_x_pv,
        silent_l0,
        silent_stop_marker,
        commit_auto,
        commit_software,
        commit_auto_while_software,
        sent_success,
        sent_invalid,
        sent_failure,
        bp_ingress,
        bp_mem_write,
        bp_mem_ack,
        bp_egress,
        cmd_resp: [r_rf, r_ir, r_ok],
        cmd_resp_illegal,
        cmd_ignored,
        cmd_sync,
        cmd_sync_illegal,
        cmd_noop,
        cmd_undefined,
        cmd_sync_completed,
        cmd_sync_waited,
        cmd_stalled_err,
        irq_cause_x_pulse,
        gerror,
        reg_base_applied,
        reg_base_ignored,
        reg_prod_applied,
        reg_prod_ignored,
        reg_cons_enabled,
        cr0ack_rise,
        cr0ack_fall,
        cr0ack_held,
        abort_written,
        abort_row_a,
        prg_multi,
        prg_single,
        pri,
    };
    Model { def, ids }
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(build)
}

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

/// The SMMUv3 PRIQ coverage collector of one run.
pub struct Smmuv3Coverage {
    m: &'static Model,
    data: CoverData,
    /// The message of the last row-d decision: the entry being written.
    writing: PageRequest,
    prev_prod: u32,
    prev_cons: u32,
    prev_cr0ack: u32,
    /// Edges since the last applied CR0 write.
    cr0_age: u64,
    ack_pending_resume: bool,
    prgs: Box<[PrgTrack; 512]>,
}

impl Default for Smmuv3Coverage {
    fn default() -> Self {
        Self::new()
    }
}

impl Smmuv3Coverage {
    pub fn new() -> Smmuv3Coverage {
        let m = model();
        Smmuv3Coverage {
            m,
            data: CoverData::new(&m.def),
            writing: PageRequest::default(),
            prev_prod: 0,
            prev_cons: 0,
            prev_cr0ack: 0,
            cr0_age: u64::MAX,
            ack_pending_resume: false,
            prgs: Box::new([PrgTrack::default(); 512]),
        }
    }

    /// The static definition (built once per process).
    pub fn definition() -> &'static CoverDef {
        &model().def
    }

    pub fn data(&self) -> &CoverData {
        &self.data
    }

    pub fn into_data(self) -> CoverData {
        self.data
    }

    #[inline(always)]
    fn hit(&mut self, b: BinId) {
        self.data.hit(b);
    }

    /// Back-pressure of the cycle: call with the inputs of the cycle *before* `model.step(inp)`,
    /// while `model.outputs()` still shows the outputs the handshakes are judged against.
    #[inline]
    pub fn on_inputs(&mut self, inp: &PriqInputs, model: &PriqTiming) {
        let o = model.outputs();
        let ids = &self.m.ids;
        if inp.pr_valid && !o.pr_ready {
            self.data.hit(ids.bp_ingress);
        }
        if o.mw_valid && !inp.mw_ready {
            self.data.hit(ids.bp_mem_write);
        }
        if o.mwack_ready && !inp.mwack_valid {
            self.data.hit(ids.bp_mem_ack);
        }
        if o.rsp_valid && !inp.rsp_ready {
            self.data.hit(ids.bp_egress);
        }
        if inp.cmd_valid && !o.cmd_ready && model.cmdq_err_active() {
            self.data.hit(ids.cmd_stalled_err);
        }
    }

    /// Sample one edge: call right after `model.step(..)` with `model.events()`.
    #[inline]
    pub fn on_edge(&mut self, ev: &EdgeEvents, model: &PriqTiming) {
        self.cr0_age = self.cr0_age.saturating_add(1);
        if let Some(reg) = ev.reg {
            self.on_reg(reg, model);
        }
        if let Some((row, msg)) = ev.decided {
            self.on_decided(row, &msg, ev, model);
        }
        if ev.ovflg_toggled {
            self.hit(self.m.ids.ov_toggled);
        }
        if let Some(index) = ev.written {
            self.on_written(index, model);
        }
        if ev.write_aborted.is_some() {
            self.hit(self.m.ids.abort_written);
        }
        if ev.auto_pushed.is_some() {
            let k = match ev.decided {
                Some((Row::A_Disabled, _)) => 0,
                Some((Row::B_OverflowActive, _)) => 1,
                Some((Row::C_Full, _)) => 2,
                _ => 3, // a write abort: no decision at that edge (engine busy)
            };
            self.hit(self.m.ids.origin[k]);
        }
        if let Some((r, src)) = ev.committed {
            self.on_committed(&r, src, ev, model);
        }
        if let Some(c) = ev.cmd {
            self.on_cmd(c.opcode, c.effect);
        }
        if ev.sync_completed {
            self.hit(self.m.ids.cmd_sync_completed);
            if !matches!(ev.cmd, Some(c) if c.effect == CmdEffect::Sync) {
                self.hit(self.m.ids.cmd_sync_waited);
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
            self.m.def.sample_cross(&mut self.data, self.m.ids.irq_cause_x_pulse, &[cause, pulse]);
        }
        if ev.gerror_activated != 0 {
            let masked = usize::from(!model.outputs().irq_gerror);
            if ev.gerror_activated & regs::GERROR_CMDQ_ERR != 0 {
                self.hit(self.m.ids.gerror[masked]);
            }
            if ev.gerror_activated & regs::GERROR_PRIQ_ABT_ERR != 0 {
                self.hit(self.m.ids.gerror[2 + masked]);
            }
        }
        if ev.cr0ack_changed {
            let now = model.cr0ack();
            if now & !self.prev_cr0ack & ENABLES != 0 {
                self.hit(self.m.ids.cr0ack_rise);
            }
            if self.prev_cr0ack & !now & ENABLES != 0 {
                self.hit(self.m.ids.cr0ack_fall);
            }
        }
        let held = model.cr0ack() & !model.cr0() & ENABLES;
        if held != 0 && self.cr0_age >= model.params().cr0ack_lat as u64 {
            // The delay line has delivered the disable, but CR0ACK keeps the enable: the
            // write engine is busy (SMMU-PRIQ-15).
            self.hit(self.m.ids.cr0ack_held);
        }
        self.prev_cr0ack = model.cr0ack();
        self.prev_prod = model.prod();
        self.prev_cons = model.cons();
    }

    /// Sample an interface transaction (responses that left at the PCIe egress).
    fn sample_txn(&mut self, t: &Stamped) {
        let pri = &self.m.ids.pri;
        let b = match t.txn {
            Txn::Response { rsp } => {
                if matches!(rsp.code, RespCode::ResponseFailure | RespCode::Reserved(_)) {
                    self.data.hit(pri[8]);
                }
                match rsp.code {
                    RespCode::Success => self.m.ids.sent_success,
                    RespCode::InvalidRequest => self.m.ids.sent_invalid,
                    _ => self.m.ids.sent_failure,
                }
            }
            Txn::StopRequested { variant: crate::txn::StopVariant::A, .. } => pri[0],
            Txn::StopRequested { variant: crate::txn::StopVariant::B, .. } => pri[1],
            Txn::StopComplete { .. } => pri[2],
            Txn::PageRequest { msg } if msg.class() == MsgClass::StopMarker => pri[3],
            Txn::QueueDrained { .. } => pri[4],
            Txn::PasidFreed { .. } => pri[5],
            Txn::PasidBound { .. } => pri[6],
            Txn::PriReset { .. } => pri[7],
            _ => return,
        };
        self.hit(b);
    }

    fn on_reg(&mut self, reg: RegAccess, model: &PriqTiming) {
        let RegAccess::Write { addr, data, applied } = reg else {
            return;
        };
        let ids = &self.m.ids;
        match (addr, applied) {
            (regs::CR0, true) => self.cr0_age = 0,
            (regs::PRIQ_BASE, true) => self.data.hit(ids.reg_base_applied),
            (regs::PRIQ_BASE, false) => self.data.hit(ids.reg_base_ignored),
            (regs::PRIQ_PROD, true) => self.data.hit(ids.reg_prod_applied),
            (regs::PRIQ_PROD, false) => self.data.hit(ids.reg_prod_ignored),
            (regs::PRIQ_CONS, true) => {
                if model.cr0ack() & regs::CR0_PRIQEN != 0 {
                    self.data.hit(ids.reg_cons_enabled);
                }
                let (prod, cons) = (self.prev_prod, self.prev_cons);
                if (prod ^ cons) & FLAG_BIT != 0 {
                    if (data as u32 ^ cons) & FLAG_BIT == 0 {
                        self.data.hit(ids.ov_cons_keeps);
                    } else {
                        self.data.hit(ids.ov_cons_acks);
                        self.ack_pending_resume = true;
                    }
                }
                let ring = model.ring();
                if !ring.empty(prod, cons) && ring.empty(model.prod(), model.cons()) {
                    self.data.hit(ids.fill_drained);
                }
            }
            _ => {}
        }
    }

    fn on_decided(&mut self, row: Row, msg: &PageRequest, ev: &EdgeEvents, model: &PriqTiming) {
        let ids = &self.m.ids;
        self.m.def.sample_cross(&mut self.data, ids.row_x_msg, &[row_index(row), msg_kind(msg)]);
        match row {
            Row::D_Write => {
                self.writing = *msg;
                if self.ack_pending_resume {
                    self.ack_pending_resume = false;
                    self.data.hit(ids.ov_resumed);
                }
                return;
            }
            Row::B_OverflowActive => {
                let full = model.ring().full(model.prod(), model.cons());
                self.data.hit(if full { ids.ov_inhibited_full } else { ids.ov_inhibited_not_full });
            }
            Row::A_Disabled => {
                let enabled = model.cr0ack() & ENABLES == ENABLES;
                if enabled && model.priq_abt_active() {
                    self.data.hit(ids.abort_row_a);
                }
            }
            Row::C_Full => {}
        }
        // Discarded: L=0 and Stop Markers get no response; a discarded L=1 ends its PRG here.
        match msg.class() {
            MsgClass::Request => self.data.hit(ids.silent_l0),
            MsgClass::StopMarker if ev.auto_pushed.is_none() => self.data.hit(ids.silent_stop_marker),
            MsgClass::LastRequest => self.prgs[usize::from(msg.prgi & 0x1FF)] = PrgTrack::default(),
            MsgClass::StopMarker => {}
        }
    }

    fn on_written(&mut self, index: u32, model: &PriqTiming) {
        let ids = &self.m.ids;
        let def = &self.m.def;
        let m = self.writing;
        let ring = model.ring();
        let toggled = usize::from(index == ring.entries() - 1);
        let size = def.point_value_bin(ids.log2size, u64::from(ring.n()));
        if let Some(size) = size {
            let k = size.index() - def.point_bin(ids.log2size, 0).index();
            def.sample_cross(&mut self.data, ids.log2size_x_wrap, &[k, toggled]);
        }
        if ring.full(model.prod(), model.cons()) {
            self.data.hit(ids.fill_full);
        }
        // Entry fields (SMMU-PRIQ-4).
        self.data.hit_opt(def.point_value_bin(ids.prgi, u64::from(m.prgi)));
        if m.pv {
            self.data.hit_opt(def.point_value_bin(ids.pasid, u64::from(m.pasid)));
            let perm = u64::from(m.exe) << 1 | u64::from(m.priv_);
            self.data.hit_opt(def.point_value_bin(ids.perm, perm));
        } else {
            self.data.hit(def.point_bin(ids.pasid, 0));
        }
        self.data.hit_opt(def.point_value_bin(ids.access, u64::from(m.r) << 1 | u64::from(m.w)));
        self.data.hit_opt(def.point_value_bin(ids.page, m.page));
        // PRG members in queue order (PRI-31).
        let t = &mut self.prgs[usize::from(m.prgi & 0x1FF)];
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
                self.data.hit(if multi { ids.prg_multi } else { ids.prg_single });
            }
        }
    }

    fn on_committed(
        &mut self,
        r: &models::pcie::PrgResponse,
        src: RespSource,
        ev: &EdgeEvents,
        model: &PriqTiming,
    ) {
        let ids = &self.m.ids;
        match src {
            RespSource::Software => self.data.hit(ids.commit_software),
            RespSource::Auto => {
                self.data.hit(ids.commit_auto);
                // Software FIFO length before the edge: now, minus a push at this edge.
                if model.sw_len() > usize::from(ev.sw_pushed.is_some()) {
                    self.data.hit(ids.commit_auto_while_software);
                }
                let code = usize::from(r.code != RespCode::Success);
                let pv = usize::from(!r.pv);
                self.m.def.sample_cross(&mut self.data, ids.code_x_pv, &[code, pv]);
            }
        }
    }

    fn on_cmd(&mut self, opcode: u8, effect: CmdEffect) {
        let ids = &self.m.ids;
        let b = match effect {
            CmdEffect::Respond(r) => match r.code {
                RespCode::ResponseFailure => ids.cmd_resp[0],
                RespCode::InvalidRequest => ids.cmd_resp[1],
                _ => ids.cmd_resp[2],
            },
            CmdEffect::Ignored => ids.cmd_ignored,
            CmdEffect::Sync => ids.cmd_sync,
            CmdEffect::NoOp => ids.cmd_noop,
            CmdEffect::Illegal if opcode == OP_PRI_RESP => ids.cmd_resp_illegal,
            CmdEffect::Illegal if opcode == OP_SYNC => ids.cmd_sync_illegal,
            CmdEffect::Illegal => ids.cmd_undefined,
        };
        self.data.hit(b);
    }
}

impl crate::observe::TxnCoverage for Smmuv3Coverage {
    fn on_txn(&mut self, t: &Stamped) {
        // Register and memory traffic has no bins here: skip it before any lookup (hot path).
        if !matches!(t.txn, Txn::RegRead { .. } | Txn::RegWrite { .. } | Txn::MemWrite { .. } | Txn::MemAck { .. }) {
            self.sample_txn(t);
        }
    }
}
