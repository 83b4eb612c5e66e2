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


PQH = 0xC0
# Privileged-mode read: a bad request the driver answers Invalid Request (HOST-22).
BAD = PageRequest(RID, pv=True, pasid=3, priv=True, r=True, l=True, prgi=9, page=5)
STOP_MARKER = PageRequest(RID, pv=True, pasid=0xFFFFF, l=True, prgi=0)


@iommu_tb.test(flavor="vtd", rules=["HOST-22", "HOST-23", "VTD-IQ-3"])
async def test_py_vtd_host_model_answers(dut, env):
    """The test plays the PRQ thread with the golden VT-d host model (iommu_tb.VtdHost): each
    descriptor read from the PRQ goes to the model, the Stop Marker is dropped, the bad request
    and the two closed groups are answered with the descriptors the model gives, PQH frees the
    entries."""
    await env.enable_prq(env.queue_base, env.log2size)
    await env.pre_enable(0, RID)
    await env.pre_enable(1, RID2)
    group = [PageRequest(RID, pv=True, pasid=8, r=True, prgi=7, page=0x10), PageRequest(RID, pv=True, pasid=8, r=True, l=True, prgi=7, page=0x11)]
    sent = group + [SENT[2], STOP_MARKER, BAD]
    await env.send_all(sent)
    await env.wait_txn("mem_write", addr=env.queue_base + 32 * (len(sent) - 1), limit=500, rule="VTD-PRQ-1")
    host = iommu_tb.VtdHost()
    fates = []
    for t in env.transactions():
        if t["kind"] == "mem_write":
            fates.append(host.on_prq_entry(t["data"]))
    if fates != ["partial", "group", "group", "stop_marker", "bad_privileged"]:
        raise RuleViolation("HOST-22", env.cycle, f"the host model's fates: {fates}")
    await env.write_reg(PQH, 32 * len(sent))
    answers = host.answer_all()
    assert host.unanswered == 0 and len(answers) == 3, answers
    for words in answers:
        await env.descriptor(words)
    expected = [
        ({"rid": RID, "pv": True, "pasid": 3, "prgi": 9, "code": "InvalidRequest"}, "HOST-22"),
        ({"rid": RID, "pv": True, "pasid": 8, "prgi": 7, "code": "Success"}, "VTD-IQ-3"),
        ({"rid": RID2, "pv": False, "pasid": 0, "prgi": 3, "code": "Success"}, "VTD-IQ-3"),
    ]
    for rsp, rule in expected:
        await env.wait_txn("response", rsp=rsp, limit=200, rule=rule)
    got = sorted((r.rid, r.prgi, r.code) for r in env.responses())
    if got != [(RID, 7, 0), (RID, 9, 1), (RID2, 3, 0)]:
        raise RuleViolation("VTD-IQ-3", env.cycle, f"responses {got}")


@iommu_tb.test(flavor="vtd", like="vtd_stop_pasid", rules=["PRI-24", "PRI-25", "HOST-22"])
async def test_py_vtd_stop_pasid_under_traffic(dut, env):
    """The scenario's traffic plan (one function on PASIDs 5 and 6) through the Linux-like PRQ
    thread; the function stops PASID 5 with variant A (PRI-24, PRI-25: no Stop Marker, stop
    complete once every PRG of 5 was answered); the PRI and host-path checkers judge it all."""
    await env.start_host()
    env.start_traffic()
    await env.run_traffic(400)
    env.stop_pasid(RID, 5, "A")
    done = await env.wait_txn("stop_complete", rid=RID, pasid=5, limit=20_000, rule="PRI-25")
    markers = [t for t in env.transactions() if t["kind"] == "page_request" and t["msg"]["pasid"] == 5
               and t["msg"]["l"] and not (t["msg"]["r"] or t["msg"]["w"])]
    if markers:
        raise RuleViolation("PRI-25", done["cycle"], f"{len(markers)} Stop Markers for a variant A stop")
    await env.stop_traffic()
    await env.settle(100)
    assert env.host_groups_answered > 0, "the PRQ thread answered no group"
