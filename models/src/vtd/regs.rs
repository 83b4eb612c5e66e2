//! VT-d register offsets and fields used by the PRQ, descriptor and fault blocks (vtd.md §2, §6;
//! §11.4). Offsets are bytes from the remapping-unit base. Also: the PRQ pointer arithmetic
//! (`PrqRing`, VTD-PRQ-1..3) and the 128-bit fault record layout (`FaultRecord`, VTD-FLT-2/3).
//!
//! Reset values the architecture leaves unspecified are 0 (OP-18). The PRE table window (OP-20)
//! and any RTL-specific registers are defined by `rtl/README.md`, not here.

use bitvec::prelude::*;

// ---- Offsets (vtd.md §2) ---------------------------------------------------------------------

/// 64-bit.
pub const CAP: u32 = 0x08;
/// 64-bit.
pub const ECAP: u32 = 0x10;
pub const FSTS: u32 = 0x34;
pub const FECTL: u32 = 0x38;
pub const FEDATA: u32 = 0x3C;
pub const FEADDR: u32 = 0x40;
pub const FEUADDR: u32 = 0x44;
pub const ICS: u32 = 0x9C;
pub const IECTL: u32 = 0xA0;
pub const IEDATA: u32 = 0xA4;
pub const IEADDR: u32 = 0xA8;
pub const IEUADDR: u32 = 0xAC;
/// 64-bit.
pub const PQH: u32 = 0xC0;
/// 64-bit.
pub const PQT: u32 = 0xC8;
/// 64-bit.
pub const PQA: u32 = 0xD0;
pub const PRS: u32 = 0xDC;
pub const PECTL: u32 = 0xE0;
pub const PEDATA: u32 = 0xE4;
pub const PEADDR: u32 = 0xE8;
pub const PEUADDR: u32 = 0xEC;

// ---- CAP_REG / ECAP_REG ----------------------------------------------------------------------

/// CAP.FRO [33:24]: fault record offset in 16-byte units.
pub const CAP_FRO_SHIFT: u32 = 24;
pub const CAP_FRO_MASK: u64 = 0x3FF << CAP_FRO_SHIFT;
/// CAP.NFR [47:40]: number of fault records minus 1.
pub const CAP_NFR_SHIFT: u32 = 40;
pub const CAP_NFR_MASK: u64 = 0xFF << CAP_NFR_SHIFT;

pub const ECAP_PRS: u64 = 1 << 29;
pub const ECAP_PASID: u64 = 1 << 40;
pub const ECAP_PDS: u64 = 1 << 42;
pub const ECAP_SMTS: u64 = 1 << 43;

/// CAP with the given FRO (16-byte units) and NR = NFR + 1 records.
pub fn cap(fro: u32, nr: u32) -> u64 {
    assert!((1..=256).contains(&nr), "fault record count {nr} not in 1..=256");
    (u64::from(fro & 0x3FF) << CAP_FRO_SHIFT) | (u64::from(nr - 1) << CAP_NFR_SHIFT)
}

/// Number of fault records, CAP.NFR + 1 (VTD-FLT-2).
pub fn cap_nr(cap: u64) -> u32 {
    ((cap & CAP_NFR_MASK) >> CAP_NFR_SHIFT) as u32 + 1
}

/// Byte offset of FRCD_REG[i]: CAP.FRO·16 + 16·i (VTD-FLT-2).
pub fn frcd_offset(cap: u64, i: u32) -> u32 {
    (((cap & CAP_FRO_MASK) >> CAP_FRO_SHIFT) as u32) * 16 + 16 * i
}

// ---- FSTS_REG / FECTL_REG (VTD-FLT-1, VTD-FLT-6) ----------------------------------------------

