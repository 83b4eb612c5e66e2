//! What the host's fault consumers report to the observers (`Txn::HostPath`), in the order they
//! act: reads and writes of the iommufd fault FD (HOST-12..HOST-14), the paging handler's map and
//! unmap (HOST-5, HOST-10), quota and provisioning decisions (HOST-29..HOST-32). The host-path
//! checkers and the coverage bins judge and count them; docs/trace.md documents the schema.

use models::host::GenericCode;
use serde::{Deserialize, Serialize};

/// Which HOST-14 trigger auto-answered the pending groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoTrigger {
    /// The device was detached from its fault-capable domain.
    Detach,
    /// The device's domain was replaced by another one on the same fault object.
    Replace,
    /// The fault object (its FD) was closed; a new one is opened.
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum HostPathEvent {
    /// A `read()` of the fault FD returned `bytes` of a `buf`-byte buffer; `left` groups stayed
    /// queued; `batch`: one of several pre-posted reads (the io_uring case). Its records follow.
    FdRead { buf: u32, bytes: u32, left: u32, batch: bool },
    /// One record of the read just reported, in buffer order.
    FdRecord { cookie: u32, rid: u16, grpid: u16, last: bool },
    /// One processed entry of a `write()`: accepted, or failed with -EINVAL (which ends the write).
    FdWrite { cookie: u32, code: u32, accepted: bool },
    /// HOST-14: `groups` groups queued or read but unanswered were answered INVALID; `rid` is
    /// the device detached or replaced (any for `Close`).
    AutoResponse { trigger: AutoTrigger, rid: u16, groups: u32 },
    /// The consumer answered a group it read, `reordered` when an older read group was still
    /// unanswered (HOST-7).
    Answered { rid: u16, grpid: u16, code: GenericCode, reordered: bool },
    /// The paging handler mapped `page` of (`rid`, `pasid`) (before answering its group).
    PageMapped { rid: u16, pasid: Option<u32>, page: u64 },
    /// The paging handler unmapped every page of (`rid`, `pasid`) on its release.
    PasidUnmapped { rid: u16, pasid: Option<u32>, pages: u32 },
    /// The kernel answered a group of `rid` INVALID at once: the device was at its fault quota.
    OverQuota { rid: u16 },
    /// HOST-29: the host enabled PRI with Allocations needing `needed` entries of `capacity`.
    Provisioned { needed: u32, capacity: u32 },
    /// HOST-11: at quiescence all `groups` reported groups were answered exactly once.
    Quiescent { groups: u32 },
}
