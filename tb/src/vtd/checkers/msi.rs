//! The page request event MSI and descriptor acknowledgements (VTD-PRQ-16): the MSI is never
//! issued before every descriptor write issued before it has been acknowledged (and so covered by
//! PQT, VTD-PRQ-8).
//!
//! The page request MSI is recognised by PEUADDR:PEADDR and PEDATA as last written; an MSI that
//! the fault or completion unit could also have sent (same address and data) is not judged. A
//! descriptor acknowledged in the MSI's own cycle counts as acknowledged before it.

use crate::checkers::{rule, Checker, Violation};
use super::pointers::{WriteFifo, WriteKind};
use crate::txn::{Stamped, Txn};
use models::vtd::arch::MsiRegs;
use models::vtd::regs::{self, Msi};

/// Register offsets of the xEDATA of the three units: PE, FE, IE (xEADDR +4, xEUADDR +8).
const UNIT_DATA: [u32; 3] = [regs::PEDATA, regs::FEDATA, regs::IEDATA];

pub struct PeMsiChecker {
    writes: WriteFifo,
    units: [MsiRegs; 3],
    /// A page request MSI of this cycle: (cycle, descriptor writes before it still unacknowledged).
    pending: Option<(u64, u32)>,
}

impl PeMsiChecker {
    pub fn new() -> Self {
        PeMsiChecker { writes: WriteFifo::new(), units: [MsiRegs::default(); 3], pending: None }
    }

    fn is_page_request_msi(&self, m: Msi) -> bool {
        let [pe, fe, ie] = self.units.map(|u| u.msi());
        m == pe && m != fe && m != ie
    }

    fn on_reg_write(&mut self, addr: u32, data: u64) {
        for (u, &base) in self.units.iter_mut().zip(&UNIT_DATA) {
            match addr.wrapping_sub(base) {
                0 => u.data = data as u32 & regs::EDATA_MASK,
                4 => u.addr = data as u32 & regs::EADDR_MASK,
                8 => u.uaddr = data as u32,
                _ => {}
            }
        }
    }

    fn judge(&mut self, out: &mut Vec<Violation>) {
        if let Some((cycle, n)) = self.pending.take().filter(|&(_, n)| n > 0) {
            out.push(Violation {
                rule: rule::VTD_PRQ_16,
                cycle,
                message: format!(
                    "page request event MSI issued while {n} descriptor write(s) issued before it were not acknowledged: the MSI comes only after PQT covers every earlier descriptor"
                ),
            });
        }
    }
}

impl Default for PeMsiChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker for PeMsiChecker {
    fn name(&self) -> &'static str {
        "vtd-pe-msi"
    }

    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>) {
        if self.pending.is_some_and(|(c, _)| c < t.cycle) {
            self.judge(out);
        }
        match t.txn {
            Txn::RegWrite { addr, data } => self.on_reg_write(addr, data),
            Txn::Msi { addr, data } if self.is_page_request_msi(Msi { addr, data }) => {
                self.pending = Some((t.cycle, self.writes.descriptors_before(t.cycle)));
            }
            _ => {}
        }
        if self.writes.observe(t.cycle, &t.txn) == Some(WriteKind::Descriptor) {
            if let Some((_, n)) = self.pending.as_mut() {
                *n = n.saturating_sub(1);
            }
        }
    }

    fn finish(&mut self, _end_cycle: u64, out: &mut Vec<Violation>) {
        self.judge(out);
    }
}
