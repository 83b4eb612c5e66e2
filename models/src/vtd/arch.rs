//! VT-d protocol semantics without timing (vtd.md §4-§6; DEC-5..DEC-10, DEC-12, DEC-13).
//!
//! Pure functions decide what one message, one register write or one descriptor does:
//! - admission: `decide_row`, `auto_response`, `fault_record`, `page_req_write`;
//! - interrupt blocks (PECTL, FECTL, IECTL): `EventCtl`;
//! - small state machines that apply those functions atomically: `PrqState` (PRQ registers and the
//!   page request event), `FaultUnit` (primary fault recording and the fault event), `IqState`
//!   (descriptor port, waits, drain) and `Vtd`, which wires them together.
//!
//! "Atomically" means one call = one architectural step; the timing layer (rtl/README.md) splits
//! a step into its RTL phases (e.g. row d: write issued, write acknowledged, PQT advanced, PPR set,
//! VTD-PRQ-8) and calls the same pure functions at each phase. Rule → function map: `RULE_MAP`.

use super::desc::{self, InvWaitDsc, PageReqDsc, SwDesc, Words};
use super::regs::{self, FaultRecord, Msi, PrqRing};
use crate::pcie::{MsgClass, PageRequest, PrgResponse, RespCode};
use crate::rules::{self, RuleId};
use std::collections::VecDeque;

// =============================================================================================
// Admission (vtd.md §4, Table 30/31)
// =============================================================================================

/// Admission row of a message (vtd.md §4), first match wins.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Row {
    /// VTD-PRQ-5, DEC-5: the RID has PRE=0 (or no PRE-table entry). Fault 0x47.
    A_NotEnabled,
    /// VTD-PRQ-6, VTD-PRQ-9: PRS.PRO=1, everything discarded.
    B_Overflow,
    /// VTD-PRQ-7: PRQ full with PRO=0; PRO is set.
    C_Full,
    /// VTD-PRQ-8, VTD-PRQ-11: descriptor written, PQT advanced, PPR set.
    D_Write,
}

/// What a decision reads (at the decision point of rtl/README.md, OP-15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdmissionState {
    /// PRE bit of the message's RID; false for a RID with no entry (DEC-5).
    pub pre: bool,
    /// PRS.PRO.
    pub pro: bool,
    pub pqh: u64,
    pub pqt: u64,
    pub ring: PrqRing,
}

/// The admission row (VTD-PRQ-5..9; DEC-5 puts the PRE check first). PRI-4: the message's own
/// fields never change the row; only its RID selects the PRE bit.
pub fn decide_row(s: &AdmissionState) -> Row {
    if !s.pre {
        Row::A_NotEnabled
    } else if s.pro {
        Row::B_Overflow
    } else if s.ring.full(s.pqh, s.pqt) {
        Row::C_Full
    } else {
        Row::D_Write
    }
}

/// Is `rid` enabled by the PRE table (DEC-5, VTD-PRQ-19, OP-20 as recorded in rtl/README.md)?
/// `table` holds PRE[i] register values (RID [15:0], PRE [16]); a RID is enabled iff some entry
/// has PRE=1 and that RID. No entry, or only PRE=0 entries: disabled.
pub fn pre_enabled(table: &[u64], rid: u16) -> bool {
    table.iter().any(|&e| e & regs::PRE_EN != 0 && regs::pre_rid(e) == rid)
}

/// An "LPIG=1 request": L=1 and not a Stop Marker, PASID-less L=1 R=W=0 included (DEC-1,
/// VTD-PRQ-10).
pub fn is_last_request(m: &PageRequest) -> bool {
    m.class() == MsgClass::LastRequest
}

/// The automatic response of a message decided in `row` (Table 31; VTD-PRQ-5..7, VTD-PRQ-10,
/// VTD-PRQ-17): only LPIG=1 requests are answered; row a → Invalid Request (DEC-5), rows b and c →
/// Success (DEC-7), row d → none. RID, PRGI, PP (as PASID presence) and PASID are copied
/// (DEC-13). Stop Markers never get a response (DEC-6).
pub fn auto_response(row: Row, m: &PageRequest) -> Option<PrgResponse> {
    if !is_last_request(m) {
        return None;
    }
    let code = match row {
        Row::A_NotEnabled => RespCode::InvalidRequest,
        Row::B_Overflow | Row::C_Full => RespCode::Success,
        Row::D_Write => return None,
    };
    Some(PrgResponse { rid: m.rid, pv: m.pv, pasid: m.pasid, prgi: m.prgi, code }.at_interface())
}

/// FRCD.T2 for page-request faults (OP-14 default: T2=1 with T1=0 marks a page request).
pub const FAULT_T2_PAGE_REQUEST: bool = true;

