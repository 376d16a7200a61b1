"""Tensor hooks (leaves and non-leaves), handle.remove(), retain_grad()."""

import pytest

import crossgrad
from crossgrad.testing import assert_close


def test_hook_on_leaf_sees_the_gradient(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0]]
    assert_close(x.grad, [2.0, 4.0])


def test_hook_on_leaf_that_returns_a_tensor_replaces_the_gradient(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10.0)
    (x * x).sum().backward()
    assert_close(x.grad, [20.0, 40.0])


def test_hook_on_non_leaf_modifies_the_gradient_flowing_upstream(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.register_hook(lambda g: g * 0.5)
    (h * h).sum().backward()
    # dy/dh = 2h = (6, 12), halved by the hook, times dh/dx = 3
    assert_close(x.grad, [9.0, 18.0])
    assert h.grad is None


def test_removed_hook_is_not_called(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    (x * 2.0).sum().backward()
    handle.remove()
    (x * 2.0).sum().backward()
    assert calls == [1]


def test_removed_non_leaf_hook_is_not_called(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    h = x * 2.0
    handle = h.register_hook(lambda g: g * 100.0)
    handle.remove()
    h.sum().backward()
    assert_close(x.grad, [2.0])


def test_hooks_run_in_registration_order_each_seeing_the_previous_result(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: g + 1.0)
    x.register_hook(lambda g: seen.append(g.item()))
    (x * 2.0).sum().backward()
    assert seen == [3.0]
    assert_close(x.grad, [3.0])


def test_register_hook_on_tensor_without_grad_raises(backend):
    with pytest.raises(crossgrad.GraphError, match="does not require grad"):
        crossgrad.tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad_keeps_grad_of_non_leaf(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    (h * h).sum().backward()
    assert_close(h.grad, [6.0, 12.0])
    assert_close(x.grad, [18.0, 36.0])


def test_retained_grad_accumulates_over_two_backwards(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert_close(h.grad, [8.0])


def test_non_leaf_has_no_grad_without_retain_grad(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    h = x * 2.0
    (h * h).sum().backward()
    assert h.grad is None
    assert not h.is_leaf and x.is_leaf


def test_leaf_hook_applies_to_autograd_grad(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10.0)
    (g,) = crossgrad.autograd.grad((x * x).sum(), x)
    assert_close(g, [20.0, 40.0])


def test_non_leaf_hook_applies_to_autograd_grad(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    h.register_hook(lambda g: g * 10.0)
    gh, gx = crossgrad.autograd.grad((h * h).sum(), [h, x])
    assert_close(gh, [20.0, 40.0])
    assert_close(gx, [20.0, 40.0])


def test_retained_grad_sees_the_result_of_hooks_registered_later(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    h.register_hook(lambda g: g * 100.0)
    (h * h).sum().backward()
    assert_close(h.grad, [400.0])
    assert_close(x.grad, [800.0])
