"""nn.init: bounds and statistics of each scheme, with fixed seeds, on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

import crossgrad
from crossgrad.nn import init


def _filled(fn, *shape, seed=0, **kwargs):  # type: ignore[no-untyped-def]
    crossgrad.manual_seed(seed)
    t = crossgrad.empty(*shape, dtype=crossgrad.float64)
    assert fn(t, **kwargs) is t
    return t.numpy()


def test_calculate_gain_follows_pytorch_table():
    assert init.calculate_gain("linear") == 1.0 and init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2.0 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(1.0 / 3)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity='swish'"):
        init.calculate_gain("swish")


def test_fan_in_and_fan_out_count_the_receptive_field():
    assert init._calculate_fan_in_and_fan_out(crossgrad.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(crossgrad.ShapeError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(crossgrad.empty(5))


def test_uniform_and_normal_statistics(backend):
    u = _filled(init.uniform_, 200, 100, a=-2.0, b=3.0)
    assert u.min() >= -2.0 and u.max() < 3.0 and abs(u.mean() - 0.5) < 0.05
    n = _filled(init.normal_, 200, 100, mean=1.0, std=2.0)
    assert abs(n.mean() - 1.0) < 0.05 and abs(n.std() - 2.0) < 0.05


def test_constant_zeros_ones_eye(backend):
    assert (_filled(init.constant_, 2, 3, val=0.5) == 0.5).all()
    assert (_filled(init.zeros_, 2, 3) == 0).all() and (_filled(init.ones_, 2, 3) == 1).all()
    np.testing.assert_array_equal(_filled(init.eye_, 2, 3), np.eye(2, 3))


def test_kaiming_and_xavier_bounds_and_spread(backend):
    k = _filled(init.kaiming_uniform_, 300, 50, a=math.sqrt(5))
    bound = math.sqrt(1.0 / 3) * math.sqrt(3.0 / 50)
    assert np.abs(k).max() <= bound and np.abs(k).max() > 0.95 * bound
    kn = _filled(init.kaiming_normal_, 300, 50, mode="fan_out", nonlinearity="relu")
    assert abs(kn.std() - math.sqrt(2.0 / 300)) < 0.05 * math.sqrt(2.0 / 300)
    xu = _filled(init.xavier_uniform_, 300, 50, gain=2.0)
    assert np.abs(xu).max() <= 2.0 * math.sqrt(6.0 / 350)
    xn = _filled(init.xavier_normal_, 300, 50)
    assert abs(xn.std() - math.sqrt(2.0 / 350)) < 0.05 * math.sqrt(2.0 / 350)
    with pytest.raises(ValueError, match="mode='fan_avg' is not supported"):
        init.kaiming_uniform_(crossgrad.empty(3, 3), mode="fan_avg")


def test_trunc_normal_stays_inside_bounds(backend):
    t = _filled(init.trunc_normal_, 100, 100, mean=0.5, std=1.0, a=-0.5, b=1.0)
    assert t.min() >= -0.5 and t.max() <= 1.0 and t.std() > 0.3


@pytest.mark.parametrize("shape", [(4, 7), (7, 4), (3, 2, 2)])
def test_orthogonal_gives_orthonormal_rows_or_columns(backend, shape):
    q = _filled(init.orthogonal_, *shape, gain=2.0).reshape(shape[0], -1)
    small = min(q.shape)
    gram = q @ q.T if q.shape[0] == small else q.T @ q
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-10)


def test_same_seed_gives_same_values(backend):
    np.testing.assert_array_equal(
        _filled(init.normal_, 3, 3, seed=7), _filled(init.normal_, 3, 3, seed=7)
    )


def test_init_on_a_parameter_needs_no_no_grad_and_keeps_it_a_leaf(backend):
    p = crossgrad.nn.Parameter(crossgrad.empty(3, 4))
    init.kaiming_normal_(p)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None


def test_init_rejects_integer_tensors():
    with pytest.raises(crossgrad.DTypeError, match="uniform_: needs a floating tensor"):
        init.uniform_(crossgrad.zeros(2, dtype=crossgrad.int64))
