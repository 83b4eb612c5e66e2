//! proptest strategies of a whole fuzz case: the configuration (RTL configuration, reset state,
//! queue size, memory and egress behaviour) and the action program. Shrinking is proptest's:
//! fewer actions, smaller values, the default configuration. `legalize` keeps every generated
//! and every shrunk program within the rules the interpreters rely on.

use super::program::{Action, Kind, Program};
use super::surface::Surface;
use crate::agents::memory::MemoryBehaviour;
use crate::agents::pcie_fn::TrafficPlan;
use crate::reset::ResetMode;
use crate::scenario::{HostPolicy, Scenario};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

/// Most actions in a generated program.
pub const MAX_ACTIONS: usize = 24;
/// Cycle budget of a fuzz case: far beyond what any legal program takes on a correct RTL.
pub const MAX_CYCLES: u64 = 300_000;

/// Relative weight of each action kind (`Kind::index`); steering changes them.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights(pub [u32; Kind::ALL.len()]);

impl Weights {
    /// The starting weights: mostly traffic, some of everything the surface supports.
    pub fn initial(s: &Surface) -> Weights {
        let mut w = [4u32; Kind::ALL.len()];
        w[Kind::Group.index()] = 12;
        w[Kind::Wait.index()] = 3;
        w[Kind::Host.index()] = 1;
        w[Kind::MemError.index()] = if s.mem_errors { 2 } else { 0 };
        Weights(w)
    }
    pub fn of(&self, k: Kind) -> u32 {
        self.0[k.index()]
    }
}

/// One action of kind `k` on surface `s`.
fn action(s: &'static Surface, k: Kind) -> BoxedStrategy<Action> {
    let funcs = 0..s.rids.len() as u8;
    // Mostly a few small PASIDs, so that stops and re-binds meet the PASIDs groups use.
    let pasid = prop_oneof![Just(None), (1u32..8).prop_map(Some), (1u32..1 << 20).prop_map(Some), Just(Some(0xF_FFFF))];
    let regs = 0..s.registers.len() as u8;
    match k {
        Kind::Group => (funcs, pasid, 1u8..=4, any::<bool>(), any::<bool>(), 0u64..1 << 52)
            .prop_map(|(func, pasid, len, r, w, page)| Action::Group { func, pasid, len, r, w, page })
            .boxed(),
        Kind::Partial => (funcs, pasid, 1u8..=3).prop_map(|(func, pasid, len)| Action::Partial { func, pasid, len }).boxed(),
        Kind::StopMarker => (funcs, 0u32..1 << 20).prop_map(|(func, pasid)| Action::StopMarker { func, pasid }).boxed(),
        Kind::StopPasid => (funcs, 0u8..4, 0u8..4).prop_map(|(func, pick, variant)| Action::StopPasid { func, pick, variant }).boxed(),
        Kind::Respond => {
            (funcs, 0u8..4, 0u8..(1 << s.code_bits)).prop_map(|(func, back, code)| Action::Respond { func, back, code }).boxed()
        }
        Kind::Consume => (0u8..=8, any::<bool>()).prop_map(|(entries, ack)| Action::Consume { entries, ack }).boxed(),
        Kind::Enable => (s.log2sizes.clone()).prop_map(|log2size| Action::Enable { log2size }).boxed(),
        Kind::Disable => any::<bool>().prop_map(|keep_outer| Action::Disable { keep_outer }).boxed(),
        Kind::RegWrite => {
            (regs, prop_oneof![any::<u64>(), 0u64..16, Just(u64::MAX)]).prop_map(|(reg, value)| Action::RegWrite { reg, value }).boxed()
        }
        Kind::RegRead => regs.prop_map(|reg| Action::RegRead { reg }).boxed(),
        Kind::Command => (prop::sample::select(s.opcodes), any::<u64>(), any::<u64>(), any::<bool>())
            .prop_map(|(op, dw0, dw1, plain)| {
                // Half the commands keep only the opcode (well-formed), half carry random bits.
                let dw0 = if plain { u64::from(op) } else { (dw0 & !0xFF) | u64::from(op) };
                Action::Command { words: [dw0, if plain { 0 } else { dw1 }] }
            })
            .boxed(),
        Kind::Host => prop_oneof![Just(16u16), 16u16..=2000].prop_map(|poll_cycles| Action::Host { poll_cycles }).boxed(),
        Kind::MemStall => (1u16..=400).prop_map(|cycles| Action::MemStall { cycles }).boxed(),
        Kind::MemError => (1u8..=3).prop_map(|acks| Action::MemError { acks }).boxed(),
        Kind::EgressStall => (1u16..=400).prop_map(|cycles| Action::EgressStall { cycles }).boxed(),
        Kind::Wait => (1u16..=300).prop_map(|cycles| Action::Wait { cycles }).boxed(),
    }
}

