//! Event queue record, 32 bytes as four little-endian 64-bit words (smmuv3.md §6; SMMU-EVTQ-2),
//! the event IDs (§7.3) and the record fields as they arrive on the event input (rtl/README.md
//! "SMMUv3 event queue"). The field table is written with absolute bit positions, as in the spec.

use bitvec::prelude::*;

/// Record size in bytes.
pub const RECORD_BYTES: u64 = 32;

type Bits = BitArray<[u64; 4], Lsb0>;

/// Absolute bit ranges of §6 (inclusive): dw0 starts at 0, dw1 at 64, dw2 at 128, dw3 at 192.
mod field {
    use core::ops::RangeInclusive;
    pub const EVENT_ID: RangeInclusive<usize> = 0..=7;
    pub const SSV: usize = 11;
    pub const SUBSTREAM_ID: RangeInclusive<usize> = 12..=31;
    pub const STREAM_ID: RangeInclusive<usize> = 32..=63;
    pub const STAG: RangeInclusive<usize> = 64..=79;
    pub const STALL: usize = 64 + 31;
    pub const PNU: usize = 64 + 33;
    pub const IND: usize = 64 + 34;
    pub const RNW: usize = 64 + 35;
    pub const S2: usize = 64 + 39;
    pub const CLASS: RangeInclusive<usize> = 104..=105;
    pub const TTRNW: usize = 64 + 44;
    pub const INPUT_ADDR: RangeInclusive<usize> = 128..=191;
    /// dw3 [55:3]: FetchAddr; its top 44 bits, dw3 [55:12], are the IPA when S2=1.
    pub const ADDR2: RangeInclusive<usize> = 195..=247;
}

/// Mask of the RES0 bits in each word: every bit §6 does not name.
pub const RES0_MASK: [u64; 4] = [
    // dw0: [10:8]
    0x7 << 8,
    // dw1: [30:16], [32], [38:36], [43:42], [63:45]
    (0x7FFF << 16) | (1 << 32) | (0x7 << 36) | (0x3 << 42) | (!0u64 << 45),
    0,
    // dw3: [2:0], [63:56]
    0x7 | (0xFF << 56),
];

/// Event IDs of §7.3 with their names.
pub const EVENT_IDS: &[(u8, &str)] = &[
    (0x01, "F_UUT"),
    (0x02, "C_BAD_STREAMID"),
    (0x03, "F_STE_FETCH"),
    (0x04, "C_BAD_STE"),
    (0x05, "F_BAD_ATS_TREQ"),
    (0x06, "F_STREAM_DISABLED"),
    (0x07, "F_TRANSL_FORBIDDEN"),
    (0x08, "C_BAD_SUBSTREAMID"),
    (0x09, "F_CD_FETCH"),
    (0x0A, "C_BAD_CD"),
    (0x0B, "F_WALK_EABT"),
    (0x10, "F_TRANSLATION"),
    (0x11, "F_ADDR_SIZE"),
    (0x12, "F_ACCESS"),
    (0x13, "F_PERMISSION"),
    (0x20, "F_TLB_CONFLICT"),
    (0x21, "F_CFG_CONFLICT"),
    (0x24, "E_PAGE_REQUEST"),
    (0x25, "F_VMS_FETCH"),
];

pub const C_BAD_SUBSTREAMID: u8 = 0x08;
pub const F_TRANSLATION: u8 = 0x10;
pub const F_PERMISSION: u8 = 0x13;

/// The name of an event ID: from the list, `IMPDEF` for 0xE0-0xEF, else `reserved`.
pub fn event_name(id: u8) -> &'static str {
    match EVENT_IDS.iter().find(|(i, _)| *i == id) {
        Some((_, n)) => n,
        None if (0xE0..=0xEF).contains(&id) => "IMPDEF",
        None => "reserved",
    }
}

/// Only F_TRANSLATION, F_ADDR_SIZE, F_ACCESS and F_PERMISSION (0x10-0x13) can stall (§6).
pub fn can_stall(id: u8) -> bool {
    (F_TRANSLATION..=F_PERMISSION).contains(&id)
}

/// A record as the translation pipeline presents it on the event input (`ev_*` ports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EventInput {
    pub id: u8,
    pub sid: u32,
    pub ssv: bool,
    /// 20 bits.
    pub ssid: u32,
    pub stall: bool,
    pub pnu: bool,
    pub ind: bool,
    pub rnw: bool,
    pub s2: bool,
    /// 2 bits.
    pub class: u8,
    pub ttrnw: bool,
    pub iaddr: u64,
    /// Address bits [55:3] (53 bits).
    pub addr2: u64,
}

impl EventInput {
    /// Fields masked to the port widths.
    pub fn masked(&self) -> EventInput {
        EventInput { ssid: self.ssid & 0xF_FFFF, class: self.class & 3, addr2: self.addr2 & ((1 << 53) - 1), ..*self }
    }
    /// A stall record: Stall=1 on an event that can stall (rtl/README.md).
    pub fn is_stall(&self) -> bool {
        self.stall && can_stall(self.id)
    }
}

