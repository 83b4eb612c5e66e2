//! PRIQ entry layout, 16 bytes as two little-endian 64-bit words (smmuv3.md §4; SMMU-PRIQ-3,
//! SMMU-PRIQ-4). The field table below is written with absolute bit positions, as in the spec.

use crate::pcie::PageRequest;
use bitvec::prelude::*;

/// Entry size in bytes.
pub const ENTRY_BYTES: u64 = 16;

type Bits = BitArray<[u64; 2], Lsb0>;

/// Absolute bit ranges of §4 (inclusive).
mod field {
    use core::ops::RangeInclusive;
    pub const STREAM_ID: RangeInclusive<usize> = 0..=31;
    pub const SUBSTREAM_ID: RangeInclusive<usize> = 32..=51;
    pub const RES0_DW0: RangeInclusive<usize> = 52..=57;
    pub const PRIV: usize = 58;
    pub const EXE: usize = 59;
    pub const R: usize = 60;
    pub const W: usize = 61;
    pub const L: usize = 62;
    pub const SSV: usize = 63;
    pub const PRG_INDEX: RangeInclusive<usize> = 64..=72;
    pub const RES0_DW1: RangeInclusive<usize> = 73..=75;
    pub const ADDR_63_12: RangeInclusive<usize> = 76..=127;
}

/// Mask of the RES0 bits in each word: dw0 [57:52], dw1 [11:9].
pub const RES0_MASK: [u64; 2] = [0x3F << 52, 0x7 << 9];

/// One PRIQ entry, field by field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PriqEntry {
    pub stream_id: u32,
    pub ssv: bool,
    pub substream_id: u32,
    pub priv_: bool,
    pub exe: bool,
    pub r: bool,
    pub w: bool,
    pub l: bool,
    pub prg_index: u16,
    /// Page address bits [63:12], unshifted.
    pub page: u64,
}

impl PriqEntry {
    /// The entry hardware writes for a message (SMMU-PRIQ-4): SubstreamID, Priv and Exe are 0
    /// when SSV=0 whatever the message carries.
    pub fn from_request(m: &PageRequest) -> PriqEntry {
        let m = m.at_interface();
        PriqEntry {
            stream_id: u32::from(m.rid),
            ssv: m.pv,
            substream_id: m.pasid,
            priv_: m.priv_,
            exe: m.exe,
            r: m.r,
            w: m.w,
            l: m.l,
            prg_index: m.prgi,
            page: m.page,
        }
    }

    /// The message an entry describes (StreamID truncated to the 16-bit RID).
    pub fn to_request(&self) -> PageRequest {
        PageRequest {
            rid: self.stream_id as u16,
            pv: self.ssv,
            pasid: self.substream_id,
            exe: self.exe,
            priv_: self.priv_,
            r: self.r,
            w: self.w,
            l: self.l,
            prgi: self.prg_index,
            page: self.page,
        }
    }

    /// Little-endian words [dw0, dw1]; RES0 bits are 0; fields are truncated to their width.
    pub fn encode(&self) -> [u64; 2] {
        let mut b = Bits::ZERO;
        b[field::STREAM_ID].store_le(self.stream_id);
        b[field::SUBSTREAM_ID].store_le(self.substream_id);
        b.set(field::PRIV, self.priv_);
        b.set(field::EXE, self.exe);
        b.set(field::R, self.r);
        b.set(field::W, self.w);
        b.set(field::L, self.l);
        b.set(field::SSV, self.ssv);
        b[field::PRG_INDEX].store_le(self.prg_index);
        b[field::ADDR_63_12].store_le(self.page);
        b.into_inner()
    }

    /// Decode words; RES0 bits are ignored (see `res0_bits`).
    pub fn decode(words: [u64; 2]) -> PriqEntry {
        let b = Bits::new(words);
        PriqEntry {
            stream_id: b[field::STREAM_ID].load_le(),
            ssv: b[field::SSV],
            substream_id: b[field::SUBSTREAM_ID].load_le(),
            priv_: b[field::PRIV],
            exe: b[field::EXE],
            r: b[field::R],
            w: b[field::W],
            l: b[field::L],
            prg_index: b[field::PRG_INDEX].load_le(),
            page: b[field::ADDR_63_12].load_le(),
        }
    }

