//! A queue entry as the checkers decode it, whatever the flavor's layout: the message it
//! describes, compared field by field with accepted messages (the ledger, the entry checkers).

use models::pcie::PageRequest;

/// A decoded queue entry (SMMUv3 PRIQ entry, VT-d `page_req_dsc`): the message it describes
/// plus what cannot be a message field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodedEntry {
    /// The request the entry describes; `rid` is StreamID[15:0].
    pub msg: PageRequest,
    /// The full requester field: SMMUv3 StreamID (SMMU-PRIQ-4: equals the RID, so bits [31:16]
    /// are 0); the RID on VT-d.
    pub stream_id: u32,
    /// Reserved bits found set in the first two words (written 0).
    pub res0: [u64; 2],
}

pub(crate) const FIELD_NAMES: [&str; 10] = ["StreamID", "SSV", "SubstreamID", "Exe", "Priv", "R", "W", "L", "PRGIndex", "address"];

/// Bit i set = field `FIELD_NAMES[i]` differs. Both sides must be normalized.
pub(crate) fn field_diff(a: &PageRequest, b: &PageRequest, a_stream_id: u32) -> u16 {
    let d = [
        a_stream_id != u32::from(b.rid),
        a.pv != b.pv,
        a.pasid != b.pasid,
        a.exe != b.exe,
        a.priv_ != b.priv_,
        a.r != b.r,
        a.w != b.w,
        a.l != b.l,
        a.prgi != b.prgi,
        a.page != b.page,
    ];
    d.iter().enumerate().fold(0, |acc, (i, &x)| acc | (u16::from(x) << i))
}

/// "StreamID, L" for a diff mask.
pub(crate) fn diff_names(mask: u16) -> String {
    let mut s = String::new();
    for (i, n) in FIELD_NAMES.iter().enumerate() {
        if mask & (1 << i) != 0 {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(n);
        }
    }
    s
}
