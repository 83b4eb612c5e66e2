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
