//! The `page_req_dsc` layout as the checkers read it (vtd.md §3): plain shifts at the absolute
//! positions of the spec table, independent of the model's codec.

use crate::checkers::entry::DecodedEntry;
use models::pcie::PageRequest;

/// QW0 bits hardware writes 0: PDP [9] (DEC-9), [15:10], [63:54].
pub(crate) const QW0_RESERVED: u64 = (0x7F << 9) | (0x3FF << 54);

/// Decode a `page_req_dsc` (vtd.md §3) into the message it describes (`stream_id` = RID) and
/// the reserved bits found set, per word (QW1 has none).
pub fn decode_page_req(w: &[u64; 4]) -> (DecodedEntry, [u64; 4]) {
    let bit = |x: u64, i: u32| (x >> i) & 1 == 1;
    let [qw0, qw1, qw2, qw3] = *w;
    let rid = (qw0 >> 16) as u16;
    let msg = PageRequest {
        rid,
        pv: bit(qw0, 8),
        pasid: ((qw0 >> 32) & 0xF_FFFF) as u32,
        exe: bit(qw0, 52),
        priv_: bit(qw0, 53),
        r: bit(qw1, 0),
        w: bit(qw1, 1),
        l: bit(qw1, 2),
        prgi: ((qw1 >> 3) & 0x1FF) as u16,
        page: qw1 >> 12,
    };
    let e = DecodedEntry { msg, stream_id: u32::from(rid), res0: [qw0 & QW0_RESERVED, 0] };
    (e, [qw0 & QW0_RESERVED, 0, qw2, qw3])
}