/// The primary fault record of a row-a message (VTD-FLT-3, DEC-5): F=1, FR=0x47, SID=RID, T1=0,
/// T2 per OP-14, AT=0, PP=PV, PASID/EXE/PRIV when PP=1 (else 0), FI = page address [63:12].
/// Recorded for every message class, Stop Markers and LPIG=0 requests included.
pub fn fault_record(m: &PageRequest) -> FaultRecord {
    let m = m.at_interface();
    FaultRecord {
        f: true,
        t1: false,
        at: 0,
        pasid: m.pasid,
        fr: regs::FR_PRQ_NOT_ENABLED,
        pp: m.pv,
        exe: m.exe,
        priv_: m.priv_,
        t2: FAULT_T2_PAGE_REQUEST,
        sid: m.rid,
        fi: m.page,
    }
}

/// The row-d descriptor write (VTD-PRQ-1, VTD-PRQ-4, VTD-PRQ-8): address PQA base + PQT and the
/// encoded `page_req_dsc`. No consistency check of the PRG (VTD-PRQ-18).
pub fn page_req_write(ring: PrqRing, pqa: u64, pqt: u64, m: &PageRequest) -> (u64, Words) {
    (ring.entry_addr(pqa, pqt), PageReqDsc::encode_request(m))
}

// =============================================================================================
// Interrupt blocks: PECTL, FECTL, IECTL (VTD-PRQ-13..15, VTD-FLT-6, VTD-IQ-8)
// =============================================================================================

/// IM/IP of one event block (PECTL, FECTL, IECTL). IM resets to 1, IP to 0; [29:0] are RsvdP,
/// stored as written (VTD-PRQ-15 for PECTL; rtl/README.md keeps them in FECTL and IECTL too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventCtl {
    pub im: bool,
    pub ip: bool,
    /// Bits [29:0] as last written.
    pub rsvdp: u32,
}

impl Default for EventCtl {
    fn default() -> Self {
        EventCtl::RESET
    }
}

impl EventCtl {
    pub const RESET: EventCtl = EventCtl { im: true, ip: false, rsvdp: 0 };

    /// An event condition (VTD-PRQ-13). `already_pending` is true when a status bit that
    /// suppresses the event was 1 just before (PPR or PRO for the PRQ; PPF, PFO, IQE, ICE, ITE for
    /// faults; IWC for completions): then nothing happens. Otherwise IP is set and, with IM=0, the
    /// MSI is sent and IP cleared at once. Returns true when the MSI is sent.
    #[must_use]
    pub fn condition(&mut self, already_pending: bool) -> bool {
        if already_pending {
            return false;
        }
        self.ip = true;
        if !self.im {
            self.ip = false;
            true
        } else {
            false
        }
    }

    /// Software writes IM (VTD-PRQ-14): clearing IM while IP=1 sends the MSI and clears IP.
    /// Returns true when the MSI is sent.
    #[must_use]
    pub fn write_im(&mut self, im: bool) -> bool {
        self.im = im;
        if !im && self.ip {
            self.ip = false;
            true
        } else {
            false
        }
    }

    /// Software has cleared every source (PPR and PRO; PPF..ITE; IWC): IP clears, no MSI
    /// (VTD-PRQ-14, VTD-FLT-6, VTD-IQ-8). Call only when all sources are 0.
    pub fn sources_cleared(&mut self) {
        self.ip = false;
    }
    /// A software write of the whole register: IM [31] stored, IP [30] read-only, [29:0] stored
    /// (VTD-PRQ-15); clearing IM while IP=1 sends the MSI (VTD-PRQ-14). True when it is sent.
    #[must_use]
    pub fn write(&mut self, wdata: u32) -> bool {
        self.rsvdp = wdata & regs::ECTL_RSVDP_MASK;
        self.write_im(wdata & regs::ECTL_IM != 0)
    }

    /// The register as read: IM [31], IP [30], [29:0].
    pub fn bits(self) -> u32 {
        (u32::from(self.im) << 31) | (u32::from(self.ip) << 30) | self.rsvdp
    }
}

/// MSI address/data registers of one event block (xEDATA, xEADDR, xEUADDR), stored masked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MsiRegs {
    pub data: u32,
    pub addr: u32,
    pub uaddr: u32,
}

impl MsiRegs {
    pub fn msi(&self) -> Msi {
        regs::msi(self.addr, self.uaddr, self.data)
    }
}

// =============================================================================================
// PRQ state (vtd.md §2, §4; VTD-PRQ-1..18)
// =============================================================================================

/// The outcome of one message, all effects of its row applied at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Admission {
    pub row: Row,
    /// Row d: (address, descriptor) of the PRQ write (VTD-PRQ-8).
    pub write: Option<(u64, Words)>,
    /// Automatic response (VTD-PRQ-17).
    pub response: Option<PrgResponse>,
    /// Row a: the fault record to hand to the fault unit (VTD-FLT-3).
    pub fault: Option<FaultRecord>,
    /// Page request event MSI (VTD-PRQ-13).
    pub msi: Option<Msi>,
}

