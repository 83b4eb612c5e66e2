//! The SMMUv3 fuzz test: interprets a fuzz case's action program (`crate::fuzz`) on the PRIQ
//! bench. It asserts nothing itself: the lockstep scoreboard and the protocol checkers judge
//! every cycle, and the agents' watchdogs catch ports that never move.

use super::env::Smmuv3Sequences;
use super::host::{priq_thread, Smmuv3HostState};
use crate::env::Env;
use crate::fuzz::interpret::{environment, finish, unanswered, wind_down, Device, STRAY_RID};
use crate::fuzz::{Action, Surface};
use crate::scenario::{HostPolicy, Scenario};
use models::pcie::{PageRequest, RespCode};
use models::ring::{Ring, FLAG_BIT};
use models::smmuv3::cmd::{pri_resp_field, Command, NOOP_OPCODES, OP_PRI_RESP, OP_SYNC};
use models::smmuv3::entry::PriqEntry;
use models::smmuv3::regs;
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use std::cell::RefCell;
use std::rc::Rc;

/// GERRORN is left out: the program acknowledges errors as a driver does after each command.
pub static SURFACE: Surface = Surface {
    test: "fuzz",
    rids: &[0x0100, 0xFFFF, 0x0008],
    registers: &[
        ("CR0", regs::CR0),
        ("IRQ_CTRL", regs::IRQ_CTRL),
        ("PRIQ_BASE", regs::PRIQ_BASE),
        ("PRIQ_BASE+4", regs::PRIQ_BASE + 4),
        ("PRIQ_PROD", regs::PRIQ_PROD),
        ("PRIQ_CONS", regs::PRIQ_CONS),
        ("PRIQ_IRQ_CFG0", regs::PRIQ_IRQ_CFG0),
        ("PRIQ_IRQ_CFG1", regs::PRIQ_IRQ_CFG1),
        ("PRIQ_IRQ_CFG2", regs::PRIQ_IRQ_CFG2),
        ("IDR0", regs::IDR0),
        ("IDR1", regs::IDR1),
        ("CR0ACK", regs::CR0ACK),
        ("IRQ_CTRLACK", regs::IRQ_CTRLACK),
        ("GERROR", regs::GERROR),
        ("CMDQ_CONS", regs::CMDQ_CONS),
        ("hole 0x70", 0x70),
    ],
    code_bits: 2,
    opcodes: &[OP_PRI_RESP, OP_SYNC, NOOP_OPCODES[0], 0x40, 0x44, 0x45, 0x7F, 0x00],
    log2sizes: 0..=4,
    mem_errors: true,
};

/// Submit a command and acknowledge the global errors it (or anything before it) raised, as the
/// driver does (GERRORN = GERROR), so that the command port keeps taking commands.
async fn command(env: &Env, words: [u64; 2]) {
    env.command(words[0], words[1]).await;
    let gerror = env.read_reg(regs::GERROR).await;
    let gerrorn = env.read_reg(regs::GERRORN).await;
    if (gerror ^ gerrorn) & regs::GERRORN_MASK as u64 != 0 {
        env.write_reg(regs::GERRORN, gerror & regs::GERRORN_MASK as u64).await;
    }
}

/// Consume up to `entries` entries: CONS follows PROD by that many; `ack` copies OVFLG into
/// OVACKFLG (SMMU-PRIQ-9), otherwise the old OVACKFLG is kept.
async fn consume(env: &Env, entries: u8, ack: bool) {
    let ring = Ring::new(env.queue.borrow().log2size, super::params::of(env).priqs);
    let prod = env.read_reg(regs::PRIQ_PROD).await as u32;
    let cons = env.read_reg(regs::PRIQ_CONS).await as u32;
    let mut wr = cons & !FLAG_BIT;
    for _ in 0..entries {
        if ring.empty(prod & !FLAG_BIT, wr) {
            break;
        }
        wr = ring.incr(wr);
    }
    let ovack = if ack { prod & FLAG_BIT } else { cons & FLAG_BIT };
    env.write_reg(regs::PRIQ_CONS, u64::from(wr | ovack)).await;
}

