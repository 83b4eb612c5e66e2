//! Registered VT-d tests: a directed sequence per rule and decision of `vtd.md` (each asserts the
//! architectural outcome the rule promises), and the seeded classes. Every run is also judged
//! by the lockstep scoreboard and the VT-d protocol checkers.

use super::env::{VtdSequences, FE_MSI, IE_MSI, PE_MSI};
use super::host::{drain_pasid, prq_thread, VtdHostState};
use crate::agents::memory::MemoryBehaviour;
use crate::agents::pcie_fn::TrafficPlan;
use crate::classes::{grpid_hazard, soak, stop_pasid_traffic, HostSide};
use crate::env::{Env, TRAFFIC_PATIENCE};
use crate::flavor::Flavor;
use crate::host_paths::classes as hp;
use crate::registry::TestDef;
use crate::scenario::{HostPolicy, Scenario};
use crate::seq::{
    every_bit_request, free_and_rebind, req, responses, stop_marker, stop_with_prgs_outstanding, success, wait_for, wait_until, PATIENCE,
};
use crate::txn::Txn;
use models::pcie::{MarkerVsComplete, MsgClass, PageRequest, PrgResponse, RespCode, Variant};
use models::vtd::desc::{desc_type, InvWaitDsc, PageGrpRespDsc, PageReqDsc, Words, DESC_BYTES, TYPE_INV_WAIT};
use models::vtd::regs::{self, FaultRecord};
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::rc::Rc;

const BASE: u64 = 0x8000_0000;
/// Requesters enabled in the PRE table by `setup` (DEC-5), and one that is not.
const RID: u16 = 0x0100;
const RID2: u16 = 0xFFFF;
const RID_OFF: u16 = 0x0200;
/// PRQ entries of the directed tests: PQS = 0, N = 128 (VTD-PRQ-1).
const LOG2SIZE: u32 = 7;
const N: u64 = 1 << LOG2SIZE;

/// Needs of tests whose traffic comes from RID and RID2, enabled in PRE entries 0 and 1, and of
/// tests that read fault record 1 (OP-20, OP-12).
const TWO_PRE_ENTRIES: &[(&str, std::ops::RangeInclusive<u32>)] = &[("PRE_ENTRIES", 2..=64)];
const TWO_RECORDS: &[(&str, std::ops::RangeInclusive<u32>)] = &[("NR", 2..=64)];

fn directed(name: &str, seed: u64) -> Scenario {
    Scenario {
        flavor: super::Vtd.name().into(),
        test: name.into(),
        seed,
        config: crate::config::DEFAULT.into(),
        queue_base: BASE,
        log2size: LOG2SIZE,
        memory: MemoryBehaviour::default(),
        rsp_ready_odds: 255,
        traffic: None,
        host: HostPolicy { consume: false, ..HostPolicy::default() },
        max_cycles: 20_000,
        program: None,
    }
}

/// Program the PRQ and the event units, and enable `RID` and `RID2` (PRE entries 0 and 1).
async fn setup(env: &Env, sc: &Scenario) {
    env.enable_prq(sc.queue_base, sc.log2size).await;
    env.pre_enable(0, RID).await;
    env.pre_enable(1, RID2).await;
}

/// Descriptors written to the PRQ so far, decoded: (address, message).
fn entries(env: &Env) -> Vec<(u64, PageRequest)> {
    env.agents
        .borrow()
        .log
        .iter()
        .filter_map(|s| match s.txn {
            Txn::MemWrite { addr, data, .. } => Some((addr, PageReqDsc::decode(data).to_request())),
            _ => None,
        })
        .collect()
}

fn msis_to(env: &Env, addr: u64) -> usize {
    env.count(|t| matches!(t, Txn::Msi { addr: a, .. } if *a == addr))
}

/// Wait until `n` descriptors have been written, then read PQT: the read covers every write
/// issued before it (VTD-PRQ-16), so it shows all `n`.
async fn written(env: &Env, n: usize) -> u64 {
    wait_for(env, "VTD-PRQ-8", &format!("{n} descriptor writes"), |e| e.count(|t| matches!(t, Txn::MemWrite { .. })) >= n).await;
    env.read_reg(regs::PQT).await
}

/// Let everything sent so far be decided and written (no traffic for a while).
async fn quiet(env: &Env) {
    env.settle(40).await;
}

/// Fill the PRQ to N-1 entries with LPIG=0 requests of `RID`.
async fn fill(env: &Env) {
    let msgs: Vec<PageRequest> = (0..N - 1).map(|k| req(RID, Some(1), (k % 512) as u16, false)).collect();
    env.send_all(&msgs).await;
    let pqt = written(env, (N - 1) as usize).await;
    ensure!(pqt == (N - 1) * DESC_BYTES, "VTD-PRQ-8", "PQT reads {pqt:#x} after {} entries", N - 1);
}

async fn prs(env: &Env) -> u32 {
    env.read_reg(regs::PRS).await as u32
}

async fn fsts(env: &Env) -> u32 {
    env.read_reg(regs::FSTS).await as u32
}

/// Fault record `i` as software reads it.
async fn frcd(env: &Env, i: u32) -> FaultRecord {
    env.fault_record(i).await
}

fn invalid(m: &PageRequest) -> PrgResponse {
    PrgResponse { code: RespCode::InvalidRequest, ..success(m) }
}

// ---- PRQ writes, geometry, fullness -------------------------------------------------------------

async fn basic_write(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    let msgs = [
        req(RID, Some(0xF_FFFF), 7, false),
        every_bit_request(RID, 0x1FF),
        PageRequest { rid: RID2, w: true, l: true, prgi: 3, page: 1, ..Default::default() },
        // Exe without R: not checked by hardware, queued as received (VTD-PRQ-18).
        PageRequest { rid: RID, pv: true, pasid: 9, exe: true, w: true, prgi: 4, page: 2, ..Default::default() },
    ];
    env.send_all(&msgs).await;
    let pqt = written(&env, 4).await;
    ensure!(pqt == 4 * DESC_BYTES, "VTD-PRQ-8", "PQT reads {pqt:#x} after four descriptors, expected 0x80");
    for (k, (addr, m)) in entries(&env).iter().enumerate() {
        ensure!(*addr == sc.queue_base + DESC_BYTES * k as u64, "VTD-PRQ-1", "descriptor {k} at {addr:#x}");
        ensure!(*m == msgs[k], "VTD-PRQ-4", "descriptor {k} decodes to {m:?}, sent {:?}", msgs[k]);
    }
    let words: Vec<Words> = env
        .agents
        .borrow()
        .log
        .iter()
        .filter_map(|s| match s.txn {
            Txn::MemWrite { data, .. } => Some(data),
            _ => None,
        })
        .collect();
    ensure!(words.iter().all(|w| w[2] == 0 && w[3] == 0), "VTD-PRQ-4", "QW2/QW3 of a page_req_dsc are not zero (DEC-9)");
    ensure!(prs(&env).await == regs::PRS_PPR, "VTD-PRQ-11", "PRS does not show PPR alone after three descriptors");
    quiet(&env).await;
    ensure!(env.responses().is_empty(), "VTD-PRQ-17", "a queued request got a response from hardware");
}

async fn exactly_full(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    fill(&env).await;
    ensure!(prs(&env).await & regs::PRS_PRO == 0, "VTD-PRQ-3", "PRO set with N-1 entries: the PRQ holds N-1");
    env.send_all(&[req(RID, Some(1), 0, false)]).await;
    quiet(&env).await;
    ensure!(entries(&env).len() == (N - 1) as usize, "VTD-PRQ-3", "{} descriptors in a PRQ of {N} entries", entries(&env).len());
    ensure!(prs(&env).await == regs::PRS_PPR | regs::PRS_PRO, "VTD-PRQ-7", "the request that found the PRQ full did not set PRO");
    let pqt = env.read_reg(regs::PQT).await;
    ensure!(pqt == (N - 1) * DESC_BYTES, "VTD-PRQ-7", "PQT moved to {pqt:#x} on a full PRQ");
}

async fn wrap(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // PQH follows PQT like a consumer, around the ring one and a half times (VTD-PRQ-2, -3).
    setup(&env, &sc).await;
    let total = N + N / 2;
    for k in 0..total {
        env.send_all(&[req(RID, None, (k % 512) as u16, false)]).await;
        let pqt = written(&env, k as usize + 1).await;
        let expect = ((k + 1) % N) * DESC_BYTES;
        ensure!(pqt == expect, "VTD-PRQ-2", "PQT {pqt:#x} after {} entries, expected {expect:#x}", k + 1);
        env.write_reg(regs::PQH, pqt).await;
    }
    let addrs: Vec<u64> = entries(&env).iter().map(|e| e.0).collect();
    for (k, a) in addrs.iter().enumerate() {
        let expect = sc.queue_base + DESC_BYTES * (k as u64 % N);
        ensure!(*a == expect, "VTD-PRQ-1", "entry {k} at {a:#x}, expected {expect:#x}");
    }
    ensure!(prs(&env).await & regs::PRS_PRO == 0, "VTD-PRQ-3", "PRO set while software kept up");
}

async fn pro_sticky(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    fill(&env).await;
    env.send_all(&[req(RID, Some(1), 1, false)]).await;
    quiet(&env).await;
    // Software consumes everything but leaves PRO set: nothing is written (VTD-PRQ-9).
    let pqt = env.read_reg(regs::PQT).await;
    env.write_reg(regs::PQH, pqt).await;
    env.write_reg(regs::PRS, 0).await; // writing 0 clears nothing (VTD-PRQ-12)
    env.send_all(&[req(RID, Some(1), 2, false), req(RID, Some(1), 3, true)]).await;
    quiet(&env).await;
    ensure!(entries(&env).len() == (N - 1) as usize, "VTD-PRQ-9", "a descriptor was written while PRO was set");
    ensure!(prs(&env).await & regs::PRS_PRO != 0, "VTD-PRQ-12", "PRO cleared by a write of 0");
    // Clearing PRO lets the next requests in.
    env.write_reg(regs::PRS, regs::PRS_PRO as u64).await;
    ensure!(prs(&env).await == regs::PRS_PPR, "VTD-PRQ-12", "writing 1 to PRO did not clear it alone");
    env.send_all(&[req(RID, Some(1), 4, false), req(RID, Some(1), 5, false)]).await;
    let pqt2 = written(&env, (N + 1) as usize).await;
    ensure!(pqt2 == (pqt + 2 * DESC_BYTES) % (N * DESC_BYTES), "VTD-PRQ-9", "PQT {pqt2:#x} after PRO was cleared");
}

// ---- automatic responses (Table 31, DEC-6, DEC-7) -----------------------------------------------

async fn auto_success_full_and_pro(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    fill(&env).await;
    let on_full = req(RID, Some(0x1234), 9, true);
    let on_pro = req(RID2, None, 0x1FF, true);
    env.send_all(&[on_full]).await;
    responses(&env, 1, "VTD-PRQ-7").await;
    ensure!(prs(&env).await & regs::PRS_PRO != 0, "VTD-PRQ-7", "PRO not set by the request that found the PRQ full");
    env.send_all(&[on_pro]).await;
    responses(&env, 2, "VTD-PRQ-6").await;
    let got = env.responses();
    ensure!(got[0] == success(&on_full), "DEC-7", "full PRQ answered {:?}, expected Success with PASID copied", got[0]);
    ensure!(got[1] == success(&on_pro), "VTD-PRQ-17", "PRO answered {:?}, expected Success without PASID", got[1]);
    ensure!(entries(&env).len() == (N - 1) as usize, "VTD-PRQ-6", "a discarded request was written");
}

async fn nothing_for_lpig0(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    fill(&env).await;
    env.send_all(&[req(RID, Some(1), 10, false), req(RID, Some(1), 11, false), req(RID2, None, 12, false)]).await;
    quiet(&env).await;
    ensure!(prs(&env).await & regs::PRS_PRO != 0, "VTD-PRQ-7", "an LPIG=0 request on a full PRQ did not set PRO");
    ensure!(env.responses().is_empty(), "DEC-6", "an LPIG=0 request got an automatic response: {:?}", env.responses());
}

