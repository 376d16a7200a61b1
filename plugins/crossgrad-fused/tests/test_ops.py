"""What the conformance kit (test_conformance.py) cannot know: how the fused ops relate to
crossgrad's unfused ones, and edge values."""

import crossgrad as cg
import numpy as np
import pytest
from crossgrad.testing import assert_close


def test_ops_are_reached_through_crossgrad_ops_fused():
    assert sorted(dir(cg.ops.fused)) == ["rms_norm", "softmax_cross_entropy", "swiglu"]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_softmax_cross_entropy_equals_nn_cross_entropy(reduction, backend):
    rng = np.random.default_rng(1)
    values = rng.normal(size=(5, 7)) * 3
    target = cg.tensor(rng.integers(0, 7, size=5))
    fused_logits = cg.tensor(values, requires_grad=True)
    plain_logits = cg.tensor(values, requires_grad=True)
    fused = cg.ops.fused.softmax_cross_entropy(fused_logits, target, reduction=reduction)
    plain = cg.nn.functional.cross_entropy(plain_logits, target, reduction=reduction)
    assert_close(fused, plain)
    fused.sum().backward()
    plain.sum().backward()
    assert_close(fused_logits.grad, plain_logits.grad)


def test_rms_norm_without_weight_equals_weight_of_ones(backend):
    values = np.arange(6.0).reshape(2, 3) - 2
    x, x_ones = (cg.tensor(values, requires_grad=True) for _ in range(2))
    plain = cg.ops.fused.rms_norm(x)
    scaled = cg.ops.fused.rms_norm(x_ones, cg.ones(3, dtype=cg.float64))
    assert_close(plain, scaled)
    (plain * plain).sum().backward()
    (scaled * scaled).sum().backward()
    assert_close(x.grad, x_ones.grad)


def test_swiglu_saturates_without_overflow(backend):
    gate = cg.tensor([-1000.0, 1000.0])
    up = cg.tensor([2.0, 2.0])
    assert_close(cg.ops.fused.swiglu(gate, up), cg.tensor([0.0, 2000.0]))
