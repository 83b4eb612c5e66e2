//! VT-d coverage model of the top `vtd_prq`: bins of the page request queue, automatic responses,
//! event units, software descriptors, fault recording, the single response egress and
//! back-pressure, each naming the rules it evidences (`../shared/spec/vtd.md`, DEC-5..DEC-13).
//! Sampled from the timed model's per-edge events (`on_edge`), from the port handshakes of the
//! cycle (`on_inputs`, back-pressure) and from interface transactions (`on_txn`, responses sent).
//!
//! Only what this RTL can reach has a bin: PD=1 is always legal (ECAP.PDS=1), ICE/ITE never set,
//! there are no write errors (OP-5), so VTD-IQ-11 (a system rule) and those cases have none.
//!
//! Sampling never allocates: every bin id is resolved when the definition is built, and the
//! state kept between edges is a few words.

use crate::coverage::data::CoverData;
use crate::coverage::def::{Bin, BinId, CoverDef, Cross, CrossId, DefBuilder, Group, GroupId, Point, PointId};
use crate::txn::{Stamped, Txn};
use models::pcie::{MsgClass, PageRequest, RespCode};
use models::rules::*;
use models::vtd::arch::{FaultOutcome, Row};
use models::vtd::desc::{desc_type, InvWaitDsc, Invalid, TYPE_PAGE_GRP_RESP};
use models::vtd::regs;
use models::vtd::timing::{EdgeEvents, IqTake, Job, ReadHold, RegAccess, RespSource, Unit, VtdInputs, VtdTiming};
use std::sync::OnceLock;

/// Name of the definition (and of its serialized data).
pub const DEFINITION: &str = "vtd_prq";

/// Bin ids and points the sampler uses, resolved once with the definition.
struct Ids {
    row_x_msg: CrossId,
    became_full: BinId,
    wrapped: BinId,
    drained_to_empty: BinId,
    pro_sticky_with_room: BinId,
    pro_while_full: BinId,
    written_after_pro_cleared: BinId,
    pqs: PointId,
    auto_x_pv: CrossId,
    silent: CrossId,
    unit_x_outcome: CrossId,
    msi_written: [BinId; 3],
    pe_trigger_ppr: BinId,
    pe_trigger_pro: BinId,
    pe_ip_kept_one_source_left: BinId,
    taken: [BinId; 7],
    rc: [BinId; 4],
    pgr_pasid: [BinId; 2],
    wait_done: [BinId; 5],
    pd_drained_messages: BinId,
    waited_for_sw_response: BinId,
    held_by_wait: BinId,
    blocked_by_iqe: BinId,
    fault: [BinId; 5],
    fault_sw: [BinId; 3],
    record_and_invalid_request: BinId,
    commit: [BinId; 3],
    sent: [BinId; 4],
    stall: [BinId; 6],
    prs_w1c: [BinId; 2],
    pre_write: [BinId; 2],
    read_held: BinId,
    read_push: [BinId; 5],
    pectl_rsvdp: BinId,
    record_read: BinId,
    perm: PointId,
    access: PointId,
    prgi: PointId,
    pasid: PointId,
    exe_without_r: BinId,
}

struct Model {
    def: CoverDef,
    ids: Ids,
}

/// Builds the points of one group.
struct InGroup<'a> {
    b: &'a mut DefBuilder,
    g: GroupId,
}

impl InGroup<'_> {
    fn point(&mut self, p: Point) -> PointId {
        self.b.point(self.g, p)
    }

    /// An event point, one bin per `(name, rules)`; the bin ids in the same order.
    fn events<const N: usize>(&mut self, name: &str, bins: [(&str, &[RuleId]); N]) -> [BinId; N] {
        self.b.event_point(self.g, name, bins).1
    }

    fn cross(&mut self, c: Cross) -> CrossId {
        self.b.cross(self.g, c)
    }
}

fn in_group<'a>(b: &'a mut DefBuilder, g: Group) -> InGroup<'a> {
    let g = b.group(g);
    InGroup { b, g }
}

