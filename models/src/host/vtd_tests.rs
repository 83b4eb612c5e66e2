//! Tests of the VT-d driver model, one or more per rule outcome (HOST-8, HOST-15, HOST-22 step 3,
//! HOST-23, HOST-24, HOST-25, DEC-1).

use super::stop_marker::Dropped;
use super::vtd::*;
use super::*;
use crate::pcie::RespCode;
use crate::rules;
use crate::vtd::desc::{classify, InvWaitDsc, PageGrpRespDsc, PageReqDsc, SwDesc};
use proptest::prelude::*;

/// A request descriptor as hardware writes it (EXR/PMR 0, page address 0x1000 + PRGI pages).
fn dsc(rid: u16, pasid: Option<u32>, prgi: u16, l: bool, r: bool, w: bool) -> PageReqDsc {
    PageReqDsc {
        pp: pasid.is_some(),
        rid,
        pasid: pasid.unwrap_or(0),
        exr: false,
        pmr: false,
        rdr: r,
        wrr: w,
        lpig: l,
        prgi,
        addr: 0x1000 + prgi as u64,
    }
}

fn host(policy: HostPolicy) -> VtdHost {
    VtdHost::new(policy)
}

fn reject_no_pasid() -> HostPolicy {
    HostPolicy { vtd_no_pasid: VtdNoPasid::Reject, ..HostPolicy::default() }
}

fn bad_reason(f: VtdEntryFate) -> BadRequest {
    match f {
        VtdEntryFate::Bad { reason, .. } => reason,
        other => panic!("expected a bad request, got {other:?}"),
    }
}

/// Answer every ready group in arrival order; the responses to submit.
fn answer_all(h: &mut VtdHost) -> Vec<VtdPageGrpResp> {
    let mut out = Vec::new();
    while let Some((_, r)) = h.answer_next(&mut InOrder) {
        out.extend(r);
    }
    out
}

// ---------------- HOST-22 step 3: reported entries ----------------

#[test]
fn host22_good_entries_reach_the_core_and_are_answered() {
    let mut h = host(HostPolicy::default());
    assert_eq!(h.on_prq_entry(&dsc(1, Some(4), 7, false, true, false)), VtdEntryFate::Reported(Reported::Partial));
    let VtdEntryFate::Reported(Reported::Group(id)) = h.on_prq_entry(&dsc(1, Some(4), 7, true, false, true)) else {
        panic!("the LPIG=1 request closes its group")
    };
    let g = h.core.ready_groups().next().unwrap().clone();
    assert_eq!((g.id, g.records.len()), (id, 2));
    assert_eq!(g.records[0].addr, 0x1007 << 12, "ADDR shifted by 12 (HOST-1)");
    let rs = answer_all(&mut h);
    assert_eq!(rs, vec![VtdPageGrpResp { rid: 1, pp: true, pasid: 4, prgi: 7, rc: 0x0 }]);
    assert_eq!(h.core.answer_count(id), Some(1));
    assert!(h.core.take_events().is_empty());
}

#[test]
fn host22_no_pasid_accepted_or_rejected_per_knob() {
    // accept: reported and answered without PP.
    let mut h = host(HostPolicy::default());
    assert!(matches!(h.on_prq_entry(&dsc(1, None, 3, true, true, false)), VtdEntryFate::Reported(Reported::Group(_))));
    let rs = answer_all(&mut h);
    assert_eq!((rs.len(), rs[0].pp, rs[0].pasid), (1, false, 0));

    // reject: bad; Invalid Request for LPIG=1 only; nothing reaches the core.
    let mut h = host(reject_no_pasid());
    assert_eq!(
        h.on_prq_entry(&dsc(1, None, 3, true, true, false)),
        VtdEntryFate::Bad { reason: BadRequest::NoPasid, answer: Some(VtdPageGrpResp { rid: 1, pp: false, pasid: 0, prgi: 3, rc: 0x1 }) }
    );
    assert_eq!(h.on_prq_entry(&dsc(1, None, 3, false, true, false)), VtdEntryFate::Bad { reason: BadRequest::NoPasid, answer: None });
    // PASID requests are unaffected by the knob.
    assert!(matches!(h.on_prq_entry(&dsc(1, Some(2), 3, false, true, false)), VtdEntryFate::Reported(Reported::Partial)));
    assert_eq!(h.core.stats().records, 1);
}

