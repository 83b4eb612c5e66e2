//! SMMUv3 commands, 16 bytes as two 64-bit words (smmuv3.md §7; SMMU-CMD-1..10, DEC-4, OP-6).
//! Encoding and decoding only; what a command does is in `arch.rs`.

use super::evtq_arch::StallAction;
use crate::pcie::RespCode;
use bitvec::prelude::*;

pub const OP_PRI_RESP: u8 = 0x41;
pub const OP_RESUME: u8 = 0x44;
pub const OP_STALL_TERM: u8 = 0x45;
pub const OP_SYNC: u8 = 0x46;

/// Opcodes defined by the architecture but without effect in our RTL (OP-6 as recorded in
/// rtl/README.md): CFGI_*, TLBI_*, ATC_INV, PREFETCH_*.
pub const NOOP_OPCODES: &[u8] = &[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x11, 0x12, 0x20, 0x21, 0x22, 0x28, 0x2A, 0x30, 0x40];

/// True for an OP-6 no-op opcode of our RTL.
pub fn is_noop_opcode(op: u8) -> bool {
    matches!(op, 0x01..=0x06 | 0x10..=0x12 | 0x20..=0x22 | 0x28 | 0x2A | 0x30 | 0x40)
}

/// CMD_PRI_RESP Resp field to response code (SMMU-CMD-3): 0b00 -> Response Failure (0xF),
/// 0b01 -> Invalid Request (0x1), 0b10 -> Success (0x0); 0b11 is ILLEGAL (DEC-4, SMMU-CMD-4).
pub fn pri_resp_code(resp: u8) -> Option<RespCode> {
    match resp {
        0b00 => Some(RespCode::ResponseFailure),
        0b01 => Some(RespCode::InvalidRequest),
        0b10 => Some(RespCode::Success),
        _ => None,
    }
}

/// Inverse of `pri_resp_code` (host side, HOST-15).
pub fn pri_resp_field(code: RespCode) -> Option<u8> {
    match code {
        RespCode::ResponseFailure => Some(0b00),
        RespCode::InvalidRequest => Some(0b01),
        RespCode::Success => Some(0b10),
        RespCode::Reserved(_) => None,
    }
}

/// A decoded command. Fields are raw (no legality check); RES0 bits are dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// 0x41. `resp` is the raw 2-bit Resp field.
    PriResp { stream_id: u32, ssv: bool, substream_id: u32, prg_index: u16, resp: u8 },
    /// 0x44.
    Resume { stream_id: u32, stag: u16, ac: bool, ab: bool },
    /// 0x45.
    StallTerm { stream_id: u32 },
    /// 0x46. `msi_addr` is bits [55:2] of the address, unshifted.
    Sync { cs: u8, msh: u8, msi_attr: u8, msi_data: u32, msi_addr: u64 },
    /// Any other opcode, kept raw.
    Other { dw0: u64, dw1: u64 },
}

type Bits = BitArray<[u64; 2], Lsb0>;

/// Absolute bit ranges (dw1 starts at 64), as in the §7 table.
mod field {
    use core::ops::RangeInclusive;
    pub const OPCODE: RangeInclusive<usize> = 0..=7;
    pub const SSV: usize = 11;
    pub const SUBSTREAM_ID: RangeInclusive<usize> = 12..=31;
    pub const STREAM_ID: RangeInclusive<usize> = 32..=63;
    pub const PRG_INDEX: RangeInclusive<usize> = 64..=72;
    pub const RESP: RangeInclusive<usize> = 76..=77;
    pub const RESUME_AC: usize = 12;
    pub const RESUME_AB: usize = 13;
    pub const STAG: RangeInclusive<usize> = 64..=79;
    pub const SYNC_CS: RangeInclusive<usize> = 12..=13;
    pub const SYNC_MSH: RangeInclusive<usize> = 22..=23;
    pub const SYNC_MSI_ATTR: RangeInclusive<usize> = 24..=27;
    pub const SYNC_MSI_DATA: RangeInclusive<usize> = 32..=63;
    pub const SYNC_MSI_ADDR: RangeInclusive<usize> = 66..=119;
}

impl Command {
    pub fn opcode(&self) -> u8 {
        match self {
            Command::PriResp { .. } => OP_PRI_RESP,
            Command::Resume { .. } => OP_RESUME,
            Command::StallTerm { .. } => OP_STALL_TERM,
            Command::Sync { .. } => OP_SYNC,
            Command::Other { dw0, .. } => *dw0 as u8,
        }
    }

