//! Timing-free SMMUv3 PRIQ checkers (`../shared/spec/smmuv3.md`) for the top `smmuv3_priq`:
//!
//! | Checker | Rules | Idea |
//! |---|---|---|
//! | [`QueueEntryChecker`] | SMMU-PRIQ-4, PRI-31, SMMU-PRIQ-11, SMMU-PRIQ-3 (RES0, duplicates) | each entry written is the next accepted message that was not dropped |
//! | [`QueueAddressChecker`] | SMMU-PRIQ-1, SMMU-PRIQ-3 | each entry goes to base + 16 * index, index following good acks |
//! | [`ProdCoverageChecker`] | SMMU-PRIQ-3 | a PRIQ_PROD read never covers an entry not yet acknowledged |
//! | [`Smmuv3ResponseChecker`] | PRI-16, PRI-17, SMMU-PRIQ-10, SMMU-CMD-2..6, DEC-2, DEC-3, DEC-4 | every response is explained by one command or one dropped L=1 request, and everything that needs one gets one |

mod priq_entry;
mod prod;
mod programmed;
mod queue_addr;
mod queue_entry;
mod responses;

pub use priq_entry::{decode_priq_entry, encode_priq_entry};
pub use prod::ProdCoverageChecker;
pub use queue_addr::QueueAddressChecker;
pub use queue_entry::QueueEntryChecker;
pub use responses::Smmuv3ResponseChecker;

use crate::checkers::Checker;
use models::smmuv3::timing::PriqParams;

/// The standard SMMUv3 PRIQ checker set for a `smmuv3_priq` build (IDR1.PRIQS = `p.priqs`;
/// 48-bit addresses, OP-19).
pub fn checkers(p: &PriqParams) -> Vec<Box<dyn Checker>> {
    vec![
        Box::new(QueueEntryChecker::new()),
        Box::new(QueueAddressChecker::new(p.priqs)),
        Box::new(ProdCoverageChecker::new(p.priqs)),
        Box::new(Smmuv3ResponseChecker::new()),
    ]
}

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
