//! The page request event MSI and descriptor acknowledgements (VTD-PRQ-16): the MSI is never
//! issued before every descriptor write issued before it has been acknowledged (and so covered by
//! PQT, VTD-PRQ-8).
//!
//! The page request MSI is recognised by PEUADDR:PEADDR and PEDATA as last written; an MSI that
//! the fault or completion unit could also have sent (same address and data) is not judged. A
//! descriptor acknowledged in the MSI's own cycle counts as acknowledged before it.

use super::pointers::{WriteFifo, WriteKind};
use super::units::{EventUnit, EventUnits};
use crate::checkers::{rule, Checker, Evaluations, Violation};
use crate::txn::{Stamped, Txn};
use models::vtd::regs::Msi;

pub struct PeMsiChecker {
    writes: WriteFifo,
    units: EventUnits,
    /// A page request MSI of this cycle: (cycle, descriptor writes before it still unacknowledged).
    pending: Option<(u64, u32)>,
    evals: Evaluations,
}

impl PeMsiChecker {
    pub fn new() -> Self {
        PeMsiChecker { writes: WriteFifo::new(), units: EventUnits::default(), pending: None, evals: Evaluations::new(&[rule::VTD_PRQ_16]) }
    }

    fn is_page_request_msi(&self, m: Msi) -> bool {
        self.units.unit_of(m) == Some(EventUnit::Page)
    }

    /// At the end of a page request MSI's cycle (every MSI is judged).
    fn judge(&mut self, out: &mut Vec<Violation>) {
        if self.pending.is_some() {
            self.evals.count(rule::VTD_PRQ_16);
        }
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
            Txn::RegWrite { addr, data } => self.units.on_reg_write(addr, data),
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

    fn evaluations(&self) -> &Evaluations {
        &self.evals
    }
}
