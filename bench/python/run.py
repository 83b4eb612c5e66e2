#!/usr/bin/env python3
"""The Python side of `make bench`: the same checked workload (workload.py) written
(a) in Python on the Rust engine awaiting every clock edge, (b) in Python awaiting transactions
only (agents in Rust), (c) as a plain cocotb test on the same DUT (cocotb 2.1, the pinned
Verilator, the iommu_tb checkers as judge). Prints cycles/s of each and the ratios to cocotb,
and writes build/bench/python.json. Best of --reps runs of each engine side."""

import argparse
import importlib.util
import json
import os
import pathlib
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT / "examples" / "cocotb")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine-messages", type=int, default=16000, help="messages of (a) and (b)")
    ap.add_argument("--cocotb-messages", type=int, default=2000, help="messages of (c)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "build" / "bench" / "python.json")
    args = ap.parse_args()
    os.environ["BENCH_MESSAGES"] = str(args.engine_messages)
    import engine_bench
    import iommu_tb
    spec = importlib.util.spec_from_file_location("cocotb_example_run", ROOT / "examples" / "cocotb" / "run.py")
    cocotb_run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cocotb_run)

    rows = {}
    for side, test in (("a", engine_bench.every_edge), ("b", engine_bench.transactions)):
        best = None
        for _ in range(args.reps):
            r = iommu_tb.run_test(test)
            r.raise_for_failure()
            rate = r.cycles / r.wall_s
            best = rate if best is None or rate > best else best
        rows[side] = {"cycles": r.cycles, "cycles_per_s": best}

    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "cocotb.json"
        env = {"BENCH_MESSAGES": str(args.cocotb_messages), "BENCH_OUT": str(out)}
        total, failed = cocotb_run.run(ROOT / "rtl", ROOT / "build" / "cocotb", "cocotb_bench", HERE, env)
        if failed or not out.exists():
            print("python bench: the cocotb side failed (see its log above)", file=sys.stderr)
            return 1
        c = json.loads(out.read_text())
        rows["c"] = {"cycles": c["cycles"], "cycles_per_s": c["cycles"] / c["wall_s"]}

    cocotb_rate = rows["c"]["cycles_per_s"]
    names = {
        "a": "(a) Python on the engine, awaiting every edge",
        "b": "(b) Python on the engine, awaiting transactions",
        "c": "(c) plain cocotb on the same DUT",
    }
    targets = {"a": 10.0, "b": 100.0}
    print("\nPython and cocotb, the same checked workload (SMMUv3 PRIQ, batches of 8 requests, software consuming)")
    print(f"{'side':52} {'cycles':>9} {'cycles/s':>12} {'x cocotb':>9}")
    for side in "abc":
        row = rows[side]
        row["vs_cocotb"] = row["cycles_per_s"] / cocotb_rate
        row["target_vs_cocotb"] = targets.get(side)
        print(f"{names[side]:52} {row['cycles']:>9} {row['cycles_per_s']:>12,.0f} {row['vs_cocotb']:>8.1f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"targets: (a) >= 10x cocotb, (b) >= 100x cocotb; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
