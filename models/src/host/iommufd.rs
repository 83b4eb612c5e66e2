//! iommufd fault FD (host-sw.md §3, HOST-12..HOST-14, HOST-32): groups delivered by the fault core
//! are read by a user process as whole groups and answered by `{cookie, code}` writes.
//!
//! Cookies are assigned when a group is read (a group still queued has none, so a write cannot name
//! it); they are unique among read, unanswered groups (HOST-13).

use super::quota::UserQueueBound;
use super::record::{FaultRecord, Group};
use super::response::GenericCode;
use super::HostEvent;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// Size in bytes of one `struct iommu_hwpt_pgfault` record: flags, dev_id, pasid, grpid, perm,
/// a reserved word, addr (u64), length, cookie.
pub const RECORD_SIZE: usize = 40;
/// Size in bytes of one `{cookie, code}` response entry.
pub const RESPONSE_SIZE: usize = 8;
/// Record flag: the PASID field is valid.
pub const FLAG_PASID_VALID: u32 = 1 << 0;
/// Record flag: last page of its group.
pub const FLAG_LAST_PAGE: u32 = 1 << 1;
/// errno returned for a bad write entry.
pub const EINVAL: i32 = 22;

/// One record returned by `read()` (HOST-12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PgFaultRecord {
    pub flags: u32,
    /// The model uses the RID as device id.
    pub dev_id: u32,
    pub pasid: u32,
    pub grpid: u32,
    /// R=1, W=2, EXEC=4, PRIV=8.
    pub perm: u32,
    pub addr: u64,
    /// PCIe page requests carry no length; the model reports 0.
    pub length: u32,
    pub cookie: u32,
}

impl PgFaultRecord {
    fn new(r: &FaultRecord, cookie: u32) -> Self {
        PgFaultRecord {
            flags: if r.pasid.is_some() { FLAG_PASID_VALID } else { 0 } | if r.last { FLAG_LAST_PAGE } else { 0 },
            dev_id: r.rid as u32,
            pasid: r.pasid.unwrap_or(0),
            grpid: r.grpid as u32,
            perm: r.perm.bits(),
            addr: r.addr,
            length: 0,
            cookie,
        }
    }

    pub fn last(&self) -> bool {
        self.flags & FLAG_LAST_PAGE != 0
    }
}

/// Result of a `read()`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FdRead {
    /// Whole groups, each with its last record last, all records of a group with one cookie.
    pub records: Vec<PgFaultRecord>,
}

impl FdRead {
    /// Bytes returned: always a multiple of [`RECORD_SIZE`].
    pub fn bytes(&self) -> usize {
        self.records.len() * RECORD_SIZE
    }
}

/// One entry of a `write()` (`struct iommu_hwpt_page_response`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageResponseEntry {
    pub cookie: u32,
    pub code: u32,
}

/// Why a write entry failed (HOST-13).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FdWriteError {
    /// Code other than SUCCESS (0) or INVALID (1): -EINVAL.
    BadCode { index: usize, code: u32 },
    /// No read, unanswered group has this cookie: -EINVAL.
    UnknownCookie { index: usize, cookie: u32 },
}

impl FdWriteError {
    pub fn errno(&self) -> i32 {
        -EINVAL
    }
    pub fn index(&self) -> usize {
        match *self {
            FdWriteError::BadCode { index, .. } | FdWriteError::UnknownCookie { index, .. } => index,
        }
    }
}

/// Result of a `write()` (HOST-13): entries are processed in order; the first bad entry fails with
/// -EINVAL, sends nothing, and ends the write; the entries before it stay done.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FdWrite {
    /// Entries processed successfully.
    pub done: usize,
    pub error: Option<FdWriteError>,
    /// The groups answered, in entry order, with their codes (the core turns them into responses).
    pub answered: Vec<(Group, GenericCode)>,
}

impl FdWrite {
    /// The syscall return value: bytes consumed, or -EINVAL when the first entry failed.
    pub fn ret(&self) -> isize {
        match (self.done, self.error) {
            (0, Some(e)) => e.errno() as isize,
            (n, _) => (n * RESPONSE_SIZE) as isize,
        }
    }
}