/// One event record, field by field (§6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventRecord {
    pub event_id: u8,
    pub ssv: bool,
    pub substream_id: u32,
    pub stream_id: u32,
    pub stag: u16,
    pub stall: bool,
    pub pnu: bool,
    pub ind: bool,
    pub rnw: bool,
    pub s2: bool,
    pub class: u8,
    pub ttrnw: bool,
    pub input_addr: u64,
    /// dw3 bits [55:3], unshifted by 3 (FetchAddr >> 3; IPA [55:12] is `addr2 >> 9`).
    pub addr2: u64,
}

impl EventRecord {
    /// The record hardware writes for an input record (SMMU-EVTQ-2): Stall and STAG only for a
    /// stall record, InD=0 when RnW=0, SubstreamID 0 when SSV=0 except C_BAD_SUBSTREAMID, which
    /// has no SSV and always carries the SubstreamID.
    pub fn from_input(e: &EventInput, stag: u16) -> EventRecord {
        let e = e.masked();
        let stall = e.is_stall();
        let bad_ssid = e.id == C_BAD_SUBSTREAMID;
        EventRecord {
            event_id: e.id,
            ssv: e.ssv && !bad_ssid,
            substream_id: if e.ssv || bad_ssid { e.ssid } else { 0 },
            stream_id: e.sid,
            stag: if stall { stag } else { 0 },
            stall,
            pnu: e.pnu,
            ind: e.ind && e.rnw,
            rnw: e.rnw,
            s2: e.s2,
            class: e.class,
            ttrnw: e.ttrnw,
            input_addr: e.iaddr,
            addr2: e.addr2,
        }
    }

    /// Little-endian words [dw0..dw3]; RES0 bits are 0; fields are truncated to their width.
    pub fn encode(&self) -> [u64; 4] {
        let mut b = Bits::ZERO;
        b[field::EVENT_ID].store_le(self.event_id);
        b.set(field::SSV, self.ssv);
        b[field::SUBSTREAM_ID].store_le(self.substream_id);
        b[field::STREAM_ID].store_le(self.stream_id);
        b[field::STAG].store_le(self.stag);
        b.set(field::STALL, self.stall);
        b.set(field::PNU, self.pnu);
        b.set(field::IND, self.ind);
        b.set(field::RNW, self.rnw);
        b.set(field::S2, self.s2);
        b[field::CLASS].store_le(self.class);
        b.set(field::TTRNW, self.ttrnw);
        b[field::INPUT_ADDR].store_le(self.input_addr);
        b[field::ADDR2].store_le(self.addr2);
        b.into_inner()
    }

    /// Decode words; RES0 bits are ignored (see `res0_bits`).
    pub fn decode(words: [u64; 4]) -> EventRecord {
        let b = Bits::new(words);
        EventRecord {
            event_id: b[field::EVENT_ID].load_le(),
            ssv: b[field::SSV],
            substream_id: b[field::SUBSTREAM_ID].load_le(),
            stream_id: b[field::STREAM_ID].load_le(),
            stag: b[field::STAG].load_le(),
            stall: b[field::STALL],
            pnu: b[field::PNU],
            ind: b[field::IND],
            rnw: b[field::RNW],
            s2: b[field::S2],
            class: b[field::CLASS].load_le(),
            ttrnw: b[field::TTRNW],
            input_addr: b[field::INPUT_ADDR].load_le(),
            addr2: b[field::ADDR2].load_le(),
        }
    }

    /// The words hardware writes for input `e` with STAG `stag` (SMMU-EVTQ-2).
    pub fn encode_input(e: &EventInput, stag: u16) -> [u64; 4] {
        EventRecord::from_input(e, stag).encode()
    }

    /// The IPA [55:12] (meaningful when S2=1), unshifted.
    pub fn ipa(&self) -> u64 {
        (self.addr2 >> 9) << 12
    }

    /// FetchAddr [55:3], unshifted.
    pub fn fetch_addr(&self) -> u64 {
        self.addr2 << 3
    }
}

/// RES0 bits that are set in raw words (0 for any record hardware writes).
pub fn res0_bits(words: [u64; 4]) -> [u64; 4] {
    let mut r = [0; 4];
    for k in 0..4 {
        r[k] = words[k] & RES0_MASK[k];
    }
    r
}

