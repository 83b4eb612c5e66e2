//! Rule tests for `vtd::arch` with real register values (vtd.md §4-§6).

use super::*;
use crate::vtd::desc::{Invalid, PageGrpRespDsc};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};

const PQA: u64 = 0x0000_0012_3456_7000; // PQS = 0: 128 entries, 4 KiB

fn req(pv: bool, l: bool, r: bool) -> PageRequest {
    PageRequest {
        rid: 0x0308, // 03:01.0
        pv,
        pasid: if pv { 0x4_2424 } else { 0 },
        exe: false,
        priv_: pv,
        r,
        w: false,
        l,
        prgi: 0x17,
        page: 0xABC_DEF0,
    }
}

fn last() -> PageRequest {
    req(true, true, true)
}
fn not_last() -> PageRequest {
    req(true, false, true)
}
fn stop_marker() -> PageRequest {
    req(true, true, false)
}
/// DEC-1: PASID-less L=1, R=W=0 is an ordinary LPIG=1 request.
fn pasidless_last_rw0() -> PageRequest {
    req(false, true, false)
}

fn prq() -> PrqState {
    let mut s = PrqState::default();
    s.write_pqa(PQA);
    s.write_peaddr(0xFEE0_1000);
    s.write_peuaddr(0);
    s.write_pedata(0x0041);
    s
}

fn st(pre: bool, pro: bool, pqh: u64, pqt: u64) -> AdmissionState {
    AdmissionState { pre, pro, pqh, pqt, ring: PrqRing::new(0) }
}

const PE_MSI: Msi = Msi { addr: 0xFEE0_1000, data: 0x41 };

// ---- admission rows ------------------------------------------------------------------------

/// VTD-PRQ-5 (DEC-5 first), VTD-PRQ-6, VTD-PRQ-7, VTD-PRQ-9.
#[test]
fn rows_first_match() {
    assert_eq!(decide_row(&st(true, false, 0, 0)), Row::D_Write);
    assert_eq!(decide_row(&st(true, false, 0, 0xFE0)), Row::C_Full);
    assert_eq!(decide_row(&st(true, true, 0, 0xFE0)), Row::B_Overflow);
    // PRE=0 wins over PRO=1 and full.
    assert_eq!(decide_row(&st(false, true, 0, 0xFE0)), Row::A_NotEnabled);
    // VTD-PRQ-9: PRO sticky whatever PQH shows (queue empty).
    assert_eq!(decide_row(&st(true, true, 0x40, 0x40)), Row::B_Overflow);
}

/// Table 31 with DEC-5..7 and DEC-1; VTD-PRQ-17 copies RID, PRGI, PP, PASID.
#[test]
fn auto_response_table() {
    let code = |row, m: &PageRequest| auto_response(row, m).map(|r| r.code.bits());
    for m in [last(), pasidless_last_rw0(), req(false, true, true)] {
        assert_eq!(code(Row::A_NotEnabled, &m), Some(0x1));
        assert_eq!(code(Row::B_Overflow, &m), Some(0x0));
        assert_eq!(code(Row::C_Full, &m), Some(0x0));
        assert_eq!(code(Row::D_Write, &m), None);
    }
    for m in [not_last(), req(false, false, true), stop_marker()] {
        for row in [Row::A_NotEnabled, Row::B_Overflow, Row::C_Full, Row::D_Write] {
            assert_eq!(auto_response(row, &m), None, "{row:?} {m:?}");
        }
    }
    let r = auto_response(Row::C_Full, &last()).unwrap();
    assert_eq!(r, PrgResponse { rid: 0x0308, pv: true, pasid: 0x4_2424, prgi: 0x17, code: RespCode::Success });
    let r = auto_response(Row::B_Overflow, &pasidless_last_rw0()).unwrap();
    assert_eq!((r.pv, r.pasid, r.prgi), (false, 0, 0x17));
}

