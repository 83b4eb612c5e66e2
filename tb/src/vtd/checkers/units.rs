//! The three event units' MSI address and data as software last wrote them (page request, fault,
//! invalidation completion: xEDATA, xEADDR, xEUADDR), to tell which unit an MSI on the memory
//! port comes from. Shared by the checkers that judge event MSIs.

use models::vtd::arch::MsiRegs;
use models::vtd::regs::{self, Msi};

/// Which unit sent an MSI.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventUnit {
    Page,
    Fault,
    Completion,
}

/// Register offsets of the xEDATA of the three units, in `EventUnit` order (xEADDR +4, xEUADDR +8).
const UNIT_DATA: [u32; 3] = [regs::PEDATA, regs::FEDATA, regs::IEDATA];

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct EventUnits {
    units: [MsiRegs; 3],
}

impl EventUnits {
    pub fn on_reg_write(&mut self, addr: u32, data: u64) {
        for (u, &base) in self.units.iter_mut().zip(&UNIT_DATA) {
            match addr.wrapping_sub(base) {
                0 => u.data = data as u32 & regs::EDATA_MASK,
                4 => u.addr = data as u32 & regs::EADDR_MASK,
                8 => u.uaddr = data as u32,
                _ => {}
            }
        }
    }

    /// The unit an MSI comes from, if exactly one unit's registers give its address and data
    /// (an MSI two units could have sent is not told apart).
    pub fn unit_of(&self, m: Msi) -> Option<EventUnit> {
        let [pe, fe, ie] = self.units.map(|u| u.msi());
        match (m == pe, m == fe, m == ie) {
            (true, false, false) => Some(EventUnit::Page),
            (false, true, false) => Some(EventUnit::Fault),
            (false, false, true) => Some(EventUnit::Completion),
            _ => None,
        }
    }
}
