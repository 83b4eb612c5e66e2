//! The VT-d ordered judge on synthetic transaction streams: a clean stream passes, and each
//! rule it names fails on a stream that breaks it.

use super::*;
use crate::ordered::stream::{feed, rules};
use models::pcie::RespCode;
use models::vtd::desc::PageGrpRespDsc;

const BASE: u64 = 0x8000_0000;
const RID: u16 = 0x100;
/// PE MSI address and data.
const PE_ADDR: u64 = 0xFEE0_1000;

/// A 128-entry PRQ at `BASE`, RID enabled, page request events unmasked, by cycle 5.
fn judge() -> (PrqOrdered, Vec<Violation>) {
    let mut j = PrqOrdered::new(&VtdParams::default(), LatencyBounds { response: 50, entry: 50, reg: 4, irq: 8, ack: 8 });
    let mut out = Vec::new();
    feed(&mut j, &mut out, 1, Txn::RegWrite { addr: regs::PQA, data: BASE });
    feed(&mut j, &mut out, 2, Txn::RegWrite { addr: regs::PRE_BASE, data: regs::PRE_EN | u64::from(RID) });
    feed(&mut j, &mut out, 3, Txn::RegWrite { addr: regs::PEADDR, data: PE_ADDR });
    feed(&mut j, &mut out, 4, Txn::RegWrite { addr: regs::PEDATA, data: 0x41 });
    feed(&mut j, &mut out, 5, Txn::RegWrite { addr: regs::PECTL, data: 0 });
    (j, out)
}

fn req(rid: u16, prgi: u16, l: bool) -> PageRequest {
    PageRequest { rid, pv: true, pasid: 0x77, r: true, l, prgi, page: 0x1234 + u64::from(prgi), ..Default::default() }
}

fn write(m: &PageRequest, index: u64) -> Txn {
    Txn::MemWrite { addr: BASE + 32 * index, bytes: 32, data: PageReqDsc::encode_request(m) }
}

/// One request written and acknowledged: PQT covers it, PPR set, the PE MSI follows.
fn one_entry(j: &mut PrqOrdered, out: &mut Vec<Violation>) {
    feed(j, out, 10, Txn::PageRequest { msg: req(RID, 1, false) });
    feed(j, out, 12, write(&req(RID, 1, false), 0));
    feed(j, out, 13, Txn::MemAck { err: false });
    feed(j, out, 15, Txn::Msi { addr: PE_ADDR, data: 0x41 });
    feed(j, out, 16, Txn::MemAck { err: false });
}

#[test]
fn a_correct_stream_passes() {
    let (mut j, mut out) = judge();
    one_entry(&mut j, &mut out);
    feed(&mut j, &mut out, 17, Txn::RegRead { addr: regs::PQT, data: 32 });
    feed(&mut j, &mut out, 18, Txn::RegRead { addr: regs::PRS, data: u64::from(regs::PRS_PPR) });
    // A disabled RID: fault record and Invalid Request (row a).
    let m = req(0x200, 3, true);
    feed(&mut j, &mut out, 20, Txn::PageRequest { msg: m });
    let rsp = arch::auto_response(Row::A_NotEnabled, &m).unwrap();
    feed(&mut j, &mut out, 23, Txn::Response { rsp });
    feed(&mut j, &mut out, 25, Txn::RegRead { addr: regs::FSTS, data: u64::from(regs::FSTS_PPF) });
    j.finish(60, &mut out);
    assert_eq!(out, vec![]);
}

#[test]
fn a_wrong_descriptor_is_vtd_prq_4_and_a_wrong_slot_vtd_prq_1() {
    let (mut j, mut out) = judge();
    feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(RID, 1, false) });
    let wrong = PageRequest { w: true, ..req(RID, 1, false) };
    feed(&mut j, &mut out, 12, write(&wrong, 0));
    assert_eq!(rules(&out), ["VTD-PRQ-4"]);
    let (mut j, mut out) = judge();
    feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(RID, 1, false) });
    feed(&mut j, &mut out, 12, write(&req(RID, 1, false), 1));
    assert_eq!(rules(&out), ["VTD-PRQ-1"]);
}

#[test]
fn admission_is_judged_anywhere_in_the_window() {
    // PRO set at acceptance, cleared before the DUT decides: the descriptor is legal.
    let (mut j, mut out) = judge();
    j.rf.prq.prs = regs::PRS_PRO;
    j.note(6);
    feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(RID, 1, false) });
    feed(&mut j, &mut out, 11, Txn::RegWrite { addr: regs::PRS, data: u64::from(regs::PRS_PRO) });
    feed(&mut j, &mut out, 13, write(&req(RID, 1, false), 0));
    assert_eq!(out, vec![]);
    // PRO set throughout: the same descriptor breaks row b.
    let (mut j, mut out) = judge();
    j.rf.prq.prs = regs::PRS_PRO;
    j.note(6);
    feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(RID, 1, false) });
    feed(&mut j, &mut out, 13, write(&req(RID, 1, false), 0));
    assert_eq!(rules(&out), ["VTD-PRQ-6"]);
}

