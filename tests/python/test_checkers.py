"""The flavors' timing-free checkers from Python, fed with transactions: clean traces of real
runs pass; the same traces with one planted fault fail naming the rule and the cycle."""

import json
import pathlib

import pytest

import iommu_tb
from iommu_tb import Checkers, PageRequest, RuleViolation, txn

DATA = pathlib.Path(__file__).parent / "data"


def trace(name):
    """A trace written by `iommu-tb run --test NAME --seed 1 --trace-out` (docs/trace.md)."""
    return [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines()]


def judge(flavor, lines, **kw):
    c = Checkers(flavor, **kw)
    for t in lines:
        c.observe(t)
    c.finish()
    return c


@pytest.mark.parametrize("flavor,name", [("smmuv3", "smmuv3_basic_write"), ("vtd", "vtd_basic_write")])
def test_clean_run_passes_and_counts_evaluations(flavor, name):
    c = judge(flavor, trace(name))
    assert c.violations == []
    # The entry checkers evaluated their rule once per entry (three SMMUv3, four VT-d writes).
    entry_rule = {"smmuv3": ("smmuv3-priq-entry", "SMMU-PRIQ-4"), "vtd": ("vtd-prq-entry", "VTD-PRQ-4")}[flavor]
    writes = sum(1 for t in trace(name) if t["kind"] == "mem_write")
    assert c.evaluations()[entry_rule[0]][entry_rule[1]] == writes
    assert c.coverage()[f"checks.{entry_rule[0]}.{entry_rule[1]}"] == writes


def test_swapped_r_and_w_is_smmu_priq_4():
    lines = trace("smmuv3_basic_write")
    first = next(t for t in lines if t["kind"] == "mem_write")
    first["data"][0] ^= (1 << 60) | (1 << 61)  # R [60] and W [61] of the first entry
    c = Checkers("smmuv3")
    with pytest.raises(RuleViolation) as e:
        for t in lines:
            c.observe(t)
    assert (e.value.rule, e.value.cycle) == ("SMMU-PRIQ-4", first["cycle"])
    assert str(e.value).startswith(f"[SMMU-PRIQ-4] cycle {first['cycle']}:")
    assert c.violations[0][0] == "SMMU-PRIQ-4"


def test_prod_covering_an_unacknowledged_entry_is_smmu_priq_3():
    lines = trace("smmuv3_basic_write")
    last_ack = max(i for i, t in enumerate(lines) if t["kind"] == "mem_ack")
    del lines[last_ack]
    prod_read = next(t for t in lines if t["kind"] == "reg_read" and t["addr"] == 0x100C8)
    with pytest.raises(RuleViolation) as e:
        judge("smmuv3", lines)
    assert (e.value.rule, e.value.cycle) == ("SMMU-PRIQ-3", prod_read["cycle"])


def test_unanswered_group_fails_at_finish_pri_16():
    # With the functions described, the PRI checkers judge too: the L=1 requests of this trace
    # were queued, so software owes each group one response, and the stream ends without one.
    functions = [{"rid": 0x100, "allocation": 8}, {"rid": 0xFFFF, "allocation": 8}]
    c = Checkers("smmuv3", functions=functions)
    for t in trace("smmuv3_basic_write"):
        c.observe(t)
    with pytest.raises(RuleViolation) as e:
        c.finish(end_cycle=100)
    assert e.value.rule == "PRI-16" and e.value.cycle == 100


def test_unexplained_response_is_named():
    lines = trace("smmuv3_basic_write")
    rsp = iommu_tb.PrgResponse(0x100, pv=True, pasid=5, prgi=9, code=0)
    c = Checkers("smmuv3")
    for t in lines:
        c.observe(t)
    with pytest.raises(RuleViolation) as e:
        c.observe(txn.response(lines[-1]["cycle"] + 1, rsp))
    assert (e.value.rule, e.value.cycle) == ("PRI-16", lines[-1]["cycle"] + 1)
    assert "matches no pending CMD_PRI_RESP" in e.value.message


def test_builders_write_the_trace_schema():
    lines = trace("smmuv3_basic_write")
    first = next(t for t in lines if t["kind"] == "page_request")
    m = first["msg"]
    req = PageRequest(m["rid"], pv=m["pv"], pasid=m["pasid"], exe=m["exe"], priv=m["priv"], r=m["r"], w=m["w"], l=m["l"], prgi=m["prgi"], page=m["page"])
    assert txn.page_request(first["cycle"], req) == first
    ack = next(t for t in lines if t["kind"] == "mem_ack")
    assert txn.mem_ack(ack["cycle"]) == ack
    write = next(t for t in lines if t["kind"] == "mem_write")
    assert txn.mem_write(write["cycle"], write["addr"], write["data"][:2]) == write
