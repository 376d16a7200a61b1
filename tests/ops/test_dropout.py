"""dropout: random masks from the backend's generator, their statistics and their gradient."""

import re

import numpy as np
import pytest

import crossgrad as cg
from crossgrad import DTypeError

F = cg.nn.functional


def _raises(cls, message):
    return pytest.raises(cls, match=re.escape(message))


def _values(t):
    return t.detach().numpy() if hasattr(t, "detach") else t


@pytest.mark.parametrize("p", [0.1, 0.3, 0.7])
def test_zeroes_a_fraction_p_and_keeps_the_mean(backend, p):
    cg.manual_seed(0)
    out = _values(F.dropout(cg.full((200, 500), 1.0), p=p))
    zeros = np.mean(out == 0)
    assert abs(zeros - p) < 0.01, f"fraction of zeros {zeros} for p={p}"
    assert abs(out.mean() - 1.0) < 0.03, f"mean {out.mean()} drifted from 1 for p={p}"


def test_kept_values_are_scaled_by_one_over_one_minus_p_in_the_input_dtype(backend):
    cg.manual_seed(1)
    out = F.dropout(cg.full((50, 40), 1.0), p=0.2)
    assert out.dtype is cg.float32
    kept = np.unique(_values(out))
    np.testing.assert_allclose(kept, np.array([0.0, 1.25], dtype=np.float32), rtol=1e-6)


def test_the_same_seed_gives_the_same_mask(backend):
    x = cg.full((10, 10), 1.0)
    cg.manual_seed(7)
    a = _values(F.dropout(x, p=0.5))
    cg.manual_seed(7)
    b = _values(F.dropout(x, p=0.5))
    c = _values(F.dropout(x, p=0.5))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c), "two calls in a row drew the same mask"


def test_gradient_is_the_incoming_gradient_times_the_scaled_mask(backend):
    cg.manual_seed(3)
    rng = np.random.default_rng(0)
    x = cg.tensor(rng.uniform(0.5, 1.5, (30, 20)), requires_grad=True)
    g = rng.standard_normal((30, 20)).astype(np.float32)
    p = 0.4
    out = F.dropout(x, p=p)
    out.backward(cg.tensor(g))
    mask = _values(out) != 0
    np.testing.assert_allclose(_values(x.grad), g * mask / (1 - p), rtol=1e-6)
    np.testing.assert_allclose(_values(out), _values(x) * mask / (1 - p), rtol=1e-6)


def test_second_order_gradient_of_dropout_is_zero(backend):
    x = cg.tensor(np.linspace(-1, 1, 12), dtype=cg.float64, requires_grad=True)
    (gx,) = cg.autograd.grad((F.dropout(x, p=0.5) * x).sum(), x, create_graph=True)
    (gxx,) = cg.autograd.grad(gx.sum(), x)
    # d/dx sum(mask * x * x / (1-p)) = 2 * mask * x / (1-p); its derivative: 2 * mask / (1-p)
    mask = _values(gx) != 0
    np.testing.assert_allclose(_values(gxx), 4.0 * mask)


@pytest.mark.parametrize("kwargs", [{"training": False}, {"p": 0.0}])
def test_eval_mode_and_p_zero_return_the_input_itself(backend, kwargs):
    x = cg.full((3, 4), 1.0, requires_grad=True)
    assert F.dropout(x, **kwargs) is x


def test_p_one_zeroes_everything_and_its_gradient(backend):
    x = cg.full((3, 4), 1.0, requires_grad=True)
    out = F.dropout(x, p=1.0)
    out.sum().backward()
    assert not _values(out).any()
    assert not _values(x.grad).any()


def test_inplace_writes_into_the_input(backend):
    cg.manual_seed(0)
    x = cg.full((20, 20), 1.0)
    out = F.dropout(x, p=0.5, inplace=True)
    assert out is x
    assert (_values(x) == 0).any() and (_values(x) == 2).any()


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_outside_unit_interval(backend, p):
    with _raises(ValueError, f"dropout: probability has to be between 0 and 1, received p={p}"):
        F.dropout(cg.zeros(3), p=p)


def test_dropout_of_integers(backend):
    with _raises(DTypeError, "dropout: needs a floating tensor, received dtype=crossgrad.int64"):
        F.dropout(cg.tensor([1, 2, 3]))
