//! Tests of the host software model, one or more per rule (HOST-2..HOST-15, HOST-17, HOST-18,
//! HOST-24, HOST-26..HOST-29, HOST-32, PRI-6, DEC-13).

use super::iommufd::{FdWriteError, PageResponseEntry, RECORD_SIZE};
use super::pasid::{PasidError, PasidManager, PasidState, ReleaseStep};
use super::quota;
use super::smmu::{EntryFate, SmmuHost};
use super::*;
use crate::pcie::{PageRequest, RespCode};
use crate::rules;
use proptest::prelude::*;

fn msg(rid: u16, pasid: Option<u32>, prgi: u16, l: bool, r: bool, w: bool) -> PageRequest {
    PageRequest { rid, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), exe: false, priv_: false, r, w, l, prgi, page: 0x1000 + prgi as u64 }
}

fn rec(rid: u16, pasid: Option<u32>, grpid: u16, last: bool) -> FaultRecord {
    FaultRecord { rid, pasid, grpid, last, perm: Perm { r: true, ..Perm::default() }, addr: 0x4000 + ((grpid as u64) << 12) }
}

fn core() -> FaultCore {
    FaultCore::new(HostPolicy::default())
}

fn iommufd_core() -> FaultCore {
    FaultCore::new(HostPolicy { consumer: Consumer::Iommufd, ..HostPolicy::default() })
}

/// Scripted choices: fixed group picks and per-page outcomes; counts page calls.
struct Script {
    picks: Vec<usize>,
    pages: Vec<PageOutcome>,
    asked: usize,
}

impl HostChoices for Script {
    fn pick_group(&mut self, n: usize) -> usize {
        if self.picks.is_empty() {
            0
        } else {
            self.picks.remove(0) % n
        }
    }
    fn page(&mut self, _rec: &FaultRecord) -> PageOutcome {
        self.asked += 1;
        if self.pages.is_empty() {
            PageOutcome::Resolved
        } else {
            self.pages.remove(0)
        }
    }
}

// ---------------- fault core: grouping ----------------

#[test]
fn host2_partials_produce_no_response() {
    let mut c = core();
    assert_eq!(c.report(rec(1, Some(3), 5, false)), Reported::Partial);
    assert_eq!(c.report(rec(1, Some(3), 6, false)), Reported::Partial);
    assert!(c.handle_all(&mut InOrder).is_empty());
    assert_eq!(c.partials(1).len(), 2);
    assert!(c.unanswered().is_empty());
    assert_eq!(c.stats().responses, 0);
}

#[test]
fn host3_group_by_grpid_only_in_arrival_order() {
    let mut c = core();
    let a0 = FaultRecord { addr: 0xa000, ..rec(1, Some(3), 5, false) };
    let b0 = rec(1, Some(3), 6, false);
    let a1 = FaultRecord { addr: 0xb000, ..rec(1, Some(3), 5, false) };
    let other_dev = rec(2, Some(3), 5, false);
    for r in [a0, b0, a1, other_dev] {
        c.report(r);
    }
    let last = FaultRecord { addr: 0xc000, ..rec(1, Some(3), 5, true) };
    let Reported::Group(id) = c.report(last) else { panic!("last record must form a group") };
    let g = c.ready_groups().next().unwrap().clone();
    assert_eq!(g.id, id);
    assert_eq!(g.records, vec![a0, a1, last]);
    // The other grpid and the other device keep their partials.
    assert_eq!(c.partials(1), &[b0]);
    assert_eq!(c.partials(2), &[other_dev]);
    assert!(c.take_events().is_empty(), "one PASID: no HOST-4");
}

#[test]
fn host4_hazard_two_pasids_share_a_grpid() {
    // DEC-11 opt-in mode: PASIDs 5 and 6 both use PRGI 3 at once (PRPR=1).
    let mut c = core();
    c.report(rec(1, Some(5), 3, false));
    c.report(rec(1, Some(6), 3, false));
    c.report(rec(1, Some(5), 3, true));
    let ev = c.take_events();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].rule(), rules::HOST_4);
    assert!(ev[0].is_hazard());
    let HostEvent::MixedPasidGroup { pasids, grpid, .. } = &ev[0] else { panic!() };
    assert_eq!((*grpid, pasids.clone()), (3, vec![Some(5), Some(6), Some(5)]));
    // PASID 6's partial was swallowed; its own last record forms a group alone.
    assert!(c.partials(1).is_empty());
    c.report(rec(1, Some(6), 3, true));
    assert!(c.take_events().is_empty());
    let rs = c.handle_all(&mut InOrder);
    assert_eq!(rs.len(), 2);
    // HOST-6 with PRPR=1 matches by PASID too, so each pending entry is answered once.
    assert_eq!(rs[0].pasid, Some(5));
    assert_eq!(rs[1].pasid, Some(6));
    assert!(c.check_answered_once().is_empty());
}

