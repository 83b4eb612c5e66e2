"""The engine from Python: failures raise with the rule, the judge and the cycle; triggers keep
cocotb's timing; bad calls are Python errors; a planted RTL bug is caught by both judges."""

import asyncio
import json
import shutil

import pytest

import iommu_tb
from iommu_tb import ClockCycles, First, RisingEdge, RuleViolation, Timer, UsageError, run_test, start_soon

import engine_cases as cases
from engine import test_smmuv3_engine, test_vtd_engine


def test_triggers_keep_cocotb_timing():
    r = run_test(cases.case_trigger_semantics)
    assert r.passed, r.failure


def test_a_rule_the_test_names_fails_the_run_with_it():
    r = run_test(cases.case_wrong_expectation)
    assert (r.status, r.rule, r.judge) == ("fail", "SMMU-PRIQ-3", "test assertion")
    assert "wrongly expects 0x2" in r.failure
    with pytest.raises(RuleViolation) as e:
        r.raise_for_failure()
    assert e.value.rule == "SMMU-PRIQ-3" and e.value.cycle == r.cycles and "judge: test assertion" in str(e.value)


def test_a_plain_assert_fails_with_its_traceback():
    r = run_test(cases.case_plain_assert)
    assert r.status == "fail" and r.rule is None
    assert "AssertionError: pr_ready is one bit" in r.failure and "case_plain_assert" in r.failure


def test_driving_in_read_only_fails_naming_the_port():
    r = run_test(cases.case_drive_in_read_only)
    assert r.status == "fail"
    assert "write to DUT port pr_valid in the ReadOnly phase" in r.failure


def test_assigning_a_port_is_refused():
    r = run_test(cases.case_assign_a_port)
    assert r.status == "fail" and "UsageError: dut.pr_valid is driven every cycle by the PCIe function agent" in r.failure


def test_traffic_verbs_without_a_plan_are_refused():
    run_test(cases.case_traffic_verbs_need_a_plan).raise_for_failure()
    r = run_test(cases.case_bad_stop_variant)
    assert r.status == "fail" and "ValueError: unknown stop variant 'C' (A or B, PRI-25/PRI-26)" in r.failure, r.failure


def test_an_operation_is_awaited_once():
    r = run_test(cases.case_await_an_op_twice)
    assert r.status == "fail" and "env.cycles(...) was already awaited (or its run ended): call the verb again" in r.failure, r.failure


def test_a_transaction_wait_fails_naming_its_rule():
    r = run_test(cases.case_wait_txn_times_out)
    assert (r.status, r.rule, r.judge, r.cycles) == ("fail", "PRI-25", "condition wait", 50), (r.rule, r.judge, r.cycles)
    assert "waited 50 cycles for a stop_complete transaction that never came" in r.failure


@pytest.mark.parametrize("case", [cases.case_smmuv3_port_writes, cases.case_vtd_port_writes])
def test_port_writes_are_refused_with_the_agent_or_the_error_to_fix(case):
    run_test(case).raise_for_failure()


def test_awaiting_a_foreign_awaitable_is_a_type_error():
    r = run_test(cases.case_awaits_asyncio)
    assert r.status == "fail" and "TypeError: a test awaited None" in r.failure


def test_a_test_that_never_ends_times_out():
    r = run_test(cases.case_never_ends)
    assert (r.rule, r.judge, r.cycles) == ("TIMEOUT", "timeout", 300)


def test_an_exception_in_a_task_fails_the_run():
    r = run_test(cases.case_task_raises)
    assert (r.status, r.rule) == ("fail", "PRI-16") and "raised in a task" in r.failure


def test_results_carry_the_scenario_and_the_seed():
    r = run_test(cases.case_trigger_semantics, seed=7)
    stored = json.loads(r.json)
    assert stored["test"] == "case_trigger_semantics" and stored["seed"] == 7
    assert stored["scenario"]["flavor"] == "smmuv3" and stored["status"] == "pass"


def test_trace_out_writes_the_run_trace(tmp_path):
    path = tmp_path / "t.jsonl"
    r = run_test(test_smmuv3_engine.test_py_queue_then_answer, trace_out=str(path))
    assert r.passed, r.failure
    kinds = [json.loads(line)["kind"] for line in path.read_text().splitlines()]
    assert kinds.count("mem_write") == 3 and kinds.count("response") == 2


def planted(root, tmp_path):
    """rtl/ with R and W swapped in the PRIQ entry: the planted bug entry_r_and_w_swapped
    (tests/smmuv3_bug_injection.rs), made the same way (tests/common/mutants.rs)."""
    rtl = tmp_path / "rtl"
    shutil.copytree(root / "rtl", rtl)
    f = rtl / "smmuv3" / "smmuv3_priq.sv"
    text = f.read_text()
    assert text.count("dw0 = {m.pv, m.l, m.w, m.r,") == 1
    f.write_text(text.replace("dw0 = {m.pv, m.l, m.w, m.r,", "dw0 = {m.pv, m.l, m.r, m.w,"))
    return rtl


