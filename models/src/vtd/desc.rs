//! VT-d 256-bit descriptors as four little-endian 64-bit words QW0..QW3 (vtd.md §3, §5).
//!
//! - `page_req_dsc`, written by hardware into the PRQ (VTD-PRQ-4, DEC-9);
//! - `page_grp_resp_dsc` (type 0x09) and `inv_wait_dsc` (type 0x05), taken from the descriptor
//!   port (VTD-IQ-1..4, VTD-IQ-6, DEC-8, DEC-9);
//! - every other software descriptor type classified per OP-10 (`classify`).
//!
//! Field tables use absolute bit positions (QW1 starts at 64, QW2 at 128), as in the spec. Encoding
//! writes every reserved bit as 0 and truncates fields to their width; decoding ignores reserved
//! bits, which `*_reserved_bits` report separately (IQE detection lives there).

use crate::pcie::{PageRequest, PrgResponse, RespCode};
use bitvec::prelude::*;

/// Descriptor size in bytes (PRQ entry and IQ descriptor alike; IQA.DW=1 format).
pub const DESC_BYTES: u64 = 32;

/// A 256-bit descriptor: QW0, QW1, QW2, QW3.
pub type Words = [u64; 4];

type Bits = BitArray<Words, Lsb0>;

/// `page_req_dsc` Type (vtd.md §3).
pub const TYPE_PAGE_REQ: u8 = 0x01;
/// `inv_wait_dsc` Type (vtd.md §5).
pub const TYPE_INV_WAIT: u8 = 0x05;
/// `page_grp_resp_dsc` Type (vtd.md §5).
pub const TYPE_PAGE_GRP_RESP: u8 = 0x09;

/// Absolute bit ranges (inclusive) of vtd.md §3 and §5.
mod field {
    use core::ops::RangeInclusive;
    type R = RangeInclusive<usize>;

    /// Type of a software descriptor is {bits 11:9, bits 3:0} (VTD-IQ-1).
    pub const TYPE_LO: R = 0..=3;
    pub const TYPE_HI: R = 9..=11;

    /// `page_req_dsc` (§3).
    pub mod prq {
        use super::R;
        pub const TYPE: R = 0..=7;
        pub const PP: usize = 8;
        /// PDP in Rev. 3.x; reserved (DEC-9).
        pub const PDP: usize = 9;
        pub const RSVD_15_10: R = 10..=15;
        pub const RID: R = 16..=31;
        pub const PASID: R = 32..=51;
        pub const EXR: usize = 52;
        pub const PMR: usize = 53;
        pub const RSVD_63_54: R = 54..=63;
        pub const RDR: usize = 64;
        pub const WRR: usize = 65;
        pub const LPIG: usize = 66;
        pub const PRGI: R = 67..=75;
        pub const ADDR: R = 76..=127;
        /// Private data in Rev. 3.x; reserved (DEC-9).
        pub const RSVD_QW2_QW3: R = 128..=255;
    }

    /// `page_grp_resp_dsc` (§5).
    pub mod pgr {
        use super::R;
        pub const PP: usize = 4;
        /// Bit 5 was PDP in Rev. 3.x (DEC-9).
        pub const RSVD_8_5: R = 5..=8;
        pub const RC: R = 12..=15;
        pub const RID: R = 16..=31;
        pub const PASID: R = 32..=51;
        pub const RSVD_63_52: R = 52..=63;
        pub const RSVD_65_64: R = 64..=65;
        /// LPIG in Rev. 3.x; ignored now (not reserved: Linux still sets it).
        pub const LPIG: usize = 66;
        pub const PRGI: R = 67..=75;
        pub const RSVD_127_76: R = 76..=127;
        pub const RSVD_255_128: R = 128..=255;
    }

    /// `inv_wait_dsc` (§5).
    pub mod iwd {
        use super::R;
        pub const IF: usize = 4;
        pub const SW: usize = 5;
        pub const FN: usize = 6;
        pub const PD: usize = 7;
        pub const RSVD_8: usize = 8;
        pub const RSVD_31_12: R = 12..=31;
        pub const STATUS_DATA: R = 32..=63;
        pub const RSVD_65_64: R = 64..=65;
        /// Status Address bits [63:2].
        pub const STATUS_ADDR: R = 66..=127;
        pub const RSVD_255_128: R = 128..=255;
    }
}