#[test]
fn host4_hazard_mixed_pasid_presence() {
    let mut c = core();
    c.report(rec(1, None, 3, false));
    c.report(rec(1, Some(2), 3, true));
    let ev = c.take_events();
    assert_eq!(ev.iter().map(|e| e.rule()).collect::<Vec<_>>(), vec![rules::HOST_4]);
}

// ---------------- fault core: handler, matching, answers ----------------

#[test]
fn host5_handler_pages_in_order_first_failure_ends_group() {
    let mut c = core();
    for _ in 0..3 {
        c.report(rec(1, Some(1), 7, false));
    }
    c.report(rec(1, Some(1), 7, true));
    let mut s = Script { picks: vec![], pages: vec![PageOutcome::Resolved, PageOutcome::Failed], asked: 0 };
    let h = c.handle_next(&mut s).unwrap();
    assert_eq!(h.code, GenericCode::Invalid);
    assert_eq!(s.asked, 2, "pages after the first failure are not handled");
    assert_eq!(h.response.unwrap().code, GenericCode::Invalid);

    // All resolved: SUCCESS.
    c.report(rec(1, Some(1), 8, false));
    c.report(rec(1, Some(1), 8, true));
    let mut s = Script { picks: vec![], pages: vec![], asked: 0 };
    assert_eq!(c.handle_next(&mut s).unwrap().code, GenericCode::Success);
    assert_eq!(s.asked, 2);

    // Abort: FAILURE.
    c.report(rec(1, Some(1), 9, true));
    let mut s = Script { picks: vec![], pages: vec![PageOutcome::Abort], asked: 0 };
    assert_eq!(c.handle_next(&mut s).unwrap().code, GenericCode::Failure);
}

#[test]
fn pri6_exe_without_read_always_fails() {
    let mut c = core();
    let bad = FaultRecord { perm: Perm { r: false, w: false, exe: true, priv_: false }, ..rec(1, Some(4), 2, true) };
    c.report(bad);
    let mut s = Script { picks: vec![], pages: vec![], asked: 0 };
    let h = c.handle_next(&mut s).unwrap();
    assert_eq!(h.code, GenericCode::Invalid);
    assert_eq!(s.asked, 0);
    // FaultRecord::from_request never sets Exe without PV (PRI-1).
    let m = PageRequest { exe: true, r: false, l: true, ..msg(1, None, 2, true, false, false) };
    assert!(!FaultRecord::from_request(&m).exe_without_read());
}

#[test]
fn host5_no_domain_answers_invalid() {
    let mut c = core();
    c.set_device(4, DeviceCfg { prpr: true, domain: false });
    c.report(rec(4, Some(1), 2, false));
    c.report(rec(4, Some(1), 2, true));
    let mut s = Script { picks: vec![], pages: vec![], asked: 0 };
    let h = c.handle_next(&mut s).unwrap();
    assert_eq!(h.code, GenericCode::Invalid);
    assert_eq!(s.asked, 0);
    assert!(c.partials(4).is_empty(), "the partials with its grpid are freed");
}

#[test]
fn host6_matching_by_grpid_and_pasid_when_needed() {
    let mut c = core();
    c.set_device(1, DeviceCfg { prpr: true, domain: true });
    c.set_device(2, DeviceCfg { prpr: false, domain: true });
    c.report(rec(1, Some(9), 4, true));
    c.report(rec(2, None, 4, true));
    // Wrong PASID on a PRPR=1 entry: dropped, no traffic.
    assert_eq!(c.respond(1, 4, Some(8), GenericCode::Success), None);
    assert_eq!(c.respond(1, 4, None, GenericCode::Success), None);
    // Unknown grpid and unknown device: dropped.
    assert_eq!(c.respond(1, 5, Some(9), GenericCode::Success), None);
    assert_eq!(c.respond(3, 4, None, GenericCode::Success), None);
    assert_eq!(c.stats().unmatched, 4);
    let r = c.respond(1, 4, Some(9), GenericCode::Success).unwrap();
    assert_eq!((r.rid, r.grpid, r.pasid, r.req_pasid), (1, 4, Some(9), Some(9)));
    // The match left the pending list: a second response matches nothing.
    assert_eq!(c.respond(1, 4, Some(9), GenericCode::Success), None);
    // An entry that needs no PASID matches whatever PASID the response names.
    assert!(c.respond(2, 4, Some(77), GenericCode::Invalid).is_some());
    assert!(c.unanswered().is_empty());
    assert!(c.check_answered_once().is_empty());
    // The handler's later response for those groups matches nothing (HOST-6).
    assert!(c.handle_all(&mut InOrder).is_empty());
}

