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


class PortMapError(IommuTbError, ValueError):
    """A port map that cannot be used (``docs/bring-your-own-rtl.md``): the message is the one line
    ``iommu-tb`` prints, naming the file and both sides of the mistake. Found before any run."""


class NotOnDut(IommuTbError):
    """An engine test that does not run on a port-mapped DUT: it needs a feature the DUT lacks
    (``absent``), parameters the DUT's map does not meet, or it is of another flavor. ``test``,
    ``dut`` (the DUT's top) and ``why``. The pytest plugin skips the test with this reason."""

    def __init__(self, test: str, dut: str, why: str) -> None:
        self.test = test
        self.dut = dut
        self.why = why
        super().__init__(f"test {test} does not run on {dut}: {why}")
