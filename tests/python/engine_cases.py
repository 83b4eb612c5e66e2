"""Engine tests that must fail, each in its own way (run by test_engine.py through run_test, not
collected by the plugin: this module's name does not start with test_)."""

import asyncio

import iommu_tb
from iommu_tb import ClockCycles, Combine, Event, FallingEdge, First, PageRequest, ReadOnly, RisingEdge, RuleViolation, Timer, UsageError, start_soon

PRIQ_PROD = 0x100C8
L1 = PageRequest(0x0100, pv=True, pasid=5, r=True, l=True, prgi=3, page=0x42)


@iommu_tb.test(flavor="smmuv3", rules=["SMMU-PRIQ-3"])
async def case_wrong_expectation(dut, env):
    """Expects PROD 2 after one entry: fails naming the rule the test gives."""
    await env.enable_priq(env.queue_base, env.log2size)
    await env.send_all([L1])
    await env.cycles(20)
    prod = await env.read_reg(PRIQ_PROD)
    if prod != 2:
        raise RuleViolation("SMMU-PRIQ-3", env.cycle, f"PROD reads {prod:#x}, this test wrongly expects 0x2")


@iommu_tb.test(flavor="smmuv3")
async def case_plain_assert(dut, env):
    await env.cycles(3)
    assert dut.pr_ready.value == 7, "pr_ready is one bit"


@iommu_tb.test(flavor="smmuv3")
async def case_drive_in_read_only(dut, env):
    await FallingEdge(dut.clk)
    await ReadOnly()
    env.send([L1])


@iommu_tb.test(flavor="smmuv3")
async def case_assign_a_port(dut, env):
    await RisingEdge(dut.clk)
    dut.pr_valid.value = 1


@iommu_tb.test(flavor="smmuv3")
async def case_awaits_asyncio(dut, env):
    await asyncio.sleep(0)


@iommu_tb.test(flavor="smmuv3", max_cycles=300)
async def case_never_ends(dut, env):
    await Event().wait()


@iommu_tb.test(flavor="smmuv3")
async def case_task_raises(dut, env):
    async def boom():
        await ClockCycles(dut.clk, 4)
        raise RuleViolation("PRI-16", env.cycle, "raised in a task")

    start_soon(boom())
    await ClockCycles(dut.clk, 50)


@iommu_tb.test(flavor="smmuv3")
async def case_trigger_semantics(dut, env):
    """Passes: each trigger resumes when it should (cycles and time checked). `env.cycle` counts
    the rising edges taken; a Timer resumes at the start of its time step, before the rising
    edge at that time (the scheduler's phase order: timers, then rising edge, then ReadOnly)."""
    t0 = env.cycle
    await ClockCycles(dut.clk, 5)
    assert env.cycle == t0 + 5
    ps = env.time_ps
    await Timer(30, "ns")
    assert env.time_ps == ps + 30_000 and env.cycle == t0 + 7  # at edge t0+8's time, before it
    first = await First(ClockCycles(dut.clk, 2), ClockCycles(dut.clk, 9))
    assert env.cycle == t0 + 9 and repr(first) == "ClockCycles(2)"
    await Combine(ClockCycles(dut.clk, 2), ClockCycles(dut.clk, 4))
    assert env.cycle == t0 + 13
    ev = Event()

    async def waiter():
        await ev.wait()
        return env.cycle

    task = start_soon(waiter())
    await ClockCycles(dut.clk, 3)
    assert not task.done()
    ev.set()
    assert await task == t0 + 16
    late = start_soon(waiter())  # the event is still set: resumes at once
    assert await late == t0 + 16
    ev.clear()
    sleeper = start_soon(waiter())
    sleeper.cancel()
    await RisingEdge(dut.clk)
    assert sleeper.done()
    await FallingEdge(dut.clk)
    await ReadOnly()
    assert dut.reg_ready.value == 1  # constant 1 out of reset (rtl/README.md)


def refused(dut, port, value, exc, text):
    """`dut.<port>.value = value` raises `exc` whose message holds `text` (docs/python.md)."""
    try:
        setattr(getattr(dut, port), "value", value)
    except exc as e:
        assert text in str(e), f"dut.{port}.value = {value!r}: {type(e).__name__}: {e}"
        return
    raise AssertionError(f"dut.{port}.value = {value!r} did not raise {exc.__name__}")