/// Architectural PRQ registers: PQH, PQT, PQA, PRS, PECTL and its MSI registers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrqState {
    /// Stored bits [18:5] only (VTD-PRQ-2).
    pub pqh: u64,
    pub pqt: u64,
    pub pqa: u64,
    /// PPR [0], PRO [1].
    pub prs: u32,
    pub pe: EventCtl,
    pub pe_msi: MsiRegs,
}

impl PrqState {
    pub fn ring(&self) -> PrqRing {
        PrqRing::from_pqa(self.pqa)
    }

    pub fn ppr(&self) -> bool {
        self.prs & regs::PRS_PPR != 0
    }

    pub fn pro(&self) -> bool {
        self.prs & regs::PRS_PRO != 0
    }

    /// PECTL as read: IM, IP, RsvdP [29:0].
    pub fn pectl(&self) -> u32 {
        self.pe.bits()
    }

    /// The admission state for a message whose RID has PRE = `pre`.
    pub fn admission_state(&self, pre: bool) -> AdmissionState {
        AdmissionState { pre, pro: self.pro(), pqh: self.pqh, pqt: self.pqt, ring: self.ring() }
    }

    /// Decide and apply one message (vtd.md §4):
    /// - row a: nothing changes here; the fault goes to `FaultUnit::record` (VTD-PRQ-5);
    /// - row b: nothing changes (VTD-PRQ-6, VTD-PRQ-9);
    /// - row c: PRO set, event if PPR and PRO were both 0 (VTD-PRQ-7, VTD-PRQ-13);
    /// - row d: descriptor written at base + PQT, PQT += 32 mod 32N, PPR set, event if PPR and
    ///   PRO were both 0 before this setting (VTD-PRQ-8, VTD-PRQ-11, VTD-PRQ-13).
    pub fn admit(&mut self, m: &PageRequest, pre: bool) -> Admission {
        let row = decide_row(&self.admission_state(pre));
        let mut a = Admission { row, write: None, response: auto_response(row, m), fault: None, msi: None };
        let pending_before = self.prs & regs::PRS_MASK != 0;
        match row {
            Row::A_NotEnabled => a.fault = Some(fault_record(m)),
            Row::B_Overflow => {}
            Row::C_Full => {
                self.prs |= regs::PRS_PRO;
                if self.pe.condition(pending_before) {
                    a.msi = Some(self.pe_msi.msi());
                }
            }
            Row::D_Write => {
                let ring = self.ring();
                a.write = Some(page_req_write(ring, self.pqa, self.pqt, m));
                self.pqt = ring.advance(self.pqt);
                self.prs |= regs::PRS_PPR;
                if self.pe.condition(pending_before) {
                    a.msi = Some(self.pe_msi.msi());
                }
            }
        }
        a
    }

    /// PQH write: bits [18:5] stored, others ignored (VTD-PRQ-2). Hardware never writes PQH.
    pub fn write_pqh(&mut self, v: u64) {
        self.pqh = v & regs::PQ_PTR_MASK;
    }

    /// PQT write by software (initialisation only, OP-11).
    pub fn write_pqt(&mut self, v: u64) {
        self.pqt = v & regs::PQ_PTR_MASK;
    }

    pub fn write_pqa(&mut self, v: u64) {
        self.pqa = v & (regs::PQA_BASE_MASK | regs::PQA_PQS_MASK);
    }

    /// PRS write: W1C (VTD-PRQ-12). If PPR and PRO are then both 0 while IP=1, IP clears without
    /// an MSI; clearing only one leaves IP set (VTD-PRQ-14).
    pub fn write_prs(&mut self, wdata: u32) {
        self.prs = regs::prs_write(self.prs, wdata);
        if self.prs == 0 {
            self.pe.sources_cleared();
        }
    }

    /// PECTL write: IM stored, IP read-only, [29:0] preserved as written (VTD-PRQ-15); clearing IM
    /// while IP=1 sends the MSI (VTD-PRQ-14).
    pub fn write_pectl(&mut self, wdata: u32) -> Option<Msi> {
        self.pe.write(wdata).then(|| self.pe_msi.msi())
    }

    pub fn write_pedata(&mut self, v: u32) {
        self.pe_msi.data = v & regs::EDATA_MASK;
    }

    pub fn write_peaddr(&mut self, v: u32) {
        self.pe_msi.addr = v & regs::EADDR_MASK;
    }

    pub fn write_peuaddr(&mut self, v: u32) {
        self.pe_msi.uaddr = v;
    }
}

// =============================================================================================
// Primary fault recording (vtd.md §6; VTD-FLT-1..6)
// =============================================================================================