/// VTD-PRQ-8, VTD-PRQ-11, VTD-PRQ-13, VTD-PRQ-4: row d writes at base + PQT, advances PQT,
/// sets PPR; the first setting raises the event (IM=1 at reset: IP only), later ones nothing.
#[test]
fn row_d_write_and_event() {
    let mut s = prq();
    s.write_pqt(0xFE0);
    s.write_pqh(0xFE0);
    let a = s.admit(&not_last(), true);
    assert_eq!(a.row, Row::D_Write);
    let (addr, words) = a.write.unwrap();
    assert_eq!(addr, 0x12_3456_7FE0);
    assert_eq!(words, PageReqDsc::encode_request(&not_last()));
    assert_eq!(words[0], 0x01 | (1 << 8) | (0x0308 << 16) | (0x4_2424 << 32) | (1 << 53));
    assert_eq!(s.pqt, 0); // wraps modulo 4096
    assert!(s.ppr());
    assert_eq!(s.pectl(), regs::ECTL_IM | regs::ECTL_IP);
    assert_eq!((a.response, a.fault, a.msi), (None, None, None));
    // A Stop Marker is queued like any descriptor and sets (already set) PPR (VTD-PRQ-10/11).
    let a = s.admit(&stop_marker(), true);
    assert_eq!(a.row, Row::D_Write);
    assert_eq!(
        a.write.unwrap().1,
        [0x01 | (1 << 8) | (0x0308 << 16) | (0x4_2424 << 32) | (1 << 53), (1 << 2) | (0x17 << 3) | (0xABC_DEF0 << 12), 0, 0]
    );
    assert_eq!(s.pqt, 0x20);
    assert_eq!(a.msi, None);
}

/// VTD-PRQ-13 with IM=0: MSI sent in the same step and IP cleared.
#[test]
fn row_d_event_unmasked() {
    let mut s = prq();
    assert_eq!(s.write_pectl(0), None);
    let a = s.admit(&last(), true);
    assert_eq!(a.msi, Some(PE_MSI));
    assert_eq!(s.pectl(), 0);
    // PPR already 1: nothing.
    assert_eq!(s.admit(&last(), true).msi, None);
    // Software clears PPR; the next write raises a new event.
    s.write_prs(regs::PRS_PPR);
    assert_eq!(s.admit(&last(), true).msi, Some(PE_MSI));
}

/// VTD-PRQ-7, VTD-PRQ-13, DEC-6, DEC-7: row c sets PRO, no fault; LPIG=1 gets Success; Stop
/// Marker sets PRO but gets nothing; event only if PPR and PRO were both 0.
#[test]
fn row_c_full() {
    let mut s = prq();
    s.write_pectl(0);
    s.write_pqh(0x20);
    s.write_pqt(0x0); // (0 + 32) mod 4096 == PQH: full
    let a = s.admit(&stop_marker(), true);
    assert_eq!(a.row, Row::C_Full);
    assert_eq!((a.write, a.response, a.fault), (None, None, None));
    assert!(s.pro() && !s.ppr());
    assert_eq!(a.msi, Some(PE_MSI)); // PPR=PRO=0 before
    assert_eq!(s.pqt, 0);

    // PQH = PQT = 0: the first write sets PPR (IP=1 with IM=1); then fill to N-1 = 127.
    let mut s = prq();
    assert_eq!(s.admit(&last(), true).row, Row::D_Write);
    assert!(s.ppr() && s.pe.ip);
    // Fill to N-1.
    for _ in 0..126 {
        assert_eq!(s.admit(&not_last(), true).row, Row::D_Write);
    }
    assert!(s.ring().full(s.pqh, s.pqt));
    let a = s.admit(&last(), true);
    assert_eq!(a.row, Row::C_Full);
    assert_eq!(a.response.unwrap().code, RespCode::Success);
    assert_eq!(a.msi, None); // PPR was already 1
    assert!(s.pro());
}

