"""The op-table checks catch each kind of broken op, and OpCase's skip data works."""

import numpy as np
import pytest

import crossgrad
from crossgrad.autograd import Function
from crossgrad.testing import Arg, GradcheckError, OpCase, optable


class WrongGrad(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2.0

    @staticmethod
    def backward(ctx, g):
        return g * 3.0


class NotTwiceDifferentiable(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * (x * x).detach()


def _layout_sensitive(x):
    """Reads memory order: right only on contiguous data."""
    flat = x.detach().numpy().ravel(order="K")
    return crossgrad.tensor(flat.reshape(x.shape))


GOOD = OpCase("exp", crossgrad.exp, np.exp, [Arg((2, 3))])


def test_every_check_passes_a_correct_op(backend):
    for check in optable.applicable_checks(GOOD):
        getattr(
            optable,
            {
                "forward": "check_forward",
                "float32": "check_float32",
                "noncontiguous": "check_noncontiguous",
                "grad": "check_grad",
                "gradgrad": "check_gradgrad",
            }[check],
        )(GOOD)


def test_forward_check_catches_a_wrong_value(backend):
    case = OpCase("bad", crossgrad.exp, lambda x: np.exp(x) + 1e-6, [Arg((2, 3))])
    with pytest.raises(AssertionError, match=r"bad: float64 forward, output 0"):
        optable.check_forward(case)


def test_forward_check_catches_a_wrong_output_count(backend):
    case = OpCase("two", lambda x: (x, x), lambda x: x, [Arg((2,))])
    with pytest.raises(AssertionError, match="fn returned 2 outputs, the reference 1"):
        optable.check_forward(case)


def test_forward_check_catches_a_float_result_where_the_reference_is_bool(backend):
    case = OpCase("cmp", lambda x: x * 1.0, lambda x: x > 0, [Arg((2,))])
    with pytest.raises(AssertionError, match="reference has dtype bool"):
        optable.check_forward(case)


def test_float32_check_catches_a_silent_upcast(backend):
    case = OpCase("upcast", lambda x: x.double() * 2.0, lambda x: x * 2.0, [Arg((2,))])
    with pytest.raises(AssertionError, match="float32 inputs gave a float64 output"):
        optable.check_float32(case)


def test_float32_check_uses_float32_tolerance(backend):
    # float32 rounding of exp is ~1e-7 relative: beyond float64's rtol, within float32's.
    case = OpCase("exp", crossgrad.exp, np.exp, [Arg((50,), low=-5, high=5)])
    optable.check_float32(case)


def test_noncontiguous_check_catches_a_layout_sensitive_op(backend):
    case = OpCase("layout", _layout_sensitive, lambda x: x, [Arg((3, 4))], grad=False)
    optable.check_forward(case)
    if backend == "numpy":
        with pytest.raises(AssertionError, match="forward on (transposed|strided) inputs"):
            optable.check_noncontiguous(case)


def test_grad_check_catches_a_wrong_gradient(backend):
    case = OpCase("wrong", WrongGrad.apply, lambda x: 2 * x, [Arg((3,))])
    optable.check_forward(case)
    with pytest.raises(GradcheckError):
        optable.check_grad(case)


def test_gradgrad_check_catches_a_backward_that_is_not_differentiable(backend):
    case = OpCase("once", NotTwiceDifferentiable.apply, lambda x: x**3, [Arg((3,))])
    optable.check_grad(case)
    with pytest.raises(GradcheckError, match="gradgradcheck"):
        optable.check_gradgrad(case)


def test_constant_inputs_are_not_differentiated(backend):
    case = OpCase(
        "scale",
        lambda x, n: x * n,
        lambda x, n: x * n,
        [Arg((3,)), Arg((3,), low=1, high=4, dtype="int64")],
    )
    tensors = optable.to_tensors(case, case.make_inputs())
    assert tensors[0].requires_grad and tensors[0].dtype is crossgrad.float64
    assert not tensors[1].requires_grad and tensors[1].dtype is crossgrad.int64
    optable.check_grad(case)


def test_applicable_checks():
    assert optable.applicable_checks(GOOD) == [
        "forward",
        "float32",
        "noncontiguous",
        "grad",
        "gradgrad",
    ]
    ints = OpCase("i", crossgrad.neg, np.negative, [Arg((3,), dtype="int64")])
    assert optable.applicable_checks(ints) == ["forward"]
    flat = OpCase("f", crossgrad.neg, np.negative, [Arg((3,))], gradgrad=False)
    assert optable.applicable_checks(flat) == ["forward", "float32", "grad"]
    empty = OpCase("e", crossgrad.neg, np.negative, [Arg((0, 3))], grad=False)
    assert optable.applicable_checks(empty) == ["forward", "float32"]


def test_skip_reason_prefers_the_most_specific_key():
    case = OpCase(
        "c",
        abs,
        abs,
        [Arg((1,))],
        skips={"jax:grad": "jax grad gap", "*:float32": "all float32", "cupy": "no cupy"},
    )
    assert case.skip_reason("jax", "grad") == "jax grad gap"
    assert case.skip_reason("jax", "forward") is None
    assert case.skip_reason("numpy", "float32") == "all float32"
    assert case.skip_reason("cupy", "forward") == "no cupy"
    assert case.skip_reason("numpy") is None
