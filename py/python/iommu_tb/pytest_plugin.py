"""pytest plugin: collects the engine tests (``@iommu_tb.test``) of test modules and runs each on
the Rust engine; a failure shows the rule, the judge, the cycle and the report. Loaded through
the package's ``pytest11`` entry point. Options: ``--iommu-seed N``, ``--iommu-checkers-only``,
``--iommu-port-map FILE`` (every engine test on that DUT; those it cannot run are skipped with
the reason)."""

from typing import Any, Optional

import pytest

from .engine import TestCase, run_test
from .errors import NotOnDut, RuleViolation


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "iommu_tb: an engine test of the iommu_tb package")


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("iommu_tb")
    group.addoption("--iommu-seed", type=int, default=1, help="seed of the engine tests (default 1)")
    group.addoption("--iommu-checkers-only", action="store_true", help="no lockstep: the protocol checkers judge")
    group.addoption("--iommu-port-map", help="run the engine tests on the DUT this port map binds (docs/bring-your-own-rtl.md)")


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: Any) -> Optional["EngineItem"]:
    case = getattr(obj, "_iommu_tb_test", None)
    if isinstance(case, TestCase) and isinstance(collector, pytest.Module):
        return EngineItem.from_parent(collector, name=name, case=case)
    return None


class EngineItem(pytest.Item):
    """One engine test, run by the engine rather than called by pytest."""

    def __init__(self, *, case: TestCase, **kw: Any) -> None:
        super().__init__(**kw)
        self.case = case
        self.add_marker(pytest.mark.iommu_tb)

    def runtest(self) -> None:
        opts = self.config.option
        try:
            result = run_test(self.case, seed=opts.iommu_seed, compare="checkers" if opts.iommu_checkers_only else None,
                              port_map=opts.iommu_port_map)
        except NotOnDut as e:
            pytest.skip(str(e))
        self.user_properties.append(("cycles", result.cycles))
        result.raise_for_failure()

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, RuleViolation):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> Any:
        return self.path, None, f"iommu_tb {self.case.flavor} engine test {self.case.name}"
