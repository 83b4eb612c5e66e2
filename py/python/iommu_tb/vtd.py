"""VT-d page request queue golden model: descriptor codecs and admission rules (vtd.md §3-§5).

Descriptors are four little-endian 64-bit words ``(qw0, qw1, qw2, qw3)``.
"""

from ._engine import (
    vtd_admission_row as admission_row,
    vtd_auto_response as auto_response,
    vtd_classify as classify,
    vtd_decode_page_req as decode_page_req,
    vtd_encode_inv_wait as encode_inv_wait,
    vtd_encode_page_grp_resp as encode_page_grp_resp,
    vtd_encode_page_req as encode_page_req,
    vtd_page_req_well_formed as page_req_well_formed,
)

__all__ = [
    "admission_row",
    "auto_response",
    "classify",
    "decode_page_req",
    "encode_inv_wait",
    "encode_page_grp_resp",
    "encode_page_req",
    "page_req_well_formed",
]