async fn stop_marker_on_full(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    // Decided in row d, a Stop Marker is written like any descriptor (VTD-PRQ-10).
    let sm = stop_marker(RID, 0x77);
    env.send_all(&[sm]).await;
    written(&env, 1).await;
    let (_, m) = entries(&env)[0];
    ensure!(m == sm, "VTD-PRQ-10", "the queued Stop Marker decodes to {m:?}");
    env.write_reg(regs::PQH, DESC_BYTES).await;
    // On a full PRQ it sets PRO and is dropped without a response (DEC-6).
    let msgs: Vec<PageRequest> = (0..N - 1).map(|k| req(RID, Some(1), (k % 512) as u16, false)).collect();
    env.send_all(&msgs).await;
    written(&env, N as usize).await;
    env.send_all(&[stop_marker(RID, 0x77)]).await;
    quiet(&env).await;
    ensure!(prs(&env).await & regs::PRS_PRO != 0, "VTD-PRQ-7", "a Stop Marker on a full PRQ did not set PRO");
    env.send_all(&[stop_marker(RID, 0x78)]).await;
    quiet(&env).await;
    ensure!(env.responses().is_empty(), "DEC-6", "a Stop Marker got a response: {:?}", env.responses());
}

// ---- DEC-5: page-request-enable table and primary fault recording -----------------------------

async fn pre_disabled_fault(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    // An entry naming RID_OFF with PRE=0 matches nothing (OP-20).
    env.write_reg(regs::pre_offset(2), RID_OFF as u64).await;
    let last = PageRequest {
        rid: RID_OFF,
        pv: true,
        pasid: 0xABCDE,
        exe: true,
        priv_: true,
        r: true,
        l: true,
        prgi: 0x42,
        page: 0x8_7654_3210,
        w: false,
    };
    let first = PageRequest { rid: RID_OFF, r: true, w: true, prgi: 0x43, page: 0x1000, ..Default::default() };
    env.send_all(&[last]).await;
    responses(&env, 1, "VTD-PRQ-5").await;
    ensure!(
        env.responses()[0] == invalid(&last),
        "VTD-PRQ-5",
        "answered {:?}, expected Invalid Request with PASID copied",
        env.responses()[0]
    );
    let rec = frcd(&env, 0).await;
    ensure!(rec.f && rec.fr == 0x47 && rec.sid == RID_OFF && !rec.t1 && rec.t2 && rec.at == 0, "VTD-FLT-3", "record 0 is {rec:?}");
    ensure!(rec.pp && rec.pasid == 0xABCDE && rec.exe && rec.priv_ && rec.fi == last.page, "VTD-FLT-3", "record 0 fields {rec:?}");
    let f = fsts(&env).await;
    ensure!(f & regs::FSTS_PPF != 0 && f & regs::FSTS_FRI_MASK == 0, "VTD-FLT-1", "FSTS {f:#x} after the first fault");
    env.send_all(&[first]).await;
    quiet(&env).await;
    let rec1 = frcd(&env, 1).await;
    ensure!(rec1.f && rec1.sid == RID_OFF && !rec1.pp && rec1.pasid == 0 && !rec1.exe, "VTD-FLT-3", "record 1 is {rec1:?}");
    ensure!(env.responses().len() == 1, "VTD-PRQ-5", "an LPIG=0 request of a disabled RID got a response");
    ensure!(entries(&env).is_empty(), "VTD-PRQ-5", "a request of a disabled RID was written to the PRQ");
    ensure!(prs(&env).await == 0, "VTD-PRQ-5", "a disabled RID's request changed PRS");
    // Enabling the RID takes effect for the next message (VTD-PRQ-19).
    env.write_reg(regs::pre_offset(2), RID_OFF as u64 | regs::PRE_EN).await;
    env.send_all(&[first]).await;
    written(&env, 1).await;
}

async fn fault_overflow(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    let nr = regs::cap_nr(env.read_reg(regs::CAP).await);
    let fault = |k: u32| PageRequest { rid: RID_OFF, r: true, prgi: k as u16, page: 0x100 + k as u64, ..Default::default() };
    for k in 0..nr {
        env.send_all(&[fault(k)]).await;
    }
    quiet(&env).await;
    ensure!(fsts(&env).await & regs::FSTS_PFO == 0, "VTD-FLT-4", "PFO set before every record was used");
    env.send_all(&[fault(nr)]).await;
    quiet(&env).await;
    ensure!(fsts(&env).await & regs::FSTS_PFO != 0, "VTD-FLT-4", "PFO not set when record 0 was still full");
    ensure!(frcd(&env, 0).await.fi == 0x100, "VTD-FLT-4", "record 0 overwritten while F was 1");
    // Free record 0 and PFO: recording resumes at the internal index, 0 again (VTD-FLT-5).
    env.clear_fault_record(0).await;
    env.write_reg(regs::FSTS, regs::FSTS_PFO as u64).await;
    ensure!(!frcd(&env, 0).await.f, "VTD-FLT-5", "writing 1 to F did not clear record 0");
    env.send_all(&[fault(nr + 1)]).await;
    quiet(&env).await;
    let rec = frcd(&env, 0).await;
    ensure!(rec.f && rec.fi == 0x100 + nr as u64 + 1, "VTD-FLT-5", "the next fault went elsewhere: record 0 is {rec:?}");
    let f = fsts(&env).await;
    ensure!(f & regs::FSTS_PFO == 0 && f & regs::FSTS_FRI_MASK == 0, "VTD-FLT-4", "FSTS {f:#x}: FRI changes only when PPF was 0");
}

// ---- event units (VTD-PRQ-13..15, VTD-FLT-6, VTD-IQ-8) ------------------------------------------

async fn event_gating(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    let pectl = env.read_reg(regs::PECTL).await as u32;
    ensure!(pectl == regs::ECTL_IM, "VTD-PRQ-15", "PECTL resets to {pectl:#x}");
    env.send_all(&[req(RID, None, 1, false)]).await;
    written(&env, 1).await;
    env.cycles(10).await;
    ensure!(msis_to(&env, PE_MSI.0) == 0, "VTD-PRQ-13", "an MSI while PECTL.IM=1");
    ensure!(env.read_reg(regs::PECTL).await as u32 & regs::ECTL_IP != 0, "VTD-PRQ-13", "IP not set by a masked event");
    // Clearing IM while IP=1 sends the MSI (VTD-PRQ-14); RsvdP bits are kept (VTD-PRQ-15).
    env.write_reg(regs::PECTL, 0x1234).await;
    wait_for(&env, "VTD-PRQ-14", "the MSI after clearing IM", |e| msis_to(e, PE_MSI.0) == 1).await;
    let data = env.mem_read_u32(PE_MSI.0);
    ensure!(data == PE_MSI.1, "VTD-PRQ-13", "MSI data {data:#x}, expected {:#x}", PE_MSI.1);
    ensure!(env.read_reg(regs::PECTL).await as u32 == 0x1234, "VTD-PRQ-15", "PECTL does not read back 0x1234");
    // PPR already 1: no new event.
    env.send_all(&[req(RID, None, 2, false)]).await;
    written(&env, 2).await;
    env.cycles(10).await;
    ensure!(msis_to(&env, PE_MSI.0) == 1, "VTD-PRQ-13", "an event while PPR was already 1");
    // PPR cleared: the next descriptor raises an MSI right away (IM=0).
    env.write_reg(regs::PRS, regs::PRS_PPR as u64).await;
    env.send_all(&[req(RID, None, 3, false)]).await;
    wait_for(&env, "VTD-PRQ-13", "the MSI of a descriptor with PPR=PRO=0", |e| msis_to(e, PE_MSI.0) == 2).await;
    // Masked again: IP set, then cleared by clearing PPR, and no MSI on unmasking (VTD-PRQ-14).
    env.write_reg(regs::PECTL, regs::ECTL_IM as u64).await;
    env.write_reg(regs::PRS, regs::PRS_PPR as u64).await;
    env.send_all(&[req(RID, None, 4, false)]).await;
    written(&env, 4).await;
    ensure!(env.read_reg(regs::PECTL).await as u32 & regs::ECTL_IP != 0, "VTD-PRQ-13", "IP not set by a masked event");
    env.write_reg(regs::PRS, regs::PRS_PPR as u64).await;
    ensure!(env.read_reg(regs::PECTL).await as u32 & regs::ECTL_IP == 0, "VTD-PRQ-14", "IP kept after software cleared PPR and PRO");
    env.write_reg(regs::PECTL, 0).await;
    env.cycles(20).await;
    ensure!(msis_to(&env, PE_MSI.0) == 2, "VTD-PRQ-14", "an MSI on unmasking after IP was cleared");
}

async fn fault_event(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    let fault = PageRequest { rid: RID_OFF, r: true, ..Default::default() };
    // Masked (FECTL.IM=1 after reset): the fault sets IP and sends nothing...
    env.send_all(&[fault]).await;
    quiet(&env).await;
    ensure!(msis_to(&env, FE_MSI.0) == 0, "VTD-FLT-6", "a fault event MSI while FECTL.IM=1");
    ensure!(env.read_reg(regs::FECTL).await as u32 & regs::ECTL_IP != 0, "VTD-FLT-6", "IP not set by a masked fault event");
    // ...until software clears IM (VTD-FLT-6 via VTD-PRQ-14).
    env.unmask(regs::FECTL).await;
    wait_for(&env, "VTD-FLT-6", "the fault event MSI on clearing IM", |e| msis_to(e, FE_MSI.0) == 1).await;
    ensure!(env.read_reg(regs::FECTL).await as u32 & regs::ECTL_IP == 0, "VTD-FLT-6", "IP kept after the MSI went out");
    // PPF already 1: a second record raises nothing; PFO alone never does (VTD-FLT-6).
    env.send_all(&[fault]).await;
    quiet(&env).await;
    ensure!(msis_to(&env, FE_MSI.0) == 1, "VTD-FLT-6", "a fault event while PPF was already 1");
    // IQE with PPF=1: no event either.
    env.descriptor([0x0A, 0, 0, 0]).await;
    env.cycles(10).await;
    ensure!(fsts(&env).await & regs::FSTS_IQE != 0, "VTD-IQ-2", "type 0x0A did not set IQE (OP-10)");
    ensure!(msis_to(&env, FE_MSI.0) == 1, "VTD-FLT-6", "an IQE event while PPF was 1");
    // With every source clear, IQE alone is an event (unmasked: an MSI).
    env.clear_fault_record(0).await;
    env.clear_fault_record(1).await;
    env.write_reg(regs::FSTS, regs::FSTS_IQE as u64).await;
    env.descriptor([0x0A, 0, 0, 0]).await;
    wait_for(&env, "VTD-FLT-6", "the fault event MSI of IQE", |e| msis_to(e, FE_MSI.0) == 2).await;
}

/// The cycle the `n`-th (from 0) MSI to `addr` was acknowledged, if it was (acks come in write
/// order, one per write of any kind).
fn msi_ack_cycle(env: &Env, addr: u64, n: usize) -> Option<u64> {
    let a = env.agents.borrow();
    let mut writes = std::collections::VecDeque::new();
    let mut msis = 0;
    for s in a.log.iter() {
        match s.txn {
            Txn::Msi { addr: x, .. } if x == addr => {
                writes.push_back(msis == n);
                msis += 1;
            }
            Txn::MemWrite { .. } | Txn::StatusWrite { .. } | Txn::Msi { .. } => writes.push_back(false),
            Txn::MemAck { .. } if writes.pop_front() == Some(true) => return Some(s.cycle),
            _ => {}
        }
    }
    None
}

/// Read `reg` while the `n`-th MSI to `msi` is issued and not yet acknowledged; the read must
/// return only after that ack (`rule`: VTD-PRQ-20 or VTD-FLT-8). A read of PQH (which pushes
/// nothing) goes first, so the stream itself shows the MSI was issued before `reg`'s read was
/// received (the checkers see read completions only).
async fn read_pushing(env: &Env, reg: u32, msi: u64, n: usize, rule: &str) -> u64 {
    wait_for(env, rule, &format!("MSI {n} to {msi:#x}"), |e| msis_to(e, msi) > n).await;
    env.read_reg(regs::PQH).await;
    ensure!(
        msi_ack_cycle(env, msi, n).is_none(),
        rule,
        "the memory acknowledged MSI {n} to {msi:#x} before the read of {reg:#x} was sent: too fast for this test"
    );
    let data = env.read_reg(reg).await;
    let back =
        env.agents.borrow().log.iter().rev().find(|s| matches!(s.txn, Txn::RegRead { addr, .. } if addr == reg)).map_or(0, |s| s.cycle);
    // Compare once the ack came (at once when the read was pushed; a read that returned early
    // meets the protocol checkers at the ack first).
    wait_for(env, rule, &format!("the ack of MSI {n} to {msi:#x}"), |e| msi_ack_cycle(e, msi, n).is_some()).await;
    let ack = msi_ack_cycle(env, msi, n).unwrap_or(u64::MAX);
    ensure!(
        ack <= back,
        rule,
        "the read of {reg:#x} returned at cycle {back}, before MSI {n} to {msi:#x} issued before it was acknowledged (at cycle {ack})"
    );
    data
}

