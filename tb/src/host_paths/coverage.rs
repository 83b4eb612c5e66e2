//! The `host_paths` covergroup, one definition included by every flavor's coverage model: one
//! event bin per kind of host-path report (`HostPathEvent`), each naming the HOST rules it
//! evidences. A flavor samples it with [`event_bin`] into the point `host_paths.event`.

use super::events::{AutoTrigger, HostPathEvent};
use crate::coverage::spec::{event, group, point, GroupSpec};
use crate::txn::Txn;
use models::host::GenericCode;
use models::rules::*;

/// The group; the order of its bins is the order of [`event_bin`].
pub const GROUP: GroupSpec = group("host_paths").items(&[point("event").bins(&[
    event("read_left_queued", &[HOST_12]),
    event("read_batch", &[HOST_12]),
    event("write_accepted", &[HOST_13, HOST_6]),
    event("write_bad_code", &[HOST_13]),
    event("write_unknown_cookie", &[HOST_13]),
    event("auto_detach", &[HOST_14]),
    event("auto_replace", &[HOST_14]),
    event("auto_close", &[HOST_14]),
    event("answered_success", &[HOST_5]),
    event("answered_invalid", &[HOST_5]),
    event("answered_reordered", &[HOST_7]),
    event("page_mapped", &[HOST_5]),
    event("pasid_unmapped", &[HOST_10]),
    event("over_quota", &[HOST_32]),
    event("provisioned", &[HOST_29]),
    event("quiescent", &[HOST_11]),
])]);

/// The bin of `host_paths.event` a transaction hits, if any (no allocation).
pub fn event_bin(t: &Txn) -> Option<usize> {
    let Txn::HostPath { ev } = *t else { return None };
    Some(match ev {
        HostPathEvent::FdRead { left, batch, .. } => match (batch, left > 0) {
            (true, _) => 1,
            (false, true) => 0,
            (false, false) => return None,
        },
        HostPathEvent::FdRecord { .. } => return None,
        HostPathEvent::FdWrite { accepted: true, .. } => 2,
        HostPathEvent::FdWrite { code, .. } if code > 1 => 3,
        HostPathEvent::FdWrite { .. } => 4,
        HostPathEvent::AutoResponse { trigger: AutoTrigger::Detach, .. } => 5,
        HostPathEvent::AutoResponse { trigger: AutoTrigger::Replace, .. } => 6,
        HostPathEvent::AutoResponse { trigger: AutoTrigger::Close, .. } => 7,
        HostPathEvent::Answered { reordered: true, .. } => 10,
        HostPathEvent::Answered { code: GenericCode::Success, .. } => 8,
        HostPathEvent::Answered { .. } => 9,
        HostPathEvent::PageMapped { .. } => 11,
        HostPathEvent::PasidUnmapped { .. } => 12,
        HostPathEvent::OverQuota { .. } => 13,
        HostPathEvent::Provisioned { .. } => 14,
        HostPathEvent::Quiescent { .. } => 15,
    })
}
