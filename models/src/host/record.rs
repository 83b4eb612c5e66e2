//! The vocabulary every layer of the host model shares (host-sw.md §2): the fault record the
//! driver makes of a queue entry (HOST-1) and the group io-pgfault builds of records (HOST-3).

use crate::pcie::PageRequest;
use serde::{Deserialize, Serialize};

/// Permissions of a fault record (perm R=1/W=2/EXEC=4/PRIV=8 in the iommufd record).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Perm {
    pub r: bool,
    pub w: bool,
    pub exe: bool,
    #[serde(rename = "priv")]
    pub priv_: bool,
}

impl Perm {
    /// iommufd `perm` bits: R=1, W=2, EXEC=4, PRIV=8.
    pub fn bits(self) -> u32 {
        self.r as u32 | (self.w as u32) << 1 | (self.exe as u32) << 2 | (self.priv_ as u32) << 3
    }
}

/// A fault record (HOST-1): what the driver hands to the core for one queue entry it keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FaultRecord {
    pub rid: u16,
    /// `Some(p)` iff the request carried a PASID.
    pub pasid: Option<u32>,
    /// PRG index.
    pub grpid: u16,
    pub last: bool,
    pub perm: Perm,
    /// Page address (bits 11:0 zero).
    pub addr: u64,
}

impl FaultRecord {
    /// HOST-1: the record of a page request (SMMUv3 PRIQ entry or VT-d descriptor decoded to it).
    pub fn from_request(m: &PageRequest) -> FaultRecord {
        FaultRecord {
            rid: m.rid,
            pasid: m.pv.then_some(m.pasid),
            grpid: m.prgi,
            last: m.l,
            perm: Perm { r: m.r, w: m.w, exe: m.pv && m.exe, priv_: m.pv && m.priv_ },
            addr: m.page << 12,
        }
    }

    /// PRI-6: a page with PASID, Exe=1 and R=0 is never answered Success.
    pub fn exe_without_read(&self) -> bool {
        self.pasid.is_some() && self.perm.exe && !self.perm.r
    }
}

/// Identity of a group (one pending last record), unique for the lifetime of a `FaultCore`, in
/// arrival order of last records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupId(pub u64);

/// A group (HOST-3): the partials of the device with the same grpid, in arrival order, then the
/// last record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: GroupId,
    pub rid: u16,
    pub records: Vec<FaultRecord>,
}

impl Group {
    pub fn last(&self) -> &FaultRecord {
        self.records.last().expect("a group always has its last record")
    }
    pub fn grpid(&self) -> u16 {
        self.last().grpid
    }
    /// HOST-4: does the group mix PASID presence or values?
    pub fn mixes_pasids(&self) -> bool {
        let p = self.last().pasid;
        self.records.iter().any(|r| r.pasid != p)
    }
}
