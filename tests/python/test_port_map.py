"""Engine tests on a DUT that is not ours, through its port map (docs/bring-your-own-rtl.md):
the fixture tests/fixtures/renamed_smmuv3 is our SMMUv3 block behind renamed and packed ports,
an active-high reset and moved registers. Its timing is ours, so the engine tests pass through
the map under lockstep as under ordered compare (the default with a port map); a wiring bug in
the shell fails naming its rule; a bad map is one PortMapError line; a test the DUT cannot run
raises NotOnDut, which the pytest plugin turns into a skip with the reason."""

import shutil
import subprocess
import sys

import pytest

import iommu_tb
from iommu_tb import NotOnDut, PortMapError, run_test

import engine_cases as cases
from engine import test_smmuv3_engine, test_vtd_engine

FIXTURE = "tests/fixtures/renamed_smmuv3"
MAP = f"{FIXTURE}/port-map.toml"
NO_EVTQ = f"{FIXTURE}/port-map-no-evtq.toml"
SMMUV3_TESTS = [t for t in iommu_tb.engine.registered() if t.flavor == "smmuv3" and t.name.startswith("test_py_")]


def fixture_copy(root, tmp_path, edit_shell=None, edit_map=None):
    """The fixture folder copied, with its shell or its port map edited (each edit must apply)."""
    dest = tmp_path / "fixture"
    shutil.copytree(root / FIXTURE, dest)
    for name, edit in (("renamed_priq.sv", edit_shell), ("port-map.toml", edit_map)):
        if edit:
            text = (dest / name).read_text()
            (dest / name).write_text(edit(text))
            assert (dest / name).read_text() != text, f"the edit of {name} changed nothing"
    return dest / "port-map.toml"


def test_the_port_map_is_checked_and_described():
    pm = iommu_tb.port_map(MAP)
    assert (pm.flavor, pm.top, pm.absent) == ("smmuv3", "renamed_priq", [])
    assert pm.rtl.name == "renamed_smmuv3" and pm.path.name == "port-map.toml" and len(pm.sha256) == 64
    assert iommu_tb.port_map(NO_EVTQ).absent == ["evtq"]


@pytest.mark.parametrize("compare", ["lockstep", None])
@pytest.mark.parametrize("case", SMMUV3_TESTS, ids=lambda c: c.name)
def test_every_smmuv3_engine_test_passes_through_the_port_map(case, compare):
    r = run_test(case, port_map=MAP, compare=compare)
    assert r.passed, r.failure
    stored = r.json
    assert '"config":"renamed_priq"' in stored and '"port_map":"tests/fixtures/renamed_smmuv3/port-map.toml"' in stored
    assert ('"compare":"lockstep"' if compare else '"compare":"ordered"') in stored, "ordered is the default with a port map"


def test_a_wiring_bug_in_the_shell_fails_naming_the_rule(root, tmp_path):
    swapped = fixture_copy(
        root, tmp_path, edit_shell=lambda t: t.replace(".pr_r(req_attr[3]), .pr_w(req_attr[4])", ".pr_r(req_attr[4]), .pr_w(req_attr[3])")
    )
    for compare, judge in (("lockstep", "lockstep"), ("ordered", "ordered")):
        r = run_test(test_smmuv3_engine.test_py_queue_then_answer, port_map=str(swapped), compare=compare)
        assert (r.status, r.rule, r.judge) == ("fail", "SMMU-PRIQ-4", judge), r.failure


def test_a_bad_port_map_is_one_port_map_error_line(root, tmp_path):
    width = fixture_copy(root, tmp_path, edit_map=lambda t: t.replace('bits = "14:6"', 'bits = "13:6"'))
    with pytest.raises(PortMapError) as e:
        run_test(test_smmuv3_engine.test_py_queue_then_answer, port_map=str(width))
    message = str(e.value)
    assert "\n" not in message and message.startswith(f"port map {width}: "), message
    assert "contract pr_prgi (in, 9 bits) -> DUT req_attr[13:6] is 8 bits" in message
    assert isinstance(e.value, ValueError) and isinstance(e.value, iommu_tb.IommuTbError)
    with pytest.raises(PortMapError, match="cannot read it"):
        iommu_tb.port_map(str(tmp_path / "none.toml"))
    with pytest.raises(ValueError, match="a port-mapped DUT is its own configuration"):
        run_test(test_smmuv3_engine.test_py_queue_then_answer, port_map=MAP, config="min")


def test_a_test_the_dut_cannot_run_raises_not_on_dut():
    with pytest.raises(NotOnDut) as e:
        run_test(cases.case_needs_the_event_queue, port_map=NO_EVTQ)
    assert (e.value.test, e.value.dut, e.value.why) == ("case_needs_the_event_queue", "renamed_priq", "needs feature evtq, absent from renamed_priq")
    assert run_test(cases.case_needs_the_event_queue, port_map=MAP).passed, "with the event queue it runs"
    with pytest.raises(NotOnDut, match="it is a vtd test and the port map ties renamed_priq to smmuv3"):
        run_test(test_vtd_engine.test_py_vtd_queue_then_answer, port_map=MAP)


def test_the_plugin_runs_the_engine_tests_on_the_dut_and_skips_what_it_cannot_run(root):
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/python/engine", "-q", "-rs", "-p", "no:cacheprovider", "--iommu-port-map", NO_EVTQ],
        capture_output=True, text=True, timeout=600, cwd=root,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{len(SMMUV3_TESTS)} passed" in out.stdout, out.stdout
    assert "test test_py_vtd_queue_then_answer does not run on renamed_priq: it is a vtd test" in out.stdout, out.stdout


def test_the_command_line_runs_and_regresses_on_the_dut(root, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "iommu_tb", *args], capture_output=True, text=True, timeout=600, cwd=root)

    ok = cli("run", "tests/python/engine", "--test", "test_py_queue_then_answer", "--port-map", MAP)
    assert ok.returncode == 0 and ok.stdout.startswith("PASS test_py_queue_then_answer@renamed_priq seed 1"), ok.stdout + ok.stderr
    width = fixture_copy(root, tmp_path, edit_map=lambda t: t.replace('bits = "14:6"', 'bits = "13:6"'))
    bad = cli("run", "tests/python/engine", "--test", "test_py_queue_then_answer", "--port-map", str(width))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "is 8 bits" in bad.stderr, bad.stderr
    reg = cli("regress", "tests/python/engine", "--port-map", MAP, "--test", "test_py_ports_and_tasks@renamed_priq",
              "--test", "test_py_ports_and_tasks", "--out", str(tmp_path / "out"))
    assert reg.returncode == 0, reg.stdout + reg.stderr
    assert "test_py_ports_and_tasks@renamed_priq seed 1" in reg.stdout and "test_py_ports_and_tasks seed 1" in reg.stdout, reg.stdout
    skip = cli("regress", "tests/python/engine_cases.py", "--port-map", NO_EVTQ, "--test", "case_needs_the_event_queue@renamed_priq",
               "--out", str(tmp_path / "o3"))
    assert skip.returncode == 0, skip.stdout + skip.stderr
    assert "SKIP smmuv3  case_needs_the_event_queue@renamed_priq: needs feature evtq, absent from renamed_priq" in skip.stdout, skip.stdout
    assert "regress: 0 passed, 0 failed" in skip.stdout, skip.stdout
    unknown = cli("regress", "tests/python/engine", "--test", "test_py_ports_and_tasks@nowhere", "--out", str(tmp_path / "o2"))
    assert unknown.returncode == 2 and "no --port-map has the top nowhere" in unknown.stderr, unknown.stderr
