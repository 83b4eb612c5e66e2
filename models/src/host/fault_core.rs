//! io-pgfault (host-sw.md §2, HOST-1..HOST-11): fault records, per-device partial and pending lists,
//! groups built by group index only, the in-kernel handler, response matching, overflow discard,
//! device removal and flush. One `FaultCore` serves one IOMMU (HOST-8 discards across its devices).

use super::iommufd::{FaultFd, FdRead, FdWrite, PageResponseEntry};
use super::record::{FaultRecord, Group, GroupId};
use super::response::{GenericCode, HostResponse};
use super::{Consumer, HostChoices, HostEvent, HostPolicy, PageOutcome};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Per-device configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCfg {
    /// PRI Status "PRG Response PASID Required" (DEC-13).
    pub prpr: bool,
    /// A domain with a fault handler is attached (HOST-5: without one, groups are answered INVALID).
    pub domain: bool,
}

impl Default for DeviceCfg {
    fn default() -> Self {
        DeviceCfg { prpr: true, domain: true }
    }
}

/// What [`FaultCore::report`] did with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reported {
    /// HOST-2: joined the partial list.
    Partial,
    /// HOST-3: closed a group, now pending (and queued to the consumer).
    Group(GroupId),
}

/// A group the kernel handler finished (HOST-5), and the response it produced if a pending entry
/// still matched (HOST-6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handled {
    pub group: Group,
    pub code: GenericCode,
    pub response: Option<HostResponse>,
}

/// The groups reported for a device when a flush began (HOST-10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlushMark {
    pub rid: u16,
    pub groups: Vec<GroupId>,
}

/// A pending last record (the entry HOST-6 matches against).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pending {
    id: GroupId,
    rec: FaultRecord,
    /// The response must carry the PASID (PASID present and PRPR=1).
    needs_pasid: bool,
}

#[derive(Clone, Debug, Default)]
struct Device {
    cfg: Option<DeviceCfg>,
    partial: Vec<FaultRecord>,
    pending: Vec<Pending>,
}

/// Counters a test or checker can read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreStats {
    pub records: u64,
    pub groups: u64,
    pub responses: u64,
    /// Responses that matched no pending entry and were dropped (HOST-6).
    pub unmatched: u64,
    /// Partials freed by HOST-8 (overflow) or HOST-9 (removal).
    pub partials_discarded: u64,
    pub overflows: u64,
    /// Groups answered INVALID at once because their device was at its fault quota.
    pub over_quota: u64,
}

/// The fault core of one IOMMU.
#[derive(Clone, Debug)]
pub struct FaultCore {
    policy: HostPolicy,
    devices: BTreeMap<u16, Device>,
    /// Groups waiting for the kernel handler (consumer=kernel), arrival order.
    ready: VecDeque<Group>,
    /// The iommufd fault object (consumer=iommufd).
    fd: FaultFd,
    next_group: u64,
    /// Responses sent per group (HOST-7, HOST-11); every reported group has an entry.
    answers: BTreeMap<GroupId, u32>,
    events: Vec<HostEvent>,
    stats: CoreStats,
    /// Responses the kernel decided on its own while reporting (the per-device fault quota), for
    /// the driver to send at once ([`FaultCore::take_immediate`]).
    immediate: Vec<HostResponse>,
}

impl FaultCore {
    pub fn new(policy: HostPolicy) -> Self {
        let mut fd = FaultFd::new();
        if policy.planted == Some(super::planted::PlantedHostBug::CookieReuse) {
            fd.plant_cookie_reuse();
        }
        FaultCore {
            policy,
            devices: BTreeMap::new(),
            ready: VecDeque::new(),
            fd,
            next_group: 0,
            answers: BTreeMap::new(),
            events: Vec::new(),
            stats: CoreStats::default(),
            immediate: Vec::new(),
        }
    }

    /// Responses decided while reporting (fault quota), to send now; empty most of the time.
    pub fn take_immediate(&mut self) -> Vec<HostResponse> {
        std::mem::take(&mut self.immediate)
    }

