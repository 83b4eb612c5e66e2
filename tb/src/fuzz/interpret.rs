//! The parts of a fuzz program's interpretation every flavor shares: the device side (groups
//! with fresh PRG indexes, Stop Markers, the groups a response may name), the environment
//! actions, and the wind-down that lets the last outputs be judged.

use super::program::Action;
use crate::agents::memory::MemoryBehaviour;
use crate::agents::Odds;
use crate::env::Env;
use crate::sched::JoinHandle;
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
    /// index) if that group's last request was written to the queue (`queued`, the requests
    /// the queue holds), or else a group that never was (a wrong response). A group answered
    /// automatically is never answered by software too: its two responses would be identical,
    /// and no judge could tell which one was missing.
    pub fn answer(&self, func: u8, back: u8, queued: &[PageRequest]) -> (u16, Option<u32>, u16) {
        let f = self.func(func);
        let rid = self.rids[f];
        let g = &self.groups[f];
        if let Some(&(pasid, prgi)) = g.len().checked_sub(1 + back as usize).map(|i| &g[i]) {
            if queued.iter().any(|m| m.rid == rid && m.l && m.prgi == prgi && m.pv == pasid.is_some() && (m.r || m.w || !m.pv)) {
                return (rid, pasid, prgi);
            }
        }
        (rid, None, (self.next_prgi[f] + 256) % 512)
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

/// Wait (without failing) until the link is idle and no queue write moved for a while, so that
/// software may program the queue's pointers (VT-d PQA/PQT are written only at rest). The
/// memory takes every write meanwhile (`normal`: the scenario's behaviour, restored after), so a
/// write held by back-pressure is not mistaken for rest.
pub async fn quiesce(env: &Env, normal: MemoryBehaviour) {
    env.agents.borrow_mut().mem.set_behaviour(MemoryBehaviour { ready_odds: 255, ..normal });
    quiet(env, 32, 5_000).await;
    env.agents.borrow_mut().mem.set_behaviour(normal);
}

/// Wait (without failing) until the link, the memory and the command port are idle and no
/// message, queue write, command or response moved for `cycles`, at most `limit` cycles.
async fn quiet(env: &Env, cycles: u64, limit: u64) {
    let mut still = 0;
    let mut seen = env.agents.borrow().log.len();
    for _ in 0..limit {
        env.sim.rising_edge().await;
        let a = env.agents.borrow();
        let moved = a.log[seen..].iter().any(|s| !matches!(s.txn, Txn::RegRead { .. } | Txn::RegWrite { .. } | Txn::Irq { .. }));
        seen = a.log.len();
        still = if a.pcie.is_idle() && a.mem.is_idle() && a.cmds.is_idle() && !moved { still + 1 } else { 0 };
        if still >= cycles {
            return;
        }
    }
}

/// After the last action: lift memory and egress back-pressure so that everything still in
/// the block drains promptly, let the traffic drain, stop the host thread if one runs (so that no
/// new submission starts at the very end), then wait until the bench is quiet so the last
/// outputs and every started operation are judged. Never fails: the judges and watchdogs do.
pub async fn wind_down(env: &Env, host: Option<JoinHandle<()>>, normal: MemoryBehaviour) {
    {
        let mut a = env.agents.borrow_mut();
        a.mem.set_behaviour(MemoryBehaviour { ready_odds: 255, ..normal });
        a.rsp.set_ready_odds(Odds(255));
    }
    quiet(env, 64, 20_000).await;
    if let Some(h) = host {
        h.cancel();
        quiet(env, 200, 20_000).await;
    }
}
