//! VT-d driver decisions (host-sw.md §4, HOST-22..HOST-25, HOST-8; Linux `prq.c`): what the PRQ
//! thread does with each `page_req_dsc` it reads, with a cleared overflow and with the groups the
//! core finishes, and which descriptors a response (HOST-23) and a drain (HOST-25) submit. The
//! register protocol (PRS, PQH, PQT, the status-write wait) stays in the testbench, which calls
//! [`VtdHost::on_prq_entry`] per entry, [`VtdHost::answer_next`] for the groups ready, and
//! [`VtdHost::on_overflow`] when PRO is set and the queue was found empty.

use super::fault_core::{DeviceCfg, FaultCore, Handled, Reported};
use super::record::FaultRecord;
use super::response::{HostResponse, VtdPageGrpResp};
use super::stop_marker::{drop_stop_marker, Dropped};
use super::{HostChoices, HostPolicy, VtdNoPasid};
use crate::vtd::desc::{InvWaitDsc, PageReqDsc, Words};
use std::collections::BTreeSet;

/// Linux `QI_RESP_INVALID`: the code `handle_bad_prq_event` writes (HOST-22).
const RC_INVALID_REQUEST: u8 = 0x1;

/// Why HOST-22 step 3 found a request bad, in the order the checks are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadRequest {
    /// PP=0 with `vtd_no_pasid=reject` (kernels before the Jensen patch).
    NoPasid,
    /// The page address is not canonical (`is_canonical_address`).
    NonCanonical,
    /// PMR=1 with RDR or WRR: privileged-mode requests are not supported.
    Privileged,
    /// EXR=1 with RDR=1: execute requests are not supported.
    ExecWithRead,
    /// No device with this RID is known to the driver (`device_rbtree_find` failed).
    UnknownRid,
}

/// What the driver did with one PRQ entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VtdEntryFate {
    /// HOST-22 step 3, HOST-24: dropped as a Stop Marker per `stop_marker_test`.
    Dropped(Dropped),
    /// HOST-22 step 3 → HOST-1: handed to the fault core.
    Reported(Reported),
    /// HOST-22 step 3: a bad request; `answer` is the Invalid Request to submit now, present iff
    /// LPIG=1 (`handle_bad_prq_event`).
    Bad { reason: BadRequest, answer: Option<VtdPageGrpResp> },
}

/// The VT-d driver's PRI side on top of the fault core of its IOMMU.
#[derive(Clone, Debug)]
pub struct VtdHost {
    pub core: FaultCore,
    /// RIDs the driver knows (probed devices); `None` until the first [`VtdHost::add_device`],
    /// meaning every RID is known, for benches that do not model probing.
    known: Option<BTreeSet<u16>>,
}

impl VtdHost {
    pub fn new(policy: HostPolicy) -> Self {
        VtdHost { core: FaultCore::new(policy), known: None }
    }

    /// The driver probed device `rid` (configured as `cfg` in the core). From the first call on,
    /// requests of RIDs never added are bad (HOST-22, `UnknownRid`).
    pub fn add_device(&mut self, rid: u16, cfg: DeviceCfg) {
        self.known.get_or_insert_with(BTreeSet::new).insert(rid);
        self.core.set_device(rid, cfg);
    }

    /// Does the driver know device `rid`?
    pub fn knows(&self, rid: u16) -> bool {
        self.known.as_ref().is_none_or(|k| k.contains(&rid))
    }

    /// HOST-22 step 3: one entry, in queue order (call before the PQH write that frees it).
    pub fn on_prq_entry(&mut self, d: &PageReqDsc) -> VtdEntryFate {
        let m = d.to_request();
        let policy = *self.core.policy();
        let bad = if policy.vtd_no_pasid == VtdNoPasid::Reject && !d.pp {
            Some(BadRequest::NoPasid)
        } else if !is_canonical(m.page << 12) {
            Some(BadRequest::NonCanonical)
        } else if d.pmr && (d.rdr || d.wrr) {
            Some(BadRequest::Privileged)
        } else if d.exr && d.rdr {
            Some(BadRequest::ExecWithRead)
        } else if let Some(dropped) = drop_stop_marker(&mut self.core, &m) {
            return VtdEntryFate::Dropped(dropped);
        } else if !self.knows(d.rid) {
            Some(BadRequest::UnknownRid)
        } else {
            None
        };
        match bad {
            Some(reason) => VtdEntryFate::Bad { reason, answer: d.lpig.then(|| bad_request_answer(d)) },
            None => VtdEntryFate::Reported(self.core.report(FaultRecord::from_request(&m))),
        }
    }

