"""SMMUv3 directed tests written in Python on the Rust engine (collected by the iommu_tb pytest
plugin; each is run as `iommu-tb run` runs a Rust test: lockstep, checkers, coverage)."""

import iommu_tb
from iommu_tb import ClockCycles, First, PageRequest, RisingEdge, RuleViolation, smmuv3, start_soon

PRIQ_PROD, PRIQ_CONS = 0x100C8, 0x100CC

SENT = [
    PageRequest(0x0100, pv=True, pasid=0xFFFFF, r=True, prgi=7, page=0x1234_5007),
    PageRequest(0x0100, pv=True, pasid=0xFFFFF, exe=True, priv=True, r=True, w=True, l=True, prgi=7, page=2**52 - 1),
    PageRequest(0xFFFF, w=True, l=True, prgi=0x1FF, page=1),
]


async def until(env, rule, what, cond, cycles=500):
    """A bounded wait on the engine: fails naming `rule` when `cond` does not hold in time."""
    for _ in range(cycles):
        if cond():
            return
        await env.cycles(1)
    raise RuleViolation(rule, env.cycle, f"{what}: not within {cycles} cycles")


@iommu_tb.test(flavor="smmuv3", rules=["SMMU-PRIQ-1", "SMMU-PRIQ-3", "SMMU-PRIQ-4", "SMMU-CMD-3"])
async def test_py_queue_then_answer(dut, env):
    """Three requests queued at base + 16k, decoded back through the golden codec; software
    answers both closed groups with CMD_PRI_RESP."""
    await env.enable_priq(env.queue_base, env.log2size)
    await env.send_all(SENT)
    await until(env, "SMMU-PRIQ-3", "three entries written", lambda: len(env.queue_writes()) == 3)
    prod = 0
    for _ in range(20):
        prod = await env.read_reg(PRIQ_PROD)
        if prod == 3:
            break
    if prod != 3:
        raise RuleViolation("SMMU-PRIQ-3", env.cycle, f"PROD reads {prod:#x} after three entries")
    for k, (addr, dw0, dw1) in enumerate(env.queue_writes()):
        if addr != env.queue_base + 16 * k:
            raise RuleViolation("SMMU-PRIQ-1", env.cycle, f"entry {k} at {addr:#x}")
        got = smmuv3.decode_priq_entry((dw0, dw1))
        if got != SENT[k]:
            raise RuleViolation("SMMU-PRIQ-4", env.cycle, f"entry {k} decodes to {got}, sent {SENT[k]}")
    for m in SENT:
        if m.kind() == "last_request":
            await env.command(smmuv3.encode_pri_resp(m.rid, m.pasid if m.pv else None, m.prgi, 0x0))
    await env.write_reg(PRIQ_CONS, 3)
    await until(env, "SMMU-CMD-3", "a response per closed group", lambda: len(env.responses()) == 2)
    assert [r.prgi for r in env.responses()] == [7, 0x1FF]


@iommu_tb.test(flavor="smmuv3", rules=["SMMU-PRIQ-3"])
async def test_py_ports_and_tasks(dut, env):
    """dut.<port>.value follows the handshakes; a concurrent task watches the memory port."""

    async def first_write():
        while not (dut.mw_valid.value and dut.mw_ready.value):
            await RisingEdge(dut.clk)
        return env.cycle

    watcher = start_soon(first_write())
    await env.enable_priq(env.queue_base, env.log2size)
    env.send(SENT[:1])
    cycle = await First(watcher, ClockCycles(dut.clk, 200))
    assert isinstance(cycle, int), "no entry write within 200 cycles"
    assert dut.mw_addr.value == env.queue_base
    assert smmuv3.decode_priq_entry((dut.mw_data.value & (2**64 - 1), dut.mw_data.value >> 64)) == SENT[0]


RID, P = 0x0100, 5


def stop_markers_of(env, pasid):
    """Stop Markers of `pasid` accepted at the ingress so far (PV=1, L=1, R=W=0)."""
    return [t for t in env.transactions() if t["kind"] == "page_request" and t["msg"]["pv"] and t["msg"]["pasid"] == pasid
            and t["msg"]["l"] and not (t["msg"]["r"] or t["msg"]["w"])]


@iommu_tb.test(flavor="smmuv3", like="stop_pasid_b", rules=["PRI-24", "PRI-26", "HOST-18"])
async def test_py_stop_pasid_b_under_traffic(dut, env):
    """The scenario's traffic plan (one function, PASIDs 5 and 6, 60 PRGs) through the Linux-like
    PRIQ thread; the function stops PASID 5 with variant B (PRI-26: its outstanding PRGs go stale,
    exactly one Stop Marker, which the host drops, HOST-18); the traffic then winds down with every
    PRG answered (PRI-16), judged by the PRI and host-path checkers."""
    await env.start_host()
    env.start_traffic()
    await env.run_traffic(400)
    env.stop_pasid(RID, P, "B")
    done = await env.wait_txn("stop_complete", rid=RID, pasid=P, limit=20_000, rule="PRI-26")
    markers = stop_markers_of(env, P)
    if len(markers) != 1:
        raise RuleViolation("PRI-26", done["cycle"], f"{len(markers)} Stop Markers for one variant B stop")
    await env.stop_traffic()
    await env.settle(100)
    assert env.host_groups_answered > 0, "the PRIQ thread answered no group"


@iommu_tb.test(flavor="smmuv3", rules=["HOST-2", "HOST-3", "HOST-18", "SMMU-CMD-3"])
async def test_py_host_model_answers(dut, env):
    """The test plays the PRIQ thread with the golden SMMUv3 host model (iommu_tb.SmmuHost):
    each entry read goes to the model, the Stop Marker is dropped, the closed groups are answered
    with the CMD_PRI_RESP words the model gives."""
    await env.enable_priq(env.queue_base, env.log2size)
    marker = PageRequest(0x0100, pv=True, pasid=9, l=True, prgi=1)
    await env.send_all(SENT + [marker])
    await env.wait_txn("mem_ack", limit=500, rule="SMMU-PRIQ-3")
    while len(env.queue_writes()) < 4:
        await env.wait_txn("mem_write", addr=env.queue_base + 16 * 3, limit=500, rule="SMMU-PRIQ-3")
    host = iommu_tb.SmmuHost()
    fates = [host.on_priq_entry(smmuv3.decode_priq_entry((dw0, dw1))) for _, dw0, dw1 in env.queue_writes()]
    if fates != ["partial", "group", "group", "stop_marker"]:
        raise RuleViolation("HOST-18", env.cycle, f"the host model's fates: {fates}")
    await env.write_reg(PRIQ_CONS, 4)
    for words in host.answer_all():
        await env.command(words)
    await until(env, "SMMU-CMD-3", "a response per closed group", lambda: len(env.responses()) == 2)
    assert sorted(r.prgi for r in env.responses()) == [7, 0x1FF]


@iommu_tb.test(flavor="smmuv3", like="random", rules=["SMMU-PRIQ-3", "PRI-16", "HOST-16"])
async def test_py_random_traffic(dut, env):
    """The Rust class `random` written in Python: the seed's random traffic plan through the
    Linux-like PRIQ thread until every generated PRG was answered (PRI-16)."""
    await env.start_host()
    env.start_traffic()
    await env.wait_traffic_done()
    await env.settle(100)
    if env.host_groups_answered == 0 and not env.responses():
        raise RuleViolation("PRI-16", env.cycle, "random traffic closed no PRG")