    pub fn policy(&self) -> &HostPolicy {
        &self.policy
    }

    /// Configure a device (PRPR, domain). Unnamed devices use `policy.default_device`.
    pub fn set_device(&mut self, rid: u16, cfg: DeviceCfg) {
        self.devices.entry(rid).or_default().cfg = Some(cfg);
    }

    pub fn device(&self, rid: u16) -> DeviceCfg {
        self.devices.get(&rid).and_then(|d| d.cfg).unwrap_or(self.policy.default_device)
    }

    /// The iommufd fault object (for its bounds and inspection).
    pub fn fd(&self) -> &FaultFd {
        &self.fd
    }
    pub fn fd_mut(&mut self) -> &mut FaultFd {
        &mut self.fd
    }

    /// Record an event observed outside the core (drivers, PASID manager).
    pub fn push_event(&mut self, e: HostEvent) {
        self.events.push(e);
    }

    /// Hazard and violation events since the last call.
    pub fn take_events(&mut self) -> Vec<HostEvent> {
        std::mem::take(&mut self.events)
    }

    pub fn stats(&self) -> CoreStats {
        self.stats
    }

    /// HOST-1..HOST-4: a record from the driver, in queue order for its device.
    pub fn report(&mut self, rec: FaultRecord) -> Reported {
        self.stats.records += 1;
        let default = self.policy.default_device;
        let dev = self.devices.entry(rec.rid).or_default();
        if !rec.last {
            // HOST-2
            dev.partial.push(rec);
            return Reported::Partial;
        }
        // HOST-3: every partial with this grpid, PASID not compared, in arrival order, then the last.
        let mut records: Vec<FaultRecord> = Vec::new();
        dev.partial.retain(|p| {
            if p.grpid == rec.grpid {
                records.push(*p);
                false
            } else {
                true
            }
        });
        records.push(rec);
        let id = GroupId(self.next_group);
        self.next_group += 1;
        let cfg = dev.cfg.unwrap_or(default);
        dev.pending.push(Pending { id, rec, needs_pasid: rec.pasid.is_some() && cfg.prpr });
        let group = Group { id, rid: rec.rid, records };
        if group.mixes_pasids() {
            // HOST-4 (hazard)
            self.events.push(HostEvent::MixedPasidGroup {
                rid: rec.rid,
                grpid: rec.grpid,
                group: id,
                pasids: group.records.iter().map(|r| r.pasid).collect(),
            });
        }
        self.answers.insert(id, 0);
        self.stats.groups += 1;
        match self.policy.consumer {
            Consumer::Kernel => self.ready.push_back(group),
            Consumer::Iommufd if self.policy.fault_quota.is_some_and(|q| self.fd.outstanding(rec.rid) >= q) => {
                // Over the device's quota: the kernel answers INVALID without queueing the group
                // to user space (docs/DESIGN.md says why INVALID).
                self.stats.over_quota += 1;
                let r = self.respond_group(&group, GenericCode::Invalid);
                self.immediate.extend(r);
            }
            Consumer::Iommufd => {
                if let Some(e) = self.fd.deliver(group) {
                    self.events.push(e);
                }
            }
        }
        Reported::Group(id)
    }

    /// HOST-8: the driver detected a hardware-queue overflow: free every partial of every device
    /// without a response. Pending last records stay and are still answered. Returns the number freed.
    pub fn discard_partials(&mut self) -> usize {
        self.stats.overflows += 1;
        let n: usize = self.devices.values_mut().map(|d| std::mem::take(&mut d.partial).len()).sum();
        self.stats.partials_discarded += n as u64;
        n
    }

    /// HOST-27 step 3: the PASID is being released; its stale partials (requests of PRGs the
    /// function abandoned when it stopped the PASID, variant B) are freed without a response.
    /// Returns the number freed.
    pub fn discard_pasid_partials(&mut self, rid: u16, pasid: Option<u32>) -> usize {
        let Some(d) = self.devices.get_mut(&rid) else { return 0 };
        let before = d.partial.len();
        d.partial.retain(|r| r.pasid != pasid);
        let n = before - d.partial.len();
        self.stats.partials_discarded += n as u64;
        n
    }

