//! The parts of a fuzz program's interpretation every flavor shares: the device side (groups
//! with fresh PRG indexes, Stop Markers, the groups a response may name), the environment
//! actions, and the wind-down that lets the last outputs be judged.

use super::program::Action;
use crate::agents::memory::MemoryBehaviour;
use crate::agents::Odds;
use crate::env::Env;
use crate::sched::JoinHandle;
use crate::txn::Txn;
use models::pcie::{Access, MarkerVsComplete, MsgClass, PageRequest, PrgHandle, PrgInfo, Variant};

/// Largest PASID (20 bits).
const PASID_MAX: u32 = (1 << 20) - 1;

/// The requester ID raw response commands and descriptors carry (`Action::Command`): no
/// function has it, so random fields exercise the command decoder without answering a
/// function's group out of turn (the PRI judges would rightly call that PRI-14 or PRI-16).
pub const STRAY_RID: u16 = 0x0001;

/// The device side of a program: the scenario's PCIe functions (`PcieFunction` models in the
/// link driver) do what the device actions ask when the PRI rules let them (credits PRI-11,
/// free indexes PRI-8, Response Failure PRI-19, PASIDs being stopped PRI-24), and nothing
/// otherwise: generated programs obey the device rules.
pub struct Device {
    rids: &'static [u16],
    /// PRGs left open by `Partial`, per function: (handle, requests still to send).
    open: Vec<Vec<(PrgHandle, u32)>>,
    /// PASIDs each function used, oldest first (what `StopPasid` picks from).
    pasids: Vec<Vec<u32>>,
    /// Where each group started in the bench's log: (function, handle, log length). Its L=1
    /// request is the first matching one accepted after that point (an earlier PRG with the
    /// same index was answered before the index was free again).
    started: Vec<(usize, PrgHandle, usize)>,
    /// Groups the program answered: the function learns of a response only when it leaves the
    /// egress, and a stalled one must not be sent twice (PRI-16).
    answered: Vec<(usize, PrgHandle)>,
}

impl Device {
    pub fn new(rids: &'static [u16]) -> Device {
        assert!(rids.len() <= 4, "two PASID bits name a function (`own`)");
        Device { rids, open: vec![Vec::new(); rids.len()], pasids: vec![Vec::new(); rids.len()], started: Vec::new(), answered: Vec::new() }
    }

    fn func(&self, func: u8) -> usize {
        func as usize % self.rids.len()
    }

    /// Each function has PASIDs of its own (processes differ), so that a PASID's release by the
    /// host (HOST-27) concerns one function only: the top two PASID bits name the function
    /// (0, 3, 2: the first keeps the small PASIDs, the second reaches the largest one), the
    /// drawn PASID gives the rest.
    fn own(f: usize, pasid: u32) -> u32 {
        let top = (f as u32).wrapping_neg() & 3;
        ((top << 18) | (pasid & PASID_MAX >> 2)).max(1)
    }

    /// Run a device action; false for any other action.
    pub fn act(&mut self, env: &Env, a: &Action) -> bool {
        match *a {
            Action::Group { func, pasid, len, r, w, page } => self.group(env, self.func(func), pasid, len, len, access(r, w, page)),
            Action::Partial { func, pasid, len } => self.group(env, self.func(func), pasid, len + 1, len, Access::read(0x1000)),
            Action::StopMarker { func, pasid } => {
                let variant = Variant::B { marker_vs_complete: MarkerVsComplete::Together };
                let f = self.func(func);
                self.stop(env, f, Device::own(f, pasid), variant)
            }
            Action::StopPasid { func, pick, variant } => {
                let f = self.func(func);
                let used = &self.pasids[f];
                let pasid = if used.is_empty() { Device::own(f, 1) } else { used[pick as usize % used.len()] };
                let marker_vs_complete = match variant % 4 {
                    0 => None,
                    1 => Some(MarkerVsComplete::CompleteBeforeMarker),
                    2 => Some(MarkerVsComplete::CompleteAfterMarker),
                    _ => Some(MarkerVsComplete::Together),
                };
                self.stop(env, f, pasid, marker_vs_complete.map_or(Variant::A, |marker_vs_complete| Variant::B { marker_vs_complete }))
            }
            _ => return false,
        }
        true
    }

