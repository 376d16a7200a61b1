"""User-defined autograd Functions: the ctx API and the contract the engine enforces."""

import pytest

import crossgrad
from crossgrad.autograd import Function, once_differentiable
from crossgrad.testing import assert_close, gradcheck, gradgradcheck


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_save_for_backward_gives_the_tensors_back_in_backward(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    assert_close(x.grad, [3.0, 12.0])


def test_function_output_records_a_node_named_after_the_function(backend):
    y = Cube.apply(crossgrad.tensor([1.0], requires_grad=True))
    assert y.grad_fn.name == "CubeBackward"
    assert not y.is_leaf


def test_function_forward_runs_without_recording(backend):
    inside = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            inside.append(crossgrad.is_grad_enabled())
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    Probe.apply(crossgrad.tensor([1.0], requires_grad=True))
    assert inside == [False]


def test_function_of_inputs_without_grad_records_nothing(backend):
    y = Cube.apply(crossgrad.tensor([2.0]))
    assert not y.requires_grad and y.grad_fn is None
    assert_close(y, [8.0])


def test_cube_passes_gradcheck_and_gradgradcheck(backend):
    x = crossgrad.tensor([0.5, -1.5, 2.0], dtype=crossgrad.float64, requires_grad=True)
    assert gradcheck(Cube.apply, (x,))
    assert gradgradcheck(Cube.apply, (x,))


def test_needs_input_grad_says_which_inputs_require_grad(backend):
    seen = []

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            seen.append(ctx.needs_input_grad)
            ctx.save_for_backward(a, b)
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = g * b if ctx.needs_input_grad[0] else None
            gb = g * a if ctx.needs_input_grad[1] else None
            return ga, gb, None

    a = crossgrad.tensor([2.0], requires_grad=True)
    b = crossgrad.tensor([5.0])
    Mul.apply(a, b, 3.0).sum().backward()
    assert tuple(seen[0]) == (True, False, False)
    assert_close(a.grad, [5.0])


def test_mark_non_differentiable_output_does_not_require_grad(backend):
    class SortedWithMask(Function):
        @staticmethod
        def forward(ctx, x):
            positive = x > 0
            ctx.mark_non_differentiable(positive)
            return x * 2.0, positive

        @staticmethod
        def backward(ctx, g, g_mask):
            return g * 2.0

    x = crossgrad.tensor([-1.0, 3.0], requires_grad=True)
    y, mask = SortedWithMask.apply(x)
    assert y.requires_grad
    assert not mask.requires_grad
    y.sum().backward()
    assert_close(x.grad, [2.0, 2.0])


def test_mark_non_differentiable_on_a_float_output(backend):
    class TwoOut(Function):
        @staticmethod
        def forward(ctx, x):
            stat = x.sum()
            ctx.mark_non_differentiable(stat)
            return x * 3.0, stat

        @staticmethod
        def backward(ctx, g, g_stat):
            return g * 3.0

    y, stat = TwoOut.apply(crossgrad.tensor([1.0, 2.0], requires_grad=True))
    assert y.requires_grad and not stat.requires_grad


def test_mark_dirty_lets_forward_modify_a_non_leaf_input_in_place(backend):
    class DoubleInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2.0)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    leaf = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = leaf * 1.0
    y = DoubleInPlace.apply(h)
    assert y is h
    assert y.grad_fn.name == "DoubleInPlaceBackward"
    assert_close(h, [2.0, 4.0])
    (y * y).sum().backward()
    assert_close(leaf.grad, [8.0, 16.0])  # d/dleaf (2 leaf)^2 = 8 leaf


