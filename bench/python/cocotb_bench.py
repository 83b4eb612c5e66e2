"""Side (c) of the Python bench: the workload as a plain cocotb test on the same RTL (drivers
and monitor of examples/cocotb, the iommu_tb checkers as judge). Writes its cycles, wall and CPU time
to $BENCH_OUT."""

import json
import os
import time

import cocotb
from cocotb.clock import Clock
from test_smmuv3_priq import CR0, CR0ACK, PRIQ_BASE, QUEUE_BASE, SMMUEN_PRIQEN, Bench
from workload import BATCH, FUNCTIONS, LOG2SIZE, PRIQ_CONS, PRIQ_PROD, answers, batch, prod_after

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "2000"))


@cocotb.test()
async def stream(dut):
    Clock(dut.clk, 10, unit="ns").start()
    bench = Bench(dut, functions=[{"rid": rid, "allocation": 16} for rid in FUNCTIONS])
    await bench.reset()
    cocotb.start_soon(bench.monitor())
    cocotb.start_soon(bench.memory())
    await bench.write_reg(PRIQ_BASE, QUEUE_BASE | LOG2SIZE)
    await bench.write_reg(PRIQ_PROD, 0)
    await bench.write_reg(PRIQ_CONS, 0)
    await bench.write_reg(CR0, SMMUEN_PRIQEN)
    while await bench.read_reg(CR0ACK) != SMMUEN_PRIQEN:
        pass
    start, cpu, c0 = time.perf_counter(), time.process_time(), bench.cycle
    sent = 0
    for k in range(MESSAGES // BATCH):
        for m in batch(k):
            await bench.send(m)
        sent += BATCH
        await bench.wait_until("SMMU-PRIQ-3", "the batch written", lambda: len(bench.entries) == sent)
        while await bench.read_reg(PRIQ_PROD) != prod_after(sent):
            pass
        for words in answers(k):
            await bench.command(words)
        await bench.write_reg(PRIQ_CONS, prod_after(sent))
    await bench.wait_until("PRI-16", "every group answered", lambda: len(bench.responses) == 2 * (sent // BATCH))
    bench.check()
    bench.checkers.finish(bench.cycle)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    with open(os.environ["BENCH_OUT"], "w") as f:
        json.dump({"cycles": bench.cycle - c0, "wall_s": wall, "cpu_s": cpu}, f)