#[test]
fn host22_non_canonical_address_is_bad() {
    assert!(is_canonical(0x0000_7FFF_FFFF_F000));
    assert!(is_canonical(0xFFFF_8000_0000_0000));
    assert!(!is_canonical(0x0000_8000_0000_0000));
    assert!(!is_canonical(0xFFFF_7FFF_FFFF_F000));
    assert!(!is_canonical(0x0001_0000_0000_0000));

    let mut h = host(HostPolicy::default());
    let hole = PageReqDsc { addr: 0x0000_8000_0000_0000 >> 12, ..dsc(1, Some(1), 2, true, true, false) };
    let VtdEntryFate::Bad { reason, answer } = h.on_prq_entry(&hole) else { panic!("non-canonical") };
    assert_eq!(reason, BadRequest::NonCanonical);
    assert_eq!(answer.map(|a| (a.rc, a.pp, a.pasid)), Some((0x1, true, 1)));
    let high = PageReqDsc { addr: 0xFFFF_8000_0000_0000 >> 12, ..hole };
    assert!(matches!(h.on_prq_entry(&high), VtdEntryFate::Reported(_)));
}

#[test]
fn host22_privileged_read_or_write_is_bad() {
    let mut h = host(HostPolicy::default());
    for (r, w) in [(true, false), (false, true), (true, true)] {
        let d = PageReqDsc { pmr: true, ..dsc(1, Some(1), 2, false, r, w) };
        assert_eq!(h.on_prq_entry(&d), VtdEntryFate::Bad { reason: BadRequest::Privileged, answer: None }, "LPIG=0: no answer");
    }
    // PMR without R or W (and L=0) is not a privileged access: reported.
    let d = PageReqDsc { pmr: true, ..dsc(1, Some(1), 2, false, false, false) };
    assert_eq!(h.on_prq_entry(&d), VtdEntryFate::Reported(Reported::Partial));
}

#[test]
fn host22_execute_with_read_is_bad() {
    let mut h = host(HostPolicy::default());
    let d = PageReqDsc { exr: true, ..dsc(1, Some(1), 2, true, true, false) };
    assert_eq!(bad_reason(h.on_prq_entry(&d)), BadRequest::ExecWithRead);
    // Exe with W only passes the driver; the handler fails it (PRI-6, HOST-5).
    let d = PageReqDsc { exr: true, ..dsc(1, Some(1), 3, true, false, true) };
    assert!(matches!(h.on_prq_entry(&d), VtdEntryFate::Reported(_)));
    let rs = answer_all(&mut h);
    assert_eq!(rs.iter().map(|r| r.rc).collect::<Vec<_>>(), vec![0x1]);
}

#[test]
fn host22_stop_marker_dropped_pasidless_lrw_is_a_request_by_default() {
    let mut h = host(HostPolicy::default());
    assert_eq!(h.on_prq_entry(&dsc(1, Some(4), 0, true, false, false)), VtdEntryFate::Dropped(Dropped::StopMarker));
    assert_eq!(h.core.stats().records, 0, "Stop Markers never reach the core");
    // DEC-1: PASID-less L=1, R=W=0 is the last request of its PRG.
    assert!(matches!(h.on_prq_entry(&dsc(1, None, 5, true, false, false)), VtdEntryFate::Reported(Reported::Group(_))));
    assert_eq!(answer_all(&mut h).len(), 1);
    assert!(h.core.take_events().is_empty());
}

