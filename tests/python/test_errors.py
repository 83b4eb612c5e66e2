"""Bad calls are Python errors with a clear message, and a Rust panic never takes the
interpreter down."""

import subprocess
import sys

import pytest

import iommu_tb
from iommu_tb import Checkers, EngineError, PageRequest, UsageError, smmuv3, txn, vtd


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError):
        PageRequest("0x100")
    with pytest.raises(TypeError):
        smmuv3.encode_priq_entry((1, 2))
    with pytest.raises(TypeError, match="trace schema"):
        Checkers("smmuv3").observe(42)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: PageRequest(1, pasid=1 << 20), "pasid = 1048576 does not fit in 20 unsigned bits"),
        (lambda: PageRequest(-1), "rid = -1 does not fit in 16 unsigned bits"),
        (lambda: PageRequest(1, prgi=512), "prgi = 512 does not fit in 9 unsigned bits"),
        (lambda: smmuv3.decode_priq_entry((1, 2, 3)), "takes 2 64-bit words, got 3"),
        (lambda: smmuv3.encode_pri_resp(1, None, 0, 0x5), "no CMD_PRI_RESP Resp value"),
        (lambda: smmuv3.auto_response("d", PageRequest(1)), "unknown admission row 'd'"),
        (lambda: smmuv3.admission_row(smmuen=True, priqen=True, prod=0, cons=0, log2size=25, priqs=25), "at most 2^19"),
        (lambda: vtd.encode_inv_wait(0x1001, 0), "not 4-byte aligned"),
        (lambda: Checkers("arm"), "unknown flavor 'arm' (known: smmuv3, vtd)"),
        (lambda: Checkers("smmuv3", config="huge"), "huge"),
        (lambda: Checkers("smmuv3", functions=[{"rid": 1}]), "needs 'allocation'"),
        (lambda: Checkers("smmuv3").observe({"cycle": 1, "kind": "teleport"}), "malformed transaction"),
        (lambda: txn.mem_write(0, 0, [1, 2, 3]), "2 (SMMUv3) or 4 (VT-d) words"),
    ],
)
def test_bad_values_are_value_errors(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("^", r"\^")):
        call()


def test_cycles_never_decrease():
    c = Checkers("smmuv3")
    c.observe(txn.mem_ack(5))
    with pytest.raises(ValueError, match="cycles never decrease"):
        c.observe(txn.mem_ack(4))


def test_checkers_take_nothing_after_finish():
    c = Checkers("vtd")
    c.finish()
    with pytest.raises(UsageError, match="have finished"):
        c.observe(txn.mem_ack(1))
    with pytest.raises(UsageError):
        c.finish()


def test_a_rust_panic_is_an_engine_error_and_the_interpreter_lives_on():
    # In a child interpreter, so that an abort would show as its exit status, not kill pytest.
    code = (
        "import iommu_tb\n"
        "try:\n"
        "    iommu_tb._engine._panic_inside_the_engine('planted')\n"
        "except iommu_tb.EngineError as e:\n"
        "    print('caught:', e)\n"
        "print('still alive:', iommu_tb.PageRequest(1).rid)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "caught: the engine panicked: planted" in r.stdout
    assert "still alive: 1" in r.stdout


def test_errors_are_one_family():
    assert issubclass(iommu_tb.RuleViolation, iommu_tb.IommuTbError)
    assert issubclass(iommu_tb.RuleViolation, AssertionError)
    assert issubclass(EngineError, iommu_tb.IommuTbError) and issubclass(UsageError, iommu_tb.IommuTbError)