@iommu_tb.test(flavor="smmuv3")
async def case_smmuv3_port_writes(dut, env):
    """Passes when every write is refused as docs/python.md says, and nothing was deposited."""
    await RisingEdge(dut.clk)
    refused(dut, "pr_valid", 1, UsageError, "dut.pr_valid is driven every cycle by the PCIe function agent")
    refused(dut, "pr_valid", 1, UsageError, "env.send([...]) or await env.send_all([...])")
    refused(dut, "reg_addr", 4, UsageError, "the register agent (the lockstep model and the monitors see that drive, not the port): use await env.write_reg")
    refused(dut, "cmd_dw0", 2**64 - 1, UsageError, "await env.command((dw0, dw1))")
    refused(dut, "mw_ready", 0, UsageError, "the memory agent")
    refused(dut, "rsp_ready", True, UsageError, "the response monitor")
    refused(dut, "pr_valid", 2, ValueError, "dut.pr_valid.value = 2 does not fit in 1 unsigned bits")
    refused(dut, "pr_prgi", -1, ValueError, "does not fit in 9 unsigned bits")
    refused(dut, "cmd_dw1", 2**64, ValueError, "does not fit in 64 unsigned bits")
    refused(dut, "reg_wdata", "1", TypeError, "dut.reg_wdata.value takes an int, got str")
    refused(dut, "pr_ready", 1, UsageError, "dut.pr_ready is an output of the DUT")
    refused(dut, "mw_data", 0, UsageError, "dut.mw_data is an output of the DUT")
    try:
        dut.no_such_port.value = 1
    except AttributeError as e:
        assert "smmuv3_priq has no port 'no_such_port'" in str(e), str(e)
    else:
        raise AssertionError("a write to an unknown port was accepted")
    await ClockCycles(dut.clk, 3)
    assert dut.pr_valid.value == 0 and dut.reg_addr.value == 0, "a refused write reached the DUT"


@iommu_tb.test(flavor="vtd")
async def case_vtd_port_writes(dut, env):
    """The VT-d top's own inputs name their agents too."""
    await RisingEdge(dut.clk)
    refused(dut, "iq_valid", 1, UsageError, "dut.iq_valid is driven every cycle by the descriptor driver")
    refused(dut, "iq_qw3", 2**64, ValueError, "does not fit in 64 unsigned bits")
    refused(dut, "mw_kind", 1, UsageError, "dut.mw_kind is an output of the DUT")


@iommu_tb.test(flavor="vtd")
async def case_traffic_verbs_need_a_plan(dut, env):
    """Passes when the traffic verbs refuse a scenario without a traffic plan and a bad stop
    variant is a ValueError."""
    for verb in (env.start_traffic, lambda: env.stop_pasid(0x100, 5), env.stop_traffic):
        try:
            verb()
        except UsageError as e:
            assert "this run's scenario has no traffic plan" in str(e) and "like=" in str(e), str(e)
        else:
            raise AssertionError("a traffic verb ran without a traffic plan")
    await env.cycles(1)


@iommu_tb.test(flavor="vtd", like="vtd_stop_pasid")
async def case_bad_stop_variant(dut, env):
    env.stop_pasid(0x100, 5, "C")


@iommu_tb.test(flavor="smmuv3")
async def case_wait_txn_times_out(dut, env):
    """Fails: no stop is ever requested, so the wait ends naming the rule it was given."""
    await env.wait_txn("stop_complete", pasid=5, limit=50, rule="PRI-25")


@iommu_tb.test(flavor="smmuv3")
async def case_await_an_op_twice(dut, env):
    """Fails: an env verb's trigger is one operation, awaited once."""
    op = env.cycles(2)
    await op
    await op


@iommu_tb.test(flavor="smmuv3", rules=["SMMU-EVTQ-2"])
async def case_needs_the_event_queue(dut, env):
    """Asserts an event-queue rule: not run on a DUT whose port map lists `evtq` as absent."""
    await env.cycles(1)