/// What happened to one fault (VTD-FLT-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultOutcome {
    /// PFO was 1: dropped, no state change.
    DroppedPfo,
    /// F[idx] was 1: PFO set, fault dropped, no event (VTD-FLT-6).
    Overflow,
    /// Written at `index`; F set; FRI = index iff PPF was 0.
    Recorded { index: u32 },
}

/// Fault recording registers and the internal index (VTD-FLT-1..6). NR = CAP.NFR + 1 records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultUnit {
    records: Vec<FaultRecord>,
    /// Internal next-record index; resets to 0, wraps NR-1 → 0 (VTD-FLT-4, VTD-FLT-5).
    idx: u32,
    fri: u32,
    pub pfo: bool,
    pub iqe: bool,
    /// ICE and ITE are never set by this product; kept for the event conditions.
    pub ice: bool,
    pub ite: bool,
    pub fe: EventCtl,
    pub fe_msi: MsiRegs,
}

impl FaultUnit {
    pub fn new(nr: u32) -> FaultUnit {
        assert!((1..=256).contains(&nr), "fault record count {nr} not in 1..=256");
        FaultUnit {
            records: vec![FaultRecord::default(); nr as usize],
            idx: 0,
            fri: 0,
            pfo: false,
            iqe: false,
            ice: false,
            ite: false,
            fe: EventCtl::RESET,
            fe_msi: MsiRegs::default(),
        }
    }

    pub fn nr(&self) -> u32 {
        self.records.len() as u32
    }

    pub fn record_at(&self, i: u32) -> FaultRecord {
        self.records[i as usize]
    }

    /// The internal index (not architecturally visible; for the timing layer and tests).
    pub fn next_index(&self) -> u32 {
        self.idx
    }

    /// PPF = OR of all F bits (VTD-FLT-1).
    pub fn ppf(&self) -> bool {
        self.records.iter().any(|r| r.f)
    }

    /// Any fault-event source set (PPF, PFO, IQE, ICE, ITE; VTD-FLT-6).
    fn any_source(&self) -> bool {
        self.ppf() || self.pfo || self.iqe || self.ice || self.ite
    }

    /// FSTS as read: PFO, PPF, IQE, ICE, ITE, bit 7 = 0, FRI [15:8] (VTD-FLT-1).
    pub fn fsts(&self) -> u32 {
        u32::from(self.pfo)
            | (u32::from(self.ppf()) << 1)
            | (u32::from(self.iqe) << 4)
            | (u32::from(self.ice) << 5)
            | (u32::from(self.ite) << 6)
            | ((self.fri & 0xFF) << regs::FSTS_FRI_SHIFT)
    }

    /// FECTL as read.
    pub fn fectl(&self) -> u32 {
        self.fe.bits()
    }

    /// Record one fault (VTD-FLT-4): PFO=1 → drop; F[idx]=1 → set PFO, drop (no event); else write
    /// the record with F=1, FRI = idx iff PPF was 0, idx advances mod NR. PPF becoming 1 is a
    /// fault event condition unless a source was already 1 (VTD-FLT-6).
    pub fn record(&mut self, rec: FaultRecord) -> (FaultOutcome, Option<Msi>) {
        if self.pfo {
            return (FaultOutcome::DroppedPfo, None);
        }
        let i = self.idx;
        if self.records[i as usize].f {
            self.pfo = true;
            return (FaultOutcome::Overflow, None);
        }
        let was_pending = self.any_source();
        let ppf_before = self.ppf();
        self.records[i as usize] = FaultRecord { f: true, ..rec };
        if !ppf_before {
            self.fri = i;
        }
        self.idx = (i + 1) % self.nr();
        let msi = self.fe.condition(was_pending).then(|| self.fe_msi.msi());
        (FaultOutcome::Recorded { index: i }, msi)
    }

    /// Set FSTS.IQE (VTD-IQ-2); an event condition unless a source was already 1 (VTD-FLT-6).
    pub fn set_iqe(&mut self) -> Option<Msi> {
        let was_pending = self.any_source();
        self.iqe = true;
        self.fe.condition(was_pending).then(|| self.fe_msi.msi())
    }

    /// After a software clear: IP clears once every source is 0 (VTD-FLT-6).
    fn after_clear(&mut self) {
        if !self.any_source() {
            self.fe.sources_cleared();
        }
    }

    /// FSTS write: PFO, IQE, ICE, ITE are W1C; PPF, FRI read-only (VTD-FLT-1, VTD-FLT-5).
    pub fn write_fsts(&mut self, wdata: u32) {
        let w = wdata & regs::FSTS_RW1C_MASK;
        self.pfo &= w & regs::FSTS_PFO == 0;
        self.iqe &= w & regs::FSTS_IQE == 0;
        self.ice &= w & regs::FSTS_ICE == 0;
        self.ite &= w & regs::FSTS_ITE == 0;
        self.after_clear();
    }

