//! PRI Extended Capability registers of one function (pcie-pri.md §6, PCIe §10.5.2): the register
//! bits only. What a register write does to PRGs (abandon, reset) is applied by
//! [`super::PcieFunction`], which owns this block.
//!
//! Host misuse (PRI-23) is recorded as a [`Violation`], never a panic.

use crate::rules::{self, RuleId};
use serde::Serialize;
use std::fmt;

/// Control (offset 0x04) bit 0: Enable (RW).
pub const CTRL_ENABLE: u16 = 1 << 0;
/// Control bit 1: Reset (write-only, reads 0; PRI-21).
pub const CTRL_RESET: u16 = 1 << 1;
/// Status (offset 0x06) bit 0: Response Failure (RW1C; PRI-19, PRI-21).
pub const STATUS_RF: u16 = 1 << 0;
/// Status bit 1: Unexpected PRG Index (RW1C; PRI-20, PRI-21).
pub const STATUS_UPRGI: u16 = 1 << 1;
/// Status bit 8: Stopped (RO; PRI-22).
pub const STATUS_STOPPED: u16 = 1 << 8;
/// Status bit 15: PRG Response PASID Required (RO, configuration; DEC-13).
pub const STATUS_PRPR: u16 = 1 << 15;

/// A rule broken by someone other than the function model acting legally: host misuse of the
/// capability (PRI-23) or a response carrying a PASID to a PRPR=0 function (PRI-14).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub rule: RuleId,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.detail)
    }
}

/// What a Control write changed, for the function to apply to its PRG state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ControlChange {
    /// Enable went 0→1 (PRI-21: RF, UPRGI cleared, Allocation latched).
    pub enabled: bool,
    /// Enable went 1→0 (PRI-22: open PRGs abandoned).
    pub disabled: bool,
    /// Reset=1 with Enable left 0 (PRI-21: clear all PRG state, credits and the PRGI allocator).
    pub reset: bool,
}

/// The PRI capability registers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriCapability {
    enable: bool,
    rf: bool,
    uprgi: bool,
    prpr: bool,
    capacity: u32,
    /// The Allocation register as last written.
    allocation: u32,
    /// The Allocation in force, latched at the last Enable 0→1 (PRI-11, PRI-21).
    latched: u32,
    /// A Reset took effect and Enable has not been set since (PRI-23 "right after a Reset").
    after_reset: bool,
}

impl PriCapability {
    /// Out of reset: Enable=0, RF=UPRGI=0, Allocation=0.
    pub fn new(prpr: bool, capacity: u32) -> Self {
        PriCapability { enable: false, rf: false, uprgi: false, prpr, capacity, allocation: 0, latched: 0, after_reset: true }
    }

    pub fn enabled(&self) -> bool {
        self.enable
    }
    pub fn rf(&self) -> bool {
        self.rf
    }
    pub fn uprgi(&self) -> bool {
        self.uprgi
    }
    pub fn prpr(&self) -> bool {
        self.prpr
    }
    pub fn capacity(&self) -> u32 {
        self.capacity
    }
    /// Allocation in force (latched at the last Enable 0→1, PRI-21).
    pub fn latched_allocation(&self) -> u32 {
        self.latched
    }

    /// PRI-19: a Response Failure (or reserved code, DEC-8) sets Status.RF.
    pub fn set_rf(&mut self) {
        self.rf = true;
    }
    /// PRI-20: a response matching no outstanding PRG sets Status.UPRGI.
    pub fn set_uprgi(&mut self) {
        self.uprgi = true;
    }

    /// Control: Enable in bit 0; Reset reads 0 (PRI-21).
    pub fn read_control(&self) -> u16 {
        if self.enable {
            CTRL_ENABLE
        } else {
            0
        }
    }

    /// Status. `outstanding` says whether any PRG is outstanding: Stopped reads 1 iff Enable=0 and
    /// none is; with Enable=1 the model reads it as 0 (PRI-22).
    pub fn read_status(&self, outstanding: bool) -> u16 {
        let mut s = 0;
        if self.rf {
            s |= STATUS_RF;
        }
        if self.uprgi {
            s |= STATUS_UPRGI;
        }
        if !self.enable && !outstanding {
            s |= STATUS_STOPPED;
        }
        if self.prpr {
            s |= STATUS_PRPR;
        }
        s
    }

    pub fn read_capacity(&self) -> u32 {
        self.capacity
    }
    /// The Allocation register as last written (not necessarily the one in force).
    pub fn read_allocation(&self) -> u32 {
        self.allocation
    }

    /// Control write. `outstanding`: any PRG outstanding before the write (for Stopped, PRI-23).
    /// PRI-21: Enable 0→1 clears RF, UPRGI (and so Stopped) and latches Allocation (at most
    /// Capacity); Reset=1 takes effect only if the write leaves Enable=0.
    /// PRI-23: setting Enable while Stopped=0 and not right after a Reset is host misuse.
    pub fn write_control(&mut self, value: u16, outstanding: bool, violations: &mut Vec<Violation>) -> ControlChange {
        let en = value & CTRL_ENABLE != 0;
        let reset = value & CTRL_RESET != 0;
        let mut change = ControlChange::default();
        if !self.enable && en {
            // PRI-23: Stopped=1 (Enable=0 and nothing outstanding) or right after a Reset.
            if outstanding && !self.after_reset {
                violations.push(Violation { rule: rules::PRI_23, detail: "Enable set while Stopped=0 and not right after a Reset".into() });
            }
            self.enable = true;
            self.rf = false;
            self.uprgi = false;
            self.latched = self.allocation.min(self.capacity);
            self.after_reset = false;
            change.enabled = true;
        } else if self.enable && !en {
            self.enable = false;
            change.disabled = true;
        }
        if reset && !en {
            // PRI-21: effective Reset (Enable left 0).
            self.after_reset = true;
            change.reset = true;
        }
        change
    }

    /// Status write: RF and UPRGI are RW1C, the other bits are RO (PRI-21).
    pub fn write_status(&mut self, value: u16) {
        if value & STATUS_RF != 0 {
            self.rf = false;
        }
        if value & STATUS_UPRGI != 0 {
            self.uprgi = false;
        }
    }

    /// Allocation write (RW). It takes effect at the next Enable 0→1 only (PRI-21). PRI-23: the host
    /// writes it only while Enable=0 and never above Capacity; misuse is recorded.
    pub fn write_allocation(&mut self, value: u32, violations: &mut Vec<Violation>) {
        if self.enable {
            violations.push(Violation { rule: rules::PRI_23, detail: format!("Allocation written ({value}) while Enable=1") });
        }
        if value > self.capacity {
            violations
                .push(Violation { rule: rules::PRI_23, detail: format!("Allocation {value} written above Capacity {}", self.capacity) });
        }
        self.allocation = value;
    }
}