#[test]
fn a_disabled_rid_written_is_vtd_prq_5_and_its_answer_must_be_invalid() {
    let (mut j, mut out) = judge();
    feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(0x200, 1, false) });
    feed(&mut j, &mut out, 12, write(&req(0x200, 1, false), 0));
    assert_eq!(rules(&out), ["VTD-PRQ-5"]);
    let (mut j, mut out) = judge();
    let m = req(0x200, 1, true);
    feed(&mut j, &mut out, 10, Txn::PageRequest { msg: m });
    let rsp = PrgResponse { code: RespCode::Success, ..arch::auto_response(Row::A_NotEnabled, &m).unwrap() };
    feed(&mut j, &mut out, 12, Txn::Response { rsp });
    assert_eq!(rules(&out), ["VTD-PRQ-5"]);
}

#[test]
fn software_responses_follow_their_descriptors_in_order() {
    let (mut j, mut out) = judge();
    let d = |prgi| PageGrpRespDsc { pp: false, rc: 0, rid: RID, pasid: 0, lpig: false, prgi };
    feed(&mut j, &mut out, 10, Txn::Command { words: d(3).encode(), n: 4 });
    feed(&mut j, &mut out, 11, Txn::Command { words: d(4).encode(), n: 4 });
    feed(&mut j, &mut out, 13, Txn::Response { rsp: d(4).response() });
    assert_eq!(rules(&out), ["VTD-IQ-5"]);
    // A descriptor whose response never comes breaks VTD-IQ-3 once the bound passes.
    let (mut j, mut out) = judge();
    feed(&mut j, &mut out, 10, Txn::Command { words: d(3).encode(), n: 4 });
    j.finish(70, &mut out);
    assert_eq!(rules(&out), ["VTD-IQ-3"]);
}

#[test]
fn a_pd_wait_completes_only_after_the_drain() {
    let (mut j, mut out) = judge();
    feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(RID, 1, false) });
    let w = InvWaitDsc { if_: false, sw: true, fn_: false, pd: true, status_data: 7, status_addr: 0x9000_0000 };
    feed(&mut j, &mut out, 10, Txn::Command { words: w.encode(), n: 4 });
    feed(&mut j, &mut out, 12, Txn::StatusWrite { addr: 0x9000_0000, data: 7 });
    assert_eq!(rules(&out), ["VTD-IQ-10"]);
    let (mut j, mut out) = judge();
    one_entry(&mut j, &mut out);
    feed(&mut j, &mut out, 20, Txn::Command { words: w.encode(), n: 4 });
    feed(&mut j, &mut out, 22, Txn::StatusWrite { addr: 0x9000_0000, data: 8 });
    assert_eq!(rules(&out), ["VTD-IQ-8"], "the status data of the wait");
}

#[test]
fn event_msis_need_a_condition_and_follow_it_within_the_bound() {
    let (mut j, mut out) = judge();
    feed(&mut j, &mut out, 8, Txn::Msi { addr: PE_ADDR, data: 0x41 });
    assert_eq!(rules(&out), ["VTD-PRQ-13"], "an MSI with no event before it");
    // The acknowledgement that sets PPR from 0 requires the MSI.
    let (mut j, mut out) = judge();
    feed(&mut j, &mut out, 10, Txn::PageRequest { msg: req(RID, 1, false) });
    feed(&mut j, &mut out, 12, write(&req(RID, 1, false), 0));
    feed(&mut j, &mut out, 13, Txn::MemAck { err: false });
    j.finish(40, &mut out);
    assert_eq!(rules(&out), ["VTD-PRQ-13"]);
    // With PPR already set the second descriptor is no event: its MSI is spurious.
    let (mut j, mut out) = judge();
    one_entry(&mut j, &mut out);
    feed(&mut j, &mut out, 20, Txn::PageRequest { msg: req(RID, 2, false) });
    feed(&mut j, &mut out, 22, write(&req(RID, 2, false), 1));
    feed(&mut j, &mut out, 23, Txn::MemAck { err: false });
    feed(&mut j, &mut out, 25, Txn::Msi { addr: PE_ADDR, data: 0x41 });
    assert_eq!(rules(&out), ["VTD-PRQ-13"]);
}

#[test]
fn a_register_read_outside_its_window_is_its_rule() {
    let (mut j, mut out) = judge();
    one_entry(&mut j, &mut out);
    // PQT read within `reg` cycles of the acknowledgement may show either value.
    feed(&mut j, &mut out, 16, Txn::RegRead { addr: regs::PQT, data: 0 });
    assert_eq!(out, vec![]);
    feed(&mut j, &mut out, 30, Txn::RegRead { addr: regs::PQT, data: 0 });
    assert_eq!(rules(&out), ["VTD-PRQ-8"]);
    out.clear();
    feed(&mut j, &mut out, 31, Txn::RegWrite { addr: regs::FSTS, data: 0 });
    feed(&mut j, &mut out, 32, Txn::RegRead { addr: regs::PRE_BASE, data: 0 });
    assert_eq!(rules(&out), ["VTD-PRQ-19"]);
}
