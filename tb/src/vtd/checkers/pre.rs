//! The PRE table as software wrote it (DEC-5, VTD-PRQ-19, OP-20): RID [15:0], PRE [16] per
//! entry at 0x800 + 8i; a write takes effect for every message decided after its handshake, so a
//! message's row-a status is known when no table write happened between its acceptance and the
//! observation that depends on it (`gen` unchanged).

use models::vtd::arch::pre_enabled;
use models::vtd::regs;

pub(crate) struct PreTable {
    entries: Box<[u64]>,
    /// Table writes so far.
    pub gen: u64,
}

impl PreTable {
    /// `entries`: PRE_ENTRIES of the build (writes beyond it are ignored).
    pub fn new(entries: u32) -> Self {
        PreTable { entries: vec![0; entries as usize].into_boxed_slice(), gen: 0 }
    }

    /// Follow a register write.
    pub fn write(&mut self, addr: u32, data: u64) {
        let off = addr.wrapping_sub(regs::PRE_BASE);
        let i = (off / regs::PRE_STRIDE) as usize;
        if off.is_multiple_of(regs::PRE_STRIDE) && i < self.entries.len() {
            self.entries[i] = data & regs::PRE_STORED_MASK;
            self.gen += 1;
        }
    }

    pub fn enabled(&self, rid: u16) -> bool {
        pre_enabled(&self.entries, rid)
    }
}
