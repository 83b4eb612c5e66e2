//! Tests of the PCIe function model: one focused test per rule, plus property tests over random
//! operation sequences.

use super::cap::{CTRL_ENABLE, CTRL_RESET, STATUS_PRPR, STATUS_RF, STATUS_STOPPED, STATUS_UPRGI};
use super::*;
use crate::rules;

const RID: u16 = 0x0108;

fn cfg() -> FunctionConfig {
    FunctionConfig { rid: RID, capacity: 64, accept_on_send: true, ..Default::default() }
}

fn func(allocation: u32) -> PcieFunction {
    PcieFunction::enabled(cfg(), allocation)
}

fn rsp(pasid: Option<u32>, prgi: u16, code: RespCode) -> PrgResponse {
    PrgResponse { rid: RID, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), prgi, code }
}

/// Start a PRG and send all its requests; returns the handle and the messages.
fn send_prg(f: &mut PcieFunction, pasid: Option<u32>, len: u32) -> (PrgHandle, Vec<PageRequest>) {
    let h = f.start_prg(pasid, len).expect("start_prg");
    let msgs = (0..len).map(|i| f.next_request(h, Access::read(0x1000 + u64::from(i))).expect("next_request")).collect();
    (h, msgs)
}

fn prgi_of(f: &PcieFunction, h: PrgHandle) -> u16 {
    f.prg(h).expect("prg").prgi
}

// ------------------------------------------------------------------ messages and config

#[test]
fn message_api_is_unchanged() {
    let m = PageRequest { rid: RID, pv: true, pasid: 3, l: true, ..Default::default() };
    assert_eq!(m.class(), MsgClass::StopMarker);
    let m = PageRequest { l: true, ..Default::default() };
    assert_eq!(m.class(), MsgClass::LastRequest); // PRI-3 / DEC-1
    assert_eq!(RespCode::from_bits(0x5), RespCode::Reserved(5));
    assert_eq!(RespCode::ResponseFailure.bits(), 0xF);
}

#[test]
fn pri15_config_validation_one_line() {
    assert!(cfg().validate().is_ok());
    let bad = FunctionConfig { prpr: false, pasid_requests: true, ..cfg() };
    let e = bad.validate().unwrap_err();
    assert_eq!(e, FunctionConfigError::PasidWithoutPrpr { rid: cfg().rid });
    let e = e.to_string();
    assert!(e.starts_with("PRI-15"), "{e}");
    assert!(!e.contains('\n'));
    assert!(FunctionConfig { prpr: false, pasid_requests: false, ..cfg() }.validate().is_ok());
    let e = FunctionConfig { prpr: false, pasid_requests: false, prgi_shared_across_pasids: true, ..cfg() }.validate().unwrap_err();
    assert!(matches!(e, FunctionConfigError::SharedPrgiWithoutPasids { .. }) && e.to_string().starts_with("PRI-9"), "{e}");
    let e = FunctionConfig { capacity: 0, ..cfg() }.validate().unwrap_err();
    assert!(matches!(e, FunctionConfigError::NoCapacity { .. }) && e.to_string().starts_with("PRI-11"), "{e}");
    // A function without PASID requests refuses PASID PRGs.
    let mut f = PcieFunction::enabled(FunctionConfig { prpr: false, pasid_requests: false, ..cfg() }, 4);
    assert_eq!(f.start_prg(Some(1), 1), Err(Refusal::PasidRequestsDisabled));
    assert!(f.start_prg(None, 1).is_ok());
}

