"""The exceptions of ``iommu_tb``. The engine raises them from Rust with their fields."""

from typing import Optional


class IommuTbError(Exception):
    """Base class of every exception the package raises on purpose."""


class RuleViolation(IommuTbError, AssertionError):
    """A rule of the specification broken at a cycle.

    ``rule`` is the rule ID (``SMMU-PRIQ-4``, ``PRI-16``...; None for an engine test that failed
    without naming one), ``cycle`` the cycle of the transaction that broke it or the cycle the
    run stopped at (None when no cycle applies), ``message`` the report. It is an
    ``AssertionError`` too, so pytest and cocotb show it as a failed test.
    """

    def __init__(self, rule: Optional[str], cycle: Optional[int], message: str) -> None:
        self.rule = rule
        self.cycle = cycle
        self.message = message
        where = "" if cycle is None else f" cycle {cycle}:"
        super().__init__(f"[{rule or '?'}]{where} {message}")


class EngineError(IommuTbError):
    """The engine could not do what was asked: an RTL that does not build, or a panic inside
    the Rust engine (reported here instead of aborting the interpreter)."""


class UsageError(IommuTbError):
    """A call the package cannot take now: feeding checkers that have finished, awaiting a
    trigger outside a running test, driving a test whose run has ended."""