/// PFO [0], RW1CS.
pub const FSTS_PFO: u32 = 1 << 0;
/// PPF [1], RO: OR of all F bits.
pub const FSTS_PPF: u32 = 1 << 1;
/// IQE [4], RW1CS.
pub const FSTS_IQE: u32 = 1 << 4;
/// ICE [5], RW1CS (never set here).
pub const FSTS_ICE: u32 = 1 << 5;
/// ITE [6], RW1CS (never set here).
pub const FSTS_ITE: u32 = 1 << 6;
/// FRI [15:8], RO; meaningful only while PPF=1.
pub const FSTS_FRI_SHIFT: u32 = 8;
pub const FSTS_FRI_MASK: u32 = 0xFF << FSTS_FRI_SHIFT;
/// Bits software clears by writing 1. Bit 7 (PRO before Rev. 3.0) reads 0 and ignores writes.
pub const FSTS_RW1C_MASK: u32 = FSTS_PFO | FSTS_IQE | FSTS_ICE | FSTS_ITE;
/// The fault event sources (VTD-FLT-6; PFO counts for "already 1" but is not itself a trigger).
pub const FSTS_EVENT_MASK: u32 = FSTS_PFO | FSTS_PPF | FSTS_IQE | FSTS_ICE | FSTS_ITE;

/// xECTL (FECTL, PECTL, IECTL): IM [31] RW, resets 1; IP [30] RO.
pub const ECTL_IM: u32 = 1 << 31;
pub const ECTL_IP: u32 = 1 << 30;
/// xECTL [29:0] RsvdP: stored as written (VTD-PRQ-15; rtl/README.md for FECTL and IECTL).
pub const ECTL_RSVDP_MASK: u32 = (1 << 30) - 1;
/// Reset value of every xECTL: IM=1, IP=0 (VTD-PRQ-15).
pub const ECTL_RESET: u32 = ECTL_IM;

/// xEDATA: interrupt message data [15:0].
pub const EDATA_MASK: u32 = 0xFFFF;
/// xEADDR: message address [31:2].
pub const EADDR_MASK: u32 = !0x3;

/// An MSI write (OP-7 default: a 32-bit write on the memory port).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Msi {
    pub addr: u64,
    pub data: u32,
}

/// The MSI of an event block: address {xEUADDR, xEADDR[31:2], 2'b00} truncated to 48 bits
/// (OP-19), data xEDATA[15:0].
pub fn msi(eaddr: u32, euaddr: u32, edata: u32) -> Msi {
    Msi { addr: ((u64::from(euaddr) << 32) | u64::from(eaddr & EADDR_MASK)) & ADDR_MASK, data: edata & EDATA_MASK }
}

// ---- ICS_REG (VTD-IQ-8) ----------------------------------------------------------------------

/// IWC [0], RW1CS: an inv_wait_dsc with IF=1 completed.
pub const ICS_IWC: u32 = 1 << 0;

// ---- PRQ registers (VTD-PRQ-1, -2, -12) ------------------------------------------------------

/// PQH/PQT [18:5]: byte offset of a 32-byte entry; every other bit reads 0, ignores writes.
pub const PQ_PTR_MASK: u64 = 0x7_FFE0;
/// Addresses are 48 bits (OP-19 as recorded in rtl/README.md): PQA, entry addresses, status and
/// MSI addresses are truncated to this width.
pub const ADDR_BITS: u32 = 48;
pub const ADDR_MASK: u64 = (1 << ADDR_BITS) - 1;
/// PQA base as stored: [47:12] (architecturally [63:12]; OP-19).
pub const PQA_BASE_MASK: u64 = ADDR_MASK & !0xFFF;
/// PQA.PQS [2:0]: 2^PQS pages, 2^(PQS+7) entries.
pub const PQA_PQS_MASK: u64 = 0x7;
/// PRS.PPR [0] RW1CS: pending page request.
pub const PRS_PPR: u32 = 1 << 0;
/// PRS.PRO [1] RW1CS: page request overflow.
pub const PRS_PRO: u32 = 1 << 1;
/// PRS bits that exist; [31:2] read 0 (VTD-PRQ-12).
pub const PRS_MASK: u32 = PRS_PPR | PRS_PRO;

/// PQA.PQS.
pub fn pqa_pqs(pqa: u64) -> u32 {
    (pqa & PQA_PQS_MASK) as u32
}

/// PQA base address, PQA[63:12]·4096 (VTD-PRQ-1).
pub fn pqa_base(pqa: u64) -> u64 {
    pqa & PQA_BASE_MASK
}

