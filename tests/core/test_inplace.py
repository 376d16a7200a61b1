"""In-place ops and version counters: what autograd allows and what it refuses."""

import pytest

import crossgrad
from crossgrad.testing import assert_close


def test_modifying_a_saved_input_in_place_then_backward_raises(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = h * h  # saves h
    h.add_(1.0)
    with pytest.raises(
        crossgrad.InplaceError, match=r"MulBackward.*modified by an in-place.*version 0.*version 1"
    ):
        y.sum().backward()


def test_modifying_a_saved_output_in_place_then_backward_raises(backend):
    x = crossgrad.tensor([0.5], requires_grad=True)
    y = x.exp()  # exp saves its output
    y.mul_(2.0)
    with pytest.raises(crossgrad.InplaceError, match=r"ExpBackward.*saved at version 0"):
        y.sum().backward()


def test_modifying_a_tensor_saved_by_a_custom_function_raises(backend):
    class Square(crossgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2 * x

    x = crossgrad.tensor([1.0], requires_grad=True)
    h = x * 1.0
    y = Square.apply(h)
    h.mul_(3.0)
    with pytest.raises(crossgrad.InplaceError, match="SquareBackward"):
        y.sum().backward()


def test_in_place_change_of_a_tensor_nobody_saved_is_allowed(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0  # mul by a scalar saves nothing
    h.add_(1.0)
    (h * 3.0).sum().backward()
    assert_close(x.grad, [6.0, 6.0])


def test_in_place_op_is_recorded_in_the_graph(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    h.mul_(x)  # h = x * x
    h.sum().backward()
    assert_close(x.grad, [2.0, 4.0])


def test_in_place_op_bumps_the_version(backend):
    t = crossgrad.tensor([1.0, 2.0])
    before = t._version[0]
    t.add_(1.0)
    t += 1.0
    assert t._version[0] == before + 2
    assert_close(t, [3.0, 4.0])


def test_in_place_on_leaf_requiring_grad_raises(backend):
    w = crossgrad.tensor([1.0], requires_grad=True)
    with pytest.raises(crossgrad.InplaceError, match="sub_: a leaf tensor that requires grad"):
        w -= 0.1


def test_in_place_on_leaf_requiring_grad_works_under_no_grad(backend):
    w = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with crossgrad.no_grad():
        w -= 0.5 * w.grad
        w.grad.zero_()
    assert_close(w, [0.0, 0.0])
    assert_close(w.grad, [0.0, 0.0])
    assert w.is_leaf and w.requires_grad


def test_failed_in_place_op_leaves_the_tensor_unchanged(backend):
    w = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(crossgrad.InplaceError):
        w.mul_(3.0)
    assert_close(w.detach(), [1.0, 2.0])


def test_in_place_float_result_into_int_tensor_raises(backend):
    t = crossgrad.tensor([1, 2])
    with pytest.raises(crossgrad.DTypeError, match=r"mul_.*float32.*int64"):
        t.mul_(1.5)
    assert t.tolist() == [1, 2]


def test_detached_tensor_shares_the_version_counter(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    y = x.exp()
    d = y.detach()
    with crossgrad.no_grad():
        d.add_(1.0)
    with pytest.raises(crossgrad.InplaceError, match="ExpBackward"):
        y.sum().backward()


def test_in_place_on_a_detached_tensor_is_allowed_with_grad_enabled(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    d = y.detach()
    d.zero_()
    assert_close(d, [0.0, 0.0])
    if not crossgrad.get_backend().mutable:
        pytest.skip("immutable arrays: an in-place op rebinds only the detached tensor")
    assert_close(y.detach(), [0.0, 0.0])
