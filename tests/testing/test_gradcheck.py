"""gradcheck and gradgradcheck: they pass correct gradients and catch wrong ones."""

import numpy as np
import pytest

import crossgrad
from crossgrad.autograd import Function
from crossgrad.testing import GradcheckError, gradcheck, gradgradcheck
from crossgrad.testing.gradcheck import FULL_JACOBIAN_LIMIT, max_gradient_error


def _x(shape=(3,), seed=0, requires_grad=True):
    values = np.random.default_rng(seed).uniform(0.5, 1.5, shape)
    return crossgrad.tensor(values, dtype=crossgrad.float64, requires_grad=requires_grad)


class WrongSquare(Function):
    """x**2 with backward 3x: first derivative wrong."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * x


class DetachedCube(Function):
    """x**3 whose backward is right in value but not differentiable (detaches x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3.0 * (x * x).detach()


def test_gradcheck_passes_correct_gradients(backend):
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp(), (_x(), _x(seed=1)))


def test_gradcheck_passes_multiple_outputs(backend):
    assert gradcheck(lambda a: (a.sin(), a * a), (_x(),))


def test_gradcheck_accepts_a_single_tensor(backend):
    assert gradcheck(lambda a: a * a, _x())


def test_gradcheck_catches_a_wrong_first_derivative(backend):
    with pytest.raises(GradcheckError, match=r"output 0 with respect to input 0"):
        gradcheck(WrongSquare.apply, (_x(),))


def test_gradcheck_error_names_the_worst_entry_and_both_values(backend):
    x = crossgrad.tensor([1.0, 2.0], dtype=crossgrad.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongSquare.apply, (x,))
    text = str(info.value)
    assert "2 of 4 entries differ" in text
    # d(x^2)/dx at x=2 is 4, the wrong backward says 6: the worst entry
    assert "output 0 at index (1,) with respect to input 0 at index (1,)" in text
    assert "numeric=4" in text and "analytic=6" in text


def test_gradcheck_names_the_input_that_is_wrong(backend):
    def f(a, scale, b):
        return a * scale + WrongSquare.apply(b)

    with pytest.raises(GradcheckError, match="with respect to input 2"):
        gradcheck(f, (_x(), 5.0, _x(seed=3)))


def test_gradcheck_ignores_inputs_without_requires_grad(backend):
    const = _x(requires_grad=False)
    assert gradcheck(lambda a, c: a * c, (_x(), const))


def test_gradcheck_returns_false_instead_of_raising_when_asked(backend):
    assert gradcheck(WrongSquare.apply, (_x(),), raise_exception=False) is False


def test_gradcheck_requires_float64_inputs(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(
        crossgrad.DTypeError,
        match=r"input 0 requires grad but has "
        r"dtype=crossgrad.float32[\s\S]*hint: .*float64",
    ):
        gradcheck(lambda a: a * a, (x,))


def test_gradcheck_without_any_input_requiring_grad_raises(backend):
    with pytest.raises(crossgrad.GraphError, match="no input requires grad"):
        gradcheck(lambda a: a * a, (_x(requires_grad=False),))


def test_gradcheck_does_not_modify_the_inputs_or_their_grad(backend):
    x = _x()
    before = x.detach().numpy().copy()
    version = x._version[0]
    gradcheck(lambda a: a.exp(), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x._version[0] == version
    assert x.grad is None


def test_unused_input_has_a_zero_gradient(backend):
    assert gradcheck(lambda a, b: a * 2.0, (_x(), _x(seed=1)))


def test_unused_input_that_matters_numerically_is_caught(backend):
    class IgnoresB(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            (b,) = ctx.saved_tensors
            return g * b, None

    with pytest.raises(GradcheckError, match="with respect to input 1"):
        gradcheck(
            IgnoresB.apply,
            (
                crossgrad.tensor([1.0], dtype=crossgrad.float64, requires_grad=True),
                _x((1,), seed=2),
            ),
        )


def test_large_inputs_use_random_directions(backend):
    big = _x((20, 20))
    assert big.numel() > FULL_JACOBIAN_LIMIT
    assert gradcheck(lambda a: (a * a).tanh(), (big,))
    with pytest.raises(GradcheckError, match=r"directional derivative mismatch.*u\^T J v"):
        gradcheck(WrongSquare.apply, (big,))


def test_integer_outputs_are_not_checked(backend):
    assert gradcheck(lambda a: (a * a, a > 1.0), (_x(),))


def test_gradgradcheck_passes_correct_second_derivatives(backend):
    assert gradgradcheck(lambda a, b: (a * b).tanh() * a, (_x(), _x(seed=1)))


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable(backend):
    assert gradcheck(DetachedCube.apply, (_x(),))
    with pytest.raises(
        GradcheckError, match=r"gradgradcheck: .*gradient of input 0 with respect to input 0"
    ):
        gradgradcheck(DetachedCube.apply, (_x(),))


def test_gradgradcheck_with_given_grad_outputs(backend):
    go = crossgrad.tensor([1.0, -2.0, 0.5], dtype=crossgrad.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a * a * a, (_x(),), grad_outputs=(go,))


def test_gradgradcheck_with_wrong_number_of_grad_outputs_raises(backend):
    go = crossgrad.tensor([1.0, 1.0, 1.0], dtype=crossgrad.float64)
    with pytest.raises(crossgrad.GraphError, match="got 2 grad_outputs for 1"):
        gradgradcheck(lambda a: a * a, (_x(),), grad_outputs=(go, go))


def test_gradgradcheck_on_large_inputs(backend):
    assert gradgradcheck(lambda a: a.exp() * a, (_x((20, 20)),))


def test_nondeterministic_backward_is_caught(backend):
    calls = []

    class Flaky(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g * (2.0 + 1e-3 * len(calls))

    with pytest.raises(GradcheckError, match="not reentrant"):
        gradcheck(Flaky.apply, (_x((2,)),), atol=1, rtol=1)
    calls.clear()
    assert gradcheck(Flaky.apply, (_x((2,)),), atol=1, rtol=1, nondet_tol=1.0)


def test_autograd_namespace_exports_the_checks():
    assert crossgrad.autograd.gradcheck is gradcheck
    assert crossgrad.autograd.gradgradcheck is gradgradcheck


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_max_gradient_error_measures_every_entry_without_raising():
    class Off(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.5

    error, ratio, failure = max_gradient_error(Off.apply, (_x((3,)),))
    assert error == pytest.approx(0.5, rel=1e-6)
    assert ratio > 1
    assert "Jacobian mismatch" in failure
    error, ratio, failure = max_gradient_error(lambda a: a.exp(), (_x((3,)),), order=2)
    assert failure is None and error < 1e-6 and ratio < 1
