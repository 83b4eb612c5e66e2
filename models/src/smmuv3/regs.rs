//! SMMUv3 register offsets and fields used by the PRIQ and EVTQ blocks (smmuv3.md §2, rtl/README.md
//! "Registers"). Offsets are bytes from the SMMU base; Page 1 is base + 0x10000 (OP-8).

/// Page 1 offset.
pub const PAGE1: u32 = 0x1_0000;

pub const IDR0: u32 = 0x00000;
pub const IDR1: u32 = 0x00004;
pub const IDR3: u32 = 0x0000C;
pub const IDR5: u32 = 0x00014;
pub const CR0: u32 = 0x00020;
pub const CR0ACK: u32 = 0x00024;
pub const IRQ_CTRL: u32 = 0x00050;
pub const IRQ_CTRLACK: u32 = 0x00054;
pub const GERROR: u32 = 0x00060;
pub const GERRORN: u32 = 0x00064;
pub const CMDQ_CONS: u32 = 0x0009C;
/// 64-bit register (SMMU-EVTQ-1).
pub const EVENTQ_BASE: u32 = 0x000A0;
/// Not implemented by our RTL (interrupts are pulses, OP-7): read 0.
pub const EVENTQ_IRQ_CFG0: u32 = 0x000B0;
pub const EVENTQ_IRQ_CFG1: u32 = 0x000B8;
pub const EVENTQ_IRQ_CFG2: u32 = 0x000BC;
/// Page 1 only (OP-8).
pub const EVENTQ_PROD: u32 = PAGE1 + 0xA8;
/// Page 1 only (OP-8).
pub const EVENTQ_CONS: u32 = PAGE1 + 0xAC;
/// 64-bit register.
pub const PRIQ_BASE: u32 = 0x000C0;
/// Not implemented by our RTL (interrupts are pulses, OP-7): reads 0.
pub const PRIQ_IRQ_CFG0: u32 = 0x000D0;
/// Not implemented by our RTL (OP-7): reads 0.
pub const PRIQ_IRQ_CFG1: u32 = 0x000D8;
pub const PRIQ_IRQ_CFG2: u32 = 0x000DC;
/// Page 1 only (OP-8).
pub const PRIQ_PROD: u32 = PAGE1 + 0xC8;
/// Page 1 only (OP-8).
pub const PRIQ_CONS: u32 = PAGE1 + 0xCC;

/// Width of the register-bus address (`reg_addr` port).
pub const ADDR_BITS: u32 = 20;

/// IDR0.PRI [16].
pub const IDR0_PRI: u32 = 1 << 16;
/// IDR1.EVENTQS [20:16].
pub const IDR1_EVENTQS_SHIFT: u32 = 16;
/// IDR5.STALL_MAX [31:16].
pub const IDR5_STALL_MAX_SHIFT: u32 = 16;
/// IDR1.PRIQS [15:11].
pub const IDR1_PRIQS_SHIFT: u32 = 11;
/// IDR1.SSIDSIZE [10:6].
pub const IDR1_SSIDSIZE_SHIFT: u32 = 6;
/// SSIDSIZE of this product (smmuv3.md §1).
pub const SSIDSIZE: u32 = 20;
/// IDR3.PPS [5] (DEC-3).
pub const IDR3_PPS: u32 = 1 << 5;

/// CR0 / CR0ACK fields (SMMU-PRIQ-15).
pub const CR0_SMMUEN: u32 = 1 << 0;
pub const CR0_PRIQEN: u32 = 1 << 1;
pub const CR0_EVENTQEN: u32 = 1 << 2;
pub const CR0_CMDQEN: u32 = 1 << 3;
/// Bits of CR0 that are stored; others are ignored.
pub const CR0_MASK: u32 = 0xF;

/// IRQ_CTRL / IRQ_CTRLACK fields.
pub const IRQ_CTRL_GERROR_IRQEN: u32 = 1 << 0;
pub const IRQ_CTRL_PRIQ_IRQEN: u32 = 1 << 1;
pub const IRQ_CTRL_EVENTQ_IRQEN: u32 = 1 << 2;
pub const IRQ_CTRL_MASK: u32 = 0x7;