    /// Start a PRG of `len` requests and send `send` of them (a PRG left open keeps its handle).
    fn group(&mut self, env: &Env, f: usize, pasid: Option<u32>, len: u8, send: u8, access: Access) {
        env.sim.drive("pr_valid");
        let mut a = env.agents.borrow_mut();
        let since = a.log.len();
        let pcie = &mut a.pcie;
        let pasid = pasid.map(|p| Device::own(f, p));
        let Some(function) = pcie.functions.get_mut(f) else { return };
        let Ok(h) = function.start_prg(pasid, u32::from(len.max(1))) else { return };
        self.started.push((f, h, since));
        if let Some(p) = pasid {
            if !self.pasids[f].contains(&p) {
                self.pasids[f].push(p);
            }
        }
        let mut msgs = Vec::with_capacity(send as usize);
        for k in 0..send.max(1).min(len.max(1)) {
            let page = Access { page: access.page.wrapping_add(u64::from(k)), ..access };
            match pcie.functions[f].next_request(h, page) {
                Ok(m) => msgs.push(m),
                Err(_) => break,
            }
        }
        if send < len {
            self.open[f].push((h, u32::from(len - send)));
        }
        for m in msgs {
            pcie.send_produced(f, m);
        }
    }

    /// Ask function `f` to stop `pasid`: it first finishes its PRGs of `pasid` left open (the
    /// caller's part of PRI-24); the driver then sends the Stop Marker of variant B when due,
    /// reports the stop's progress and re-binds the PASID. A second stop before the re-bind is
    /// refused by the function, and the action sends nothing.
    fn stop(&mut self, env: &Env, f: usize, pasid: u32, variant: Variant) {
        env.sim.drive("pr_valid");
        let mut a = env.agents.borrow_mut();
        let pcie = &mut a.pcie;
        // A function in Response Failure sends nothing, a Stop Marker included (PRI-19).
        let Some(function) = pcie.functions.get(f).filter(|f| !f.rf()) else { return };
        let rid = function.rid();
        let mut msgs = Vec::new();
        self.open[f].retain(|&(h, left)| {
            let Some(g) = pcie.functions[f].prg(h) else { return false };
            if !(g.pv && g.pasid == pasid) {
                return true;
            }
            for _ in 0..left {
                if let Ok(m) = pcie.functions[f].next_request(h, Access::read(0x1000)) {
                    msgs.push(m);
                }
            }
            false
        });
        for m in msgs {
            pcie.send_produced(f, m);
        }
        let _ = pcie.request_stop(rid, pasid, variant);
    }

    /// The group a response of function `func` names: its `back`-th latest (RID, PASID, PRG
    /// index) among the unanswered groups whose L=1 request was accepted (PRI-16) and written
    /// to the queue (`queued`, the requests the queue holds; Stop Markers carry no PRG and name
    /// none, PRI-17) and not answered by the program yet; the caller sends the response. A
    /// group answered automatically is never answered by software too: its two
    /// responses would be identical, and no judge could tell which one was missing.
    pub fn answer(&mut self, env: &Env, func: u8, back: u8, queued: &[PageRequest]) -> Option<(u16, Option<u32>, u16)> {
        let a = env.agents.borrow();
        let f = self.func(func);
        let function = a.pcie.functions.get(f)?;
        let rid = function.rid();
        let last_of = |m: &PageRequest, g: &PrgInfo| {
            m.class() == MsgClass::LastRequest && m.rid == rid && m.prgi == g.prgi && m.pv == g.pv && (!m.pv || m.pasid == g.pasid)
        };
        let accepted = |g: &PrgInfo| {
            let Some(&(_, _, since)) = self.started.iter().find(|s| s.0 == f && s.1 == g.handle) else { return false };
            a.log[since..].iter().any(|s| matches!(s.txn, Txn::PageRequest { msg } if last_of(&msg, g)))
        };
        let answerable: Vec<_> = function
            .outstanding()
            .filter(|g| g.last_sent && accepted(g) && !self.answered.contains(&(f, g.handle)))
            .filter(|g| queued.iter().any(|m| last_of(m, g)))
            .map(|g| (g.handle, (rid, g.pv.then_some(g.pasid), g.prgi)))
            .collect();
        let (handle, group) = answerable.len().checked_sub(1 + back as usize).map(|i| answerable[i])?;
        self.answered.push((f, handle));
        Some(group)
    }
}

