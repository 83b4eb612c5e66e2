//! SMMUv3 driver decisions for event queue records (host-sw.md §4, §5; HOST-20, HOST-21): non-stall
//! events are logged; a stall event becomes a one-record group (grpid = STAG) in the fault core,
//! answered with CMD_RESUME (SUCCESS -> Ac=1, INVALID or FAILURE -> Ab=1); with no handler, or over
//! the device's stall quota, the driver aborts it at once. The register protocol (HOST-16) stays
//! in the testbench, which calls [`StallFaults::on_event`] per record.
//!
//! The per-device limit (the stall quota of host-sw.md §5): a stall event whose StreamID already
//! has `stall_quota` unanswered stall groups is aborted at once with CMD_RESUME Ab=1 and never
//! reaches the fault core (why abort rather than defer: docs/DESIGN.md, "Stall quota").

use super::fault_core::{FaultCore, Reported};
use super::record::{FaultRecord, GroupId, Perm};
use super::response::{GenericCode, HostResponse};
use crate::smmuv3::cmd::Command;
use std::collections::BTreeMap;

/// What the driver reads of one event record (smmuv3.md §6), decoded by the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventFault {
    pub event_id: u8,
    pub sid: u32,
    /// `Some(SubstreamID)` iff SSV=1.
    pub ssid: Option<u32>,
    pub stall: bool,
    pub stag: u16,
    /// PnU: privileged.
    pub pnu: bool,
    /// InD: instruction fetch.
    pub ind: bool,
    /// RnW: read.
    pub rnw: bool,
    pub input_addr: u64,
}

impl EventFault {
    /// HOST-1 for a stall event: the one-record group's record (last, grpid = STAG, the page of
    /// InputAddr, R or W from RnW, Exe from InD, Priv from PnU).
    pub fn record(&self) -> FaultRecord {
        FaultRecord {
            rid: self.sid as u16,
            pasid: self.ssid,
            grpid: self.stag,
            last: true,
            perm: Perm { r: self.rnw, w: !self.rnw, exe: self.ind, priv_: self.pnu },
            addr: self.input_addr & !0xFFF,
        }
    }
}

/// What the driver did with one event record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventFate {
    /// HOST-20: a non-stall event, only logged.
    Logged,
    /// HOST-20 -> HOST-1: a stall event reported as a one-record group.
    Reported(GroupId),
    /// HOST-20: the device has no handler (no domain); the driver aborts at once.
    NoHandler(Command),
    /// HOST-21: the StreamID already has `stall_quota` unanswered stall groups; aborted at once.
    OverQuota(Command),
}

impl EventFate {
    /// The command to issue now, if any.
    pub fn command(&self) -> Option<Command> {
        match *self {
            EventFate::NoHandler(c) | EventFate::OverQuota(c) => Some(c),
            EventFate::Logged | EventFate::Reported(_) => None,
        }
    }
}

/// Counters a test or coverage can read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StallStats {
    pub logged: u64,
    pub reported: u64,
    pub no_handler: u64,
    pub over_quota: u64,
    pub resumed_retry: u64,
    pub resumed_abort: u64,
}

/// The CMD_RESUME of a stall (HOST-20): retry (Ac=1) or abort (Ab=1).
pub fn resume(sid: u32, stag: u16, retry: bool) -> Command {
    Command::Resume { stream_id: sid, stag, ac: retry, ab: !retry }
}

/// The stall groups the driver reported and has not answered yet, per IOMMU.
#[derive(Clone, Debug, Default)]
pub struct StallFaults {
    quota: Option<u32>,
    /// Stall groups not yet answered: group -> (StreamID, STAG).
    open: BTreeMap<GroupId, (u32, u16)>,
    stats: StallStats,
}

impl StallFaults {
    /// `quota`: the `stall_quota` knob (HOST-21); `None` for no quota.
    pub fn new(quota: Option<u32>) -> Self {
        StallFaults { quota, open: BTreeMap::new(), stats: StallStats::default() }
    }

    pub fn stats(&self) -> StallStats {
        self.stats
    }

    /// Unanswered stall groups of `sid` (HOST-21 counts these).
    pub fn unanswered(&self, sid: u32) -> u32 {
        self.open.values().filter(|&&(s, _)| s == sid).count() as u32
    }

    /// Is `group` a stall group not answered yet?
    pub fn is_stall_group(&self, group: GroupId) -> bool {
        self.open.contains_key(&group)
    }

    /// One event record, in queue order (HOST-20, HOST-21).
    pub fn on_event(&mut self, core: &mut FaultCore, ev: &EventFault) -> EventFate {
        if !ev.stall {
            self.stats.logged += 1;
            return EventFate::Logged;
        }
        if self.quota.is_some_and(|q| self.unanswered(ev.sid) >= q) {
            self.stats.over_quota += 1;
            self.stats.resumed_abort += 1;
            return EventFate::OverQuota(resume(ev.sid, ev.stag, false));
        }
        if !core.device(ev.sid as u16).domain {
            self.stats.no_handler += 1;
            self.stats.resumed_abort += 1;
            return EventFate::NoHandler(resume(ev.sid, ev.stag, false));
        }
        match core.report(ev.record()) {
            Reported::Group(id) => {
                self.open.insert(id, (ev.sid, ev.stag));
                self.stats.reported += 1;
                EventFate::Reported(id)
            }
            Reported::Partial => unreachable!("a stall record is always last"),
        }
    }

