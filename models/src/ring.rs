//! SMMU queue pointer arithmetic (SMMU-PRIQ-1, SMMU-PRIQ-2, SMMU-EVTQ-1; smmuv3.md §3).
//!
//! A pointer register (PROD or CONS) holds index = bits [n-1:0], wrap = bit [n], ignored bits
//! [19:n+1] and a flag in bit 31 (OVFLG or OVACKFLG). Everything here looks at bits [n:0] only,
//! so the upper bits never change behaviour. Shared by every SMMU queue flavour: the entry size is
//! a parameter (16 bytes for the PRIQ, 32 for the EVTQ).

/// The flag bit of a pointer register: PROD.OVFLG or CONS.OVACKFLG (bit 31).
pub const FLAG_BIT: u32 = 1 << 31;

/// Geometry of one queue: 2^n entries. Cheap to copy; build it once per use from the registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ring {
    n: u32,
}

impl Ring {
    /// Largest n a queue pointer can hold (bits [19:0] carry index and wrap).
    pub const MAX_N: u32 = 19;

    /// n = min(LOG2SIZE, max) (SMMU-PRIQ-1). `max` is the IDR1 field (PRIQS, EVENTQS).
    pub fn new(log2size: u32, max: u32) -> Ring {
        let n = log2size.min(max);
        assert!(n <= Self::MAX_N, "queue log2 size {n} exceeds {}", Self::MAX_N);
        Ring { n }
    }

    pub fn n(self) -> u32 {
        self.n
    }

    /// Number of entries, 2^n.
    pub fn entries(self) -> u32 {
        1 << self.n
    }

    /// Mask of bits [n:0]: index and wrap.
    fn ptr_mask(self) -> u32 {
        (1 << (self.n + 1)) - 1
    }

    /// Index, bits [n-1:0].
    pub fn index(self, ptr: u32) -> u32 {
        ptr & (self.entries() - 1)
    }

    /// Wrap, bit [n].
    pub fn wrap(self, ptr: u32) -> bool {
        ptr & self.entries() != 0
    }

    /// Empty: equal index and equal wrap (SMMU-PRIQ-2).
    pub fn empty(self, prod: u32, cons: u32) -> bool {
        (prod ^ cons) & self.ptr_mask() == 0
    }

    /// Full: equal index, different wrap (SMMU-PRIQ-2).
    pub fn full(self, prod: u32, cons: u32) -> bool {
        (prod ^ cons) & self.ptr_mask() == self.entries()
    }

    /// Entries between CONS and PROD: (PROD - CONS) mod 2^(n+1) on bits [n:0]. At most 2^n
    /// unless the pair is inconsistent (PROD behind CONS, a software misprogramming).
    pub fn used(self, prod: u32, cons: u32) -> u32 {
        prod.wrapping_sub(cons) & self.ptr_mask()
    }

    /// PROD is not behind CONS: 0 <= used <= 2^n.
    pub fn consistent(self, prod: u32, cons: u32) -> bool {
        self.used(prod, cons) <= self.entries()
    }

    /// Free slots: 2^n - (WR - RD) with equal wraps, else RD - WR (smmuv3.md §3); 0 for an
    /// inconsistent pair.
    pub fn free(self, prod: u32, cons: u32) -> u32 {
        self.entries().saturating_sub(self.used(prod, cons))
    }

    /// Hardware advance (SMMU-PRIQ-3): add 1 to bits [n:0] modulo 2^(n+1); every other bit
    /// (bits [19:n+1] and the flag) is kept as it is.
    pub fn incr(self, ptr: u32) -> u32 {
        let m = self.ptr_mask();
        (ptr & !m) | (ptr.wrapping_add(1) & m)
    }

    /// The advance undone: subtract 1 from bits [n:0] modulo 2^(n+1), other bits kept (a judge
    /// taking back an entry it expected when the write failed, SMMU-PRIQ-16).
    pub fn decr(self, ptr: u32) -> u32 {
        let m = self.ptr_mask();
        (ptr & !m) | (ptr.wrapping_sub(1) & m)
    }

    /// log2 of the base alignment: the queue size in bytes, at least 32 (SMMU-PRIQ-1).
    pub fn align_log2(self, entry_size: u64) -> u32 {
        assert!(entry_size.is_power_of_two(), "entry size must be a power of two");
        (entry_size.trailing_zeros() + self.n).max(5)
    }