    /// Software writes the dword at FRCD[i] + 12; bit 31 (F) is W1C, other bits ignored
    /// (VTD-FLT-5). Out-of-range `i` is ignored.
    pub fn write_frcd_hi(&mut self, i: u32, dword: u32) {
        if dword >> 31 != 0 {
            if let Some(r) = self.records.get_mut(i as usize) {
                r.f = false;
            }
            self.after_clear();
        }
    }

    /// FECTL write (IM; IP read-only; [29:0] stored); clearing IM while IP=1 sends the MSI.
    pub fn write_fectl(&mut self, wdata: u32) -> Option<Msi> {
        self.fe.write(wdata).then(|| self.fe_msi.msi())
    }
}

// =============================================================================================
// Descriptors from software (vtd.md §5; VTD-IQ-1..10)
// =============================================================================================

/// A taken `inv_wait_dsc` that has not completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PendingWait {
    pub dsc: InvWaitDsc,
    /// Number of messages accepted at the ingress in the same or an earlier cycle than the take
    /// (DEC-10). With PD=1 the wait may complete only once that many messages are resolved.
    pub ingress_mark: u64,
}

/// What completing a wait does (VTD-IQ-8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WaitCompletion {
    /// SW=1: one 32-bit write of Status Data to Status Address.
    pub status_write: Option<(u64, u32)>,
    /// IF=1: ICS.IWC set.
    pub iwc_set: bool,
    /// Completion event MSI (IF=1, IWC was 0, IM=0).
    pub msi: Option<Msi>,
}

/// What taking one descriptor from the port does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// Not taken: IQE=1 (VTD-IQ-2) or an FN=1 wait is pending (VTD-IQ-9).
    Blocked,
    /// `page_grp_resp_dsc`: one response, committed in descriptor order (VTD-IQ-3, VTD-IQ-5);
    /// complete once committed (VTD-IQ-7).
    Respond(PrgResponse),
    /// OP-10 type: completes at once with no effect.
    NoEffect(u8),
    /// `inv_wait_dsc` queued until it may complete (VTD-IQ-7..10); see `IqState::progress`.
    Wait(PendingWait),
    /// Invalid: IQE set, nothing else (VTD-IQ-2, VTD-IQ-4, VTD-IQ-6); fault-event MSI if raised.
    Invalid(desc::Invalid, Option<Msi>),
}

/// The effect of a valid software descriptor (VTD-IQ-3); `classify` first.
pub fn page_grp_resp_effect(d: &desc::PageGrpRespDsc) -> PrgResponse {
    d.response()
}

/// A wait may complete when every earlier descriptor has completed (VTD-IQ-7) and, with PD=1,
/// when the first `ingress_mark` accepted messages are resolved: written with PQT covering them,
/// or discarded with their automatic response committed (VTD-IQ-10, DEC-10). Messages resolve in
/// ingress order, so a count is enough.
pub fn wait_may_complete(w: &PendingWait, earlier_complete: bool, resolved: u64) -> bool {
    earlier_complete && (!w.dsc.pd || resolved >= w.ingress_mark)
}

/// Completion of a wait (VTD-IQ-8): SW → status write (address truncated to 48 bits, OP-19);
/// IF → IWC set and, only if IWC was 0, the completion event (IECTL as PECTL). SW=IF=0: nothing
/// visible.
pub fn complete_wait(dsc: &InvWaitDsc, iwc: &mut bool, ie: &mut EventCtl, ie_msi: &MsiRegs) -> WaitCompletion {
    let mut c = WaitCompletion::default();
    if dsc.sw {
        c.status_write = Some((dsc.status_addr & regs::ADDR_MASK, dsc.status_data));
    }
    if dsc.if_ {
        let was = *iwc;
        *iwc = true;
        c.iwc_set = true;
        if ie.condition(was) {
            c.msi = Some(ie_msi.msi());
        }
    }
    c
}

/// Descriptor-port state: pending waits in order, ICS.IWC, IECTL and its MSI registers.
///
/// State transitions of a wait: `take` (Pending) → `progress` once `wait_may_complete` holds
/// (Completed: status write, IWC, event). While an FN=1 wait is pending no later descriptor is
/// taken (VTD-IQ-9). Without FN later descriptors are processed; they never delay an earlier wait.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IqState {
    pub pending: VecDeque<PendingWait>,
    pub iwc: bool,
    pub ie: EventCtl,
    pub ie_msi: MsiRegs,
    /// ECAP.PDS (1 in this product).
    pub pds: bool,
}

impl IqState {
    pub fn new(pds: bool) -> IqState {
        IqState { pds, ..Default::default() }
    }

    /// True while a taken FN=1 wait has not completed (VTD-IQ-9).
    pub fn fenced(&self) -> bool {
        self.pending.iter().any(|w| w.dsc.fn_)
    }

