"""iommu_tb: the IOMMU fault-path verification toolkit from Python.

- golden models: :class:`PageRequest`, :class:`PrgResponse`, a PCIe function's PRI behaviour
  (:class:`PcieFunction`), the Linux-like SMMUv3 and VT-d hosts (:class:`SmmuHost`, :class:`VtdHost`), the codecs and admission rules of each flavor (:mod:`iommu_tb.smmuv3`,
  :mod:`iommu_tb.vtd`);
- the timing-free protocol checkers of a flavor, fed with transactions (:class:`Checkers`,
  transactions built by :mod:`iommu_tb.txn`), as the scoreboard of a cocotb testbench on any
  simulator;
- cocotb-style ``async def`` tests run by the Rust engine (:mod:`iommu_tb.engine`: ``@test``,
  ``run_test``, the triggers, ``start_soon``), collected by pytest through
  :mod:`iommu_tb.pytest_plugin`;
- exceptions carrying the rule ID and cycle (:mod:`iommu_tb.errors`).

See ``docs/python.md``.
"""

from ._engine import Checkers, PageRequest, PcieFunction, PortMap, PrgResponse, SmmuHost, VtdHost, flavors, port_map
from .errors import EngineError, IommuTbError, NotOnDut, PortMapError, RuleViolation, UsageError
from . import engine, smmuv3, txn, vtd
from .engine import (
    ClockCycles,
    Combine,
    Event,
    FallingEdge,
    First,
    ReadOnly,
    RisingEdge,
    RunResult,
    Task,
    Timer,
    run_test,
    start_soon,
    test,
)

__all__ = [
    "Checkers",
    "ClockCycles",
    "Combine",
    "Event",
    "FallingEdge",
    "First",
    "ReadOnly",
    "RisingEdge",
    "RunResult",
    "Task",
    "Timer",
    "engine",
    "run_test",
    "start_soon",
    "test",
    "EngineError",
    "IommuTbError",
    "NotOnDut",
    "PageRequest",
    "PcieFunction",
    "PortMap",
    "PortMapError",
    "PrgResponse",
    "RuleViolation",
    "SmmuHost",
    "UsageError",
    "VtdHost",
    "flavors",
    "port_map",
    "smmuv3",
    "txn",
    "vtd",
]