    /// Byte address of entry `k` (its index): the base with its low `align_log2` bits cleared,
    /// plus `entry_size * k` (SMMU-PRIQ-1).
    pub fn entry_addr(self, base: u64, k: u32, entry_size: u64) -> u64 {
        let align = (1u64 << self.align_log2(entry_size)) - 1;
        (base & !align) + entry_size * u64::from(self.index(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Bits of a pointer register that are outside [n:0].
    fn upper_mask(r: Ring) -> u32 {
        !((1u32 << (r.n() + 1)) - 1)
    }

    #[test]
    fn n_is_min_of_log2size_and_max() {
        assert_eq!(Ring::new(5, 8).n(), 5);
        assert_eq!(Ring::new(31, 8).n(), 8);
        assert_eq!(Ring::new(0, 8).n(), 0);
    }

    #[test]
    fn fixed_examples() {
        let r = Ring::new(1, 8); // two entries
        assert!(r.empty(0, 0));
        assert_eq!(r.incr(0), 1);
        assert_eq!(r.incr(1), 2);
        assert_eq!(r.incr(3), 0);
        assert!(r.full(2, 0));
        assert!(!r.full(1, 0));
        assert_eq!(r.free(1, 0), 1);
        // Bits [19:2] and bit 31 are kept by the increment and ignored by the compares.
        assert_eq!(r.incr(0x8000_0007), 0x8000_0004);
        assert!(r.empty(0x8000_0004, 0x0000_0000));
        // Base aligned to max(16*2, 32) = 32 bytes; entry 1 at +16.
        assert_eq!(r.entry_addr(0x1234_5678, 1, 16), 0x1234_5660 + 16);
        // 32-byte entries, n = 3: 256-byte alignment.
        let e = Ring::new(3, 19);
        assert_eq!(e.entry_addr(0x1000_01ff, 5, 32), 0x1000_0100 + 5 * 32);
    }

    fn n_and_ptr() -> impl Strategy<Value = (u32, u32, u32)> {
        (0u32..=19, any::<u32>(), any::<u32>())
    }

    proptest! {
        /// 2^(n+1) increments return to the start value, upper bits and flag untouched.
        #[test]
        fn incr_period((n, p, _) in n_and_ptr()) {
            let r = Ring::new(n, 19);
            let mut q = p;
            for i in 1..=(1u32 << (n + 1)) {
                q = r.incr(q);
                prop_assert_eq!(q & upper_mask(r), p & upper_mask(r));
                if i < (1 << (n + 1)) { prop_assert_ne!(q, p); }
            }
            prop_assert_eq!(q, p);
        }

        /// A decrement undoes an increment, upper bits and flag untouched.
        #[test]
        fn decr_undoes_incr((n, p, _) in n_and_ptr()) {
            let r = Ring::new(n, 19);
            prop_assert_eq!(r.decr(r.incr(p)), p);
            prop_assert_eq!(r.incr(r.decr(p)), p);
        }

        /// From empty, the queue is full after exactly 2^n increments of PROD and not before.
        #[test]
        fn full_after_2_pow_n((n, cons, _) in n_and_ptr()) {
            let r = Ring::new(n, 19);
            let mut prod = cons;
            prop_assert!(r.empty(prod, cons));
            for _ in 0..(1u32 << n) {
                prop_assert!(!r.full(prod, cons));
                prod = r.incr(prod);
                prop_assert!(!r.empty(prod, cons));
            }
            prop_assert!(r.full(prod, cons));
        }

        /// free() agrees with full()/empty() and with the §3 formula.
        #[test]
        fn free_consistent((n, prod, cons) in n_and_ptr()) {
            let r = Ring::new(n, 19);
            let free = r.free(prod, cons);
            prop_assert!(free <= r.entries());
            if r.consistent(prod, cons) {
                prop_assert_eq!(free == 0, r.full(prod, cons));
                prop_assert_eq!(free == r.entries(), r.empty(prod, cons));
                prop_assert_eq!(free + r.used(prod, cons), r.entries());
            }
            // §3 formula, for consistent pairs (PROD not behind CONS).
            let (wr, rd) = (r.index(prod), r.index(cons));
            if r.wrap(prod) == r.wrap(cons) && rd <= wr {
                prop_assert_eq!(free, r.entries() - (wr - rd));
            } else if r.wrap(prod) != r.wrap(cons) && wr <= rd {
                prop_assert_eq!(free, rd - wr);
            }
        }

        /// Bits [19:n+1] and bit 31 never change any answer (SMMU-PRIQ-2).
        #[test]
        fn upper_bits_ignored((n, prod, cons) in n_and_ptr(), noise_p in any::<u32>(), noise_c in any::<u32>()) {
            let r = Ring::new(n, 19);
            let um = upper_mask(r);
            let (p2, c2) = ((prod & !um) | (noise_p & um), (cons & !um) | (noise_c & um));
            prop_assert_eq!(r.empty(prod, cons), r.empty(p2, c2));
            prop_assert_eq!(r.full(prod, cons), r.full(p2, c2));
            prop_assert_eq!(r.free(prod, cons), r.free(p2, c2));
            prop_assert_eq!(r.index(prod), r.index(p2));
            prop_assert_eq!(r.wrap(prod), r.wrap(p2));
            prop_assert_eq!(r.incr(prod) & !um, r.incr(p2) & !um);
            prop_assert_eq!(r.entry_addr(0x4000_0000, prod, 16), r.entry_addr(0x4000_0000, p2, 16));
        }

        /// Entry addresses are aligned, distinct and inside the queue's window.
        #[test]
        fn entry_addr_in_window((n, k, _) in n_and_ptr(), base in any::<u64>(), big in any::<bool>()) {
            let r = Ring::new(n, 19);
            let size = if big { 32 } else { 16 };
            let base = base & 0xFFFF_FFFF_FFFF;
            let a = r.entry_addr(base, k, size);
            let b0 = r.entry_addr(base, 0, size);
            prop_assert_eq!(b0 % (1u64 << r.align_log2(size)), 0);
            prop_assert_eq!(a - b0, size * u64::from(r.index(k)));
            prop_assert!(a - b0 < (size << n).max(32));
        }
    }
}