#[test]
fn config_deserializes_with_defaults() {
    let c: FunctionConfig = serde_json::from_str(r#"{"rid": 7, "faults": {"credit_overrun": true}}"#).unwrap();
    assert_eq!(c.rid, 7);
    assert!(c.prpr && c.faults.credit_overrun && !c.faults.exe_without_read);
}

// ------------------------------------------------------------------ capability (§6)

#[test]
fn pri21_capability_reset_values_and_enable() {
    let mut f = PcieFunction::new(cfg());
    assert_eq!(f.read_control(), 0);
    assert_eq!(f.read_status(), STATUS_STOPPED | STATUS_PRPR);
    assert_eq!(f.read_capacity(), 64);
    assert_eq!(f.read_allocation(), 0);
    assert_eq!(f.start_prg(None, 1), Err(Refusal::Disabled)); // PRI-22
    assert!(f.write_allocation(8).violations.is_empty());
    assert!(f.write_control(CTRL_ENABLE).violations.is_empty());
    assert_eq!(f.read_control(), CTRL_ENABLE);
    assert_eq!(f.read_status() & STATUS_STOPPED, 0); // Enable=1 reads Stopped 0
    assert_eq!(f.allocation(), 8);
    // Reset reads 0; Reset with Enable=1 has no effect.
    let (h, _) = send_prg(&mut f, None, 1);
    let eff = f.write_control(CTRL_ENABLE | CTRL_RESET);
    assert!(!eff.reset);
    assert_eq!(f.read_control(), CTRL_ENABLE);
    assert!(f.prg(h).is_some());
    let no_prpr = PcieFunction::new(FunctionConfig { prpr: false, pasid_requests: false, ..cfg() });
    assert_eq!(no_prpr.read_status() & STATUS_PRPR, 0);
}

#[test]
fn pri21_allocation_latched_at_enable() {
    let mut f = func(4);
    let eff = f.write_allocation(10);
    assert_eq!(eff.violations.len(), 1);
    assert_eq!(eff.violations[0].rule, rules::PRI_23);
    assert_eq!(f.read_allocation(), 10);
    assert_eq!(f.allocation(), 4); // not in force before the next Enable 0->1
    assert!(matches!(f.start_prg(None, 5), Err(Refusal::Credits { needed: 5, available: 4 })));
    f.write_control(0);
    f.write_control(CTRL_ENABLE);
    assert_eq!(f.allocation(), 10);
    assert!(f.start_prg(None, 5).is_ok());
}

#[test]
fn pri21_rf_uprgi_rw1c() {
    let mut f = func(4);
    f.on_response(&rsp(None, 7, RespCode::Success));
    assert_eq!(f.read_status() & STATUS_UPRGI, STATUS_UPRGI);
    f.write_status(STATUS_RF); // other bit: no effect
    assert!(f.uprgi());
    f.write_status(STATUS_UPRGI | STATUS_STOPPED | STATUS_PRPR);
    assert!(!f.uprgi());
    assert_eq!(f.read_status() & STATUS_PRPR, STATUS_PRPR); // RO
    f.on_response(&rsp(None, 0, RespCode::ResponseFailure));
    assert!(f.rf());
    f.write_status(STATUS_RF);
    assert!(!f.rf());
    // PRI-19: clearing the bit does not restart PRI.
    assert!(f.halted());
    assert_eq!(f.start_prg(None, 1), Err(Refusal::ResponseFailure));
}

#[test]
fn pri23_host_misuse_recorded() {
    let mut f = PcieFunction::new(cfg());
    let eff = f.write_allocation(65); // > Capacity
    assert_eq!(eff.violations.len(), 1);
    assert!(eff.violations[0].detail.contains("Capacity"));
    f.write_control(CTRL_ENABLE);
    assert_eq!(f.allocation(), 64, "latched Allocation is clamped to Capacity");
    f.write_allocation(4); // while enabled
    assert_eq!(f.violations().len(), 2);
    // Enable while Stopped=0 and not right after Reset.
    let (_h, _) = send_prg(&mut f, None, 1);
    f.write_control(0);
    assert!(!f.stopped());
    let eff = f.write_control(CTRL_ENABLE);
    assert_eq!(eff.violations.len(), 1);
    assert_eq!(eff.violations[0].rule, rules::PRI_23);
    assert!(f.violations().iter().all(|v| v.rule == rules::PRI_23));
    assert_eq!(f.take_violations().len(), 3);
    // Right after a Reset it is fine.
    f.write_control(0);
    f.write_control(CTRL_RESET);
    assert!(f.write_control(CTRL_ENABLE).violations.is_empty());
    assert!(f.violations().is_empty());
}

// ------------------------------------------------------------------ credits (PRI-11, PRI-12)

#[test]
fn pri11_pri12_credit_accounting() {
    let mut f = func(4);
    let h1 = f.start_prg(Some(1), 3).unwrap();
    assert_eq!(f.credits_committed(), 3);
    assert_eq!(f.credits_used(), 0);
    assert_eq!(f.start_prg(None, 2), Err(Refusal::Credits { needed: 2, available: 1 }));
    for i in 0..3 {
        let m = f.next_request(h1, Access::write(i)).unwrap();
        assert_eq!(m.l, i == 2);
        assert_eq!(f.credits_used(), i as u32 + 1);
    }
    let (h2, _) = send_prg(&mut f, None, 1);
    assert_eq!(f.credits_used(), 4);
    assert!(f.start_prg(None, 1).is_err());
    // Stop Markers take no credit.
    f.request_stop(9, Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker }).unwrap();
    let m = f.stop_marker(9).unwrap();
    assert_eq!(m.class(), MsgClass::StopMarker);
    assert_eq!(f.credits_used(), 4);
    // A response returns all credits of its PRG.
    let e = f.on_response(&rsp(Some(1), prgi_of(&f, h1), RespCode::InvalidRequest));
    assert!(matches!(e, ResponseEffect::Closed { result: PrgResult::InvalidRequest, prg } if prg.handle == h1 && prg.sent == 3));
    assert_eq!(f.credits_used(), 1);
    assert!(f.start_prg(None, 3).is_ok());
    let _ = h2;
}

// ------------------------------------------------------------------ indexes (DEC-11, PRI-8..10)

#[test]
fn pri10_index_reused_after_response() {
    let mut f = func(16);
    let hs: Vec<_> = (0..3).map(|_| send_prg(&mut f, Some(1), 1).0).collect();
    assert_eq!(hs.iter().map(|&h| prgi_of(&f, h)).collect::<Vec<_>>(), vec![0, 1, 2]);
    f.on_response(&rsp(Some(1), 1, RespCode::Success));
    let (h, _) = send_prg(&mut f, Some(2), 1);
    assert_eq!(prgi_of(&f, h), 1, "lowest free index, reused at once");
}

#[test]
fn pri8_default_mode_never_shares_an_index() {
    let mut f = PcieFunction::enabled(FunctionConfig { capacity: 1000, ..cfg() }, 1000);
    for k in 0..512u32 {
        send_prg(&mut f, if k % 3 == 0 { None } else { Some(k % 5 + 1) }, 1);
    }
    let mut seen: Vec<u16> = f.prgs().iter().map(|g| g.prgi).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 512);
    assert_eq!(f.start_prg(Some(77), 1), Err(Refusal::NoFreeIndex));
    assert_eq!(Refusal::NoFreeIndex.rule(), rules::PRI_8);
}

