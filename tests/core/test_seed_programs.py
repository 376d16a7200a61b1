"""The README's first programs, on every backend, with their values checked by hand."""

import crossgrad
from crossgrad.testing import assert_close


def test_first_program_takes_one_sgd_step_and_zeroes_the_grad(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x**2
    z = (y + 1) / x
    loss = ((z - 1) ** 2).sum()
    loss.backward()
    # z = x + 1/x; loss = sum (z - 1)^2; dloss/dx = 2 (z - 1) (1 - 1/x^2)
    assert_close(loss, 1.0 + 2.25)
    assert_close(x.grad, [0.0, 2.0 * 1.5 * 0.75])
    with crossgrad.no_grad():
        x -= 0.01 * x.grad
        x.grad.zero_()
    assert_close(x, [1.0, 2.0 - 0.01 * 2.25])
    assert_close(x.grad, [0.0, 0.0])
    assert x.is_leaf and x.requires_grad


def test_first_program_second_step_accumulates_into_the_zeroed_grad(backend):
    x = crossgrad.tensor([2.0], requires_grad=True)
    for _ in range(2):
        loss = (((x**2 + 1) / x - 1) ** 2).sum()
        loss.backward()
        first = x.grad.item()
        with crossgrad.no_grad():
            x -= 0.01 * x.grad
            x.grad.zero_()
    assert first != 2.25  # the second step saw the updated x, not a stale grad
    assert_close(x.grad, [0.0])


class Cube(crossgrad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_custom_cube_function_gives_3x_squared(backend):
    x = crossgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = Cube.apply(x)
    assert_close(y, [1.0, 8.0, 27.0])
    y.sum().backward()
    assert_close(x.grad, [3.0, 12.0, 27.0])


def test_autograd_grad_twice_gives_the_second_derivative(backend):
    x = crossgrad.tensor(3.0, requires_grad=True)
    (dx,) = crossgrad.autograd.grad(x**3, x, create_graph=True)
    (dxx,) = crossgrad.autograd.grad(dx, x)
    assert_close(dx, 27.0)
    assert_close(dxx, 18.0)
    assert x.grad is None