    pub fn decode(dw0: u64, dw1: u64) -> Command {
        let b = Bits::new([dw0, dw1]);
        match b[field::OPCODE].load_le::<u8>() {
            OP_PRI_RESP => Command::PriResp {
                stream_id: b[field::STREAM_ID].load_le(),
                ssv: b[field::SSV],
                substream_id: b[field::SUBSTREAM_ID].load_le(),
                prg_index: b[field::PRG_INDEX].load_le(),
                resp: b[field::RESP].load_le(),
            },
            OP_RESUME => Command::Resume {
                stream_id: b[field::STREAM_ID].load_le(),
                stag: b[field::STAG].load_le(),
                ac: b[field::RESUME_AC],
                ab: b[field::RESUME_AB],
            },
            OP_STALL_TERM => Command::StallTerm { stream_id: b[field::STREAM_ID].load_le() },
            OP_SYNC => Command::Sync {
                cs: b[field::SYNC_CS].load_le(),
                msh: b[field::SYNC_MSH].load_le(),
                msi_attr: b[field::SYNC_MSI_ATTR].load_le(),
                msi_data: b[field::SYNC_MSI_DATA].load_le(),
                msi_addr: b[field::SYNC_MSI_ADDR].load_le(),
            },
            _ => Command::Other { dw0, dw1 },
        }
    }

    /// Words [dw0, dw1] with RES0 bits 0; fields are truncated to their width.
    pub fn encode(&self) -> [u64; 2] {
        let mut b = Bits::ZERO;
        b[field::OPCODE].store_le(self.opcode());
        match *self {
            Command::PriResp { stream_id, ssv, substream_id, prg_index, resp } => {
                b[field::STREAM_ID].store_le(stream_id);
                b.set(field::SSV, ssv);
                b[field::SUBSTREAM_ID].store_le(substream_id);
                b[field::PRG_INDEX].store_le(prg_index);
                b[field::RESP].store_le(resp);
            }
            Command::Resume { stream_id, stag, ac, ab } => {
                b[field::STREAM_ID].store_le(stream_id);
                b[field::STAG].store_le(stag);
                b.set(field::RESUME_AC, ac);
                b.set(field::RESUME_AB, ab);
            }
            Command::StallTerm { stream_id } => b[field::STREAM_ID].store_le(stream_id),
            Command::Sync { cs, msh, msi_attr, msi_data, msi_addr } => {
                b[field::SYNC_CS].store_le(cs);
                b[field::SYNC_MSH].store_le(msh);
                b[field::SYNC_MSI_ATTR].store_le(msi_attr);
                b[field::SYNC_MSI_DATA].store_le(msi_data);
                b[field::SYNC_MSI_ADDR].store_le(msi_addr);
            }
            Command::Other { dw0, dw1 } => return [dw0, dw1],
        }
        b.into_inner()
    }

    /// Bits each supported opcode defines (opcode included); everything else is RES0 (OP-6:
    /// our RTL ignores RES0 bits).
    pub fn defined_mask(opcode: u8) -> [u64; 2] {
        match opcode {
            // opcode [7:0], SSV [11], SubstreamID [31:12], StreamID [63:32] | PRGIndex [8:0], Resp [13:12]
            OP_PRI_RESP => [0xFFFF_FFFF_FFFF_F8FF, 0x31FF],
            // opcode, Ac/Ab [13:12], StreamID | STAG [15:0]
            OP_RESUME => [0xFFFF_FFFF_0000_30FF, 0xFFFF],
            // opcode, StreamID
            OP_STALL_TERM => [0xFFFF_FFFF_0000_00FF, 0],
            // opcode, CS [13:12], MSH [23:22], MSIAttr [27:24], MSIData [63:32] | MSIAddress [55:2]
            OP_SYNC => [0xFFFF_FFFF_0FC0_30FF, 0x00FF_FFFF_FFFF_FFFC],
            _ => [u64::MAX, u64::MAX],
        }
    }

    /// A CMD_RESUME resolving (StreamID, STAG) with `action` (SMMU-CMD-7; Linux writes Ac/Ab
    /// as [13:12] = TERM 0, RETRY 1, ABORT 2).
    pub fn resume(stream_id: u32, stag: u16, action: StallAction) -> Command {
        let (ac, ab) = match action {
            StallAction::Retry => (true, false),
            StallAction::Abort => (false, true),
            StallAction::RazWi => (false, false),
        };
        Command::Resume { stream_id, stag, ac, ab }
    }