#[test]
fn pri9_shared_mode_shares_across_pasids_only() {
    let mut f = PcieFunction::enabled(FunctionConfig { prgi_shared_across_pasids: true, ..cfg() }, 16);
    let (a, _) = send_prg(&mut f, Some(1), 1);
    let (b, _) = send_prg(&mut f, Some(2), 1);
    let (c, _) = send_prg(&mut f, Some(1), 1);
    let (d, _) = send_prg(&mut f, None, 1);
    let (e, _) = send_prg(&mut f, Some(3), 1);
    assert_eq!(prgi_of(&f, a), 0);
    assert_eq!(prgi_of(&f, b), 0, "prefers an index held by another PASID (hazard on purpose)");
    assert_eq!(prgi_of(&f, c), 1, "never two per (PASID, PRGI)");
    assert_eq!(prgi_of(&f, d), 2, "PV=0 never shares");
    assert_eq!(prgi_of(&f, e), 0);
    // PASID-carrying responses match (PASID, PRGI) (PRI-18).
    let r = f.on_response(&rsp(Some(2), 0, RespCode::Success));
    assert!(matches!(r, ResponseEffect::Closed { prg, .. } if prg.handle == b));
    assert!(f.prg(a).is_some() && f.prg(e).is_some());
    assert_eq!(f.on_response(&rsp(Some(2), 0, RespCode::Success)), ResponseEffect::Unexpected);
    // A PV=0 PRG never takes a shared index even when PASID PRGs hold it.
    let (g, _) = send_prg(&mut f, None, 1);
    assert!(![0, 1, 2].contains(&prgi_of(&f, g)));
}

// ------------------------------------------------------------------ PRG shape (PRI-1, 2, 5, 7)

#[test]
fn pri7_prg_shape() {
    let mut f = func(8);
    let h = f.start_prg(Some(0x12345), 3).unwrap();
    let msgs: Vec<_> = (0..3).map(|i| f.next_request(h, Access::read(i)).unwrap()).collect();
    assert_eq!(msgs.iter().map(|m| m.l).collect::<Vec<_>>(), vec![false, false, true]);
    assert!(msgs.iter().all(|m| m.rid == RID && m.pv && m.pasid == 0x12345 && m.prgi == msgs[0].prgi));
    assert!(f.prg(h).unwrap().last_sent);
    assert_eq!(f.next_request(h, Access::read(0)), Err(Refusal::PrgClosed));
    let h2 = f.start_prg(Some(1), 2).unwrap();
    assert_eq!(f.next_request_as(h2, Access::read(0), Some(2)), Err(Refusal::MixedPasid));
    assert_eq!(f.next_request_as(h2, Access::read(0), None), Err(Refusal::MixedPasid));
    assert!(f.next_request_as(h2, Access::read(0), Some(1)).is_ok());
    assert_eq!(f.next_request(PrgHandle(999), Access::read(0)), Err(Refusal::UnknownPrg));
    assert_eq!(f.start_prg(None, 0), Err(Refusal::ZeroLength));
    assert_eq!(f.start_prg(Some(1 << 20), 1), Err(Refusal::PasidOutOfRange));
    assert!(f.injected_faults().is_empty());
}

#[test]
fn pri1_pri2_pri3_pri5_request_fields() {
    let mut f = func(8);
    // PRI-1: no PASID, so Exe and Priv are driven 0.
    let h = f.start_prg(None, 1).unwrap();
    let m = f.next_request(h, Access { exe: true, priv_: true, r: true, page: u64::MAX, ..Default::default() }).unwrap();
    assert!(!m.exe && !m.priv_ && !m.pv && m.pasid == 0);
    assert_eq!(m.page, (1 << 52) - 1);
    // PRI-3: PV=0, L=1, R=W=0 is an ordinary last request.
    let h = f.start_prg(None, 1).unwrap();
    let m = f.next_request(h, Access::default()).unwrap();
    assert_eq!(m.class(), MsgClass::LastRequest);
    // PRI-2: PV=1, L=1, R=W=0 would be a Stop Marker.
    let h = f.start_prg(Some(4), 2).unwrap();
    assert!(f.next_request(h, Access::default()).is_ok()); // L=0 is fine
    assert_eq!(f.next_request(h, Access::default()), Err(Refusal::WouldBeStopMarker));
    // PRI-5: Exe needs R.
    assert_eq!(f.next_request(h, Access { exe: true, w: true, ..Default::default() }), Err(Refusal::ExeWithoutRead));
    let m = f.next_request(h, Access { exe: true, r: true, priv_: true, ..Default::default() }).unwrap();
    assert!(m.exe && m.priv_ && m.r && m.l);
}

// ------------------------------------------------------------------ responses (§5)

#[test]
fn pri18_pri20_response_only_after_last() {
    let mut f = func(8);
    let h = f.start_prg(Some(1), 2).unwrap();
    f.next_request(h, Access::read(1)).unwrap();
    let p = prgi_of(&f, h);
    // L=1 not sent yet: no match, UPRGI, nothing else.
    assert_eq!(f.on_response(&rsp(Some(1), p, RespCode::Success)), ResponseEffect::Unexpected);
    assert!(f.uprgi());
    assert_eq!(f.credits_used(), 1);
    f.next_request(h, Access::read(2)).unwrap();
    // Wrong PASID with PRPR=1: no match.
    assert_eq!(f.on_response(&rsp(Some(2), p, RespCode::Success)), ResponseEffect::Unexpected);
    assert!(f.prg(h).is_some());
    let e = f.on_response(&rsp(Some(1), p, RespCode::Success));
    assert!(matches!(e, ResponseEffect::Closed { result: PrgResult::Success, .. }));
    assert_eq!(f.credits_used(), 0);
    assert_eq!(f.closed_counts(), (1, 0, 0));
    // Not for this RID.
    let other = PrgResponse { rid: RID + 1, ..rsp(None, 0, RespCode::ResponseFailure) };
    assert_eq!(f.on_response(&other), ResponseEffect::NotForThisFunction);
    assert!(!f.rf());
}

#[test]
fn pri20_bogus_response_sets_uprgi_only() {
    let mut f = func(8);
    let (h, _) = send_prg(&mut f, Some(1), 2);
    let before = (f.prgs().to_vec(), f.credits_used(), f.rf());
    assert_eq!(f.on_response(&rsp(Some(1), 300, RespCode::InvalidRequest)), ResponseEffect::Unexpected);
    assert!(f.uprgi());
    assert_eq!((f.prgs().to_vec(), f.credits_used(), f.rf()), before);
    assert!(f.prg(h).is_some());
}

