//! Timing-free judges of the host fault consumers (`Txn::HostPath` against the PCIe traffic):
//!
//! | Checker | Rules | Idea |
//! |---|---|---|
//! | [`FaultFdChecker`] | HOST-12, HOST-13, HOST-14 | reads return whole groups with one fresh cookie each; a write entry is accepted iff its code is 0 or 1 and its cookie names a read, unanswered group; auto-responses leave no cookie answerable |
//! | [`PagingChecker`] | HOST-5, HOST-10 | SUCCESS only for groups whose pages are all mapped; no request for a page granted SUCCESS and not unmapped since; no unmap while a group of that PASID is outstanding |
//! | [`ProvisionedChecker`] | HOST-31 | with `provisioned = true` software never sees the queue's overflow flag |
//!
//! The paging checker relies on every SUCCESS at the egress coming from the host: its scenarios
//! are provisioned, so the IOMMU never answers on its own (overflow auto-responses, which PRI-6
//! exempts, do not occur). Like the other checkers they allocate only when state grows and format
//! text only when they report.

use super::events::{AutoTrigger, HostPathEvent};
use super::OverflowFlag;
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::host::iommufd::RECORD_SIZE;
use models::pcie::{MsgClass, RespCode};
use rustc_hash::{FxHashMap, FxHashSet};

/// The record run a read is in the middle of.
#[derive(Clone, Copy)]
struct Run {
    cookie: u32,
    rid: u16,
    grpid: u16,
    closed: bool,
}

/// HOST-12..HOST-14 from the consumer's reads, writes and auto-responses.
pub struct FaultFdChecker {
    /// Cookies of groups read and not answered, with their device.
    unanswered: FxHashMap<u32, u16>,
    /// Records the current read still owes (announced by its `FdRead`).
    owed: u32,
    run: Option<Run>,
    evals: Evaluations,
}

impl Default for FaultFdChecker {
    fn default() -> Self {
        FaultFdChecker {
            unanswered: FxHashMap::default(),
            owed: 0,
            run: None,
            evals: Evaluations::new(&[rule::HOST_12, rule::HOST_13, rule::HOST_14]),
        }
    }
}

impl FaultFdChecker {
    fn count(&mut self, r: models::rules::RuleId) {
        self.evals.count(r);
    }

    fn on_record(&mut self, cycle: u64, cookie: u32, rid: u16, grpid: u16, last: bool, out: &mut Vec<Violation>) {
        self.count(rule::HOST_12);
        let bad = |m: String| Violation { rule: rule::HOST_12, cycle, message: m };
        if self.owed == 0 {
            out.push(bad(format!("a record (cookie {cookie}) beyond the bytes its read returned")));
            return;
        }
        self.owed -= 1;
        match self.run {
            Some(r) if !r.closed => {
                if r.cookie != cookie || r.rid != rid || r.grpid != grpid {
                    out.push(bad(format!(
                        "the group of cookie {} (device {:#06x}, grpid {}) ended without its last record: cookie {cookie} (device {rid:#06x}, grpid {grpid}) follows",
                        r.cookie, r.rid, r.grpid
                    )));
                }
            }
            _ => {
                // A new group: its cookie must be unique among unanswered groups (HOST-13).
                self.count(rule::HOST_13);
                if let Some(other) = self.unanswered.insert(cookie, rid) {
                    out.push(Violation {
                        rule: rule::HOST_13,
                        cycle,
                        message: format!(
                            "cookie {cookie} handed out for a group of device {rid:#06x} while a group of device {other:#06x} with that cookie is still unanswered"
                        ),
                    });
                }
            }
        }
        self.run = Some(Run { cookie, rid, grpid, closed: last });
        if self.owed == 0 && !last {
            out.push(bad(format!("the read ended inside the group of cookie {cookie} (device {rid:#06x}, grpid {grpid})")));
        }
    }
}

