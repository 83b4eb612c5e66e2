"""Shared fixtures of the Python package's tests (run by `make test`: pytest tests/python)."""

import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    """The repository root (rtl/, build/cache/, .venv/)."""
    return ROOT


@pytest.fixture(scope="session")
def venv_python() -> str:
    """The interpreter running the tests (the project's .venv under `make test`)."""
    return sys.executable