#[test]
fn pri14_pasid_response_to_prpr0_function() {
    let mut f = PcieFunction::enabled(FunctionConfig { prpr: false, pasid_requests: false, ..cfg() }, 8);
    let (h, _) = send_prg(&mut f, None, 1);
    let p = prgi_of(&f, h);
    // PRPR=0: matching ignores the PASID, the violation is recorded.
    let e = f.on_response(&rsp(Some(5), p, RespCode::Success));
    assert!(matches!(e, ResponseEffect::Closed { .. }));
    assert_eq!(f.violations().len(), 1);
    assert_eq!(f.violations()[0].rule, rules::PRI_14);
    // PRPR=1 and a PASID-less response to a PASID PRG: matched on PRGI, recorded.
    let mut f = func(8);
    let (h, _) = send_prg(&mut f, Some(3), 1);
    let e = f.on_response(&rsp(None, prgi_of(&f, h), RespCode::Success));
    assert!(matches!(e, ResponseEffect::Closed { .. }));
    assert_eq!(f.violations()[0].rule, rules::PRI_14);
}

#[test]
fn pri32_responses_in_any_order() {
    let mut f = func(8);
    let hs: Vec<_> = (0..4).map(|k| send_prg(&mut f, Some(k + 1), 2).0).collect();
    for &k in &[2usize, 0, 3, 1] {
        let g = *f.prg(hs[k]).unwrap();
        assert!(
            matches!(f.on_response(&rsp(Some(g.pasid), g.prgi, RespCode::Success)), ResponseEffect::Closed { prg, .. } if prg.handle == hs[k])
        );
    }
    assert!(f.is_quiescent());
    assert!(!f.uprgi());
}

#[test]
fn pri19_pri21_rf_abandons_ignores_until_reset_and_enable() {
    let mut f = func(8);
    let (h1, _) = send_prg(&mut f, Some(1), 2);
    let h2 = f.start_prg(None, 3).unwrap();
    f.next_request(h2, Access::read(0)).unwrap();
    // RF naming a PRGI nobody holds still acts.
    let e = f.on_response(&rsp(None, 400, RespCode::ResponseFailure));
    assert_eq!(e, ResponseEffect::ResponseFailure { abandoned: vec![h1, h2] });
    assert!(f.rf() && f.halted());
    assert_eq!(f.credits_used(), 0);
    assert!(f.prgs().is_empty());
    assert_eq!(f.start_prg(None, 1), Err(Refusal::ResponseFailure));
    assert_eq!(f.next_request(h2, Access::read(1)), Err(Refusal::UnknownPrg));
    f.request_stop(1, Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker }).unwrap();
    assert_eq!(f.stop_marker(1), Err(Refusal::ResponseFailure));
    // Later responses are ignored, no UPRGI.
    assert_eq!(f.on_response(&rsp(Some(1), 0, RespCode::Success)), ResponseEffect::Ignored);
    assert_eq!(f.on_response(&rsp(None, 9, RespCode::ResponseFailure)), ResponseEffect::Ignored);
    assert!(!f.uprgi());
    // Reset while enabled has no effect; disable + reset + enable restarts PRI.
    f.write_control(CTRL_ENABLE | CTRL_RESET);
    assert!(f.halted());
    f.write_control(0);
    assert!(f.stopped());
    assert!(f.write_control(CTRL_RESET).reset);
    assert!(f.write_control(CTRL_ENABLE).violations.is_empty());
    assert!(!f.rf() && !f.halted());
    let (h, _) = send_prg(&mut f, None, 1);
    assert_eq!(prgi_of(&f, h), 0);
    // The owed Stop Marker can go now.
    assert!(f.marker_due(1));
    f.stop_marker(1).unwrap();
    assert!(f.stop_complete(1));
}

#[test]
fn dec8_reserved_codes_are_response_failure() {
    for code in 0x2..=0xEu8 {
        let mut f = func(8);
        let (h, _) = send_prg(&mut f, Some(1), 1);
        let p = prgi_of(&f, h);
        let e = f.on_response(&rsp(Some(1), p, RespCode::from_bits(code)));
        assert_eq!(e, ResponseEffect::ResponseFailure { abandoned: vec![h] }, "code {code:#x}");
        assert!(f.rf() && !f.uprgi());
    }
}

// ------------------------------------------------------------------ Enable 1->0 and Reset

#[test]
fn pri22_disable_abandons_open_prgs_only() {
    let mut f = func(8);
    let (done, _) = send_prg(&mut f, Some(1), 2); // L=1 sent
    let part = f.start_prg(Some(2), 3).unwrap();
    f.next_request(part, Access::read(0)).unwrap(); // open, 1 sent
    let fresh = f.start_prg(None, 2).unwrap(); // open, none sent
    assert_eq!(f.credits_used(), 3);
    let eff = f.write_control(0);
    assert_eq!(eff.abandoned, vec![part, fresh]);
    assert_eq!(f.credits_used(), 2);
    assert_eq!(f.credits_committed(), 2);
    assert!(!f.stopped(), "a PRG whose L=1 was sent is still outstanding");
    assert_eq!(f.start_prg(None, 1), Err(Refusal::Disabled));
    assert_eq!(f.next_request(part, Access::read(1)), Err(Refusal::UnknownPrg));
    // Responses are still taken while Enable=0.
    let p = prgi_of(&f, done);
    assert!(matches!(f.on_response(&rsp(Some(1), p, RespCode::Success)), ResponseEffect::Closed { .. }));
    assert!(f.stopped());
    assert_eq!(f.read_status() & STATUS_STOPPED, STATUS_STOPPED);
}

