"""Every error the indexing ops raise: its class, the op it names, and the values shown."""

import numpy as np
import pytest

import crossgrad
from crossgrad import DTypeError, ShapeError
from crossgrad.core.tensor import make


@pytest.fixture
def x(backend):
    return crossgrad.zeros(3, 4)


def idx(*values):
    return crossgrad.tensor(list(values))


@pytest.mark.parametrize(
    "index, match",
    [
        (3, r"getitem: index out of bounds: index=3, dim=0, size=3\nhint: .*-3 to 2"),
        ((0, -5), r"getitem: index out of bounds: index=-5, dim=1, size=4"),
        ([0, 3], r"getitem: index out of bounds: index=3, dim=0, size=3"),
        ((slice(None), np.array([1, -5])), r"getitem: index out of bounds: index=-5, dim=1"),
    ],
)
def test_getitem_out_of_bounds_names_the_index_dim_and_size(x, index, match):
    with pytest.raises(ShapeError, match=match):
        x[index]


def test_getitem_out_of_bounds_index_tensor_raises(x):
    with pytest.raises(ShapeError, match=r"getitem: index out of bounds: index=7, dim=1, size=4"):
        x[:, idx(0, 7, 1)]


def test_getitem_negative_step_raises_like_pytorch(x):
    with pytest.raises(
        ShapeError,
        match=r"getitem: slice step must be positive, received "
        r"step=-1\nhint: .*arange",
    ):
        x[::-1]
    with pytest.raises(ValueError, match=r"step=0"):  # ShapeError is a ValueError, as in PyTorch
        x[:, ::0]


def test_getitem_too_many_indices_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"getitem: too many indices: 3 dims indexed, "
        r"tensor.ndim=2",
    ):
        x[0, 0, 0]


def test_getitem_two_ellipses_raise(x):
    with pytest.raises(ShapeError, match=r"getitem: an index can hold only one ellipsis"):
        x[..., 0, ...]


def test_getitem_mask_of_the_wrong_shape_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"getitem: the boolean mask does not match the dims "
        r"it indexes: mask.shape=\(2,\), tensor.shape\[0:1\]=\(3,\)",
    ):
        x[crossgrad.tensor([True, False])]


def test_getitem_float_index_tensor_raises(x):
    with pytest.raises(
        DTypeError,
        match=r"getitem: tensors used as indices must be integer "
        r"or bool, received dtype=crossgrad.float32",
    ):
        x[crossgrad.tensor([0.0])]


def test_getitem_unsupported_index_type_raises(x):
    with pytest.raises(DTypeError, match=r"getitem: unsupported index item 'a' of type str"):
        x["a"]


def test_getitem_with_false_among_other_items_raises(x):
    with pytest.raises(ShapeError, match=r"getitem: False among other index items"):
        x[0, False]


def test_getitem_unbroadcastable_index_tensors_raise(x):
    with pytest.raises(
        ShapeError,
        match=r"getitem: index tensors cannot be broadcast together: "
        r"shape=\(2,\), shape=\(3,\)",
    ):
        x[idx(0, 1), idx(0, 1, 2)]


def test_gather_index_out_of_bounds_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"gather: index out of bounds: index=4, dim=1, size=4"
        r"\nhint: valid indices for dim 1 are 0 to 3",
    ):
        x.gather(1, crossgrad.tensor([[4]]))


def test_gather_negative_index_raises_as_in_pytorch(x):
    with pytest.raises(ShapeError, match=r"gather: index out of bounds: index=-1, dim=1"):
        x.gather(1, crossgrad.tensor([[-1]]))


def test_gather_index_of_other_rank_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"gather: index must have as many dims as input: "
        r"index.shape=\(1,\), input.shape=\(3, 4\)",
    ):
        x.gather(1, idx(1))


def test_gather_index_larger_than_input_raises(x):
    with pytest.raises(ShapeError, match=r"gather: index is larger than input in dim 1"):
        x.gather(0, crossgrad.tensor([[0] * 5]))


def test_gather_bad_dim_raises(x):
    with pytest.raises(ShapeError, match=r"gather: dim out of range: dim=2, tensor.ndim=2"):
        x.gather(2, crossgrad.tensor([[0]]))