/// The 7-bit type {bits 11:9, bits 3:0} of a software descriptor (VTD-IQ-1).
pub fn desc_type(w: Words) -> u8 {
    let b = Bits::new(w);
    let lo: u8 = b[field::TYPE_LO].load_le();
    let hi: u8 = b[field::TYPE_HI].load_le();
    (hi << 4) | lo
}

/// Store a 7-bit type into bits 3:0 and 11:9.
fn store_type(b: &mut Bits, t: u8) {
    b[field::TYPE_LO].store_le(t & 0xF);
    b[field::TYPE_HI].store_le((t >> 4) & 0x7);
}

/// Copy the listed ranges of `w` into an otherwise zero descriptor.
fn pick(w: Words, ranges: &[core::ops::RangeInclusive<usize>]) -> Words {
    let b = Bits::new(w);
    let mut r = Bits::ZERO;
    for rg in ranges {
        r[rg.clone()].copy_from_bitslice(&b[rg.clone()]);
    }
    r.into_inner()
}

fn is_zero(w: Words) -> bool {
    w == [0; 4]
}

// ---------------------------------------------------------------------------------------------
// page_req_dsc
// ---------------------------------------------------------------------------------------------

/// One `page_req_dsc`, field by field (vtd.md §3). PDP and the private data are not fields:
/// they are reserved since Rev. 4.0 (DEC-9) and always encoded as 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageReqDsc {
    pub pp: bool,
    /// bus [15:8], device [7:3], function [2:0] (QW0[31:16]).
    pub rid: u16,
    pub pasid: u32,
    pub exr: bool,
    pub pmr: bool,
    pub rdr: bool,
    pub wrr: bool,
    pub lpig: bool,
    pub prgi: u16,
    /// Page address bits [63:12], unshifted (Linux shifts it left by 12).
    pub addr: u64,
}

impl PageReqDsc {
    /// The descriptor hardware writes for message `m` (VTD-PRQ-4, VTD-PRQ-10): PP = PV, PASID,
    /// EXR and PMR copied when PP=1 and 0 otherwise, RDR = R, WRR = W, LPIG = L, PRGI and ADDR as
    /// received (masked to 9 and 52 bits). A Stop Marker is encoded like any message.
    pub fn from_request(m: &PageRequest) -> PageReqDsc {
        let m = m.at_interface();
        PageReqDsc {
            pp: m.pv,
            rid: m.rid,
            pasid: m.pasid,
            exr: m.exe,
            pmr: m.priv_,
            rdr: m.r,
            wrr: m.w,
            lpig: m.l,
            prgi: m.prgi,
            addr: m.page,
        }
    }

    /// The message a descriptor describes.
    pub fn to_request(&self) -> PageRequest {
        PageRequest {
            rid: self.rid,
            pv: self.pp,
            pasid: self.pasid,
            exe: self.exr,
            priv_: self.pmr,
            r: self.rdr,
            w: self.wrr,
            l: self.lpig,
            prgi: self.prgi,
            page: self.addr,
        }
    }

    /// QW0..QW3 with Type 0x01, PDP 0, every reserved bit 0 and QW2 = QW3 = 0 (VTD-PRQ-4, DEC-9).
    pub fn encode(&self) -> Words {
        use field::prq::*;
        let mut b = Bits::ZERO;
        b[TYPE].store_le(TYPE_PAGE_REQ);
        b.set(PP, self.pp);
        b[RID].store_le(self.rid);
        b[PASID].store_le(self.pasid);
        b.set(EXR, self.exr);
        b.set(PMR, self.pmr);
        b.set(RDR, self.rdr);
        b.set(WRR, self.wrr);
        b.set(LPIG, self.lpig);
        b[PRGI].store_le(self.prgi);
        b[ADDR].store_le(self.addr);
        b.into_inner()
    }

