"""no_grad, enable_grad, set_grad_enabled: as context managers and as decorators."""

import threading

import pytest

import crossgrad


@pytest.fixture
def x(backend):
    return crossgrad.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context_records_nothing_and_restores(x):
    with crossgrad.no_grad():
        y = x * 2.0
        assert not crossgrad.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert crossgrad.is_grad_enabled()
    assert (x * 2.0).requires_grad


def test_no_grad_decorator_records_nothing_inside_the_function(x):
    @crossgrad.no_grad()
    def double(t):
        return t * 2.0

    assert not double(x).requires_grad
    assert crossgrad.is_grad_enabled()


def test_no_grad_restores_the_mode_when_the_body_raises(x):
    with pytest.raises(KeyError), crossgrad.no_grad():
        raise KeyError("boom")
    assert crossgrad.is_grad_enabled()


def test_enable_grad_context_records_inside_no_grad(x):
    with crossgrad.no_grad():
        with crossgrad.enable_grad():
            y = x * 2.0
        z = x * 2.0
    assert y.requires_grad
    assert not z.requires_grad


def test_enable_grad_decorator_records_inside_no_grad(x):
    @crossgrad.enable_grad()
    def double(t):
        return t * 2.0

    with crossgrad.no_grad():
        y = double(x)
        assert not crossgrad.is_grad_enabled()
    assert y.requires_grad


def test_set_grad_enabled_false_as_context(x):
    with crossgrad.set_grad_enabled(False):
        y = x * 2.0
    assert not y.requires_grad
    assert crossgrad.is_grad_enabled()


def test_set_grad_enabled_true_as_context_inside_no_grad(x):
    with crossgrad.no_grad(), crossgrad.set_grad_enabled(True):
        y = x * 2.0
    assert y.requires_grad


def test_set_grad_enabled_as_decorator(x):
    @crossgrad.set_grad_enabled(False)
    def double(t):
        return t * 2.0

    assert crossgrad.is_grad_enabled()
    assert not double(x).requires_grad
    assert crossgrad.is_grad_enabled()


def test_set_grad_enabled_as_a_plain_call_takes_effect_at_once(x):
    try:
        crossgrad.set_grad_enabled(False)
        assert not (x * 2.0).requires_grad
    finally:
        crossgrad.set_grad_enabled(True)
    assert (x * 2.0).requires_grad


def test_grad_mode_is_per_thread(x):
    seen = []
    with crossgrad.no_grad():
        thread = threading.Thread(target=lambda: seen.append(crossgrad.is_grad_enabled()))
        thread.start()
        thread.join()
    assert seen == [True]


def test_autograd_namespace_exports_the_same_grad_modes():
    assert crossgrad.autograd.no_grad is crossgrad.no_grad
    assert crossgrad.autograd.enable_grad is crossgrad.enable_grad
    assert crossgrad.autograd.set_grad_enabled is crossgrad.set_grad_enabled
