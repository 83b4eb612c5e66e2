"""`python -m iommu_tb`: list, run and regress the engine tests (@iommu_tb.test) of Python files.

    python -m iommu_tb list tests/python/engine
    python -m iommu_tb run tests/python/engine --test test_py_queue_then_answer --seed 3
    python -m iommu_tb regress tests/python/engine --seeds 5 --out build/py-regress

`run` exits 0 when the run passes, 1 when it fails, 2 on bad input; `regress` writes
results.json (the regression's schema) and junit.xml into --out and exits 0 when every run
passed. Bad input is one line on stderr.
"""

import argparse
import importlib.util
import pathlib
import sys
from typing import List

from . import engine
from ._engine import write_results


class BadInput(Exception):
    """One line for stderr, exit status 2."""


def load(paths: List[str]) -> List[engine.TestCase]:
    """Import the test files (a folder: its test_*.py) and return the engine tests they register."""
    files: List[pathlib.Path] = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            files.extend(sorted(p.glob("test_*.py")))
        elif p.is_file():
            files.append(p)
        else:
            raise BadInput(f"no such file or folder: {p}")
    for f in files:
        sys.path.insert(0, str(f.parent.resolve()))
        spec = importlib.util.spec_from_file_location(f.stem, f)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return engine.registered()


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m iommu_tb", description="Engine tests written in Python.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("list", "run", "regress"):
        p = sub.add_parser(name)
        p.add_argument("paths", nargs="+", help="test files, or folders of test_*.py")
        if name != "list":
            p.add_argument("--checkers-only", action="store_true", help="no lockstep: the protocol checkers judge")
            p.add_argument("--config", default="default", help="RTL configuration (rtl/configs.txt)")
        if name == "run":
            p.add_argument("--test", required=True)
            p.add_argument("--seed", type=int, default=1)
            p.add_argument("--trace-out")
            p.add_argument("--rtl", help="another copy of rtl/ (a planted bug)")
        if name == "regress":
            p.add_argument("--seeds", type=int, default=1, help="seeds 1..N of every test")
            p.add_argument("--out", default="build/py-regress")
    a = ap.parse_args(argv)
    try:
        cases = load(a.paths)
        if a.cmd == "list":
            for c in cases:
                print(f"{c.flavor:7} {c.name:40} {' '.join(c.rules)}")
            return 0
        if a.cmd == "run":
            r = engine.run_test(a.test, seed=a.seed, lockstep=not a.checkers_only, config=a.config, trace_out=a.trace_out, rtl=a.rtl)
            print(f"{r.status.upper()} {r.test} seed {r.seed} ({r.cycles} cycles, {r.wall_s:.2f} s)")
            if not r.passed:
                print(f"[{r.rule or '?'}] by {r.judge}: {r.failure}")
            return 0 if r.passed else 1
        if a.seeds < 1:
            raise BadInput("--seeds must be at least 1")
        results = []
        for c in cases:
            for seed in range(1, a.seeds + 1):
                r = engine.run_test(c, seed=seed, lockstep=not a.checkers_only, config=a.config)
                results.append(r)
                print(f"{r.status.upper():4} {c.flavor:7} {c.name} seed {seed} ({r.cycles} cycles)" + ("" if r.passed else f" [{r.rule or '?'}] by {r.judge}"))
        write_results(a.out, results)
        failed = sum(not r.passed for r in results)
        print(f"regress: {len(results) - failed} passed, {failed} failed; results.json and junit.xml in {a.out}")
        return 1 if failed else 0
    except (BadInput, ValueError, TypeError) as e:
        print(f"python -m iommu_tb: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
