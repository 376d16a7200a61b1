"""Test configuration: the crossgrad pytest plugin (``backend`` fixture), pytester, and the
planted backends and model data shared by the cross-backend checks' tests."""

import importlib.metadata
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from crossgrad.backends.numpy import NumpyBackend
from crossgrad.plugins import registry

_PLUGIN = "crossgrad.testing.pytest_plugin"


def _installed_as_entry_point() -> bool:
    """Whether pytest already loads the plugin through a ``pytest11`` entry point
    (registering the module twice would be an error)."""
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    eps = importlib.metadata.entry_points(group="pytest11")
    return any(ep.value.split(":")[0] == _PLUGIN for ep in eps)


pytest_plugins = ["pytester"] + ([] if _installed_as_entry_point() else [_PLUGIN])

# Hypothesis profiles: "ci" (the default) draws a fixed, bounded set of examples, the same on
# every run; "long" (``--hypothesis-profile=long``) searches far more, at random.
_FIXTURES_ARE_PER_TEST = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=_FIXTURES_ARE_PER_TEST,
)
settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=_FIXTURES_ARE_PER_TEST
)
settings.load_profile(os.environ.get("CROSSGRAD_HYPOTHESIS_PROFILE", "ci"))


class PlantedBackend(NumpyBackend):
    """NumPy with some kernels replaced: a backend with a known bug."""

    def __init__(self, name: str, kernels: dict[str, Callable[..., Any]]) -> None:
        super().__init__()
        self.name = name
        self.kernels.update(kernels)


@pytest.fixture
def plant(monkeypatch: pytest.MonkeyPatch) -> Callable[..., str]:
    """Register a planted backend for this test only; returns its name."""

    def register(name: str, **kernels: Callable[..., Any]) -> str:
        # monkeypatch restores the registry's dict after the test.
        monkeypatch.setitem(registry.all_backends(), name, PlantedBackend(name, kernels))
        return name

    return register


@pytest.fixture
def mlp_data() -> tuple[np.ndarray, ...]:
    """x (8, 5), w1 (16, 5), b1 (16,), w2 (3, 16), b2 (3,) float32 and int64 targets (8,)."""
    rng = np.random.default_rng(1)
    f32 = np.float32
    return (
        rng.standard_normal((8, 5)).astype(f32),
        (0.4 * rng.standard_normal((16, 5))).astype(f32),
        (0.1 * rng.standard_normal(16)).astype(f32),
        (0.3 * rng.standard_normal((3, 16))).astype(f32),
        (0.1 * rng.standard_normal(3)).astype(f32),
        rng.integers(0, 3, 8),
    )