/// VTD-PRQ-6, VTD-PRQ-9: while PRO=1 nothing changes, even with an empty queue; LPIG=1 → Success.
#[test]
fn row_b_sticky_overflow() {
    let mut s = prq();
    s.prs = regs::PRS_PRO;
    s.pe.ip = true;
    s.write_pqh(0x100);
    s.write_pqt(0x100);
    let before = s;
    for m in [not_last(), stop_marker(), last(), pasidless_last_rw0()] {
        let a = s.admit(&m, true);
        assert_eq!(a.row, Row::B_Overflow);
        assert_eq!((a.write, a.fault, a.msi), (None, None, None));
        assert_eq!(a.response.map(|r| r.code), is_last_request(&m).then_some(RespCode::Success));
        assert_eq!(s, before);
    }
    s.write_prs(regs::PRS_PRO);
    assert_eq!(s.admit(&last(), true).row, Row::D_Write);
}

/// VTD-PRQ-5, VTD-FLT-3: row a writes nothing and records the fault; Invalid Request iff LPIG=1.
#[test]
fn row_a_not_enabled() {
    let mut s = prq();
    s.prs = regs::PRS_PRO;
    let before = s;
    let a = s.admit(&last(), false);
    assert_eq!(a.row, Row::A_NotEnabled);
    assert_eq!(a.response.unwrap().code, RespCode::InvalidRequest);
    assert_eq!(a.write, None);
    assert_eq!(s, before);
    let f = a.fault.unwrap();
    assert_eq!(
        f,
        FaultRecord {
            f: true,
            t1: false,
            at: 0,
            pasid: 0x4_2424,
            fr: 0x47,
            pp: true,
            exe: false,
            priv_: true,
            t2: true,
            sid: 0x0308,
            fi: 0xABC_DEF0,
        }
    );
    for m in [not_last(), stop_marker()] {
        let a = s.admit(&m, false);
        assert_eq!((a.row, a.response), (Row::A_NotEnabled, None));
        assert!(a.fault.is_some());
    }
    // PP=0: PV, EXE, PRIV are 0 in the record.
    let mut m = pasidless_last_rw0();
    m.exe = true;
    m.priv_ = true;
    let f = fault_record(&m);
    assert_eq!((f.pp, f.pasid, f.exe, f.priv_), (false, 0, false, false));
}

/// VTD-PRQ-12, VTD-PRQ-14, VTD-PRQ-15.
#[test]
fn prs_and_pectl_registers() {
    let mut s = prq();
    s.admit(&last(), true); // PPR=1, IP=1
    s.write_pqh(0x20);
    s.write_pqt(0); // make it full
    s.admit(&last(), true); // PRO=1
    assert_eq!(s.prs, 0b11);
    assert!(s.pe.ip);
    s.write_prs(0xFFFF_FFFC); // bits [31:2]: nothing
    assert_eq!(s.prs, 0b11);
    s.write_prs(regs::PRS_PPR);
    assert!(s.pe.ip, "clearing only one leaves IP set");
    s.write_prs(regs::PRS_PRO);
    assert_eq!(s.prs, 0);
    assert!(!s.pe.ip, "both 0: IP clears, no MSI");
    // Clearing IM while IP=1 sends the MSI.
    let mut s = prq();
    s.admit(&last(), true);
    assert_eq!(s.write_pectl(regs::ECTL_IM | 0x1234), None);
    assert_eq!(s.pectl(), regs::ECTL_IM | regs::ECTL_IP | 0x1234);
    assert_eq!(s.write_pectl(regs::ECTL_IP | 0x3FFF_FFFF), Some(PE_MSI)); // IP is RO
    assert_eq!(s.pectl(), 0x3FFF_FFFF);
    assert_eq!(PrqState::default().pectl(), regs::ECTL_RESET);
    let mut u = FaultUnit::new(1);
    assert_eq!(u.fectl(), regs::ECTL_IM);
    assert_eq!(u.write_fectl(0x8000_0005), None);
    assert_eq!(u.fectl(), 0x8000_0005);
    // PQH/PQT keep only [18:5] (VTD-PRQ-2).
    s.write_pqh(0xFFFF_FFFF_FFFF_FFFF);
    assert_eq!(s.pqh, 0x7_FFE0);
}