async fn read_pushes_event_msis(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // The memory acknowledges each write 40 cycles after it (scenario): every event MSI stays in
    // flight long enough for a read to be received meanwhile.
    setup(&env, &sc).await;
    env.unmask(regs::PECTL).await;
    env.unmask(regs::FECTL).await;
    // VTD-PRQ-20: PRS, PQT and PECTL push the page request event MSI. PPR is cleared before
    // each descriptor, so each descriptor's acknowledgement raises the event (VTD-PRQ-13).
    for (k, reg) in [regs::PRS, regs::PQT, regs::PECTL].into_iter().enumerate() {
        env.write_reg(regs::PRS, regs::PRS_PPR as u64).await;
        env.send_all(&[req(RID, None, k as u16, false)]).await;
        let v = read_pushing(&env, reg, PE_MSI.0, k, "VTD-PRQ-20").await;
        let want = match reg {
            regs::PRS => regs::PRS_PPR as u64,
            regs::PQT => (k as u64 + 1) * DESC_BYTES,
            _ => 0, // PECTL: IM=0, IP cleared by the MSI
        };
        ensure!(v == want, "VTD-PRQ-20", "register {reg:#x} reads {v:#x} after the page request event, expected {want:#x}");
    }
    // VTD-FLT-8: FSTS and FECTL push the fault event MSI (IQE as the event, VTD-FLT-6).
    for (k, reg) in [regs::FSTS, regs::FECTL].into_iter().enumerate() {
        env.descriptor([0x0A, 0, 0, 0]).await;
        let v = read_pushing(&env, reg, FE_MSI.0, k, "VTD-FLT-8").await;
        let want = if reg == regs::FSTS { regs::FSTS_IQE as u64 } else { 0 };
        ensure!(v == want, "VTD-FLT-8", "register {reg:#x} reads {v:#x} after the fault event, expected {want:#x}");
        env.write_reg(regs::FSTS, regs::FSTS_IQE as u64).await;
    }
    ensure!(
        msis_to(&env, PE_MSI.0) == 3 && msis_to(&env, FE_MSI.0) == 2,
        "VTD-PRQ-13",
        "MSIs: {} page request, {} fault",
        msis_to(&env, PE_MSI.0),
        msis_to(&env, FE_MSI.0)
    );
}

async fn wait_interrupt(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    env.unmask(regs::IECTL).await;
    let wait_if = InvWaitDsc { if_: true, ..Default::default() }.encode();
    env.descriptor(wait_if).await;
    wait_for(&env, "VTD-IQ-8", "the invalidation completion MSI", |e| msis_to(e, IE_MSI.0) == 1).await;
    ensure!(env.read_reg(regs::ICS).await as u32 == regs::ICS_IWC, "VTD-IQ-8", "IWC not set by a wait with IF=1");
    env.descriptor(wait_if).await;
    env.cycles(20).await;
    ensure!(msis_to(&env, IE_MSI.0) == 1, "VTD-IQ-8", "a second event while IWC was 1");
    env.write_reg(regs::ICS, regs::ICS_IWC as u64).await;
    env.descriptor(wait_if).await;
    wait_for(&env, "VTD-IQ-8", "the MSI after IWC was cleared", |e| msis_to(e, IE_MSI.0) == 2).await;
    // SW=IF=0: nothing visible.
    env.descriptor(InvWaitDsc::default().encode()).await;
    env.cycles(20).await;
    let visible = env.count(|t| matches!(t, Txn::StatusWrite { .. } | Txn::Msi { .. }));
    ensure!(visible == 2, "VTD-IQ-8", "a wait with SW=IF=0 wrote memory ({visible} writes in all)");
    // Masked: IP is set and no MSI; clearing IWC clears IP silently (VTD-IQ-8 as VTD-PRQ-14).
    env.write_reg(regs::IECTL, regs::ECTL_IM as u64).await;
    env.write_reg(regs::ICS, regs::ICS_IWC as u64).await;
    env.descriptor(wait_if).await;
    env.cycles(10).await;
    ensure!(env.read_reg(regs::IECTL).await as u32 & regs::ECTL_IP != 0, "VTD-IQ-8", "IP not set by a masked completion event");
    env.write_reg(regs::ICS, regs::ICS_IWC as u64).await;
    ensure!(env.read_reg(regs::IECTL).await as u32 & regs::ECTL_IP == 0, "VTD-IQ-8", "IP kept after software cleared IWC");
    // Set again, then clearing IM sends the MSI.
    env.descriptor(wait_if).await;
    env.cycles(10).await;
    env.unmask(regs::IECTL).await;
    wait_for(&env, "VTD-IQ-8", "the MSI on clearing IECTL.IM", |e| msis_to(e, IE_MSI.0) == 3).await;
}

// ---- descriptors (VTD-IQ-*, DEC-8) ----------------------------------------------------------------

fn resp_dsc(rid: u16, pasid: Option<u32>, prgi: u16, rc: u8) -> PageGrpRespDsc {
    PageGrpRespDsc { pp: pasid.is_some(), rc, rid, pasid: pasid.unwrap_or(0), lpig: true, prgi }
}

async fn reserved_code_forwarding(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    let dscs = [
        resp_dsc(RID, Some(0x55), 1, 0x5),
        resp_dsc(RID2, None, 0x1FF, 0xF),
        resp_dsc(RID, Some(3), 2, 0x0),
        resp_dsc(RID, Some(4), 3, 0xE),
    ];
    for d in &dscs {
        env.descriptor(d.encode()).await;
    }
    // PP=0 with PASID bits set: the response carries no PASID (VTD-IQ-3); bit 66 is ignored.
    let mut no_pp = resp_dsc(RID, None, 4, 0x1).encode();
    no_pp[0] |= 0x9 << 32;
    no_pp[1] &= !(1 << 2);
    env.descriptor(no_pp).await;
    responses(&env, 5, "VTD-IQ-3").await;
    let got = env.responses();
    for (k, d) in dscs.iter().enumerate() {
        let want = PrgResponse { rid: d.rid, pv: d.pp, pasid: d.pasid, prgi: d.prgi, code: RespCode::from_bits(d.rc) };
        ensure!(got[k] == want, "DEC-8", "response {k} is {:?}, expected {want:?} (code forwarded verbatim)", got[k]);
    }
    ensure!(!got[4].pv && got[4].pasid == 0 && got[4].code == RespCode::InvalidRequest, "VTD-IQ-3", "PP=0 response is {:?}", got[4]);
    ensure!(fsts(&env).await & regs::FSTS_IQE == 0, "VTD-IQ-4", "a valid page_grp_resp_dsc set IQE");
}

async fn iqe_reserved_bits(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    let good = resp_dsc(RID, Some(1), 1, 0).encode();
    let mut bad_pdp = good;
    bad_pdp[0] |= 1 << 5; // former PDP (DEC-9)
    let mut bad_wait = InvWaitDsc { sw: true, status_addr: 0x9100_0000, status_data: 1, ..Default::default() }.encode();
    bad_wait[0] |= 1 << 8;
    let mut bad_qw2 = good;
    bad_qw2[2] = 1;
    for (k, bad) in [bad_pdp, bad_wait, bad_qw2, [0x0A, 0, 0, 0]].into_iter().enumerate() {
        env.descriptor(bad).await;
        // The next descriptor waits until software clears IQE (VTD-IQ-2).
        let pending = env.agents.borrow_mut().cmds.push(good, "VTD-IQ-2");
        env.cycles(30).await;
        ensure!(fsts(&env).await & regs::FSTS_IQE != 0, "VTD-IQ-2", "invalid descriptor {k} did not set IQE");
        ensure!(!pending.is_done(), "VTD-IQ-2", "a descriptor was taken while IQE was set");
        ensure!(env.responses().len() == k, "VTD-IQ-4", "invalid descriptor {k} produced a response");
        env.write_reg(regs::FSTS, regs::FSTS_IQE as u64).await;
        env.wait_done(&pending, PATIENCE, "VTD-IQ-2", || format!("the descriptor after invalid descriptor {k} once IQE was cleared")).await;
        responses(&env, k + 1, "VTD-IQ-3").await;
    }
    ensure!(env.mem_read_u32(0x9100_0000) == 0, "VTD-IQ-6", "an invalid wait wrote its status");
    // A wait behind an invalid descriptor also waits for the IQE clear before it completes.
    env.descriptor(bad_qw2).await;
    let w = InvWaitDsc { sw: true, status_addr: 0x9100_0040, status_data: 0x5A, ..Default::default() };
    let pending = env.agents.borrow_mut().cmds.push(w.encode(), "VTD-IQ-2");
    env.cycles(30).await;
    ensure!(!pending.is_done(), "VTD-IQ-2", "a wait was taken while IQE was set");
    ensure!(env.mem_read_u32(0x9100_0040) == 0, "VTD-IQ-2", "a wait behind an invalid descriptor wrote its status while IQE was set");
    env.write_reg(regs::FSTS, regs::FSTS_IQE as u64).await;
    env.wait_done(&pending, PATIENCE, "VTD-IQ-2", || "the wait after an invalid descriptor once IQE was cleared".to_string()).await;
    wait_for(&env, "VTD-IQ-8", "the status write of the wait", |e| e.mem_read_u32(0x9100_0040) == 0x5A).await;
    // No-effect types (OP-10) are taken without IQE.
    env.descriptor([0x03, 0, 0, 0]).await;
    env.cycles(5).await;
    ensure!(fsts(&env).await & regs::FSTS_IQE == 0, "VTD-IQ-1", "type 0x03 set IQE (OP-10: no effect)");
}

async fn pd_wait_drains(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    let msgs: Vec<PageRequest> = (0..4).map(|k| req(RID, Some(2), k, k == 3)).collect();
    // A wait without PD overtakes queued requests (their writes wait for slow acks)...
    env.send_all(&msgs).await;
    let seen = env.sync_wait(false).await;
    let acked_then = acks_before(&env, seen);
    ensure!(acked_then < 4, "VTD-IQ-10", "memory was too fast for this test ({acked_then} acks before the status)");
    written(&env, 4).await;
    // ...a PD wait does not: every request accepted before it is in the PRQ, covered by PQT.
    env.send_all(&msgs).await;
    let seen = env.sync_wait(true).await;
    ensure!(acks_before(&env, seen) >= 8, "VTD-IQ-10", "the PD wait completed before the requests accepted before it were written");
    let pqt = env.read_reg(regs::PQT).await;
    ensure!(pqt == 8 * DESC_BYTES, "VTD-IQ-10", "PQT {pqt:#x} after the PD wait");
}

/// Memory acknowledgements of descriptor writes logged before `cycle`.
fn acks_before(env: &Env, cycle: u64) -> usize {
    let a = env.agents.borrow();
    let mut writes = std::collections::VecDeque::new();
    let mut acked = 0;
    for s in a.log.iter().take_while(|s| s.cycle <= cycle) {
        match s.txn {
            Txn::MemWrite { .. } => writes.push_back(true),
            Txn::StatusWrite { .. } | Txn::Msi { .. } => writes.push_back(false),
            Txn::MemAck { .. } => acked += writes.pop_front().unwrap_or(false) as usize,
            _ => {}
        }
    }
    acked
}