    /// HOST-22 step 5 → HOST-8: PRO was set and a re-read found PQH = PQT: free every partial of
    /// every device. Returns the number freed.
    pub fn on_overflow(&mut self) -> usize {
        self.core.discard_partials()
    }

    /// Kernel consumer: finish one ready group (HOST-5, HOST-7) and give the response to submit
    /// if a pending entry still matched (HOST-6), encoded per HOST-15.
    pub fn answer_next(&mut self, ch: &mut dyn HostChoices) -> Option<(Handled, Option<VtdPageGrpResp>)> {
        let h = self.core.handle_next(ch)?;
        let resp = h.response.map(|r| self.encode(&r));
        Some((h, resp))
    }

    /// HOST-15, HOST-23: the descriptor fields of a core response; the RC=0x2 hazard of
    /// `vtd_failure_code=raw` is recorded in the core's events.
    pub fn encode(&mut self, r: &HostResponse) -> VtdPageGrpResp {
        let (d, hazard) = r.vtd(self.core.policy().vtd_failure_code);
        if let Some(e) = hazard {
            self.core.push_event(e);
        }
        d
    }
}

/// HOST-22: `handle_bad_prq_event` answers Invalid Request with RID, PRGI, PP and PASID copied
/// from the request (HOST-23).
fn bad_request_answer(d: &PageReqDsc) -> VtdPageGrpResp {
    VtdPageGrpResp { rid: d.rid, pp: d.pp, pasid: if d.pp { d.pasid } else { 0 }, prgi: d.prgi, rc: RC_INVALID_REQUEST }
}

/// x86-64 canonical address with 4-level paging (Linux `is_canonical_address` without LA57): bits
/// 63:47 all equal.
pub fn is_canonical(addr: u64) -> bool {
    let top = (addr as i64) >> 47;
    top == 0 || top == -1
}

/// HOST-25 step 1: does a PRQ entry belong to (RID, P)? P = `Some(p)` matches PP=1 with PASID p;
/// `None` ("no PASID", Linux `IOMMU_NO_PASID`) matches PP=0.
pub fn drain_matches(d: &PageReqDsc, rid: u16, pasid: Option<u32>) -> bool {
    d.rid == rid && (d.pp.then_some(d.pasid) == pasid)
}

/// A status write the driver waits for (HOST-23, HOST-25): Status Data at Status Address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusWrite {
    /// 4-byte aligned (the descriptor drops bits 1:0).
    pub addr: u64,
    pub data: u32,
}

/// The `inv_wait_dsc` that ends a synchronous submission (`qi_submit_sync`): SW=1 with the
/// status write to wait for; PD=1 too for a drain (`QI_OPT_WAIT_DRAIN`, HOST-25 step 3).
pub fn sync_wait(status: StatusWrite, drain: bool) -> Words {
    InvWaitDsc { sw: true, pd: drain, status_data: status.data, status_addr: status.addr, ..InvWaitDsc::default() }.encode()
}

/// A descriptor of the given type with every other bit 0: the stand-in for an invalidation this
/// product does not model (vtd.md §1: no IOTLB). Types 0x01–0x04 and 0x06–0x08 complete at once
/// with no effect (OP-10).
fn stand_in(ty: u8) -> Words {
    [u64::from(ty & 0xF) | (u64::from(ty >> 4) << 9), 0, 0, 0]
}

/// HOST-25 step 3, before the final [`sync_wait`] with `drain = true`: a wait with FN=1, then the
/// IOTLB and the Device-TLB invalidation as Linux orders them (PASID-based types 0x06 and 0x08
/// for a PASID, types 0x02 and 0x03 without one), as zero-field stand-ins.
pub fn drain_descriptors(pasid: Option<u32>) -> [Words; 3] {
    let fence = InvWaitDsc { fn_: true, ..InvWaitDsc::default() }.encode();
    let (iotlb, dev_tlb) = match pasid {
        Some(_) => (0x06, 0x08),
        None => (0x02, 0x03),
    };
    [fence, stand_in(iotlb), stand_in(dev_tlb)]
}