#[test]
fn pri21_reset_clears_prg_state_when_disabled() {
    let mut f = func(8);
    let (_h, _) = send_prg(&mut f, Some(1), 2);
    let (_h, _) = send_prg(&mut f, None, 1);
    // Reset and disable in one write: disable first, then reset.
    let eff = f.write_control(CTRL_RESET);
    assert!(eff.reset);
    assert!(f.prgs().is_empty() && f.credits_used() == 0 && f.stopped());
    assert_eq!(f.read_control(), 0, "Reset reads 0");
    f.write_control(CTRL_ENABLE);
    let (h, _) = send_prg(&mut f, Some(1), 1);
    assert_eq!(prgi_of(&f, h), 0, "allocator cleared");
    // A response to a PRG lost by the reset is unexpected.
    assert_eq!(f.on_response(&rsp(Some(1), 1, RespCode::Success)), ResponseEffect::Unexpected);
}

// ------------------------------------------------------------------ stop-PASID (§7)

#[test]
fn pri24_pri25_variant_a_completion_timing() {
    let mut f = func(8);
    let (out, _) = send_prg(&mut f, Some(5), 1);
    let open = f.start_prg(Some(5), 2).unwrap();
    f.next_request(open, Access::read(0)).unwrap();
    let (other, _) = send_prg(&mut f, Some(6), 1);
    f.request_stop(5, Variant::A).unwrap();
    assert_eq!(f.request_stop(5, Variant::A), Err(Refusal::PasidStopping));
    assert_eq!(f.start_prg(Some(5), 1), Err(Refusal::PasidStopping)); // PRI-24
    assert!(f.start_prg(Some(6), 1).is_ok(), "other PASIDs unaffected");
    assert!(!f.stop_complete(5));
    let m = f.next_request(open, Access::read(1)).unwrap(); // finishing an open PRG is allowed
    assert!(m.l);
    assert!(!f.stop_complete(5), "outstanding PRGs not answered yet");
    f.on_response(&rsp(Some(5), prgi_of(&f, out), RespCode::Success));
    assert!(!f.stop_complete(5));
    assert_eq!(f.stop_marker(5), Err(Refusal::NoMarkerDue));
    let e = f.on_response(&rsp(Some(5), prgi_of(&f, open), RespCode::InvalidRequest));
    assert!(matches!(e, ResponseEffect::Closed { .. }), "variant A PRGs are not stale");
    assert!(f.stop_complete(5));
    assert!(!f.marker_due(5));
    assert_eq!(f.stop_marker(5), Err(Refusal::NoMarkerDue)); // PRI-25: no marker
    assert_eq!(f.start_prg(Some(5), 1), Err(Refusal::PasidStopped)); // PRI-30
    assert_eq!(f.bind(5), Ok(1));
    assert!(!f.stopping(5));
    let h = f.start_prg(Some(5), 1).unwrap();
    assert_eq!(f.prg(h).unwrap().incarnation, 1);
    assert!(f.prg(other).is_some());
}

#[test]
fn pri29_stop_complete_waits_for_acceptance() {
    let mut f = PcieFunction::enabled(FunctionConfig { accept_on_send: false, ..cfg() }, 8);
    let (h, msgs) = send_prg(&mut f, Some(5), 2);
    assert_eq!(f.unaccepted(), 2);
    f.request_stop(5, Variant::A).unwrap();
    f.on_response(&rsp(Some(5), prgi_of(&f, h), RespCode::Success));
    assert!(!f.stop_complete(5), "two messages of P not yet accepted");
    assert!(f.on_accepted(&msgs[0]));
    assert!(!f.stop_complete(5));
    assert!(f.on_accepted(&msgs[1]));
    assert!(f.stop_complete(5));
    assert!(!f.on_accepted(&msgs[1]), "more acceptances than messages");
    assert!(f.is_quiescent());
}

#[test]
fn pri26_pri27_variant_b_stale_and_marker() {
    let mut f = PcieFunction::enabled(FunctionConfig { accept_on_send: false, ..cfg() }, 8);
    let (out, mut sent) = send_prg(&mut f, Some(5), 2);
    let open = f.start_prg(Some(5), 2).unwrap();
    sent.push(f.next_request(open, Access::read(7)).unwrap());
    let (keep, m6) = send_prg(&mut f, Some(6), 1);
    f.request_stop(5, Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker }).unwrap();
    assert!(!f.prg(out).unwrap().stale, "stale only once no PRG of P is open");
    assert!(!f.marker_due(5));
    assert_eq!(f.stop_marker(5), Err(Refusal::OpenPrg)); // PRI-27
    sent.push(f.next_request(open, Access::read(8)).unwrap());
    assert!(f.prg(out).unwrap().stale && f.prg(open).unwrap().stale);
    assert!(!f.prg(keep).unwrap().stale);
    assert!(f.marker_due(5));
    let marker = f.stop_marker(5).unwrap();
    assert_eq!(marker, PageRequest { rid: RID, pv: true, pasid: 5, l: true, ..Default::default() });
    assert_eq!(marker.class(), MsgClass::StopMarker);
    assert_eq!(f.stop_marker(5), Err(Refusal::MarkerAlreadySent));
    // CompleteAfterMarker: not before every message, marker included, was accepted (PRI-29).
    for m in sent.iter().chain(&m6) {
        f.on_accepted(m);
    }
    assert!(!f.stop_complete(5));
    f.on_accepted(&marker);
    assert!(f.stop_complete(5), "variant B completes with stale PRGs outstanding");
    // Stale responses free PRGI and credits only, never UPRGI.
    let used = f.credits_used();
    let p_out = prgi_of(&f, out);
    let e = f.on_response(&rsp(Some(5), p_out, RespCode::Success));
    assert!(matches!(e, ResponseEffect::StaleFreed { prg } if prg.handle == out));
    assert_eq!(f.credits_used(), used - 2);
    let p_open = prgi_of(&f, open);
    assert!(matches!(f.on_response(&rsp(Some(5), p_open, RespCode::InvalidRequest)), ResponseEffect::StaleFreed { .. }));
    assert!(!f.uprgi());
    assert_eq!(f.closed_counts(), (0, 0, 2));
    let (h, _) = send_prg(&mut f, Some(6), 1);
    assert_eq!(prgi_of(&f, h), p_out.min(p_open), "PRGI freed by the stale response");
}