async fn wait_fences(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // A wait completes only after earlier responses were committed (VTD-IQ-7), and later
    // descriptors wait for it (VTD-IQ-9).
    setup(&env, &sc).await;
    env.agents.borrow_mut().rsp.hold(true);
    let d = resp_dsc(RID, None, 5, 0);
    // One response in the held egress register, one in the software FIFO.
    env.descriptor(d.encode()).await;
    env.descriptor(d.encode()).await;
    let (addr, data) = (0x9200_0000u64, 0x5A5A);
    env.descriptor(InvWaitDsc { sw: true, fn_: true, status_data: data, status_addr: addr, ..Default::default() }.encode()).await;
    let later = env.agents.borrow_mut().cmds.push(d.encode(), "VTD-IQ-9");
    env.cycles(40).await;
    ensure!(env.mem_read_u32(addr) != data, "VTD-IQ-7", "the wait completed with responses not committed");
    ensure!(!later.is_done(), "VTD-IQ-9", "a descriptor after an active wait was taken");
    env.agents.borrow_mut().rsp.hold(false);
    env.wait_done(&later, PATIENCE, "VTD-IQ-9", || "the descriptor after the wait once the egress was released".into()).await;
    responses(&env, 3, "VTD-IQ-3").await;
    ensure!(env.mem_read_u32(addr) == data, "VTD-IQ-8", "the status write did not land");
}

async fn response_order(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // Automatic responses first, each stream in its own order (DEC-12, VTD-PRQ-17, VTD-IQ-5).
    setup(&env, &sc).await;
    env.agents.borrow_mut().rsp.hold(true);
    let sw: Vec<PageGrpRespDsc> = (0..2).map(|k| resp_dsc(RID, Some(9), 100 + k, 0)).collect();
    for d in &sw {
        env.descriptor(d.encode()).await;
    }
    let auto: Vec<PageRequest> = (0..3).map(|k| req(RID_OFF, None, 200 + k, true)).collect();
    env.send_all(&auto).await;
    env.cycles(20).await;
    env.agents.borrow_mut().rsp.hold(false);
    responses(&env, 5, "DEC-12").await;
    let got = env.responses();
    // The first software response was already in the egress register when the egress stalled.
    ensure!(got[0] == sw[0].response(), "VTD-IQ-5", "first response {:?}", got[0]);
    for (k, m) in auto.iter().enumerate() {
        ensure!(got[1 + k] == invalid(m), "DEC-12", "response {} is {:?}, expected the automatic {:?}", 1 + k, got[1 + k], invalid(m));
    }
    ensure!(got[4] == sw[1].response(), "VTD-IQ-5", "last response {:?}", got[4]);
}

async fn id_registers(env: Env, _sc: Scenario, _: ChaCha8Rng) {
    let cap = env.read_reg(regs::CAP).await;
    let nr = super::params::of(&env).nr;
    ensure!(regs::frcd_offset(cap, 0) == 0x200 && regs::cap_nr(cap) == nr, "VTD-FLT-2", "CAP {cap:#x}: records not at 0x200 or NR != {nr}");
    let ecap = env.read_reg(regs::ECAP).await;
    let want = regs::ECAP_PRS | regs::ECAP_PASID | regs::ECAP_PDS | regs::ECAP_SMTS;
    ensure!(ecap == want, "VTD-IQ-1", "ECAP {ecap:#x}, expected {want:#x}");
    env.write_reg(regs::PQH, u64::MAX).await;
    let pqh = env.read_reg(regs::PQH).await;
    ensure!(pqh == 0x7_FFE0, "VTD-PRQ-2", "PQH keeps {pqh:#x} of all-ones, expected bits [18:5]");
    for ectl in [regs::PECTL, regs::FECTL, regs::IECTL] {
        let v = env.read_reg(ectl).await as u32;
        ensure!(v == regs::ECTL_IM, "VTD-PRQ-15", "control register {ectl:#x} resets to {v:#x}");
    }
    ensure!(fsts(&env).await == 0 && prs(&env).await == 0, "VTD-FLT-1", "FSTS or PRS not 0 after reset");
}

// ---- register negative space (writes that must do nothing, reads at the edges) -----------------

/// Read `addr` and require exactly `want` (every bit: reserved bits read 0).
async fn reads(env: &Env, addr: u32, want: u64, rule: &str, what: &str) {
    let got = env.read_reg(addr).await;
    ensure!(got == want, rule, "{what}: register {addr:#x} reads {got:#x}, expected {want:#x}");
}

/// Every read-write register with its stored bits and its rule; the PRE table entries last.
fn read_write_registers(pre_entries: u32) -> Vec<(u32, u64, &'static str)> {
    let ectl = u64::from(regs::ECTL_IM | regs::ECTL_RSVDP_MASK);
    let (edata, eaddr, euaddr) = (u64::from(regs::EDATA_MASK), u64::from(regs::EADDR_MASK), 0xFFFF_FFFF);
    let mut rw = vec![
        (regs::PQH, regs::PQ_PTR_MASK, "VTD-PRQ-2"),
        (regs::PQT, regs::PQ_PTR_MASK, "VTD-PRQ-2"),
        (regs::PQA, regs::PQA_BASE_MASK | regs::PQA_PQS_MASK, "OP-19"),
        (regs::PECTL, ectl, "VTD-PRQ-15"),
        (regs::PEDATA, edata, "VTD-PRQ-13"),
        (regs::PEADDR, eaddr, "VTD-PRQ-13"),
        (regs::PEUADDR, euaddr, "VTD-PRQ-13"),
        (regs::FECTL, ectl, "VTD-FLT-6"),
        (regs::FEDATA, edata, "VTD-FLT-6"),
        (regs::FEADDR, eaddr, "VTD-FLT-6"),
        (regs::FEUADDR, euaddr, "VTD-FLT-6"),
        (regs::IECTL, ectl, "VTD-IQ-8"),
        (regs::IEDATA, edata, "VTD-IQ-8"),
        (regs::IEADDR, eaddr, "VTD-IQ-8"),
        (regs::IEUADDR, euaddr, "VTD-IQ-8"),
    ];
    rw.extend((0..pre_entries).map(|i| (regs::pre_offset(i), regs::PRE_STORED_MASK, "VTD-PRQ-19")));
    rw
}

/// Offsets that read 0 and ignore writes (rtl/README.md "Any other offset"): the upper dwords
/// of the 64-bit registers, gaps between the register groups, the dword below and the four
/// dwords just past the fault recording registers, unaligned record offsets, the upper dword of
/// a PRE entry, the entry just past the PRE table, and the last dword of the space.
fn unmapped_offsets(nr: u32, pre_entries: u32) -> Vec<u32> {
    let frcd_end = regs::FRCD_BASE + 16 * nr;
    let pre_end = regs::pre_offset(pre_entries);
    vec![
        0x00C,
        0x014,
        0x030,
        0x048,
        0x098,
        0x0B0,
        0x0C4,
        0x0CC,
        0x0D4,
        0x0D8,
        0x0F0,
        regs::FRCD_BASE - 4,
        frcd_end,
        frcd_end + 4,
        frcd_end + 8,
        frcd_end + 0xC,
        regs::FRCD_BASE + 1,
        regs::FRCD_BASE + 0xA,
        regs::PRE_BASE - 8,
        regs::PRE_BASE + 4,
        pre_end,
        pre_end + 4,
        0xFFC,
    ]
}

async fn register_negative_space(env: Env, sc: Scenario, _: ChaCha8Rng) {
    let ones = u64::MAX;
    let nr = regs::cap_nr(env.read_reg(regs::CAP).await);
    // Every fault record full (FECTL.IM=1: no MSI), so a read past the array that returned a
    // record would show data.
    env.pre_enable(0, RID).await;
    for k in 0..nr {
        env.send_all(&[PageRequest {
            rid: RID_OFF,
            pv: true,
            pasid: 0xF_FFFF,
            r: true,
            prgi: k as u16,
            page: !0 >> 12,
            ..Default::default()
        }])
        .await;
    }
    quiet(&env).await;
    // The masked fault events left FECTL.IP set (read-only: all-ones written keeps it, IM=0
    // written sends the MSI and clears it).
    ensure!(ip(&env, regs::FECTL).await, "VTD-FLT-6", "FECTL.IP not set by the masked fault events");
    let pre_entries = super::params::of(&env).pre_entries as u32;
    let rw: Vec<(u32, u64, &str)> = read_write_registers(pre_entries)
        .into_iter()
        .map(|(a, stored, rule)| (a, if a == regs::FECTL { stored | u64::from(regs::ECTL_IP) } else { stored }, rule))
        .collect();
    let unmapped = unmapped_offsets(nr, pre_entries);
    for (addr, _, _) in &rw {
        env.write_reg(*addr, ones).await;
    }
    for off in &unmapped {
        env.write_reg(*off, ones).await;
        reads(&env, *off, 0, "VTD-PRQ-19", "unimplemented offset (reads 0, ignores writes)").await;
    }
    // Only the stored bits are kept, and nothing around a register reached it.
    for (addr, stored, rule) in &rw {
        reads(&env, *addr, *stored, rule, "all-ones written").await;
    }
    for off in &unmapped {
        env.write_reg(*off, 0).await;
    }
    for (addr, stored, rule) in &rw {
        reads(&env, *addr, *stored, rule, "after writes of 0 to the offsets around it").await;
        env.write_reg(*addr, 0).await;
        reads(&env, *addr, 0, rule, "0 written").await;
    }
    // Read-only registers ignore writes (CAP, ECAP; FSTS.PPF and FRI; records but their F bit).
    for addr in [regs::CAP, regs::ECAP] {
        let v = env.read_reg(addr).await;
        env.write_reg(addr, ones).await;
        reads(&env, addr, v, "VTD-FLT-2", "read-only register written").await;
    }
    let f = fsts(&env).await;
    ensure!(f & regs::FSTS_PPF != 0, "VTD-FLT-1", "FSTS {f:#x}: PPF not set with every record full");
    env.write_reg(regs::FSTS, ones & !u64::from(regs::FSTS_PFO | regs::FSTS_IQE)).await;
    reads(&env, regs::FSTS, u64::from(f), "VTD-FLT-1", "read-only FSTS bits written").await;
    // A record keeps F and its fields under writes of every dword that do not set its own F bit:
    // all-ones at +0 and +4, and at +8 / +C each with the other dword's F position set (W1C).
    let off = regs::frcd_offset(env.read_reg(regs::CAP).await, 0);
    let rec = [env.read_reg(off).await, env.read_reg(off + 4).await, env.read_reg(off + 8).await, env.read_reg(off + 0xC).await];
    for (k, data) in [(0, ones), (4, ones), (8, ones & !(1 << 63)), (0xC, ones & !(1 << 31)), (8, 0), (0xC, 0)] {
        env.write_reg(off + k, data).await;
    }
    for (k, want) in rec.into_iter().enumerate() {
        reads(&env, off + 4 * k as u32, want, "VTD-FLT-5", "record 0 after writes that do not clear F").await;
    }
    // Restore the reset masks, then the PRQ works from a clean state.
    for ectl in [regs::PECTL, regs::FECTL, regs::IECTL] {
        env.write_reg(ectl, u64::from(regs::ECTL_IM)).await;
    }
    setup(&env, &sc).await;
    env.send_all(&[req(RID, None, 1, true)]).await;
    let pqt = written(&env, 1).await;
    ensure!(pqt == DESC_BYTES, "VTD-PRQ-8", "PQT reads {pqt:#x} after one descriptor");
}

/// Set every write-1-to-clear status bit: IWC (a wait with IF=1), PPF and PFO (one fault more
/// than there are records), PPR and PRO (a full PRQ and one request more), IQE (an invalid
/// descriptor). Every unit masked (their reset state), so each sets its IP.
async fn set_every_status_bit(env: &Env, nr: u32) {
    env.descriptor(InvWaitDsc { if_: true, ..Default::default() }.encode()).await;
    for k in 0..=nr {
        env.send_all(&[PageRequest { rid: RID_OFF, r: true, prgi: k as u16, ..Default::default() }]).await;
    }
    fill(env).await;
    env.send_all(&[req(RID, None, 1, true)]).await;
    env.descriptor([0x0A, 0, 0, 0]).await;
    quiet(env).await;
}