    /// Take one descriptor (VTD-IQ-1, VTD-IQ-2). `accepted` counts the messages accepted at the
    /// ingress up to and including this cycle (DEC-10). Invalid descriptors set IQE in `faults`.
    pub fn take(&mut self, w: Words, accepted: u64, faults: &mut FaultUnit) -> Take {
        if faults.iqe || self.fenced() {
            return Take::Blocked;
        }
        match desc::classify(w, self.pds) {
            SwDesc::PageGrpResp(d) => Take::Respond(page_grp_resp_effect(&d)),
            SwDesc::NoEffect(t) => Take::NoEffect(t),
            SwDesc::InvWait(dsc) => {
                let p = PendingWait { dsc, ingress_mark: accepted };
                self.pending.push_back(p);
                Take::Wait(p)
            }
            SwDesc::Invalid(why) => Take::Invalid(why, faults.set_iqe()),
        }
    }

    /// Complete, in order, every pending wait that may complete, given `resolved` messages
    /// (VTD-IQ-7, VTD-IQ-8, VTD-IQ-10). Earlier non-wait descriptors complete when taken here
    /// (a response is committed at take in this timing-free model).
    pub fn progress(&mut self, resolved: u64) -> Vec<(PendingWait, WaitCompletion)> {
        let mut out = Vec::new();
        while let Some(w) = self.pending.front().copied() {
            if !wait_may_complete(&w, true, resolved) {
                break;
            }
            self.pending.pop_front();
            out.push((w, complete_wait(&w.dsc, &mut self.iwc, &mut self.ie, &self.ie_msi)));
        }
        out
    }

    /// ICS write: IWC is W1C; IP clears with it (VTD-IQ-8).
    pub fn write_ics(&mut self, wdata: u32) {
        if wdata & regs::ICS_IWC != 0 {
            self.iwc = false;
            self.ie.sources_cleared();
        }
    }

    /// IECTL write, as PECTL (VTD-IQ-8).
    pub fn write_iectl(&mut self, wdata: u32) -> Option<Msi> {
        self.ie.write(wdata).then(|| self.ie_msi.msi())
    }
}

// =============================================================================================
// The whole block, timing-free
// =============================================================================================

/// PRQ, fault unit and descriptor port wired together, one architectural step per call.
/// In this model a message is resolved as soon as it is admitted, so `resolved == accepted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vtd {
    pub prq: PrqState,
    pub faults: FaultUnit,
    pub iq: IqState,
    /// Messages accepted (and, here, resolved) so far.
    pub accepted: u64,
}

/// A message's full effect: its admission plus, for row a, the fault outcome and fault MSI.
/// OP-13 default: the fault record becomes visible before the Invalid Request is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageEffect {
    pub admission: Admission,
    pub fault: Option<(FaultOutcome, Option<Msi>)>,
}

impl Vtd {
    pub fn new(nr_fault_records: u32) -> Vtd {
        Vtd { prq: PrqState::default(), faults: FaultUnit::new(nr_fault_records), iq: IqState::new(true), accepted: 0 }
    }

    /// Accept, decide and resolve one message (vtd.md §4, VTD-FLT-7).
    pub fn message(&mut self, m: &PageRequest, pre: bool) -> MessageEffect {
        let admission = self.prq.admit(m, pre);
        let fault = admission.fault.map(|r| self.faults.record(r));
        self.accepted += 1;
        MessageEffect { admission, fault }
    }

    /// Take one descriptor, then complete the waits that may complete.
    pub fn descriptor(&mut self, w: Words) -> (Take, Vec<(PendingWait, WaitCompletion)>) {
        let t = self.iq.take(w, self.accepted, &mut self.faults);
        (t, self.iq.progress(self.accepted))
    }
}

// =============================================================================================
// The register file as software sees it (rtl/README.md "Registers")
// =============================================================================================

/// FRCD and PRE windows: accesses need a 4-byte (FRCD) or 8-byte (PRE) aligned offset.
const FRCD_WINDOW_ALIGN: u32 = 0x3;
const PRE_WINDOW_ALIGN: u32 = 0x7;

/// PRQ, fault unit, descriptor port and PRE table: what register reads return and what register
/// writes change. Hardware actions go through the state machines' own functions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegFile {
    pub prq: PrqState,
    pub faults: FaultUnit,
    pub iq: IqState,
    /// PRE[i] register values (RID [15:0], PRE [16]).
    pub pre: Box<[u64]>,
}

impl RegFile {
    /// The reset state (OP-18) of a block with `nr` fault records and `pre_entries` PRE entries.
    pub fn new(nr: u32, pre_entries: usize) -> RegFile {
        RegFile {
            prq: PrqState::default(),
            faults: FaultUnit::new(nr),
            iq: IqState::new(true),
            pre: vec![0; pre_entries].into_boxed_slice(),
        }
    }