    /// Groups waiting for the kernel handler, arrival order.
    pub fn ready_groups(&self) -> impl Iterator<Item = &Group> {
        self.ready.iter()
    }

    /// HOST-5, HOST-7: the kernel handler finishes one ready group, chosen by `ch.pick_group`.
    /// Pages in order; the first failing page ends the group with INVALID, an abort with FAILURE; a
    /// PASID page with Exe and no R always fails (PRI-6); no domain means INVALID. The response
    /// goes through HOST-6 matching. `None` when no group is ready.
    pub fn handle_next(&mut self, ch: &mut dyn HostChoices) -> Option<Handled> {
        if self.ready.is_empty() {
            return None;
        }
        let i = ch.pick_group(self.ready.len()).min(self.ready.len() - 1);
        let group = self.ready.remove(i).expect("index in range");
        let code = if !self.device(group.rid).domain {
            GenericCode::Invalid
        } else {
            let mut code = GenericCode::Success;
            for rec in &group.records {
                if rec.exe_without_read() {
                    code = GenericCode::Invalid;
                    break;
                }
                match ch.page(rec) {
                    PageOutcome::Resolved => {}
                    PageOutcome::Failed => {
                        code = GenericCode::Invalid;
                        break;
                    }
                    PageOutcome::Abort => {
                        code = GenericCode::Failure;
                        break;
                    }
                }
            }
            code
        };
        let last = *group.last();
        let response = self.respond(last.rid, last.grpid, last.pasid, code);
        Some(Handled { group, code, response })
    }

    /// Run the kernel handler until no group is ready; the responses sent, in order.
    pub fn handle_all(&mut self, ch: &mut dyn HostChoices) -> Vec<HostResponse> {
        let mut out = Vec::new();
        while let Some(h) = self.handle_next(ch) {
            out.extend(h.response);
        }
        out
    }

    /// HOST-6: answer the first pending last record of `rid` (arrival order) with this grpid and,
    /// when that record needs a PASID in its response, this PASID. The match leaves the pending list.
    /// A response matching nothing is dropped (`None`, no device traffic).
    pub fn respond(&mut self, rid: u16, grpid: u16, pasid: Option<u32>, code: GenericCode) -> Option<HostResponse> {
        let dev = self.devices.get_mut(&rid);
        let idx =
            dev.as_ref().and_then(|d| d.pending.iter().position(|p| p.rec.grpid == grpid && (!p.needs_pasid || p.rec.pasid == pasid)));
        let Some(idx) = idx else {
            self.stats.unmatched += 1;
            return None;
        };
        let p = dev.expect("found above").pending.remove(idx);
        *self.answers.entry(p.id).or_default() += 1;
        self.stats.responses += 1;
        Some(HostResponse::new(p.id, &p.rec, p.needs_pasid, code))
    }

    /// Answer a group by its identity: HOST-6 matching on its last record, as Linux's group response
    /// does (it may match an older pending entry with the same grpid when the response needs no PASID).
    pub fn respond_group(&mut self, group: &Group, code: GenericCode) -> Option<HostResponse> {
        let last = *group.last();
        self.respond(last.rid, last.grpid, last.pasid, code)
    }

    /// HOST-9: device removal (after PRI is stopped at the IOMMU side and the hardware queue
    /// flushed): free the device's partials and answer every pending last record INVALID (with PASID
    /// when needed), arrival order. Groups still queued for the kernel handler are dropped; iommufd
    /// groups stay in the FD and a later user response for them matches nothing (HOST-6).
    pub fn remove_device(&mut self, rid: u16) -> Vec<HostResponse> {
        let Some(dev) = self.devices.get_mut(&rid) else {
            return Vec::new();
        };
        self.stats.partials_discarded += dev.partial.len() as u64;
        dev.partial.clear();
        let pending = std::mem::take(&mut dev.pending);
        self.ready.retain(|g| g.rid != rid);
        let mut out = Vec::new();
        for p in pending {
            *self.answers.entry(p.id).or_default() += 1;
            self.stats.responses += 1;
            out.push(HostResponse::new(p.id, &p.rec, p.needs_pasid, GenericCode::Invalid));
        }
        out
    }