    /// A CMD_PRI_RESP built from its response fields (host side).
    pub fn pri_resp(rid: u16, pasid: Option<u32>, prgi: u16, code: RespCode) -> Option<Command> {
        Some(Command::PriResp {
            stream_id: u32::from(rid),
            ssv: pasid.is_some(),
            substream_id: pasid.unwrap_or(0),
            prg_index: prgi,
            resp: pri_resp_field(code)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smmuv3::evtq_arch::resume_action;
    use proptest::prelude::*;

    #[test]
    fn pri_resp_layout() {
        let c = Command::pri_resp(0x0102, Some(0xABCDE), 0x1FF, RespCode::Success).unwrap();
        let [dw0, dw1] = c.encode();
        assert_eq!(dw0, 0x41 | (1 << 11) | (0xABCDE << 12) | (0x0102 << 32));
        assert_eq!(dw1, 0x1FF | (0b10 << 12));
        assert_eq!(Command::decode(dw0, dw1), c);
    }

    #[test]
    fn resp_mapping_dec4() {
        assert_eq!(pri_resp_code(0b00), Some(RespCode::ResponseFailure));
        assert_eq!(pri_resp_code(0b01), Some(RespCode::InvalidRequest));
        assert_eq!(pri_resp_code(0b10), Some(RespCode::Success));
        assert_eq!(pri_resp_code(0b11), None);
        assert_eq!(RespCode::ResponseFailure.bits(), 0xF);
    }

    #[test]
    fn noop_list_matches_predicate() {
        for op in 0..=255u8 {
            assert_eq!(is_noop_opcode(op), NOOP_OPCODES.contains(&op), "opcode {op:#x}");
        }
        assert!(!is_noop_opcode(OP_PRI_RESP) && !is_noop_opcode(OP_SYNC) && !is_noop_opcode(0x00));
    }

    #[test]
    fn resume_and_stall_term_layout() {
        // SMMU-CMD-7: Ac [12], Ab [13], StreamID [63:32] | STAG [15:0].
        let c = Command::resume(0x0000_BEEF, 0x00A5, StallAction::Retry);
        assert_eq!(c.encode(), [0x44 | (1 << 12) | (0xBEEF << 32), 0xA5]);
        assert_eq!(Command::resume(7, 3, StallAction::Abort).encode(), [0x44 | (1 << 13) | (7 << 32), 3]);
        assert_eq!(Command::resume(7, 3, StallAction::RazWi).encode(), [0x44 | (7 << 32), 3]);
        for a in [StallAction::Retry, StallAction::Abort, StallAction::RazWi] {
            let c = Command::resume(9, 1, a);
            let [d0, d1] = c.encode();
            let Command::Resume { ac, ab, .. } = Command::decode(d0, d1) else { panic!("not a resume") };
            assert_eq!(resume_action(ac, ab, false), a);
        }
        // SMMU-CMD-8: StreamID [63:32].
        let t = Command::StallTerm { stream_id: 0x1234_5678 };
        assert_eq!(t.encode(), [0x45 | (0x1234_5678 << 32), 0]);
        assert_eq!(Command::decode(0x45 | (0x1234_5678 << 32), 0), t);
        assert!(!is_noop_opcode(OP_RESUME) && !is_noop_opcode(OP_STALL_TERM));
    }

    #[test]
    fn sync_fields() {
        let c = Command::decode(0x46 | (0b01 << 12) | (0b11 << 22) | (0xA << 24) | (0xDEAD_BEEF << 32), 0x00FF_FFFF_FFFF_FFFC);
        assert_eq!(c, Command::Sync { cs: 1, msh: 3, msi_attr: 0xA, msi_data: 0xDEAD_BEEF, msi_addr: (1 << 54) - 1 });
    }

    proptest! {
        /// encode(decode(x)) == x for every command whose RES0 bits are 0.
        #[test]
        fn round_trip(op in prop::sample::select(vec![0x41u8, 0x44, 0x45, 0x46, 0x01, 0x7F, 0x00]), dw0 in any::<u64>(), dw1 in any::<u64>()) {
            let dw0 = (dw0 & !0xFF) | u64::from(op);
            let m = Command::defined_mask(op);
            let (dw0, dw1) = (dw0 & m[0], dw1 & m[1]);
            prop_assert_eq!(Command::decode(dw0, dw1).encode(), [dw0, dw1]);
        }

        /// RES0 bits never change the decoded command (OP-6: ignored).
        #[test]
        fn res0_ignored(op in prop::sample::select(vec![0x41u8, 0x44, 0x45, 0x46]), dw0 in any::<u64>(), dw1 in any::<u64>()) {
            let dw0 = (dw0 & !0xFF) | u64::from(op);
            let m = Command::defined_mask(op);
            prop_assert_eq!(Command::decode(dw0, dw1), Command::decode(dw0 & m[0], dw1 & m[1]));
            let [e0, e1] = Command::decode(dw0, dw1).encode();
            prop_assert_eq!((e0 & !m[0], e1 & !m[1]), (0, 0));
        }
    }
}