#[test]
fn pri26_marker_vs_complete_knob() {
    let b = |k| Variant::B { marker_vs_complete: k };
    // Before: complete first, marker refused until then, bind refused until the marker is sent.
    let mut f = PcieFunction::enabled(FunctionConfig { accept_on_send: false, ..cfg() }, 8);
    let (_h, msgs) = send_prg(&mut f, Some(1), 1);
    f.request_stop(1, b(MarkerVsComplete::CompleteBeforeMarker)).unwrap();
    assert!(!f.stop_complete(1));
    assert_eq!(f.stop_marker(1), Err(Refusal::StopNotComplete));
    f.on_accepted(&msgs[0]);
    assert!(f.stop_complete(1));
    assert_eq!(f.bind(1), Err(Refusal::PasidStopping), "marker still owed");
    assert!(!f.is_quiescent());
    let m = f.stop_marker(1).unwrap();
    f.on_accepted(&m);
    assert_eq!(f.bind(1), Ok(1));

    // Together: signalled by the marker send once earlier messages were accepted.
    let mut f = PcieFunction::enabled(FunctionConfig { accept_on_send: false, ..cfg() }, 8);
    let (_h, msgs) = send_prg(&mut f, Some(1), 1);
    f.request_stop(1, b(MarkerVsComplete::Together)).unwrap();
    f.on_accepted(&msgs[0]);
    assert!(!f.stop_complete(1));
    let m = f.stop_marker(1).unwrap();
    assert!(f.stop_complete(1));
    f.on_accepted(&m);
    // Together with earlier messages in flight: complete when they are accepted.
    let mut f = PcieFunction::enabled(FunctionConfig { accept_on_send: false, ..cfg() }, 8);
    let (_h, msgs) = send_prg(&mut f, Some(1), 1);
    f.request_stop(1, b(MarkerVsComplete::Together)).unwrap();
    let m = f.stop_marker(1).unwrap();
    assert!(!f.stop_complete(1));
    f.on_accepted(&msgs[0]);
    assert!(f.stop_complete(1));
    f.on_accepted(&m);

    // After: only when the marker itself was accepted.
    let mut f = PcieFunction::enabled(FunctionConfig { accept_on_send: false, ..cfg() }, 8);
    f.request_stop(1, b(MarkerVsComplete::CompleteAfterMarker)).unwrap();
    assert!(!f.stop_complete(1));
    let m = f.stop_marker(1).unwrap();
    assert!(!f.stop_complete(1));
    f.on_accepted(&m);
    assert!(f.stop_complete(1));
    assert_eq!(f.bind(1), Ok(1));
    assert!(f.is_quiescent());
}

#[test]
fn pri30_incarnations_and_stale_prgi() {
    let mut f = PcieFunction::enabled(FunctionConfig { prgi_shared_across_pasids: true, ..cfg() }, 8);
    assert_eq!(f.incarnation(5), 0);
    assert_eq!(f.bind(5), Ok(0), "binding a bound PASID changes nothing");
    let (old, _) = send_prg(&mut f, Some(5), 1);
    assert_eq!(prgi_of(&f, old), 0);
    f.request_stop(5, Variant::B { marker_vs_complete: MarkerVsComplete::Together }).unwrap();
    f.stop_marker(5).unwrap();
    assert!(f.stop_complete(5));
    assert_eq!(f.start_prg(Some(5), 1), Err(Refusal::PasidStopped));
    assert_eq!(f.request_stop(5, Variant::A), Err(Refusal::PasidStopped));
    assert_eq!(f.bind(5), Ok(1));
    assert_eq!(f.incarnation(5), 1);
    // Another PASID may share index 0 with the stale PRG (shared mode) ...
    let (q, _) = send_prg(&mut f, Some(6), 1);
    assert_eq!(prgi_of(&f, q), 0);
    // ... but the new incarnation of PASID 5 never uses an index its stale PRG holds.
    let (new, _) = send_prg(&mut f, Some(5), 1);
    assert_eq!(prgi_of(&f, new), 1);
    assert_eq!(f.prg(new).unwrap().incarnation, 1);
    assert_eq!(f.prg(old).unwrap().incarnation, 0);
    assert!(f.prg(old).unwrap().stale);
    // The stale PRG keeps its credits until answered.
    assert_eq!(f.credits_used(), 3);
    // A PASID-carrying response for index 0 of PASID 5 goes to the stale PRG, not the new one.
    assert!(matches!(f.on_response(&rsp(Some(5), 0, RespCode::Success)), ResponseEffect::StaleFreed { prg } if prg.handle == old));
    assert!(matches!(f.on_response(&rsp(Some(5), 1, RespCode::Success)), ResponseEffect::Closed { prg, .. } if prg.handle == new));
    // A second stop/bind round.
    f.request_stop(5, Variant::A).unwrap();
    assert!(f.stop_complete(5));
    assert_eq!(f.bind(5), Ok(2));
}

#[test]
fn pri22_no_marker_while_disabled() {
    let mut f = func(8);
    f.request_stop(3, Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker }).unwrap();
    f.write_control(0);
    assert_eq!(f.stop_marker(3), Err(Refusal::Disabled));
    assert!(!f.stop_complete(3));
    f.write_control(CTRL_ENABLE);
    f.stop_marker(3).unwrap();
    assert!(f.stop_complete(3));
}

// ------------------------------------------------------------------ fault injection