    /// Fields of a descriptor; Type and reserved bits are ignored (see `page_req_reserved_bits`).
    pub fn decode(w: Words) -> PageReqDsc {
        use field::prq::*;
        let b = Bits::new(w);
        PageReqDsc {
            pp: b[PP],
            rid: b[RID].load_le(),
            pasid: b[PASID].load_le(),
            exr: b[EXR],
            pmr: b[PMR],
            rdr: b[RDR],
            wrr: b[WRR],
            lpig: b[LPIG],
            prgi: b[PRGI].load_le(),
            addr: b[ADDR].load_le(),
        }
    }

    /// The words hardware writes for message `m` (VTD-PRQ-4).
    pub fn encode_request(m: &PageRequest) -> Words {
        PageReqDsc::from_request(m).encode()
    }
}

/// Reserved bits of a `page_req_dsc` that are set: PDP [9], [15:10], [63:54], QW2, QW3.
pub fn page_req_reserved_bits(w: Words) -> Words {
    use field::prq::*;
    pick(w, &[PDP..=PDP, RSVD_15_10, RSVD_63_54, RSVD_QW2_QW3])
}

/// True for words hardware may write (VTD-PRQ-4): Type 0x01, reserved bits 0 and, with PP=0,
/// PASID/EXR/PMR 0.
pub fn page_req_well_formed(w: Words) -> bool {
    let d = PageReqDsc::decode(w);
    (w[0] & 0xFF) as u8 == TYPE_PAGE_REQ && is_zero(page_req_reserved_bits(w)) && (d.pp || (d.pasid == 0 && !d.exr && !d.pmr))
}

// ---------------------------------------------------------------------------------------------
// page_grp_resp_dsc
// ---------------------------------------------------------------------------------------------

/// One `page_grp_resp_dsc` (type 0x09), field by field (vtd.md §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageGrpRespDsc {
    /// 1: the response carries PASID [51:32].
    pub pp: bool,
    /// Response Code [15:12], 4 bits, forwarded verbatim (DEC-8).
    pub rc: u8,
    pub rid: u16,
    pub pasid: u32,
    /// Bit 66: LPIG in Rev. 3.x, ignored by hardware now; kept so decode/encode round-trips.
    pub lpig: bool,
    pub prgi: u16,
}

impl PageGrpRespDsc {
    /// QW0..QW3 with Type 0x09 and every reserved bit 0; fields truncated to their width.
    pub fn encode(&self) -> Words {
        use field::pgr::*;
        let mut b = Bits::ZERO;
        store_type(&mut b, TYPE_PAGE_GRP_RESP);
        b.set(PP, self.pp);
        b[RC].store_le(self.rc & 0xF);
        b[RID].store_le(self.rid);
        b[PASID].store_le(self.pasid & 0xF_FFFF);
        b.set(LPIG, self.lpig);
        b[PRGI].store_le(self.prgi & 0x1FF);
        b.into_inner()
    }

    /// Fields; Type and reserved bits are ignored (see `page_grp_resp_reserved_bits`).
    pub fn decode(w: Words) -> PageGrpRespDsc {
        use field::pgr::*;
        let b = Bits::new(w);
        PageGrpRespDsc {
            pp: b[PP],
            rc: b[RC].load_le(),
            rid: b[RID].load_le(),
            pasid: b[PASID].load_le(),
            lpig: b[LPIG],
            prgi: b[PRGI].load_le(),
        }
    }

    /// The PRG response this descriptor sends (VTD-IQ-3): RID, PRGI, the 4-bit code verbatim
    /// whatever its value (DEC-8), PASID iff PP=1. Bit 66 is ignored.
    pub fn response(&self) -> PrgResponse {
        PrgResponse { rid: self.rid, pv: self.pp, pasid: self.pasid, prgi: self.prgi, code: RespCode::from_bits(self.rc) }.at_interface()
    }
}

/// Reserved bits of a `page_grp_resp_dsc` that are set (VTD-IQ-4): [8:5] (bit 5 = former PDP,
/// DEC-9), [63:52], [65:64], [127:76], [255:128]. Any of them makes the descriptor invalid.
pub fn page_grp_resp_reserved_bits(w: Words) -> Words {
    use field::pgr::*;
    pick(w, &[RSVD_8_5, RSVD_63_52, RSVD_65_64, RSVD_127_76, RSVD_255_128])
}

