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