#[test]
fn fault_credit_overrun() {
    let faults = FaultModes { credit_overrun: true, ..Default::default() };
    let mut f = PcieFunction::enabled(FunctionConfig { faults, ..cfg() }, 2);
    send_prg(&mut f, None, 2);
    send_prg(&mut f, None, 3);
    assert_eq!(f.credits_used(), 5);
    assert!(f.credits_used() > f.allocation());
    assert_eq!(f.injected_faults(), &[rules::PRI_11]);
}

#[test]
fn fault_second_last_on_outstanding() {
    let faults = FaultModes { second_last_on_outstanding: true, ..Default::default() };
    let mut f = PcieFunction::enabled(FunctionConfig { faults, ..cfg() }, 8);
    let (h, msgs) = send_prg(&mut f, Some(1), 1);
    let again = f.next_request(h, Access::read(9)).unwrap();
    assert!(again.l && again.prgi == msgs[0].prgi && again.pasid == 1);
    assert_eq!(f.injected_faults(), &[rules::PRI_8]);
    assert_eq!(f.prg(h).unwrap().sent, 2);
    // One response answers the PRG and returns both credits.
    assert!(matches!(f.on_response(&rsp(Some(1), again.prgi, RespCode::Success)), ResponseEffect::Closed { .. }));
    assert_eq!(f.credits_used(), 0);
}

#[test]
fn fault_marker_with_open_prg() {
    let faults = FaultModes { marker_with_open_prg: true, ..Default::default() };
    let mut f = PcieFunction::enabled(FunctionConfig { faults, ..cfg() }, 8);
    let h = f.start_prg(Some(1), 2).unwrap();
    f.next_request(h, Access::read(0)).unwrap();
    f.request_stop(1, Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker }).unwrap();
    let m = f.stop_marker(1).unwrap();
    assert_eq!(m.class(), MsgClass::StopMarker);
    assert_eq!(f.injected_faults(), &[rules::PRI_27]);
    // Still exactly one marker.
    assert_eq!(f.stop_marker(1), Err(Refusal::MarkerAlreadySent));
    f.next_request(h, Access::read(1)).unwrap();
    assert!(f.stop_complete(1));
}

#[test]
fn fault_mixed_pasid_prg() {
    let faults = FaultModes { mixed_pasid_prg: true, ..Default::default() };
    let mut f = PcieFunction::enabled(FunctionConfig { faults, ..cfg() }, 8);
    let h = f.start_prg(Some(1), 3).unwrap();
    let a = f.next_request(h, Access::read(0)).unwrap();
    let b = f.next_request_as(h, Access::read(1), Some(2)).unwrap();
    let c = f.next_request_as(h, Access::read(2), None).unwrap();
    assert_eq!((a.pasid, b.pasid, c.pv), (1, 2, false));
    assert!(a.prgi == b.prgi && b.prgi == c.prgi && c.l);
    assert_eq!(f.injected_faults(), &[rules::PRI_7, rules::PRI_7]);
}

#[test]
fn fault_exe_without_read() {
    let faults = FaultModes { exe_without_read: true, ..Default::default() };
    let mut f = PcieFunction::enabled(FunctionConfig { faults, ..cfg() }, 8);
    let h = f.start_prg(Some(1), 1).unwrap();
    let m = f.next_request(h, Access { exe: true, w: true, ..Default::default() }).unwrap();
    assert!(m.exe && !m.r && m.pv);
    assert_eq!(f.injected_faults(), &[rules::PRI_5]);
}

#[test]
fn refusals_name_rules() {
    assert_eq!(Refusal::Credits { needed: 1, available: 0 }.rule(), rules::PRI_11);
    assert_eq!(Refusal::OpenPrg.rule(), rules::PRI_27);
    assert!(Refusal::ResponseFailure.to_string().starts_with("PRI-19"));
}

// ------------------------------------------------------------------ properties

