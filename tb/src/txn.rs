//! Transactions seen at the DUT's interfaces, stamped with the cycle (rising-edge count) of their
//! handshake. Monitors produce them; checkers, coverage and the JSON-lines trace consume them.
//! The trace schema is documented in `docs/trace.md`.

use models::pcie::{PageRequest, PrgResponse};
use serde::{Deserialize, Serialize};

/// Which interrupt output pulsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IrqLine {
    Priq,
    Gerror,
}

/// One transaction. Multi-word payloads are little-endian 64-bit words; `bytes` says how many
/// bytes of `data` are meaningful (16 for an SMMUv3 PRIQ entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Txn {
    /// A page request or Stop Marker accepted at the PCIe ingress.
    PageRequest { msg: PageRequest },
    /// A queue-memory write request accepted by memory.
    MemWrite { addr: u64, bytes: u8, data: [u64; 4] },
    /// The acknowledgement of the oldest unacknowledged memory write.
    MemAck { err: bool },
    /// A register write (byte offset from the block's base).
    RegWrite { addr: u32, data: u64 },
    /// A completed register read.
    RegRead { addr: u32, data: u64 },
    /// A software command (SMMUv3: 2 words) taken at the command port.
    Command { words: [u64; 4], n: u8 },
    /// A PRG response sent at the PCIe egress.
    Response { rsp: PrgResponse },
    /// An interrupt pulse.
    Irq { line: IrqLine },
    /// CMD_SYNC completion pulse.
    SyncDone,
}

/// A transaction with the cycle of its handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped {
    pub cycle: u64,
    #[serde(flatten)]
    pub txn: Txn,
}
