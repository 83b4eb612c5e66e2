#!/usr/bin/env python3
"""The Python side of `make bench`: the same checked workload (workload.py) written
(a) in Python on the Rust engine awaiting every clock edge, (b) in Python awaiting transactions
only (agents in Rust), (c) as a plain cocotb test on the same DUT (cocotb 2.1, the pinned
Verilator, the iommu_tb checkers as judge), and (r) as a Rust sequence on the same engine, the
bound of (b). Prints simulated cycles per CPU second of each (the machine may be shared; wall
rates are kept in the JSON too) and the ratios to cocotb, and writes build/bench/python.json.
Best of --reps runs of each engine side, taken in turn."""

import argparse
import importlib.util
import json
import os
import pathlib
import sys
import tempfile
import time

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
    # (r): the same workload as a Rust sequence on the same engine, scenario and judges: what (b)
    # would reach if its Python cost nothing. Measured in turn with (a) and (b), so that the
    # ratios hold on a loaded machine.
    sides = (
        ("a", lambda: iommu_tb.run_test(engine_bench.every_edge)),
        ("b", lambda: iommu_tb.run_test(engine_bench.transactions)),
        ("r", lambda: iommu_tb._engine.bench_workload_in_rust(args.engine_messages)),
    )
    # Rates per CPU second of the process: the machine may be shared, and every side is one
    # single-threaded process (the engine runs in this one, cocotb in its simulator).
    for _ in range(args.reps):
        for side, run in sides:
            cpu = time.process_time()
            r = run()
            cpu = time.process_time() - cpu
            r.raise_for_failure()
            rate = r.cycles / cpu
            if side not in rows or rate > rows[side]["cycles_per_s"]:
                rows[side] = {"cycles": r.cycles, "cycles_per_s": rate, "wall_cycles_per_s": r.cycles / r.wall_s}

    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "cocotb.json"
        env = {"BENCH_MESSAGES": str(args.cocotb_messages), "BENCH_OUT": str(out)}
        total, failed = cocotb_run.run(ROOT / "rtl", ROOT / "build" / "cocotb", "cocotb_bench", HERE, env)
        if failed or not out.exists():
            print("python bench: the cocotb side failed (see its log above)", file=sys.stderr)
            return 1
        c = json.loads(out.read_text())
        rows["c"] = {"cycles": c["cycles"], "cycles_per_s": c["cycles"] / c["cpu_s"], "wall_cycles_per_s": c["cycles"] / c["wall_s"]}

    cocotb_rate = rows["c"]["cycles_per_s"]
    names = {
        "a": "(a) Python on the engine, awaiting every edge",
        "b": "(b) Python on the engine, awaiting transactions",
        "r": "(r) the same workload in Rust on the engine",
        "c": "(c) plain cocotb on the same DUT",
    }
    targets = {"a": 10.0, "b": 100.0}
    print("\nPython and cocotb, the same checked workload (SMMUv3 PRIQ, batches of 8 requests, software consuming)")
    print(f"{'side':52} {'cycles':>9} {'cycles/CPU s':>12} {'x cocotb':>9}")
    for side in "abrc":
        row = rows[side]
        row["vs_cocotb"] = row["cycles_per_s"] / cocotb_rate
        row["target_vs_cocotb"] = targets.get(side)
        print(f"{names[side]:52} {row['cycles']:>9} {row['cycles_per_s']:>12,.0f} {row['vs_cocotb']:>8.1f}x")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")
    rows["b"]["vs_rust"] = rows["b"]["cycles_per_s"] / rows["r"]["cycles_per_s"]
    print(f"(b) runs at {rows['b']['vs_rust']:.2f} of (r): the rest is the Python side's cost; (r) bounds (b) at {rows['r']['vs_cocotb']:.0f}x cocotb")
    print(f"targets: (a) >= 10x cocotb, (b) >= 100x cocotb; written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