/// GERROR / GERRORN fields. An error is active while GERROR[x] != GERRORN[x] (§2).
pub const GERROR_CMDQ_ERR: u32 = 1 << 0;
pub const GERROR_EVENTQ_ABT_ERR: u32 = 1 << 2;
pub const GERROR_PRIQ_ABT_ERR: u32 = 1 << 3;
pub const GERROR_MSI_EVENTQ_ABT_ERR: u32 = 1 << 5;
pub const GERROR_MSI_PRIQ_ABT_ERR: u32 = 1 << 6;
/// GERRORN bits our RTL stores: [0], [2] and [3].
pub const GERRORN_MASK: u32 = GERROR_CMDQ_ERR | GERROR_EVENTQ_ABT_ERR | GERROR_PRIQ_ABT_ERR;

/// CMDQ_CONS.ERR [30:24].
pub const CMDQ_CONS_ERR_SHIFT: u32 = 24;
pub const CMDQ_CONS_ERR_MASK: u32 = 0x7F << CMDQ_CONS_ERR_SHIFT;
/// CMDQ_CONS.ERR value for an illegal command (SMMU-CMD-2).
pub const CERROR_ILL: u32 = 0x01;

/// PRIQ_BASE.LOG2SIZE [4:0].
pub const BASE_LOG2SIZE_MASK: u64 = 0x1F;
/// PRIQ_BASE.ADDR [47:5] as stored (OP-19: 48-bit addresses).
pub const BASE_ADDR_MASK: u64 = 0xFFFF_FFFF_FFE0;
/// Bits of PRIQ_BASE that are stored; WA [62] and the rest read as 0.
pub const BASE_STORED_MASK: u64 = BASE_ADDR_MASK | BASE_LOG2SIZE_MASK;

/// PRIQ_IRQ_CFG2.LO [31] "Last Only".
pub const IRQ_CFG2_LO: u32 = 1 << 31;

/// PROD/CONS: index+wrap in [19:0], OVFLG/OVACKFLG in [31] (smmuv3.md §3).
pub const PTR_WR_MASK: u32 = 0xF_FFFF;
pub const PTR_FLAG: u32 = crate::ring::FLAG_BIT;
pub const PTR_STORED_MASK: u32 = PTR_WR_MASK | PTR_FLAG;

/// PRIQ_BASE.LOG2SIZE.
pub fn base_log2size(base: u64) -> u32 {
    (base & BASE_LOG2SIZE_MASK) as u32
}

/// The queue base as a byte address, {ADDR[47:5], 5'b0}; the ring clears further low bits.
pub fn base_addr(base: u64) -> u64 {
    base & BASE_ADDR_MASK
}

/// IDR1 of a build with the given PRIQS and EVENTQS.
pub fn idr1(priqs: u32, eventqs: u32) -> u32 {
    (eventqs << IDR1_EVENTQS_SHIFT) | (priqs << IDR1_PRIQS_SHIFT) | (SSIDSIZE << IDR1_SSIDSIZE_SHIFT)
}

/// IDR5 of a build with the given STALL_MAX (other fields 0).
pub fn idr5(stall_max: u32) -> u32 {
    stall_max << IDR5_STALL_MAX_SHIFT
}

/// Is global error `bit` active (GERROR[x] != GERRORN[x])?
pub fn gerror_active(gerror: u32, gerrorn: u32, bit: u32) -> bool {
    (gerror ^ gerrorn) & bit != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_positions() {
        assert_eq!(idr1(8, 0), 0x4000 | 0x500);
        assert_eq!(idr1(0, 7), 0x7_0000 | 0x500);
        assert_eq!(idr5(4), 0x4_0000);
        assert_eq!((EVENTQ_BASE, EVENTQ_PROD, EVENTQ_CONS), (0xA0, 0x100A8, 0x100AC));
        assert_eq!(base_log2size(0x8000_1234_5678_9AB3), 0x13);
        assert_eq!(base_addr(0x4000_1234_5678_9ABF), 0x1234_5678_9AA0);
        assert!(gerror_active(0b1000, 0, GERROR_PRIQ_ABT_ERR));
        assert!(!gerror_active(0b1001, 0b1001, GERROR_PRIQ_ABT_ERR));
        assert_eq!(PRIQ_PROD, 0x100C8);
        assert_eq!(PRIQ_CONS, 0x100CC);
    }
}
