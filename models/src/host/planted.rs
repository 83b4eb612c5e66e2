//! Host-model bugs a test injects on purpose (`HostPolicy::planted`), one per host-path checker,
//! to prove the checker fails naming its rule (`tests/host_bug_injection.rs`). No regression
//! scenario sets one; each is a single branch taken off the per-cycle path.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlantedHostBug {
    /// The fault FD hands out cookie 0 for every group read, so two unanswered groups share a
    /// cookie (HOST-13).
    CookieReuse,
    /// The paging handler answers a page outside every DMA range SUCCESS without mapping it
    /// (HOST-5).
    SuccessWithoutMap,
    /// The paging handler unmaps a PASID's pages as soon as the function is asked to stop it,
    /// before its outstanding groups are answered (HOST-10).
    UnmapBeforeAnswered,
    /// The host programs Allocations without the HOST-29 sum check: each function gets the whole
    /// queue, so their sum exceeds it (HOST-31).
    OverProvisioned,
}