def test_the_vtd_host_model_test_fails_on_a_planted_rtl_bug(root, tmp_path):
    """vtd_prq with RDR and WRR swapped in the page_req_dsc (the planted bug
    descriptor_rdr_and_wrr_swapped of tests/vtd_bug_injection.rs): the Python test that plays
    the PRQ thread fails naming VTD-PRQ-4 under either judge."""
    rtl = tmp_path / "rtl"
    shutil.copytree(root / "rtl", rtl)
    f = rtl / "vtd" / "vtd_prq.sv"
    text = f.read_text()
    assert text.count("qw1 = {m.addr, m.prgi, m.l, m.w, m.r};") == 1
    f.write_text(text.replace("qw1 = {m.addr, m.prgi, m.l, m.w, m.r};", "qw1 = {m.addr, m.prgi, m.l, m.r, m.w};"))
    test = test_vtd_engine.test_py_vtd_host_model_answers
    strict = run_test(test, rtl=str(rtl))
    assert (strict.rule, strict.judge) == ("VTD-PRQ-4", "lockstep"), strict.failure
    alone = run_test(test, rtl=str(rtl), lockstep=False)
    assert (alone.rule, alone.judge) == ("VTD-PRQ-4", "checker vtd-prq-entry"), alone.failure


def test_a_planted_rtl_bug_is_caught_by_both_judges(root, tmp_path):
    rtl = str(planted(root, tmp_path))
    strict = run_test(test_smmuv3_engine.test_py_queue_then_answer, rtl=rtl)
    assert (strict.rule, strict.judge) == ("SMMU-PRIQ-4", "lockstep")
    alone = run_test(test_smmuv3_engine.test_py_queue_then_answer, rtl=rtl, lockstep=False)
    assert (alone.rule, alone.judge) == ("SMMU-PRIQ-4", "checker smmuv3-priq-entry")


# ---- bad calls ---------------------------------------------------------------------------


def test_awaiting_outside_a_test_is_a_usage_error():
    async def outside():
        await RisingEdge()

    with pytest.raises(UsageError, match="awaiting RisingEdge\\(\\) outside a running test"):
        asyncio.run(outside())
    with pytest.raises(UsageError, match="start_soon outside a running test"):
        start_soon(outside())


def test_objects_of_an_ended_run_refuse_to_act():
    kept = {}

    @iommu_tb.test(flavor="smmuv3", name="keeps_its_dut")
    async def keeps(dut, env):
        kept["dut"], kept["env"] = dut, env
        await ClockCycles(dut.clk, 1)

    assert run_test(keeps).passed
    with pytest.raises(UsageError, match="the run it belonged to has ended"):
        kept["dut"].pr_ready.value
    with pytest.raises(UsageError, match="env.write_reg: the run it belonged to has ended"):
        kept["env"].write_reg(0x20, 0)


def test_unknown_ports_list_the_ports():
    seen = {}

    @iommu_tb.test(flavor="smmuv3", name="asks_for_a_port")
    async def asks(dut, env):
        try:
            dut.no_such_port
        except AttributeError as e:
            seen["error"] = str(e)
        await ClockCycles(dut.clk, 1)

    assert run_test(asks).passed
    assert "smmuv3_priq has no port 'no_such_port' (ports: " in seen["error"] and "pr_ready" in seen["error"]


@pytest.mark.parametrize(
    "call,error,message",
    [
        (lambda: run_test("no_such_test"), ValueError, "unknown engine test 'no_such_test'"),
        (lambda: run_test(len), TypeError, "is not an engine test"),
        (lambda: iommu_tb.test(flavor="arm"), ValueError, "unknown flavor 'arm'"),
        (lambda: iommu_tb.test(flavor="vtd")(lambda dut, env: None), TypeError, "needs an async def function"),
        (lambda: Timer(5, "fortnights"), ValueError, "unknown time unit 'fortnights'"),
        (lambda: Timer(-1), ValueError, "non-negative"),
        (lambda: ClockCycles(-1), ValueError, "0 <= n"),
        (lambda: ClockCycles("dut.clk"), TypeError, "ClockCycles takes"),
        (lambda: First(), ValueError, "at least one trigger"),
        (lambda: First(1), TypeError, "takes iommu_tb triggers and tasks, got int"),
        (lambda: run_test(cases.case_plain_assert, config="huge"), iommu_tb.EngineError, "huge"),
    ],
)
def test_bad_calls(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_vtd_verb_on_an_smmuv3_run_names_the_flavor():
    r_holder = {}

    @iommu_tb.test(flavor="smmuv3", name="calls_a_vtd_verb")
    async def wrong(dut, env):
        try:
            env.enable_prq(0, 7)
        except AttributeError as e:
            r_holder["e"] = str(e)
        await ClockCycles(dut.clk, 1)

    assert run_test(wrong).passed
    assert r_holder["e"] == "env.enable_prq is a vtd sequence; this run's flavor is smmuv3"
