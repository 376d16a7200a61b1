"""Gradients at inf and NaN as PyTorch gives them. Backward rules that select (relu,
clamp, maximum, where, max of a whole tensor) give 0 off the mask even when the gradient
arriving is inf; rules PyTorch writes as a multiply by a mask (amax, abs, the inf-norm)
give NaN there, as PyTorch's do. Expected values were read from torch 2.13.0 (CPU)."""

import math

import numpy as np
import pytest

import crossgrad as cg

F = cg.nn.functional
nan, inf = math.nan, math.inf

# name: (function, inputs, upstream gradient or None for ones, PyTorch's input gradients)
CASES = {
    # NaN inputs
    "amax-nan": (lambda x: x.amax(), [[nan, 1.0, 2.0]], None, [[nan, nan, nan]]),
    "max-whole-nan": (lambda x: x.max(), [[nan, 1.0, 2.0]], None, [[1.0, 0.0, 0.0]]),
    "min-whole-nan": (lambda x: x.min(), [[nan, 1.0, 2.0]], None, [[1.0, 0.0, 0.0]]),
    "max-dim-nan": (lambda x: x.max(0)[0], [[nan, 1.0, 2.0]], None, [[1.0, 0.0, 0.0]]),
    "maximum-nan": (cg.maximum, [[nan, 1.0], [1.0, nan]], None, [[1.0, 1.0], [1.0, 1.0]]),
    "minimum-nan": (cg.minimum, [[nan, 1.0], [1.0, nan]], None, [[1.0, 1.0], [1.0, 1.0]]),
    "relu-nan": (cg.relu, [[nan, -1.0, 0.0, 1.0]], None, [[1.0, 0.0, 0.0, 1.0]]),
    "clamp-nan": (
        lambda x: x.clamp(0, 1),
        [[nan, -1.0, 0.0, 0.5, 1.0, 2.0]],
        None,
        [[0.0, 0.0, 1.0, 1.0, 1.0, 0.0]],
    ),
    "abs-nan": (lambda x: x.abs(), [[nan, 0.0]], None, [[0.0, 0.0]]),
    "leaky-relu-nan": (F.leaky_relu, [[nan, -1.0]], None, [[0.01, 0.01]]),
    "elu-nan": (F.elu, [[nan, -1.0]], None, [[1.0, math.exp(-1.0)]]),
    "norm-inf-nan": (lambda x: x.norm(inf), [[nan, 1.0, 2.0]], None, [[0.0, 0.0, 0.0]]),
    # an inf gradient reaching a mask: through sqrt at 0
    "relu-sqrt": (lambda x: cg.relu(x).sqrt(), [[-1.0, 1.0]], None, [[0.0, 0.5]]),
    "relu-square-sum-sqrt": (
        lambda x: (cg.relu(x) ** 2).sum().sqrt(),
        [[-1.0, -2.0]],
        None,
        [[0.0, 0.0]],
    ),
    "clamp-sqrt": (lambda x: x.clamp(min=0).sqrt(), [[-1.0, 1.0]], None, [[0.0, 0.5]]),
    "maximum-sqrt": (
        lambda x: cg.maximum(x, cg.zeros(2, dtype=cg.float64)).sqrt(),
        [[-1.0, 1.0]],
        None,
        [[0.0, 0.5]],
    ),
    "where-sqrt": (lambda x: cg.where(x > 0, x, 0.0).sqrt(), [[-1.0, 1.0]], None, [[0.0, 0.5]]),
    "masked-fill-sqrt": (
        lambda x: x.masked_fill(x < 0, 0.0).sqrt(),
        [[-1.0, 1.0]],
        None,
        [[0.0, 0.5]],
    ),
    "amax-sqrt": (lambda x: (x.amax() - 2).sqrt(), [[2.0, 1.0]], None, [[inf, nan]]),
    "abs-sqrt": (lambda x: x.abs().sqrt(), [[0.0, 1.0]], None, [[nan, 0.5]]),
    # an inf upstream gradient
    "maximum-inf": (
        lambda x: cg.maximum(x, cg.tensor([1.0, 0.0], dtype=cg.float64)),
        [[1.0, 1.0]],
        [inf, inf],
        [[inf, inf]],
    ),
    "amax-inf": (lambda x: x.amax(), [[0.0, 2.0]], inf, [[nan, inf]]),
    "max-whole-inf": (lambda x: x.max(), [[0.0, 2.0]], inf, [[0.0, inf]]),
    "max-dim-inf": (lambda x: x.max(0)[0], [[0.0, 2.0]], inf, [[0.0, inf]]),
    "abs-inf": (lambda x: x.abs(), [[0.0, 2.0]], [inf, inf], [[nan, inf]]),
    "clamp-inf": (lambda x: x.clamp(max=1.0), [[0.0, 2.0]], [inf, inf], [[inf, 0.0]]),
    "relu-inf": (cg.relu, [[-1.0, 0.0, 2.0]], [inf, -inf, inf], [[0.0, 0.0, inf]]),
    "leaky-relu-inf": (F.leaky_relu, [[-1.0, 1.0]], [inf, inf], [[inf, inf]]),
    # fused derivatives: no NaN from the product rule's inf * 0 or inf - inf
    "gelu-inf": (F.gelu, [[0.0, -0.7662512844382521]], [inf, inf], [[inf, -inf]]),
    "silu-inf": (F.silu, [[1e300, -2.0]], [inf, inf], [[inf, -inf]]),
    # zero gradients stay zero under a NaN gradient
    "sign-nan-upstream": (lambda x: x.sign(), [[1.5]], [nan], [[0.0]]),
    "round-nan-upstream": (lambda x: x.round(), [[1.5]], [nan], [[0.0]]),
    # x ** 0.5 is sqrt, and the gradients take PyTorch's order of operations
    "pow-half-at-negative-zero": (lambda x: x**0.5, [[-0.0, 4.0]], None, [[-inf, 0.25]]),
    "reciprocal-of-a-huge-value": (lambda x: 1.0 / x, [[1e300]], None, [[-0.0]]),
    "norm-of-one-tiny-value": (lambda x: x.norm(), [[-1e-300]], None, [[-1.0]]),
    "norm-at-zero": (lambda x: x.norm(), [[0.0, 0.0]], None, [[0.0, 0.0]]),
    "norm-at-zero-inf-upstream": (lambda x: x.norm(), [[0.0, 0.0]], -inf, [[nan, nan]]),
    # the losses' dropped branch stays finite; a NaN difference gives NaN as in PyTorch
    "huber-at-infinity": (
        lambda a, b: F.huber_loss(a, b, reduction="none", delta=0.5),
        [[-inf, -1e-300, 1.0], [0.89, -1e-300, inf]],
        None,
        [[-0.5, 0.0, -0.5], [0.5, 0.0, 0.5]],
    ),
    "smooth-l1-at-infinity-and-nan": (
        lambda a, b: F.smooth_l1_loss(a, b, reduction="none"),
        [[-inf, 0.3, 1.0, nan], [0.89, 0.3, inf, 1.0]],
        None,
        [[-1.0, 0.0, -1.0, nan], [1.0, 0.0, 1.0, nan]],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_gradient_at_inf_and_nan_is_pytorchs(backend, name):
    fn, inputs, upstream, expected = CASES[name]
    xs = [cg.tensor(v, dtype=cg.float64, requires_grad=True) for v in inputs]
    y = fn(*xs)
    seed = cg.ones_like(y) if upstream is None else cg.tensor(upstream, dtype=cg.float64)
    y.backward(seed)
    for x, want in zip(xs, expected):
        np.testing.assert_allclose(x.grad.numpy(), np.array(want), rtol=1e-12, atol=0)


def test_relu_gradient_is_a_select_for_large_tensors_too(backend):
    """The NumPy kernel multiplies by the mask and falls back to a select only when the
    product is not finite: both paths give PyTorch's answer."""
    x = cg.tensor(np.linspace(-1.0, 1.0, 10_001), requires_grad=True)
    g = cg.tensor(np.where(np.arange(10_001) % 2, np.inf, 1.0))
    cg.relu(x).backward(g)
    grad = x.grad.numpy()
    assert not np.isnan(grad).any()
    assert (grad[x.detach().numpy() <= 0] == 0).all()


def test_sign_of_nan_is_zero(backend):
    assert cg.tensor([nan, -2.0, 0.0, 3.0]).sign().tolist() == [0.0, -1.0, 0.0, 1.0]
