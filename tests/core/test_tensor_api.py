"""The Tensor API surface: metadata, conversions, copies, Python protocols, repr."""

import numpy as np
import pytest

import crossgrad
from crossgrad.core.dtypes import BY_NAME
from crossgrad.testing.pytest_plugin import skip_without_dtype


@pytest.fixture
def m(backend):
    return crossgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def test_metadata(m, backend):
    assert m.shape == (2, 3)
    assert m.size() == (2, 3)
    assert m.size(1) == 3 and m.size(-1) == 3
    assert m.ndim == 2 and m.dim() == 2
    assert m.numel() == 6
    assert len(m) == 2
    assert m.dtype is crossgrad.float32
    assert m.backend == backend
    assert isinstance(m.device, str) and m.device
    assert m.is_leaf and not m.requires_grad


def test_size_with_a_dim_out_of_range_raises(m):
    with pytest.raises(crossgrad.ShapeError, match=r"dim out of range: dim=2, tensor.ndim=2"):
        m.size(2)


def test_transpose_property(m):
    assert m.T.shape == (3, 2)
    assert m.T.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


def test_numpy_returns_the_values(m):
    out = m.numpy()
    assert isinstance(out, np.ndarray)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[1, 2, 3], [4, 5, 6]])


def test_numpy_on_a_tensor_that_requires_grad_raises(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    with pytest.raises(crossgrad.GraphError, match=r"requires grad[\s\S]*detach\(\)\.numpy\(\)"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0]


def test_item_and_tolist(m):
    assert crossgrad.tensor([[7]]).item() == 7
    assert isinstance(crossgrad.tensor(2.5).item(), float)
    assert m.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_item_on_a_multi_element_tensor_raises(m):
    with pytest.raises(crossgrad.ShapeError, match=r"item: only one-element.*shape=\(2, 3\)"):
        m.item()


def test_float_and_int_of_a_multi_element_tensor_raise(m):
    with pytest.raises(crossgrad.ShapeError, match=r"float: only one-element.*shape=\(2, 3\)"):
        float(m)
    with pytest.raises(crossgrad.ShapeError, match=r"int: only one-element"):
        int(m)


def test_float_and_int_of_a_one_element_tensor(backend):
    assert float(crossgrad.tensor([2.5])) == 2.5
    assert int(crossgrad.tensor(7)) == 7


def test_bool_of_a_multi_element_tensor_raises(m):
    with pytest.raises(crossgrad.ShapeError, match=r"truth value of a tensor with 6 elements"):
        bool(m)


def test_bool_of_a_one_element_tensor(backend):
    assert bool(crossgrad.tensor([1.0]))
    assert not bool(crossgrad.tensor(0))


def test_len_and_iter_of_0d_tensor_raise(backend):
    s = crossgrad.tensor(1.0)
    with pytest.raises(crossgrad.ShapeError, match="0-d tensor has no length"):
        len(s)
    with pytest.raises(crossgrad.ShapeError, match="cannot iterate over a 0-d tensor"):
        iter(s)


def test_iter_yields_the_rows(m):
    rows = [r.tolist() for r in m]
    assert rows == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


def test_detach_shares_data_but_leaves_the_graph(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.tolist() == [2.0, 4.0]
    if not crossgrad.get_backend().mutable:
        pytest.skip("immutable arrays: an in-place op rebinds only the detached tensor")
    with crossgrad.no_grad():
        d.add_(1.0)
    assert y.detach().tolist() == [3.0, 5.0]


def test_clone_copies_data_and_stays_in_the_graph(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.requires_grad and not c.is_leaf
    (c * 3.0).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    plain = crossgrad.tensor([1.0])
    copy = plain.clone()
    copy.add_(1.0)
    assert plain.tolist() == [1.0]


def test_requires_grad_underscore_returns_the_tensor(backend):
    x = crossgrad.tensor([1.0])
    assert x.requires_grad_() is x
    assert x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad


def test_requires_grad_on_an_integer_tensor_raises(backend):
    with pytest.raises(crossgrad.DTypeError, match=r"only floating point.*int64"):
        crossgrad.tensor([1, 2], requires_grad=True)
    with pytest.raises(crossgrad.DTypeError, match=r"hint: cast first"):
        crossgrad.tensor([1, 2]).requires_grad_()


def test_non_leaf_cannot_stop_requiring_grad(backend):
    y = crossgrad.tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(crossgrad.GraphError, match="only leaf tensors"):
        y.requires_grad_(False)


@pytest.mark.parametrize(
    ("method", "dtype"),
    [
        ("float", "float32"),
        ("double", "float64"),
        ("half", "float16"),
        ("long", "int64"),
        ("int", "int32"),
        ("bool", "bool"),
    ],
)
def test_dtype_conversion_methods(backend, method, dtype):
    skip_without_dtype(BY_NAME[dtype])
    t = crossgrad.tensor([0.0, 1.5, 2.0])
    out = getattr(t, method)()
    assert out.dtype.name == dtype
    assert out.shape == (3,)


def test_conversion_to_the_same_dtype_returns_the_tensor_itself(backend):
    t = crossgrad.tensor([1.0])
    assert t.float() is t
    assert t.to(crossgrad.float32) is t


def test_to_dtype_and_backend(backend):
    t = crossgrad.tensor([1.5, 2.5])
    assert t.to(crossgrad.float64).dtype is crossgrad.float64
    assert t.to("float64").dtype is crossgrad.float64
    assert t.to(dtype=crossgrad.int64).tolist() == [1, 2]
    assert t.to(backend).backend == backend


def test_to_an_unknown_backend_raises(backend):
    with pytest.raises(crossgrad.BackendNotFoundError, match="'nope' is not usable"):
        crossgrad.tensor([1.0]).to(backend="nope")


def test_repr_is_readable(backend):
    # Tensors off the reference backend say which backend they are on.
    on = "" if backend == "numpy" else f", backend='{backend}'"
    assert repr(crossgrad.tensor([1.0, 2.0])) == f"tensor([1., 2.]{on})"
    assert repr(crossgrad.tensor([1, 2])) == f"tensor([1, 2]{on})"
    r = repr(crossgrad.tensor([1.0], dtype=crossgrad.float64, requires_grad=True))
    assert r == f"tensor([1.], dtype=crossgrad.float64{on}, requires_grad=True)"
    y = crossgrad.tensor([1.0], requires_grad=True) * 2.0
    assert "grad_fn=<MulScalarBackward>" in repr(y)


def test_grad_setter_checks_type_and_shape(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(crossgrad.ShapeError, match=r"grad.shape=\(3,\)"):
        x.grad = crossgrad.zeros(3)
    with pytest.raises(crossgrad.DTypeError, match="expected a Tensor or None"):
        x.grad = [0.0, 0.0]
    x.grad = crossgrad.ones(2)
    assert x.grad.tolist() == [1.0, 1.0]
    x.grad = None
    assert x.grad is None


def test_tensor_constructor_copies_numpy_data(backend):
    a = np.array([1.0, 2.0])
    t = crossgrad.tensor(a)
    a[0] = 100.0
    assert t.tolist() == [1.0, 2.0]


def test_tensor_wins_over_numpy_in_mixed_operators(backend):
    out = np.array([1.0, 2.0]) + crossgrad.tensor([1.0, 1.0], dtype=crossgrad.float64)
    assert isinstance(out, crossgrad.Tensor)
    assert out.tolist() == [2.0, 3.0]


def test_tensor_constructor_makes_default_float_like_torch_tensor():
    t = crossgrad.Tensor([1, 2])
    assert t.dtype is crossgrad.get_default_dtype()
    assert t.tolist() == [1.0, 2.0]
    assert crossgrad.Tensor([1.0], requires_grad=True).requires_grad
