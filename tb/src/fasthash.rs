//! A fast hasher for the harness's small integer keys (addresses, RIDs, PASIDs, PRG indexes).
//! The standard SipHash defends against adversarial keys and costs more than the work around it;
//! the keys here come from the DUT and the scenario, not from an adversary.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Multiply-rotate mixing of each integer written.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

impl FastHasher {
    #[inline]
    fn mix(&mut self, v: u64) {
        self.0 = (self.0 ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.mix(u64::from(v));
    }
    #[inline]
    fn write_u16(&mut self, v: u16) {
        self.mix(u64::from(v));
    }
    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.mix(u64::from(v));
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.mix(v);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.mix(v as u64);
    }
}

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_small_keys_spread_and_maps_work() {
        let mut m: FastMap<(u16, u32), u64> = FastMap::default();
        for rid in 0..16u16 {
            for pasid in 0..64u32 {
                *m.entry((rid, pasid)).or_insert(0) += u64::from(rid) + u64::from(pasid);
            }
        }
        assert_eq!(m.len(), 16 * 64);
        assert_eq!(m[&(3, 5)], 8);
        let hash = |k: (u16, u32)| {
            let mut h = FastHasher::default();
            std::hash::Hash::hash(&k, &mut h);
            h.finish()
        };
        assert_ne!(hash((1, 2)), hash((2, 1)), "field order must matter");
    }
}