/// PRS after a software write: writing 1 clears, 0 has no effect (VTD-PRQ-12).
pub fn prs_write(prs: u32, wdata: u32) -> u32 {
    prs & PRS_MASK & !wdata
}

/// Width of the RTL's `reg_addr` port (rtl/README.md): 12-bit offsets.
pub const REG_ADDR_BITS: u32 = 12;

/// CAP.FRO of the RTL (rtl/README.md): records at 0x200.
pub const CAP_FRO_RTL: u32 = 0x20;
/// FRCD_REG[0] offset of the RTL, CAP_FRO_RTL·16.
pub const FRCD_BASE: u32 = CAP_FRO_RTL * 16;
/// ECAP value of this product: PRS, PASID, PDS, SMTS (vtd.md §1).
pub const ECAP_VALUE: u64 = ECAP_PRS | ECAP_PASID | ECAP_PDS | ECAP_SMTS;

/// PRE table (DEC-5, OP-20 as recorded in rtl/README.md): PRE[i] at 0x800 + 8i, RID [15:0],
/// PRE [16], other bits 0.
pub const PRE_BASE: u32 = 0x800;
pub const PRE_STRIDE: u32 = 8;
pub const PRE_RID_MASK: u64 = 0xFFFF;
pub const PRE_EN: u64 = 1 << 16;
pub const PRE_STORED_MASK: u64 = PRE_RID_MASK | PRE_EN;

/// Offset of PRE[i].
pub fn pre_offset(i: u32) -> u32 {
    PRE_BASE + PRE_STRIDE * i
}

/// RID of a PRE entry.
pub fn pre_rid(entry: u64) -> u16 {
    (entry & PRE_RID_MASK) as u16
}

/// Fault reason of a page request from a RID without page requests enabled (DEC-5, VTD-FLT-3;
/// Table 30 SCT.8).
pub const FR_PRQ_NOT_ENABLED: u8 = 0x47;

// ---- PRQ pointer arithmetic ------------------------------------------------------------------

/// Geometry of the VT-d page request queue (VTD-PRQ-1..3, OP-11).
///
/// Kept separate from [`crate::ring::Ring`] on purpose: SMMU pointers are entry indexes with a wrap
/// bit, full means N entries in use and the flag bit lives in the pointer; VT-d PQH/PQT are byte
/// offsets in bits [18:5] with no wrap bit, so one slot always stays empty (full = N-1 entries,
/// `(PQT + 32) mod 32N == PQH`) and overflow is a separate register (PRS.PRO). Sharing `Ring` would
/// need an adapter that is longer than this helper and hides that difference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrqRing {
    pqs: u32,
}

impl PrqRing {
    /// Entry size in bytes.
    pub const ENTRY_BYTES: u64 = crate::vtd::desc::DESC_BYTES;

    /// From PQA.PQS (bits [2:0]; higher bits of the argument are ignored).
    pub fn new(pqs: u32) -> PrqRing {
        PrqRing { pqs: pqs & 0x7 }
    }

    /// From a PQA register value.
    pub fn from_pqa(pqa: u64) -> PrqRing {
        PrqRing::new(pqa_pqs(pqa))
    }

    pub fn pqs(self) -> u32 {
        self.pqs
    }

    /// N = 2^(PQS+7) entries (VTD-PRQ-1).
    pub fn entries(self) -> u32 {
        1 << (self.pqs + 7)
    }

    /// Queue size 32·N bytes.
    pub fn bytes(self) -> u64 {
        u64::from(self.entries()) * Self::ENTRY_BYTES
    }

    /// The byte offset a PQH/PQT value names: bits [18:5], taken modulo 32N (VTD-PRQ-2, OP-11).
    pub fn offset(self, reg: u64) -> u64 {
        (reg & PQ_PTR_MASK) % self.bytes()
    }

    /// Empty ⇔ PQH = PQT (VTD-PRQ-3).
    pub fn empty(self, pqh: u64, pqt: u64) -> bool {
        self.offset(pqh) == self.offset(pqt)
    }

    /// Full ⇔ (PQT + 32) mod 32N = PQH (VTD-PRQ-3).
    pub fn full(self, pqh: u64, pqt: u64) -> bool {
        self.advance(pqt) == self.offset(pqh)
    }

