//! Property-test generators shared by the model tests of every flavor.

use super::PageRequest;
use proptest::prelude::*;

/// Any page request or Stop Marker that can appear at a testbench interface: PASID, Exe and Priv
/// only with PV=1 (PRI-1), 9-bit PRGI, 52-bit page address.
pub(crate) fn any_request() -> impl Strategy<Value = PageRequest> {
    (any::<u16>(), any::<bool>(), 0u32..1 << 20, any::<[bool; 5]>(), 0u16..512, 0u64..1 << 52).prop_map(
        |(rid, pv, pasid, f, prgi, page)| PageRequest {
            rid,
            pv,
            pasid: if pv { pasid } else { 0 },
            exe: pv && f[0],
            priv_: pv && f[1],
            r: f[2],
            w: f[3],
            l: f[4],
            prgi,
            page,
        },
    )
}