async fn w1c_zero_writes(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    let nr = regs::cap_nr(env.read_reg(regs::CAP).await);
    set_every_status_bit(&env, nr).await;
    let f = fsts(&env).await;
    let want = regs::FSTS_PFO | regs::FSTS_PPF | regs::FSTS_IQE;
    ensure!(f & want == want, "VTD-FLT-1", "FSTS {f:#x}: PFO, PPF and IQE expected");
    ensure!(prs(&env).await == regs::PRS_MASK, "VTD-PRQ-12", "PPR and PRO expected");
    reads(&env, regs::ICS, u64::from(regs::ICS_IWC), "VTD-IQ-8", "a wait with IF=1 completed").await;
    // Writing 0 (and 1 to every other bit) clears nothing.
    env.write_reg(regs::FSTS, 0).await;
    env.write_reg(regs::FSTS, !u64::from(regs::FSTS_PFO | regs::FSTS_IQE)).await;
    env.write_reg(regs::PRS, 0).await;
    env.write_reg(regs::PRS, !u64::from(regs::PRS_MASK)).await;
    env.write_reg(regs::ICS, 0).await;
    env.write_reg(regs::ICS, !u64::from(regs::ICS_IWC)).await;
    reads(&env, regs::FSTS, u64::from(f), "VTD-FLT-1", "0 written to the W1C bits of FSTS").await;
    reads(&env, regs::PRS, u64::from(regs::PRS_MASK), "VTD-PRQ-12", "0 written to PPR and PRO").await;
    reads(&env, regs::ICS, u64::from(regs::ICS_IWC), "VTD-IQ-8", "0 written to IWC").await;
    // Writing 1 clears that bit alone.
    env.write_reg(regs::FSTS, u64::from(regs::FSTS_PFO)).await;
    reads(&env, regs::FSTS, u64::from(f & !regs::FSTS_PFO), "VTD-FLT-5", "PFO cleared alone").await;
    env.write_reg(regs::FSTS, u64::from(regs::FSTS_IQE)).await;
    reads(&env, regs::FSTS, u64::from(f & !(regs::FSTS_PFO | regs::FSTS_IQE)), "VTD-FLT-1", "IQE cleared alone").await;
    env.write_reg(regs::PRS, u64::from(regs::PRS_PPR)).await;
    reads(&env, regs::PRS, u64::from(regs::PRS_PRO), "VTD-PRQ-12", "PPR cleared alone").await;
    env.write_reg(regs::PRS, u64::from(regs::PRS_PRO)).await;
    reads(&env, regs::PRS, 0, "VTD-PRQ-12", "PRO cleared alone").await;
    env.write_reg(regs::ICS, u64::from(regs::ICS_IWC)).await;
    reads(&env, regs::ICS, 0, "VTD-IQ-8", "IWC cleared").await;
}

/// IP of the event unit behind control register `ectl`.
async fn ip(env: &Env, ectl: u32) -> bool {
    env.read_reg(ectl).await as u32 & regs::ECTL_IP != 0
}

async fn event_sources_alone(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // Each status source holds its unit's IP on its own, and clearing the last one clears IP
    // (VTD-PRQ-14, VTD-FLT-6, VTD-IQ-8); every unit masked.
    setup(&env, &sc).await;
    let nr = regs::cap_nr(env.read_reg(regs::CAP).await);
    set_every_status_bit(&env, nr).await;
    for ectl in [regs::PECTL, regs::FECTL, regs::IECTL] {
        ensure!(ip(&env, ectl).await, "VTD-PRQ-13", "IP of {ectl:#x} not set by its masked event");
    }
    // PE: PPR alone keeps IP; then PRO alone sets it (a full PRQ, PPR = PRO = 0) and keeps it.
    env.write_reg(regs::PRS, u64::from(regs::PRS_PRO)).await;
    ensure!(ip(&env, regs::PECTL).await, "VTD-PRQ-14", "PECTL.IP cleared while PPR was still 1");
    env.write_reg(regs::PRS, u64::from(regs::PRS_PPR)).await;
    ensure!(!ip(&env, regs::PECTL).await, "VTD-PRQ-14", "PECTL.IP kept after PPR and PRO were cleared");
    env.send_all(&[req(RID, None, 2, true)]).await;
    responses(&env, 2, "VTD-PRQ-7").await;
    ensure!(prs(&env).await == regs::PRS_PRO, "VTD-PRQ-7", "PRO alone expected after a request found the PRQ full");
    ensure!(ip(&env, regs::PECTL).await, "VTD-PRQ-13", "PRO alone did not set PECTL.IP");
    env.write_reg(regs::PRS, u64::from(regs::PRS_PRO)).await;
    ensure!(!ip(&env, regs::PECTL).await, "VTD-PRQ-14", "PECTL.IP kept after PRO, its only source, was cleared");
    // FE: PFO alone keeps IP after every record is cleared; IQE alone keeps it; PPF alone sets it.
    for i in 0..nr {
        env.clear_fault_record(i).await;
    }
    let f = fsts(&env).await;
    ensure!(f & regs::FSTS_PPF == 0, "VTD-FLT-1", "FSTS {f:#x}: PPF set with every record cleared");
    ensure!(ip(&env, regs::FECTL).await, "VTD-FLT-6", "FECTL.IP cleared while PFO and IQE were 1");
    env.write_reg(regs::FSTS, u64::from(regs::FSTS_PFO)).await;
    ensure!(ip(&env, regs::FECTL).await, "VTD-FLT-6", "FECTL.IP cleared while IQE was still 1");
    env.write_reg(regs::FSTS, u64::from(regs::FSTS_IQE)).await;
    ensure!(!ip(&env, regs::FECTL).await, "VTD-FLT-6", "FECTL.IP kept after PFO and IQE were cleared");
    env.descriptor([0x0A, 0, 0, 0]).await;
    env.cycles(5).await;
    ensure!(ip(&env, regs::FECTL).await, "VTD-FLT-6", "IQE alone did not set FECTL.IP");
    env.write_reg(regs::FSTS, u64::from(regs::FSTS_IQE)).await;
    ensure!(!ip(&env, regs::FECTL).await, "VTD-FLT-6", "FECTL.IP kept after IQE, its only source, was cleared");
    env.send_all(&[PageRequest { rid: RID_OFF, r: true, prgi: 9, ..Default::default() }]).await;
    quiet(&env).await;
    ensure!(ip(&env, regs::FECTL).await, "VTD-FLT-6", "PPF alone did not set FECTL.IP");
    env.write_reg(regs::FSTS, u64::from(regs::FSTS_PFO | regs::FSTS_IQE)).await;
    ensure!(ip(&env, regs::FECTL).await, "VTD-FLT-6", "FECTL.IP cleared while PPF was still 1");
    // IE: IWC is its only source.
    env.write_reg(regs::ICS, 0).await;
    ensure!(ip(&env, regs::IECTL).await, "VTD-IQ-8", "IECTL.IP cleared by a write of 0 to ICS");
    env.write_reg(regs::ICS, u64::from(regs::ICS_IWC)).await;
    ensure!(!ip(&env, regs::IECTL).await, "VTD-IQ-8", "IECTL.IP kept after IWC was cleared");
    ensure!(env.count(|t| matches!(t, Txn::Msi { .. })) == 0, "VTD-PRQ-13", "an MSI while every unit was masked");
}

// ---- every address and data bit set and cleared (toggle stimulus with architectural checks) -----

/// 4 KiB-aligned addresses that between them set and clear every bit of a 48-bit address
/// (OP-19), the top page first.
const ADDR_PATTERNS: [u64; 4] = [0xFFFF_FFFF_F000, 0x0000_0000_1000, 0xAAAA_AAAA_A000, 0x5555_5555_5000];

async fn queue_base_bits(env: Env, _sc: Scenario, _: ChaCha8Rng) {
    // Descriptors land at PQA + 32 x PQT index whatever the base (VTD-PRQ-1) and carry every
    // field bit set, then clear (VTD-PRQ-4); MSIs and status writes go to the addresses
    // programmed, every bit set then clear (VTD-PRQ-13, VTD-IQ-8).
    env.pre_enable(0, RID2).await;
    env.pre_enable(1, 0).await;
    env.unmask(regs::PECTL).await;
    for (k, base) in ADDR_PATTERNS.into_iter().enumerate() {
        env.enable_prq(base, LOG2SIZE).await;
        let msi = base | 0xFFC;
        env.write_reg(regs::PEADDR, msi & 0xFFFF_FFFF).await;
        env.write_reg(regs::PEUADDR, msi >> 32).await;
        env.write_reg(regs::PEDATA, if k % 2 == 0 { 0xFFFF } else { 0 }).await;
        let first = entries(&env).len();
        let msgs = [every_bit_request(RID2, 0x1FF), req(0, None, 0, false)];
        env.send_all(&msgs).await;
        written(&env, first + 2).await;
        for (j, (addr, m)) in entries(&env)[first..].iter().enumerate() {
            ensure!(*addr == base + DESC_BYTES * j as u64, "VTD-PRQ-1", "base {base:#x}: descriptor {j} at {addr:#x}");
            ensure!(*m == msgs[j], "VTD-PRQ-4", "base {base:#x}: descriptor {j} decodes to {m:?}, sent {:?}", msgs[j]);
        }
        wait_for(&env, "VTD-PRQ-13", "the page request event MSI", |e| msis_to(e, msi) == 1).await;
        env.write_reg(regs::PRS, u64::from(regs::PRS_PPR)).await;
        // Every status address and data bit set, then clear (data never 0: memory starts at 0).
        let status = base | if k % 2 == 0 { 0x804 } else { 0x800 };
        let data = [u32::MAX, 1 << 31, u32::MAX, 1][k];
        env.descriptor(InvWaitDsc { sw: true, status_data: data, status_addr: status, ..Default::default() }.encode()).await;
        wait_for(&env, "VTD-IQ-8", "the status write", |e| e.mem_read_u32(status) == data).await;
    }
}

async fn noop_descriptor_bits(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // OP-10: types 0x01-0x04 and 0x06-0x08 are taken and do nothing, reserved bits not checked;
    // every bit but the type set in all four qwords, then clear.
    setup(&env, &sc).await;
    for t in [0x01u64, 0x02, 0x03, 0x04, 0x06, 0x07, 0x08] {
        let ty = (t & 0xF) | (t >> 4) << 9;
        env.descriptor([!0xE0F | ty, u64::MAX, u64::MAX, u64::MAX]).await;
        env.descriptor([ty, 0, 0, 0]).await;
    }
    env.cycles(10).await;
    ensure!(fsts(&env).await & regs::FSTS_IQE == 0, "VTD-IQ-2", "a no-op descriptor with reserved bits set set IQE (OP-10)");
    // Type 0x7F (every type bit set) is unknown: IQE, nothing else (VTD-IQ-2).
    env.descriptor([0xE0F, 0, 0, 0]).await;
    env.cycles(5).await;
    ensure!(fsts(&env).await & regs::FSTS_IQE != 0, "VTD-IQ-2", "type 0x7F did not set IQE (OP-10)");
    env.write_reg(regs::FSTS, u64::from(regs::FSTS_IQE)).await;
    env.descriptor([0x01, 0, 0, 0]).await;
    ensure!(env.responses().is_empty(), "VTD-IQ-3", "a no-op descriptor sent a response");
    ensure!(
        env.count(|t| matches!(t, Txn::MemWrite { .. } | Txn::StatusWrite { .. } | Txn::Msi { .. })) == 0,
        "VTD-IQ-2",
        "a no-op descriptor wrote memory"
    );
}

async fn fault_record_bits(env: Env, _sc: Scenario, _: ChaCha8Rng) {
    // Every record written twice, its fields all set then all clear (VTD-FLT-3), each cleared
    // before the next fault so that FRI follows the internal index (VTD-FLT-1, -4, -5). No
    // requester is enabled: every message is a fault.
    let nr = regs::cap_nr(env.read_reg(regs::CAP).await);
    for round in 0..2u32 {
        for i in 0..nr {
            let m = if round == 0 {
                PageRequest { prgi: i as u16, ..every_bit_request(0xFFFF, 0) }
            } else {
                PageRequest { rid: 0, r: true, prgi: i as u16, ..Default::default() }
            };
            env.send_all(&[m]).await;
            quiet(&env).await;
            let f = fsts(&env).await;
            ensure!(f >> regs::FSTS_FRI_SHIFT & 0xFF == i, "VTD-FLT-4", "FSTS {f:#x}: FRI {i} expected for the fault in record {i}");
            let rec = frcd(&env, i).await;
            ensure!(rec.f && rec.sid == m.rid && rec.fi == m.page, "VTD-FLT-3", "record {i} is {rec:?} for {m:?}");
            env.clear_fault_record(i).await;
        }
    }
    ensure!(fsts(&env).await & regs::FSTS_PPF == 0, "VTD-FLT-1", "PPF set with every record cleared");
}