/// Any action, kinds weighted by `w` (kinds of weight 0 never come).
fn any_action(s: &'static Surface, w: &Weights) -> BoxedStrategy<Action> {
    let arms: Vec<(u32, BoxedStrategy<Action>)> = Kind::ALL.iter().filter(|k| w.of(**k) > 0).map(|&k| (w.of(k), action(s, k))).collect();
    proptest::strategy::Union::new_weighted(arms).boxed()
}

/// Generated programs stay within what the interpreters support: once the Linux-like host
/// thread runs it owns the consumer side, the queue programming, error acknowledgement and
/// software responses, so the program's own host actions of those kinds are dropped after it.
/// A program with a host thread has no software responses of its own before it either: the
/// thread reads every entry software has not consumed and would answer such a group again,
/// after its PRG index may have gone to a new group (a false PRI-14).
pub fn legalize(actions: Vec<Action>) -> Vec<Action> {
    let has_host = actions.iter().any(|a| a.kind() == Kind::Host);
    let mut host = false;
    actions
        .into_iter()
        .filter(|a| {
            let owned_by_host = matches!(
                a.kind(),
                Kind::Host | Kind::Consume | Kind::Enable | Kind::Disable | Kind::RegWrite | Kind::Command | Kind::Respond
            );
            let answered_by_host = has_host && a.kind() == Kind::Respond;
            let keep = !(host && owned_by_host || answered_by_host);
            host |= a.kind() == Kind::Host;
            keep
        })
        .collect()
}

/// The functions of a fuzz case: the surface's RIDs with `allocation` credits each. They
/// generate no traffic of their own (the program's device actions drive them, refused when
/// the rules forbid: credits, Response Failure, a PASID being stopped), and the PRI checkers
/// judge them (`run::pri_config`).
pub fn functions(s: &Surface, allocation: u32) -> TrafficPlan {
    TrafficPlan {
        rids: s.rids.to_vec(),
        pasids: vec![0],
        allocation,
        max_prg_len: 4,
        prgs: 0,
        stop_odds: 0,
        send_odds: 255,
        prgi_shared_across_pasids: false,
        faults: Default::default(),
    }
}

/// A whole fuzz case of `flavor` for surface `s`: its scenario, program included.
pub fn case(flavor: &'static str, s: &'static Surface, configs: Vec<String>, w: &Weights) -> BoxedStrategy<Scenario> {
    let reset = prop_oneof![Just(ResetMode::Zero), Just(ResetMode::Ones), (1..=sim::ResetValues::MAX_SEED).prop_map(ResetMode::Seeded)];
    let memory = (prop_oneof![Just(255u8), 16u8..=255], 1u32..=24).prop_map(|(ready_odds, max_lat)| MemoryBehaviour {
        ready_odds,
        ack_latency: (1, max_lat),
        error_odds: 0,
    });
    let actions = prop::collection::vec(any_action(s, w), 1..=MAX_ACTIONS).prop_map(legalize);
    let odds = prop_oneof![Just(255u8), 16u8..=255];
    (prop::sample::select(configs), reset, s.log2sizes.clone(), memory, odds, actions, any::<u64>(), 8u32..=64)
        .prop_map(move |(config, reset, log2size, memory, rsp_ready_odds, actions, seed, allocation)| Scenario {
            flavor: flavor.into(),
            test: s.test.into(),
            seed,
            config,
            queue_base: 0x8000_0000,
            log2size,
            memory,
            rsp_ready_odds,
            traffic: Some(functions(s, allocation)),
            host: HostPolicy { consume: false, ..HostPolicy::default() },
            max_cycles: MAX_CYCLES,
            program: Some(Program { reset, actions, dut: None }),
        })
        .boxed()
}
