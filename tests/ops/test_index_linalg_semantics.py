"""PyTorch semantics of indexing and matmul that the op table does not show: views,
dtypes, which results carry gradients."""

import numpy as np
import pytest

import crossgrad
from crossgrad.ops.index import resolve
from crossgrad.testing import assert_close


def test_basic_indexing_returns_a_view_sharing_the_version_counter(backend):
    x = crossgrad.zeros(3, 4)
    row = x[1, ::2]
    picked = x[[0, 1]]
    x.add_(1.0)
    assert row._version is x._version
    assert picked._version is not x._version


def test_iterating_a_tensor_yields_its_rows(backend):
    x = crossgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]


def test_index_tensor_0d_acts_like_an_int(backend):
    x = crossgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x[crossgrad.tensor(1)].tolist() == [3.0, 4.0]
    assert x[:, crossgrad.tensor(1)].shape == (2,)


def test_true_index_adds_a_dim(backend):
    assert crossgrad.zeros(2, 3)[True].shape == (1, 2, 3)


def test_getitem_gradient_accumulates_over_repeated_indices(backend):
    x = crossgrad.tensor([1.0, 2.0, 3.0], dtype=crossgrad.float64, requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_matmul_promotes_dtypes_like_pytorch(backend):
    f32 = crossgrad.zeros(2, 2)
    f64 = crossgrad.zeros(2, 2, dtype=crossgrad.float64)
    i64 = crossgrad.zeros(2, 2, dtype=crossgrad.int64)
    assert (f32 @ f64).dtype is crossgrad.float64
    assert (i64 @ f32).dtype is crossgrad.float32
    assert (i64 @ i64).dtype is crossgrad.int64


def test_integer_matmul_with_a_float_operand_requiring_grad(backend):
    a = crossgrad.tensor([[1, 2], [3, 4]])
    w = crossgrad.tensor([[1.0], [2.0]], dtype=crossgrad.float64, requires_grad=True)
    (a @ w).sum().backward()
    assert_close(w.grad, np.array([[4.0], [6.0]]))
    assert not (a @ a).requires_grad


def test_matmul_vector_shapes_follow_torch(backend):
    z = crossgrad.zeros
    assert (z(4) @ z(4)).shape == ()
    assert (z(3, 4) @ z(4)).shape == (3,)
    assert (z(4) @ z(4, 5)).shape == (5,)
    assert (z(2, 1, 3, 4) @ z(5, 4, 6)).shape == (2, 5, 3, 6)
    assert (z(4) @ z(2, 4, 6)).shape == (2, 6)
    assert (z(2, 3, 4) @ z(4)).shape == (2, 3)


def test_second_order_gradient_of_a_matmul_product(backend):
    a = crossgrad.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=crossgrad.float64, requires_grad=True)
    (g,) = crossgrad.autograd.grad((a @ a).sum(), a, create_graph=True)
    (gg,) = crossgrad.autograd.grad((g * g).sum(), a)
    # g = 1 a^T + a^T 1 (1 the all-ones matrix); d/da sum(g*g) = 2 (1 g^T + g^T 1).
    ones = np.ones((2, 2))
    av = np.array([[1.0, 2.0], [0.5, -1.0]])
    gv = ones @ av.T + av.T @ ones
    assert_close(g, gv)
    assert_close(gg, 2 * (ones @ gv.T + gv.T @ ones))


def _same(index):
    return index, lambda a: a[index]  # no int next to an index array: NumPy means the same


# (index, its PyTorch meaning in NumPy): PyTorch applies ints before index arrays.
INDICES = [
    _same(1),
    _same((-1, slice(None, None, 2))),
    _same((None, Ellipsis, 0)),
    _same((Ellipsis, None)),
    _same(([0, 2],)),
    _same((slice(None), [1, 0, 0])),
    _same(([[0], [2]], [1, 1])),
    _same(([0, 2], slice(1, 3), [1, 1])),
    _same((None, [0, 1], slice(None), [1, 1])),
    _same(([0, 1], None, [1, 0])),
    _same((np.array([True, False, True]), slice(1, None))),
    _same((slice(None), np.array([[True, False, True, False]] * 2))),
    ((1, slice(None), [0, 3]), lambda a: a[1][:, [0, 3]]),
    ((slice(None), 1, [2, 2, 0]), lambda a: a[:, 1][:, [2, 2, 0]]),
    (([2, 1], 0, [0, 0]), lambda a: a[:, 0][[2, 1], [0, 0]]),
    ((slice(None), [1, 0], 3, [1, 1]), lambda a: a[:, :, 3][:, [1, 0], [1, 1]]),
]


@pytest.mark.parametrize("index, reference", INDICES, ids=[repr(i) for i, _ in INDICES])
def test_resolved_shape_and_values_follow_pytorch(backend, index, reference):
    a = np.arange(3 * 2 * 4 * 2, dtype=np.float64).reshape(3, 2, 4, 2)
    x = crossgrad.tensor(a)
    expected = reference(a)
    assert resolve(x, index, "getitem").shape == expected.shape
    assert_close(x[index], expected)