#[test]
fn host7_host11_seeded_order_each_group_answered_once() {
    let mut saw_reorder = false;
    for seed in 0..20 {
        let mut c = core();
        for g in 0..6u16 {
            c.report(rec(1, Some(1), g, false));
            c.report(rec(1, Some(1), g, true));
        }
        let mut ch = SeededChoices::new(seed, 40, 0);
        let rs = c.handle_all(&mut ch);
        assert_eq!(rs.len(), 6);
        let mut grps: Vec<u16> = rs.iter().map(|r| r.grpid).collect();
        saw_reorder |= grps != (0..6).collect::<Vec<_>>();
        grps.sort();
        assert_eq!(grps, (0..6).collect::<Vec<_>>());
        assert!(c.check_answered_once().is_empty());
        // Nothing left to answer; another response is dropped.
        assert!(c.respond(1, 0, Some(1), GenericCode::Success).is_none());
        assert!(c.check_answered_once().is_empty());
    }
    assert!(saw_reorder, "HOST-7: some seed finishes groups out of arrival order");
}

#[test]
fn host27_release_discards_only_the_pasids_partials() {
    let mut c = core();
    c.report(rec(1, Some(5), 1, false)); // stale partial of P=5
    c.report(rec(1, Some(6), 2, false)); // another PASID of the same device
    c.report(rec(2, Some(5), 3, false)); // P=5 at another device
    assert!(!c.pasid_idle(1, Some(5)));
    assert_eq!(c.discard_pasid_partials(1, Some(5)), 1);
    assert!(c.pasid_idle(1, Some(5)));
    assert!(!c.pasid_idle(1, Some(6)) && !c.pasid_idle(2, Some(5)));
    assert_eq!(c.stats().partials_discarded, 1);
    assert_eq!(c.discard_pasid_partials(3, Some(5)), 0);
}

#[test]
fn host8_overflow_discards_all_partials_keeps_pending() {
    let mut c = core();
    c.report(rec(1, Some(1), 1, false));
    c.report(rec(2, Some(1), 2, false));
    c.report(rec(1, Some(1), 3, false));
    c.report(rec(1, Some(1), 3, true)); // pending group 3 (with its partial)
    assert_eq!(c.discard_partials(), 2);
    assert!(c.partials(1).is_empty() && c.partials(2).is_empty());
    assert_eq!(c.stats().partials_discarded, 2);
    // The pending group is still answered.
    let rs = c.handle_all(&mut InOrder);
    assert_eq!(rs.len(), 1);
    assert_eq!(rs[0].grpid, 3);
    // A later last record of a discarded group forms a group of itself.
    c.report(rec(1, Some(1), 1, true));
    assert_eq!(c.ready_groups().next().unwrap().records.len(), 1);
    assert_eq!(c.handle_all(&mut InOrder).len(), 1);
    assert!(c.check_answered_once().is_empty());
}

#[test]
fn host9_removal_answers_pending_invalid() {
    let mut c = core();
    c.set_device(2, DeviceCfg { prpr: false, domain: true });
    c.report(rec(1, Some(4), 1, true));
    c.report(rec(1, None, 2, true));
    c.report(rec(1, Some(4), 3, false));
    c.report(rec(2, None, 1, true));
    let rs = c.remove_device(1);
    assert_eq!(rs.len(), 2);
    assert!(rs.iter().all(|r| r.code == GenericCode::Invalid));
    assert_eq!((rs[0].grpid, rs[0].pasid), (1, Some(4)), "with PASID when needed");
    assert_eq!((rs[1].grpid, rs[1].pasid), (2, None));
    assert!(c.partials(1).is_empty());
    // Device 2 is untouched; only its group is left for the handler.
    let left = c.handle_all(&mut InOrder);
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].rid, 2);
    assert!(c.check_answered_once().is_empty());
}

#[test]
fn host10_flush_waits_for_groups_reported_before() {
    let mut c = core();
    c.report(rec(1, Some(1), 1, true));
    c.report(rec(1, Some(2), 2, true));
    let mark = c.flush_mark(1);
    assert!(!c.flush_done(&mark));
    c.report(rec(1, Some(1), 3, true)); // reported after the flush began
    c.respond(1, 1, Some(1), GenericCode::Success).unwrap();
    assert!(!c.flush_done(&mark));
    assert!(!c.pasid_idle(1, Some(2)));
    c.respond(1, 2, Some(2), GenericCode::Success).unwrap();
    assert!(c.flush_done(&mark), "later groups do not hold the flush");
    assert!(c.pasid_idle(1, Some(2)));
    assert!(!c.pasid_idle(1, Some(1)));
}

// ---------------- iommufd ----------------

