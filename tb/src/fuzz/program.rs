//! A fuzz case's action program: an ordered list of device, host and environment actions that a
//! flavor's registered fuzz test (`Surface::test`) interprets on the shared bench. It travels in
//! `Scenario::program`, so a case is an ordinary scenario that `iommu-tb run --scenario` replays.

use crate::reset::ResetMode;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The program of one fuzz case and the reset state it was found under.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Program {
    /// Initial values of RTL flops no reset assigns; `run --scenario` uses it unless the command
    /// line gives `--reset-values`, so the replay is bit-exact.
    pub reset: ResetMode,
    pub actions: Vec<Action>,
    /// The port-mapped DUT the case was found on (none: the embedded RTL): `run --scenario`
    /// replays it there, and refuses a port map that changed since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dut: Option<FoundOn>,
}

/// A port-mapped DUT as a fuzz case records it: the map, the DUT's sources and the map's digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FoundOn {
    pub port_map: PathBuf,
    pub rtl: PathBuf,
    /// SHA-256 of the port-map file (`BoundDut::map_sha256`).
    pub map_sha256: String,
}

/// One step. Generated programs obey the device rules (whole groups, fresh PRG indexes, Stop
/// Markers only for PASIDs); the host and environment actions are where the awkward moments are.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Device: function `func` sends a page request group of `len` requests, the last with L=1
    /// (PRI-3); its PRG index is the function's next (the interpreter counts them).
    Group { func: u8, pasid: Option<u32>, len: u8, r: bool, w: bool, page: u64 },
    /// Device: a group's requests without its last (left open, PRI-10 overflow fodder).
    Partial { func: u8, pasid: Option<u32>, len: u8 },
    /// Device: a Stop Marker of `pasid` (PRI-2; never answered, PRI-17): the function is
    /// asked to stop `pasid` with variant B, marker and stop-complete together (PRI-26).
    StopMarker { func: u8, pasid: u32 },
    /// Device: the function is asked to stop using the `pick`-th PASID it used (PRI-24), with
    /// `variant` 0: A (waits for the responses, PRI-25), 1..=3: B with the Stop Marker before,
    /// after or together with stop-complete (PRI-26). It is re-bound once the stop completed
    /// and its old PRGs were answered (PRI-30).
    StopPasid { func: u8, pick: u8, variant: u8 },
    /// Host: a software response to the function's `back`-th latest unanswered group whose
    /// last request is in the queue, with response code `code` (raw: reserved codes included;
    /// Response Failure stops the function, PRI-19). With no such group nothing is sent: a
    /// response to a group that never was is the host's error (PRI-16), not the IOMMU's.
    Respond { func: u8, back: u8, code: u8 },
    /// Host: read the producer index and consume up to `entries` entries; `ack` also
    /// acknowledges an overflow (SMMUv3 OVACKFLG, VT-d PRS.PRO).
    Consume { entries: u8, ack: bool },
    /// Host: program and enable the queue again at `log2size` (mid-traffic).
    Enable { log2size: u32 },
    /// Host: disable the queue (SMMUv3: keep SMMUEN when `keep_outer`; VT-d: clear the PRE
    /// entry of function 0 when `keep_outer` is false).
    Disable { keep_outer: bool },
    /// Host: write `value` to the flavor's fuzz register `reg` (an index into
    /// `Surface::registers`, negative space included).
    RegWrite { reg: u8, value: u64 },
    /// Host: read the flavor's fuzz register `reg`.
    RegRead { reg: u8 },
    /// Host: a raw command (SMMUv3) or descriptor (VT-d), legal, reserved or illegal; the host
    /// acknowledges any error it raises, as a driver does.
    Command { words: [u64; 2] },
    /// Host: from now on the flavor's Linux-like queue thread consumes and answers (late when
    /// it comes late; slow or fast by `poll_cycles`).
    Host { poll_cycles: u16 },
    /// Environment: the queue memory stops accepting writes for `cycles`.
    MemStall { cycles: u16 },
    /// Environment: the next `acks` memory acknowledgements report an error (OP-5).
    MemError { acks: u8 },
    /// Environment: the PCIe egress is not ready for `cycles`.
    EgressStall { cycles: u16 },
    /// Let `cycles` pass.
    Wait { cycles: u16 },
}

impl Action {
    /// PCIe messages the action puts on the link.
    pub fn messages(&self) -> usize {
        match self {
            Action::Group { len, .. } | Action::Partial { len, .. } => *len as usize,
            Action::StopMarker { .. } => 1,
            Action::StopPasid { variant, .. } => usize::from(*variant > 0),
            _ => 0,
        }
    }
    /// The action's kind, for steering weights and reports.
    pub fn kind(&self) -> Kind {
        match self {
            Action::Group { .. } => Kind::Group,
            Action::Partial { .. } => Kind::Partial,
            Action::StopMarker { .. } => Kind::StopMarker,
            Action::StopPasid { .. } => Kind::StopPasid,
            Action::Respond { .. } => Kind::Respond,
            Action::Consume { .. } => Kind::Consume,
            Action::Enable { .. } => Kind::Enable,
            Action::Disable { .. } => Kind::Disable,
            Action::RegWrite { .. } => Kind::RegWrite,
            Action::RegRead { .. } => Kind::RegRead,
            Action::Command { .. } => Kind::Command,
            Action::Host { .. } => Kind::Host,
            Action::MemStall { .. } => Kind::MemStall,
            Action::MemError { .. } => Kind::MemError,
            Action::EgressStall { .. } => Kind::EgressStall,
            Action::Wait { .. } => Kind::Wait,
        }
    }
}

/// Action kinds, the unit of steering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Group,
    Partial,
    StopMarker,
    StopPasid,
    Respond,
    Consume,
    Enable,
    Disable,
    RegWrite,
    RegRead,
    Command,
    Host,
    MemStall,
    MemError,
    EgressStall,
    Wait,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::Group,
        Kind::Partial,
        Kind::StopMarker,
        Kind::StopPasid,
        Kind::Respond,
        Kind::Consume,
        Kind::Enable,
        Kind::Disable,
        Kind::RegWrite,
        Kind::RegRead,
        Kind::Command,
        Kind::Host,
        Kind::MemStall,
        Kind::MemError,
        Kind::EgressStall,
        Kind::Wait,
    ];
    pub fn index(self) -> usize {
        Kind::ALL.iter().position(|&k| k == self).expect("every kind is listed")
    }
}

impl Program {
    /// A short program of every action family: the registered fuzz tests' own scenario and the
    /// smallest thing to read when writing a case by hand.
    pub fn example() -> Program {
        let group = |func| Action::Group { func, pasid: Some(5), len: 2, r: true, w: func == 1, page: 0x1234 };
        let actions = vec![
            group(0),
            group(1),
            Action::StopMarker { func: 0, pasid: 5 },
            Action::Wait { cycles: 50 },
            Action::Consume { entries: 2, ack: true },
            Action::Respond { func: 0, back: 0, code: 0 },
            Action::EgressStall { cycles: 20 },
            Action::Respond { func: 1, back: 0, code: 1 },
        ];
        Program { reset: ResetMode::Random, actions, dut: None }
    }
    /// PCIe messages of the whole program (the size a shrunk case is measured by).
    pub fn messages(&self) -> usize {
        self.actions.iter().map(Action::messages).sum()
    }
}
