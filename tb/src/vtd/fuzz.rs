//! The VT-d fuzz test: interprets a fuzz case's action program (`crate::fuzz`) on the PRQ bench.
//! It asserts nothing itself: the lockstep scoreboard and the protocol checkers judge every
//! cycle, and the agents' watchdogs catch ports that never move.

use super::env::VtdSequences;
use super::host::{prq_thread, VtdHostState};
use crate::env::Env;
use crate::fuzz::interpret::{environment, finish, quiesce, unanswered, wind_down, Device, STRAY_RID};
use crate::fuzz::{Action, Surface};
use crate::scenario::{HostPolicy, Scenario};
use crate::txn::Txn;
use models::pcie::{PageRequest, PrgResponse, RespCode};
use models::vtd::desc::{desc_type, PageReqDsc, TYPE_INV_WAIT, TYPE_PAGE_GRP_RESP, TYPE_PAGE_REQ};
use models::vtd::regs::{self, PrqRing, FRCD_BASE};
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::rc::Rc;

/// The third function is never enabled in the PRE table (row a: fault recording). PQA and PQT
/// are left out: software programs them only while no descriptor is being written (`Enable`).
pub static SURFACE: Surface = Surface {
    test: "vtd_fuzz",
    rids: &[0x0100, 0xFFFF, 0x0200],
    registers: &[
        ("PQH", regs::PQH),
        ("PRS", regs::PRS),
        ("PECTL", regs::PECTL),
        ("PEDATA", regs::PEDATA),
        ("PEADDR", regs::PEADDR),
        ("FSTS", regs::FSTS),
        ("FECTL", regs::FECTL),
        ("FEADDR", regs::FEADDR),
        ("ICS", regs::ICS),
        ("IECTL", regs::IECTL),
        ("CAP", regs::CAP),
        ("ECAP", regs::ECAP),
        ("PRE[0]", regs::PRE_BASE),
        ("PRE[0]+4", regs::PRE_BASE + 4),
        ("PRE[1]", regs::PRE_BASE + regs::PRE_STRIDE),
        ("FRCD[0]", FRCD_BASE),
        ("FRCD[0]+8", FRCD_BASE + 8),
        ("FRCD[0]+12", FRCD_BASE + 12),
        ("FRCD[1]+8", FRCD_BASE + 24),
        ("FRCD[4]", FRCD_BASE + 64),
        ("FRCD[4]+8", FRCD_BASE + 72),
    ],
    code_bits: 4,
    opcodes: &[TYPE_PAGE_GRP_RESP, TYPE_INV_WAIT, TYPE_PAGE_REQ, 0x04, 0x0F],
    log2sizes: 7..=8,
    mem_errors: false,
};

/// Submit a descriptor and clear IQE if it (or anything before it) raised one (W1C), as the
/// driver does, so that the invalidation queue keeps taking descriptors.
async fn descriptor(env: &Env, words: [u64; 2]) {
    env.descriptor([words[0], words[1], 0, 0]).await;
    descriptor_errors(env).await;
}

/// Program the PRQ and enable the first two functions (as far as the PRE table reaches).
async fn enable(env: &Env, base: u64, log2size: u32) {
    env.enable_prq(base, log2size).await;
    for (i, rid) in SURFACE.rids[..2].iter().enumerate().take(super::params::of(env).pre_entries) {
        env.pre_enable(i as u32, *rid).await;
    }
}

/// Consume up to `entries` entries: PQH follows PQT by that many; `ack` clears PRS.PRO (W1C).
async fn consume(env: &Env, entries: u8, ack: bool) {
    let ring = PrqRing::new(env.queue.borrow().log2size.saturating_sub(7));
    let pqt = env.read_reg(regs::PQT).await;
    let pqh = env.read_reg(regs::PQH).await;
    let n = u32::from(entries).min(ring.used(pqh, pqt));
    let mut head = ring.offset(pqh);
    for _ in 0..n {
        head = ring.advance(head);
    }
    env.write_reg(regs::PQH, head).await;
    if ack {
        env.write_reg(regs::PRS, u64::from(regs::PRS_PRO)).await;
    }
}