/// The fault object and its FD.
#[derive(Clone, Debug, Default)]
pub struct FaultFd {
    /// Delivered, not yet read; arrival order.
    queued: VecDeque<Group>,
    /// Read and not answered, by cookie.
    read: BTreeMap<u32, Group>,
    next_cookie: u32,
    bound: UserQueueBound,
    /// Planted bug `CookieReuse` (tests only): every group read gets cookie 0.
    cookie_reuse: bool,
}

impl FaultFd {
    pub fn new() -> Self {
        FaultFd::default()
    }

    /// HOST-32: size the kernel-to-user queue of `rid` to its Allocation (in groups).
    pub fn set_bound(&mut self, rid: u16, allocation: u32) {
        self.bound.set(rid, allocation);
    }

    /// Groups of `rid` queued or read and not answered.
    pub fn outstanding(&self, rid: u16) -> u32 {
        (self.queued.iter().filter(|g| g.rid == rid).count() + self.read.values().filter(|g| g.rid == rid).count()) as u32
    }

    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    /// Cookies of read, unanswered groups.
    pub fn cookies(&self) -> impl Iterator<Item = u32> + '_ {
        self.read.keys().copied()
    }

    /// A new group from the fault core; a HOST-32 event if the function's queue bound is exceeded.
    pub fn deliver(&mut self, group: Group) -> Option<HostEvent> {
        let rid = group.rid;
        self.queued.push_back(group);
        self.bound.check(rid, self.outstanding(rid))
    }

    /// Planted bug (`PlantedHostBug::CookieReuse`): cookies are no longer unique (HOST-13).
    pub fn plant_cookie_reuse(&mut self) {
        self.cookie_reuse = true;
    }

    fn alloc_cookie(&mut self) -> u32 {
        if self.cookie_reuse {
            return 0;
        }
        loop {
            let c = self.next_cookie;
            self.next_cookie = self.next_cookie.wrapping_add(1);
            if !self.read.contains_key(&c) {
                return c;
            }
        }
    }

    /// HOST-12: read with a `buf_len`-byte buffer: whole groups in delivery order while they fit; a
    /// group that does not fit the remaining space stays queued (and so do the ones behind it).
    pub fn read(&mut self, buf_len: usize) -> FdRead {
        let mut out = FdRead::default();
        let mut room = buf_len / RECORD_SIZE;
        while let Some(g) = self.queued.front() {
            if g.records.len() > room {
                break;
            }
            let g = self.queued.pop_front().expect("front exists");
            room -= g.records.len();
            let cookie = self.alloc_cookie();
            out.records.extend(g.records.iter().map(|r| PgFaultRecord::new(r, cookie)));
            self.read.insert(cookie, g);
        }
        out
    }

    /// HOST-13: process `{cookie, code}` entries in order.
    pub fn write(&mut self, entries: &[PageResponseEntry]) -> FdWrite {
        let mut w = FdWrite::default();
        for (index, e) in entries.iter().enumerate() {
            let Some(code) = GenericCode::from_user(e.code) else {
                w.error = Some(FdWriteError::BadCode { index, code: e.code });
                break;
            };
            let Some(g) = self.read.remove(&e.cookie) else {
                w.error = Some(FdWriteError::UnknownCookie { index, cookie: e.cookie });
                break;
            };
            w.answered.push((g, code));
            w.done += 1;
        }
        w
    }

    /// HOST-14: take every group queued or read but not answered (of `rid`, or all for `None`),
    /// in delivery order, for the core to answer INVALID.
    pub fn auto_respond(&mut self, rid: Option<u16>) -> Vec<Group> {
        let hit = |g: &Group| rid.is_none_or(|r| g.rid == r);
        let mut out: Vec<Group> = Vec::new();
        let read = std::mem::take(&mut self.read);
        for (c, g) in read {
            if hit(&g) {
                out.push(g);
            } else {
                self.read.insert(c, g);
            }
        }
        let queued = std::mem::take(&mut self.queued);
        for g in queued {
            if hit(&g) {
                out.push(g);
            } else {
                self.queued.push_back(g);
            }
        }
        out.sort_by_key(|g| g.id);
        out
    }
}