impl Checker for FaultFdChecker {
    fn name(&self) -> &'static str {
        "host-fault-fd"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let Txn::HostPath { ev } = t.txn else { return };
        match ev {
            HostPathEvent::FdRead { buf, bytes, .. } => {
                self.count(rule::HOST_12);
                if !(bytes as usize).is_multiple_of(RECORD_SIZE) || bytes > buf {
                    out.push(Violation {
                        rule: rule::HOST_12,
                        cycle: t.cycle,
                        message: format!("a read of a {buf}-byte buffer returned {bytes} bytes: not a whole number of {RECORD_SIZE}-byte records within the buffer"),
                    });
                }
                self.owed = bytes / RECORD_SIZE as u32;
                self.run = None;
            }
            HostPathEvent::FdRecord { cookie, rid, grpid, last } => self.on_record(t.cycle, cookie, rid, grpid, last, out),
            HostPathEvent::FdWrite { cookie, code, accepted } => {
                self.count(rule::HOST_13);
                let valid = code <= 1 && self.unanswered.contains_key(&cookie);
                if accepted != valid {
                    let why = if code > 1 {
                        format!("code {code} is neither SUCCESS (0) nor INVALID (1)")
                    } else if valid {
                        "it names a read, unanswered group".to_string()
                    } else {
                        "no read, unanswered group has that cookie".to_string()
                    };
                    let verdict = if accepted { "accepted" } else { "refused" };
                    out.push(Violation {
                        rule: rule::HOST_13,
                        cycle: t.cycle,
                        message: format!("write entry {{cookie {cookie}, code {code}}} was {verdict} although {why}"),
                    });
                }
                if accepted && valid {
                    self.unanswered.remove(&cookie);
                }
            }
            HostPathEvent::AutoResponse { trigger, rid, groups } => {
                self.count(rule::HOST_14);
                let hit = |r: u16| trigger == AutoTrigger::Close || r == rid;
                let read = self.unanswered.values().filter(|&&r| hit(r)).count() as u32;
                if groups < read {
                    out.push(Violation {
                        rule: rule::HOST_14,
                        cycle: t.cycle,
                        message: format!(
                            "{trigger:?} of device {rid:#06x} answered {groups} groups although {read} read groups were unanswered"
                        ),
                    });
                }
                self.unanswered.retain(|_, r| !hit(*r));
            }
            _ => {}
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}

/// A domain: (RID, PASID).
type Domain = (u16, Option<u32>);
/// A PRG as the paging checker follows it: (RID, PRGI, PASID).
type PrgKey = (u16, u16, Option<u32>);

/// HOST-5 and HOST-10 for the on-demand paging consumer.
pub struct PagingChecker {
    /// Pages of PRGs whose requests were accepted, by (RID, PRGI, PASID); `closed` once L=1 came.
    prgs: FxHashMap<PrgKey, (Vec<u64>, bool)>,
    mapped: FxHashSet<(Domain, u64)>,
    /// Pages answered SUCCESS and not unmapped since.
    granted: FxHashSet<(Domain, u64)>,
    evals: Evaluations,
}

impl Default for PagingChecker {
    fn default() -> Self {
        PagingChecker {
            prgs: FxHashMap::default(),
            mapped: FxHashSet::default(),
            granted: FxHashSet::default(),
            evals: Evaluations::new(&[rule::HOST_5, rule::HOST_10]),
        }
    }
}

impl Checker for PagingChecker {
    fn name(&self) -> &'static str {
        "host-paging"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        match t.txn {
            Txn::PageRequest { msg } if msg.class() != MsgClass::StopMarker => {
                let pasid = msg.pv.then_some(msg.pasid);
                let key = ((msg.rid, pasid), msg.page);
                self.evals.count(rule::HOST_5);
                if self.granted.contains(&key) {
                    out.push(Violation {
                        rule: rule::HOST_5,
                        cycle: t.cycle,
                        message: format!(
                            "a request for page {:#x} of device {:#06x} PASID {pasid:?}, which was answered SUCCESS and not unmapped since: the page was not made available",
                            msg.page, msg.rid
                        ),
                    });
                }
                let e = self.prgs.entry((msg.rid, msg.prgi, pasid)).or_default();
                if e.1 {
                    // A new PRG on an index whose old PRG was never answered (abandoned): start over.
                    *e = (Vec::new(), false);
                }
                e.0.push(msg.page);
                e.1 = msg.l;
            }
            Txn::Response { rsp } => {
                let Some((pages, _)) = self.prgs.remove(&(rsp.rid, rsp.prgi, rsp.pv.then_some(rsp.pasid))) else { return };
                if rsp.code != RespCode::Success {
                    return;
                }
                let dom = (rsp.rid, rsp.pv.then_some(rsp.pasid));
                for page in pages {
                    self.evals.count(rule::HOST_5);
                    if !self.mapped.contains(&(dom, page)) {
                        out.push(Violation {
                            rule: rule::HOST_5,
                            cycle: t.cycle,
                            message: format!(
                                "SUCCESS for PRG {} of device {:#06x} PASID {:?} although its page {page:#x} is not mapped",
                                rsp.prgi, dom.0, dom.1
                            ),
                        });
                    }
                    self.granted.insert((dom, page));
                }
            }
            Txn::HostPath { ev: HostPathEvent::PageMapped { rid, pasid, page } } => {
                self.mapped.insert(((rid, pasid), page));
            }
            Txn::HostPath { ev: HostPathEvent::PasidUnmapped { rid, pasid, .. } } => {
                self.evals.count(rule::HOST_10);
                let outstanding = self.prgs.iter().filter(|((r, _, p), (_, closed))| *r == rid && *p == pasid && *closed).count();
                if outstanding > 0 {
                    out.push(Violation {
                        rule: rule::HOST_10,
                        cycle: t.cycle,
                        message: format!("the pages of device {rid:#06x} PASID {pasid:?} were unmapped while {outstanding} of its groups were unanswered"),
                    });
                }
                // Partial PRGs of the old incarnation are abandoned with it.
                self.prgs.retain(|(r, _, p), _| !(*r == rid && *p == pasid));
                self.mapped.retain(|(d, _)| *d != (rid, pasid));
                self.granted.retain(|(d, _)| *d != (rid, pasid));
            }
            _ => {}
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}

/// HOST-31: with `provisioned = true` the queue never overflows, as software sees it.
pub struct ProvisionedChecker {
    flag: OverflowFlag,
    /// The flag's last value read (toggling flags: an overflow is a change).
    last: u64,
    evals: Evaluations,
}

impl ProvisionedChecker {
    pub fn new(flag: OverflowFlag) -> Self {
        ProvisionedChecker { flag, last: 0, evals: Evaluations::new(&[rule::HOST_31]) }
    }
}

impl Checker for ProvisionedChecker {
    fn name(&self) -> &'static str {
        "host-provisioned"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        let Txn::RegRead { addr, data } = t.txn else { return };
        if addr != self.flag.reg {
            return;
        }
        self.evals.count(rule::HOST_31);
        let v = data & self.flag.mask;
        let overflow = if self.flag.toggles { v != self.last } else { v != 0 };
        self.last = v;
        if overflow {
            out.push(Violation {
                rule: rule::HOST_31,
                cycle: t.cycle,
                message: format!(
                    "the queue overflowed (register {:#x} reads {data:#x}) although the host provisioned it for every credit (HOST-29) and frees slots before answering (HOST-30)",
                    self.flag.reg
                ),
            });
        }
    }

