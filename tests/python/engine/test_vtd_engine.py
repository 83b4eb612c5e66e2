"""VT-d directed tests written in Python on the Rust engine (collected by the iommu_tb pytest
plugin)."""

import iommu_tb
from iommu_tb import PageRequest, PrgResponse, RuleViolation, vtd

PQT, PRS = 0xC8, 0xDC
RID, RID2 = 0x0100, 0xFFFF

SENT = [
    PageRequest(RID, pv=True, pasid=0xFFFFF, r=True, prgi=7, page=0x1234_5007),
    PageRequest(RID, pv=True, pasid=0xFFFFF, exe=True, priv=True, r=True, w=True, l=True, prgi=0x1FF, page=2**52 - 1),
    PageRequest(RID2, w=True, l=True, prgi=3, page=1),
    # Exe without R: not checked by hardware, queued as received (VTD-PRQ-18).
    PageRequest(RID, pv=True, pasid=9, exe=True, w=True, prgi=4, page=2),
]


@iommu_tb.test(flavor="vtd", rules=["VTD-PRQ-1", "VTD-PRQ-4", "VTD-PRQ-8", "VTD-IQ-3"])
async def test_py_vtd_queue_then_answer(dut, env):
    """Four requests of two enabled RIDs written as page_req_dsc at base + 32k (decoded by the
    golden codec); software answers both closed groups with page_grp_resp_dsc."""
    await env.enable_prq(env.queue_base, env.log2size)
    await env.pre_enable(0, RID)
    await env.pre_enable(1, RID2)
    await env.send_all(SENT)
    pqt = 0
    for _ in range(100):
        pqt = await env.read_reg(PQT)
        if pqt == 4 * 32:
            break
    if pqt != 4 * 32:
        raise RuleViolation("VTD-PRQ-8", env.cycle, f"PQT reads {pqt:#x} after four descriptors, expected 0x80")
    writes = [t for t in env.transactions() if t["kind"] == "mem_write"]
    for k, t in enumerate(writes):
        if t["addr"] != env.queue_base + 32 * k:
            raise RuleViolation("VTD-PRQ-1", env.cycle, f"descriptor {k} at {t['addr']:#x}")
        got = vtd.decode_page_req(t["data"])
        if got != SENT[k]:
            raise RuleViolation("VTD-PRQ-4", env.cycle, f"descriptor {k} decodes to {got}, sent {SENT[k]}")
    assert env.responses() == [], "a queued request got a response from hardware (VTD-PRQ-17)"
    for m in SENT:
        if m.kind() == "last_request":
            await env.page_grp_resp(PrgResponse(m.rid, pv=m.pv, pasid=m.pasid, prgi=m.prgi, code=0))
    for _ in range(200):
        if len(env.responses()) == 2:
            break
        await env.cycles(1)
    got = sorted((r.rid, r.prgi, r.code) for r in env.responses())
    if got != [(RID, 0x1FF, 0), (RID2, 3, 0)]:
        raise RuleViolation("VTD-IQ-3", env.cycle, f"responses {got}")