#[test]
fn host24_lrw_only_drops_pasidless_last_request() {
    let mut h = host(HostPolicy { stop_marker_test: StopMarkerTest::LrwOnly, ..HostPolicy::default() });
    assert_eq!(h.on_prq_entry(&dsc(1, None, 5, true, false, false)), VtdEntryFate::Dropped(Dropped::LrwDropped));
    let ev = h.core.take_events();
    assert_eq!(ev, vec![HostEvent::PasidlessLrwDropped { rid: 1, prgi: 5 }]);
    assert_eq!(ev[0].rule(), rules::HOST_24);
    assert!(h.answer_next(&mut InOrder).is_none(), "never answered");
    // A real Stop Marker: a plain drop without hazard.
    assert_eq!(h.on_prq_entry(&dsc(1, Some(4), 0, true, false, false)), VtdEntryFate::Dropped(Dropped::StopMarker));
    assert!(h.core.take_events().is_empty());
}

#[test]
fn host22_unknown_rid_is_bad_once_devices_are_known() {
    let mut h = host(HostPolicy::default());
    assert!(h.knows(9), "no device added: every RID is known");
    h.add_device(1, DeviceCfg::default());
    assert!(h.knows(1) && !h.knows(2));
    assert_eq!(
        h.on_prq_entry(&dsc(2, Some(1), 6, true, true, false)),
        VtdEntryFate::Bad { reason: BadRequest::UnknownRid, answer: Some(VtdPageGrpResp { rid: 2, pp: true, pasid: 1, prgi: 6, rc: 0x1 }) }
    );
    // The Stop Marker test comes first: an unknown RID's Stop Marker is dropped, not answered.
    assert_eq!(h.on_prq_entry(&dsc(2, Some(1), 0, true, false, false)), VtdEntryFate::Dropped(Dropped::StopMarker));
    assert!(matches!(h.on_prq_entry(&dsc(1, Some(1), 6, true, true, false)), VtdEntryFate::Reported(_)));
    // add_device configures the core too (PRPR=0: the response carries no PASID, DEC-13).
    h.add_device(3, DeviceCfg { prpr: false, domain: true });
    h.on_prq_entry(&dsc(3, Some(1), 6, true, true, false));
    let rs = answer_all(&mut h);
    assert_eq!(rs.iter().map(|r| (r.rid, r.pp)).collect::<Vec<_>>(), vec![(1, true), (3, false)]);
}

#[test]
fn host22_first_failing_check_names_the_reason() {
    let noncanonical = 0x0000_8000_0000_0000u64 >> 12;
    // PP=0 under reject comes before the address check...
    let mut h = host(reject_no_pasid());
    let d = PageReqDsc { addr: noncanonical, ..dsc(1, None, 1, true, true, false) };
    assert_eq!(bad_reason(h.on_prq_entry(&d)), BadRequest::NoPasid);
    // ... and before the Stop Marker test: no HOST-24 hazard, Invalid Request sent.
    let mut h = host(HostPolicy { stop_marker_test: StopMarkerTest::LrwOnly, ..reject_no_pasid() });
    let f = h.on_prq_entry(&dsc(1, None, 1, true, false, false));
    assert_eq!(bad_reason(f), BadRequest::NoPasid);
    assert!(h.core.take_events().is_empty());

    let mut h = host(HostPolicy::default());
    h.add_device(1, DeviceCfg::default());
    let d = PageReqDsc { addr: noncanonical, pmr: true, ..dsc(1, Some(1), 1, true, true, false) };
    assert_eq!(bad_reason(h.on_prq_entry(&d)), BadRequest::NonCanonical);
    let d = PageReqDsc { pmr: true, exr: true, ..dsc(1, Some(1), 1, true, true, false) };
    assert_eq!(bad_reason(h.on_prq_entry(&d)), BadRequest::Privileged);
    let d = PageReqDsc { exr: true, ..dsc(7, Some(1), 1, true, true, false) };
    assert_eq!(bad_reason(h.on_prq_entry(&d)), BadRequest::ExecWithRead);
    assert_eq!(h.core.stats().records, 0);
}

// ---------------- HOST-8 ----------------

