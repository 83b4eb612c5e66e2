"""Transactions for :class:`iommu_tb.Checkers`, in the trace schema of ``docs/trace.md``.

Each function returns the dict of one trace line; ``Checkers.observe`` takes it (or any dict or
JSON text of that schema, e.g. a line of an ``iommu-tb run --trace-out`` file).
"""

from typing import Any, Dict, Sequence

from ._engine import PageRequest, PrgResponse

Txn = Dict[str, Any]

_CODES = {0x0: "Success", 0x1: "InvalidRequest", 0xF: "ResponseFailure"}


def _code(code: int) -> Any:
    return _CODES.get(code, {"Reserved": code})


def page_request(cycle: int, msg: PageRequest) -> Txn:
    """A page request or Stop Marker accepted at the PCIe ingress."""
    return {"cycle": cycle, "kind": "page_request", "msg": msg.to_dict()}


def response(cycle: int, rsp: PrgResponse) -> Txn:
    """A PRG response sent at the PCIe egress."""
    return {
        "cycle": cycle,
        "kind": "response",
        "rsp": {"rid": rsp.rid, "pv": rsp.pv, "pasid": rsp.pasid, "prgi": rsp.prgi, "code": _code(rsp.code)},
    }


def mem_write(cycle: int, addr: int, words: Sequence[int]) -> Txn:
    """A queue-entry write accepted by memory: 2 words (PRIQ entry) or 4 (``page_req_dsc``)."""
    if len(words) not in (2, 4):
        raise ValueError(f"a queue entry is 2 (SMMUv3) or 4 (VT-d) words, got {len(words)}")
    data = list(words) + [0] * (4 - len(words))
    return {"cycle": cycle, "kind": "mem_write", "addr": addr, "bytes": 8 * len(words), "data": data}


def mem_ack(cycle: int, err: bool = False) -> Txn:
    """The acknowledgement of the oldest unacknowledged memory write."""
    return {"cycle": cycle, "kind": "mem_ack", "err": err}


def reg_write(cycle: int, addr: int, data: int) -> Txn:
    """A register write (byte offset from the block's base)."""
    return {"cycle": cycle, "kind": "reg_write", "addr": addr, "data": data}


def reg_read(cycle: int, addr: int, data: int) -> Txn:
    """A completed register read (the cycle the data is returned)."""
    return {"cycle": cycle, "kind": "reg_read", "addr": addr, "data": data}


def command(cycle: int, words: Sequence[int]) -> Txn:
    """A software command taken at the command port: 2 words (SMMUv3) or 4 (VT-d descriptor)."""
    if len(words) not in (2, 4):
        raise ValueError(f"a command is 2 (SMMUv3) or 4 (VT-d) words, got {len(words)}")
    return {"cycle": cycle, "kind": "command", "words": list(words) + [0] * (4 - len(words)), "n": len(words)}


def status_write(cycle: int, addr: int, data: int) -> Txn:
    """VT-d: an ``inv_wait_dsc`` status write accepted by memory."""
    return {"cycle": cycle, "kind": "status_write", "addr": addr, "data": data}


def msi(cycle: int, addr: int, data: int) -> Txn:
    """VT-d: an interrupt message accepted by memory."""
    return {"cycle": cycle, "kind": "msi", "addr": addr, "data": data}


def irq(cycle: int, line: str) -> Txn:
    """SMMUv3: an interrupt pulse, ``"priq"`` or ``"gerror"``."""
    return {"cycle": cycle, "kind": "irq", "line": line}


def sync_done(cycle: int) -> Txn:
    """SMMUv3: a CMD_SYNC completion pulse."""
    return {"cycle": cycle, "kind": "sync_done"}