/// The host thread takes the queue over as a driver starting up does: PQH := PQT. Entries the
/// program left are skipped (the wind-down answers their groups), so the thread never meets an
/// entry the program already answered, nor a PQH a raw register write scrambled (it would read
/// descriptors twice and answer their groups twice, PRI-16).
async fn take_over(env: &Env) {
    let pqt = env.read_reg(regs::PQT).await;
    env.write_reg(regs::PQH, pqt).await;
}

pub async fn fuzz(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let program = sc.program.clone().unwrap_or_default();
    enable(&env, sc.queue_base, sc.log2size).await;
    // The functions send no PRG of their own (the plan has none), only due Stop Markers.
    env.start_traffic();
    let mut device = Device::new(SURFACE.rids);
    let mut host = None;
    for a in &program.actions {
        if environment(&env, a, sc.memory).await || device.act(&env, a) {
            continue;
        }
        match *a {
            Action::Respond { func, back, code } => {
                if let Some(group) = device.answer(&env, func, back, &queued(&env)) {
                    respond(&env, group, RespCode::from_bits(code)).await;
                }
            }
            Action::Consume { entries, ack } => consume(&env, entries, ack).await,
            Action::Enable { log2size } => {
                quiesce(&env, sc.memory).await;
                enable(&env, sc.queue_base, log2size).await
            }
            Action::Disable { keep_outer } => {
                let i = u32::from(keep_outer);
                env.write_reg(regs::pre_offset(i), u64::from(SURFACE.rids[i as usize])).await;
            }
            Action::RegWrite { reg, value } => env.write_reg(register(reg), value).await,
            Action::RegRead { reg } => {
                env.read_reg(register(reg)).await;
            }
            Action::Command { words } => descriptor(&env, stray(words)).await,
            Action::Host { poll_cycles } => {
                take_over(&env).await;
                let policy = HostPolicy { consume: true, poll_cycles: u64::from(poll_cycles), ..HostPolicy::default() };
                let state = Rc::new(RefCell::new(VtdHostState::new(policy.sw)));
                host = Some(env.sim.start_soon(prq_thread(env.clone(), policy, rng.next_u64(), state)));
            }
            _ => unreachable!("environment and device actions are handled above"),
        }
    }
    wind_down(&env, host, sc.memory).await;
    for group in unanswered(&env) {
        respond(&env, group, RespCode::Success).await;
    }
    finish(&env).await;
}

/// A raw page group response goes to the stray RID (`STRAY_RID`, bits 31:16); other
/// descriptors are kept as drawn.
fn stray([w0, w1]: [u64; 2]) -> [u64; 2] {
    if desc_type([w0, w1, 0, 0]) == TYPE_PAGE_GRP_RESP {
        [(w0 & !0xFFFF_0000) | (u64::from(STRAY_RID) << 16), w1]
    } else {
        [w0, w1]
    }
}

/// Answer a group with a page group response descriptor.
async fn respond(env: &Env, (rid, pasid, prgi): (u16, Option<u32>, u16), code: RespCode) {
    let rsp = PrgResponse { rid, pv: pasid.is_some(), pasid: pasid.unwrap_or(0), prgi, code };
    env.page_grp_resp(&rsp).await;
    descriptor_errors(env).await;
}

/// Clear IQE if set (W1C).
async fn descriptor_errors(env: &Env) {
    let fsts = env.read_reg(regs::FSTS).await;
    if fsts & u64::from(regs::FSTS_IQE) != 0 {
        env.write_reg(regs::FSTS, u64::from(regs::FSTS_IQE)).await;
    }
}

/// The requests the queue holds descriptors of (status writes and MSIs are 4-byte writes).
fn queued(env: &Env) -> Vec<PageRequest> {
    let a = env.agents.borrow();
    a.log
        .iter()
        .filter_map(|s| match s.txn {
            Txn::MemWrite { data, bytes: 32, .. } => Some(PageReqDsc::decode(data).to_request()),
            _ => None,
        })
        .collect()
}

fn register(reg: u8) -> u32 {
    SURFACE.registers[reg as usize % SURFACE.registers.len()].1
}