/// VTD-PRQ-18: inconsistent PRGs are queued as received.
#[test]
fn no_prg_consistency_check() {
    let mut s = prq();
    let exe_without_read = PageRequest { exe: true, r: false, w: true, ..last() };
    let other_pasid = PageRequest { pasid: 0x99, ..not_last() };
    for m in [not_last(), other_pasid, exe_without_read, exe_without_read] {
        let a = s.admit(&m, true);
        assert_eq!(a.write.unwrap().1, PageReqDsc::encode_request(&m));
    }
}

// ---- fault recording -----------------------------------------------------------------------

fn fault(n: u64) -> FaultRecord {
    FaultRecord { fi: n, ..fault_record(&last()) }
}

const FE_MSI: Msi = Msi { addr: 0xFEE0_2000, data: 0x42 };

fn fault_unit(nr: u32) -> FaultUnit {
    let mut u = FaultUnit::new(nr);
    u.fe_msi = MsiRegs { data: 0x42, addr: 0xFEE0_2000, uaddr: 0 };
    u.write_fectl(0);
    u
}

/// VTD-FLT-4, VTD-FLT-5, VTD-FLT-6, VTD-FLT-1: NR=4.
#[test]
fn fault_recording_algorithm() {
    let mut u = fault_unit(4);
    assert_eq!(u.fsts(), 0);
    assert_eq!(u.record(fault(1)), (FaultOutcome::Recorded { index: 0 }, Some(FE_MSI)));
    for (n, i) in [(2, 1), (3, 2), (4, 3)] {
        // PPF already 1: no event, FRI stays 0.
        assert_eq!(u.record(fault(n)), (FaultOutcome::Recorded { index: i }, None));
    }
    assert_eq!(u.fsts(), regs::FSTS_PPF); // FRI = 0
    assert_eq!(u.next_index(), 0);
    // F[0]=1: PFO set, dropped, no event.
    assert_eq!(u.record(fault(5)), (FaultOutcome::Overflow, None));
    assert_eq!(u.fsts(), regs::FSTS_PPF | regs::FSTS_PFO);
    // Software clears F[0] and F[1]; PFO still 1: drop with no state change.
    u.write_frcd_hi(0, 1 << 31);
    u.write_frcd_hi(1, 0x7FFF_FFFF); // bit 31 = 0: nothing
    assert!(u.record_at(1).f);
    u.write_frcd_hi(1, 1 << 31);
    let before = u.clone();
    assert_eq!(u.record(fault(6)), (FaultOutcome::DroppedPfo, None));
    assert_eq!(u, before);
    // Clear PFO: recording resumes at the internal index 0; PPF=1 (F[2], F[3]) so FRI stays.
    u.write_fsts(regs::FSTS_PFO | 0x80 | regs::FSTS_PPF | regs::FSTS_FRI_MASK);
    assert_eq!(u.fsts(), regs::FSTS_PPF);
    assert_eq!(u.record(fault(7)), (FaultOutcome::Recorded { index: 0 }, None));
    assert_eq!(u.record_at(0).fi, 7);
    assert_eq!(u.fsts() >> 8, 0);
    // Clear everything: IP clears, the next fault sets FRI = idx (1) and raises a new event.
    for i in 0..4 {
        u.write_frcd_hi(i, 1 << 31);
    }
    assert_eq!(u.fsts(), 0);
    assert_eq!(u.record(fault(8)), (FaultOutcome::Recorded { index: 1 }, Some(FE_MSI)));
    assert_eq!(u.fsts(), regs::FSTS_PPF | (1 << 8));
}

