"""Bad inputs to shape ops raise ShapeError, naming the op, the values and a fix."""

import re

import pytest

import crossgrad as cg
from crossgrad import ShapeError


@pytest.fixture
def x(backend):
    return cg.zeros(2, 3)


def _raises(message):
    return pytest.raises(ShapeError, match=re.escape(message))


def test_reshape_to_a_wrong_number_of_elements(x):
    with _raises("reshape: shape=(4, 2) is invalid for input of shape (2, 3) (6 elements)"):
        x.reshape(4, 2)


def test_reshape_with_two_unknown_sizes(x):
    with _raises("reshape: only one dim can be -1, received shape=(-1, -1)"):
        x.reshape(-1, -1)


def test_reshape_with_an_inferred_size_that_does_not_divide(x):
    with _raises("reshape: shape=(4, -1) is invalid for input of shape (2, 3)"):
        x.reshape(4, -1)


def test_view_with_a_negative_size(x):
    with _raises("view: invalid size -2 in shape=(-2, -3)"):
        x.view(-2, -3)


def test_permute_needs_a_permutation(x):
    with _raises("permute: dims must list each of the 2 dims once, received dims=(0, 0)"):
        x.permute(0, 0)


def test_expand_of_a_non_singleton_dim(x):
    with _raises("expand: the size of dim 1 (3) cannot expand to 4"):
        x.expand(2, 4)


@pytest.mark.parametrize(
    ("call", "op"),
    [
        (lambda t: t.transpose(0, 2), "transpose"),
        (lambda t: t.squeeze(2), "squeeze"),
        (lambda t: t.flatten(0, 2), "flatten"),
        (lambda t: t.unflatten(2, (1, 3)), "unflatten"),
        (lambda t: t.flip(2), "flip"),
        (lambda t: t.roll(1, 2), "roll"),
        (lambda t: t.narrow(-3, 0, 1), "narrow"),
        (lambda t: t.split(1, 2), "split"),
        (lambda t: t.chunk(2, 2), "chunk"),
        (lambda t: cg.cat([t, t], 2), "cat"),
        (lambda t: t.movedim(2, 0), "movedim"),
    ],
)
def test_dim_out_of_range_names_the_op(x, call, op):
    with pytest.raises(ShapeError, match=rf"^{op}: dim out of range: dim=-?\d, tensor.ndim=2"):
        call(x)


@pytest.mark.parametrize(
    ("call", "op", "dim"),
    [
        (lambda t: t.unsqueeze(3), "unsqueeze", 3),
        (lambda t: t.unsqueeze(-4), "unsqueeze", -4),
        (lambda t: cg.stack([t, t], 3), "stack", 3),
    ],
)
def test_inserting_a_dim_out_of_range_shows_the_valid_range(x, call, op, dim):
    with _raises(f"{op}: dim out of range: dim={dim}, tensor.ndim=2\nhint: pick a dim in [-3, 2]"):
        call(x)


def test_flatten_with_start_after_end(x):
    with _raises("flatten: start_dim=1 comes after end_dim=0 for tensor.ndim=2"):
        x.flatten(1, 0)


@pytest.mark.parametrize("sizes", [(2, 2), (-1, -1), (4, -1), ()])
def test_unflatten_sizes_must_multiply_to_the_dim(x, sizes):
    with pytest.raises(ShapeError, match=r"^unflatten: sizes"):
        x.unflatten(1, sizes)


def test_repeat_with_fewer_sizes_than_dims(x):
    with _raises("repeat: got 1 sizes for a tensor of 2 dims: sizes=(2,), tensor.shape=(2, 3)"):
        x.repeat(2)


def test_repeat_with_a_negative_size(x):
    with _raises("repeat: sizes must be non-negative, received sizes=(1, -1)"):
        x.repeat(1, -1)


def test_cat_of_no_tensors(backend):
    with _raises("cat: expected a non-empty sequence of tensors"):
        cg.cat([])


def test_cat_of_one_tensor_instead_of_a_list(x):
    with _raises("cat: expected a sequence of tensors, received one Tensor"):
        cg.cat(x)


def test_cat_of_0d_tensors(backend):
    with _raises("cat: zero-dimensional tensors cannot be concatenated"):
        cg.cat([cg.tensor(1.0), cg.tensor(2.0)])


def test_cat_with_different_ranks_names_the_tensor(x):
    with _raises(
        "cat: tensors must have the same number of dims: tensors[0].shape=(2, 3), "
        "tensors[2].shape=(3,)"
    ):
        cg.cat([x, x, cg.zeros(3)])


def test_cat_with_mismatched_sizes_names_the_tensor_and_the_dim(x):
    with _raises(
        "cat: sizes must match except in the cat dim 0: tensors[1].shape=(2, 4) "
        "differs from tensors[0].shape=(2, 3) in dim 1\nhint: make dim 1 equal"
    ):
        cg.cat([x, cg.zeros(2, 4)])


def test_cat_along_the_last_dim_checks_the_others(x):
    with _raises(
        "cat: sizes must match except in the cat dim 1: tensors[1].shape=(3, 3) "
        "differs from tensors[0].shape=(2, 3) in dim 0"
    ):
        cg.cat([x, cg.zeros(3, 3)], dim=-1)


def test_stack_of_different_shapes(x):
    with _raises(
        "stack: all tensors must have the same shape: tensors[0].shape=(2, 3), "
        "tensors[1].shape=(3, 2)"
    ):
        cg.stack([x, cg.zeros(3, 2)])


def test_split_sections_must_sum_to_the_dim(x):
    with _raises(
        "split: split sizes must be non-negative and sum to the size of dim 1: "
        "sizes=(1, 1) sum to 2, tensor.shape=(2, 3)\nhint: give sizes that add up to 3"
    ):
        x.split([1, 1], dim=1)


def test_split_size_zero_on_a_non_empty_dim(x):
    with _raises("split: split_size must be positive, received split_size=0 for dim 0 of size 2"):
        x.split(0)


def test_split_of_a_0d_tensor(backend):
    with _raises("split: a 0-d tensor cannot be split"):
        cg.tensor(1.0).split(1)


def test_chunk_count_must_be_positive(x):
    with _raises("chunk: chunks must be positive, received chunks=0"):
        x.chunk(0)


@pytest.mark.parametrize(("start", "length"), [(2, 2), (-4, 1), (0, -1), (3, 1)])
def test_narrow_outside_the_dim(x, start, length):
    with _raises(
        f"narrow: start={start}, length={length} do not fit in dim 1 of size 3: input.shape=(2, 3)"
    ):
        x.narrow(1, start, length)


def test_roll_with_more_shifts_than_dims(x):
    with _raises("roll: shifts and dims must have the same length: shifts=(1, 2), dims=(0,)"):
        x.roll((1, 2), (0,))


def test_roll_without_dims_takes_one_shift(x):
    with _raises("roll: without dims, shifts must be one int, received shifts=(1, 2)"):
        x.roll((1, 2))


def test_movedim_with_unequal_lengths(x):
    with _raises("movedim: source and destination must have the same length"):
        x.movedim((0, 1), 0)


def test_movedim_with_a_repeated_dim(x):
    with _raises("movedim: a dim appears twice: source=(0, -2), destination=(0, 1)"):
        x.movedim((0, -2), (0, 1))


def test_flip_with_a_repeated_dim(x):
    with _raises("flip: a dim appears twice: dim=(0, -2)"):
        x.flip((0, -2))