#[test]
fn host12_read_whole_groups_last_last_one_cookie() {
    let mut c = iommufd_core();
    c.report(rec(1, Some(1), 1, false));
    c.report(rec(1, Some(1), 2, false));
    c.report(rec(1, Some(1), 1, false));
    c.report(rec(1, Some(1), 1, true)); // group A: 3 records
    c.report(rec(1, Some(1), 2, true)); // group B: 2 records
    assert!(c.handle_all(&mut InOrder).is_empty(), "iommufd consumer: no kernel handling");
    // Room for 4 records: A fits, B does not and stays queued.
    let r = c.fd_read(4 * RECORD_SIZE + 7);
    assert_eq!(r.records.len(), 3);
    assert_eq!(r.bytes() % RECORD_SIZE, 0);
    assert!(r.records.iter().all(|x| x.cookie == r.records[0].cookie && x.grpid == 1));
    assert!(r.records[2].last() && !r.records[0].last() && !r.records[1].last());
    assert_eq!(c.fd().queued(), 1);
    // A buffer smaller than the next group returns nothing.
    assert!(c.fd_read(RECORD_SIZE).records.is_empty());
    let r2 = c.fd_read(1 << 12);
    assert_eq!(r2.records.len(), 2);
    assert!(r2.records[1].last());
    assert_ne!(r2.records[0].cookie, r.records[0].cookie, "HOST-13: unique cookies");
    assert_eq!(r2.records[0].flags & super::iommufd::FLAG_PASID_VALID, 1);
    assert_eq!(r2.records[0].perm, 1);
}

#[test]
fn host13_write_in_order_partial_failure() {
    let mut c = iommufd_core();
    for g in 1..=4 {
        c.report(rec(1, Some(2), g, true));
    }
    let r = c.fd_read(1 << 12);
    let ck: Vec<u32> = r.records.iter().map(|x| x.cookie).collect();
    let mut uniq = ck.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), 4);
    // Entry 0 good, entry 1 bad code (FAILURE=2 was removed), entry 2 never processed.
    let (w, rs) = c.fd_write(&[
        PageResponseEntry { cookie: ck[0], code: 0 },
        PageResponseEntry { cookie: ck[1], code: 2 },
        PageResponseEntry { cookie: ck[2], code: 1 },
    ]);
    assert_eq!(w.done, 1);
    assert_eq!(w.error, Some(FdWriteError::BadCode { index: 1, code: 2 }));
    assert_eq!(w.ret(), 8);
    assert_eq!(rs.len(), 1);
    assert_eq!((rs[0].grpid, rs[0].code), (1, GenericCode::Success));
    // Unknown cookie (already answered) fails first entry: -EINVAL, nothing sent.
    let (w, rs) = c.fd_write(&[PageResponseEntry { cookie: ck[0], code: 1 }]);
    assert_eq!((w.done, w.ret()), (0, -22));
    assert_eq!(w.error, Some(FdWriteError::UnknownCookie { index: 0, cookie: ck[0] }));
    assert!(rs.is_empty());
    // The rest can still be answered.
    let (w, rs) = c.fd_write(&[
        PageResponseEntry { cookie: ck[1], code: 1 },
        PageResponseEntry { cookie: ck[2], code: 1 },
        PageResponseEntry { cookie: ck[3], code: 0 },
    ]);
    assert_eq!((w.done, w.error), (3, None));
    assert_eq!(rs.iter().map(|r| r.grpid).collect::<Vec<_>>(), vec![2, 3, 4]);
    assert!(c.check_answered_once().is_empty());
}

#[test]
fn host13_cookie_of_unread_group_is_unknown() {
    let mut c = iommufd_core();
    c.report(rec(1, Some(2), 1, true));
    let (w, rs) = c.fd_write(&[PageResponseEntry { cookie: 0, code: 0 }]);
    assert!(matches!(w.error, Some(FdWriteError::UnknownCookie { .. })));
    assert!(rs.is_empty());
}

#[test]
fn host14_destroy_and_detach_auto_respond_invalid() {
    let mut c = iommufd_core();
    c.report(rec(1, Some(2), 1, true));
    c.report(rec(2, Some(2), 1, true));
    c.report(rec(1, Some(2), 2, true));
    let r = c.fd_read(RECORD_SIZE); // group (1,1) read, the rest queued
    assert_eq!(r.records.len(), 1);
    // Detach device 2: only its queued group.
    let rs = c.fd_detach(Some(2));
    assert_eq!(rs.len(), 1);
    assert_eq!((rs[0].rid, rs[0].code), (2, GenericCode::Invalid));
    // Destroy: the read group and the queued group of device 1.
    let rs = c.fd_detach(None);
    assert_eq!(
        rs.iter().map(|r| (r.rid, r.grpid, r.code)).collect::<Vec<_>>(),
        vec![(1, 1, GenericCode::Invalid), (1, 2, GenericCode::Invalid)]
    );
    assert!(c.unanswered().is_empty());
    assert!(c.check_answered_once().is_empty());
    // The read cookie is gone.
    let (w, _) = c.fd_write(&[PageResponseEntry { cookie: r.records[0].cookie, code: 0 }]);
    assert!(w.error.is_some());
}

