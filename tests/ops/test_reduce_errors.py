"""Bad inputs to reductions raise crossgrad's errors, naming the op and the values."""

import re

import pytest

import crossgrad as cg
from crossgrad import DTypeError, ShapeError


@pytest.fixture
def x(backend):
    return cg.zeros(2, 3)


@pytest.mark.parametrize(
    "op",
    [
        "sum",
        "mean",
        "prod",
        "amax",
        "amin",
        "var",
        "std",
        "all",
        "any",
        "logsumexp",
        "cumsum",
        "argmax",
        "max",
        "min",
    ],
)
def test_dim_out_of_range_names_the_op_and_the_valid_range(x, op):
    with pytest.raises(
        ShapeError,
        match=rf"^{op}: dim out of range: dim=2, tensor.ndim=2"
        r"\nhint: pick a dim in \[-2, 1\]",
    ):
        getattr(x, op)(2)


def test_a_repeated_dim_is_a_shape_error(x):
    with pytest.raises(ShapeError, match=r"amax: a dim appears twice: dim=\(1, -1\)"):
        x.amax((1, -1))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.max(),
        lambda t: t.min(),
        lambda t: t.amax(),
        lambda t: t.argmin(),
        lambda t: t.max(dim=0),
        lambda t: t.amin(dim=(0, 1)),
        lambda t: t.norm(float("inf")),
    ],
    ids=["max", "min", "amax", "argmin", "max-dim", "amin-dims", "norm-inf"],
)
def test_reductions_without_identity_reject_an_empty_dim(backend, call):
    with pytest.raises(
        ShapeError,
        match=r"cannot reduce over dim 0 of size 0: "
        r"input.shape=\(0, 3\)",
    ):
        call(cg.zeros(0, 3))


def test_max_along_a_non_empty_dim_of_an_empty_tensor_is_fine(backend):
    assert cg.zeros(0, 3).max(dim=1).values.shape == (0,)


@pytest.mark.parametrize("op", ["var", "std", "norm"])
def test_integer_input_is_a_dtype_error(backend, op):
    with pytest.raises(
        DTypeError,
        match=rf"^{op}: needs a floating tensor, received "
        r"dtype=crossgrad.int64",
    ):
        getattr(cg.tensor([1, 2, 3]), op)()


def test_mean_of_integers_is_a_dtype_error(backend):
    with pytest.raises(DTypeError, match=r"mean: needs a floating tensor"):
        cg.tensor([1, 2]).mean()


def test_unbiased_and_correction_together_are_rejected(x):
    with pytest.raises(ValueError, match=r"var: pass either unbiased=True or correction=0"):
        x.var(unbiased=True, correction=0)


@pytest.mark.parametrize("p", ["nuc", "bad", float("nan")])
def test_norm_rejects_unsupported_p(x, p):
    with pytest.raises(ValueError, match=r"norm: unsupported p="):
        x.norm(p)


@pytest.mark.parametrize("size", [(3, 1), (2, 2, 3), (2, 2)])
def test_sum_to_size_rejects_a_size_that_does_not_broadcast(x, size):
    message = f"sum_to_size: size={size} is not expandable to the tensor's shape=(2, 3)"
    with pytest.raises(ShapeError, match=re.escape(message)):
        x.sum_to_size(size)
