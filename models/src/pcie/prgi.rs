//! PRG index allocator of one function (DEC-11, PRI-8, PRI-9, PRI-10).
//!
//! Deterministic: the lowest free index; in the shared mode, for a PASID request, the lowest index
//! already held only by PRGs of other PASIDs is preferred, so the Linux grouping-by-index hazard
//! (HOST-4) actually occurs.

/// PRGIs are 9 bits.
pub const PRGI_COUNT: usize = 512;

/// Which (PRGI, PASID) pairs are held by outstanding (or open) PRGs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrgiAllocator {
    /// One bit per PRGI held by at least one PRG.
    used: [u64; PRGI_COUNT / 64],
    /// Every holder: (PRGI, PASID or None for PV=0). Bounded by the outstanding PRGs.
    holders: Vec<(u16, Option<u32>)>,
}

impl PrgiAllocator {
    pub fn new() -> Self {
        Self::default()
    }

    fn lowest_free(&self) -> Option<u16> {
        self.used.iter().enumerate().find(|(_, w)| **w != u64::MAX).map(|(k, w)| (k * 64) as u16 + w.trailing_ones() as u16)
    }

    fn set(&mut self, prgi: u16, on: bool) {
        let (k, b) = (usize::from(prgi) / 64 % (PRGI_COUNT / 64), prgi % 64);
        if on {
            self.used[k] |= 1 << b;
        } else {
            self.used[k] &= !(1 << b);
        }
    }

    /// Whether any PRG holds `prgi`.
    pub fn is_used(&self, prgi: u16) -> bool {
        let (k, b) = (usize::from(prgi) / 64 % (PRGI_COUNT / 64), prgi % 64);
        self.used[k] & (1 << b) != 0
    }

    /// Number of PRGs holding `prgi`.
    pub fn holders(&self, prgi: u16) -> usize {
        self.holders.iter().filter(|h| h.0 == prgi).count()
    }

    /// Pick and take an index for a new PRG with `pasid` (None: PV=0).
    /// PRI-8 (default): an index no PRG holds. PRI-9 (`shared`, PRPR=1 checked by the config):
    /// a PV=1 PRG may take an index held only by PV=1 PRGs of other PASIDs, never a second one per
    /// (PASID, PRGI); a PV=0 PRG always takes an unshared index.
    pub fn alloc(&mut self, pasid: Option<u32>, shared: bool) -> Option<u16> {
        let mut pick = None;
        if let (true, Some(p)) = (shared, pasid) {
            // Lowest index whose every holder is another PASID (DEC-11 hazard on purpose).
            pick = self
                .holders
                .iter()
                .map(|h| h.0)
                .filter(|&i| self.holders.iter().filter(|h| h.0 == i).all(|h| matches!(h.1, Some(q) if q != p)))
                .min();
        }
        let prgi = match pick {
            Some(i) => i,
            None => self.lowest_free()?,
        };
        self.set(prgi, true);
        self.holders.push((prgi, pasid));
        Some(prgi)
    }

    /// PRI-10: the PRG (prgi, pasid) is answered or gone; the index is free once no PRG holds it.
    pub fn release(&mut self, prgi: u16, pasid: Option<u32>) {
        if let Some(k) = self.holders.iter().position(|h| *h == (prgi, pasid)) {
            self.holders.swap_remove(k);
        }
        if !self.holders.iter().any(|h| h.0 == prgi) {
            self.set(prgi, false);
        }
    }

    /// PRI-21 Reset / PRI-19 Response Failure: every index free.
    pub fn clear(&mut self) {
        self.used = [0; PRGI_COUNT / 64];
        self.holders.clear();
    }
}