// ---------------------------------------------------------------------------------------------
// inv_wait_dsc
// ---------------------------------------------------------------------------------------------

/// One `inv_wait_dsc` (type 0x05), field by field (vtd.md §5, §6.5.2.9).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct InvWaitDsc {
    /// IF [4]: interrupt on completion (ICS.IWC).
    pub if_: bool,
    /// SW [5]: status write on completion.
    pub sw: bool,
    /// FN [6]: fence, later descriptors wait for this one.
    pub fn_: bool,
    /// PD [7]: page request drain (DEC-10).
    pub pd: bool,
    /// Status Data [63:32].
    pub status_data: u32,
    /// Status Address as a byte address; bits [1:0] are not encoded (field [127:66] holds [63:2]).
    pub status_addr: u64,
}

impl InvWaitDsc {
    /// QW0..QW3 with Type 0x05 and every reserved bit 0; address bits [1:0] dropped.
    pub fn encode(&self) -> Words {
        use field::iwd::*;
        let mut b = Bits::ZERO;
        store_type(&mut b, TYPE_INV_WAIT);
        b.set(IF, self.if_);
        b.set(SW, self.sw);
        b.set(FN, self.fn_);
        b.set(PD, self.pd);
        b[STATUS_DATA].store_le(self.status_data);
        b[STATUS_ADDR].store_le(self.status_addr >> 2);
        b.into_inner()
    }

    /// Fields; Type and reserved bits are ignored (see `inv_wait_reserved_bits`).
    pub fn decode(w: Words) -> InvWaitDsc {
        use field::iwd::*;
        let b = Bits::new(w);
        InvWaitDsc {
            if_: b[IF],
            sw: b[SW],
            fn_: b[FN],
            pd: b[PD],
            status_data: b[STATUS_DATA].load_le(),
            status_addr: b[STATUS_ADDR].load_le::<u64>() << 2,
        }
    }
}

/// Reserved bits of an `inv_wait_dsc` that are set (VTD-IQ-6): 8, [31:12], [65:64], [255:128].
pub fn inv_wait_reserved_bits(w: Words) -> Words {
    use field::iwd::*;
    pick(w, &[RSVD_8..=RSVD_8, RSVD_31_12, RSVD_65_64, RSVD_255_128])
}

// ---------------------------------------------------------------------------------------------
// Classification of a software descriptor (VTD-IQ-1, VTD-IQ-2, OP-10)
// ---------------------------------------------------------------------------------------------

/// Why a software descriptor is invalid (sets FSTS.IQE, VTD-IQ-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Invalid {
    /// Type not in 0x01..=0x09 (OP-10).
    UnknownType(u8),
    /// A reserved bit of a type 0x05 or 0x09 descriptor is set; the set bits (VTD-IQ-4, VTD-IQ-6).
    Reserved(Words),
    /// `inv_wait_dsc` with PD=1 while ECAP.PDS=0 (VTD-IQ-2).
    PdWithoutPds,
}

/// A software descriptor as the block sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwDesc {
    PageGrpResp(PageGrpRespDsc),
    InvWait(InvWaitDsc),
    /// Types 0x01-0x04 and 0x06-0x08: complete at once with no effect (OP-10). Their other bits
    /// are not checked.
    NoEffect(u8),
    Invalid(Invalid),
}

/// True for the OP-10 types that complete at once with no effect.
pub fn is_no_effect_type(t: u8) -> bool {
    matches!(t, 0x01..=0x04 | 0x06..=0x08)
}