#[test]
fn host32_user_queue_bound() {
    let mut c = iommufd_core();
    c.fd_mut().set_bound(1, 2);
    c.report(rec(1, Some(2), 1, true));
    c.report(rec(1, Some(2), 2, true));
    assert!(c.take_events().is_empty());
    c.report(rec(1, Some(2), 3, true));
    let ev = c.take_events();
    assert_eq!(ev, vec![HostEvent::UserQueueOverflow { rid: 1, groups: 3, allocation: 2 }]);
    assert_eq!(ev[0].rule(), rules::HOST_32);
    assert!(!ev[0].is_hazard());
}

// ---------------- response codes ----------------

#[test]
fn host15_smmu_code_mapping_and_dec13_ssv() {
    let mut c = core();
    c.set_device(1, DeviceCfg { prpr: true, domain: true });
    c.set_device(2, DeviceCfg { prpr: false, domain: true });
    c.report(rec(1, Some(7), 1, true));
    c.report(rec(1, Some(7), 2, true));
    c.report(rec(1, None, 3, true));
    c.report(rec(2, Some(7), 1, true));
    let s = c.respond(1, 1, Some(7), GenericCode::Success).unwrap().smmu();
    assert_eq!((s.resp, s.ssv, s.substream_id, s.stream_id, s.prg_index), (0b10, true, 7, 1, 1));
    assert_eq!(s.expected_wire().code, RespCode::Success);
    let s = c.respond(1, 2, Some(7), GenericCode::Invalid).unwrap().smmu();
    assert_eq!(s.resp, 0b01);
    assert_eq!(s.expected_wire().code, RespCode::InvalidRequest);
    let s = c.respond(1, 3, None, GenericCode::Failure).unwrap().smmu();
    assert_eq!((s.resp, s.ssv, s.substream_id), (0b00, false, 0));
    assert_eq!(s.expected_wire().code, RespCode::ResponseFailure);
    // PRPR=0: no SSV even though the request had a PASID (DEC-13 marks the scenario invalid; the
    // host still follows PRPR).
    let s = c.respond(2, 1, None, GenericCode::Success).unwrap().smmu();
    assert!(!s.ssv);
    assert_eq!(s.command(), crate::smmuv3::cmd::Command::PriResp { stream_id: 2, ssv: false, substream_id: 0, prg_index: 1, resp: 0b10 });
}

#[test]
fn host15_vtd_code_mapping_and_raw_failure_hazard() {
    let mut c = core();
    for g in 1..=4 {
        c.report(rec(1, Some(3), g, true));
    }
    let ok = c.respond(1, 1, Some(3), GenericCode::Success).unwrap();
    let inv = c.respond(1, 2, Some(3), GenericCode::Invalid).unwrap();
    let fail = c.respond(1, 3, Some(3), GenericCode::Failure).unwrap();
    assert_eq!(ok.vtd(VtdFailureCode::Raw), (VtdPageGrpResp { rid: 1, pp: true, pasid: 3, prgi: 1, rc: 0x0 }, None));
    assert_eq!(inv.vtd(VtdFailureCode::Raw).0.rc, 0x1);
    let (d, ev) = fail.vtd(VtdFailureCode::Raw);
    assert_eq!(d.rc, 0x2);
    let ev = ev.expect("HOST-15 hazard");
    assert_eq!(ev.rule(), rules::HOST_15);
    assert!(ev.is_hazard());
    assert_eq!(d.expected_wire().code, RespCode::Reserved(2), "DEC-8: forwarded verbatim");
    let (d, ev) = fail.vtd(VtdFailureCode::Pcie);
    assert_eq!((d.rc, ev), (0xF, None));
    assert_eq!(d.expected_wire().code, RespCode::ResponseFailure);
    assert_eq!(GenericCode::Failure.value(), 2);
    assert_eq!(GenericCode::from_user(2), None);
}

// ---------------- SMMUv3 driver ----------------

#[test]
fn host17_mainline_denies_every_last_entry() {
    let mut h = SmmuHost::new(HostPolicy { smmu_driver: SmmuDriver::Mainline, ..HostPolicy::default() });
    assert_eq!(h.on_priq_entry(&msg(1, Some(4), 1, false, true, false)), EntryFate::Ignored);
    let cases = [
        msg(1, Some(4), 1, true, true, false),  // L=1 with PASID
        msg(1, Some(4), 0, true, false, false), // Stop Marker
        msg(1, None, 2, true, false, false),    // PASID-less L=1 R=W=0
    ];
    for m in cases {
        let EntryFate::Denied(cmd) = h.on_priq_entry(&m) else { panic!("mainline answers every L=1 entry") };
        assert_eq!(cmd.resp, SmmuPriResp::RESP_DENY);
        assert_eq!((cmd.ssv, cmd.substream_id, cmd.prg_index), (m.pv, m.pasid, m.prgi));
        assert_eq!(cmd.expected_wire().code, RespCode::ResponseFailure);
    }
    let ev = h.core.take_events();
    assert_eq!(ev.len(), 3);
    assert!(ev.iter().all(|e| e.rule() == rules::HOST_17 && e.is_hazard()));
    assert_eq!(h.on_overflow(), 0);
    assert_eq!(h.core.stats().records, 0, "mainline has no fault core traffic");
}

