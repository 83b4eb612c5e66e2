//! Timing-free protocol checkers (ARCHITECTURE.md principle 1b), written straight from the rule
//! list of `../shared/spec/`. They know nothing of latency: each one only uses the order of the
//! transactions seen at the DUT interfaces, so the same checkers judge our RTL and third-party
//! RTL with other latencies.
//!
//! Every checker is one idea and names the rule it checks in each violation:
//!
//! | Checker | Rules | Idea |
//! |---|---|---|
//! | [`QueueEntryChecker`] | SMMU-PRIQ-4, PRI-31, SMMU-PRIQ-11, SMMU-PRIQ-3 (RES0, duplicates) | each entry written is the next accepted message that was not dropped |
//! | [`QueueAddressChecker`] | SMMU-PRIQ-1, SMMU-PRIQ-3 | each entry goes to base + 16 * index, index following good acks |
//! | [`ProdCoverageChecker`] | SMMU-PRIQ-3 | a PRIQ_PROD read never covers an entry not yet acknowledged |
//! | [`ResponseChecker`] | PRI-16, PRI-17, SMMU-PRIQ-10, SMMU-CMD-2..6, DEC-2, DEC-3, DEC-4 | every response is explained by one command or one dropped L=1 request, and everything that needs one gets one |
//!
//! | [`vtd::PrqEntryChecker`] | VTD-PRQ-4, VTD-PRQ-10, VTD-PRQ-18, PRI-31 | each VT-d descriptor written is a well-formed `page_req_dsc` of the next accepted message not accounted for |
//! | [`vtd::PrqSlotChecker`] | VTD-PRQ-1, VTD-PRQ-8 | each descriptor goes to PQA base + 32 * index, index following acks from PQT |
//! | [`vtd::PrqAdmissionChecker`] | VTD-PRQ-3, VTD-PRQ-9 | never the entry before PQH, never while PRO is known set |
//! | [`vtd::PqtReadChecker`] | VTD-PRQ-8, VTD-PRQ-16 | a PQT read covers exactly what was acknowledged, at least what was issued before the read |
//! | [`vtd::PeMsiChecker`] | VTD-PRQ-16 | no page request event MSI while an earlier descriptor is unacknowledged |
//! | [`vtd::ReadPushChecker`] | VTD-PRQ-20, VTD-FLT-8 | a PRS/PQT/PECTL (FSTS/FECTL) read returns only after the page request (fault) event MSIs issued before it are acknowledged |
//! | [`vtd::VtdResponseChecker`] | VTD-PRQ-5..8, -10, -17, VTD-IQ-2..5, DEC-5..8, DEC-13, PRI-16 | every response is one valid `page_grp_resp_dsc` or one dropped LPIG=1 request's automatic response |
//! | [`vtd::FaultReadChecker`] | VTD-FLT-1, VTD-FLT-3, DEC-5 | fault records read with F=1 describe an accepted message that may have found its RID disabled |
//! | [`vtd::WaitChecker`] | VTD-IQ-2, VTD-IQ-8, VTD-IQ-10 | status writes belong to SW=1 waits in order; PD=1 waits drain what was accepted before them |
//!
//! Flavour-independent PCIe PRI checkers (function and host rules) are in [`pri`]; the VT-d set
//! is [`vtd::vtd_checkers`].
//!
//! Cost: `observe` allocates nothing on the non-violating path beyond amortised growth of the
//! checkers' queues, and formats text only when it reports a violation.

mod ledger;
pub mod pri;
mod priq_entry;
mod prod;
mod queue_addr;
mod queue_entry;
mod regs;
mod responses;
pub mod vtd;

pub use priq_entry::{decode_priq_entry, encode_priq_entry, DecodedEntry};
pub use prod::ProdCoverageChecker;
pub use queue_addr::QueueAddressChecker;
pub use queue_entry::QueueEntryChecker;
pub use responses::ResponseChecker;

use crate::txn::Stamped;
use models::rules::RuleId;
use std::fmt;

/// A rule broken at a cycle, with a one-paragraph explanation naming the transactions involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub rule: RuleId,
    pub cycle: u64,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] cycle {}: {}", self.rule, self.cycle, self.message)
    }
}

impl std::error::Error for Violation {}

/// A timing-free protocol checker. `observe` is called for every transaction in stream order
/// (non-decreasing cycles); `finish` once at the end of the test, which must be quiescent
/// (nothing in flight), for the liveness rules ("exactly one response").
pub trait Checker {
    fn name(&self) -> &'static str;
    fn observe(&mut self, t: &Stamped, out: &mut Vec<Violation>);
    fn finish(&mut self, end_cycle: u64, out: &mut Vec<Violation>);
}

/// The standard SMMUv3 PRIQ checker set, with the build parameters of this product
/// (IDR1.PRIQS = 8, 48-bit addresses, OP-19).
pub fn smmuv3_checkers() -> Vec<Box<dyn Checker>> {
    vec![
        Box::new(QueueEntryChecker::new()),
        Box::new(QueueAddressChecker::new(8)),
        Box::new(ProdCoverageChecker::new(8)),
        Box::new(ResponseChecker::new()),
    ]
}

/// Rule IDs used by the checkers.
pub(crate) use models::rules as rule;

/// Register offsets and fields (smmuv3.md §2, rtl/README.md), widened to the bus width.
pub(crate) mod reg {
    use models::smmuv3::regs as r;
    pub const CR0: u32 = r::CR0;
    pub const CR0ACK: u32 = r::CR0ACK;
    pub const GERROR: u32 = r::GERROR;
    pub const GERRORN: u32 = r::GERRORN;
    pub const PRIQ_BASE: u32 = r::PRIQ_BASE;
    pub const PRIQ_PROD: u32 = r::PRIQ_PROD;
    pub const CR0_SMMUEN: u64 = r::CR0_SMMUEN as u64;
    pub const CR0_PRIQEN: u64 = r::CR0_PRIQEN as u64;
    pub const GERROR_CMDQ_ERR: u64 = r::GERROR_CMDQ_ERR as u64;
}

/// Compact one-line rendering of a page request for violation messages.
pub(crate) struct ShowReq<'a>(pub &'a models::pcie::PageRequest);

impl fmt::Display for ShowReq<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(f, "{{rid 0x{:04x}", m.rid)?;
        if m.pv {
            write!(f, " pasid 0x{:x}", m.pasid)?;
        } else {
            f.write_str(" no-pasid")?;
        }
        write!(
            f,
            " {}{}{}{}{} prgi {} page 0x{:x}}}",
            if m.r { "R" } else { "-" },
            if m.w { "W" } else { "-" },
            if m.l { "L" } else { "-" },
            if m.exe { "X" } else { "-" },
            if m.priv_ { "P" } else { "-" },
            m.prgi,
            m.page
        )
    }
}

/// Compact rendering of a PRG response.
pub(crate) struct ShowRsp<'a>(pub &'a models::pcie::PrgResponse);

impl fmt::Display for ShowRsp<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        write!(f, "{{rid 0x{:04x} prgi {} code 0x{:x}", r.rid, r.prgi, r.code.bits())?;
        if r.pv {
            write!(f, " pasid 0x{:x}}}", r.pasid)
        } else {
            f.write_str(" no-pasid}")
        }
    }
}
