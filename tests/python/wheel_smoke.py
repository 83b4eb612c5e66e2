"""Run by test_wheel.py with the interpreter of a fresh virtualenv holding only the iommu_tb
wheel: one test from the installed package, exit status 0 when it passes."""

import json
import pathlib
import sys

import iommu_tb

here = pathlib.Path(__file__).parent
assert pathlib.Path(iommu_tb.__file__).resolve().is_relative_to(pathlib.Path(sys.prefix).resolve()), iommu_tb.__file__

lines = [json.loads(line) for line in (here / "data" / "smmuv3_basic_write.jsonl").read_text().splitlines()]
checkers = iommu_tb.Checkers("smmuv3")
for t in lines:
    checkers.observe(t)
checkers.finish()
print(f"wheel smoke: {len(lines)} transactions judged by {', '.join(checkers.names)}: pass")


@iommu_tb.test(flavor="smmuv3", rules=["SMMU-PRIQ-3"])
async def wheel_engine_test(dut, env):
    await env.enable_priq(env.queue_base, env.log2size)
    await env.send_all([iommu_tb.PageRequest(0x100, pv=True, pasid=1, r=True, prgi=1, page=1)])
    while await env.read_reg(0x100C8) != 1:
        pass


result = iommu_tb.run_test(wheel_engine_test)
result.raise_for_failure()
print(f"wheel smoke: engine test {result.test} passed after {result.cycles} cycles")