#[test]
fn host18_iopf_drops_stop_markers_reports_others() {
    let mut h = SmmuHost::new(HostPolicy::default());
    assert_eq!(h.on_priq_entry(&msg(1, Some(4), 0, true, false, false)), EntryFate::StopMarker);
    assert_eq!(h.on_priq_entry(&msg(1, Some(4), 1, false, true, false)), EntryFate::Reported(Reported::Partial));
    assert!(matches!(h.on_priq_entry(&msg(1, Some(4), 1, true, true, false)), EntryFate::Reported(Reported::Group(_))));
    // DEC-1 with pasid_required: the PASID-less L=1 R=W=0 is an ordinary last request.
    assert!(matches!(h.on_priq_entry(&msg(1, None, 2, true, false, false)), EntryFate::Reported(Reported::Group(_))));
    let mut cmds = Vec::new();
    while let Some((_, c)) = h.answer_next(&mut InOrder) {
        cmds.extend(c);
    }
    assert_eq!(cmds.len(), 2);
    assert_eq!((cmds[0].prg_index, cmds[0].ssv, cmds[0].substream_id, cmds[0].resp), (1, true, 4, 0b10));
    assert_eq!((cmds[1].prg_index, cmds[1].ssv), (2, false));
    assert!(h.core.take_events().is_empty());
    // Overflow: HOST-8.
    h.on_priq_entry(&msg(1, Some(4), 3, false, true, false));
    assert_eq!(h.on_overflow(), 1);
}

#[test]
fn host24_lrw_only_drops_pasidless_last_request() {
    let mut h = SmmuHost::new(HostPolicy { stop_marker_test: StopMarkerTest::LrwOnly, ..HostPolicy::default() });
    assert_eq!(h.on_priq_entry(&msg(1, None, 2, true, false, false)), EntryFate::LrwDropped);
    let ev = h.core.take_events();
    assert_eq!(ev, vec![HostEvent::PasidlessLrwDropped { rid: 1, prgi: 2 }]);
    assert_eq!(ev[0].rule(), rules::HOST_24);
    assert!(ev[0].is_hazard());
    // Never answered: the PRG stays outstanding at the function.
    assert!(h.answer_next(&mut InOrder).is_none());
    // Real Stop Markers are still plain drops, without hazard; other PASID-less requests are reported.
    assert_eq!(h.on_priq_entry(&msg(1, Some(1), 0, true, false, false)), EntryFate::StopMarker);
    assert!(matches!(h.on_priq_entry(&msg(1, None, 3, true, true, false)), EntryFate::Reported(_)));
    assert!(h.core.take_events().is_empty());
}

// ---------------- PASID lifecycle ----------------

fn release_all_steps(m: &mut PasidManager, p: u32) {
    m.request_stop(p).unwrap();
    m.on_stop_complete(p).unwrap();
    m.on_queue_drained(p).unwrap();
    m.on_groups_answered(p).unwrap();
    m.on_owner_done(p).unwrap();
}

#[test]
fn host26_alloc_from_one_never_zero() {
    let mut m = PasidManager::new(3, 0);
    assert!(!m.can_reuse(0));
    assert_eq!(m.alloc(true).unwrap(), (1, 1));
    assert_eq!(m.alloc(false).unwrap(), (2, 1), "a PASID without address space is allocated the same way");
    assert_eq!(m.state(2), PasidState::Allocated { incarnation: 1, has_mm: false });
    assert_eq!(m.alloc(true).unwrap(), (3, 1));
    assert_eq!(m.alloc(true), Err(PasidError::Exhausted));
    assert_eq!(m.alloc_at(0, true), Err(PasidError::Zero));
    assert_eq!(m.alloc_at(4, true), Err(PasidError::OutOfRange { pasid: 4, max: 3 }));
    assert_eq!(m.alloc_at(2, true), Err(PasidError::InUse { pasid: 2 }));
    assert_eq!(PasidManager::new(u32::MAX, 0).max(), (1 << 20) - 1);
    let mut big = PasidManager::new(u32::MAX, 0);
    assert_eq!(big.alloc_at((1 << 20) - 1, true), Ok(1));
    assert_eq!(big.alloc(true).unwrap().0, 1);
}