/// Classify a descriptor taken from the port (VTD-IQ-1, VTD-IQ-2, VTD-IQ-4, VTD-IQ-6, OP-10).
/// `pds` is ECAP.PDS (1 in this product).
pub fn classify(w: Words, pds: bool) -> SwDesc {
    match desc_type(w) {
        TYPE_PAGE_GRP_RESP => {
            let r = page_grp_resp_reserved_bits(w);
            if is_zero(r) {
                SwDesc::PageGrpResp(PageGrpRespDsc::decode(w))
            } else {
                SwDesc::Invalid(Invalid::Reserved(r))
            }
        }
        TYPE_INV_WAIT => {
            let r = inv_wait_reserved_bits(w);
            let d = InvWaitDsc::decode(w);
            if !is_zero(r) {
                SwDesc::Invalid(Invalid::Reserved(r))
            } else if d.pd && !pds {
                SwDesc::Invalid(Invalid::PdWithoutPds)
            } else {
                SwDesc::InvWait(d)
            }
        }
        t if is_no_effect_type(t) => SwDesc::NoEffect(t),
        t => SwDesc::Invalid(Invalid::UnknownType(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn page_req_known_layout() {
        // RID 0x3A:0x05.2 = 0x3A2A; PASID 0xABCDE, Exe, Priv, R, W, LPIG, PRGI 0x1A5.
        let m = PageRequest {
            rid: 0x3A2A,
            pv: true,
            pasid: 0xABCDE,
            exe: true,
            priv_: true,
            r: true,
            w: true,
            l: true,
            prgi: 0x1A5,
            page: 0xF_FFFF_1234_5678,
        };
        let w = PageReqDsc::encode_request(&m);
        assert_eq!(w[0], 0x01 | (1 << 8) | (0x3A2A << 16) | (0xABCDE << 32) | (1 << 52) | (1 << 53));
        assert_eq!(w[1], 0b111 | (0x1A5 << 3) | (0xF_FFFF_1234_5678 << 12));
        assert_eq!((w[2], w[3]), (0, 0));
        assert!(page_req_well_formed(w));
        assert_eq!(PageReqDsc::decode(w).to_request(), m);
    }

    /// VTD-PRQ-4: with PP=0 the PASID, EXR and PMR are 0 whatever the message carries.
    #[test]
    fn page_req_pp0_zeroes_pasid_fields() {
        let m = PageRequest {
            rid: 0x0100,
            pv: false,
            pasid: 0x12345,
            exe: true,
            priv_: true,
            l: true,
            prgi: 0x3FF, // 10 bits: truncated to 9
            page: u64::MAX,
            ..Default::default()
        };
        let w = PageReqDsc::encode_request(&m);
        assert_eq!(w[0], 0x01 | (0x0100 << 16));
        assert_eq!(w[1], (1 << 2) | (0x1FF << 3) | (((1u64 << 52) - 1) << 12));
        assert!(page_req_well_formed(w));
    }

    /// VTD-PRQ-10: a Stop Marker is encoded PP=1, LPIG=1, RDR=WRR=0.
    #[test]
    fn stop_marker_encoding() {
        let sm = PageRequest { rid: 0x10, pv: true, pasid: 7, l: true, ..Default::default() };
        let w = PageReqDsc::encode_request(&sm);
        assert_eq!(w, [0x01 | (1 << 8) | (0x10 << 16) | (7 << 32), 1 << 2, 0, 0]);
    }

    #[test]
    fn page_req_reserved() {
        let all = [u64::MAX; 4];
        assert_eq!(page_req_reserved_bits(all), [(1 << 9) | (0x3F << 10) | (0x3FF << 54), 0, u64::MAX, u64::MAX]);
        assert!(!page_req_well_formed([0x01 | (1 << 9), 0, 0, 0])); // PDP (DEC-9)
        assert!(!page_req_well_formed([0x01, 0, 0, 1])); // private data
        assert!(!page_req_well_formed([0x02, 0, 0, 0])); // type
    }

    #[test]
    fn page_grp_resp_known_layout() {
        let d = PageGrpRespDsc { pp: true, rc: 0xF, rid: 0xBEEF, pasid: 0x12345, lpig: true, prgi: 0x101 };
        let w = d.encode();
        assert_eq!(w, [0x9 | (1 << 4) | (0xF << 12) | (0xBEEF << 16) | (0x12345 << 32), (1 << 2) | (0x101 << 3), 0, 0]);
        assert_eq!(desc_type(w), TYPE_PAGE_GRP_RESP);
        assert_eq!(classify(w, true), SwDesc::PageGrpResp(d));
        let r = d.response();
        assert_eq!((r.rid, r.pv, r.pasid, r.prgi, r.code), (0xBEEF, true, 0x12345, 0x101, RespCode::ResponseFailure));
    }

    /// VTD-IQ-4: exactly bits 8:5, 63:52, 65:64, 127:76 and 255:128 are reserved.
    #[test]
    fn page_grp_resp_reserved_mask() {
        assert_eq!(
            page_grp_resp_reserved_bits([u64::MAX; 4]),
            [(0xF << 5) | (0xFFF << 52), 0b11 | (((1u64 << 52) - 1) << 12), u64::MAX, u64::MAX]
        );
        let ok = PageGrpRespDsc::default().encode();
        for bit in [5usize, 6, 7, 8, 52, 63, 64, 65, 76, 127, 128, 200, 255] {
            let mut w = ok;
            w[bit / 64] |= 1 << (bit % 64);
            assert!(matches!(classify(w, true), SwDesc::Invalid(Invalid::Reserved(_))), "bit {bit}");
        }
        // Bit 66 (former LPIG) is ignored, not reserved.
        let mut w = ok;
        w[1] |= 1 << 2;
        assert!(matches!(classify(w, true), SwDesc::PageGrpResp(_)));
    }

    #[test]
    fn inv_wait_known_layout() {
        let d = InvWaitDsc { if_: true, sw: true, fn_: false, pd: true, status_data: 0xCAFE_F00D, status_addr: 0x0000_1234_5678_9ABC };
        let w = d.encode();
        assert_eq!(w, [0x5 | (1 << 4) | (1 << 5) | (1 << 7) | (0xCAFE_F00D << 32), 0x0000_1234_5678_9ABC, 0, 0]);
        assert_eq!(classify(w, true), SwDesc::InvWait(d));
        // PD=1 with ECAP.PDS=0 is invalid (VTD-IQ-2).
        assert_eq!(classify(w, false), SwDesc::Invalid(Invalid::PdWithoutPds));
        let w_no_pd = InvWaitDsc { pd: false, ..d }.encode();
        assert!(matches!(classify(w_no_pd, false), SwDesc::InvWait(_)));
    }

    /// VTD-IQ-6: exactly bits 8, 31:12, 65:64 and 255:128 are reserved.
    #[test]
    fn inv_wait_reserved_mask() {
        assert_eq!(inv_wait_reserved_bits([u64::MAX; 4]), [(1 << 8) | (0xF_FFFF << 12), 0b11, u64::MAX, u64::MAX]);
        let mut w = InvWaitDsc::default().encode();
        w[0] |= 1 << 20;
        assert_eq!(classify(w, true), SwDesc::Invalid(Invalid::Reserved([1 << 20, 0, 0, 0])));
    }

    /// VTD-IQ-1, OP-10: the 7-bit type is {11:9, 3:0}; 0x01-0x04, 0x06-0x08 have no effect.
    #[test]
    fn types_per_op10() {
        for t in 0u8..0x80 {
            let w = [u64::from(t & 0xF) | (u64::from(t >> 4) << 9), 0, 0, 0];
            assert_eq!(desc_type(w), t);
            let c = classify(w, true);
            match t {
                0x01..=0x04 | 0x06..=0x08 => assert_eq!(c, SwDesc::NoEffect(t)),
                0x05 => assert!(matches!(c, SwDesc::InvWait(_))),
                0x09 => assert!(matches!(c, SwDesc::PageGrpResp(_))),
                _ => assert_eq!(c, SwDesc::Invalid(Invalid::UnknownType(t))),
            }
        }
        // Bits 8:4 are not part of the type: a type-0x09 descriptor with bit 4 (PP) is still 0x09.
        assert_eq!(desc_type([0x9 | (1 << 4), 0, 0, 0]), 0x09);
        assert_eq!(desc_type([0x9 | (1 << 9), 0, 0, 0]), 0x19);
    }

    use crate::pcie::strategies::any_request as request;

    proptest! {
        #[test]
        fn page_req_request_round_trip(m in request()) {
            let w = PageReqDsc::encode_request(&m);
            prop_assert!(page_req_well_formed(w));
            prop_assert_eq!(page_req_reserved_bits(w), [0; 4]);
            prop_assert_eq!(PageReqDsc::decode(w).to_request(), m);
        }

        /// Whatever a message carries, the written descriptor is well formed (VTD-PRQ-4).
        #[test]
        fn page_req_any_fields_well_formed(m in any::<(u16, bool, u32, [bool; 5], u16, u64)>()) {
            let (rid, pv, pasid, f, prgi, page) = m;
            let m = PageRequest { rid, pv, pasid, exe: f[0], priv_: f[1], r: f[2], w: f[3], l: f[4], prgi, page };
            prop_assert!(page_req_well_formed(PageReqDsc::encode_request(&m)));
        }

        /// decode(encode(words)) == words for every well-formed page_req_dsc.
        #[test]
        fn page_req_words_round_trip(w0 in any::<u64>(), w1 in any::<u64>()) {
            let mut w = [(w0 & !0xFF) | 0x01, w1, 0, 0];
            w[0] &= !page_req_reserved_bits(w)[0];
            prop_assume!(page_req_well_formed(w));
            prop_assert_eq!(PageReqDsc::decode(w).encode(), w);
        }

        #[test]
        fn page_grp_resp_round_trip(w in any::<Words>()) {
            let w = [(w[0] & !0xE0F) | 0x9, w[1], w[2], w[3]];
            let clean = [w[0] & !page_grp_resp_reserved_bits(w)[0], w[1] & !page_grp_resp_reserved_bits(w)[1], 0, 0];
            prop_assert_eq!(PageGrpRespDsc::decode(clean).encode(), clean);
            // Reserved bits never change the decoded fields, and make the descriptor invalid.
            prop_assert_eq!(PageGrpRespDsc::decode(w), PageGrpRespDsc::decode(clean));
            let valid = matches!(classify(w, true), SwDesc::PageGrpResp(_));
            prop_assert_eq!(valid, w == clean);
        }

        /// VTD-IQ-3, DEC-8: every 4-bit code is forwarded verbatim.
        #[test]
        fn page_grp_resp_code_verbatim(rc in 0u8..16, pp in any::<bool>(), pasid in 0u32..1 << 20) {
            let d = PageGrpRespDsc { pp, rc, rid: 1, pasid, lpig: false, prgi: 2 };
            let r = d.response();
            prop_assert_eq!(r.code.bits(), rc);
            prop_assert_eq!((r.pv, r.pasid), (pp, if pp { pasid } else { 0 }));
        }

        /// Encoding never sets a reserved bit, whatever the field values (truncated to width).
        #[test]
        fn encode_reserved_zero(f in any::<(bool, u8, u16, u32, bool, u16)>(), g in any::<([bool; 4], u32, u64)>()) {
            let (pp, rc, rid, pasid, lpig, prgi) = f;
            let w = PageGrpRespDsc { pp, rc, rid, pasid, lpig, prgi }.encode();
            prop_assert_eq!(page_grp_resp_reserved_bits(w), [0; 4]);
            prop_assert_eq!(desc_type(w), TYPE_PAGE_GRP_RESP);
            let ([if_, sw, fn_, pd], status_data, status_addr) = g;
            let w = InvWaitDsc { if_, sw, fn_, pd, status_data, status_addr }.encode();
            prop_assert_eq!(inv_wait_reserved_bits(w), [0; 4]);
            prop_assert_eq!(desc_type(w), TYPE_INV_WAIT);
            prop_assert_eq!(InvWaitDsc::decode(w).status_addr, status_addr & !3);
        }

        #[test]
        fn inv_wait_round_trip(w in any::<Words>()) {
            let w = [(w[0] & !0xE0F) | 0x5, w[1], w[2], w[3]];
            let r = inv_wait_reserved_bits(w);
            let clean = [w[0] & !r[0], w[1] & !r[1], 0, 0];
            prop_assert_eq!(InvWaitDsc::decode(clean).encode(), clean);
            prop_assert_eq!(InvWaitDsc::decode(w), InvWaitDsc::decode(clean));
            let valid = matches!(classify(w, true), SwDesc::InvWait(_));
            prop_assert_eq!(valid, w == clean);
        }
    }
}
