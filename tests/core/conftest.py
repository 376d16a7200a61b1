"""Isolation for core tests: a test that breaks grad mode must not break the ones after it."""

import pytest

import crossgrad
from crossgrad.core import grad_mode


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    yield
    grad_mode.state.enabled = True
    grad_mode.state.anomaly = False
    crossgrad.set_default_dtype(crossgrad.float32)