#[test]
fn host27_release_steps_in_order_then_grace() {
    let mut m = PasidManager::new(8, 100);
    let (p, inc) = m.alloc(true).unwrap();
    // Steps out of order are refused.
    assert!(matches!(m.on_stop_complete(p), Err(PasidError::OutOfOrder { .. })));
    m.request_stop(p).unwrap();
    assert!(matches!(m.on_queue_drained(p), Err(PasidError::OutOfOrder { step: ReleaseStep::QueueDrained, .. })));
    type Step = fn(&mut PasidManager, u32) -> Result<(), PasidError>;
    let steps: [Step; 3] = [PasidManager::on_stop_complete, PasidManager::on_queue_drained, PasidManager::on_groups_answered];
    for s in steps {
        assert!(!m.can_reuse(p));
        s(&mut m, p).unwrap();
    }
    assert!(!m.can_reuse(p));
    m.tick(50);
    m.on_owner_done(p).unwrap(); // grace from cycle 50
    assert_eq!(m.state(p), PasidState::Releasing { incarnation: inc, done: ReleaseStep::OwnerDone, grace_from: Some(50) });
    assert!(m.tick(149).is_empty());
    assert!(!m.can_reuse(p));
    // The allocator skips the quarantined PASID.
    assert_eq!(m.alloc(true).unwrap().0, 2);
    assert_eq!(m.tick(150), vec![p]);
    assert!(m.can_reuse(p));
    assert_eq!(m.incarnation(p), None);
    // Reallocation: a new incarnation.
    assert_eq!(m.alloc(true).unwrap(), (p, inc + 1));
    assert!(m.take_events().is_empty());
}

#[test]
fn host27_zero_grace_frees_at_owner_done() {
    let mut m = PasidManager::new(8, 0);
    let (p, _) = m.alloc(true).unwrap();
    release_all_steps(&mut m, p);
    assert!(m.can_reuse(p));
}

#[test]
fn host28_quarantined_reallocation_and_stale_incarnation_reported() {
    let mut m = PasidManager::new(8, 10);
    let (p, inc1) = m.alloc(true).unwrap();
    m.request_stop(p).unwrap();
    assert_eq!(m.alloc_at(p, true), Err(PasidError::Quarantined { pasid: p }));
    let ev = m.take_events();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].rule(), rules::HOST_28);
    assert!(!ev[0].is_hazard());
    m.on_stop_complete(p).unwrap();
    m.on_queue_drained(p).unwrap();
    m.on_groups_answered(p).unwrap();
    m.on_owner_done(p).unwrap();
    m.tick(10);
    let inc2 = m.alloc_at(p, true).unwrap();
    assert_eq!(inc2, inc1 + 1);
    assert_eq!(m.incarnation(p), Some(inc2));
    assert_eq!(m.check_use(p, inc2), None);
    let e = m.check_use(p, inc1).expect("old incarnation state used");
    assert_eq!(e.rule(), rules::HOST_28);
    assert_eq!(m.take_events().len(), 1);
}

// ---------------- credits and quotas ----------------

#[test]
fn host29_provisioning_check() {
    assert_eq!(quota::allocation(16, 32), 16);
    assert_eq!(quota::allocation(16, 8), 8);
    assert_eq!(quota::priq_capacity(4), 16);
    assert_eq!(quota::prq_capacity(16), 15);
    assert_eq!(quota::check_provisioning(&[4, 6], 6, quota::priq_capacity(4)), Ok(()));
    let e = quota::check_provisioning(&[4, 6], 7, quota::priq_capacity(4)).unwrap_err();
    assert_eq!((e.needed, e.capacity), (17, 16));
    assert!(e.to_string().starts_with("HOST-29"));
    assert!(quota::check_provisioning(&[8, 8], 0, quota::prq_capacity(16)).is_err());
}

// ---------------- property: HOST-11 ----------------

#[derive(Clone, Debug)]
struct GenGroup {
    rid: u16,
    pasid: Option<u32>,
    size: usize,
    has_last: bool,
}

