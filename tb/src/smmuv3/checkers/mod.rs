//! Timing-free SMMUv3 PRIQ and event queue checkers (`../shared/spec/smmuv3.md`) for the top `smmuv3_priq`:
//!
//! | Checker | Rules | Idea |
//! |---|---|---|
//! | [`QueueEntryChecker`] | SMMU-PRIQ-4, PRI-31, SMMU-PRIQ-11, SMMU-PRIQ-3 (RES0, duplicates) | each entry written is the next accepted message that was not dropped |
//! | [`QueueAddressChecker`] | SMMU-PRIQ-1, SMMU-PRIQ-3 | each entry goes to base + 16 * index, index following good acks |
//! | [`ProdCoverageChecker`] | SMMU-PRIQ-3 | a PRIQ_PROD read never covers an entry not yet acknowledged |
//! | [`Smmuv3ResponseChecker`] | PRI-16, PRI-17, SMMU-PRIQ-10, SMMU-CMD-2..6, DEC-2, DEC-3, DEC-4 | every response is explained by one command or one dropped L=1 request, and everything that needs one gets one |
//! | [`QueueAddressChecker`] (EVTQ) | SMMU-EVTQ-1 | each record goes to base + 32 * index, index following good acks |
//! | [`ProdCoverageChecker`] (EVTQ) | SMMU-EVTQ-1 (and -11) | an EVENTQ_PROD read never covers a record not acknowledged without error |
//! | [`EvtqRecordChecker`] | SMMU-EVTQ-2, SMMU-EVTQ-7 | each record written is the §6 encoding of the next undecided input record |
//! | [`EvtqDeliveryChecker`] | SMMU-EVTQ-3, -4, -5, -6, -10, -11 | discards only while unwritable, OVFLG toggles per -4, stall records never discarded, nothing written while disabled or aborted |
//! | [`StallChecker`] | SMMU-EVTQ-8, SMMU-CMD-7, SMMU-CMD-8 | STAGs unique, at most STALL_MAX outstanding, each stall resolved once as commanded |
//! | [`EvtqSyncChecker`] | SMMU-CMD-9 | a CMD_SYNC completes only after every record accepted before it is finished |
//! | [`EvtqIrqChecker`] | SMMU-EVTQ-9 | one `irq_evtq` pulse per write into an empty queue with EVENTQ_IRQEN |
//!
//! The event-queue checkers share [`evtq_view`]'s timing-free picture of the queue.

mod evtq_delivery;
mod evtq_irq;
mod evtq_record;
mod evtq_sync;
pub(crate) mod evtq_view;
mod priq_entry;
mod prod;
mod programmed;
mod queue_addr;
mod queue_entry;
mod responses;
mod stalls;

pub use evtq_delivery::EvtqDeliveryChecker;
pub use evtq_irq::EvtqIrqChecker;
pub use evtq_record::EvtqRecordChecker;
pub use evtq_sync::EvtqSyncChecker;
pub use evtq_view::EVTQ;
pub use priq_entry::{decode_priq_entry, encode_priq_entry};
pub use prod::ProdCoverageChecker;
pub use programmed::{Queue, PRIQ};
pub use queue_addr::QueueAddressChecker;
pub use queue_entry::QueueEntryChecker;
pub use responses::Smmuv3ResponseChecker;
pub use stalls::StallChecker;

use crate::checkers::Checker;
use models::smmuv3::timing::PriqParams;

/// The standard SMMUv3 checker set for a `smmuv3_priq` build (IDR1.PRIQS = `p.priqs`,
/// IDR1.EVENTQS = `p.eventqs`, IDR5.STALL_MAX = `p.stall_max`; 48-bit addresses, OP-19).
pub fn checkers(p: &PriqParams) -> Vec<Box<dyn Checker>> {
    vec![
        Box::new(QueueEntryChecker::new()),
        Box::new(QueueAddressChecker::new(p.priqs)),
        Box::new(ProdCoverageChecker::new(p.priqs)),
        Box::new(Smmuv3ResponseChecker::new()),
        Box::new(QueueAddressChecker::for_queue(EVTQ, p.eventqs, 48)),
        Box::new(ProdCoverageChecker::for_queue(EVTQ, p.eventqs)),
        Box::new(EvtqRecordChecker::new(p.eventqs)),
        Box::new(EvtqDeliveryChecker::new(p.eventqs)),
        Box::new(StallChecker::new(p.eventqs, p.stall_max)),
        Box::new(EvtqSyncChecker::new(p.eventqs)),
        Box::new(EvtqIrqChecker::new(p.eventqs)),
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
