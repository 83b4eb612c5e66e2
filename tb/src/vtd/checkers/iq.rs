//! Descriptors taken at the port, as the checkers must judge them: classified per VTD-IQ-1,
//! VTD-IQ-2, VTD-IQ-4, VTD-IQ-6 and OP-10 (`models::vtd::desc::classify`, ECAP.PDS=1), and
//! whether an earlier invalid descriptor holds them. After an invalid descriptor no later
//! descriptor is processed until software clears FSTS.IQE (VTD-IQ-2); a DUT may take such
//! descriptors and hold them, so one taken between an invalid descriptor and the next IQE clear
//! may take effect only after that clear, and need not take effect at all if none comes.

use crate::txn::Txn;
use models::vtd::desc::{classify, SwDesc};
use models::vtd::regs;

/// A taken descriptor: what it is, and the IQE-clear count at its take if an invalid
/// descriptor may still hold it (None: it must take effect).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Taken {
    pub desc: SwDesc,
    pub held_at: Option<u64>,
    /// The descriptor taken before it was invalid: VTD-IQ-2 gates this one (held, or taken
    /// after software cleared IQE).
    pub follows_invalid: bool,
}

pub(crate) struct IqGate {
    /// An invalid descriptor was taken and software has not written IQE=1 to FSTS since.
    iqe_maybe_set: bool,
    /// FSTS writes with IQE=1 so far.
    clears: u64,
    /// The last descriptor taken was invalid.
    last_invalid: bool,
}

impl IqGate {
    pub fn new() -> Self {
        IqGate { iqe_maybe_set: false, clears: 0, last_invalid: false }
    }

    pub fn take(&mut self, words: &[u64; 4]) -> Taken {
        let desc = classify(*words, true);
        let held_at = self.iqe_maybe_set.then_some(self.clears);
        let follows_invalid = self.last_invalid;
        self.last_invalid = matches!(desc, SwDesc::Invalid(_));
        if self.last_invalid {
            self.iqe_maybe_set = true;
        }
        Taken { desc, held_at, follows_invalid }
    }

    /// A descriptor taken behind an invalid one takes effect (response, status write) although
    /// software has not cleared IQE since its take: VTD-IQ-2 is broken.
    pub fn acted_while_held(&self, held_at: Option<u64>) -> bool {
        held_at == Some(self.clears)
    }

    /// Follow FSTS writes (IQE is RW1CS).
    pub fn observe(&mut self, t: &Txn) {
        if let Txn::RegWrite { addr: regs::FSTS, data } = *t {
            if data as u32 & regs::FSTS_IQE != 0 {
                self.iqe_maybe_set = false;
                self.clears += 1;
            }
        }
    }
}
