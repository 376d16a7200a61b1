"""Reductions of float16 and bfloat16 accumulate in float32, as PyTorch's do: the result
has the input's dtype, but no partial sum or element count is rounded to 16 bits."""

import numpy as np
import pytest

import crossgrad as cg
from crossgrad.testing.pytest_plugin import skip_without_dtype

F = cg.nn.functional
LOW = [cg.float16, cg.bfloat16]


@pytest.fixture(params=LOW, ids=lambda d: d.name)
def low(request, backend):
    skip_without_dtype(request.param)
    return request.param


def _full(n, value, dtype, requires_grad=False):
    return cg.full((n,), value, dtype=dtype, requires_grad=requires_grad)


def test_mean_of_more_elements_than_float16_can_count(low):
    x = _full(70_000, 1.0, low, requires_grad=True)
    m = x.mean()
    m.backward()
    assert m.dtype is low
    assert m.item() == 1.0
    assert x.grad.float()[:3].tolist() == pytest.approx([1 / 70_000] * 3, rel=1e-2)


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_mean_whose_sum_overflows_float16_is_still_the_mean(low, n):
    assert _full(n, 10.0, low).mean().item() == 10.0


def test_sum_keeps_adding_past_float16s_last_exact_integer(low):
    # In float16, 2048 + 1 rounds back to 2048: a float16 running sum of ones stops there.
    ones = _full(3000, 1.0, low)
    assert ones.cumsum(0)[-1].item() == pytest.approx(3000, rel=1e-2)
    assert cg.ones(3, 3000, dtype=low).sum(1).float().tolist() == pytest.approx([3000] * 3, 1e-2)


def test_var_and_std_of_a_large_float16_tensor(low):
    x = cg.tensor(np.tile([1.0, 3.0], 40_000)).to(low)
    assert x.var(correction=0).item() == pytest.approx(1.0, rel=1e-2)
    assert x.std(correction=0).item() == pytest.approx(1.0, rel=1e-2)


def test_layer_norm_over_70000_float16_values_matches_float32(low):
    cg.manual_seed(0)
    x32 = cg.randn(70_000)
    y = F.layer_norm(x32.to(low), (70_000,))
    assert y.dtype is low
    expected = F.layer_norm(x32.to(low).float(), (70_000,)).numpy()
    assert np.allclose(y.float().numpy(), expected, rtol=2e-2, atol=2e-2)
    assert np.abs(y.float().numpy()).max() > 1.0  # not collapsed to zeros


def test_softmax_and_cross_entropy_over_a_wide_float16_row(low):
    x = cg.zeros(2, 70_000, dtype=low)
    assert F.softmax(x, 1).float().sum(1).tolist() == pytest.approx([1.0, 1.0], rel=1e-2)
    loss = F.cross_entropy(x, cg.tensor([0, 1]))
    assert loss.dtype is low
    assert loss.item() == pytest.approx(np.log(70_000), rel=1e-2)
    assert cg.logsumexp(x, 1).float().tolist() == pytest.approx([np.log(70_000)] * 2, 1e-2)


def test_norm_of_many_float16_values(low):
    assert _full(40_000, 0.5, low).norm().item() == pytest.approx(100.0, rel=1e-2)
