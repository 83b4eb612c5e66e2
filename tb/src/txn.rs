//! Transactions seen at the DUT's interfaces, stamped with the cycle (rising-edge count) of their
//! handshake. Monitors produce them; checkers, coverage and the JSON-lines trace consume them.
//! The trace schema is documented in `docs/trace.md`.

use models::pcie::{PageRequest, PrgResponse};
use models::smmuv3::event::EventInput;
use serde::{Deserialize, Serialize};

/// Which interrupt output pulsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IrqLine {
    Priq,
    Gerror,
    /// SMMUv3 `irq_evtq` (SMMU-EVTQ-9).
    Evtq,
}

/// How a function stops using a PASID (pcie-pri.md §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopVariant {
    /// Variant A: wait for every outstanding PRG of the PASID to be answered; no Stop Marker.
    A,
    /// Variant B: outstanding PRGs of the PASID become stale; exactly one Stop Marker.
    B,
}

/// One transaction. Multi-word payloads are little-endian 64-bit words; `bytes` says how many
/// bytes of `data` are meaningful (16 for an SMMUv3 PRIQ entry, 32 for a VT-d `page_req_dsc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Txn {
    /// A page request or Stop Marker accepted at the PCIe ingress.
    PageRequest { msg: PageRequest },
    /// A queue-entry write accepted by memory (SMMUv3 PRIQ entry, VT-d `page_req_dsc`).
    MemWrite { addr: u64, bytes: u8, data: [u64; 4] },
    /// VT-d: an `inv_wait_dsc` status write (4 bytes, VTD-IQ-8) accepted by memory.
    StatusWrite { addr: u64, data: u32 },
    /// VT-d: an interrupt message (4-byte memory write, OP-7) accepted by memory.
    Msi { addr: u64, data: u32 },
    /// The acknowledgement of the oldest unacknowledged memory write (of any kind).
    MemAck { err: bool },
    /// A register write (byte offset from the block's base).
    RegWrite { addr: u32, data: u64 },
    /// A completed register read.
    RegRead { addr: u32, data: u64 },
    /// A software command taken at the command port: SMMUv3 command (2 words), VT-d
    /// invalidation-queue descriptor (4 words).
    Command { words: [u64; 4], n: u8 },
    /// A PRG response sent at the PCIe egress.
    Response { rsp: PrgResponse },
    /// An interrupt pulse.
    Irq { line: IrqLine },
    /// CMD_SYNC completion pulse.
    SyncDone,
    /// SMMUv3: a record accepted at the event input (masked to the port widths).
    EventAccepted { rec: EventInput },
    /// SMMUv3: an event-record write (32 bytes, `emw_*`) accepted by memory.
    EventWrite { addr: u64, data: [u64; 4] },
    /// SMMUv3: the acknowledgement of the oldest unacknowledged event-record write.
    EventAck { err: bool },
    /// SMMUv3: a stall resolution taken on `sr_*` (`action`: 0 retry, 1 abort, 2 RAZ/WI).
    StallResolution { sid: u32, stag: u16, action: u8 },
    // ---- Device- and host-side events reported by the harness (not DUT ports). They order the
    // PCIe function's and the host's actions against the interface transactions, for the PRI
    // checkers (`tb::checkers::pri`). `sent` counts are cumulative over the whole run.
    /// The host asked function `rid` to stop using `pasid` (PRI-24). `sent`: messages with
    /// PV=1 and this PASID (Stop Markers included) the function had sent when it took the request.
    StopRequested { rid: u16, pasid: u32, variant: StopVariant, sent: u64 },
    /// Function `rid` signalled stop-complete for `pasid` (PRI-25, PRI-26, PRI-29). `sent`: as
    /// for `stop_requested`, counted when it signalled.
    StopComplete { rid: u16, pasid: u32, sent: u64 },
    /// The host bound `pasid` to function `rid`: from now on the function may use it (a new
    /// incarnation if it was used before, PRI-30).
    PasidBound { rid: u16, pasid: u32 },
    /// The host released `pasid` after the HOST-27 sequence (for every function it was bound to).
    PasidFreed { pasid: u32 },
    /// The host finished draining the hardware queue of (`rid`, `pasid`) (HOST-27 step 2).
    QueueDrained { rid: u16, pasid: u32 },
    /// A PRI Control write with Reset=1 that left Enable=0 took effect at function `rid` (PRI-21).
    PriReset { rid: u16 },
    /// PRI Enable 0→1 at function `rid`, latching `allocation` (PRI-21).
    PriEnable { rid: u16, allocation: u32 },
    /// A host fault-consumer event (iommufd fault FD, paging handler, quotas; `crate::host_paths`).
    HostPath { ev: crate::host_paths::events::HostPathEvent },
}

/// A transaction with the cycle of its handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    pub cycle: u64,
    #[serde(flatten)]
    pub txn: Txn,
}
