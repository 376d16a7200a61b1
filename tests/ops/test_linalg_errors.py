"""Every error the linear-algebra ops raise: its class, the op it names, the values shown."""

import re

import pytest

import crossgrad
from crossgrad import DTypeError, ShapeError


def _raises(cls, message):
    return pytest.raises(cls, match=re.escape(message))


def z(*shape):
    return crossgrad.zeros(*shape)


def test_matmul_inner_dimension_mismatch_shows_both_shapes(backend):
    with pytest.raises(
        ShapeError,
        match=r"matmul: inner dimensions differ: x.shape=\(3, 4\), "
        r"y.shape=\(5, 2\)\nhint: x.shape\[-1\] \(4\) must equal y.shape\[-2\] "
        r"\(5\)",
    ):
        crossgrad.matmul(z(3, 4), z(5, 2))


def test_matmul_vector_mismatch_names_the_vector_dim(backend):
    with pytest.raises(
        ShapeError,
        match=r"matmul: inner dimensions differ: x.shape=\(3, 4\), "
        r"y.shape=\(3,\)\nhint: .*y.shape\[0\] \(3\)",
    ):
        z(3, 4) @ z(3)


def test_matmul_batch_dims_that_do_not_broadcast_raise(backend):
    with pytest.raises(ShapeError, match=r"matmul: shapes cannot be broadcast together"):
        crossgrad.matmul(z(2, 3, 4), z(3, 4, 5))


def test_matmul_of_a_0d_tensor_raises(backend):
    with pytest.raises(
        ShapeError,
        match=r"matmul: both operands need at least 1 dim: "
        r"x.shape=\(\), y.shape=\(3,\)",
    ):
        crossgrad.matmul(crossgrad.tensor(2.0), z(3))


def test_matmul_of_bool_tensors_raises(backend):
    with pytest.raises(DTypeError, match=r"matmul: not defined for bool tensors"):
        crossgrad.matmul(z(2, 2) > 0, z(2, 2) > 0)


def test_matmul_of_a_non_tensor_raises(backend):
    with pytest.raises(DTypeError, match=r"matmul: x must be a Tensor, received list"):
        crossgrad.matmul([[1.0]], z(1, 1))


def test_mm_on_3d_raises(backend):
    with pytest.raises(
        ShapeError,
        match=r"mm: expected 2-D tensors, received "
        r"x.shape=\(2, 3, 4\), y.shape=\(4, 5\)",
    ):
        crossgrad.mm(z(2, 3, 4), z(4, 5))


def test_mm_inner_mismatch_names_mm(backend):
    with pytest.raises(ShapeError, match=r"mm: inner dimensions differ"):
        crossgrad.mm(z(2, 3), z(4, 5))


def test_bmm_batch_mismatch_raises(backend):
    with pytest.raises(
        ShapeError,
        match=r"bmm: batch sizes differ: x.shape=\(2, 3, 4\), "
        r"y.shape=\(3, 4, 5\)\nhint: bmm does not broadcast",
    ):
        crossgrad.bmm(z(2, 3, 4), z(3, 4, 5))


def test_bmm_on_2d_raises(backend):
    with pytest.raises(ShapeError, match=r"bmm: expected 3-D tensors"):
        crossgrad.bmm(z(3, 4), z(4, 5))


def test_mv_shape_errors(backend):
    with pytest.raises(ShapeError, match=r"mv: expected a 2-D and a 1-D tensor"):
        crossgrad.mv(z(3, 4), z(4, 1))


def test_dot_needs_1d_operands_of_one_length(backend):
    with pytest.raises(ShapeError, match=r"dot: expected 1-D tensors"):
        crossgrad.dot(z(3, 1), z(3))
    with pytest.raises(ShapeError, match=r"dot: sizes differ: x.shape=\(3,\), y.shape=\(4,\)"):
        crossgrad.dot(z(3), z(4))


def test_outer_needs_1d_operands(backend):
    with pytest.raises(ShapeError, match=r"outer: expected 1-D tensors"):
        crossgrad.outer(z(3, 1), z(3))


@pytest.mark.parametrize(
    "equation, shapes, match",
    [
        ("ij,jk->ik", [(2, 3)], r"einsum: the equation has 2 operand\(s\) but 1 were given"),
        ("ij->i->j", [(2, 3)], r"einsum: more than one '->'"),
        ("i1->i", [(2, 3)], r"einsum: invalid subscripts 'i1'"),
        ("...i...->i", [(2, 3)], r"einsum: invalid subscripts '...i...'"),
        ("ijk->i", [(2, 3)], r"einsum: operand 0 has 2 dims but subscripts 'ijk'"),
        ("i->i", [(2, 3)], r"einsum: operand 0 has 2 dims but subscripts 'i'"),
        ("ij->k", [(2, 3)], r"einsum: output subscript 'k' appears in no input"),
        ("ij->ii", [(2, 3)], r"einsum: output subscript 'i' appears twice"),
        ("ij,jk->ik", [(2, 3), (4, 5)], r"einsum: subscript 'j' has sizes 3 and 4"),
        ("ii->i", [(2, 3)], r"einsum: repeated subscript 'i' on dims of different sizes"),
    ],
)
def test_einsum_bad_equations_raise(backend, equation, shapes, match):
    with pytest.raises(ShapeError, match=match):
        crossgrad.einsum(equation, *[z(*s) for s in shapes])


def test_einsum_non_tensor_operand_raises(backend):
    with pytest.raises(DTypeError, match=r"einsum: operands\[1\] must be a Tensor"):
        crossgrad.einsum("i,i->", z(2), [1.0, 2.0])


def test_linear_in_features_must_match(backend):
    with _raises(
        ShapeError,
        "linear: input features do not match the weight: "
        "input.shape=(3, 4), weight.shape=(5, 3)\nhint: weight must have shape",
    ):
        crossgrad.nn.functional.linear(z(3, 4), z(5, 3))


def test_linear_bias_must_match_out_features(backend):
    with _raises(
        ShapeError, "linear: bias does not match the weight: bias.shape=(4,), weight.shape=(5, 3)"
    ):
        crossgrad.nn.functional.linear(z(2, 3), z(5, 3), z(4))