/// True for words hardware may write (SMMU-EVTQ-2): RES0 bits 0; Stall and STAG 0 unless the
/// event can stall; InD=0 when RnW=0; SubstreamID 0 when SSV=0 except for C_BAD_SUBSTREAMID,
/// whose SSV bit is 0.
pub fn is_well_formed(words: [u64; 4]) -> bool {
    let e = EventRecord::decode(words);
    let bad_ssid = e.event_id == C_BAD_SUBSTREAMID;
    res0_bits(words) == [0; 4]
        && (!e.stall || can_stall(e.event_id))
        && (e.stall || e.stag == 0)
        && (e.rnw || !e.ind)
        && (if bad_ssid { !e.ssv } else { e.ssv || e.substream_id == 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_layout() {
        let e = EventInput {
            id: 0x13,
            sid: 0xDEAD_BEEF,
            ssv: true,
            ssid: 0xABCDE,
            stall: true,
            pnu: true,
            ind: true,
            rnw: true,
            s2: true,
            class: 0b10,
            ttrnw: true,
            iaddr: 0x1234_5678_9ABC_DEF0,
            addr2: 0x1F_FFFF_FFFF_FFFF,
        };
        let w = EventRecord::encode_input(&e, 0x0102);
        assert_eq!(w[0], 0x13 | (1 << 11) | (0xABCDE << 12) | (0xDEAD_BEEF << 32));
        assert_eq!(w[1], 0x0102 | (1 << 31) | (1 << 33) | (1 << 34) | (1 << 35) | (1 << 39) | (0b10 << 40) | (1 << 44));
        assert_eq!(w[2], 0x1234_5678_9ABC_DEF0);
        assert_eq!(w[3], 0x1F_FFFF_FFFF_FFFF << 3);
        assert!(is_well_formed(w));
        let r = EventRecord::decode(w);
        assert_eq!(r.fetch_addr(), 0x00FF_FFFF_FFFF_FFF8);
        assert_eq!(r.ipa(), 0x00FF_FFFF_FFFF_F000);
    }

    #[test]
    fn smmu_evtq_2_field_rules() {
        // Stall on an event that cannot stall: Stall=0, STAG=0.
        let e = EventInput { id: 0x02, stall: true, ..Default::default() };
        assert_eq!(EventRecord::encode_input(&e, 7)[1], 0);
        // InD=0 when RnW=0.
        let e = EventInput { id: 0x10, ind: true, rnw: false, ..Default::default() };
        assert!(!EventRecord::from_input(&e, 0).ind);
        // SubstreamID 0 when SSV=0...
        let e = EventInput { id: 0x10, ssv: false, ssid: 0x55, ..Default::default() };
        assert_eq!(EventRecord::from_input(&e, 0).substream_id, 0);
        // ...except C_BAD_SUBSTREAMID, which has no SSV and always carries it.
        let e = EventInput { id: C_BAD_SUBSTREAMID, ssv: true, ssid: 0x55, ..Default::default() };
        let r = EventRecord::from_input(&e, 0);
        assert_eq!((r.ssv, r.substream_id), (false, 0x55));
        assert!(is_well_formed(r.encode()));
    }

    #[test]
    fn res0_detection() {
        assert_eq!(res0_bits([u64::MAX; 4]), RES0_MASK);
        for (k, m) in RES0_MASK.iter().enumerate() {
            let mut w = [0; 4];
            w[k] = 1 << m.trailing_zeros();
            if *m != 0 {
                assert!(!is_well_formed(w), "word {k}");
            }
        }
        // The named fields and the RES0 mask cover every bit exactly once.
        let named = EventRecord::decode([u64::MAX; 4]).encode();
        for k in 0..4 {
            assert_eq!(named[k] | RES0_MASK[k], u64::MAX, "word {k}");
            assert_eq!(named[k] & RES0_MASK[k], 0, "word {k}");
        }
    }

    #[test]
    fn names_and_stall_capability() {
        assert_eq!(event_name(0x10), "F_TRANSLATION");
        assert_eq!(event_name(0xE5), "IMPDEF");
        assert_eq!(event_name(0x30), "reserved");
        let stalling: Vec<u8> = EVENT_IDS.iter().map(|e| e.0).filter(|&i| can_stall(i)).collect();
        assert_eq!(stalling, vec![0x10, 0x11, 0x12, 0x13]);
    }

    pub(crate) fn any_input() -> impl Strategy<Value = EventInput> {
        (any::<(u8, u32, bool, u32, bool)>(), any::<[bool; 6]>(), any::<(u8, u64, u64)>()).prop_map(
            |((id, sid, ssv, ssid, stall), f, (class, iaddr, addr2))| {
                EventInput { id, sid, ssv, ssid, stall, pnu: f[0], ind: f[1], rnw: f[2], s2: f[3], class, ttrnw: f[4], iaddr, addr2 }
                    .masked()
            },
        )
    }

    proptest! {
        #[test]
        fn words_round_trip(w in any::<[u64; 4]>()) {
            let w = [w[0] & !RES0_MASK[0], w[1] & !RES0_MASK[1], w[2], w[3] & !RES0_MASK[3]];
            prop_assert_eq!(EventRecord::decode(w).encode(), w);
        }

        /// Whatever the input carries, the written record is well formed and decodes to the
        /// record `from_input` built.
        #[test]
        fn input_round_trip(e in any_input(), stag in any::<u16>()) {
            let r = EventRecord::from_input(&e, stag);
            let w = r.encode();
            prop_assert!(is_well_formed(w));
            prop_assert_eq!(EventRecord::decode(w), r);
            prop_assert_eq!(r.stall, e.is_stall());
        }
    }
}