    fn finish(&mut self, _end_cycle: u64, _out: &mut Vec<Violation>) {}

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}

/// The host-path checkers of a run: the fault-FD one always (it judges only what the consumers
/// report), the paging one for the paging classes, the provisioning one when the scenario is
/// provisioned.
pub fn checkers(flag: OverflowFlag, paging: bool, provisioned: bool) -> Vec<Box<dyn Checker>> {
    let mut v: Vec<Box<dyn Checker>> = vec![Box::new(FaultFdChecker::default())];
    if paging {
        v.push(Box::new(PagingChecker::default()));
    }
    if provisioned {
        v.push(Box::new(ProvisionedChecker::new(flag)));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::pcie::{PageRequest, PrgResponse};

    fn run(c: &mut dyn Checker, txns: &[Txn]) -> Vec<String> {
        let mut out = Vec::new();
        for (cycle, txn) in txns.iter().enumerate() {
            c.observe(&Stamped { cycle: cycle as u64, txn: *txn }, &mut out);
        }
        c.finish(txns.len() as u64, &mut out);
        out.iter().map(|v| v.rule.to_string()).collect()
    }

    fn hp(ev: HostPathEvent) -> Txn {
        Txn::HostPath { ev }
    }
    fn read(records: u32) -> Txn {
        hp(HostPathEvent::FdRead { buf: 1000, bytes: records * RECORD_SIZE as u32, left: 0, batch: false })
    }
    fn rec(cookie: u32, grpid: u16, last: bool) -> Txn {
        hp(HostPathEvent::FdRecord { cookie, rid: 1, grpid, last })
    }
    fn write(cookie: u32, code: u32, accepted: bool) -> Txn {
        hp(HostPathEvent::FdWrite { cookie, code, accepted })
    }

    #[test]
    fn fault_fd_accepts_a_lawful_stream() {
        let txns = [
            read(3),
            rec(0, 4, false),
            rec(0, 4, true),
            rec(1, 5, true),
            write(1, 1, true),
            write(7, 0, false),
            write(0, 2, false),
            write(0, 0, true),
            read(1),
            rec(2, 6, true),
            hp(HostPathEvent::AutoResponse { trigger: AutoTrigger::Detach, rid: 1, groups: 1 }),
            write(2, 0, false),
        ];
        assert_eq!(run(&mut FaultFdChecker::default(), &txns), Vec::<String>::new());
    }

    #[test]
    fn host_12_a_read_that_splits_a_group() {
        assert_eq!(run(&mut FaultFdChecker::default(), &[read(1), rec(0, 4, false)]), ["HOST-12"]);
        assert_eq!(run(&mut FaultFdChecker::default(), &[read(2), rec(0, 4, false), rec(1, 5, true)]), ["HOST-12"]);
        let odd = hp(HostPathEvent::FdRead { buf: 100, bytes: 41, left: 0, batch: false });
        assert_eq!(run(&mut FaultFdChecker::default(), &[odd]), ["HOST-12"]);
    }

    #[test]
    fn host_13_cookies_and_codes() {
        // A cookie handed out twice while unanswered.
        assert_eq!(run(&mut FaultFdChecker::default(), &[read(2), rec(0, 4, true), rec(0, 5, true)]), ["HOST-13"]);
        // A code out of range accepted; an unknown cookie accepted; a valid entry refused.
        assert_eq!(run(&mut FaultFdChecker::default(), &[read(1), rec(0, 4, true), write(0, 2, true)]), ["HOST-13"]);
        assert_eq!(run(&mut FaultFdChecker::default(), &[write(9, 0, true)]), ["HOST-13"]);
        assert_eq!(run(&mut FaultFdChecker::default(), &[read(1), rec(0, 4, true), write(0, 1, false)]), ["HOST-13"]);
    }

    #[test]
    fn host_14_auto_response_must_answer_every_read_group() {
        let short = hp(HostPathEvent::AutoResponse { trigger: AutoTrigger::Close, rid: 0, groups: 1 });
        assert_eq!(run(&mut FaultFdChecker::default(), &[read(2), rec(0, 4, true), rec(1, 5, true), short]), ["HOST-14"]);
        // After it, the auto-answered cookie is unknown: accepting a write for it breaks HOST-13.
        let ok = hp(HostPathEvent::AutoResponse { trigger: AutoTrigger::Replace, rid: 1, groups: 1 });
        assert_eq!(run(&mut FaultFdChecker::default(), &[read(1), rec(0, 4, true), ok, write(0, 0, true)]), ["HOST-13"]);
    }

    fn req(page: u64, prgi: u16, l: bool) -> Txn {
        Txn::PageRequest { msg: PageRequest { rid: 1, pv: true, pasid: 5, r: true, l, prgi, page, ..Default::default() } }
    }
    fn rsp(prgi: u16, code: RespCode) -> Txn {
        Txn::Response { rsp: PrgResponse { rid: 1, pv: true, pasid: 5, prgi, code } }
    }
    fn mapped(page: u64) -> Txn {
        hp(HostPathEvent::PageMapped { rid: 1, pasid: Some(5), page })
    }
    fn unmapped() -> Txn {
        hp(HostPathEvent::PasidUnmapped { rid: 1, pasid: Some(5), pages: 2 })
    }

    #[test]
    fn paging_accepts_a_lawful_stream() {
        let txns = [
            req(0x10, 0, false),
            req(0x11, 0, true),
            mapped(0x10),
            mapped(0x11),
            rsp(0, RespCode::Success),
            req(0x12, 1, true),
            rsp(1, RespCode::InvalidRequest),
            req(0x12, 2, true),
            rsp(2, RespCode::InvalidRequest),
            unmapped(),
            req(0x10, 3, true),
        ];
        assert_eq!(run(&mut PagingChecker::default(), &txns), Vec::<String>::new());
    }

    #[test]
    fn host_5_success_for_an_unmapped_page_or_a_request_after_success() {
        let txns = [req(0x10, 0, false), req(0x11, 0, true), mapped(0x10), rsp(0, RespCode::Success)];
        assert_eq!(run(&mut PagingChecker::default(), &txns), ["HOST-5"]);
        let txns = [req(0x10, 0, true), mapped(0x10), rsp(0, RespCode::Success), req(0x10, 1, true)];
        assert_eq!(run(&mut PagingChecker::default(), &txns), ["HOST-5"]);
    }

    #[test]
    fn host_10_unmap_while_a_group_is_outstanding() {
        let txns = [req(0x10, 0, true), mapped(0x10), unmapped(), rsp(0, RespCode::Success)];
        assert_eq!(run(&mut PagingChecker::default(), &txns), ["HOST-10"]);
    }

    #[test]
    fn host_31_overflow_flag_read() {
        let toggling = OverflowFlag { reg: 0xC8, mask: 1 << 31, toggles: true };
        let read = |data| Txn::RegRead { addr: 0xC8, data };
        assert_eq!(run(&mut ProvisionedChecker::new(toggling), &[read(3), read(5)]), Vec::<String>::new());
        assert_eq!(run(&mut ProvisionedChecker::new(toggling), &[read(3), read(1 << 31 | 3)]), ["HOST-31"]);
        let level = OverflowFlag { reg: 0xC8, mask: 2, toggles: false };
        assert_eq!(run(&mut ProvisionedChecker::new(level), &[read(1), read(3)]), ["HOST-31"]);
    }
}