    /// FRCD record index and byte offset within it, if `addr` is in the window.
    pub fn frcd_slot(&self, addr: u32) -> Option<(u32, u32)> {
        let rel = addr.checked_sub(regs::FRCD_BASE)?;
        (rel < 16 * self.faults.nr() && addr & FRCD_WINDOW_ALIGN == 0).then_some((rel / 16, rel % 16))
    }

    /// PRE table entry index, if `addr` is in the window.
    pub fn pre_slot(&self, addr: u32) -> Option<usize> {
        let rel = addr.checked_sub(regs::PRE_BASE)?;
        let i = (rel / regs::PRE_STRIDE) as usize;
        (i < self.pre.len() && addr & PRE_WINDOW_ALIGN == 0).then_some(i)
    }

    /// Is `rid` enabled by the PRE table (DEC-5)?
    pub fn pre_enabled(&self, rid: u16) -> bool {
        pre_enabled(&self.pre, rid)
    }

    /// Software write (OP-15). Returns the MSI triggers of IM writes, per unit in the order PE,
    /// FE, IE (VTD-PRQ-14).
    pub fn write(&mut self, addr: u32, data: u64) -> [bool; 3] {
        let d32 = data as u32;
        let mut trig = [false; 3];
        match addr {
            regs::FSTS => self.faults.write_fsts(d32),
            regs::FECTL => trig[1] = self.faults.write_fectl(d32).is_some(),
            regs::ICS => self.iq.write_ics(d32),
            regs::IECTL => trig[2] = self.iq.write_iectl(d32).is_some(),
            regs::PQH => self.prq.write_pqh(data),
            regs::PQT => self.prq.write_pqt(data),
            regs::PQA => self.prq.write_pqa(data),
            regs::PRS => self.prq.write_prs(d32),
            regs::PECTL => trig[0] = self.prq.write_pectl(d32).is_some(),
            regs::FEDATA | regs::FEADDR | regs::FEUADDR => write_msi_reg(&mut self.faults.fe_msi, addr - regs::FEDATA, d32),
            regs::IEDATA | regs::IEADDR | regs::IEUADDR => write_msi_reg(&mut self.iq.ie_msi, addr - regs::IEDATA, d32),
            regs::PEDATA | regs::PEADDR | regs::PEUADDR => write_msi_reg(&mut self.prq.pe_msi, addr - regs::PEDATA, d32),
            _ => {
                if let Some((i, off)) = self.frcd_slot(addr) {
                    if regs::frcd_write_clears_f(off, data) {
                        self.faults.write_frcd_hi(i, 1 << 31);
                    }
                } else if let Some(i) = self.pre_slot(addr) {
                    self.pre[i] = data & regs::PRE_STORED_MASK; // VTD-PRQ-19
                }
            }
        }
        trig
    }

    /// Register value as a read returns it now (no side effects).
    pub fn read(&self, addr: u32) -> u64 {
        let msi_reg = |r: &MsiRegs, base: u32| u64::from([r.data, r.addr, r.uaddr][((addr - base) / 4) as usize]);
        match addr {
            regs::CAP => regs::cap(regs::CAP_FRO_RTL, self.faults.nr()),
            regs::ECAP => regs::ECAP_VALUE,
            regs::FSTS => u64::from(self.faults.fsts()),
            regs::FECTL => u64::from(self.faults.fectl()),
            regs::ICS => u64::from(self.iq.iwc),
            regs::IECTL => u64::from(self.iq.ie.bits()),
            regs::PQH => self.prq.pqh,
            regs::PQT => self.prq.pqt,
            regs::PQA => self.prq.pqa,
            regs::PRS => u64::from(self.prq.prs),
            regs::PECTL => u64::from(self.prq.pectl()),
            regs::FEDATA | regs::FEADDR | regs::FEUADDR => msi_reg(&self.faults.fe_msi, regs::FEDATA),
            regs::IEDATA | regs::IEADDR | regs::IEUADDR => msi_reg(&self.iq.ie_msi, regs::IEDATA),
            regs::PEDATA | regs::PEADDR | regs::PEUADDR => msi_reg(&self.prq.pe_msi, regs::PEDATA),
            _ => {
                if let Some((i, off)) = self.frcd_slot(addr) {
                    self.faults.record_at(i).read(off)
                } else if let Some(i) = self.pre_slot(addr) {
                    self.pre[i]
                } else {
                    0
                }
            }
        }
    }
}

/// Write xEDATA (+0), xEADDR (+4) or xEUADDR (+8), stored masked (rtl/README.md "Registers").
fn write_msi_reg(r: &mut MsiRegs, off: u32, d32: u32) {
    match off {
        0 => r.data = d32 & regs::EDATA_MASK,
        4 => r.addr = d32 & regs::EADDR_MASK,
        _ => r.uaddr = d32,
    }
}

