"""cocotb-style tests on the Rust engine of ``iommu-tb``.

A test is an ``async def test_x(dut, env)`` registered with :func:`test`. The engine's scheduler
runs it: the coroutine awaits triggers (``RisingEdge``, ``ClockCycles``, ``ReadOnly``, ``Timer``,
``First``, ``Combine``, ``Event().wait()``, a ``Task``) or the flavor's ``env`` verbs
(``await env.write_reg(...)``, ``await env.send_all([...])``...), and the engine resumes it when
they fire. ``dut.<port>.value`` reads a port by its contract name (``rtl/README.md``). The run is
judged as ``iommu-tb run`` judges a Rust test: strict lockstep against the timed model (or the
checkers alone), the flavor's checkers and the PCIe PRI checkers, functional coverage, optional
trace. :func:`run_test` returns the :class:`RunResult`; ``RunResult.raise_for_failure()`` raises
:class:`~iommu_tb.RuleViolation` with the rule, the cycle and the report. Under pytest the
plugin (``iommu_tb.pytest_plugin``) collects registered tests of test modules by itself.
"""

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from ._engine import (
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
    Trigger,
    run_test as _run_test,
    start_soon,
)

__all__ = [
    "ClockCycles", "Combine", "Event", "FallingEdge", "First", "ReadOnly", "RisingEdge", "RunResult",
    "Task", "TestCase", "Timer", "Trigger", "registered", "run_test", "start_soon", "test",
]


@dataclass(frozen=True)
class TestCase:
    """A registered engine test."""

    name: str
    flavor: str
    fn: Callable[..., Any]
    rules: Sequence[str] = field(default_factory=tuple)
    like: Optional[str] = None
    max_cycles: Optional[int] = None


TestCase.__test__ = False  # type: ignore[attr-defined]  # not a pytest class, whatever its name

_REGISTRY: Dict[str, TestCase] = {}


def test(*, flavor: str, rules: Sequence[str] = (), like: Optional[str] = None, max_cycles: Optional[int] = None,
         name: Optional[str] = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``async def f(dut, env)`` as an engine test of ``flavor`` ("smmuv3" or "vtd").

    ``rules``: the rule IDs a pass asserts. ``like``: the registered Rust test whose scenario the
    run takes (queue base and size, memory behaviour, cycle limit); default the flavor's basic
    write test. ``max_cycles`` overrides the scenario's cycle limit.
    """
    from . import flavors  # the engine's list, checked at registration

    if flavor not in flavors():
        raise ValueError(f"unknown flavor '{flavor}' (known: {', '.join(flavors())})")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"@iommu_tb.test needs an async def function, got {fn!r}")
        case = TestCase(name or fn.__name__, flavor, fn, tuple(rules), like, max_cycles)
        old = _REGISTRY.get(case.name)
        # The same function imported again (under another module name) replaces itself.
        same = old is not None and (old.fn.__code__.co_filename, old.fn.__qualname__) == (fn.__code__.co_filename, fn.__qualname__)
        if old is not None and not same:
            raise ValueError(f"an engine test named '{case.name}' is already registered ({old.fn.__module__})")
        _REGISTRY[case.name] = case
        fn._iommu_tb_test = case  # type: ignore[attr-defined]
        return fn

    return register


test.__test__ = False  # type: ignore[attr-defined]  # the decorator, not a test


def registered() -> List[TestCase]:
    """Every registered engine test, in registration order."""
    return list(_REGISTRY.values())


def run_test(test: Union[str, Callable[..., Any], TestCase], *, seed: int = 1, lockstep: Optional[bool] = None,
             compare: Optional[str] = None, config: str = "default", port_map: Optional[str] = None,
             top: Optional[str] = None, trace_out: Optional[str] = None, rtl: Optional[str] = None,
             waves: Optional[str] = None, reset: Optional[str] = None, code_coverage: Optional[str] = None) -> RunResult:
    """Run a registered engine test (by function, name or :class:`TestCase`) and return its result.

    ``compare`` is the judge: ``"lockstep"``, ``"ordered"`` or ``"checkers"`` (the protocol
    checkers run in every mode; default lockstep, ordered with a port map); ``lockstep=False`` is
    the older spelling of ``"checkers"`` (``--checkers-only``), ``lockstep=True`` of ``"lockstep"``;
    ``config`` is an RTL configuration of ``rtl/configs.txt``; ``port_map`` runs the test on a DUT
    that is not ours, tied to the flavor's contract by that port map
    (``docs/bring-your-own-rtl.md``; ``top`` overrides its ``top``, ``rtl`` is then the DUT's
    sources, default the map's folder): a bad map raises :class:`PortMapError`, a test the DUT
    cannot run (a feature it lacks, another flavor) :class:`NotOnDut`; ``trace_out`` writes the
    transaction trace (``docs/trace.md``); ``rtl`` is another copy of ``rtl/`` (a planted bug);
    ``waves`` an FST file to dump; ``reset`` the initial value of flops no reset assigns
    (``zero``, ``ones``, ``random``, ``random:SEED``; default random from the seed, as
    ``iommu-tb run``); ``code_coverage`` (``line`` or ``all``) sums the coverage build's
    counters for :func:`write_coverage`, as a regression worker does.
    """
    if isinstance(test, str):
        if test not in _REGISTRY:
            known = ", ".join(_REGISTRY) or "none registered"
            raise ValueError(f"unknown engine test '{test}' (known: {known})")
        case = _REGISTRY[test]
    elif isinstance(test, TestCase):
        case = test
    else:
        case = getattr(test, "_iommu_tb_test", None)
        if case is None:
            raise TypeError(f"{test!r} is not an engine test: decorate it with @iommu_tb.test(flavor=...)")
    return _run_test(case.fn, name=case.name, flavor=case.flavor, rules=list(case.rules), like=case.like, seed=seed,
                     lockstep=lockstep, compare=compare, config=config, port_map=port_map, top=top,
                     trace_out=trace_out, max_cycles=case.max_cycles, rtl=rtl,
                     waves=waves, reset=reset, code_coverage=code_coverage)
