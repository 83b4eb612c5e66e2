//! PRIQ entry layout (smmuv3.md §4), through `models::smmuv3::entry`; the unit test below pins
//! the absolute bit positions of the spec table so a layout slip in the model cannot hide here.

use crate::checkers::entry::DecodedEntry;
use models::pcie::PageRequest;
use models::smmuv3::entry::{PriqEntry, RES0_MASK};

/// Decode with plain shifts and masks at the absolute positions of smmuv3.md §4 (called for
/// every queue write by two checkers, so it stays cheap); the unit tests pin it against the
/// model's layout and the spec table.
pub fn decode_priq_entry(dw0: u64, dw1: u64) -> DecodedEntry {
    let bit = |w: u64, i: u32| (w >> i) & 1 == 1;
    let stream_id = dw0 as u32; // [31:0]
    DecodedEntry {
        msg: PageRequest {
            rid: stream_id as u16,
            pv: bit(dw0, 63),                       // SSV
            pasid: ((dw0 >> 32) & 0xF_FFFF) as u32, // SubstreamID [51:32]
            priv_: bit(dw0, 58),
            exe: bit(dw0, 59),
            r: bit(dw0, 60),
            w: bit(dw0, 61),
            l: bit(dw0, 62),
            prgi: (dw1 & 0x1FF) as u16, // PRGIndex [72:64]
            page: dw1 >> 12,            // Address[63:12] at [127:76]
        },
        stream_id,
        res0: [dw0 & RES0_MASK[0], dw1 & RES0_MASK[1]],
    }
}

/// The words a correct SMMUv3 writes for `m` (SMMU-PRIQ-4): a PASID-less request's
/// SubstreamID, Priv and Exe are 0.
pub fn encode_priq_entry(m: &PageRequest) -> [u64; 2] {
    PriqEntry::encode_request(&m.at_interface())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let m = PageRequest {
            rid: 0x1234,
            pv: true,
            pasid: 0xABCDE,
            exe: true,
            priv_: false,
            r: true,
            w: false,
            l: true,
            prgi: 0x1A5,
            page: 0xF_FFFF_FFFF_FFFF,
        };
        let [d0, d1] = encode_priq_entry(&m);
        // Absolute positions of smmuv3.md §4.
        assert_eq!(d0 & 0xFFFF_FFFF, 0x1234);
        assert_eq!((d0 >> 32) & 0xF_FFFF, 0xABCDE);
        assert_eq!((d0 >> 58) & 0x3F, 0b11_0110, "SSV L W R Exe Priv");
        assert_eq!(d1 & 0x1FF, 0x1A5);
        assert_eq!(d1 >> 12, 0xF_FFFF_FFFF_FFFF);
        assert_eq!([d0 & (0x3F << 52), d1 & (0x7 << 9)], [0, 0]);
        let e = decode_priq_entry(d0, d1);
        assert_eq!(e.msg, m);
        assert_eq!(e.res0, [0, 0]);
        assert_eq!(e.stream_id, 0x1234);
        let e = decode_priq_entry(d0 | 1 << 55 | 0x5_0000, d1 | 1 << 10);
        assert_eq!(e.res0, [1 << 55, 1 << 10]);
        assert_eq!(e.stream_id, 0x5_1234);
    }

    #[test]
    fn decode_agrees_with_the_model() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (d0, d1) = (x, x.rotate_left(29) ^ 0x5555_AAAA_0F0F_F0F0);
            let e = decode_priq_entry(d0, d1);
            let m = PriqEntry::decode([d0, d1]);
            assert_eq!(e.msg, m.to_request(), "{d0:#x} {d1:#x}");
            assert_eq!(e.stream_id, m.stream_id);
        }
    }
}
