"""backward() and autograd.grad(): accumulation, graph lifetime, misuse, long chains, order."""

import numpy as np
import pytest

import crossgrad
from crossgrad.testing import assert_close


def test_grad_accumulates_across_two_backward_calls(backend):
    x = crossgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    assert_close(x.grad, [2.0 + 3.0, 4.0 + 3.0, 6.0 + 3.0])


def test_grad_accumulates_when_input_is_reused_in_one_graph(backend):
    x = crossgrad.tensor([2.0], requires_grad=True)
    y = x * x + x * 4.0 + x  # d/dx = 2x + 4 + 1
    y.sum().backward()
    assert_close(x.grad, [9.0])


def test_grad_is_a_tensor_on_the_inputs_backend_with_the_inputs_dtype(backend):
    x = crossgrad.tensor([1.0, 2.0], dtype=crossgrad.float64, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.backend == backend
    assert x.grad.dtype is crossgrad.float64
    assert not x.grad.requires_grad


def test_second_backward_without_retain_graph_raises(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(crossgrad.GraphError, match="second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_close(x.grad, [4.0, 8.0])


def test_grad_second_call_without_retain_graph_raises(backend):
    x = crossgrad.tensor([1.5], requires_grad=True)
    y = (x.sin() * x).sum()
    crossgrad.autograd.grad(y, x)
    with pytest.raises(crossgrad.GraphError, match="second time"):
        crossgrad.autograd.grad(y, x)


def test_backward_on_non_scalar_without_gradient_raises(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(crossgrad.GraphError, match=r"one-element.*shape=\(2,\)"):
        (x * 2.0).backward()


def test_backward_on_non_scalar_with_gradient_weights_the_outputs(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(crossgrad.tensor([10.0, 100.0]))
    assert_close(x.grad, [20.0, 400.0])


def test_backward_with_gradient_of_wrong_shape_raises(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(crossgrad.ShapeError, match=r"gradient.shape=\(3,\)"):
        (x * x).backward(crossgrad.tensor([1.0, 1.0, 1.0]))


def test_backward_on_tensor_without_graph_raises(backend):
    x = crossgrad.tensor([1.0, 2.0])
    with pytest.raises(crossgrad.GraphError, match="does not require grad"):
        (x * 2.0).sum().backward()


def test_backward_on_result_computed_under_no_grad_raises(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    with crossgrad.no_grad():
        y = (x * 2.0).sum()
    with pytest.raises(crossgrad.GraphError, match="no grad_fn"):
        y.backward()


def test_grad_of_input_not_in_graph_raises(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    unused = crossgrad.tensor([1.0], requires_grad=True)
    with pytest.raises(crossgrad.GraphError, match="input 1 was not used"):
        crossgrad.autograd.grad((x * x).sum(), [x, unused])


def test_grad_with_allow_unused_gives_none_for_unused_inputs(backend):
    x = crossgrad.tensor([3.0], requires_grad=True)
    unused = crossgrad.tensor([1.0], requires_grad=True)
    gx, gu = crossgrad.autograd.grad((x * x).sum(), [x, unused], allow_unused=True)
    assert_close(gx, [6.0])
    assert gu is None


def test_grad_of_input_that_does_not_require_grad_raises(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    c = crossgrad.tensor([1.0])
    with pytest.raises(crossgrad.GraphError, match="input 1 does not require grad"):
        crossgrad.autograd.grad((x * c).sum(), [x, c])


def test_grad_does_not_accumulate_into_dot_grad(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    (g,) = crossgrad.autograd.grad((x * x).sum(), x)
    assert_close(g, [2.0, 4.0])
    assert x.grad is None


def test_grad_with_respect_to_an_intermediate_tensor(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    y = (h * h).sum()
    gh, gx = crossgrad.autograd.grad(y, [h, x])
    assert_close(gh, [6.0, 12.0])
    assert_close(gx, [18.0, 36.0])


def test_backward_with_inputs_accumulates_only_into_those(backend):
    a = crossgrad.tensor([1.0], requires_grad=True)
    b = crossgrad.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert_close(a.grad, [2.0])
    assert b.grad is None


def test_backward_through_a_100k_node_chain_does_not_recurse(backend):
    x = crossgrad.tensor([1.0], dtype=crossgrad.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.sum().backward()
    assert_close(x.grad, [1.0000001**100_000], rtol=1e-9)


def test_grad_through_a_100k_node_chain_of_additions(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 0
    (g,) = crossgrad.autograd.grad(y.sum(), x)
    assert_close(g, [1.0])


def test_third_derivative_of_x_to_the_fourth(backend):
    x = crossgrad.tensor(2.0, dtype=crossgrad.float64, requires_grad=True)
    (d1,) = crossgrad.autograd.grad(x**4, x, create_graph=True)
    (d2,) = crossgrad.autograd.grad(d1, x, create_graph=True)
    (d3,) = crossgrad.autograd.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == pytest.approx((4 * 8, 12 * 4, 24 * 2))


def test_create_graph_backward_gives_a_differentiable_grad(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = crossgrad.autograd.grad(x.grad.sum(), x)
    assert_close(g2, [6.0, 12.0])


def test_grad_of_multiple_outputs_with_grad_outputs(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 2.0, x * x
    (g,) = crossgrad.autograd.grad([a, b], x, [crossgrad.ones(2), crossgrad.ones(2) * 10.0])
    assert_close(g, [2.0 + 20.0, 2.0 + 40.0])


def test_diamond_graph_sums_both_paths(backend):
    x = crossgrad.tensor(np.array([0.3, -0.7]), requires_grad=True)
    h = x.tanh()
    y = (h.exp() + h * h).sum()
    y.backward()
    t = np.tanh([0.3, -0.7])
    assert_close(x.grad, (np.exp(t) + 2 * t) * (1 - t * t))
