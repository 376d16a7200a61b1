"""check_backends: a model on every backend against the NumPy float64 reference."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import crossgrad
import crossgrad.nn.functional as F
from crossgrad.backends.base import Backend
from crossgrad.plugins import registry
from crossgrad.testing import BackendsReport, check_backends

# A registered backend that cannot run, and the data the residual model runs on; the planted
# backends (`plant`) and `mlp_data` come from tests/conftest.py.


class MissingBackend(Backend):
    """A registered backend whose library is absent."""

    name = "fakelib"
    requires = "fakelib"

    def unavailable_reason(self) -> str | None:
        return "fakelib is not installed (No module named 'fakelib')"


@pytest.fixture
def missing_backend(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(registry.all_backends(), MissingBackend.name, MissingBackend())
    return MissingBackend.name


@pytest.fixture
def residual_data() -> tuple[np.ndarray, ...]:
    """x (6, 4), w1 (10, 4), b1 (10,), w2 (4, 10), b2 (4,) float32."""
    rng = np.random.default_rng(2)
    f32 = np.float32
    return (
        rng.standard_normal((6, 4)).astype(f32),
        (0.5 * rng.standard_normal((10, 4))).astype(f32),
        (0.1 * rng.standard_normal(10)).astype(f32),
        (0.3 * rng.standard_normal((4, 10))).astype(f32),
        (0.1 * rng.standard_normal(4)).astype(f32),
    )


def mlp_loss(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, target: Any) -> Any:
    h = F.relu(F.linear(x, w1, b1))
    return F.cross_entropy(F.linear(h, w2, b2), target)


def residual_loss(x: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
    h = x + F.linear(F.relu(F.linear(x, w1, b1)), w2, b2)
    return (crossgrad.tanh(h) ** 2).mean()


def tanh_model(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, target: Any) -> Any:
    h = F.relu(F.linear(x, w1, b1))
    h = crossgrad.tanh(F.linear(h, w2, b2))
    return F.cross_entropy(h * 2.0, target)


def wrong_tanh(xp: Any, x: Any) -> Any:
    return np.tanh(x) * (1 + 1e-3)  # 0.1% off: far beyond float32 tolerance


def wrong_relu_backward(xp: Any, g: Any, y: Any) -> Any:
    return g * (y >= 0)  # `>=` for `>`: lets the gradient through where relu gave 0


def ran(report: BackendsReport) -> set[str]:
    return {r.backend for r in report.rows if r.status not in ("skipped", "error")}


def assert_all_usable_ran(report: BackendsReport) -> None:
    assert report.passed, str(report)
    assert ran(report) == set(registry.usable_backends())
    unusable = set(registry.all_backends()) - set(registry.usable_backends())
    assert set(report.skipped) == unusable


def test_mlp_with_cross_entropy_agrees_on_every_usable_backend(mlp_data):
    report = check_backends(mlp_loss, *mlp_data)
    assert_all_usable_ran(report)
    quantities = [r.quantity for r in report.rows if r.backend == "numpy"]
    # The int64 targets are a constant: no gradient row for input 5.
    assert quantities == [
        "output 0",
        *(f"grad input {i}" for i in range(5)),
        *(f"grad2 input {i}" for i in range(5)),
    ]
    assert {r.dtype for r in report.rows if r.status == "ok"} == {"float32"}


def test_residual_block_agrees_on_every_usable_backend(residual_data):
    report = check_backends(residual_loss, *residual_data)
    assert_all_usable_ran(report)
    assert len([r for r in report.rows if r.backend == "numpy"]) == 1 + 5 + 5


def test_float32_run_is_held_to_float32_tolerances(mlp_data):
    report = check_backends(mlp_loss, *mlp_data, backends=["numpy"])
    assert {(r.rtol, r.atol) for r in report.rows} == {(1.3e-6, 1e-5)}
    report64 = check_backends(
        mlp_loss,
        *(a.astype(np.float64) if a.dtype.kind == "f" else a for a in mlp_data),
        backends=["numpy"],
    )
    assert {r.dtype for r in report64.rows} == {"float64"}
    assert {r.max_abs for r in report64.rows} == {0.0}  # the reference itself


def test_planted_forward_bug_fails_that_backend_only(plant, mlp_data):
    planted = plant("numpy-planted", tanh=wrong_tanh)
    report = check_backends(tanh_model, *mlp_data, backends=["numpy", planted])
    assert not report.passed
    assert {r.backend for r in report.failures} == {planted}
    assert "output 0" in {r.quantity for r in report.failures}
    text = str(report)
    assert "FAILED" in text and "numpy-planted  output 0" in text


def test_planted_backward_bug_fails_gradients_but_not_outputs(plant, mlp_data):
    planted = plant("numpy-badgrad", relu_backward=wrong_relu_backward)
    report = check_backends(mlp_loss, *mlp_data, backends=[planted], order=1)
    failed = {r.quantity for r in report.failures}
    # w2 and b2 sit after the relu: their gradients never pass through its backward.
    assert failed == {"grad input 0", "grad input 1", "grad input 2"}


def test_order_selects_what_is_compared(mlp_data):
    assert [
        r.quantity for r in check_backends(mlp_loss, *mlp_data, backends=["numpy"], order=0).rows
    ] == ["output 0"]
    with pytest.raises(ValueError, match="order must be 0, 1 or 2, received order=3"):
        check_backends(mlp_loss, *mlp_data, order=3)


def test_constants_argument_excludes_float_inputs_from_gradients(mlp_data):
    report = check_backends(mlp_loss, *mlp_data, backends=["numpy"], order=1, constants=(0,))
    assert [r.quantity for r in report.rows][1:] == [f"grad input {i}" for i in range(1, 5)]
    assert report.differentiable == (1, 2, 3, 4)


def test_tensor_inputs_and_tuple_outputs_are_accepted():
    x = crossgrad.tensor([[0.5, -1.0], [2.0, 0.25]])
    report = check_backends(lambda t: (t.exp(), (t * t).sum()), x, backends=["numpy"])
    assert report.passed
    assert [r.quantity for r in report.rows] == [
        "output 0",
        "output 1",
        "grad input 0",
        "grad2 input 0",
    ]


def test_unknown_backend_name_raises_backend_not_found():
    with pytest.raises(
        crossgrad.BackendNotFoundError, match=r"unknown backend\(s\) 'nope'; registered: .*numpy"
    ):
        check_backends(lambda t: t.sum(), np.ones(2), backends=["numpy", "nope"])


def test_unusable_backend_is_reported_as_skipped_with_its_reason(missing_backend):
    report = check_backends(lambda t: t.sum(), np.ones(2, np.float32))
    assert report.passed  # a skip is not a failure...
    assert report.skipped[missing_backend] == "fakelib is not installed (No module named 'fakelib')"
    text = str(report)  # ...but it is never silent
    assert re.search(r"\nfakelib +\(all\) +skipped", text), text
    assert "fakelib (all): fakelib is not installed" in text


def test_backend_that_raises_is_reported_as_an_error(plant):
    def broken(xp: Any, x: Any) -> Any:
        raise RuntimeError("tanh kernel exploded")

    planted = plant("numpy-broken", tanh=broken)
    report = check_backends(crossgrad.tanh, np.ones(3, np.float32), backends=["numpy", planted])
    assert not report.passed
    (row,) = report.failures
    assert (row.backend, row.status) == (planted, "error")
    assert row.note == "RuntimeError: tanh kernel exploded"
