//! What a flavor shows the fuzzer: its registered fuzz test (the interpreter of action
//! programs), the functions' requester IDs, the registers a program may touch, and which
//! environment actions its bench supports. Each flavor gives one (`Flavor::fuzz`).

use std::ops::RangeInclusive;

pub struct Surface {
    /// The registered test that interprets `Scenario::program`.
    pub test: &'static str,
    /// Requester IDs of the functions a program's device actions use (`func` indexes them).
    pub rids: &'static [u16],
    /// Registers a program may read and write, by name and offset, negative space included
    /// (upper dwords, holes). Registers whose writes would break the host's own bookkeeping are
    /// left out (their effects come from the host actions instead).
    pub registers: &'static [(&'static str, u32)],
    /// Width of a software response code in bits (reserved and illegal codes included).
    pub code_bits: u8,
    /// Low byte values of raw commands/descriptors worth trying besides random ones.
    pub opcodes: &'static [u8],
    /// log2 of the queue sizes programs use (small ones fill and overflow quickly).
    pub log2sizes: RangeInclusive<u32>,
    /// The bench models memory write errors for this flavor (OP-5).
    pub mem_errors: bool,
}