/// A request's access: R, W or both (never neither: with L=1 and a PASID that would be a Stop
/// Marker); a PASID-less request has no Execute/Privileged (PRI-4).
fn access(r: bool, w: bool, page: u64) -> Access {
    match (r, w) {
        (_, false) => Access::read(page),
        (false, true) => Access::write(page),
        (true, true) => Access::read_write(page),
    }
}

/// Every group still unanswered at the end, of functions not in Response Failure: software
/// answers them (Success) so that the PRI liveness judge (PRI-16) sees a complete run.
pub fn unanswered(env: &Env) -> Vec<(u16, Option<u32>, u16)> {
    let a = env.agents.borrow();
    a.pcie
        .functions
        .iter()
        .filter(|f| !f.rf())
        .flat_map(|f| f.outstanding().filter(|g| g.last_sent).map(|g| (f.rid(), g.pv.then_some(g.pasid), g.prgi)))
        .collect()
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

/// Wait (without failing) until the link (stops may wait for responses), the memory and the command port are idle and no
/// message, queue write, command or response moved for `cycles`, at most `limit` cycles.
async fn quiet(env: &Env, cycles: u64, limit: u64) {
    let mut still = 0;
    let mut seen = env.agents.borrow().log.len();
    for _ in 0..limit {
        env.sim.rising_edge().await;
        let a = env.agents.borrow();
        let moved = a.log[seen..].iter().any(|s| !matches!(s.txn, Txn::RegRead { .. } | Txn::RegWrite { .. } | Txn::Irq { .. }));
        seen = a.log.len();
        still = if a.pcie.link_idle() && a.mem.is_idle() && a.cmds.is_idle() && !moved { still + 1 } else { 0 };
        if still >= cycles {
            return;
        }
    }
}

/// After the last action: lift memory and egress back-pressure so that everything still in
/// the block drains promptly, let the traffic drain, and stop the host thread if one runs (so
/// that no new submission starts at the very end). Then the flavor answers what is still
/// unanswered (`unanswered`) and calls `finish`. Never fails: the judges and watchdogs do.
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

/// Wait until the bench is quiet so the last outputs and every started operation are judged.
pub async fn finish(env: &Env) {
    quiet(env, 64, 20_000).await;
}

#[cfg(test)]
mod tests {
    use super::{Device, PASID_MAX, STRAY_RID};

    #[test]
    fn functions_never_share_a_pasid() {
        for p in [0, 1, 7, 0x3_FFFF, 0x4_0000, 0xC_F393, 0xB_F393, PASID_MAX] {
            for f in 0..4 {
                assert_eq!(Device::own(f, p) >> 18, (f as u32).wrapping_neg() & 3, "PASID {p:#x} of function {f} left its range");
            }
        }
        assert_eq!(Device::own(0, 1), 1, "the first function keeps the small PASIDs");
        assert_eq!(Device::own(1, PASID_MAX), PASID_MAX, "the second reaches the largest PASID");
    }

    #[test]
    fn no_function_has_the_stray_rid() {
        for s in [&crate::smmuv3::fuzz::SURFACE, &crate::vtd::fuzz::SURFACE] {
            assert!(!s.rids.contains(&STRAY_RID), "{} uses the stray RID", s.test);
        }
    }
}