#[test]
fn host8_overflow_discards_every_partial_keeps_pending() {
    let mut h = host(HostPolicy::default());
    h.on_prq_entry(&dsc(1, Some(1), 1, false, true, false));
    h.on_prq_entry(&dsc(2, Some(1), 1, false, true, false));
    h.on_prq_entry(&dsc(1, Some(1), 2, true, true, false));
    assert_eq!(h.on_overflow(), 2);
    assert!(h.core.partials(1).is_empty() && h.core.partials(2).is_empty());
    assert_eq!(h.core.stats().overflows, 1);
    // The pending group is still answered; a later last request finds no partial.
    assert_eq!(answer_all(&mut h).len(), 1);
    h.on_prq_entry(&dsc(1, Some(1), 1, true, true, false));
    let g = h.core.ready_groups().next().unwrap();
    assert_eq!(g.records.len(), 1);
}

// ---------------- HOST-15, HOST-23: what a response submits ----------------

#[test]
fn host23_response_is_page_grp_resp_with_bit66_then_status_wait() {
    let r = VtdPageGrpResp { rid: 0x0102, pp: true, pasid: 0xABCDE, prgi: 0x1FF, rc: 0x1 };
    let SwDesc::PageGrpResp(d) = classify(r.descriptor().encode(), true) else { panic!("a valid page_grp_resp_dsc") };
    assert_eq!(d, PageGrpRespDsc { pp: true, rc: 0x1, rid: 0x0102, pasid: 0xABCDE, lpig: true, prgi: 0x1FF });
    assert_eq!(d.response(), r.expected_wire());
    let status = StatusWrite { addr: 0x9000_0018, data: 7 };
    assert_eq!(
        classify(sync_wait(status, false), true),
        SwDesc::InvWait(InvWaitDsc { sw: true, status_data: 7, status_addr: 0x9000_0018, ..InvWaitDsc::default() })
    );
}

#[test]
fn host15_failure_code_per_knob_and_raw_hazard() {
    for (knob, rc, hazard) in [(VtdFailureCode::Raw, 0x2, true), (VtdFailureCode::Pcie, 0xF, false)] {
        let mut h = host(HostPolicy { vtd_failure_code: knob, ..HostPolicy::default() });
        h.on_prq_entry(&dsc(1, Some(3), 4, true, true, false));
        let r = h.core.respond(1, 4, Some(3), GenericCode::Failure).unwrap();
        assert_eq!(h.encode(&r).rc, rc);
        let ev = h.core.take_events();
        assert_eq!(ev.iter().any(|e| e.rule() == rules::HOST_15), hazard);
    }
    // Through answer_next: an aborting handler gives FAILURE (HOST-5) and the raw hazard.
    struct Abort;
    impl HostChoices for Abort {
        fn pick_group(&mut self, _n: usize) -> usize {
            0
        }
        fn page(&mut self, _rec: &FaultRecord) -> PageOutcome {
            PageOutcome::Abort
        }
    }
    let mut h = host(HostPolicy::default());
    h.on_prq_entry(&dsc(1, Some(3), 4, true, true, false));
    let (_, r) = h.answer_next(&mut Abort).unwrap();
    let r = r.unwrap();
    assert_eq!((r.rc, r.expected_wire().code), (0x2, RespCode::Reserved(2)));
    assert_eq!(h.core.take_events(), vec![HostEvent::VtdRawFailure { rid: 1, prgi: 4, pasid: Some(3) }]);
}

// ---------------- HOST-25 ----------------

#[test]
fn host25_drain_match_by_rid_and_pasid_presence() {
    let with = dsc(1, Some(5), 1, false, true, false);
    let without = dsc(1, None, 1, false, true, false);
    assert!(drain_matches(&with, 1, Some(5)));
    assert!(!drain_matches(&with, 1, Some(6)));
    assert!(!drain_matches(&with, 2, Some(5)));
    assert!(!drain_matches(&with, 1, None));
    assert!(drain_matches(&without, 1, None));
    assert!(!drain_matches(&without, 1, Some(0)), "PASID 0 is not 'no PASID'");
    // A Stop Marker of P is an entry of P.
    assert!(drain_matches(&dsc(1, Some(5), 0, true, false, false), 1, Some(5)));
}

