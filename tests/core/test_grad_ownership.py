"""A new .grad owns its memory: taken over when nothing else holds it, copied otherwise."""

import numpy as np
import pytest

import crossgrad as cg


@pytest.fixture(autouse=True)
def _on_numpy():
    """Memory ownership is a question for mutable arrays; NumPy's can be checked with
    np.shares_memory (immutable JAX arrays may share buffers harmlessly)."""
    with cg.use_backend("numpy"):
        yield


@pytest.fixture
def copies(monkeypatch):
    backend = cg.get_backend("numpy")
    count = []
    original = backend.copy

    def counting_copy(array):
        count.append(array.shape)
        return original(array)

    monkeypatch.setattr(backend, "copy", counting_copy)
    return count


def test_fresh_gradient_is_taken_over_without_a_copy(copies):
    w = cg.tensor(np.ones((3, 3)), requires_grad=True)
    x = cg.tensor(np.ones((2, 3)))
    (x @ w).sum().backward()
    assert copies == []
    assert w.grad.tolist() == [[2.0] * 3] * 3


def test_one_gradient_reaching_two_leaves_gives_each_its_own_memory():
    a = cg.tensor([1.0, 2.0], requires_grad=True)
    b = cg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0]


def test_user_gradient_passed_through_is_copied_not_aliased():
    c = cg.tensor([1.0, 2.0], requires_grad=True)
    gradient = cg.tensor([5.0, 6.0])
    (c + 1.0).backward(gradient)
    c.grad.zero_()
    assert gradient.tolist() == [5.0, 6.0]


def test_gradient_that_is_a_view_is_copied():
    d = cg.tensor([[1.0, 2.0]], requires_grad=True)
    gradient = cg.tensor([[3.0, 4.0]])
    d.reshape(2).backward(gradient.reshape(2))
    assert d.grad.tolist() == [[3.0, 4.0]]
    d.grad.zero_()
    assert gradient.tolist() == [[3.0, 4.0]]


def test_gradient_held_by_a_hook_is_copied():
    kept = []
    e = cg.tensor([1.0, 2.0], requires_grad=True)
    h = e * 2.0
    h.register_hook(kept.append)
    h.sum().backward()
    e.grad.zero_()
    assert kept[0].tolist() == [1.0, 1.0]