def test_mark_dirty_on_a_leaf_that_requires_grad_raises(backend):
    class Bump(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(crossgrad.InplaceError, match="Bump: forward modified a leaf"):
        Bump.apply(crossgrad.tensor([1.0], requires_grad=True))


class TwoOutputs(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2.0, x * 3.0

    @staticmethod
    def backward(ctx, ga, gb):
        ctx.got = (ga, gb)
        total = None
        if ga is not None:
            total = ga * 2.0
        if gb is not None:
            total = gb * 3.0 if total is None else total + gb * 3.0
        return total


def test_unused_output_gets_a_zero_gradient_by_default(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    a, _ = TwoOutputs.apply(x)
    a.sum().backward()
    _, gb = a.grad_fn.got
    assert gb is not None
    assert_close(gb, [0.0])
    assert_close(x.grad, [2.0])


def test_set_materialize_grads_false_passes_none_for_unused_outputs(backend):
    class Lazy(TwoOutputs):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2.0, x * 3.0

    x = crossgrad.tensor([1.0], requires_grad=True)
    a, _ = Lazy.apply(x)
    a.sum().backward()
    _, gb = a.grad_fn.got
    assert gb is None
    assert_close(x.grad, [2.0])


class OnceCube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_once_differentiable_backward_gives_first_order_gradients(backend):
    x = crossgrad.tensor([2.0], requires_grad=True)
    OnceCube.apply(x).sum().backward()
    assert_close(x.grad, [12.0])


def test_once_differentiable_backward_runs_without_recording(backend):
    x = crossgrad.tensor([2.0], requires_grad=True)
    (g,) = crossgrad.autograd.grad(OnceCube.apply(x).sum(), x)
    assert not g.requires_grad


def test_second_order_through_once_differentiable_raises(backend):
    x = crossgrad.tensor([2.0], requires_grad=True)
    y = OnceCube.apply(x)
    # (y * y) makes the gradient reaching OnceCubeBackward depend on x.
    (g,) = crossgrad.autograd.grad((y * y).sum(), x, create_graph=True)
    assert g.requires_grad
    assert_close(g.detach(), [2 * 8.0 * 12.0])
    with pytest.raises(crossgrad.GraphError, match="OnceCubeBackward.*once_differentiable"):
        crossgrad.autograd.grad(g.sum(), x)


def test_backward_returning_too_many_gradients_raises_naming_the_function(backend):
    class TooMany(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0, g

    y = TooMany.apply(crossgrad.tensor([1.0], requires_grad=True))
    with pytest.raises(
        crossgrad.GradientContractError,
        match=r"TooMany\.backward returned 2 gradients.*took 1 input",
    ):
        y.sum().backward()


def test_backward_may_leave_out_trailing_nones(backend):
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, factor):
            return x * factor

        @staticmethod
        def backward(ctx, g):
            return g * 4.0, None, None

    x = crossgrad.tensor([1.0], requires_grad=True)
    Scale.apply(x, 4.0).sum().backward()
    assert_close(x.grad, [4.0])


def test_backward_returning_too_few_gradients_raises_naming_the_function(backend):
    class TooFew(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = crossgrad.tensor([1.0], requires_grad=True)
    b = crossgrad.tensor([1.0], requires_grad=True)
    with pytest.raises(
        crossgrad.GradientContractError,
        match=r"TooFew\.backward returned 1 gradients.*took 2 inputs",
    ):
        TooFew.apply(a, b).sum().backward()


def test_backward_returning_the_wrong_shape_raises_naming_the_function(backend):
    class WrongShape(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return crossgrad.ones(5)

    y = WrongShape.apply(crossgrad.tensor([1.0, 2.0], requires_grad=True))
    with pytest.raises(
        crossgrad.GradientContractError,
        match=r"WrongShape\.backward returned gradient 0 of shape \(5,\)",
    ):
        y.backward()


def test_backward_returning_a_non_tensor_raises(backend):
    class NotATensor(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return 1.0

    y = NotATensor.apply(crossgrad.tensor([1.0], requires_grad=True))
    with pytest.raises(crossgrad.GradientContractError, match=r"NotATensor\.backward.*float"):
        y.sum().backward()


def test_backward_gradient_that_broadcasts_is_summed_to_the_input_shape(backend):
    class Broadcasting(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g.expand(3, 2) if g.ndim == 1 else g

    x = crossgrad.tensor([1.0, 1.0], requires_grad=True)
    Broadcasting.apply(x).sum().backward()
    assert_close(x.grad, [3.0, 3.0])


def test_saved_tensors_after_backward_raise_second_time(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    y = Cube.apply(x)
    y.sum().backward()
    with pytest.raises(crossgrad.GraphError, match="second time"):
        y.grad_fn.saved_tensors  # noqa: B018


def test_observers_see_each_top_level_op_once_with_its_result():
    from crossgrad.core import function

    seen = []
    function.OBSERVERS.append(lambda op, inputs, result: seen.append((op.__name__, result)))
    try:
        x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
        y = crossgrad.tanh(x * 2.0)
    finally:
        function.OBSERVERS.clear()
    assert [name for name, _ in seen] == ["MulScalar", "Tanh"]
    assert seen[-1][1] is y
    crossgrad.tanh(x)  # no observers: nothing recorded
    assert len(seen) == 2