    /// The CMD_RESUME answering `r` if it answers a stall group (HOST-20: SUCCESS -> Ac=1, INVALID
    /// and FAILURE -> Ab=1); `None` for a PRI group. The group is then answered.
    pub fn response_command(&mut self, r: &HostResponse) -> Option<Command> {
        let (sid, stag) = self.open.remove(&r.group)?;
        let retry = r.code == GenericCode::Success;
        if retry {
            self.stats.resumed_retry += 1;
        } else {
            self.stats.resumed_abort += 1;
        }
        Some(resume(sid, stag, retry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::{DeviceCfg, HostChoices, HostPolicy, InOrder, PageOutcome};

    fn ev(sid: u32, stag: u16, stall: bool) -> EventFault {
        EventFault {
            event_id: if stall { 0x10 } else { 0x02 },
            sid,
            ssid: Some(0x33),
            stall,
            stag,
            pnu: true,
            ind: false,
            rnw: true,
            input_addr: 0x1234_5678,
        }
    }

    fn core() -> FaultCore {
        FaultCore::new(HostPolicy::default())
    }

    #[test]
    fn non_stall_is_logged_host_20() {
        let (mut c, mut s) = (core(), StallFaults::new(None));
        assert_eq!(s.on_event(&mut c, &ev(1, 0, false)), EventFate::Logged);
        assert_eq!(c.stats().records, 0, "HOST-20: a non-stall event never reaches the fault core");
        assert_eq!(s.stats().logged, 1);
    }

    #[test]
    fn stall_group_answered_by_resume_host_20() {
        let (mut c, mut s) = (core(), StallFaults::new(None));
        let EventFate::Reported(g) = s.on_event(&mut c, &ev(1, 7, true)) else { panic!("HOST-20: a stall event is reported") };
        let group = c.ready_groups().next().unwrap().clone();
        assert_eq!(group.records.len(), 1, "HOST-20: a one-record group");
        let r = group.records[0];
        assert_eq!((r.grpid, r.last, r.pasid, r.addr, r.perm.r, r.perm.priv_), (7, true, Some(0x33), 0x1234_5000, true, true));
        let h = c.handle_next(&mut InOrder).unwrap();
        assert_eq!(h.group.id, g);
        let cmd = s.response_command(&h.response.unwrap()).unwrap();
        assert_eq!(cmd, Command::Resume { stream_id: 1, stag: 7, ac: true, ab: false }, "HOST-20: SUCCESS -> Ac=1");
        assert_eq!(s.unanswered(1), 0);
    }

    /// INVALID and FAILURE both become Ab=1 (HOST-20).
    #[test]
    fn failed_and_aborted_pages_resume_with_abort_host_20() {
        struct Outcome(PageOutcome);
        impl HostChoices for Outcome {
            fn pick_group(&mut self, _n: usize) -> usize {
                0
            }
            fn page(&mut self, _rec: &FaultRecord) -> PageOutcome {
                self.0
            }
        }
        for o in [PageOutcome::Failed, PageOutcome::Abort] {
            let (mut c, mut s) = (core(), StallFaults::new(None));
            s.on_event(&mut c, &ev(2, 3, true));
            let h = c.handle_next(&mut Outcome(o)).unwrap();
            assert_ne!(h.code, GenericCode::Success);
            assert_eq!(s.response_command(&h.response.unwrap()), Some(resume(2, 3, false)), "{o:?}");
        }
    }

    #[test]
    fn no_handler_aborts_at_once_host_20() {
        let (mut c, mut s) = (core(), StallFaults::new(None));
        c.set_device(4, DeviceCfg { prpr: true, domain: false });
        let f = s.on_event(&mut c, &ev(4, 9, true));
        assert_eq!(f, EventFate::NoHandler(Command::Resume { stream_id: 4, stag: 9, ac: false, ab: true }));
        assert_eq!(c.stats().records, 0);
    }

    #[test]
    fn quota_aborts_over_the_limit_host_21() {
        let (mut c, mut s) = (core(), StallFaults::new(Some(2)));
        assert!(matches!(s.on_event(&mut c, &ev(1, 0, true)), EventFate::Reported(_)));
        assert!(matches!(s.on_event(&mut c, &ev(1, 1, true)), EventFate::Reported(_)));
        // A third for the same StreamID is over the quota; another StreamID is not.
        assert_eq!(s.on_event(&mut c, &ev(1, 2, true)).command(), Some(resume(1, 2, false)), "HOST-21");
        assert!(matches!(s.on_event(&mut c, &ev(5, 3, true)), EventFate::Reported(_)));
        assert_eq!(c.stats().records, 3, "HOST-21: the event over quota is not reported");
        // Answering one frees a place under the quota.
        let h = c.handle_next(&mut InOrder).unwrap();
        s.response_command(&h.response.unwrap()).unwrap();
        assert!(matches!(s.on_event(&mut c, &ev(1, 4, true)), EventFate::Reported(_)));
        assert_eq!(s.stats().over_quota, 1);
    }

    /// A PRI group's response is not a stall's: no CMD_RESUME for it.
    #[test]
    fn pri_groups_are_not_resumed() {
        let (mut c, mut s) = (core(), StallFaults::new(None));
        let rec = FaultRecord { rid: 1, pasid: None, grpid: 7, last: true, perm: Perm::default(), addr: 0 };
        c.report(rec);
        let h = c.handle_next(&mut InOrder).unwrap();
        assert_eq!(s.response_command(&h.response.unwrap()), None);
    }
}