// ---- every message class in every row (Table 31, DEC-1, DEC-5..DEC-7) -----------------------------

/// One message of each class: Stop Marker, PASID-less LPIG=1 with R=W=0 (an ordinary LPIG=1
/// request, DEC-1), LPIG=0 and LPIG=1 without PASID, LPIG=1 with PASID.
fn classes(rid: u16, prgi: u16) -> [PageRequest; 5] {
    [
        stop_marker(rid, 0x33),
        PageRequest { rid, l: true, prgi, page: 0x77, ..Default::default() },
        req(rid, None, prgi + 1, false),
        req(rid, None, prgi + 2, true),
        req(rid, Some(0x44), prgi + 3, true),
    ]
}

/// The LPIG=1 requests among `msgs`, answered with `code` (Stop Markers are never answered).
fn answered(msgs: &[PageRequest], code: RespCode) -> Vec<PrgResponse> {
    msgs.iter().filter(|m| m.l && !(m.pv && !m.r && !m.w)).map(|m| PrgResponse { code, ..success(m) }).collect()
}

async fn row_by_class(env: Env, sc: Scenario, _: ChaCha8Rng) {
    setup(&env, &sc).await;
    env.unmask(regs::PECTL).await;
    // Row d: every class is written (VTD-PRQ-10, -11; DEC-1), nothing is answered.
    let d = classes(RID, 10);
    env.send_all(&d).await;
    written(&env, d.len()).await;
    ensure!(entries(&env).iter().map(|e| e.1).eq(d.iter().copied()), "VTD-PRQ-10", "row d descriptors {:?}", entries(&env));
    // Row a: a disabled requester's LPIG=1 requests get Invalid Request, the rest nothing (DEC-5, DEC-6).
    let a = classes(RID_OFF, 20);
    env.send_all(&a).await;
    let mut want = answered(&a, RespCode::InvalidRequest);
    responses(&env, want.len(), "VTD-PRQ-5").await;
    // Row c, once per class: PPR and PRO cleared, the message finds the PRQ full, sets PRO and
    // raises the page request event (VTD-PRQ-7, -13); LPIG=1 requests get Success (DEC-7).
    let rest: Vec<PageRequest> = (d.len() as u64..N - 1).map(|k| req(RID, Some(1), (k % 512) as u16, false)).collect();
    env.send_all(&rest).await;
    written(&env, (N - 1) as usize).await;
    let c = classes(RID2, 30);
    for (k, m) in c.iter().enumerate() {
        env.write_reg(regs::PRS, (regs::PRS_PPR | regs::PRS_PRO) as u64).await;
        let msis = msis_to(&env, PE_MSI.0);
        env.send_all(&[*m]).await;
        wait_for(&env, "VTD-PRQ-13", &format!("the event of row c for class {k}"), |e| msis_to(e, PE_MSI.0) == msis + 1).await;
        ensure!(prs(&env).await == regs::PRS_PRO, "VTD-PRQ-7", "class {k} on a full PRQ: PRS {:#x}", prs(&env).await);
    }
    want.extend(answered(&c, RespCode::Success));
    // Row b: with PRO set, LPIG=1 requests get Success and nothing else happens (VTD-PRQ-6).
    let b = classes(RID, 40);
    env.send_all(&b).await;
    want.extend(answered(&b, RespCode::Success));
    responses(&env, want.len(), "VTD-PRQ-6").await;
    quiet(&env).await;
    ensure!(env.responses() == want, "VTD-PRQ-17", "responses {:?}, expected {want:?}", env.responses());
    ensure!(entries(&env).len() == (N - 1) as usize, "VTD-PRQ-6", "a message was written in row a, b or c");
}

async fn queue_sizes(env: Env, sc: Scenario, _: ChaCha8Rng) {
    // Each PQS from 1 to 7, four descriptors across the end of the ring (VTD-PRQ-1..3).
    for pqs in 1..=7u32 {
        let log2size = 7 + pqs;
        let n = 1u64 << log2size;
        env.enable_prq(sc.queue_base, log2size).await;
        env.pre_enable(0, RID).await;
        let start = (n - 2) * DESC_BYTES;
        env.write_reg(regs::PQH, start).await;
        env.write_reg(regs::PQT, start).await;
        let before = entries(&env).len();
        env.send_all(&(0..4).map(|k| req(RID, None, k, false)).collect::<Vec<_>>()).await;
        let pqt = written(&env, before + 4).await;
        ensure!(pqt == 2 * DESC_BYTES, "VTD-PRQ-2", "PQS {pqs}: PQT {pqt:#x} after wrapping, expected 0x40");
        for (k, (addr, _)) in entries(&env)[before..].iter().enumerate() {
            let expect = sc.queue_base + ((n - 2 + k as u64) % n) * DESC_BYTES;
            ensure!(*addr == expect, "VTD-PRQ-1", "PQS {pqs}: descriptor {k} at {addr:#x}, expected {expect:#x}");
        }
    }
}

// ---- the Linux-like host's register protocol on the RTL (HOST-22, HOST-23, HOST-25) ----------------

/// The thread's (and drain's) accesses after log position `from`: register writes, completed
/// reads and taken descriptors, in order (the register agent does one access at a time).
fn host_accesses(env: &Env, from: usize) -> Vec<Txn> {
    let a = env.agents.borrow();
    a.log[from..].iter().map(|s| s.txn).filter(|t| matches!(t, Txn::RegWrite { .. } | Txn::RegRead { .. } | Txn::Command { .. })).collect()
}

fn is_reg_write(t: &Txn, addr: u32, data: u64) -> bool {
    matches!(*t, Txn::RegWrite { addr: a, data: d } if a == addr && d == data)
}

fn is_reg_read(t: &Txn, addr: u32) -> bool {
    matches!(*t, Txn::RegRead { addr: a, .. } if a == addr)
}

/// The driver's synchronous wait: SW=1, PD as given, no FN (HOST-23, HOST-25).
fn is_sync_wait(t: &Txn, pd: bool) -> bool {
    matches!(t, Txn::Command { words, .. } if desc_type(*words) == TYPE_INV_WAIT && { let w = InvWaitDsc::decode(*words); w.sw && w.pd == pd && !w.fn_ })
}

async fn start_host(env: &Env, sc: &Scenario, rng: &mut ChaCha8Rng) -> Rc<RefCell<VtdHostState>> {
    let state = Rc::new(RefCell::new(VtdHostState::new(sc.host.sw)));
    env.sim.start_soon(prq_thread(env.clone(), sc.host, rng.next_u64(), state.clone()));
    state
}

async fn host_thread_protocol(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    setup(&env, &sc).await;
    // A group (partial + last), a Stop Marker, and a bad LPIG=1 request (EXR with RDR).
    let bad = PageRequest { exe: true, ..req(RID, Some(4), 9, true) };
    env.send_all(&[req(RID, Some(4), 7, false), req(RID, Some(4), 7, true), stop_marker(RID, 4), bad]).await;
    written(&env, 4).await;
    let from = env.agents.borrow().log.len();
    let state = start_host(&env, &sc, &mut rng).await;
    env.irq.set();
    wait_for(&env, "HOST-22", "a round of the PRQ thread", |_| state.borrow().rounds >= 1).await;
    let t = host_accesses(&env, from);
    // (1) PPR cleared first, (2) PQT then PQH.
    ensure!(
        t.len() > 3
            && is_reg_write(&t[0], regs::PRS, regs::PRS_PPR as u64)
            && is_reg_read(&t[1], regs::PQT)
            && is_reg_read(&t[2], regs::PQH),
        "HOST-22",
        "the round starts {:?}",
        &t[..t.len().min(3)]
    );
    // (3) the group answered Success, the bad request Invalid Request, each followed by its wait.
    let cmds: Vec<&Txn> = t.iter().filter(|x| matches!(x, Txn::Command { .. })).collect();
    let resp = |prgi, rc| PageGrpRespDsc { pp: true, rc, rid: RID, pasid: 4, lpig: true, prgi }.encode();
    ensure!(cmds.len() == 4, "HOST-23", "{} descriptors for one group and one bad request: {cmds:?}", cmds.len());
    ensure!(
        matches!(cmds[0], Txn::Command { words, .. } if *words == resp(7, 0)) && is_sync_wait(cmds[1], false),
        "HOST-23",
        "the group's answer {:?}, {:?}",
        cmds[0],
        cmds[1]
    );
    ensure!(
        matches!(cmds[2], Txn::Command { words, .. } if *words == resp(9, 1)) && is_sync_wait(cmds[3], false),
        "HOST-22",
        "the bad request's answer {:?}, {:?}",
        cmds[2],
        cmds[3]
    );
    // (4) PQH = the PQT read, after the answers; then PRS is read and, with PRO=0, not written.
    let pqh = t.iter().position(|x| is_reg_write(x, regs::PQH, 4 * DESC_BYTES));
    let last_cmd = t.iter().rposition(|x| matches!(x, Txn::Command { .. }));
    ensure!(
        pqh.is_some_and(|p| Some(p) > last_cmd && t.get(p + 1).is_some_and(|x| is_reg_read(x, regs::PRS))),
        "HOST-22",
        "PQH write not after the answers and before the PRS read: {t:?}"
    );
    ensure!(!t.iter().any(|x| is_reg_write(x, regs::PRS, regs::PRS_PRO as u64)), "HOST-22", "PRO written while it was 0");
    let counts = {
        let s = state.borrow();
        (s.entries, s.stop_markers_dropped, s.bad_requests, s.groups_answered())
    };
    ensure!(counts == (4, 1, 1, 1), "HOST-22", "entries, Stop Markers, bad requests, groups: {counts:?}");
    responses(&env, 2, "HOST-23").await;
}

async fn host_clears_pro_when_empty(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    // PRO set by a full PRQ of LPIG=0 requests (partials): the thread frees every entry, finds
    // PQH = PQT on the re-read, discards the partials (HOST-8) and only then clears PRO.
    setup(&env, &sc).await;
    fill(&env).await;
    env.send_all(&[req(RID, Some(1), 0x1FF, false)]).await;
    quiet(&env).await;
    ensure!(prs(&env).await & regs::PRS_PRO != 0, "VTD-PRQ-7", "the PRQ did not overflow");
    let from = env.agents.borrow().log.len();
    let state = start_host(&env, &sc, &mut rng).await;
    env.irq.set();
    wait_for(&env, "HOST-22", "the thread clearing PRO", |_| state.borrow().overflows_cleared >= 1).await;
    let t = host_accesses(&env, from);
    let pqh = t.iter().position(|x| is_reg_write(x, regs::PQH, (N - 1) * DESC_BYTES));
    let after = pqh.map(|p| &t[p + 1..(p + 5).min(t.len())]).unwrap_or(&[]);
    let order = after.len() == 4
        && is_reg_read(&after[0], regs::PRS)
        && is_reg_read(&after[1], regs::PQH)
        && is_reg_read(&after[2], regs::PQT)
        && is_reg_write(&after[3], regs::PRS, regs::PRS_PRO as u64);
    ensure!(order, "HOST-22", "after the PQH write: {after:?} (expected PRS, PQH, PQT reads, then the PRO write)");
    ensure!(state.borrow().partials_discarded() >= 1, "HOST-8", "PRO cleared without discarding the partials");
    ensure!(prs(&env).await & regs::PRS_PRO == 0, "HOST-22", "PRO still set");
}

