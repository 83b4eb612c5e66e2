//! Descriptors taken at the port, as the checkers must judge them: classified per VTD-IQ-1,
//! VTD-IQ-2, VTD-IQ-4, VTD-IQ-6 and OP-10 (`models::vtd::desc::classify`, ECAP.PDS=1), and
//! whether they must take effect. After an invalid descriptor no later descriptor is processed
//! until software clears FSTS.IQE (VTD-IQ-2); a DUT may take such descriptors and hold them, so
//! a descriptor taken between an invalid one and the next IQE clear may or may not take effect.

use crate::txn::Txn;
use models::vtd::desc::{classify, SwDesc};
use models::vtd::regs;

pub(crate) struct IqGate {
    /// An invalid descriptor was taken and software has not written IQE=1 to FSTS since.
    iqe_maybe_set: bool,
}

impl IqGate {
    pub fn new() -> Self {
        IqGate { iqe_maybe_set: false }
    }

    /// A descriptor taken at the port: what it is, and whether it is certain to take effect.
    pub fn take(&mut self, words: &[u64; 4]) -> (SwDesc, bool) {
        let d = classify(*words, true);
        let required = !self.iqe_maybe_set;
        if matches!(d, SwDesc::Invalid(_)) {
            self.iqe_maybe_set = true;
        }
        (d, required)
    }

    /// Follow FSTS writes (IQE is RW1CS).
    pub fn observe(&mut self, t: &Txn) {
        if let Txn::RegWrite { addr: regs::FSTS, data } = *t {
            if data as u32 & regs::FSTS_IQE != 0 {
                self.iqe_maybe_set = false;
            }
        }
    }
}