/// VTD-FLT-6: IM=1 keeps IP; IQE with PPF already 1 raises nothing; IP clears only when every
/// source is 0; PFO alone raises nothing.
#[test]
fn fault_event() {
    let mut u = fault_unit(2);
    u.write_fectl(regs::ECTL_IM);
    assert_eq!(u.record(fault(1)).1, None);
    assert_eq!(u.fectl(), regs::ECTL_IM | regs::ECTL_IP);
    assert_eq!(u.set_iqe(), None);
    u.write_frcd_hi(0, 1 << 31);
    assert!(u.fe.ip, "IQE still 1");
    u.write_fsts(regs::FSTS_IQE);
    assert!(!u.fe.ip);
    // IQE alone raises the event; unmasking then sends it.
    assert_eq!(u.set_iqe(), None);
    assert_eq!(u.write_fectl(0), Some(FE_MSI));
    assert_eq!(u.fectl(), 0);
    u.write_fsts(regs::FSTS_IQE);
    // PFO alone: fill both records, overflow, clear both F: PFO=1 → no event on anything.
    let mut u = fault_unit(1);
    assert!(u.record(fault(1)).1.is_some());
    assert_eq!(u.record(fault(2)), (FaultOutcome::Overflow, None));
    u.write_frcd_hi(0, 1 << 31);
    assert_eq!(u.fsts(), regs::FSTS_PFO);
    assert_eq!(u.set_iqe(), None, "PFO was 1 just before");
}

// ---- descriptors ---------------------------------------------------------------------------

fn iq() -> (IqState, FaultUnit) {
    let mut q = IqState::new(true);
    q.ie_msi = MsiRegs { data: 0x43, addr: 0xFEE0_3000, uaddr: 0x1 };
    (q, fault_unit(4))
}

const IE_MSI: Msi = Msi { addr: 0x1_FEE0_3000, data: 0x43 };

fn wait(if_: bool, sw: bool, fn_: bool, pd: bool) -> Words {
    InvWaitDsc { if_, sw, fn_, pd, status_data: 0x1, status_addr: 0x7700_0040 }.encode()
}

/// VTD-IQ-3, DEC-8: every code, reserved ones included, is forwarded verbatim.
#[test]
fn page_grp_resp_verbatim() {
    let (mut q, mut f) = iq();
    for rc in [0x0, 0x1, 0x2, 0x5, 0xE, 0xF] {
        let d = PageGrpRespDsc {
            pp: false,
            rc,
            rid: 0x0308,
            pasid: 0x4_2424, // ignored with PP=0
            lpig: true,
            prgi: 0x17,
        };
        let Take::Respond(r) = q.take(d.encode(), 0, &mut f) else { panic!() };
        assert_eq!((r.code.bits(), r.pv, r.pasid, r.prgi, r.rid), (rc, false, 0, 0x17, 0x0308));
    }
}

/// VTD-IQ-2, VTD-IQ-4, VTD-FLT-6: a reserved bit sets IQE (fault event), nothing is sent, and no
/// later descriptor is taken until software clears IQE.
#[test]
fn invalid_descriptor_blocks_until_iqe_cleared() {
    let (mut q, mut f) = iq();
    let mut bad = PageGrpRespDsc::default().encode();
    bad[0] |= 1 << 5; // former PDP (DEC-9)
    assert_eq!(q.take(bad, 0, &mut f), Take::Invalid(Invalid::Reserved([1 << 5, 0, 0, 0]), Some(FE_MSI)));
    assert!(f.iqe);
    let good = PageGrpRespDsc::default().encode();
    assert_eq!(q.take(good, 0, &mut f), Take::Blocked);
    f.write_fsts(regs::FSTS_IQE);
    assert!(matches!(q.take(good, 0, &mut f), Take::Respond(_)));
    // Unknown type 0x0A, then OP-10 no-effect type 0x04.
    assert_eq!(q.take([0xA, 0, 0, 0], 0, &mut f), Take::Invalid(Invalid::UnknownType(0xA), Some(FE_MSI)));
    f.write_fsts(regs::FSTS_IQE);
    assert_eq!(q.take([0x4, 0, 0, 0], 0, &mut f), Take::NoEffect(0x4));
    // PD=1 with ECAP.PDS=0.
    let mut q0 = IqState::new(false);
    assert!(matches!(q0.take(wait(false, true, false, true), 0, &mut f), Take::Invalid(Invalid::PdWithoutPds, _)));
}