#[test]
fn host25_drain_batch_fence_invalidations_then_drain_wait() {
    for (pasid, types) in [(Some(5), [0x06, 0x08]), (None, [0x02, 0x03])] {
        let [fence, iotlb, dev_tlb] = drain_descriptors(pasid);
        assert_eq!(classify(fence, true), SwDesc::InvWait(InvWaitDsc { fn_: true, ..InvWaitDsc::default() }));
        assert_eq!(classify(iotlb, true), SwDesc::NoEffect(types[0]));
        assert_eq!(classify(dev_tlb, true), SwDesc::NoEffect(types[1]));
        assert_eq!(&iotlb[1..], &[0, 0, 0]);
    }
    let status = StatusWrite { addr: 0x9000_0008, data: 0xFFFF_FFFF };
    let SwDesc::InvWait(w) = classify(sync_wait(status, true), true) else { panic!("a valid inv_wait_dsc") };
    assert!(w.sw && w.pd && !w.fn_ && !w.if_);
    assert_eq!((w.status_addr, w.status_data), (0x9000_0008, 0xFFFF_FFFF));
}

// ---------------- properties ----------------

fn gen_dsc() -> impl Strategy<Value = PageReqDsc> {
    (
        0u16..3,
        prop::option::of(0u32..3),
        0u16..4,
        any::<[bool; 5]>(),
        prop::sample::select(vec![0x10u64, 0x8_0000_0000, 0xF_FFFF_8000_0000]),
    )
        .prop_map(|(rid, pasid, prgi, [l, r, w, exr, pmr], addr)| PageReqDsc {
            // Hardware writes EXR/PMR only with a PASID (VTD-PRQ-4).
            exr: exr && pasid.is_some(),
            pmr: pmr && pasid.is_some(),
            addr,
            ..dsc(rid, pasid, prgi, l, r, w)
        })
}

proptest! {
    /// Every LPIG=1 entry the driver does not drop is answered exactly once, either at once as a
    /// bad request or through its group (HOST-22, HOST-23, HOST-11); LPIG=0 entries and dropped
    /// entries produce no answer.
    #[test]
    fn host22_every_kept_last_request_answered_once(
        entries in prop::collection::vec(gen_dsc(), 0..40),
        reject in any::<bool>(),
        lrw_only in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let mut h = host(HostPolicy {
            vtd_no_pasid: if reject { VtdNoPasid::Reject } else { VtdNoPasid::Accept },
            stop_marker_test: if lrw_only { StopMarkerTest::LrwOnly } else { StopMarkerTest::PasidRequired },
            ..HostPolicy::default()
        });
        h.add_device(0, DeviceCfg::default());
        h.add_device(1, DeviceCfg::default());
        let mut ch = SeededChoices::new(seed, 64, 0);
        let mut answers = 0usize;
        let mut kept_last = 0usize;
        for d in &entries {
            let f = h.on_prq_entry(d);
            match f {
                VtdEntryFate::Dropped(_) => prop_assert!(d.lpig && !d.rdr && !d.wrr),
                VtdEntryFate::Bad { answer, .. } => {
                    prop_assert_eq!(answer.is_some(), d.lpig);
                    if let Some(a) = answer {
                        prop_assert_eq!((a.rid, a.prgi, a.pp, a.rc), (d.rid, d.prgi, d.pp, 0x1));
                    }
                    answers += answer.is_some() as usize;
                }
                VtdEntryFate::Reported(_) => {}
            }
            if d.lpig && !matches!(f, VtdEntryFate::Dropped(_)) {
                kept_last += 1;
            }
            while let Some((_, r)) = h.answer_next(&mut ch) {
                prop_assert!(r.is_some(), "one pending entry per group: always matched");
                answers += 1;
            }
        }
        prop_assert_eq!(answers, kept_last);
        prop_assert!(h.core.check_answered_once().is_empty());
    }
}
