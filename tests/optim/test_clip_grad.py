"""crossgrad.nn.utils.clip_grad_norm_ and clip_grad_value_, against NumPy."""

import math

import numpy as np
import pytest

import crossgrad as cg
from crossgrad.nn.utils import clip_grad_norm_, clip_grad_value_

GRADS = [np.array([3.0, -4.0, 0.5]), np.array([[1.0, -2.0], [0.25, 6.0]])]


def _params(grads=GRADS):
    params = []
    for g in grads:
        p = cg.tensor(np.zeros_like(g), dtype=cg.float64, requires_grad=True)
        p.grad = cg.tensor(g, dtype=cg.float64)
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.5, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_scales_to_max_norm_and_returns_the_total(backend, norm_type, max_norm):
    params = _params()
    flat = np.concatenate([g.ravel() for g in GRADS])
    total = (
        np.max(np.abs(flat))
        if norm_type == math.inf
        else np.sum(np.abs(flat) ** norm_type) ** (1 / norm_type)
    )
    got = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    assert isinstance(got, cg.Tensor) and got.shape == ()
    np.testing.assert_allclose(got.item(), total, rtol=1e-12)
    coef = min(1.0, max_norm / (total + 1e-6))
    for p, g in zip(params, GRADS):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-12)


def test_clip_grad_norm_skips_missing_grads_and_takes_a_single_tensor(backend):
    a, b = _params()
    b.grad = None
    np.testing.assert_allclose(clip_grad_norm_([a, b], 1.0).item(), np.linalg.norm(GRADS[0]))
    assert b.grad is None
    np.testing.assert_allclose(np.linalg.norm(a.grad.numpy()), 1.0, rtol=1e-6)
    assert clip_grad_norm_(b, 1.0).item() == 0.0


def test_clip_grad_norm_raises_on_nonfinite_when_asked(backend):
    params = _params([np.array([1.0, np.inf])])
    with pytest.raises(
        RuntimeError,
        match=r"clip_grad_norm_: the total norm of order 2.0 of "
        r"the gradients is non-finite \(inf\)",
    ):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(params[0].grad.numpy(), [1.0, np.inf])
    with pytest.raises(ValueError, match=r"norm_type must be > 0 or inf, received norm_type=0"):
        clip_grad_norm_(params, 1.0, norm_type=0)


def test_clip_grad_norm_keeps_float32_grads_float32(backend):
    p = cg.tensor([3.0, 4.0], requires_grad=True)
    p.grad = cg.tensor([3.0, 4.0])
    clip_grad_norm_([p], 1.0)
    assert p.grad.dtype is cg.float32
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)


def test_clip_grad_value_clamps_in_place(backend):
    params = _params()
    clip_grad_value_(params, 1.5)
    for p, g in zip(params, GRADS):
        np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -1.5, 1.5))