/// VTD-IQ-8: SW → status write; IF → IWC and, only if IWC was 0, the completion event.
#[test]
fn wait_completion_effects() {
    let (mut q, mut f) = iq();
    q.write_iectl(0);
    q.take(wait(true, true, false, false), 0, &mut f);
    let done = q.progress(0);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].1, WaitCompletion { status_write: Some((0x7700_0040, 0x1)), iwc_set: true, msi: Some(IE_MSI) });
    q.take(wait(true, false, false, false), 0, &mut f);
    assert_eq!(q.progress(0)[0].1, WaitCompletion { status_write: None, iwc_set: true, msi: None });
    q.write_ics(regs::ICS_IWC);
    assert!(!q.iwc);
    q.take(wait(false, false, false, false), 0, &mut f);
    assert_eq!(q.progress(0)[0].1, WaitCompletion::default());
    // IM=1: IP held, sent when IM clears; IWC clear also clears IP.
    q.write_iectl(regs::ECTL_IM);
    q.take(wait(true, false, false, false), 0, &mut f);
    assert_eq!(q.progress(0)[0].1.msi, None);
    assert!(q.ie.ip);
    assert_eq!(q.write_iectl(0), Some(IE_MSI));
}

/// VTD-IQ-7, VTD-IQ-9, VTD-IQ-10 (DEC-10): a PD wait waits for every message accepted up to its
/// take; FN holds later descriptors; waits complete in order.
#[test]
fn drain_and_fence() {
    let (mut q, mut f) = iq();
    // Messages 1..=5 accepted (5 in the same cycle as the take); 3 resolved so far.
    let Take::Wait(w) = q.take(wait(false, true, true, true), 5, &mut f) else { panic!() };
    assert_eq!(w.ingress_mark, 5);
    assert!(q.progress(3).is_empty());
    assert!(q.fenced());
    assert_eq!(q.take(PageGrpRespDsc::default().encode(), 6, &mut f), Take::Blocked);
    assert!(q.progress(4).is_empty());
    let done = q.progress(5);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].1.status_write, Some((0x7700_0040, 1)));
    assert!(!q.fenced());
    // Without FN: later descriptors are taken; a later non-PD wait still completes after the
    // earlier PD wait (VTD-IQ-7).
    q.take(wait(false, true, false, true), 9, &mut f);
    assert!(matches!(q.take(PageGrpRespDsc::default().encode(), 9, &mut f), Take::Respond(_)));
    q.take(wait(false, true, false, false), 9, &mut f);
    assert!(q.progress(8).is_empty());
    assert_eq!(q.progress(9).len(), 2);
    // Without PD the ingress does not matter.
    let p = PendingWait { dsc: InvWaitDsc::decode(wait(false, true, false, false)), ingress_mark: 100 };
    assert!(wait_may_complete(&p, true, 0));
    assert!(!wait_may_complete(&p, false, 1000));
}

/// DEC-5, VTD-PRQ-19: PRE table lookup (RID [15:0], PRE [16]).
#[test]
fn pre_table() {
    let t = [0x1_0308, 0x0_0400, 0x1_FFFF, 0];
    assert!(pre_enabled(&t, 0x0308));
    assert!(pre_enabled(&t, 0xFFFF));
    assert!(!pre_enabled(&t, 0x0400), "PRE=0 entry matches nothing");
    assert!(!pre_enabled(&t, 0x0000), "zero entry is PRE=0");
    assert!(!pre_enabled(&t, 0x0309));
    assert!(!pre_enabled(&[], 0x0308));
}

/// OP-19: status and entry addresses are 48 bits.
#[test]
fn addresses_48_bit() {
    let d = InvWaitDsc { sw: true, status_addr: 0xFFFF_1234_5678_9ABC, status_data: 7, ..Default::default() };
    let mut iwc = false;
    let mut ie = EventCtl::RESET;
    let c = complete_wait(&d, &mut iwc, &mut ie, &MsiRegs::default());
    assert_eq!(c.status_write, Some((0x1234_5678_9ABC, 7)));
    assert_eq!(PrqRing::new(7).entry_addr(0xFFFF_FFFF_FFFF_F007, 0x7_FFE0), 0x7_EFE0);
}