fn gen_group() -> impl Strategy<Value = GenGroup> {
    (1u16..3, prop::option::of(1u32..4), 1usize..5, prop::bool::weighted(0.8)).prop_map(|(rid, pasid, size, has_last)| GenGroup {
        rid,
        pasid,
        size,
        has_last,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// DEC-11 default mode (unique grpids among outstanding groups of a function): for any interleaving
    /// of records, handler steps and overflow discards, every group whose last record reached the core
    /// is answered exactly once, and no group without a last record is answered.
    #[test]
    fn host11_every_closed_group_answered_once(
        groups in prop::collection::vec(gen_group(), 1..7),
        ops in prop::collection::vec((0u8..10, 0usize..16), 0..60),
        seed in any::<u64>(),
        iommufd in any::<bool>(),
        overflow in any::<bool>(),
    ) {
        let policy = HostPolicy { consumer: if iommufd { Consumer::Iommufd } else { Consumer::Kernel }, ..HostPolicy::default() };
        let mut c = FaultCore::new(policy);
        let mut ch = SeededChoices::new(seed, 60, 10);
        // Records per group: size-1 partials then the last (if any); grpid = index (unique per function).
        let mut left: Vec<Vec<FaultRecord>> = groups.iter().enumerate().map(|(i, g)| {
            (0..g.size).map(|k| rec(g.rid, g.pasid, i as u16, g.has_last && k + 1 == g.size)).collect::<Vec<_>>()
        }).map(|mut v| { v.reverse(); v }).collect();
        let mut responses: Vec<HostResponse> = Vec::new();
        let step = |c: &mut FaultCore, ch: &mut SeededChoices, out: &mut Vec<HostResponse>| {
            if iommufd {
                let r = c.fd_read(1 << 16);
                let mut cookies: Vec<u32> = r.records.iter().filter(|x| x.last()).map(|x| x.cookie).collect();
                if !cookies.is_empty() {
                    let k = ch.pick_group(cookies.len());
                    cookies.rotate_left(k);
                    let entries: Vec<PageResponseEntry> = cookies.iter().map(|&cookie| PageResponseEntry { cookie, code: (cookie & 1) }).collect();
                    let (w, rs) = c.fd_write(&entries);
                    prop_assert_eq!(w.done, entries.len());
                    out.extend(rs);
                }
            } else if let Some(h) = c.handle_next(ch) {
                out.extend(h.response);
            }
            Ok(())
        };
        for (kind, idx) in ops {
            match kind {
                0..=6 => {
                    let g = idx % left.len();
                    if let Some(r) = left[g].pop() { c.report(r); }
                }
                7 | 8 => step(&mut c, &mut ch, &mut responses)?,
                _ => if overflow { c.discard_partials(); },
            }
        }
        // Deliver the rest round-robin, then drain the consumer.
        while left.iter().any(|v| !v.is_empty()) {
            for v in left.iter_mut() {
                if let Some(r) = v.pop() { c.report(r); }
            }
        }
        for _ in 0..groups.len() + 1 {
            step(&mut c, &mut ch, &mut responses)?;
        }
        prop_assert!(c.handle_next(&mut ch).is_none());
        for (i, g) in groups.iter().enumerate() {
            let n = responses.iter().filter(|r| r.rid == g.rid && r.grpid == i as u16).count();
            prop_assert_eq!(n, g.has_last as usize, "group {} {:?}", i, g);
            if let Some(r) = responses.iter().find(|r| r.rid == g.rid && r.grpid == i as u16) {
                // DEC-13 with the default PRPR=1: the response carries the request's PASID.
                prop_assert_eq!(r.pasid, g.pasid);
                prop_assert_eq!(r.req_pasid, g.pasid);
            }
        }
        prop_assert!(c.check_answered_once().is_empty());
        prop_assert!(c.unanswered().is_empty());
        prop_assert!(c.take_events().is_empty(), "no HOST-4 in default mode");
    }
}

// ---- per-device fault quota (docs/DESIGN.md) and the planted cookie bug (HOST-13) ----

#[test]
fn fault_quota_answers_excess_invalid_at_once() {
    let mut c = FaultCore::new(HostPolicy { consumer: Consumer::Iommufd, fault_quota: Some(1), ..HostPolicy::default() });
    c.report(rec(1, Some(4), 1, true));
    assert!(c.take_immediate().is_empty());
    c.report(rec(1, Some(4), 2, true));
    let imm = c.take_immediate();
    assert_eq!(imm.len(), 1);
    assert_eq!((imm[0].grpid, imm[0].code), (2, GenericCode::Invalid));
    assert_eq!(c.fd().queued(), 1);
    // Another device has its own quota.
    c.report(rec(2, Some(4), 2, true));
    assert!(c.take_immediate().is_empty());
    assert_eq!(c.stats().over_quota, 1);
    assert!(c.check_answered_once().iter().all(|(id, _)| c.unanswered().contains(id)));
}

#[test]
fn planted_cookie_reuse_breaks_host_13_uniqueness() {
    let mut c = FaultCore::new(HostPolicy {
        consumer: Consumer::Iommufd,
        planted: Some(planted::PlantedHostBug::CookieReuse),
        ..HostPolicy::default()
    });
    c.report(rec(1, Some(4), 1, true));
    c.report(rec(1, Some(4), 2, true));
    let r = c.fd_read(1 << 12);
    assert_eq!(r.records.len(), 2);
    assert_eq!(r.records[0].cookie, r.records[1].cookie);
}
