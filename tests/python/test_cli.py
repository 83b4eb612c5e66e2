"""`python -m iommu_tb`: list, run and regress the engine tests of Python files; results.json in
the regression's schema (so `iommu-tb merge` renders its report) and junit.xml."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

ENGINE_TESTS = "tests/python/engine"


def cli(root, *args):
    return subprocess.run([sys.executable, "-m", "iommu_tb", *args], capture_output=True, text=True, timeout=600, cwd=root)


def test_list_names_flavor_and_rules(root):
    r = cli(root, "list", ENGINE_TESTS)
    assert r.returncode == 0, r.stderr
    assert "vtd     test_py_vtd_queue_then_answer            VTD-PRQ-1 VTD-PRQ-4 VTD-PRQ-8 VTD-IQ-3" in r.stdout


def test_run_passes_and_bad_input_is_exit_2(root):
    r = cli(root, "run", ENGINE_TESTS, "--test", "test_py_queue_then_answer", "--seed", "4")
    assert r.returncode == 0 and r.stdout.startswith("PASS test_py_queue_then_answer seed 4"), r.stdout + r.stderr
    bad = cli(root, "run", ENGINE_TESTS, "--test", "no_such_test")
    assert bad.returncode == 2 and bad.stderr.startswith("python -m iommu_tb: unknown engine test 'no_such_test'")
    assert len(bad.stderr.strip().splitlines()) == 1


TWO = ("--test", "test_py_queue_then_answer", "--test", "test_py_vtd_queue_then_answer")


def test_regress_writes_results_and_junit(root, tmp_path):
    r = cli(root, "regress", ENGINE_TESTS, "--seeds", "2", *TWO, "--out", str(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["summary"]["total"] == 4 and results["summary"]["failed"] == 0
    assert {b["flavor"] for b in results["rtl"]} == {"smmuv3", "vtd"}
    assert sorted(c["definition"] for c in results["functional"]) == ["smmuv3_priq", "vtd_prq"]
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert suites.get("tests") == "4" and suites.get("failures") == "0"


def test_regress_as_iommu_tb_regress_runs_it(root, tmp_path):
    """One seed, the coverage build, its summed counters written as a regression worker's."""
    out, cov = tmp_path / "out", tmp_path / "cov"
    r = cli(root, "regress", ENGINE_TESTS, "--seed", "3", *TWO, "--out", str(out), "--coverage-dir", str(cov),
            "--coverage-metrics", "line", "--reset-values", "zero")
    assert r.returncode == 0, r.stdout + r.stderr
    runs = json.loads((out / "results.json").read_text())["runs"]
    assert sorted((x["test"], x["seed"], x["reset"]) for x in runs) == [
        ("test_py_queue_then_answer", 3, "zero"), ("test_py_vtd_queue_then_answer", 3, "zero")]
    dats = sorted(p.name for p in cov.glob("python-*.dat"))
    assert len(dats) == 2, dats  # one per build: the SMMUv3 and VT-d coverage builds
    bad = cli(root, "regress", ENGINE_TESTS, "--test", "no_such_test", "--out", str(out))
    assert bad.returncode == 2 and bad.stderr.startswith("python -m iommu_tb: unknown engine test 'no_such_test'")
