"""``x[index] = value``: values written, gradients through it, and what autograd refuses."""

import numpy as np
import pytest

import crossgrad
from crossgrad.testing import assert_close


def _arange(*shape):
    n = int(np.prod(shape))
    return crossgrad.tensor(np.arange(n, dtype=np.float64).reshape(shape))


def test_setitem_writes_a_scalar_into_a_slice(backend):
    x = _arange(2, 3)
    x[0, 1:] = -1.0
    assert_close(x, np.array([[0.0, -1.0, -1.0], [3.0, 4.0, 5.0]]))


def test_setitem_broadcasts_a_tensor_value(backend):
    x = _arange(3, 2)
    x[:, 1] = crossgrad.tensor([7.0], dtype=crossgrad.float64)
    assert_close(x, np.array([[0.0, 7.0], [2.0, 7.0], [4.0, 7.0]]))


def test_setitem_accepts_leading_size_one_dims_in_the_value(backend):
    x = _arange(2, 3)
    x[1] = crossgrad.tensor([[9.0, 8.0, 7.0]], dtype=crossgrad.float64)
    assert_close(x, np.array([[0.0, 1.0, 2.0], [9.0, 8.0, 7.0]]))


def test_setitem_with_an_index_tensor_and_a_mask(backend):
    x = _arange(3, 2)
    value = crossgrad.tensor([[1.0, 1.0], [2.0, 2.0]], dtype=crossgrad.float64)
    x[crossgrad.tensor([2, 0])] = value
    assert_close(x, np.array([[2.0, 2.0], [2.0, 3.0], [1.0, 1.0]]))
    x[x > 2.5] = 0.0
    assert_close(x, np.array([[2.0, 2.0], [2.0, 0.0], [1.0, 1.0]]))


def test_setitem_follows_pytorch_when_an_int_stands_next_to_an_index_tensor(backend):
    x = crossgrad.zeros(2, 3, 4, dtype=crossgrad.float64)
    x[0, :, [1, 3]] = crossgrad.tensor(np.arange(6.0).reshape(3, 2))
    expected = np.zeros((2, 3, 4))
    expected[0][:, [1, 3]] = np.arange(6.0).reshape(3, 2)
    assert_close(x, expected)


def test_setitem_casts_the_value_to_the_tensor_dtype(backend):
    x = crossgrad.tensor([1, 2, 3])
    x[1] = 7.9
    assert x.dtype is crossgrad.int64
    assert x.tolist() == [1, 7, 3]


def test_setitem_on_a_basic_view_writes_through_to_its_base(backend):
    if not crossgrad.get_backend().mutable:
        pytest.skip("immutable arrays: a view is a copy, writes rebind only the view")
    x = _arange(2, 3)
    row = x[1]
    row[0] = 100.0
    assert x[1, 0].item() == 100.0


def test_setitem_bumps_the_version_shared_with_views(backend):
    x = _arange(2, 3)
    row = x[0]
    before = row._version[0]
    x[1, 1] = 0.0
    assert row._version[0] == before + 1


def test_gradient_flows_through_setitem_on_a_non_leaf(backend):
    x = crossgrad.tensor(np.ones((2, 3)), dtype=crossgrad.float64, requires_grad=True)
    v = crossgrad.tensor([5.0], dtype=crossgrad.float64, requires_grad=True)
    w = _arange(2, 3) + 1.0
    y = x * 2.0
    y[0, 1:] = v
    (y * w).sum().backward()
    assert_close(x.grad, np.array([[2.0, 0.0, 0.0], [8.0, 10.0, 12.0]]))  # 2 * w, minus overwritten
    assert_close(v.grad, np.array([2.0 + 3.0]))
    assert y.grad_fn is not None


def test_second_order_gradient_through_setitem(backend):
    x = crossgrad.tensor([1.0, 2.0, 3.0], dtype=crossgrad.float64, requires_grad=True)
    y = x * x
    y[1] = x[0] ** 3
    (g,) = crossgrad.autograd.grad(y.sum(), x, create_graph=True)
    assert_close(g, np.array([2.0 + 3.0, 0.0, 6.0]))  # d/dx0: 2*x0 + 3*x0**2
    (gg,) = crossgrad.autograd.grad(g.sum(), x)
    assert_close(gg, np.array([2.0 + 6.0, 0.0, 2.0]))


def test_setitem_value_requiring_grad_makes_a_plain_tensor_part_of_the_graph(backend):
    x = crossgrad.zeros(3, dtype=crossgrad.float64)
    v = crossgrad.tensor(2.0, dtype=crossgrad.float64, requires_grad=True)
    x[1] = v
    assert x.requires_grad and not x.is_leaf
    (x * crossgrad.tensor([1.0, 4.0, 9.0], dtype=crossgrad.float64)).sum().backward()
    assert v.grad.item() == 4.0


def test_setitem_on_a_leaf_requiring_grad_raises_and_leaves_it_unchanged(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(crossgrad.InplaceError, match=r"setitem: a leaf tensor that requires grad"):
        x[0] = 5.0
    assert x.tolist() == [1.0, 2.0]


def test_setitem_on_a_leaf_under_no_grad_works(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    with crossgrad.no_grad():
        x[0] = 5.0
    assert x.tolist() == [5.0, 2.0]
    assert x.is_leaf and x.requires_grad
    (x * x).sum().backward()
    assert x.grad.tolist() == [10.0, 4.0]


def test_setitem_on_a_tensor_saved_for_backward_raises_at_backward(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = h * h  # saves h
    h[0] = 0.0
    with pytest.raises(crossgrad.InplaceError, match=r"modified by an in-place operation"):
        y.sum().backward()


def test_setitem_on_a_view_of_a_tensor_in_a_graph_raises(backend):
    x = crossgrad.tensor([[1.0, 2.0]], requires_grad=True)
    row = (x * 1.0)[0]
    with pytest.raises(crossgrad.InplaceError, match=r"setitem: cannot modify in place a view"):
        row[0] = 3.0


def test_bad_setitem_raises_before_writing(backend):
    x = _arange(2, 3)
    version = x._version[0]
    with pytest.raises(crossgrad.ShapeError, match=r"setitem: the value cannot be broadcast"):
        x[0] = crossgrad.tensor([1.0, 2.0], dtype=crossgrad.float64)
    with pytest.raises(crossgrad.ShapeError, match=r"setitem: index out of bounds: index=2"):
        x[2] = 0.0
    assert x._version[0] == version
    assert_close(x, np.arange(6.0).reshape(2, 3))
