//! SMMUv3 driver decisions (host-sw.md §4, HOST-17, HOST-18, HOST-24, HOST-8): what the PRIQ thread
//! does with each entry it reads and with a detected overflow. The register protocol (HOST-16:
//! PROD/CONS reads and writes, OVACKFLG) stays in the testbench, which calls
//! [`SmmuHost::on_priq_entry`] per entry and [`SmmuHost::on_overflow`] when PROD.OVFLG changed.

use super::fault_core::{FaultCore, Handled, Reported};
use super::iommufd::{FdWrite, PageResponseEntry};
use super::record::FaultRecord;
use super::response::{GenericCode, SmmuPriResp};
use super::smmu_stall::{EventFate, EventFault, StallFaults};
use super::stop_marker::{drop_stop_marker, Dropped};
use super::{HostChoices, HostEvent, HostPolicy, SmmuDriver};
use crate::pcie::PageRequest;
use crate::smmuv3::cmd::Command;

/// What the driver did with one PRIQ entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryFate {
    /// HOST-18: a Stop Marker (PV=1, L=1, R=W=0), dropped.
    StopMarker,
    /// HOST-24 (hazard): a PASID-less L=1, R=W=0 request dropped as a Stop Marker (`lrw_only`).
    LrwDropped,
    /// HOST-18 → HOST-1: handed to the fault core.
    Reported(Reported),
    /// HOST-17 (mainline): L=0 entry ignored.
    Ignored,
    /// HOST-17 (mainline, hazard): L=1 entry answered at once with Response Failure.
    Denied(SmmuPriResp),
}

/// The SMMUv3 driver's PRI and stall sides on top of the fault core of its IOMMU.
#[derive(Clone, Debug)]
pub struct SmmuHost {
    pub core: FaultCore,
    /// The EVTQ side (HOST-20, HOST-21).
    pub stalls: StallFaults,
}

impl SmmuHost {
    pub fn new(policy: HostPolicy) -> Self {
        SmmuHost { core: FaultCore::new(policy), stalls: StallFaults::new(policy.stall_quota) }
    }

    /// One EVTQ record in queue order (HOST-20, HOST-21). A fate with a command wants it now.
    pub fn on_evtq_record(&mut self, ev: &EventFault) -> EventFate {
        self.stalls.on_event(&mut self.core, ev)
    }

    /// Kernel consumer over both queues: finish one ready group and give the command answering it:
    /// CMD_RESUME for a stall group (HOST-20), CMD_PRI_RESP for a PRI group (HOST-18).
    pub fn answer_next_command(&mut self, ch: &mut dyn HostChoices) -> Option<(Handled, Option<Command>)> {
        let h = self.core.handle_next(ch)?;
        let cmd = h.response.map(|r| self.stalls.response_command(&r).unwrap_or_else(|| r.smmu().command()));
        Some((h, cmd))
    }

    /// One PRIQ entry, decoded to its message, in queue order (call before the CONS write that
    /// frees it). A `Denied` fate carries the command to issue now.
    pub fn on_priq_entry(&mut self, m: &PageRequest) -> EntryFate {
        match self.core.policy().smmu_driver {
            SmmuDriver::Mainline => {
                if !m.l {
                    return EntryFate::Ignored;
                }
                // HOST-17: Resp=0b00 with SSV and SubstreamID copied from the entry.
                let pasid = m.pv.then_some(m.pasid);
                self.core.push_event(HostEvent::MainlineFailure { rid: m.rid, prgi: m.prgi, pasid });
                EntryFate::Denied(SmmuPriResp {
                    stream_id: m.rid as u32,
                    ssv: m.pv,
                    substream_id: if m.pv { m.pasid } else { 0 },
                    prg_index: m.prgi,
                    resp: SmmuPriResp::RESP_DENY,
                })
            }
            SmmuDriver::Iopf => match drop_stop_marker(&mut self.core, m) {
                Some(Dropped::StopMarker) => EntryFate::StopMarker,
                Some(Dropped::LrwDropped) => EntryFate::LrwDropped,
                None => EntryFate::Reported(self.core.report(FaultRecord::from_request(m))),
            },
        }
    }

    /// HOST-18 → HOST-8: the thread saw PROD.OVFLG change. Frees all partials (iopf driver; the
    /// mainline driver has no fault core and frees nothing). Returns the number freed.
    pub fn on_overflow(&mut self) -> usize {
        match self.core.policy().smmu_driver {
            SmmuDriver::Iopf => self.core.discard_partials(),
            SmmuDriver::Mainline => 0,
        }
    }

    /// Kernel consumer: finish one ready group (HOST-5, HOST-7) and give the command to issue, if
    /// a pending entry still matched (HOST-6).
    pub fn answer_next(&mut self, ch: &mut dyn HostChoices) -> Option<(Handled, Option<SmmuPriResp>)> {
        let h = self.core.handle_next(ch)?;
        let cmd = h.response.map(|r| r.smmu());
        Some((h, cmd))
    }

    /// Answer a group by (RID, grpid, PASID) (HOST-6), e.g. for a directed test.
    pub fn respond(&mut self, rid: u16, grpid: u16, pasid: Option<u32>, code: GenericCode) -> Option<SmmuPriResp> {
        self.core.respond(rid, grpid, pasid, code).map(|r| r.smmu())
    }

    /// iommufd consumer: a user `write()` (HOST-13) and the commands it causes.
    pub fn fd_write(&mut self, entries: &[PageResponseEntry]) -> (FdWrite, Vec<SmmuPriResp>) {
        let (w, rs) = self.core.fd_write(entries);
        (w, rs.iter().map(|r| r.smmu()).collect())
    }

    /// HOST-14: detach/replace (`Some(rid)`) or fault object destruction (`None`).
    pub fn fd_detach(&mut self, rid: Option<u16>) -> Vec<SmmuPriResp> {
        self.core.fd_detach(rid).iter().map(|r| r.smmu()).collect()
    }

    /// HOST-9: device removal; the commands to issue, before PRI is disabled on the device.
    pub fn remove_device(&mut self, rid: u16) -> Vec<SmmuPriResp> {
        self.core.remove_device(rid).iter().map(|r| r.smmu()).collect()
    }
}
