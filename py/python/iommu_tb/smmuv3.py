"""SMMUv3 PRIQ golden model: entry and command codecs, admission rules (smmuv3.md §5, §7).

Words are little-endian 64-bit integers: an entry or a command is ``(dw0, dw1)``.
"""

from ._engine import (
    smmuv3_admission_row as admission_row,
    smmuv3_auto_response as auto_response,
    smmuv3_command_effect as command_effect,
    smmuv3_decode_command as decode_command,
    smmuv3_decode_priq_entry as decode_priq_entry,
    smmuv3_encode_pri_resp as encode_pri_resp,
    smmuv3_encode_priq_entry as encode_priq_entry,
    smmuv3_priq_entry_well_formed as priq_entry_well_formed,
)

__all__ = [
    "admission_row",
    "auto_response",
    "command_effect",
    "decode_command",
    "decode_priq_entry",
    "encode_pri_resp",
    "encode_priq_entry",
    "priq_entry_well_formed",
]