    /// HOST-10: note the groups reported for `rid` so far; the flush is complete when all of them
    /// have been answered ([`FaultCore::flush_done`]).
    pub fn flush_mark(&self, rid: u16) -> FlushMark {
        let groups = self.devices.get(&rid).map(|d| d.pending.iter().map(|p| p.id).collect()).unwrap_or_default();
        FlushMark { rid, groups }
    }

    pub fn flush_done(&self, mark: &FlushMark) -> bool {
        let Some(d) = self.devices.get(&mark.rid) else {
            return true;
        };
        !d.pending.iter().any(|p| mark.groups.contains(&p.id))
    }

    /// HOST-27 step 3 helper: no unanswered group of (rid, pasid) remains in the core.
    pub fn pasid_answered(&self, rid: u16, pasid: Option<u32>) -> bool {
        self.devices.get(&rid).is_none_or(|d| !d.pending.iter().any(|p| p.rec.pasid == pasid))
    }

    /// HOST-27 step 3 done: no partial and no unanswered group of (rid, pasid) remains.
    pub fn pasid_idle(&self, rid: u16, pasid: Option<u32>) -> bool {
        self.pasid_answered(rid, pasid) && self.devices.get(&rid).is_none_or(|d| !d.partial.iter().any(|r| r.pasid == pasid))
    }

    /// The device's partial records, arrival order.
    pub fn partials(&self, rid: u16) -> &[FaultRecord] {
        self.devices.get(&rid).map(|d| d.partial.as_slice()).unwrap_or(&[])
    }

    /// Groups reported and not yet answered (all devices), by id.
    pub fn unanswered(&self) -> Vec<GroupId> {
        let mut v: Vec<GroupId> = self.devices.values().flat_map(|d| d.pending.iter().map(|p| p.id)).collect();
        v.sort();
        v
    }

    /// Responses sent for a group so far (HOST-11: exactly one at quiescence). `None` for an unknown id.
    pub fn answer_count(&self, id: GroupId) -> Option<u32> {
        self.answers.get(&id).copied()
    }

    /// HOST-11 at quiescence: every reported group answered exactly once. Returns the offenders.
    pub fn check_answered_once(&self) -> Vec<(GroupId, u32)> {
        self.answers.iter().filter(|(_, n)| **n != 1).map(|(id, n)| (*id, *n)).collect()
    }

    // ---- iommufd consumer (HOST-12..HOST-14) ----

    /// HOST-12: `read()` of the fault FD with a buffer of `buf_len` bytes.
    pub fn fd_read(&mut self, buf_len: usize) -> FdRead {
        self.fd.read(buf_len)
    }

    /// HOST-13: `write()` of `{cookie, code}` entries; each accepted entry answers its group through
    /// HOST-6 matching. Returns the write result and the responses sent, in order.
    pub fn fd_write(&mut self, entries: &[PageResponseEntry]) -> (FdWrite, Vec<HostResponse>) {
        let w = self.fd.write(entries);
        let mut out = Vec::new();
        for (g, code) in &w.answered {
            out.extend(self.respond_group(g, *code));
        }
        (w, out)
    }

    /// HOST-14: detach or domain replace for `rid` (`Some`), or destruction of the fault object
    /// (`None`): every group of the FD queued or read but not answered is answered INVALID.
    pub fn fd_detach(&mut self, rid: Option<u16>) -> Vec<HostResponse> {
        let groups = self.fd.auto_respond(rid);
        let mut out = Vec::new();
        for g in &groups {
            out.extend(self.respond_group(g, GenericCode::Invalid));
        }
        out
    }
}
