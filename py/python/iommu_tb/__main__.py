"""`python -m iommu_tb`: list, run and regress the engine tests (@iommu_tb.test) of Python files.

    python -m iommu_tb list tests/python/engine
    python -m iommu_tb run tests/python/engine --test test_py_queue_then_answer --seed 3
    python -m iommu_tb regress tests/python/engine --seeds 5 --out build/py-regress

`run` exits 0 when the run passes, 1 when it fails, 2 on bad input; `regress` writes
results.json (the regression's schema) and junit.xml into --out and exits 0 when every run
passed (130 when interrupted: what finished is written). Bad input is one line on stderr.
`iommu-tb regress` runs the Python tests through `regress` (with --coverage-dir: the coverage
build's counters, summed, written there as a regression worker writes them). `--port-map FILE`
runs them on a port-mapped DUT: `run` on that DUT alone; `regress` on it too (repeatable),
`--test NAME@TOP` selecting one test on one of them; a test the DUT cannot run is skipped with
the reason (`SKIP` line).
"""

import argparse
import importlib.util
import json
import pathlib
import sys
from typing import List, Optional, Tuple

from . import engine
from ._engine import PortMap, port_map, write_coverage, write_results
from .errors import NotOnDut


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
            p.add_argument("--compare", choices=("lockstep", "ordered", "checkers"),
                           help="the judge (default: lockstep, ordered on a port-mapped DUT)")
            p.add_argument("--config", default="default", help="RTL configuration (rtl/configs.txt)")
            p.add_argument("--reset-values", help="unreset flops: zero, ones, random, random:SEED (default random from the seed)")
        if name == "run":
            p.add_argument("--test", required=True)
            p.add_argument("--seed", type=int, default=1)
            p.add_argument("--trace-out")
            p.add_argument("--waves-out", help="dump FST waves to this file")
            p.add_argument("--rtl", help="another copy of rtl/ (a planted bug); with --port-map the DUT's sources")
            p.add_argument("--port-map", help="run on the DUT this port map binds (docs/bring-your-own-rtl.md)")
            p.add_argument("--top", help="the DUT's top (default: the port map's)")
        if name == "regress":
            seeds = p.add_mutually_exclusive_group()
            seeds.add_argument("--seeds", type=int, default=1, help="seeds 1..N of every test")
            seeds.add_argument("--seed", type=int, help="this one seed of every test")
            p.add_argument("--test", action="append", default=[],
                           help="only this test (repeatable); NAME@TOP: only on the port-mapped DUT TOP")
            p.add_argument("--port-map", action="append", default=[],
                           help="also run on the DUT this port map binds (repeatable)")
            p.add_argument("--out", default="build/py-regress")
            p.add_argument("--coverage-dir", help="run the coverage build; write its summed counters here")
            p.add_argument("--coverage-metrics", default="all", choices=("line", "all"))
    a = ap.parse_args(argv)
    try:
        cases = load(a.paths)
        if a.cmd == "list":
            for c in cases:
                print(f"{c.flavor:7} {c.name:40} {' '.join(c.rules)}")
            return 0
        if a.cmd == "run":
            r = engine.run_test(a.test, seed=a.seed, compare=compare_of(a), config=a.config, trace_out=a.trace_out,
                                rtl=a.rtl, waves=a.waves_out, reset=a.reset_values, port_map=a.port_map, top=a.top)
            stored = json.loads(r.json)
            label = r.test if a.port_map is None else f"{r.test}@{stored['scenario']['config']}"
            print(f"{r.status.upper()} {label} seed {r.seed} reset {stored['reset']} ({r.cycles} cycles, {r.wall_s:.2f} s)")
            if a.waves_out:
                print(f"waves: {a.waves_out}")
            if not r.passed:
                print(f"[{r.rule or '?'}] by {r.judge}: {r.failure}")
                config = stored["scenario"]["config"]
                dut = stored.get("dut")
                if dut:
                    config = f" --port-map {dut['port_map']} --rtl {dut['rtl']}"
                else:
                    config = "" if config == "default" else f" --config {config}"
                compare = "" if a.compare is None else f" --compare {a.compare}"
                print(f"replay: iommu-tb replay --flavor {r.flavor}{config} --test {r.test} --seed {r.seed} --reset-values {stored['reset']}{compare}")
            return 0 if r.passed else 1
        return regress(a, cases)
    except (BadInput, NotOnDut, ValueError, TypeError) as e:
        print(f"python -m iommu_tb: {e}", file=sys.stderr)
        return 2


def compare_of(a: argparse.Namespace) -> Optional[str]:
    """The judge the command line asks for (None: the default for the DUT)."""
    return "checkers" if a.checkers_only else a.compare


def plan(a: argparse.Namespace, cases: List[engine.TestCase]) -> List[Tuple[engine.TestCase, Optional[PortMap]]]:
    """The (test, DUT) pairs of a regression: every selected test on the embedded RTL and on each
    port-mapped DUT of its flavor; `--test NAME@TOP` selects one pair."""
    duts = {}
    for path in a.port_map:
        d = port_map(path)
        if d.top in duts:
            raise BadInput(f"two port maps name the top {d.top}")
        duts[d.top] = d
    by_name = {c.name: c for c in cases}
    if not a.test:
        return [(c, None) for c in cases] + [(c, d) for d in duts.values() for c in cases if c.flavor == d.flavor]
    pairs = []
    for t in a.test:
        name, _, top = t.partition("@")
        if name not in by_name:
            raise BadInput(f"unknown engine test '{name}' (known: {', '.join(by_name) or 'none'})")
        if top and top not in duts:
            raise BadInput(f"--test {t}: no --port-map has the top {top} (given: {', '.join(duts) or 'none'})")
        pairs.append((by_name[name], duts[top] if top else None))
    return pairs


def regress(a: argparse.Namespace, cases: List[engine.TestCase]) -> int:
    """Every selected test under each seed; results.json and junit.xml (and the coverage counters)."""
    pairs = plan(a, cases)
    if a.seed is None and a.seeds < 1:
        raise BadInput("--seeds must be at least 1")
    seeds = [a.seed] if a.seed is not None else range(1, a.seeds + 1)
    coverage = a.coverage_metrics if a.coverage_dir else None
    results = []
    interrupted = False
    try:
        for c, dut in pairs:
            label = c.name if dut is None else f"{c.name}@{dut.top}"
            for seed in seeds:
                try:
                    r = engine.run_test(c, seed=seed, compare=compare_of(a), config=a.config, reset=a.reset_values,
                                        code_coverage=coverage, port_map=None if dut is None else dut.path,
                                        rtl=None if dut is None else dut.rtl)
                except NotOnDut as e:
                    print(f"SKIP {c.flavor:7} {label}: {e.why}", flush=True)
                    break
                results.append(r)
                print(f"{r.status.upper():4} {c.flavor:7} {label} seed {seed} ({r.cycles} cycles)" + ("" if r.passed else f" [{r.rule or '?'}] by {r.judge}"), flush=True)
    except KeyboardInterrupt:
        interrupted = True
    write_results(a.out, results, interrupted)
    if a.coverage_dir:
        pathlib.Path(a.coverage_dir).mkdir(parents=True, exist_ok=True)
        write_coverage(a.coverage_dir, "python")
    failed = sum(not r.passed for r in results)
    print(f"regress: {len(results) - failed} passed, {failed} failed; results.json and junit.xml in {a.out}")
    return 130 if interrupted else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