async fn drain_waits_for_thread(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    // HOST-25: while an entry of (RID, P) sits in the PRQ the drain submits nothing; once the
    // thread consumed it: a fenced wait, the two invalidation stand-ins, and the PD wait.
    setup(&env, &sc).await;
    env.send_all(&[req(RID2, Some(6), 1, false), req(RID, Some(5), 2, false)]).await;
    written(&env, 2).await;
    let state = start_host(&env, &sc, &mut rng).await;
    let from = env.agents.borrow().log.len();
    let drain = env.sim.start_soon({
        let (env, state) = (env.clone(), state.clone());
        async move { drain_pasid(&env, &state, RID, Some(5)).await }
    });
    env.cycles(300).await;
    let early = host_accesses(&env, from).iter().filter(|x| matches!(x, Txn::Command { .. })).count();
    ensure!(early == 0 && !drain.is_finished(), "HOST-25", "the drain went on with an entry of P in the PRQ ({early} descriptors)");
    env.irq.set();
    wait_for(&env, "HOST-25", "the drain to finish", |_| drain.is_finished()).await;
    let t = host_accesses(&env, from);
    let cmds: Vec<&Txn> = t.iter().filter(|x| matches!(x, Txn::Command { .. })).collect();
    let fence = |x: &Txn| matches!(x, Txn::Command { words, .. } if desc_type(*words) == TYPE_INV_WAIT && { let w = InvWaitDsc::decode(*words); w.fn_ && !w.sw && !w.pd });
    let stand_in = |x: &Txn, ty: u8| matches!(x, Txn::Command { words, .. } if desc_type(*words) == ty);
    let order = cmds.len() == 4 && fence(cmds[0]) && stand_in(cmds[1], 0x06) && stand_in(cmds[2], 0x08) && is_sync_wait(cmds[3], true);
    ensure!(order, "HOST-25", "drain descriptors {cmds:?}");
    env.cycles(1).await; // host events are reported at the next edge
    ensure!(env.count(|x| matches!(x, Txn::QueueDrained { rid: RID, pasid: 5 })) == 1, "HOST-25", "the drain was not reported once");
}

// ---- drain (HOST-25, VTD-IQ-11) and seeded classes -----------------------------------------------

async fn drain_after_overflow(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    // PASID 1 of RID is drained while the PRQ has overflowed: requests of P that found it full
    // were answered automatically, so once the thread has cleared PRO the drain's waits are
    // repeated (HOST-25 step 4, VTD-IQ-11). The thread only polls (PECTL masked), slowly.
    setup(&env, &sc).await;
    let state = Rc::new(RefCell::new(VtdHostState::new(sc.host.sw)));
    env.sim.start_soon(prq_thread(env.clone(), sc.host, rng.next_u64(), state.clone()));
    let mut burst: Vec<PageRequest> = (0..N - 1).map(|k| req(RID2, None, (k % 512) as u16, false)).collect();
    let dropped = [req(RID, Some(1), 1, true), req(RID, Some(1), 2, true)];
    burst.extend(dropped);
    env.send_all(&burst).await;
    responses(&env, 2, "DEC-7").await;
    ensure!(prs(&env).await & regs::PRS_PRO != 0, "VTD-PRQ-7", "the burst did not overflow the PRQ");
    drain_pasid(&env, &state, RID, Some(1)).await;
    ensure!(state.borrow().overflows_cleared >= 1, "HOST-22", "the thread never cleared PRO");
    ensure!(prs(&env).await & regs::PRS_PRO == 0, "VTD-IQ-11", "PRO still set after the drain");
    let pd_waits = env.count(|t| matches!(t, Txn::Command { words, .. } if words[0] & 0xF == 5 && InvWaitDsc::decode(*words).pd));
    ensure!(pd_waits == 2, "HOST-25", "{pd_waits} PD waits: the drain was not repeated once after the overflow");
    ensure!(env.count(|t| matches!(t, Txn::QueueDrained { .. })) == 1, "HOST-25", "the drain was not reported once");
    ensure!(env.responses() == dropped.iter().map(success).collect::<Vec<_>>(), "DEC-7", "responses {:?}", env.responses());
}

/// PASID of the stop-PASID class, used by `RID` beside PASID 6.
const P: u32 = 5;

/// One function using PASIDs 5 and 6 through the Linux-like host, traffic without end (the test
/// winds it down); odd seeds stop P with variant B behind a slow host, even seeds with variant A,
/// each once PRGs of P are outstanding (they become stale under variant B).
fn stop_pasid_scenario(seed: u64) -> Scenario {
    let mut sc = host_traffic_scenario("vtd_stop_pasid", seed, u32::MAX);
    sc.host.poll_cycles = if seed % 2 == 1 { 600 } else { 40 };
    sc
}

async fn stop_pasid(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    // HOST-27 on VT-d: the function stops P (PRI-24..PRI-26), the host drains the PRQ of P
    // (HOST-25: fenced wait, invalidations, PD wait, repeated after an overflow), answers or
    // discards every group of P, frees it and binds it again (PRI-30). The PRI checkers judge
    // the order of all of it (StopOrder, PasidReuse).
    setup(&env, &sc).await;
    env.unmask(regs::PECTL).await;
    let state = Rc::new(RefCell::new(VtdHostState::new(sc.host.sw)));
    env.agents.borrow_mut().pcie.auto_rebind = false;
    env.sim.start_soon(prq_thread(env.clone(), sc.host, rng.next_u64(), state.clone()));
    env.start_traffic();
    env.cycles(400).await;
    let variant = if sc.seed % 2 == 1 { Variant::B { marker_vs_complete: MarkerVsComplete::CompleteAfterMarker } } else { Variant::A };
    stop_with_prgs_outstanding(&env, RID, P, variant).await;
    env.wait_txn("PRI-25", 20_000, |t| matches!(t, Txn::StopComplete { pasid: P, .. })).await;
    // Variant B ends with exactly one Stop Marker (PRI-26), variant A with none (PRI-25).
    let markers = env.count(|t| matches!(t, Txn::PageRequest { msg } if msg.pv && msg.pasid == P && msg.class() == MsgClass::StopMarker));
    let (rule, want) = if matches!(variant, Variant::A) { ("PRI-25", 0) } else { ("PRI-26", 1) };
    ensure!(markers == want, rule, "{markers} Stop Markers of P for a stop with {variant:?}");
    drain_pasid(&env, &state, RID, Some(P)).await;
    let answered = || state.borrow().sw.core.pasid_answered(RID, Some(P));
    let discard = || {
        state.borrow_mut().sw.core.discard_pasid_partials(RID, Some(P));
    };
    // PRI-30: the function uses P again only after the re-bind; the traffic goes on until a
    // request of the new incarnation was accepted, so the stop-order checker judges one.
    let requests_of_p =
        |e: &Env| e.count(|t| matches!(t, Txn::PageRequest { msg } if msg.pv && msg.pasid == P && msg.class() != MsgClass::StopMarker));
    let before = requests_of_p(&env);
    free_and_rebind(&env, RID, P, answered, discard).await;
    let what = format!("a request of PASID {P:#x} after its re-bind");
    wait_until(&env, "PRI-30", &what, TRAFFIC_PATIENCE, |e| requests_of_p(e) > before).await;
    env.stop_traffic().await;
    env.settle(100).await;
    let inc = env.agents.borrow().pcie.functions[0].incarnation(P);
    ensure!(inc == 1, "PRI-30", "PASID {P:#x} is at incarnation {inc} after the re-bind");
    ensure!(env.count(|t| matches!(t, Txn::QueueDrained { pasid: P, .. })) == 1, "HOST-25", "the drain of P was not reported once");
}

/// One function using PASIDs 5 and 6 through the Linux-like host woken by the page request
/// event: `n` PRGs, or traffic without end for `n` = `u32::MAX`.
fn host_traffic_scenario(name: &str, seed: u64, prgs: u32) -> Scenario {
    Scenario {
        traffic: Some(TrafficPlan { prgs, ..stop_pasid_traffic(RID, P) }),
        host: HostPolicy { consume: true, ..HostPolicy::default() },
        max_cycles: 100_000,
        ..directed(name, seed)
    }
}

/// DEC-11 opt-in mode on VT-d: PASIDs 5 and 6 share PRG indexes (PRI-9) behind a slow host, so
/// that groups of both are outstanding together (class `grpid_hazard`).
fn grpid_hazard_scenario(seed: u64) -> Scenario {
    let mut sc = host_traffic_scenario("vtd_grpid_hazard", seed, 60);
    sc.host.poll_cycles = 300;
    if let Some(t) = sc.traffic.as_mut() {
        t.prgi_shared_across_pasids = true;
        t.send_odds = 255;
        t.prgs = u32::MAX; // until the hazard (the class stops the traffic)
    }
    sc
}

/// Negative: the host sends a `page_grp_resp_dsc` with Success for an index the function never
/// used. The PRI response checker must stop the run with PRI-16; the function sets UPRGI
/// (PRI-20).
async fn bogus_response_uprgi(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let _state = VtdHost::start(&env, &sc, rng.next_u64()).await;
    env.start_traffic();
    env.cycles(200).await;
    let bogus = PrgResponse { rid: RID, pv: true, pasid: 6, prgi: 0x1F0, code: RespCode::Success };
    env.page_grp_resp(&bogus).await;
    env.wait_txn("PRI-20", PATIENCE, |t| matches!(t, Txn::Response { rsp } if rsp.prgi == 0x1F0)).await;
    env.cycles(5).await;
    let uprgi = env.agents.borrow().pcie.functions[0].uprgi();
    ensure!(uprgi, "PRI-20", "a response matching no PRG did not set UPRGI");
    env.wait_traffic_done().await;
    env.settle(100).await;
}

/// Traffic of a few functions through a Linux-like host (HOST-22, HOST-23). Credits may exceed
/// the PRQ and the host may poll slowly, so some seeds overflow (rows b, c); one function in four
/// runs is not enabled in the PRE table (row a, fault recording). The traffic has no end of its
/// own: the class runs it in rounds (`random`).
fn random_scenario(seed: u64) -> Scenario {
    let mut r = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
    let mut pick = |lo: u64, hi: u64| lo + r.next_u64() % (hi - lo + 1);
    let mut rids = vec![RID, RID2];
    if pick(0, 3) == 0 {
        rids.push(RID_OFF);
    }
    Scenario {
        memory: MemoryBehaviour { ready_odds: pick(64, 255) as u8, ack_latency: (1, pick(1, 12) as u32), error_odds: 0 },
        rsp_ready_odds: pick(64, 255) as u8,
        traffic: Some(TrafficPlan {
            rids,
            // PASIDs over the whole 20-bit space.
            pasids: vec![0, pick(1, 0xF_FFFF) as u32, pick(1, 0xF_FFFF) as u32],
            allocation: pick(4, 120) as u32,
            max_prg_len: pick(1, 6) as u32,
            prgs: u32::MAX,
            stop_odds: 0,
            send_odds: pick(40, 255) as u8,
            prgi_shared_across_pasids: false,
            faults: Default::default(),
        }),
        host: HostPolicy { consume: true, poll_cycles: pick(16, 1500), ..HostPolicy::default() },
        max_cycles: 400_000,
        ..directed("vtd_random", seed)
    }
}

/// Negative: the functions ignore their Allocation (fault mode `credit_overrun`) behind a slow
/// host; the PRI checkers must stop the run naming PRI-11 on the VT-d flavor too.
fn credit_overrun_scenario(seed: u64) -> Scenario {
    let mut sc = random_scenario(seed);
    sc.test = "vtd_device_credit_overrun".into();
    sc.host.poll_cycles = 400;
    if let Some(t) = sc.traffic.as_mut() {
        t.faults.credit_overrun = true;
        t.allocation = 4;
        t.send_odds = 255;
    }
    sc
}

/// PRGs answered in each round of the random class's traffic.
const RANDOM_PRGS: u64 = 100;
/// Rounds of traffic in which the host must have answered a group of its own.
const RANDOM_ROUNDS: u32 = 20;

async fn random(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    setup(&env, &sc).await;
    if rng.next_u32() & 1 == 0 {
        env.unmask(regs::PECTL).await;
    }
    let state = Rc::new(RefCell::new(VtdHostState::new(sc.host.sw)));
    env.sim.start_soon(prq_thread(env.clone(), sc.host, rng.next_u64(), state.clone()));
    env.start_traffic();
    // The traffic runs in rounds of RANDOM_PRGS answered PRGs until the host has answered a group
    // itself (HOST-22, HOST-23): one round may be answered by the hardware and the host's
    // rejections alone. A requester disabled in the PRE table is answered at once (row a) and
    // gets the PRGs while the others wait for their credits behind a slow host, and a group whose
    // last request the host finds bad (non-canonical address, privileged...) gets Invalid Request.
    // Each round ends with a pause (no new request) until every group whose last request was
    // sent is answered: while PRO is set every request is answered at once, automatic responses
    // go first at the egress (OP-16), and a device that keeps sending would keep the host's own
    // response, and so the host, waiting for ever.
    let closed = |e: &Env| e.agents.borrow().pcie.tally.closed;
    let all_closed_answered = |e: &Env| e.agents.borrow().pcie.functions.iter().all(|f| f.outstanding().all(|g| !g.last_sent));
    for round in 1.. {
        let target = closed(&env) + RANDOM_PRGS;
        env.run_traffic_until(&format!("round {round} of {RANDOM_PRGS} answered PRGs"), |e| closed(e) >= target).await;
        env.agents.borrow_mut().pcie.traffic_on = false;
        env.run_traffic_until(&format!("the groups of round {round} to be answered"), all_closed_answered).await;
        env.agents.borrow_mut().pcie.traffic_on = true;
        if state.borrow().groups_answered() > 0 {
            break;
        }
        ensure!(round < RANDOM_ROUNDS, "PRI-16", "the host answered no group in {RANDOM_ROUNDS} rounds of {RANDOM_PRGS} PRGs");
    }
    env.stop_traffic().await;
    env.settle(100).await;
}