/// VTD-FLT-7, VTD-PRQ-5 through the wired model: one fault record and one Invalid Request.
#[test]
fn whole_block_row_a() {
    let mut v = Vtd::new(8);
    v.prq.write_pqa(PQA);
    let e = v.message(&last(), false);
    assert_eq!(e.admission.response.unwrap().code, RespCode::InvalidRequest);
    assert_eq!(e.fault.unwrap().0, FaultOutcome::Recorded { index: 0 });
    assert!(v.faults.ppf());
    assert_eq!(v.prq.pqt, 0);
    let e = v.message(&last(), true);
    assert_eq!((e.admission.row, e.fault), (Row::D_Write, None));
    let (t, done) = v.descriptor(wait(true, true, false, true));
    assert!(matches!(t, Take::Wait(w) if w.ingress_mark == 2));
    assert_eq!(done.len(), 1);
}

// ---- rule coverage -------------------------------------------------------------------------

/// Every VTD-* rule of `rules::ALL` appears exactly once in `RULE_MAP`; prints the map.
#[test]
fn rule_map_lists_every_vtd_rule() {
    let spec: BTreeSet<&str> = rules::ALL.iter().map(|(id, _)| id.0).filter(|id| id.starts_with("VTD-")).collect();
    let mut seen = HashMap::new();
    for (id, f, why) in RULE_MAP {
        assert!(seen.insert(id.0, ()).is_none(), "{id} listed twice");
        assert!(f.is_some() || !why.is_empty(), "{id}: no function and no reason");
    }
    let ours: BTreeSet<&str> = seen.keys().copied().collect();
    assert_eq!(spec, ours);
    assert_eq!(spec.len(), 39);
    for (id, f, why) in RULE_MAP {
        match f {
            Some(f) => println!("{id:<11} modelled: {f}"),
            None => println!("{id:<11} not here: {why}"),
        }
    }
    let missing: Vec<_> = RULE_MAP.iter().filter(|r| r.1.is_none()).map(|r| r.0 .0).collect();
    assert_eq!(missing, ["VTD-PRQ-20", "VTD-IQ-11", "VTD-FLT-8"]);
}

// ---- properties ----------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    Msg(PageRequest, bool),
    /// Software consumes up to k entries (PQH advances).
    Consume(u32),
    ClearPrs(u32),
}

fn op() -> impl Strategy<Value = Op> {
    let msg = (crate::pcie::strategies::any_request(), prop::bool::weighted(0.95))
        .prop_map(|(m, pre)| Op::Msg(PageRequest { pasid: if m.pv { m.pasid.max(1) } else { 0 }, ..m }, pre));
    prop_oneof![
        8 => msg,
        1 => (0u32..200).prop_map(Op::Consume),
        1 => (0u32..4).prop_map(Op::ClearPrs),
    ]
}

