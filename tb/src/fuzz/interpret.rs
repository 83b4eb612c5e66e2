//! The parts of a fuzz program's interpretation every flavor shares: the device side (groups
//! with fresh PRG indexes, Stop Markers, the groups a response may name), the environment
//! actions, and the wind-down that lets the last outputs be judged.

use super::program::Action;
use crate::agents::memory::MemoryBehaviour;
use crate::env::Env;
use crate::txn::Txn;
use models::pcie::PageRequest;

/// The functions' view of a program: the next PRG index of each and the groups each sent.
pub struct Device {
    rids: &'static [u16],
    next_prgi: Vec<u16>,
    /// Groups sent per function, oldest first: (PASID, PRG index).
    groups: Vec<Vec<(Option<u32>, u16)>>,
}

impl Device {
    pub fn new(rids: &'static [u16]) -> Device {
        Device { rids, next_prgi: vec![0; rids.len()], groups: vec![Vec::new(); rids.len()] }
    }

    fn func(&self, func: u8) -> usize {
        func as usize % self.rids.len()
    }

    /// The messages of a device action (empty for the others). Each group takes the function's
    /// next PRG index (PRI-9: never one still outstanding while fewer than 512 are in flight).
    pub fn messages(&mut self, a: &Action) -> Vec<PageRequest> {
        let (f, pasid, len, l, r, w, page) = match *a {
            Action::Group { func, pasid, len, r, w, page } => (self.func(func), pasid, len, true, r, w, page),
            Action::Partial { func, pasid, len } => (self.func(func), pasid, len, false, true, false, 0x1000),
            Action::StopMarker { func, pasid } => {
                let rid = self.rids[self.func(func)];
                return vec![PageRequest { rid, pv: true, pasid, l: true, ..Default::default() }];
            }
            _ => return Vec::new(),
        };
        let prgi = self.next_prgi[f];
        self.next_prgi[f] = (prgi + 1) % 512;
        if l {
            self.groups[f].push((pasid, prgi));
        }
        // A PASID-less request has no Execute/Privileged (PRI-4); R=W=0 with L=1 and a PASID
        // would be a Stop Marker, so such a last request reads.
        let r = r || (l && pasid.is_some() && !w);
        (0..len.max(1))
            .map(|k| PageRequest {
                rid: self.rids[f],
                pv: pasid.is_some(),
                pasid: pasid.unwrap_or(0),
                r,
                w,
                l: l && k + 1 == len.max(1),
                prgi,
                page: (page + u64::from(k)) & ((1 << 52) - 1),
                ..Default::default()
            })
            .collect()
    }

    /// The group a response of function `func` names: its `back`-th latest (RID, PASID, PRG
    /// index), or a group that never was when `back` reaches past the groups sent.
    pub fn answer(&self, func: u8, back: u8) -> (u16, Option<u32>, u16) {
        let f = self.func(func);
        let g = &self.groups[f];
        match g.len().checked_sub(1 + back as usize) {
            Some(i) => (self.rids[f], g[i].0, g[i].1),
            None => (self.rids[f], None, (self.next_prgi[f] + 256) % 512),
        }
    }
}

/// Run an environment action or a wait (`normal`: the scenario's memory behaviour, restored
/// after a stall or an error burst); false for any other action.
pub async fn environment(env: &Env, a: &Action, normal: MemoryBehaviour) -> bool {
    match *a {
        Action::MemStall { cycles } => {
            env.agents.borrow_mut().mem.set_behaviour(MemoryBehaviour { ready_odds: 0, ..normal });
            env.cycles(u64::from(cycles)).await;
            env.agents.borrow_mut().mem.set_behaviour(normal);
        }
        Action::MemError { acks } => {
            let writes = |e: &Env| e.count(|t| matches!(t, Txn::MemWrite { .. }));
            let target = writes(env) + acks as usize;
            env.agents.borrow_mut().mem.set_behaviour(MemoryBehaviour { error_odds: u16::MAX, ..normal });
            for _ in 0..500 {
                if writes(env) >= target {
                    break;
                }
                env.sim.rising_edge().await;
            }
            env.agents.borrow_mut().mem.set_behaviour(normal);
        }
        Action::EgressStall { cycles } => {
            env.agents.borrow_mut().rsp.hold(true);
            env.cycles(u64::from(cycles)).await;
            env.agents.borrow_mut().rsp.hold(false);
        }
        Action::Wait { cycles } => env.cycles(u64::from(cycles)).await,
        _ => return false,
    }
    true
}

/// After the last action: wait (without failing: the judges and watchdogs do that) until the
/// link and the command port are idle, then a little longer so the last outputs are judged.
pub async fn wind_down(env: &Env) {
    for _ in 0..4_000 {
        let idle = {
            let a = env.agents.borrow();
            a.pcie.is_idle() && a.cmds.is_idle() && a.mem.is_idle()
        };
        if idle {
            break;
        }
        env.sim.rising_edge().await;
    }
    env.cycles(200).await;
}