    /// Valid entries, (PQT − PQH) mod 32N / 32; at most N−1 (VTD-PRQ-3).
    pub fn used(self, pqh: u64, pqt: u64) -> u32 {
        let b = self.bytes();
        (((self.offset(pqt) + b - self.offset(pqh)) % b) / Self::ENTRY_BYTES) as u32
    }

    /// Entries hardware may still write before the queue is full.
    pub fn free(self, pqh: u64, pqt: u64) -> u32 {
        self.entries() - 1 - self.used(pqh, pqt)
    }

    /// PQT after one descriptor: (PQT + 32) mod 32N (VTD-PRQ-8).
    pub fn advance(self, pqt: u64) -> u64 {
        (self.offset(pqt) + Self::ENTRY_BYTES) % self.bytes()
    }
    /// Address of the entry at offset `ptr`: PQA base + offset (VTD-PRQ-1), a 48-bit add (OP-19).
    pub fn entry_addr(self, pqa: u64, ptr: u64) -> u64 {
        (pqa_base(pqa) + self.offset(ptr)) & ADDR_MASK
    }
}

// ---- FRCD_REG (vtd.md §6; VTD-FLT-2, VTD-FLT-3) ----------------------------------------------

type FrcdBits = BitArray<[u64; 2], Lsb0>;

/// Absolute bit positions of FRCD_REG[i] (128 bits; bits 11:0 and 91:80 are 0).
mod frcd {
    use core::ops::RangeInclusive;
    type R = RangeInclusive<usize>;
    pub const FI: R = 12..=63;
    pub const SID: R = 64..=79;
    pub const T2: usize = 92;
    pub const PRIV: usize = 93;
    pub const EXE: usize = 94;
    pub const PP: usize = 95;
    pub const FR: R = 96..=103;
    pub const PV: R = 104..=123;
    pub const AT: R = 124..=125;
    pub const T1: usize = 126;
    pub const F: usize = 127;
}

/// Bits of FRCD_REG that hold no field (read 0): [11:0] and [91:80].
pub const FRCD_ZERO_MASK: [u64; 2] = [0xFFF, 0xFFF << 16];

/// One primary fault record, field by field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FaultRecord {
    /// F [127], RW1CS; set last (VTD-FLT-2).
    pub f: bool,
    /// T1 [126]: 0 write or page request, 1 read or AtomicOp.
    pub t1: bool,
    pub at: u8,
    /// PV [123:104]: PASID value.
    pub pasid: u32,
    /// FR [103:96].
    pub fr: u8,
    pub pp: bool,
    pub exe: bool,
    pub priv_: bool,
    /// T2 [92] (OP-14).
    pub t2: bool,
    /// SID [79:64].
    pub sid: u16,
    /// FI [63:12]: page address bits [63:12], unshifted.
    pub fi: u64,
}

impl FaultRecord {
    /// Low and high 64-bit halves (offset +0 and +8); fields truncated, other bits 0.
    pub fn encode(&self) -> [u64; 2] {
        let mut b = FrcdBits::ZERO;
        b[frcd::FI].store_le(self.fi);
        b[frcd::SID].store_le(self.sid);
        b.set(frcd::T2, self.t2);
        b.set(frcd::PRIV, self.priv_);
        b.set(frcd::EXE, self.exe);
        b.set(frcd::PP, self.pp);
        b[frcd::FR].store_le(self.fr);
        b[frcd::PV].store_le(self.pasid);
        b[frcd::AT].store_le(self.at);
        b.set(frcd::T1, self.t1);
        b.set(frcd::F, self.f);
        b.into_inner()
    }

    pub fn decode(w: [u64; 2]) -> FaultRecord {
        let b = FrcdBits::new(w);
        FaultRecord {
            f: b[frcd::F],
            t1: b[frcd::T1],
            at: b[frcd::AT].load_le(),
            pasid: b[frcd::PV].load_le(),
            fr: b[frcd::FR].load_le(),
            pp: b[frcd::PP],
            exe: b[frcd::EXE],
            priv_: b[frcd::PRIV],
            t2: b[frcd::T2],
            sid: b[frcd::SID].load_le(),
            fi: b[frcd::FI].load_le(),
        }
    }

