//! The PRG state of every configured function, reconstructed from the interface transactions
//! alone (pcie-pri.md §4, §5): which PRGs are open (L=1 not yet accepted) and outstanding
//! (no response yet), the credits they hold, and Response Failure state. Several PRI checkers
//! keep their own copy; each judges a transaction against the state *before* applying it.
//!
//! Semantics, per function:
//! - a page request (not a Stop Marker) joins the open PRG it belongs to, or starts one; L=1
//!   closes it. Default mode (DEC-11): it belongs to the open PRG with its PRGI. Shared mode: to
//!   the open PRG with its PRGI and the same PASID presence and value.
//! - a Stop Marker touches no PRG and holds no credit (PRI-2, PRI-17).
//! - a Success / Invalid Request response closes the oldest closed outstanding PRG with its
//!   PRGI (plus PASID when PRPR=1 and the response carries one: PRI-18), returning its credits
//!   (PRI-12), stale or not.
//! - a response with code 0xF or 0x2-0xE sets RF: every PRG is abandoned, later messages and
//!   responses are not tracked until `PriEnable` (PRI-19).
//! - `PriReset` abandons every PRG (PRI-21); `PriEnable` clears RF, abandons PRGs still open (their
//!   L=1 was never sent: PRI-22) and latches the Allocation.

use super::config::{FunctionConfig, PriConfig};
use crate::txn::{StopVariant, Txn};
use models::pcie::{MsgClass, PageRequest, PrgResponse, RespCode};

/// One outstanding PRG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prg {
    pub prgi: u16,
    pub pv: bool,
    pub pasid: u32,
    /// Requests accepted in it (credits held).
    pub requests: u32,
    /// Cycle its first request was accepted.
    pub opened: u64,
    /// Cycle its L=1 request was accepted.
    pub closed: Option<u64>,
    /// Its PASID was stopped with variant B while it was outstanding.
    pub stale: bool,
}

impl Prg {
    pub fn of_pasid(&self, pasid: u32) -> bool {
        self.pv && self.pasid == pasid
    }
}

pub(crate) struct Func {
    pub cfg: FunctionConfig,
    pub allocation: u32,
    pub rf: bool,
    /// Outstanding PRGs, oldest first.
    pub prgs: Vec<Prg>,
}

impl Func {
    pub fn in_use(&self) -> u64 {
        self.prgs.iter().map(|p| u64::from(p.requests)).sum()
    }

    /// May two outstanding PRGs `a` (existing) and `b` share a PRGI (PRI-9)?
    fn may_share(&self, a: &Prg, pv: bool, pasid: u32) -> bool {
        self.cfg.prgi_shared_across_pasids && self.cfg.prpr && a.pv && pv && a.pasid != pasid
    }
}

/// What a page-request message did.
#[derive(Clone, Copy, Debug)]
pub(crate) enum ReqOutcome {
    /// Unknown RID, or its function is in RF.
    Untracked,
    StopMarker,
    /// Joined open PRG `prg` (state before joining); `mixed` when its PV or PASID differ.
    Joined {
        prg: Prg,
        mixed: bool,
    },
    /// Started a new PRG. `conflict`: an outstanding PRG with the same PRGI that it may not
    /// share it with (PRI-8 / PRI-9).
    Started {
        conflict: Option<Prg>,
    },
}

/// What a response did.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RspOutcome {
    /// Unknown RID.
    Untracked,
    /// Success / Invalid Request while the function is in RF: ignored by the function.
    IgnoredInRf,
    /// Response Failure or a reserved code: RF set (or already set).
    Failure,
    /// Closed this PRG.
    Matched(Prg),
    /// Matches no closed outstanding PRG: the function sets UPRGI (PRI-20).
    Unmatched,
}

pub(crate) struct Tracker {
    funcs: Vec<Func>,
    /// Stop requests not yet complete: (RID, PASID, variant).
    stops: Vec<(u16, u32, StopVariant)>,
}

impl Tracker {
    pub fn new(cfg: &PriConfig) -> Self {
        Tracker {
            funcs: cfg
                .functions
                .iter()
                .map(|&c| Func { cfg: c, allocation: c.allocation, rf: false, prgs: Vec::with_capacity(16) })
                .collect(),
            stops: Vec::new(),
        }
    }

    pub fn func(&self, rid: u16) -> Option<&Func> {
        self.funcs.iter().find(|f| f.cfg.rid == rid)
    }

    fn func_mut(&mut self, rid: u16) -> Option<&mut Func> {
        self.funcs.iter_mut().find(|f| f.cfg.rid == rid)
    }