/// Continuous traffic of two functions for a fixed number of cycles, through the Linux-like host
/// woken by the page request event (also the `make bench` workload).
fn soak_scenario(seed: u64) -> Scenario {
    Scenario {
        traffic: Some(TrafficPlan {
            rids: vec![RID, RID2],
            pasids: vec![1, 2, 0],
            allocation: 16,
            max_prg_len: 3,
            prgs: u32::MAX,
            stop_odds: 0,
            send_odds: 255,
            prgi_shared_across_pasids: false,
            faults: Default::default(),
        }),
        host: HostPolicy { consume: true, poll_cycles: 64, ..HostPolicy::default() },
        max_cycles: 100_000,
        ..directed("vtd_soak", seed)
    }
}

/// The VT-d host side of the shared classes: the PRQ set up with `RID` and `RID2` enabled, the
/// page request event unmasked, the PRQ thread (HOST-22, HOST-23).
pub struct VtdHost;

impl HostSide for VtdHost {
    type State = VtdHostState;
    async fn start(env: &Env, sc: &Scenario, seed: u64) -> Rc<RefCell<VtdHostState>> {
        setup(env, sc).await;
        env.unmask(regs::PECTL).await;
        let state = Rc::new(RefCell::new(VtdHostState::new(sc.host.sw)));
        env.sim.start_soon(prq_thread(env.clone(), sc.host, seed, state.clone()));
        state
    }
    fn groups_answered(state: &VtdHostState) -> u64 {
        state.groups_answered()
    }
    fn events(state: &VtdHostState) -> &[models::host::HostEvent] {
        &state.events
    }
}

/// Every registered VT-d test.
pub fn registry() -> &'static [TestDef] {
    static REGISTRY: std::sync::OnceLock<Vec<TestDef>> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| {
        vec![
            TestDef {
                needs: TWO_PRE_ENTRIES,
                ..directed!(
                    "vtd_basic_write",
                    basic_write,
                    ["VTD-PRQ-1", "VTD-PRQ-4", "VTD-PRQ-8", "VTD-PRQ-11", "VTD-PRQ-16", "VTD-PRQ-18"]
                )
            },
            directed!("vtd_exactly_full", exactly_full, ["VTD-PRQ-3", "VTD-PRQ-7"]),
            directed!("vtd_wrap", wrap, ["VTD-PRQ-1", "VTD-PRQ-2", "VTD-PRQ-3"]),
            directed!("vtd_pro_sticky", pro_sticky, ["VTD-PRQ-9", "VTD-PRQ-6", "VTD-PRQ-12"]),
            TestDef {
                needs: TWO_PRE_ENTRIES,
                ..directed!("vtd_auto_success_full_and_pro", auto_success_full_and_pro, ["VTD-PRQ-6", "VTD-PRQ-7", "DEC-7", "VTD-PRQ-17"])
            },
            directed!("vtd_nothing_for_lpig0", nothing_for_lpig0, ["DEC-6", "VTD-PRQ-7"]),
            directed!("vtd_stop_marker_on_full", stop_marker_on_full, ["DEC-6", "VTD-PRQ-7", "VTD-PRQ-10"]),
            TestDef {
                needs: TWO_RECORDS,
                ..directed!(
                    "vtd_pre_disabled_fault",
                    pre_disabled_fault,
                    ["DEC-5", "VTD-PRQ-5", "VTD-PRQ-19", "VTD-FLT-1", "VTD-FLT-3", "VTD-FLT-7"]
                )
            },
            directed!("vtd_fault_overflow", fault_overflow, ["VTD-FLT-4", "VTD-FLT-5"]),
            directed!("vtd_event_gating", event_gating, ["VTD-PRQ-13", "VTD-PRQ-14", "VTD-PRQ-15"]),
            TestDef { needs: TWO_PRE_ENTRIES, ..directed!("vtd_fault_event", fault_event, ["VTD-FLT-6", "VTD-IQ-2", "VTD-PRQ-14"]) },
            directed!("vtd_wait_interrupt", wait_interrupt, ["VTD-IQ-8"]),
            directed!("vtd_read_pushes_event_msis", read_pushes_event_msis, ["VTD-PRQ-20", "VTD-FLT-8"], |s| Scenario {
                memory: MemoryBehaviour { ready_odds: 255, ack_latency: (40, 40), error_odds: 0 },
                ..directed("vtd_read_pushes_event_msis", s)
            }),
            directed!("vtd_reserved_code_forwarding", reserved_code_forwarding, ["DEC-8", "VTD-IQ-3"]),
            directed!("vtd_iqe_reserved_bits", iqe_reserved_bits, ["VTD-IQ-1", "VTD-IQ-2", "VTD-IQ-4", "VTD-IQ-6"]),
            directed!("vtd_pd_wait_drains", pd_wait_drains, ["VTD-IQ-10", "DEC-10"], |s| Scenario {
                memory: MemoryBehaviour { ready_odds: 255, ack_latency: (12, 12), error_odds: 0 },
                ..directed("vtd_pd_wait_drains", s)
            }),
            TestDef { needs: TWO_PRE_ENTRIES, ..directed!("vtd_wait_fences", wait_fences, ["VTD-IQ-7", "VTD-IQ-9"]) },
            TestDef { needs: TWO_PRE_ENTRIES, ..directed!("vtd_response_order", response_order, ["DEC-12", "VTD-PRQ-17", "VTD-IQ-5"]) },
            TestDef {
                needs: TWO_PRE_ENTRIES,
                ..directed!(
                    "vtd_row_by_class",
                    row_by_class,
                    ["DEC-1", "DEC-5", "DEC-6", "DEC-7", "VTD-PRQ-5", "VTD-PRQ-6", "VTD-PRQ-7", "VTD-PRQ-10", "VTD-PRQ-13", "VTD-PRQ-17"]
                )
            },
            directed!("vtd_queue_sizes", queue_sizes, ["VTD-PRQ-1", "VTD-PRQ-2", "VTD-PRQ-3"]),
            directed!("vtd_host_thread_protocol", host_thread_protocol, ["HOST-22", "HOST-23"], |s| Scenario {
                host: HostPolicy { consume: true, poll_cycles: 100_000, ..HostPolicy::default() },
                ..directed("vtd_host_thread_protocol", s)
            }),
            directed!("vtd_host_clears_pro_when_empty", host_clears_pro_when_empty, ["HOST-22", "HOST-8"], |s| Scenario {
                host: HostPolicy { consume: true, poll_cycles: 100_000, ..HostPolicy::default() },
                ..directed("vtd_host_clears_pro_when_empty", s)
            }),
            TestDef {
                needs: TWO_PRE_ENTRIES,
                ..directed!("vtd_drain_waits_for_thread", drain_waits_for_thread, ["HOST-25"], |s| Scenario {
                    host: HostPolicy { consume: true, poll_cycles: 100_000, ..HostPolicy::default() },
                    ..directed("vtd_drain_waits_for_thread", s)
                })
            },
            directed!("vtd_id_registers", id_registers, ["VTD-FLT-2", "VTD-PRQ-2", "VTD-PRQ-15"]),
            directed!(
                "vtd_register_negative_space",
                register_negative_space,
                [
                    "VTD-PRQ-2",
                    "VTD-PRQ-13",
                    "VTD-PRQ-15",
                    "VTD-PRQ-19",
                    "VTD-FLT-1",
                    "VTD-FLT-5",
                    "VTD-FLT-6",
                    "VTD-IQ-8",
                    "OP-19",
                    "OP-20"
                ]
            ),
            directed!("vtd_w1c_zero_writes", w1c_zero_writes, ["VTD-PRQ-12", "VTD-FLT-1", "VTD-FLT-5", "VTD-IQ-8"]),
            directed!("vtd_event_sources_alone", event_sources_alone, ["VTD-PRQ-13", "VTD-PRQ-14", "VTD-FLT-6", "VTD-IQ-8"]),
            TestDef {
                needs: TWO_PRE_ENTRIES,
                ..directed!("vtd_queue_base_bits", queue_base_bits, ["VTD-PRQ-1", "VTD-PRQ-4", "VTD-PRQ-13", "VTD-IQ-8", "OP-19"])
            },
            directed!("vtd_noop_descriptor_bits", noop_descriptor_bits, ["OP-10", "VTD-IQ-2"]),
            directed!("vtd_fault_record_bits", fault_record_bits, ["VTD-FLT-1", "VTD-FLT-3", "VTD-FLT-4", "VTD-FLT-5"]),
            TestDef {
                needs: TWO_PRE_ENTRIES,
                ..directed!("vtd_drain_after_overflow", drain_after_overflow, ["VTD-IQ-11", "HOST-22", "HOST-25", "DEC-7"], |s| Scenario {
                    host: HostPolicy { consume: true, poll_cycles: 3_000, ..HostPolicy::default() },
                    ..directed("vtd_drain_after_overflow", s)
                })
            },
            directed!("vtd_soak", soak::<VtdHost>, ["VTD-PRQ-8", "VTD-PRQ-13", "HOST-22", "HOST-23"], soak_scenario),
            seeded!(
                "vtd_iommufd",
                hp::iommufd::<VtdHost>,
                ["HOST-5", "HOST-6", "HOST-7", "HOST-11", "HOST-12", "HOST-13", "HOST-14", "HOST-32", "PRI-16"],
                |s| hp::iommufd_scenario(directed("vtd_iommufd", s), &[RID, RID2])
            ),
            directed!("vtd_iommufd_detach", hp::iommufd_detach::<VtdHost>, ["HOST-11", "HOST-13", "HOST-14"], |s| hp::detach_scenario(
                directed("vtd_iommufd_detach", s),
                &[RID, RID2]
            )),
            seeded!("vtd_paging", hp::paging::<VtdHost>, ["HOST-5", "HOST-10", "HOST-11", "HOST-29", "HOST-30", "HOST-31"], |s| {
                hp::paging_scenario::<VtdHost>(directed("vtd_paging", s), &[RID, RID2])
            }),
            seeded!("vtd_provisioned", hp::provisioned::<VtdHost>, ["HOST-11", "HOST-29", "HOST-30", "HOST-31"], |s| {
                hp::provisioned_scenario::<VtdHost>(directed("vtd_provisioned", s), &[RID, RID2])
            }),
            directed!("vtd_grpid_hazard", grpid_hazard::<VtdHost>, ["HOST-3", "HOST-4", "PRI-9", "DEC-11"], grpid_hazard_scenario),
            negative!(
                "vtd_bogus_response_uprgi",
                bogus_response_uprgi,
                ["PRI-16", "PRI-20"],
                |s| host_traffic_scenario("vtd_bogus_response_uprgi", s, 60),
                expect "PRI-16"
            ),
            seeded!("vtd_stop_pasid", stop_pasid, ["PRI-24", "PRI-25", "PRI-26", "PRI-30", "HOST-25", "HOST-27"], stop_pasid_scenario),
            negative!("vtd_device_credit_overrun", random, ["PRI-11"], credit_overrun_scenario, expect "PRI-11"),
            directed!("vtd_fuzz", super::fuzz::fuzz, [], |s| Scenario {
                program: Some(crate::fuzz::Program::example()),
                max_cycles: crate::fuzz::strategy::MAX_CYCLES,
                ..directed("vtd_fuzz", s)
            }),
            seeded!("vtd_random", random, ["VTD-PRQ-8", "VTD-PRQ-17", "HOST-22", "HOST-23", "PRI-16"], random_scenario),
        ]
    })
}