    /// The four dwords software reads at +0, +4, +8, +12 (Linux reads +12, +8 and the qword at +0).
    pub fn dwords(&self) -> [u32; 4] {
        let [lo, hi] = self.encode();
        [lo as u32, (lo >> 32) as u32, hi as u32, (hi >> 32) as u32]
    }

    /// A 64-bit register read at byte `off` within the record (rtl/README.md): +0 → [63:0],
    /// +4 → [95:32], +8 → [127:64], +C → [127:96] (from bit 0); other offsets 0.
    pub fn read(&self, off: u32) -> u64 {
        let [lo, hi] = self.encode();
        let w = u128::from(lo) | (u128::from(hi) << 64);
        match off {
            0x0 => w as u64,
            0x4 => (w >> 32) as u64,
            0x8 => (w >> 64) as u64,
            0xC => (w >> 96) as u64,
            _ => 0,
        }
    }
}

/// Does a write at byte `off` within a record clear F (W1C; VTD-FLT-5)? rtl/README.md: +8 with
/// bit 63 set or +C with bit 31 set; every other record write is ignored.
pub fn frcd_write_clears_f(off: u32, wdata: u64) -> bool {
    match off {
        0x8 => (wdata >> 63) & 1 != 0,
        0xC => (wdata >> 31) & 1 != 0,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn offsets_and_fields() {
        assert_eq!((PQH, PQT, PQA, PRS, PECTL, PEDATA, PEADDR, PEUADDR), (0xC0, 0xC8, 0xD0, 0xDC, 0xE0, 0xE4, 0xE8, 0xEC));
        assert_eq!((FSTS, FECTL, ICS, IECTL), (0x34, 0x38, 0x9C, 0xA0));
        let c = cap(0x22, 8);
        assert_eq!(c, (0x22 << 24) | (7 << 40));
        assert_eq!(cap_nr(c), 8);
        assert_eq!(frcd_offset(c, 0), 0x220);
        assert_eq!(frcd_offset(c, 3), 0x250);
        // 48-bit addresses (OP-19).
        assert_eq!(msi(0xFEE0_0000, 0xABCD_0001, 0).addr, 0x0001_FEE0_0000);
        assert_eq!(pre_offset(3), 0x818);
        assert_eq!(frcd_offset(cap(CAP_FRO_RTL, 4), 1), FRCD_BASE + 16);
        assert_eq!(ECAP_VALUE, (1 << 29) | (1 << 40) | (1 << 42) | (1 << 43));
        assert_eq!(msi(0xFEE0_0003, 0x1, 0xABCD_1234), Msi { addr: 0x1_FEE0_0000, data: 0x1234 });
        assert_eq!(pqa_base(0x1234_5678_9ABC_DEF5), 0x5678_9ABC_D000);
        assert_eq!(pqa_pqs(0x1234_5678_9ABC_DEF5), 5);
    }

    /// VTD-PRQ-12: W1C, bits [31:2] read 0.
    #[test]
    fn prs_rw1c() {
        assert_eq!(prs_write(0b11, 0b01), 0b10);
        assert_eq!(prs_write(0b11, 0b10), 0b01);
        assert_eq!(prs_write(0b11, 0), 0b11);
        assert_eq!(prs_write(0xFFFF_FFFF, 0xFFFF_FFFC), 0b11);
        assert_eq!(prs_write(0b11, 0xFFFF_FFFF), 0);
    }

    /// VTD-PRQ-1..3 with real values: PQS=0 → 128 entries, 4 KiB.
    #[test]
    fn prq_ring_examples() {
        let r = PrqRing::new(0);
        assert_eq!((r.entries(), r.bytes()), (128, 4096));
        assert!(r.empty(0, 0));
        assert!(r.empty(0x20, 0x1020)); // offsets modulo 32N (OP-11)
        assert_eq!(r.advance(0), 0x20);
        assert_eq!(r.advance(0xFE0), 0); // wraps modulo 32N
        assert!(r.full(0, 0xFE0)); // N-1 = 127 entries
        assert!(!r.full(0, 0xFC0));
        assert!(r.full(0x40, 0x20));
        assert_eq!(r.used(0, 0xFE0), 127);
        assert_eq!(r.free(0, 0xFE0), 0);
        assert_eq!(r.used(0x40, 0x20), 127);
        // Bits outside [18:5] are ignored (VTD-PRQ-2).
        assert_eq!(r.offset(0xFFFF_FFFF_FFF8_001F), 0);
        assert_eq!(r.entry_addr(0x8765_4000 | 0x7, 0x60), 0x8765_4060);
        // PQS=7: 2^14 entries, offsets use all of [18:5].
        let big = PrqRing::new(7);
        assert_eq!((big.entries(), big.bytes()), (16384, 0x8_0000));
        assert_eq!(big.offset(PQ_PTR_MASK), 0x7_FFE0);
        assert!(big.full(0, 0x7_FFE0));
    }

    #[test]
    fn frcd_layout() {
        let r = FaultRecord {
            f: true,
            t1: false,
            at: 0,
            pasid: 0xABCDE,
            fr: 0x47,
            pp: true,
            exe: true,
            priv_: false,
            t2: true,
            sid: 0x1234,
            fi: 0xF_FFFF_1234_5678,
        };
        let w = r.encode();
        assert_eq!(w[0], 0xF_FFFF_1234_5678 << 12);
        assert_eq!(w[1], 0x1234 | (1 << 28) | (1 << 30) | (1 << 31) | (0x47 << 32) | (0xABCDE << 40) | (1 << 63));
        let d = r.dwords();
        assert_eq!(d[3] >> 31, 1); // F in the dword at +12
        assert_eq!(d[3] & 0xFF, 0x47); // FR
        assert_eq!(d[2] & 0xFFFF, 0x1234); // SID in the dword at +8        assert_eq!(FaultRecord::decode(w), r);
        assert_eq!(r.read(0x0), w[0]);
        assert_eq!(r.read(0x4), (w[0] >> 32) | (w[1] << 32));
        assert_eq!(r.read(0x8), w[1]);
        assert_eq!(r.read(0xC), w[1] >> 32);
        assert!(frcd_write_clears_f(0x8, 1 << 63));
        assert!(frcd_write_clears_f(0xC, 1 << 31));
        assert!(!frcd_write_clears_f(0xC, 1 << 63));
        assert!(!frcd_write_clears_f(0x0, u64::MAX));
        assert!(!frcd_write_clears_f(0x4, u64::MAX));
    }

    proptest! {
        #[test]
        fn frcd_round_trip(lo in any::<u64>(), hi in any::<u64>()) {
            let w = [lo & !FRCD_ZERO_MASK[0], hi & !FRCD_ZERO_MASK[1]];
            prop_assert_eq!(FaultRecord::decode(w).encode(), w);
        }

        /// VTD-PRQ-3: from empty, full after exactly N-1 advances; used + free = N-1.
        #[test]
        fn prq_full_after_n_minus_1(pqs in 0u32..3, start in 0u64..(1 << 19)) {
            let r = PrqRing::new(pqs);
            let pqh = start & PQ_PTR_MASK;
            let mut pqt = pqh;
            for k in 0..r.entries() - 1 {
                prop_assert!(!r.full(pqh, pqt));
                prop_assert_eq!(r.used(pqh, pqt), k);
                prop_assert_eq!(r.used(pqh, pqt) + r.free(pqh, pqt), r.entries() - 1);
                pqt = r.advance(pqt);
                prop_assert!(!r.empty(pqh, pqt));
            }
            prop_assert!(r.full(pqh, pqt));
            prop_assert_eq!(r.advance(pqt), r.offset(pqh));
        }

        /// VTD-PRQ-1/2: entry addresses are 32-byte aligned and inside [base, base + 32N).
        #[test]
        fn prq_entry_in_window(pqs in 0u32..8, pqa in any::<u64>(), ptr in any::<u64>()) {
            let r = PrqRing::new(pqs);
            let a = r.entry_addr(pqa, ptr);
            prop_assert_eq!(a % 32, 0);
            prop_assert!(a.wrapping_sub(pqa_base(pqa)) & ADDR_MASK < r.bytes());
            prop_assert!(a <= ADDR_MASK);
        }
    }
}