fn build() -> Model {
    let mut b = DefBuilder::new(DEFINITION);

    // ---- admission: which row decides which kind of message (vtd.md §4) ------------------------
    let mut g = in_group(&mut b, Group::new("admission").goal(90.0));
    let row = g.point(Point::new("row").bins([
        Bin::event("a").rules(&[VTD_PRQ_5, DEC_5]),
        Bin::event("b").rules(&[VTD_PRQ_6, VTD_PRQ_9]),
        Bin::event("c").rules(&[VTD_PRQ_7]),
        Bin::event("d").rules(&[VTD_PRQ_8, VTD_PRQ_11]),
    ]));
    let msg = g.point(Point::new("msg").bins([
        Bin::event("l0_pasid").rules(&[VTD_PRQ_11]),
        Bin::event("l0_nopasid").rules(&[VTD_PRQ_11]),
        Bin::event("l1_pasid").rules(&[VTD_PRQ_17, DEC_13]),
        Bin::event("l1_nopasid").rules(&[VTD_PRQ_17]),
        Bin::event("stop_marker").rules(&[VTD_PRQ_10, DEC_6]),
        Bin::event("l1_nopasid_rw0").rules(&[VTD_PRQ_10, DEC_1]),
    ]));
    let row_x_msg = g.cross(Cross::new("row_x_msg", &[row, msg]));

    // ---- PRQ fill, wrap and the sticky overflow (VTD-PRQ-1..3, -6, -9) ----------------------------
    let mut g = in_group(&mut b, Group::new("prq").goal(90.0));
    let [became_full, wrapped, drained_to_empty, pro_sticky_with_room, pro_while_full, written_after_pro_cleared] = g
        .events(
            "fill",
            [
                ("full_with_n_minus_1", &[VTD_PRQ_3]),
                ("pqt_wrapped", &[VTD_PRQ_1, VTD_PRQ_2]),
                ("pqh_drained_to_empty", &[VTD_PRQ_3]),
                ("pro_sticky_after_pqh_moved", &[VTD_PRQ_9, VTD_PRQ_6]),
                ("pro_while_full", &[VTD_PRQ_6]),
                ("written_after_pro_cleared", &[VTD_PRQ_9]),
            ],
        );
    let pqs = g.point(Point::new("pqs").weight(0).bins([
        Bin::value("pqs0_128_entries", 0).rules(&[VTD_PRQ_1]),
        Bin::range("pqs1_7", 1, 7).rules(&[VTD_PRQ_1]),
    ]));

    // ---- automatic responses (VTD-PRQ-5..7, -17, DEC-5..7, DEC-13) --------------------------------
    let mut g = in_group(&mut b, Group::new("auto_response").goal(90.0));
    let origin = g.point(Point::new("origin").bins([
        Bin::event("row_a_invalid_request").rules(&[VTD_PRQ_5, DEC_5, VTD_PRQ_17]),
        Bin::event("row_b_success").rules(&[VTD_PRQ_6, DEC_7, VTD_PRQ_17]),
        Bin::event("row_c_success").rules(&[VTD_PRQ_7, DEC_7, VTD_PRQ_17]),
    ]));
    let pv = g.point(Point::new("pv").weight(0).bins([
        Bin::event("pasid").rules(&[DEC_13]),
        Bin::event("nopasid").rules(&[DEC_13]),
    ]));
    let auto_x_pv = g.cross(Cross::new("auto", &[origin, pv]));
    let class = g.point(Point::new("dropped").weight(0).bins([
        Bin::event("l0").rules(&[DEC_6]),
        Bin::event("stop_marker").rules(&[DEC_6, VTD_PRQ_10]),
    ]));
    let drop_row = g.point(Point::new("drop_row").weight(0).bins([
        Bin::event("a").rules(&[VTD_PRQ_5]),
        Bin::event("b").rules(&[VTD_PRQ_6]),
        Bin::event("c").rules(&[VTD_PRQ_7]),
    ]));
    let silent = g.cross(Cross::new("unanswered", &[class, drop_row]));

    // ---- event units PE, FE, IE (VTD-PRQ-13, -14, VTD-FLT-6, VTD-IQ-8) --------------------------
    let mut g = in_group(&mut b, Group::new("events").goal(90.0));
    let unit = g.point(Point::new("unit").weight(0).bins([
        Bin::event("pe").rules(&[VTD_PRQ_13, VTD_PRQ_14]),
        Bin::event("fe").rules(&[VTD_FLT_6]),
        Bin::event("ie").rules(&[VTD_IQ_8]),
    ]));
    let outcome = g.point(Point::new("outcome").weight(0).bins([
        Bin::event("msi_on_condition"),
        Bin::event("ip_set_while_masked"),
        Bin::event("msi_on_im_clear").rules(&[VTD_PRQ_14]),
        Bin::event("ip_cleared_by_sources").rules(&[VTD_PRQ_14]),
    ]));
    let unit_x_outcome = g.cross(Cross::new("unit_x_outcome", &[unit, outcome]));
    let msi_written = g.events(
        "msi_written",
        [("pe", &[VTD_PRQ_13, VTD_PRQ_16, OP_7]), ("fe", &[VTD_FLT_6, OP_7]), ("ie", &[VTD_IQ_8, OP_7])],
    );
    let [pe_trigger_ppr, pe_trigger_pro, pe_ip_kept_one_source_left] = g.events(
        "pe",
        [
            ("ppr_set_by_descriptor", &[VTD_PRQ_13, VTD_PRQ_8]),
            ("pro_set_by_full", &[VTD_PRQ_13, VTD_PRQ_7]),
            ("ip_kept_one_source_left", &[VTD_PRQ_14]),
        ],
    );

    // ---- software descriptors (VTD-IQ-1..10, DEC-8..10) -------------------------------------------
    let mut g = in_group(&mut b, Group::new("descriptors").goal(90.0));
    let taken = g.events(
        "taken",
        [
            ("page_grp_resp_valid", &[VTD_IQ_3]),
            ("page_grp_resp_reserved_invalid", &[VTD_IQ_4, VTD_IQ_2]),
            ("page_grp_resp_pdp_invalid", &[VTD_IQ_4, DEC_9]),
            ("inv_wait_valid", &[VTD_IQ_1]),
            ("inv_wait_reserved_invalid", &[VTD_IQ_6, VTD_IQ_2]),
            ("no_effect_type", &[VTD_IQ_1, OP_10]),
            ("unknown_type_invalid", &[VTD_IQ_2, OP_10]),
        ],
    );
    let rc = g.events(
        "response_code",
        [
            ("success", &[VTD_IQ_3]),
            ("invalid_request", &[VTD_IQ_3]),
            ("response_failure", &[VTD_IQ_3]),
            ("reserved_forwarded", &[VTD_IQ_3, DEC_8]),
        ],
    );
    let pgr_pasid = g.events("response_pasid", [("pp1", &[VTD_IQ_3, DEC_13]), ("pp0", &[VTD_IQ_3, DEC_13])]);
    let wait_done = g.events(
        "wait_completed",
        [
            ("sw_status_write", &[VTD_IQ_8]),
            ("if_interrupt", &[VTD_IQ_8]),
            ("pd_drain", &[VTD_IQ_10, DEC_10]),
            ("fn_fence", &[VTD_IQ_9]),
            ("silent_sw0_if0", &[VTD_IQ_8]),
        ],
    );
    let [pd_drained_messages, waited_for_sw_response, held_by_wait, blocked_by_iqe] = g.events(
        "flow",
        [
            ("pd_wait_drains_messages", &[VTD_IQ_10, DEC_10]),
            ("wait_behind_software_response", &[VTD_IQ_7]),
            ("descriptor_held_by_wait", &[VTD_IQ_9]),
            ("descriptor_blocked_by_iqe", &[VTD_IQ_2]),
        ],
    );

    // ---- primary fault recording (VTD-FLT-1..7) ---------------------------------------------------
    let mut g = in_group(&mut b, Group::new("faults").goal(90.0));
    let fault = g.events(
        "outcome",
        [
            ("recorded", &[VTD_FLT_3, VTD_FLT_4]),
            ("recorded_sets_fri", &[VTD_FLT_4, VTD_FLT_1]),
            ("pfo_set_on_full_record", &[VTD_FLT_4]),
            ("dropped_while_pfo", &[VTD_FLT_4]),
            ("index_wrapped", &[VTD_FLT_4, VTD_FLT_5]),
        ],
    );
    let fault_sw = g.events(
        "software",
        [("record_cleared", &[VTD_FLT_5]), ("pfo_cleared", &[VTD_FLT_5]), ("iqe_cleared", &[VTD_IQ_2, VTD_FLT_1])],
    );
    let [record_and_invalid_request] = g.events("row_a", [("record_and_invalid_request", &[VTD_FLT_7, OP_13])]);

    // ---- the single response egress (DEC-12, OP-16) -----------------------------------------------
    let mut g = in_group(&mut b, Group::new("egress").goal(90.0));
    let commit = g.events(
        "commit",
        [
            ("auto", &[DEC_12, VTD_PRQ_17]),
            ("software", &[DEC_12, VTD_IQ_5]),
            ("auto_while_software_waits", &[DEC_12, OP_16, VTD_PRQ_17, VTD_IQ_5]),
        ],
    );
    let sent = g.events(
        "sent",
        [("success", &[PRI_16]), ("invalid_request", &[PRI_16]), ("response_failure", &[]), ("reserved", &[DEC_8])],
    );

    // ---- back-pressure at every port ----------------------------------------------------------------
    let mut g = in_group(&mut b, Group::new("backpressure"));
    let stall = g.events(
        "stall",
        [
            ("ingress", &[OP_15]),
            ("memory_write", &[VTD_PRQ_8]),
            ("memory_ack", &[VTD_PRQ_8]),
            ("egress", &[DEC_12]),
            ("descriptor", &[VTD_IQ_1]),
            ("register_read_held", &[VTD_PRQ_16]),
        ],
    );

    // ---- registers (VTD-PRQ-12, -16, -19) ---------------------------------------------------------
    let mut g = in_group(&mut b, Group::new("registers"));
    let prs_w1c = g.events("prs_w1c", [("ppr_cleared", &[VTD_PRQ_12]), ("pro_cleared", &[VTD_PRQ_12, VTD_PRQ_9])]);
    let pre_write = g.events("pre_table", [("entry_enabled", &[VTD_PRQ_19, DEC_5]), ("entry_disabled", &[VTD_PRQ_19, DEC_5])]);
    let [read_held, record_read] = g.events(
        "read",
        [("answered_after_descriptor", &[VTD_PRQ_16]), ("fault_record_with_f", &[VTD_FLT_2, VTD_FLT_3])],
    );
    let [pectl_rsvdp] = g.events("pectl", [("rsvdp_bits_written", &[VTD_PRQ_15])]);
    // A read held until an event MSI issued before it was acknowledged (rtl/README.md "Reads").
    let read_push = g.events(
        "read_pushes_msi",
        [
            ("prs_after_pe_msi_ack", &[VTD_PRQ_20]),
            ("pqt_after_pe_msi_ack", &[VTD_PRQ_20]),
            ("pectl_after_pe_msi_ack", &[VTD_PRQ_20]),
            ("fsts_after_fe_msi_ack", &[VTD_FLT_8]),
            ("fectl_after_fe_msi_ack", &[VTD_FLT_8]),
        ],
    );

    // ---- page_req_dsc fields, sampled at the row-d decision (VTD-PRQ-4, -18) ----------------------
    let mut g = in_group(&mut b, Group::new("descriptor_fields").goal(90.0));
    // Exe/Priv of PASID requests: value exe << 1 | priv.
    let perm = g.point(Point::new("perm").bins([
        Bin::value("none", 0).rules(&[VTD_PRQ_4]),
        Bin::value("priv", 1).rules(&[VTD_PRQ_4, VTD_PRQ_18]),
        Bin::value("exe", 2).rules(&[VTD_PRQ_4]),
        Bin::value("exe_priv", 3).rules(&[VTD_PRQ_4, VTD_PRQ_18]),
    ]));
    // R/W: value r << 1 | w.
    let access = g.point(Point::new("access").bins([
        Bin::value("none", 0).rules(&[VTD_PRQ_4, VTD_PRQ_10]),
        Bin::value("w", 1).rules(&[VTD_PRQ_4]),
        Bin::value("r", 2).rules(&[VTD_PRQ_4]),
        Bin::value("rw", 3).rules(&[VTD_PRQ_4]),
    ]));
    let prgi = g.point(Point::new("prgi").bins([
        Bin::value("zero", 0).rules(&[VTD_PRQ_4]),
        Bin::range("mid", 1, 510).rules(&[VTD_PRQ_4]),
        Bin::value("max", 511).rules(&[VTD_PRQ_4]),
    ]));
    let pasid = g.point(Point::new("pasid").bins([
        Bin::range("below_max", 0, 0xF_FFFE).rules(&[VTD_PRQ_4]),
        Bin::value("max", 0xF_FFFF).rules(&[VTD_PRQ_4]),
    ]));
    let [exe_without_r] = g.events("inconsistent", [("exe_without_read", &[VTD_PRQ_18])]);

    let def = b.build().expect("the VT-d coverage definition is well formed");
    let ids = Ids {
        row_x_msg,
        became_full,
        wrapped,
        drained_to_empty,
        pro_sticky_with_room,
        pro_while_full,
        written_after_pro_cleared,
        pqs,
        auto_x_pv,
        silent,
        unit_x_outcome,
        msi_written,
        pe_trigger_ppr,
        pe_trigger_pro,
        pe_ip_kept_one_source_left,
        taken,
        rc,
        pgr_pasid,
        wait_done,
        pd_drained_messages,
        waited_for_sw_response,
        held_by_wait,
        blocked_by_iqe,
        fault,
        fault_sw,
        record_and_invalid_request,
        commit,
        sent,
        stall,
        prs_w1c,
        pre_write,
        read_held,
        read_push,
        pectl_rsvdp,
        record_read,
        perm,
        access,
        prgi,
        pasid,
        exe_without_r,
    };
    Model { def, ids }
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(build)
}

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
        Before {
            prs: m.prs(),
            fsts: m.fsts(),
            pqh: m.pqh(),
            pqt: m.pqt(),
            ip: Unit::ALL.map(|u| m.ectl(u) & regs::ECTL_IP != 0),
        }
    }
}