// =============================================================================================
// Rule coverage
// =============================================================================================

/// Which VT-d rule has a model function (and which does not yet, with the layer that owns it).
/// `Some(path)` names the function(s); `None` entries give the reason in the second string.
pub const RULE_MAP: &[(RuleId, Option<&str>, &str)] = &[
    (rules::VTD_PRQ_1, Some("regs::PrqRing::{entries, entry_addr}, page_req_write"), ""),
    (rules::VTD_PRQ_2, Some("regs::PrqRing::offset, PrqState::write_pqh"), ""),
    (rules::VTD_PRQ_3, Some("regs::PrqRing::{empty, full, used}"), ""),
    (rules::VTD_PRQ_4, Some("desc::PageReqDsc::encode_request"), ""),
    (rules::VTD_PRQ_5, Some("decide_row, auto_response, fault_record, PrqState::admit"), ""),
    (rules::VTD_PRQ_6, Some("decide_row, auto_response, PrqState::admit"), ""),
    (rules::VTD_PRQ_7, Some("decide_row, auto_response, PrqState::admit"), ""),
    (rules::VTD_PRQ_8, Some("PrqState::admit (order of phases: timing layer)"), ""),
    (rules::VTD_PRQ_9, Some("decide_row"), ""),
    (rules::VTD_PRQ_10, Some("is_last_request, auto_response, desc::PageReqDsc"), ""),
    (rules::VTD_PRQ_11, Some("PrqState::admit"), ""),
    (rules::VTD_PRQ_12, Some("regs::prs_write, PrqState::write_prs"), ""),
    (rules::VTD_PRQ_13, Some("EventCtl::condition, PrqState::admit"), ""),
    (rules::VTD_PRQ_14, Some("EventCtl::{write_im, sources_cleared}, PrqState::{write_prs, write_pectl}"), ""),
    (rules::VTD_PRQ_15, Some("EventCtl::RESET, PrqState::write_pectl"), ""),
    (
        rules::VTD_PRQ_16,
        Some("timing::VtdTiming::step (PE MSI starts only from IDLE after the kind-0 ack; reads held while a descriptor is in flight)"),
        "",
    ),
    (rules::VTD_PRQ_17, Some("auto_response"), ""),
    (rules::VTD_PRQ_18, Some("page_req_write (no PRG check)"), ""),
    (rules::VTD_PRQ_19, Some("pre_enabled, regs::{PRE_BASE, pre_offset} (write-to-effect: timing layer)"), ""),
    (rules::VTD_PRQ_20, None, "[HW] port ordering of a register read against event MSI acks: timing layer and RTL"),
    (rules::VTD_IQ_1, Some("desc::{desc_type, classify}, IqState::take"), ""),
    (rules::VTD_IQ_2, Some("desc::classify, IqState::take, FaultUnit::set_iqe"), ""),
    (rules::VTD_IQ_3, Some("desc::PageGrpRespDsc::response"), ""),
    (rules::VTD_IQ_4, Some("desc::page_grp_resp_reserved_bits, desc::classify"), ""),
    (rules::VTD_IQ_5, Some("timing::VtdTiming::step (egress: automatic first, then descriptor order; DEC-12, OP-16)"), ""),
    (rules::VTD_IQ_6, Some("desc::inv_wait_reserved_bits, desc::classify"), ""),
    (rules::VTD_IQ_7, Some("wait_may_complete, IqState::progress"), ""),
    (rules::VTD_IQ_8, Some("complete_wait, IqState::write_ics"), ""),
    (rules::VTD_IQ_9, Some("IqState::fenced, IqState::take"), ""),
    (rules::VTD_IQ_10, Some("wait_may_complete (ingress_mark, resolved count)"), ""),
    (rules::VTD_IQ_11, None, "[SYS] end-to-end drain property: checker over host + device + block"),
    (rules::VTD_FLT_1, Some("FaultUnit::{fsts, ppf, write_fsts}"), ""),
    (rules::VTD_FLT_2, Some("regs::{cap_nr, frcd_offset, FaultRecord}"), ""),
    (rules::VTD_FLT_3, Some("fault_record"), ""),
    (rules::VTD_FLT_4, Some("FaultUnit::record"), ""),
    (rules::VTD_FLT_5, Some("FaultUnit::{write_frcd_hi, write_fsts}"), ""),
    (rules::VTD_FLT_6, Some("FaultUnit::{record, set_iqe, write_fectl}, EventCtl"), ""),
    (rules::VTD_FLT_7, Some("Vtd::message (relative order OP-13: timing layer)"), ""),
    (rules::VTD_FLT_8, None, "[HW] port ordering of a register read against event MSI acks: timing layer and RTL"),
];

#[cfg(test)]
#[path = "arch_tests.rs"]
mod tests;
