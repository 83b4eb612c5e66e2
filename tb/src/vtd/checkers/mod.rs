//! Timing-free VT-d checkers (`../shared/spec/vtd.md`) for the top `vtd_prq`. Like the SMMUv3
//! ones they use only the order of the transactions at the DUT ports, never a latency:
//!
//! | Checker | Rules | Idea |
//! |---|---|---|
//! | [`PrqEntryChecker`] | VTD-PRQ-4, VTD-PRQ-10, VTD-PRQ-18, PRI-31 | each 32-byte write is a well-formed `page_req_dsc` of the next accepted message not yet accounted for |
//! | [`PrqSlotChecker`] | VTD-PRQ-1, VTD-PRQ-8 | each descriptor goes to PQA base + 32 · index, the index following acknowledged writes modulo N |
//! | [`PrqAdmissionChecker`] | VTD-PRQ-3, VTD-PRQ-9 | no descriptor into the last free slot before PQH, none for a message accepted while PRO was known set |
//! | [`PqtReadChecker`] | VTD-PRQ-8, VTD-PRQ-16 | a PQT read shows no unacknowledged entry and every entry written before the read was issued |
//! | [`PeMsiChecker`] | VTD-PRQ-16 | the page request event MSI is never issued while an earlier descriptor write is unacknowledged |
//! | [`ReadPushChecker`] | VTD-PRQ-20, VTD-FLT-8 | a read of PRS, PQT or PECTL (FSTS or FECTL) returns only after every page request (fault) event MSI issued before the read was received is acknowledged |
//! | [`VtdResponseChecker`] | VTD-PRQ-5..8, VTD-PRQ-10, VTD-PRQ-17, VTD-IQ-2..5, DEC-5..8, DEC-13, PRI-16 | each response is one valid `page_grp_resp_dsc` in descriptor order or the automatic response of one dropped LPIG=1 request, in request order |
//! | [`FaultReadChecker`] | VTD-FLT-1, VTD-FLT-3, DEC-5 | FSTS bit 7 reads 0; a record with F=1 has the page-request fault fields of an accepted message that may have found its RID disabled |
//! | [`WaitChecker`] | VTD-IQ-2, VTD-IQ-8, VTD-IQ-10 | each status write belongs to the next SW=1 wait; a PD=1 wait's status write comes after every message accepted by its take was resolved |
//!
//! Assumptions that are port protocol, not latency: memory acknowledgements come in write order
//! (`mem_ack` doc), and the register port handles one access at a time, so a read is issued no
//! earlier than the previous register access completed (rtl/README.md "Reads").

mod admission;
mod codec;
mod faults;
mod iq;
mod messages;
mod msi;
mod pointers;
mod pqt;
mod pre;
mod prq_entry;
mod push;
mod responses;
mod slot;
mod units;
mod waits;

pub use admission::PrqAdmissionChecker;
pub use codec::decode_page_req;
pub use faults::FaultReadChecker;
pub use msi::PeMsiChecker;
pub use pqt::PqtReadChecker;
pub use prq_entry::PrqEntryChecker;
pub use push::ReadPushChecker;
pub use responses::VtdResponseChecker;
pub use slot::PrqSlotChecker;
pub use waits::WaitChecker;

use crate::checkers::Checker;
use models::vtd::timing::VtdParams;

/// The standard VT-d checker set for a `vtd_prq` build (its PRE table has `p.pre_entries`
/// entries, OP-20).
pub fn checkers(p: &VtdParams) -> Vec<Box<dyn Checker>> {
    let pre_entries = p.pre_entries as u32;
    vec![
        Box::new(PrqEntryChecker::new()),
        Box::new(PrqSlotChecker::new()),
        Box::new(PrqAdmissionChecker::new()),
        Box::new(PqtReadChecker::new()),
        Box::new(PeMsiChecker::new()),
        Box::new(ReadPushChecker::new()),
        Box::new(VtdResponseChecker::new(pre_entries)),
        Box::new(WaitChecker::new()),
        Box::new(FaultReadChecker::new(pre_entries)),
    ]
}