/// The VT-d coverage collector of one run.
pub struct VtdCoverage {
    m: &'static Model,
    data: CoverData,
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

impl Default for VtdCoverage {
    fn default() -> Self {
        Self::new()
    }
}

impl VtdCoverage {
    /// The definition's name, as `DEFINITION`.
    pub const DEFINITION: &'static str = DEFINITION;

    pub fn new() -> VtdCoverage {
        let m = model();
        VtdCoverage {
            m,
            data: CoverData::new(&m.def),
            before: Before::default(),
            wait: None,
            offered: [0; 4],
            pro_cleared: false,
            recorded_last_index: false,
            read_hold: None,
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

    /// Back-pressure of the cycle: call with the inputs of the cycle *before* `model.step(inp)`,
    /// while `model.outputs()` still shows the outputs the handshakes are judged against.
    #[inline]
    pub fn on_inputs(&mut self, inp: &VtdInputs, model: &VtdTiming) {
        let o = model.outputs();
        let ids = &self.m.ids;
        self.offered = inp.iq_qw;
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
        for (&s, &b) in stalled.iter().zip(&ids.stall) {
            if s {
                self.data.hit(b);
            }
        }
        if inp.iq_valid && !o.iq_ready {
            if model.wait_active() {
                self.data.hit(ids.held_by_wait);
            }
            if model.fsts() & regs::FSTS_IQE != 0 {
                self.data.hit(ids.blocked_by_iqe);
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
            self.data.hit(self.m.ids.msi_written[u as usize]);
        }
        for u in Unit::ALL {
            self.on_unit(u, ev);
        }
        if let Some((addr, data)) = ev.read_answered {
            self.on_read(addr, data);
        }
        self.read_hold = ev.read_held.map(|(_, why)| why);
        self.before = Before::of(model);
    }

    fn on_reg(&mut self, reg: RegAccess, ev: &EdgeEvents, model: &VtdTiming) {
        let RegAccess::Write { addr, data } = reg else { return };
        let ids = &self.m.ids;
        let b = self.before;
        let w = data as u32;
        match addr {
            regs::PRS => {
                if w & b.prs & regs::PRS_PPR != 0 {
                    self.data.hit(ids.prs_w1c[0]);
                }
                if w & b.prs & regs::PRS_PRO != 0 {
                    self.data.hit(ids.prs_w1c[1]);
                    self.pro_cleared = true;
                }
                let pe_ip_kept = b.ip[Unit::Pe as usize] && !ev.unit(Unit::Pe).ip_cleared;
                if pe_ip_kept && w & b.prs != 0 && model.prs() & regs::PRS_MASK != 0 {
                    self.data.hit(ids.pe_ip_kept_one_source_left);
                }
            }
            regs::PECTL if w & regs::ECTL_RSVDP_MASK != 0 => self.data.hit(ids.pectl_rsvdp),
            regs::PQH => {
                let ring = models::vtd::regs::PrqRing::from_pqa(model.pqa());
                if !ring.empty(b.pqh, b.pqt) && ring.empty(model.pqh(), model.pqt()) {
                    self.data.hit(ids.drained_to_empty);
                }
            }
            regs::FSTS => {
                if w & b.fsts & regs::FSTS_PFO != 0 {
                    self.data.hit(ids.fault_sw[1]);
                }
                if w & b.fsts & regs::FSTS_IQE != 0 {
                    self.data.hit(ids.fault_sw[2]);
                }
            }
            a if a >= regs::PRE_BASE && (a - regs::PRE_BASE).is_multiple_of(regs::PRE_STRIDE) => {
                let enabled = data & regs::PRE_EN != 0;
                if ((a - regs::PRE_BASE) / regs::PRE_STRIDE) < model.params().pre_entries as u32 {
                    self.data.hit(ids.pre_write[usize::from(!enabled)]);
                }
            }
            a if a >= regs::FRCD_BASE && regs::frcd_write_clears_f((a - regs::FRCD_BASE) % 16, data) => {
                let i = (a - regs::FRCD_BASE) / 16;
                if i < model.faults().nr() && b.fsts & regs::FSTS_PPF != 0 {
                    self.data.hit(ids.fault_sw[0]);
                }
            }
            _ => {}
        }
    }

    fn on_read(&mut self, addr: u32, data: u64) {
        let ids = &self.m.ids;
        // The read was held at the last edge (one read at a time: it is this one).
        match self.read_hold {
            Some(ReadHold::Descriptor) => self.data.hit(ids.read_held),
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
                    self.data.hit(ids.read_push[k]);
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
            self.data.hit(ids.record_read);
        }
    }

    fn on_decided(&mut self, row: Row, msg: &PageRequest, ev: &EdgeEvents, model: &VtdTiming) {
        let ids = &self.m.ids;
        let def = &self.m.def;
        def.sample_cross(&mut self.data, ids.row_x_msg, &[row_index(row), msg_index(msg)]);
        let ring = models::vtd::regs::PrqRing::from_pqa(model.pqa());
        match row {
            Row::D_Write => {
                if std::mem::take(&mut self.pro_cleared) {
                    self.data.hit(ids.written_after_pro_cleared);
                }
                self.on_fields(msg);
                return;
            }
            Row::B_Overflow => {
                let full = ring.full(model.pqh(), model.pqt());
                self.data.hit(if full { ids.pro_while_full } else { ids.pro_sticky_with_room });
            }
            Row::C_Full => {
                let pe = ev.unit(Unit::Pe);
                if pe.msi_triggered || pe.ip_set {
                    self.data.hit(ids.pe_trigger_pro);
                }
            }
            Row::A_NotEnabled => {}
        }
        if let Some((_, rsp)) = ev.auto_pushed {
            let origin = match (row, rsp.code) {
                (Row::A_NotEnabled, RespCode::InvalidRequest) => 0,
                (Row::B_Overflow, RespCode::Success) => 1,
                (Row::C_Full, RespCode::Success) => 2,
                _ => return,
            };
            def.sample_cross(&mut self.data, ids.auto_x_pv, &[origin, usize::from(!rsp.pv)]);
        } else {
            let class = usize::from(msg.class() == MsgClass::StopMarker);
            if msg.class() != MsgClass::LastRequest {
                def.sample_cross(&mut self.data, ids.silent, &[class, row_index(row)]);
            }
        }
    }

    /// Fields of a message decided in row d, as its `page_req_dsc` carries them.
    fn on_fields(&mut self, m: &PageRequest) {
        let ids = &self.m.ids;
        let def = &self.m.def;
        self.data.hit_opt(def.point_value_bin(ids.access, u64::from(m.r) << 1 | u64::from(m.w)));
        self.data.hit_opt(def.point_value_bin(ids.prgi, u64::from(m.prgi)));
        if m.pv {
            self.data.hit_opt(def.point_value_bin(ids.perm, u64::from(m.exe) << 1 | u64::from(m.priv_)));
            self.data.hit_opt(def.point_value_bin(ids.pasid, u64::from(m.pasid)));
            if m.exe && !m.r {
                self.data.hit(ids.exe_without_r);
            }
        }
    }

    fn on_desc_ack(&mut self, pe_condition: bool, model: &VtdTiming) {
        let ids = &self.m.ids;
        let ring = models::vtd::regs::PrqRing::from_pqa(model.pqa());
        if ring.full(model.pqh(), model.pqt()) {
            self.data.hit(ids.became_full);
        }
        if ring.offset(model.pqt()) == 0 {
            self.data.hit(ids.wrapped);
        }
        self.data.hit_opt(self.m.def.point_value_bin(ids.pqs, u64::from(ring.pqs())));
        if pe_condition {
            self.data.hit(ids.pe_trigger_ppr);
        }
    }

    fn on_fault(&mut self, f: FaultOutcome, ev: &EdgeEvents, model: &VtdTiming) {
        let ids = &self.m.ids;
        let k = match f {
            FaultOutcome::Recorded { index } => {
                if self.before.fsts & regs::FSTS_PPF == 0 {
                    self.data.hit(ids.fault[1]);
                }
                if index == 0 && self.recorded_last_index {
                    self.data.hit(ids.fault[4]);
                }
                self.recorded_last_index = index + 1 == model.faults().nr();
                if ev.auto_pushed.is_some() {
                    self.data.hit(ids.record_and_invalid_request);
                }
                0
            }
            FaultOutcome::Overflow => 2,
            FaultOutcome::DroppedPfo => 3,
        };
        self.data.hit(ids.fault[k]);
    }

    fn on_taken(&mut self, t: &IqTake, model: &VtdTiming) {
        let ids = &self.m.ids;
        let k = match *t {
            IqTake::Response(r) => {
                self.data.hit(ids.rc[code_index(r.code)]);
                self.data.hit(ids.pgr_pasid[usize::from(!r.pv)]);
                0
            }
            IqTake::Wait { dsc, drain } => {
                self.wait = Some(dsc);
                if dsc.pd && drain > 0 {
                    self.data.hit(ids.pd_drained_messages);
                }
                if model.sw_len() > 0 {
                    self.data.hit(ids.waited_for_sw_response);
                }
                3
            }
            IqTake::NoEffect(_) => 5,
            IqTake::Invalid(Invalid::Reserved(r)) => {
                let pgr = desc_type(self.offered) == TYPE_PAGE_GRP_RESP;
                match (pgr, r[0] & (1 << 5) != 0) {
                    (true, true) => 2,
                    (true, false) => 1,
                    (false, _) => 4,
                }
            }
            IqTake::Invalid(_) => 6,
        };
        self.data.hit(ids.taken[k]);
    }

    fn on_wait_completed(&mut self) {
        let Some(w) = self.wait.take() else { return };
        let ids = &self.m.ids;
        for (on, b) in [(w.sw, 0), (w.if_, 1), (w.pd, 2), (w.fn_, 3), (!w.sw && !w.if_, 4)] {
            if on {
                self.data.hit(ids.wait_done[b]);
            }
        }
    }

    fn on_committed(&mut self, src: RespSource, ev: &EdgeEvents, model: &VtdTiming) {
        let ids = &self.m.ids;
        match src {
            RespSource::Software => self.data.hit(ids.commit[1]),
            RespSource::Auto(_) => {
                self.data.hit(ids.commit[0]);
                // Software FIFO length before the edge: now, minus a push at this edge.
                let pushed = matches!(ev.iq_taken, Some(IqTake::Response(_)));
                if model.sw_len() > usize::from(pushed) {
                    self.data.hit(ids.commit[2]);
                }
            }
        }
    }

    fn on_unit(&mut self, u: Unit, ev: &EdgeEvents) {
        let e = ev.unit(u);
        let outcome = match (e.msi_triggered, e.ip_set, e.ip_cleared) {
            (true, _, true) => 2,
            (true, _, false) => 0,
            (false, true, _) => 1,
            (false, false, true) => 3,
            (false, false, false) => return,
        };
        self.m.def.sample_cross(&mut self.data, self.m.ids.unit_x_outcome, &[u as usize, outcome]);
    }
}

impl crate::observe::TxnCoverage for VtdCoverage {
    fn on_txn(&mut self, t: &Stamped) {
        if let Txn::Response { rsp } = t.txn {
            self.data.hit(self.m.ids.sent[code_index(rsp.code)]);
        }
    }
}