def test_gather_float_index_raises(x):
    with pytest.raises(DTypeError, match=r"gather: index must be an integer tensor"):
        x.gather(0, crossgrad.tensor([[0.5]]))


def test_scatter_src_smaller_than_index_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"scatter: index is larger than src: "
        r"index.shape=\(1, 2\), src.shape=\(1, 1\)",
    ):
        x.scatter(0, crossgrad.tensor([[0, 1]]), crossgrad.zeros(1, 1))


def test_scatter_without_src_or_value_raises(x):
    with pytest.raises(TypeError, match=r"scatter: give src"):
        x.scatter(0, crossgrad.tensor([[0]]))


def test_scatter_add_index_out_of_bounds_raises(x):
    with pytest.raises(ShapeError, match=r"scatter_add: index out of bounds: index=3, dim=0"):
        x.scatter_add(0, crossgrad.tensor([[3]]), crossgrad.zeros(1, 1))


def test_index_select_needs_a_1d_index(x):
    with pytest.raises(
        ShapeError,
        match=r"index_select: index must be 1-D, received "
        r"index.shape=\(1, 1\)",
    ):
        x.index_select(0, crossgrad.tensor([[0]]))


def test_index_select_out_of_bounds_raises(x):
    with pytest.raises(ShapeError, match=r"index_select: index out of bounds: index=3, dim=0"):
        x.index_select(0, idx(0, 3))


def test_index_add_source_of_the_wrong_shape_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"index_add: source must have the indexed shape: "
        r"source.shape=\(2, 4\), expected \(1, 4\)",
    ):
        x.index_add(0, idx(0), crossgrad.zeros(2, 4))


def test_masked_fill_needs_a_bool_mask(x):
    with pytest.raises(
        DTypeError,
        match=r"masked_fill: mask must be a bool tensor, received "
        r"dtype=crossgrad.int64",
    ):
        x.masked_fill(idx(1, 0, 1, 0), 1.0)


def test_masked_fill_mask_larger_than_input_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"masked_fill: the mask must broadcast to the "
        r"input's shape: mask.shape=\(2, 3, 4\), input.shape=\(3, 4\)",
    ):
        x.masked_fill(crossgrad.zeros(2, 3, 4) > 0, 1.0)


def test_masked_fill_value_must_be_0d(x):
    with pytest.raises(
        ShapeError,
        match=r"masked_fill: value must be a number or a 0-d "
        r"tensor, received value.shape=\(2,\)",
    ):
        x.masked_fill(x > 0, crossgrad.zeros(2))


def test_take_along_dim_rank_mismatch_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"take_along_dim: input and indices need the same "
        r"number of dims",
    ):
        crossgrad.take_along_dim(x, idx(0), dim=0)


def test_index_put_value_that_does_not_broadcast_raises(x):
    with pytest.raises(
        ShapeError,
        match=r"index_put: the value cannot be broadcast to the "
        r"indexed shape: value.shape=\(3,\), indexed shape=\(2, 4\)",
    ):
        x.index_put((idx(0, 1),), crossgrad.zeros(3))


def test_in_place_ops_raise_before_modifying(x):
    version = x._version[0]
    with pytest.raises(ShapeError, match=r"scatter: index out of bounds"):
        x.scatter_(0, crossgrad.tensor([[5]]), 1.0)
    with pytest.raises(DTypeError, match=r"masked_fill: mask must be a bool tensor"):
        x.masked_fill_(idx(1, 0, 1, 0), 1.0)
    assert x._version[0] == version
    assert x.tolist() == [[0.0] * 4] * 3


def test_index_tensor_on_another_backend_raises(x):
    from crossgrad.backends.numpy import NumpyBackend

    other = NumpyBackend()
    other.name = "other"
    index = make(np.array([0, 1]), other)
    with pytest.raises(
        crossgrad.BackendMismatchError,
        match=r"getitem: the index is on backend 'other' and the tensor on ",
    ):
        x[index]
    with pytest.raises(crossgrad.BackendMismatchError, match=r"index_select: the index is on"):
        x.index_select(0, index)