proptest! {
    /// Against a reference FIFO: the PRQ holds exactly the admitted row-d descriptors in order
    /// (VTD-PRQ-1, -3, -4, -8, -11); never more than N-1 (VTD-PRQ-3); each LPIG=1 request not
    /// queued gets exactly one response and nothing else does (VTD-PRQ-5..7, -10, -17); PRO
    /// blocks writes until cleared (VTD-PRQ-9); rows b and c never fault (VTD-PRQ-6, -7).
    #[test]
    fn prq_matches_reference_fifo(ops in prop::collection::vec(op(), 1..600)) {
        let mut s = prq();
        let mut mem: HashMap<u64, Words> = HashMap::new();
        let mut fifo: VecDeque<Words> = VecDeque::new();
        let ring = s.ring();
        for o in ops {
            match o {
                Op::Msg(m, pre) => {
                    let pro_before = s.pro();
                    let a = s.admit(&m, pre);
                    prop_assert_eq!(a.row == Row::D_Write, pre && !pro_before && fifo.len() < 127);
                    prop_assert_eq!(a.fault.is_some(), !pre);
                    let answered = is_last_request(&m) && a.row != Row::D_Write;
                    prop_assert_eq!(a.response.is_some(), answered);
                    if let Some((addr, w)) = a.write {
                        mem.insert(addr, w);
                        fifo.push_back(w);
                        prop_assert!(desc::page_req_well_formed(w));
                        prop_assert!(s.ppr());
                    }
                    if a.row == Row::C_Full { prop_assert!(s.pro()); }
                }
                Op::Consume(k) => {
                    for _ in 0..k.min(ring.used(s.pqh, s.pqt)) {
                        let w = mem[&ring.entry_addr(PQA, s.pqh)];
                        prop_assert_eq!(Some(w), fifo.pop_front());
                        s.write_pqh(ring.advance(s.pqh));
                    }
                }
                Op::ClearPrs(b) => s.write_prs(b),
            }
            prop_assert_eq!(ring.used(s.pqh, s.pqt) as usize, fifo.len());
            prop_assert!(fifo.len() <= 127);
            if s.prs == 0 { prop_assert!(!s.pe.ip); }
        }
    }

    /// VTD-FLT-4: PPF equals the OR of F; records never exceed NR; with no software clearing,
    /// exactly min(k, NR) faults are recorded and PFO is set iff k > NR.
    #[test]
    fn fault_unit_fills_then_overflows(nr in 1u32..10, k in 0u32..30) {
        let mut u = FaultUnit::new(nr);
        let mut recorded = 0;
        for n in 0..k {
            if let (FaultOutcome::Recorded { index }, _) = u.record(fault(u64::from(n))) {
                prop_assert_eq!(index, recorded % nr);
                recorded += 1;
            }
            prop_assert_eq!(u.ppf(), (0..u.nr()).any(|i| u.record_at(i).f));
        }
        prop_assert_eq!(recorded, k.min(nr));
        prop_assert_eq!(u.pfo, k > nr);
    }
}

#[test]
fn the_register_file_reads_what_software_and_hardware_left() {
    let mut rf = RegFile::new(2, 2);
    // PRE entries at 0x800 + 8i, stored masked; the window ends at PRE_ENTRIES (VTD-PRQ-19).
    rf.write(regs::PRE_BASE + 8, u64::MAX);
    assert_eq!(rf.read(regs::PRE_BASE + 8), regs::PRE_STORED_MASK);
    assert!(rf.pre_enabled(0xFFFF) && !rf.pre_enabled(0));
    rf.write(regs::PRE_BASE + 16, regs::PRE_EN);
    assert_eq!(rf.read(regs::PRE_BASE + 16), 0, "beyond the table: no entry");
    // FRCD: only F is writable, W1C at +C; past the last record reads 0 (VTD-FLT-2, -5).
    let rec = fault_record(&PageRequest { rid: 7, l: true, ..Default::default() });
    rf.faults.record(rec);
    assert_eq!(rf.read(regs::FRCD_BASE + 0xC) >> 31, 1);
    assert_eq!(rf.read(regs::FRCD_BASE + 32 + 0xC), 0);
    rf.write(regs::FRCD_BASE + 0xC, 1 << 31);
    assert_eq!(rf.read(regs::FRCD_BASE + 0xC) >> 31, 0);
    // Clearing PECTL.IM while IP is set sends the PE MSI (VTD-PRQ-14), and only then.
    rf.prq.pe.ip = true;
    assert_eq!(rf.write(regs::PECTL, 0), [true, false, false]);
    assert_eq!(rf.write(regs::FECTL, 0), [false, false, false]);
    assert_eq!(rf.read(regs::CAP) & regs::CAP_NFR_MASK, 1 << regs::CAP_NFR_SHIFT, "NFR = NR - 1");
}
