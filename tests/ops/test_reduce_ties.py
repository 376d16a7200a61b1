"""Tied maxima and minima: where the gradient goes, as PyTorch defines it.

Full reductions (max(), min(), amax, amin, norm(inf)) split the gradient evenly among the
tied elements; max/min along a dim give it all to the index they return (the first).
"""

import numpy as np
import pytest

import crossgrad as cg
from crossgrad.autograd import grad

TIED = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]


def _grad_of(fn, data=TIED):
    x = cg.tensor(data, dtype=cg.float64, requires_grad=True)
    (g,) = grad(fn(x), x)
    return g.numpy()


def test_full_max_splits_the_gradient_evenly_among_ties(backend):
    np.testing.assert_allclose(_grad_of(lambda x: x.max()), [[0, 0.5, 0.5], [0, 0, 0]])


def test_full_min_splits_the_gradient_evenly_among_ties(backend):
    data = [[1.0, 0.0, 3.0], [0.0, 0.0, 5.0]]
    want = np.array([[0, 1, 0], [1, 1, 0]]) / 3
    np.testing.assert_allclose(_grad_of(lambda x: x.min(), data), want)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_and_amin_split_ties_within_each_reduced_slice(backend, op):
    got = _grad_of(lambda x: getattr(x, op)(dim=1).sum())
    want = [[0, 0.5, 0.5], [0.5, 0.5, 0]] if op == "amax" else [[1, 0, 0], [0, 0, 1]]
    np.testing.assert_allclose(got, want)


def test_max_along_a_dim_gives_the_gradient_to_the_returned_index_only(backend):
    x = cg.tensor(TIED, dtype=cg.float64, requires_grad=True)
    values, indices = x.max(dim=1)
    assert indices.tolist() == [1, 0]  # the first of the tied maxima
    (g,) = grad(values.sum(), x)
    np.testing.assert_allclose(g.numpy(), [[0, 1, 0], [1, 0, 0]])


def test_min_along_a_dim_gives_the_gradient_to_the_first_minimum(backend):
    got = _grad_of(lambda x: x.min(dim=0, keepdim=True).values.sum(), [[1.0, 2.0], [1.0, 2.0]])
    np.testing.assert_allclose(got, [[1, 1], [0, 0]])


def test_inf_norm_splits_ties_and_keeps_the_sign(backend):
    got = _grad_of(lambda x: x.norm(float("inf")), [[-3.0, 3.0, 1.0]])
    np.testing.assert_allclose(got, [[-0.5, 0.5, 0]])


def test_norm_of_zeros_has_zero_gradient_not_nan(backend):
    for p in (2, 3, 1.5, 0.5, float("inf")):
        np.testing.assert_array_equal(_grad_of(lambda x, p=p: x.norm(p), [0.0, 0.0]), [0, 0])


def test_std_of_a_constant_slice_has_zero_gradient_not_nan(backend):
    np.testing.assert_array_equal(_grad_of(lambda x: x.std(), [2.0, 2.0, 2.0]), [0, 0, 0])


def test_prod_gradient_with_one_zero_is_the_product_of_the_others(backend):
    np.testing.assert_allclose(_grad_of(lambda x: x.prod(), [2.0, 0.0, 3.0]), [0, 6, 0])


def test_prod_gradient_with_two_zeros_is_zero(backend):
    np.testing.assert_array_equal(_grad_of(lambda x: x.prod(), [2.0, 0.0, 0.0]), [0, 0, 0])


def test_prod_second_derivative_between_two_zeros_is_the_product_of_the_rest(backend):
    x = cg.tensor([2.0, 0.0, 0.0, 3.0], dtype=cg.float64, requires_grad=True)
    (g,) = grad(x.prod(), x, create_graph=True)
    (h,) = grad(g.narrow(0, 1, 1).sum(), x)  # d/dx of d prod / dx[1]
    np.testing.assert_allclose(h.numpy(), [0, 0, 6, 0])