    /// The words hardware writes for message `m` (SMMU-PRIQ-3, SMMU-PRIQ-4).
    pub fn encode_request(m: &PageRequest) -> [u64; 2] {
        PriqEntry::from_request(m).encode()
    }
}

/// RES0 bits that are set in raw words (0 for any entry hardware writes).
pub fn res0_bits(words: [u64; 2]) -> [u64; 2] {
    let b = Bits::new(words);
    let mut r = Bits::ZERO;
    r[field::RES0_DW0].copy_from_bitslice(&b[field::RES0_DW0]);
    r[field::RES0_DW1].copy_from_bitslice(&b[field::RES0_DW1]);
    r.into_inner()
}

/// True for words hardware may write: RES0 bits 0 and, with SSV=0, SubstreamID/Priv/Exe 0.
pub fn is_well_formed(words: [u64; 2]) -> bool {
    let e = PriqEntry::decode(words);
    res0_bits(words) == [0, 0] && (e.ssv || (e.substream_id == 0 && !e.priv_ && !e.exe))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_layout() {
        let m = PageRequest {
            rid: 0xBEEF,
            pv: true,
            pasid: 0xABCDE,
            exe: true,
            priv_: false,
            r: true,
            w: false,
            l: true,
            prgi: 0x1A5,
            page: 0xF_FFFF_1234_5678,
        };
        let w = PriqEntry::encode_request(&m);
        assert_eq!(w[0], 0xBEEF | (0xABCDE << 32) | (1 << 59) | (1 << 60) | (1 << 62) | (1 << 63));
        assert_eq!(w[1], 0x1A5 | (0xF_FFFF_1234_5678 << 12));
        assert_eq!(PriqEntry::decode(w).to_request(), m);
    }

    #[test]
    fn ssv0_zeroes_pasid_priv_exe() {
        let m = PageRequest { pv: false, pasid: 0x12345, exe: true, priv_: true, l: true, ..Default::default() };
        let w = PriqEntry::encode_request(&m);
        assert_eq!(w[0], 1 << 62);
        assert!(is_well_formed(w));
    }

    #[test]
    fn res0_detection() {
        assert_eq!(res0_bits([u64::MAX, u64::MAX]), RES0_MASK);
        assert!(!is_well_formed([1 << 52, 0]));
        assert!(!is_well_formed([0, 1 << 9]));
    }

    fn well_formed_words() -> impl Strategy<Value = [u64; 2]> {
        (any::<u64>(), any::<u64>()).prop_map(|(a, b)| {
            let mut w = [a & !RES0_MASK[0], b & !RES0_MASK[1]];
            if w[0] >> 63 == 0 {
                w[0] &= !((0xF_FFFF << 32) | (0b11 << 58));
            }
            w
        })
    }

    use crate::pcie::strategies::any_request as request;

    proptest! {
        #[test]
        fn words_round_trip(w in well_formed_words()) {
            prop_assert_eq!(PriqEntry::decode(w).encode(), w);
        }

        #[test]
        fn request_round_trip(m in request()) {
            let w = PriqEntry::encode_request(&m);
            prop_assert!(is_well_formed(w));
            prop_assert_eq!(res0_bits(w), [0, 0]);
            prop_assert_eq!(PriqEntry::decode(w).to_request(), m);
        }

        /// Whatever garbage a message carries, the written entry is well formed.
        #[test]
        fn any_fields_encode_well_formed(m in any::<(u16, bool, u32, [bool; 5], u16, u64)>()) {
            let (rid, pv, pasid, f, prgi, page) = m;
            let m = PageRequest { rid, pv, pasid, exe: f[0], priv_: f[1], r: f[2], w: f[3], l: f[4], prgi, page };
            let w = PriqEntry::encode_request(&m);
            prop_assert!(is_well_formed(w));
        }
    }
}