    pub fn funcs(&self) -> impl Iterator<Item = &Func> + '_ {
        self.funcs.iter()
    }

    /// Outstanding PRGs (open or closed) of (`rid`, `pasid`).
    pub fn outstanding_of(&self, rid: u16, pasid: u32) -> impl Iterator<Item = &Prg> + '_ {
        self.func(rid).into_iter().flat_map(move |f| f.prgs.iter().filter(move |p| p.of_pasid(pasid)))
    }

    pub fn on_request(&mut self, cycle: u64, m: &PageRequest) -> ReqOutcome {
        let Some(f) = self.func_mut(m.rid) else { return ReqOutcome::Untracked };
        if f.rf {
            return ReqOutcome::Untracked;
        }
        if m.class() == MsgClass::StopMarker {
            return ReqOutcome::StopMarker;
        }
        let (pv, pasid) = (m.pv, if m.pv { m.pasid } else { 0 });
        let prgi = m.prgi & 0x1FF;
        let shared = f.cfg.prgi_shared_across_pasids;
        let open = f.prgs.iter().position(|p| p.closed.is_none() && p.prgi == prgi && (!shared || (p.pv == pv && p.pasid == pasid)));
        // Shared mode: an open PRG with this PRGI it may not share the index with is joined (a
        // mixed PRG, or an illegal share: reported as a conflict).
        let open = open.or_else(|| {
            if !shared {
                return None;
            }
            f.prgs.iter().position(|p| p.closed.is_none() && p.prgi == prgi && !f.may_share(p, pv, pasid))
        });
        let close = m.l.then_some(cycle);
        if let Some(i) = open {
            let before = f.prgs[i];
            let mixed = before.pv != pv || before.pasid != pasid;
            let p = &mut f.prgs[i];
            p.requests += 1;
            p.closed = close;
            if shared && mixed {
                // Reported as a conflict (PRI-9): two PRGs that may not share the index.
                return ReqOutcome::Started { conflict: Some(before) };
            }
            return ReqOutcome::Joined { prg: before, mixed };
        }
        let conflict = f.prgs.iter().find(|p| p.prgi == prgi && !f.may_share(p, pv, pasid)).copied();
        f.prgs.push(Prg { prgi, pv, pasid, requests: 1, opened: cycle, closed: close, stale: false });
        ReqOutcome::Started { conflict }
    }

    /// The closed outstanding PRG a Success / Invalid Request response matches (PRI-18).
    pub fn matching(&self, r: &PrgResponse) -> Option<&Prg> {
        let f = self.func(r.rid)?;
        f.prgs.iter().find(|p| p.closed.is_some() && p.prgi == r.prgi & 0x1FF && (!(f.cfg.prpr && r.pv) || (p.pv && p.pasid == r.pasid)))
    }

    pub fn on_response(&mut self, r: &PrgResponse) -> RspOutcome {
        let m = self.matching(r).copied();
        let Some(f) = self.func_mut(r.rid) else { return RspOutcome::Untracked };
        match r.code {
            RespCode::ResponseFailure | RespCode::Reserved(_) => {
                f.rf = true;
                f.prgs.clear();
                RspOutcome::Failure
            }
            RespCode::Success | RespCode::InvalidRequest => {
                if f.rf {
                    return RspOutcome::IgnoredInRf;
                }
                match m {
                    Some(p) => {
                        let i = f.prgs.iter().position(|x| *x == p).expect("matched PRG is outstanding");
                        f.prgs.remove(i);
                        RspOutcome::Matched(p)
                    }
                    None => RspOutcome::Unmatched,
                }
            }
        }
    }

    /// Device-side events: `PriReset` abandons every PRG of the function (PRI-21); `PriEnable`
    /// clears RF, abandons PRGs still open and latches the Allocation (PRI-21, PRI-22); a variant-B
    /// `StopComplete` makes the PASID's outstanding PRGs stale (PRI-26).
    pub fn on_event(&mut self, t: &Txn) {
        match *t {
            Txn::PriReset { rid } => {
                if let Some(f) = self.func_mut(rid) {
                    f.prgs.clear();
                }
            }
            Txn::PriEnable { rid, allocation } => {
                if let Some(f) = self.func_mut(rid) {
                    f.rf = false;
                    f.allocation = allocation;
                    f.prgs.retain(|p| p.closed.is_some());
                }
            }
            Txn::StopRequested { rid, pasid, variant, .. } => {
                self.stops.retain(|&(r, p, _)| (r, p) != (rid, pasid));
                self.stops.push((rid, pasid, variant));
            }
            Txn::StopComplete { rid, pasid, .. } => {
                let b = self.stops.contains(&(rid, pasid, StopVariant::B));
                self.stops.retain(|&(r, p, _)| (r, p) != (rid, pasid));
                if let (true, Some(f)) = (b, self.func_mut(rid)) {
                    for p in f.prgs.iter_mut().filter(|p| p.of_pasid(pasid)) {
                        p.stale = true;
                    }
                }
            }
            _ => {}
        }
    }
}

/// Compact rendering of a PRG for messages.
pub(crate) struct ShowPrg<'a>(pub &'a Prg);

impl std::fmt::Display for ShowPrg<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.0;
        write!(f, "PRG {{prgi {}", p.prgi)?;
        if p.pv {
            write!(f, " pasid 0x{:x}", p.pasid)?;
        } else {
            f.write_str(" no-pasid")?;
        }
        write!(f, ", {} request(s), first accepted at cycle {}", p.requests, p.opened)?;
        match p.closed {
            Some(c) => write!(f, ", L=1 accepted at cycle {c}")?,
            None => f.write_str(", open")?,
        }
        if p.stale {
            f.write_str(", stale")?;
        }
        f.write_str("}")
    }
}
