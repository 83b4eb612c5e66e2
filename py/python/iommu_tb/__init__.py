"""iommu_tb: the IOMMU fault-path verification toolkit from Python.

- golden models: :class:`PageRequest`, :class:`PrgResponse`, the codecs and admission rules of
  each flavor (:mod:`iommu_tb.smmuv3`, :mod:`iommu_tb.vtd`);
- the timing-free protocol checkers of a flavor, fed with transactions (:class:`Checkers`,
  transactions built by :mod:`iommu_tb.txn`), as the scoreboard of a cocotb testbench on any
  simulator;
- exceptions carrying the rule ID and cycle (:mod:`iommu_tb.errors`).

See ``docs/python.md``.
"""

from ._engine import Checkers, PageRequest, PrgResponse, flavors
from .errors import EngineError, IommuTbError, RuleViolation, UsageError
from . import smmuv3, txn, vtd

__all__ = [
    "Checkers",
    "EngineError",
    "IommuTbError",
    "PageRequest",
    "PrgResponse",
    "RuleViolation",
    "UsageError",
    "flavors",
    "smmuv3",
    "txn",
    "vtd",
]