mod props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Start { pasid: u8, len: u32 },
        Next { pick: usize, exe: bool },
        Respond { pick: usize, code: u8, with_pasid: bool },
        Bogus { prgi: u16, pasid: u8 },
        Stop { pasid: u8, b: bool, knob: u8 },
        Marker { pasid: u8 },
        Bind { pasid: u8 },
        Accept,
        Disable,
        Enable,
        Reset,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u8..4, 1u32..5).prop_map(|(pasid, len)| Op::Start { pasid, len }),
            10 => (any::<usize>(), any::<bool>()).prop_map(|(pick, exe)| Op::Next { pick, exe }),
            6 => (any::<usize>(), prop_oneof![8 => 0u8..2, 1 => 2u8..16], prop_oneof![9 => Just(true), 1 => Just(false)])
                .prop_map(|(pick, code, with_pasid)| Op::Respond { pick, code, with_pasid }),
            1 => (0u16..512, 0u8..4).prop_map(|(prgi, pasid)| Op::Bogus { prgi, pasid }),
            1 => (1u8..4, any::<bool>(), 0u8..3).prop_map(|(pasid, b, knob)| Op::Stop { pasid, b, knob }),
            2 => (1u8..4).prop_map(|pasid| Op::Marker { pasid }),
            2 => (1u8..4).prop_map(|pasid| Op::Bind { pasid }),
            3 => Just(Op::Accept),
            1 => Just(Op::Disable),
            2 => Just(Op::Enable),
            1 => Just(Op::Reset),
        ]
    }

    fn pasid_of(p: u8) -> Option<u32> {
        (p != 0).then_some(u32::from(p))
    }

    /// Apply one op; the harness side keeps the messages awaiting acceptance.
    fn apply(f: &mut PcieFunction, pending: &mut std::collections::VecDeque<PageRequest>, op: &Op) {
        match *op {
            Op::Start { pasid, len } => {
                let _ = f.start_prg(pasid_of(pasid), len);
            }
            Op::Next { pick, exe } => {
                let open: Vec<_> = f.prgs().iter().filter(|g| g.is_open()).map(|g| g.handle).collect();
                if !open.is_empty() {
                    let a = Access { r: true, exe, ..Access::read(pick as u64) };
                    if let Ok(m) = f.next_request(open[pick % open.len()], a) {
                        pending.push_back(m);
                    }
                }
            }
            Op::Respond { pick, code, with_pasid } => {
                let done: Vec<_> = f.prgs().iter().filter(|g| g.last_sent).copied().collect();
                if !done.is_empty() {
                    let g = done[pick % done.len()];
                    let pv = g.pv && with_pasid;
                    let r =
                        PrgResponse { rid: RID, pv, pasid: if pv { g.pasid } else { 0 }, prgi: g.prgi, code: RespCode::from_bits(code) };
                    f.on_response(&r);
                }
            }
            Op::Bogus { prgi, pasid } => {
                f.on_response(&rsp(pasid_of(pasid), prgi, RespCode::Success));
            }
            Op::Stop { pasid, b, knob } => {
                let v = if b {
                    let k = [MarkerVsComplete::CompleteBeforeMarker, MarkerVsComplete::CompleteAfterMarker, MarkerVsComplete::Together]
                        [knob as usize];
                    Variant::B { marker_vs_complete: k }
                } else {
                    Variant::A
                };
                let _ = f.request_stop(u32::from(pasid), v);
            }
            Op::Marker { pasid } => {
                if let Ok(m) = f.stop_marker(u32::from(pasid)) {
                    pending.push_back(m);
                }
            }
            Op::Bind { pasid } => {
                let _ = f.bind(u32::from(pasid));
            }
            Op::Accept => {
                if let Some(m) = pending.pop_front() {
                    assert!(f.on_accepted(&m), "in-order acceptance is always expected");
                }
            }
            Op::Disable => {
                f.write_control(0);
            }
            Op::Enable => {
                f.write_control(CTRL_ENABLE);
            }
            Op::Reset => {
                f.write_control(CTRL_RESET);
            }
        }
    }

    fn check_default_invariants(f: &PcieFunction) {
        // PRI-11: never above the latched Allocation (reservations included).
        assert!(f.credits_used() <= f.credits_committed());
        assert!(f.credits_committed() <= f.allocation(), "{} > {}", f.credits_committed(), f.allocation());
        // PRI-8: one PRG per PRGI.
        let mut idx: Vec<u16> = f.prgs().iter().map(|g| g.prgi).collect();
        idx.sort_unstable();
        let n = idx.len();
        idx.dedup();
        assert_eq!(idx.len(), n, "two PRGs share a PRGI: {:?}", f.prgs());
        // PRI-22: with Enable=0 no PRG is open.
        if !f.is_enabled() {
            assert!(f.prgs().iter().all(|g| g.last_sent));
        }
        // PRI-19: nothing held while halted.
        if f.halted() {
            assert!(f.prgs().is_empty());
        }
    }

    /// Finish every open PRG, answer every outstanding one: all PRGs, credits and indexes free.
    fn drain(f: &mut PcieFunction, pending: &mut std::collections::VecDeque<PageRequest>) {
        if f.halted() {
            // PRI-19 / PRI-21: after a Response Failure, reset and re-enable.
            assert!(f.prgs().is_empty());
            f.write_control(CTRL_RESET);
        }
        if !f.is_enabled() {
            f.write_control(CTRL_ENABLE);
        }
        let open: Vec<_> = f.prgs().iter().filter(|g| g.is_open()).map(|g| g.handle).collect();
        for h in open {
            while f.prg(h).is_some_and(|g| g.is_open()) {
                pending.push_back(f.next_request(h, Access::read(1)).expect("open PRG can always be finished"));
            }
        }
        for g in f.prgs().to_vec() {
            let r = PrgResponse { rid: RID, pv: g.pv, pasid: g.pasid, prgi: g.prgi, code: RespCode::Success };
            let e = f.on_response(&r);
            assert!(
                matches!(e, ResponseEffect::Closed { prg, .. } | ResponseEffect::StaleFreed { prg } if prg.handle == g.handle),
                "{e:?} for {g:?}"
            );
        }
        assert!(f.prgs().is_empty());
        assert_eq!(f.credits_used(), 0);
        while let Some(m) = pending.pop_front() {
            assert!(f.on_accepted(&m));
        }
        assert_eq!(f.unaccepted(), 0);
        // Every index usable again.
        let h = f.start_prg(None, 1).unwrap();
        assert_eq!(f.prg(h).unwrap().prgi, 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn default_mode_invariants(ops in proptest::collection::vec(op(), 1..200), alloc in 1u32..12) {
            let mut f = PcieFunction::enabled(FunctionConfig { accept_on_send: false, ..cfg() }, alloc);
            let mut pending = std::collections::VecDeque::new();
            for o in &ops {
                apply(&mut f, &mut pending, o);
                check_default_invariants(&f);
                // Stop Markers never hold a PRGI or credit (PRI-17) and no illegal act happens.
                prop_assert!(f.injected_faults().is_empty());
            }
            drain(&mut f, &mut pending);
        }

        #[test]
        fn shared_mode_invariants(ops in proptest::collection::vec(op(), 1..200), alloc in 1u32..12) {
            let c = FunctionConfig { prgi_shared_across_pasids: true, accept_on_send: false, ..cfg() };
            let mut f = PcieFunction::enabled(c, alloc);
            let mut pending = std::collections::VecDeque::new();
            for o in &ops {
                apply(&mut f, &mut pending, o);
                prop_assert!(f.credits_committed() <= f.allocation());
                // PRI-9: a shared PRGI only between PV=1 PRGs of different PASIDs.
                let g = f.prgs();
                for (i, a) in g.iter().enumerate() {
                    for b in &g[i + 1..] {
                        if a.prgi == b.prgi {
                            prop_assert!(a.pv && b.pv && a.pasid != b.pasid, "{:?} {:?}", a, b);
                        }
                    }
                }
            }
            drain(&mut f, &mut pending);
        }
    }
}