/// The host thread takes the queue over as a driver starting up does: CONS := PROD, OVACKFLG
/// kept. Entries the program left are skipped (the wind-down answers their groups), so the
/// thread never meets an entry the program already answered, nor a CONS a raw register write
/// put past PROD (it would read entries twice and answer their groups twice, PRI-16).
async fn take_over(env: &Env) {
    let prod = env.read_reg(regs::PRIQ_PROD).await as u32;
    let cons = env.read_reg(regs::PRIQ_CONS).await as u32;
    env.write_reg(regs::PRIQ_CONS, u64::from((prod & !FLAG_BIT) | (cons & FLAG_BIT))).await;
}

pub async fn fuzz(env: Env, sc: Scenario, mut rng: ChaCha8Rng) {
    let program = sc.program.clone().unwrap_or_default();
    env.enable_priq(sc.queue_base, sc.log2size).await;
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
                    respond(&env, group, code).await;
                }
            }
            Action::Consume { entries, ack } => consume(&env, entries, ack).await,
            Action::Enable { log2size } => {
                env.write_reg(regs::CR0, 0).await;
                env.wait_cr0ack(0).await;
                env.enable_priq(sc.queue_base, log2size).await;
            }
            Action::Disable { keep_outer } => {
                let cr0 = if keep_outer { regs::CR0_SMMUEN } else { 0 };
                env.write_reg(regs::CR0, u64::from(cr0)).await;
                env.wait_cr0ack(cr0).await;
            }
            Action::RegWrite { reg, value } => {
                // Software changes CR0 and IRQ_CTRL again only once the ACK register followed.
                let addr = register(reg);
                env.write_reg(addr, value).await;
                if addr == regs::CR0 {
                    env.wait_cr0ack(value as u32 & regs::CR0_MASK).await;
                } else if addr == regs::IRQ_CTRL {
                    env.wait_irq_ctrlack(value as u32 & regs::IRQ_CTRL_MASK, "SMMU-PRIQ-13").await;
                }
            }
            Action::RegRead { reg } => {
                env.read_reg(register(reg)).await;
            }
            Action::Command { words } => command(&env, stray(words)).await,
            Action::Host { poll_cycles } => {
                take_over(&env).await;
                let policy = HostPolicy { consume: true, poll_cycles: u64::from(poll_cycles), ..HostPolicy::default() };
                let state = Rc::new(RefCell::new(Smmuv3HostState::default()));
                host = Some(env.sim.start_soon(priq_thread(env.clone(), policy, rng.next_u64(), state)));
            }
            _ => unreachable!("environment and device actions are handled above"),
        }
    }
    wind_down(&env, host, sc.memory).await;
    let left = unanswered(&env);
    let cr0 = env.read_reg(regs::CR0).await as u32;
    if !left.is_empty() && cr0 & regs::CR0_SMMUEN == 0 {
        // PRI_RESP is consumed only while the SMMU is enabled (a driver enables it to answer).
        env.write_reg(regs::CR0, u64::from(cr0 | regs::CR0_SMMUEN)).await;
        env.wait_cr0ack(cr0 | regs::CR0_SMMUEN).await;
    }
    for group in left {
        respond(&env, group, pri_resp_field(RespCode::Success).expect("Success has a PRI_RESP code")).await;
    }
    finish(&env).await;
}

/// A raw PRI_RESP goes to the stray StreamID (`STRAY_RID`); other commands are kept as drawn.
fn stray([dw0, dw1]: [u64; 2]) -> [u64; 2] {
    if dw0 as u8 == OP_PRI_RESP {
        [(dw0 & 0xFFFF_FFFF) | (u64::from(STRAY_RID) << 32), dw1]
    } else {
        [dw0, dw1]
    }
}

/// Answer a group with PRI_RESP code `code` (2 bits).
async fn respond(env: &Env, (rid, pasid, prgi): (u16, Option<u32>, u16), code: u8) {
    let cmd = Command::PriResp {
        stream_id: u32::from(rid),
        ssv: pasid.is_some(),
        substream_id: pasid.unwrap_or(0),
        prg_index: prgi,
        resp: code & 3,
    };
    command(env, cmd.encode()).await;
}

/// The requests the queue holds entries of.
fn queued(env: &Env) -> Vec<PageRequest> {
    env.queue_writes().into_iter().map(|(_, d0, d1)| PriqEntry::decode([d0, d1]).to_request()).collect()
}

fn register(reg: u8) -> u32 {
    SURFACE.registers[reg as usize % SURFACE.registers.len()].1
}
