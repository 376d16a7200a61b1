"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, norm, cumsum, all/any, arg*.

Each op's kernel and derivative sit side by side; derivatives are Tensor expressions, so
they are differentiable again. A 0-d input reduces over no dims (dim 0 and -1 name the
tensor itself, as in PyTorch).
"""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple, overload

from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.function import Node, Op
from crossgrad.ops import direct
from crossgrad.ops import elementwise as ew
from crossgrad.ops._util import (
    Tensor,
    accumulates_in_float32,
    cast,
    expect_tensor,
    floating,
    normalize_dim,
    normalize_dims,
    shape_arg,
    unbroadcast,
)
from crossgrad.ops.creation import arange
from crossgrad.ops.shape import flip, unsqueeze

__all__ = [
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "var",
    "std",
    "logsumexp",
    "norm",
    "cumsum",
    "all",
    "any",
]


# ====================================================================== helpers


def _reduce_dims(input: Tensor, dim: Any, op: str) -> tuple[int, ...]:  # noqa: A002
    """The dims to reduce, sorted: all for None (or an empty tuple); none for a 0-d input."""
    if dim is not None and not isinstance(dim, int) and len(dim) == 0:
        dim = None
    dims = normalize_dims(dim, input.ndim, op)
    return dims if input.ndim else ()


def _check_nonempty(op: str, input: Tensor, dims: tuple[int, ...]) -> None:  # noqa: A002
    """Raise for reductions without an identity (max, argmax, ...) over an empty dim."""
    for d in dims:
        if input.shape[d] == 0:
            raise ShapeError(
                f"{op}: cannot reduce over dim {d} of size 0: input.shape={input.shape}; "
                "the reduction has no identity value",
                hint="reduce over a non-empty dim (pass dim=), or check for empty input first",
            )


def _keepdim(g: Tensor, dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """A reduced tensor with its reduced dims back as size 1 (a no-op under keepdim)."""
    if keepdim or not dims:
        return g
    kept = list(g.shape)
    for dim in dims:
        kept.insert(dim, 1)
    return direct.reshape(g, tuple(kept))


def _expand_back(g: Tensor, shape: tuple[int, ...], dims: tuple[int, ...], keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced ``dims`` of ``shape``."""
    return direct.expand(_keepdim(g, dims, keepdim), shape)


def _count(shape: tuple[int, ...], dims: tuple[int, ...]) -> int:
    return math.prod(shape[d] for d in dims)


def _needs_float(op: str, input: Tensor) -> Tensor:  # noqa: A002
    if input.dtype.category != dtypes.FLOATING:
        raise DTypeError(
            f"{op}: needs a floating tensor, received dtype={input.dtype!r}",
            hint="cast first with .float() or .double()",
        )
    return input


def _with_dtype(input: Tensor, dtype: Any) -> Tensor:  # noqa: A002
    """``input`` cast to ``dtype=`` (so gradients come back in the input's dtype)."""
    return input if dtype is None else cast(input, dtypes.as_dtype(dtype))


def _int64_if_integral(input: Tensor) -> Any:  # noqa: A002
    """The native accumulator dtype PyTorch uses: int64 for bool and integer inputs."""
    if input.dtype.category == dtypes.FLOATING:
        return None
    return input._backend.native_dtype(dtypes.int64)


# ====================================================================== sum, mean, prod


def _numeric(xp: Any, x: Any, dtype: Any) -> Any:
    """``x``, with bools cast to the accumulator ``dtype`` first: the array API sums numeric
    arrays only."""
    if dtypes.category_of(x.dtype) != dtypes.BOOL:
        return x
    return xp.astype(x, xp.int64 if dtype is None else dtype)


class Sum(Op):
    name = "sum"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        return xp.sum(_numeric(xp, x, dtype), axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return ctx.call(x, dims, keepdim, dtype)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None, None]:
        shape, dims, keepdim = ctx.shape, ctx.dims, ctx.keepdim
        return _expand_back(g, shape, dims, keepdim), None, None, None


def sum(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,  # noqa: A001, A002
    dtype: Any = None,
) -> Tensor:
    """Sum over ``dim`` (all dims when None); bool and integer sums give int64.

    >>> import crossgrad
    >>> crossgrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    input = _with_dtype(expect_tensor(input, "sum"), dtype)
    dims = _reduce_dims(input, dim, "sum")
    return Sum.apply(input, dims, keepdim, _int64_if_integral(input))


def mean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,  # noqa: A002
    dtype: Any = None,
) -> Tensor:
    """Mean over ``dim`` (all dims when None); floating inputs only, as in PyTorch."""
    input = _with_dtype(expect_tensor(input, "mean"), dtype)
    if input.dtype.category != dtypes.FLOATING:
        raise DTypeError(
            f"mean: needs a floating tensor, received dtype={input.dtype!r}",
            hint="cast first with .float(), or pass dtype=crossgrad.float32",
        )
    return Mean.apply(input, _reduce_dims(input, dim, "mean"), keepdim)


class Mean(Op):
    name = "mean"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
        # An empty mean is 0/0 = nan, as in PyTorch.
        return xp.sum(x, axis=dims, keepdims=keepdim) / _count(x.shape, dims)

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return ctx.call(x, dims, keepdim)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None]:
        shape, dims, keepdim = ctx.shape, ctx.dims, ctx.keepdim
        # Times the reciprocal: a float16 count of 70,000 elements would be inf.
        count = _count(shape, dims)
        return (
            direct.mul(_expand_back(g, shape, dims, keepdim), 1 / count if count else math.nan),
            None,
            None,
        )


def sum_to_size(self: Tensor, *size: Any) -> Tensor:
    """Sum this tensor down to ``size``, a shape that broadcasts to this tensor's shape.

    >>> import crossgrad
    >>> crossgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).sum_to_size(1, 3)
    tensor([[5., 7., 9.]])
    """
    target = shape_arg("sum_to_size", size)
    shape = self.shape
    lead = len(shape) - len(target)
    if lead < 0 or builtins.any(t not in (s, 1) for t, s in zip(target, shape[lead:])):
        raise ShapeError(
            f"sum_to_size: size={target} is not expandable to the tensor's shape={shape}",
            hint="each size must equal the tensor's trailing "
            "size or be 1, with no more dims than the tensor",
        )
    return unbroadcast(self, target)


class Prod(Op):
    name = "prod"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        return xp.prod(x, axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim = dims, keepdim
        return ctx.call(x, dims, keepdim, dtype)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None, None]:
        (x,) = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        return (
            direct.mul(_expand_back(g, x.shape, dims, keepdim), _product_of_others(x, dims)),
            None,
            None,
            None,
        )


def _product_of_others(x: Tensor, dims: tuple[int, ...]) -> Tensor:
    """For each element, the product of the other elements of its slice along ``dims``.

    Computed without dividing by zero, so it is exact when a slice holds zeros. The product
    of the zeros (0, or 1 without zeros) stays a factor, so that second derivatives through
    a zero are right as well; so does the "other zero" when a slice holds exactly two.
    """
    is_zero = x == 0
    safe = ew.where(is_zero, 1.0, x)
    nonzeros = Prod.apply(safe, dims, True, None)
    zeros = Prod.apply(ew.where(is_zero, x, 1.0), dims, True, None)
    at_nonzero = nonzeros / safe * zeros
    # At a zero the others' product is the non-zeros' product times the other zeros': 1 when
    # it is the only zero; the other zero (value 0, derivative 1) when there are two.
    n_zeros = Sum.apply(is_zero, dims, True, _int64_if_integral(is_zero))
    other_zero = Sum.apply(ew.where(is_zero, x, 0.0), dims, True, None) - x
    other_zeros = ew.where(n_zeros == 1, 1.0, ew.where(n_zeros == 2, other_zero, 0.0))
    return ew.where(is_zero, nonzeros * other_zeros, at_nonzero)


def prod(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,  # noqa: A002
    dtype: Any = None,
) -> Tensor:
    """Multiply over ``dim`` (all dims when None); bool and integer products give int64.

    >>> import crossgrad
    >>> crossgrad.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(dim=1)
    tensor([ 2., 12.])
    """
    input = _with_dtype(expect_tensor(input, "prod"), dtype)
    dims = _reduce_dims(input, dim, "prod")
    return Prod.apply(input, dims, keepdim, _int64_if_integral(input))


# ====================================================================== max, min


class Amax(Op):
    """The maximum over ``dims``; tied maxima share the gradient evenly, as in PyTorch.

    PyTorch has two rules, and ``whole`` picks one. ``amax`` multiplies by the mask of
    maxima, so a NaN maximum (equal to nothing) gives NaN everywhere, and an inf gradient
    gives NaN at the other elements. ``max()`` of a whole tensor selects: the NaNs are the
    maxima when there are any, and the other elements get 0.
    """

    name = "amax"
    kernel = staticmethod(lambda xp, x, dims, keepdim: xp.max(x, axis=dims, keepdims=keepdim))

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...], keepdim: bool, whole: bool) -> Any:
        y = ctx.call(x, dims, keepdim)
        ctx.save_for_backward(x, y)
        ctx.dims, ctx.keepdim, ctx.whole = dims, keepdim, whole
        return y

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None, None]:
        x, y = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        chosen = x == _keepdim(y, dims, keepdim)
        if ctx.whole:  # NaN propagates through max, so NaN elements are the ones selected
            chosen = chosen | (x != x)
        count = Sum.apply(chosen, dims, True, _int64_if_integral(chosen))
        share = _keepdim(g, dims, keepdim) / count
        grad = ew.where(chosen, share, 0.0) if ctx.whole else share * chosen
        return grad, None, None, None


class Amin(Amax):
    name = "amin"
    kernel = staticmethod(lambda xp, x, dims, keepdim: xp.min(x, axis=dims, keepdims=keepdim))


def amax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The maximum over ``dim`` (an int, a tuple, or all dims when None).

    >>> import crossgrad
    >>> crossgrad.tensor([[1.0, 5.0], [3.0, 2.0]]).amax(dim=0)
    tensor([3., 5.])
    """
    input = expect_tensor(input, "amax")
    dims = _reduce_dims(input, dim, "amax")
    _check_nonempty("amax", input, dims)
    return Amax.apply(input, dims, keepdim, False)


def amin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The minimum over ``dim`` (an int, a tuple, or all dims when None)."""
    input = expect_tensor(input, "amin")
    dims = _reduce_dims(input, dim, "amin")
    _check_nonempty("amin", input, dims)
    return Amin.apply(input, dims, keepdim, False)


class MaxResult(NamedTuple):
    """``max(input, dim)``: the maxima and their indices (``torch.return_types.max``)."""

    values: Tensor
    indices: Tensor


class MinResult(NamedTuple):
    """``min(input, dim)``: the minima and their indices (``torch.return_types.min``)."""

    values: Tensor
    indices: Tensor


def _select_along(xp: Any, x: Any, dim: int, keepdim: bool, pick: Any) -> tuple[Any, Any]:
    """Values and indices picked by ``pick`` (argmax or argmin) along ``dim``."""
    if x.ndim == 0:
        return xp.asarray(x, copy=True), xp.zeros((), dtype=xp.int64)
    indices = pick(x, axis=dim, keepdims=True)
    values = xp.take_along_axis(x, indices, axis=dim)
    if not keepdim:
        values, indices = xp.squeeze(values, axis=dim), xp.squeeze(indices, axis=dim)
    return values, xp.astype(indices, xp.int64)


class MaxDim(Op):
    """``max`` along one dim: values and the index of the first maximum of each slice.

    The gradient goes to that index only, as in PyTorch.
    """

    name = "max_dim"
    kernel = staticmethod(lambda xp, x, dim, keepdim: _select_along(xp, x, dim, keepdim, xp.argmax))

    @staticmethod
    def forward(ctx: Node, x: Any, dim: int, keepdim: bool) -> Any:
        values, indices = ctx.call(x, dim, keepdim)
        ctx.save_for_backward(indices)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        return values, indices

    @staticmethod
    def backward(ctx: Node, g: Tensor, _: Any) -> tuple[Tensor, None, None]:
        (indices,) = ctx.saved_tensors
        shape, dim, keepdim = ctx.shape, ctx.dim, ctx.keepdim
        return _put_along_dim(g, indices, shape, dim, keepdim), None, None


class MinDim(MaxDim):
    name = "min_dim"
    kernel = staticmethod(lambda xp, x, dim, keepdim: _select_along(xp, x, dim, keepdim, xp.argmin))


def _put_along_dim(
    g: Tensor, indices: Tensor, shape: tuple[int, ...], dim: int, keepdim: bool
) -> Tensor:
    """A tensor of ``shape`` holding ``g`` at ``indices`` along ``dim`` and 0 elsewhere."""
    if not shape:
        return g
    if not keepdim:
        g, indices = unsqueeze(g, dim), unsqueeze(indices, dim)
    positions = arange(shape[dim], backend=g._backend)
    positions = positions.reshape(tuple(-1 if d == dim else 1 for d in range(len(shape))))
    return ew.where(indices == positions, g, 0.0).expand(shape)


def _max_or_min(op: str, input: Tensor, dim: Any, keepdim: bool) -> Any:  # noqa: A002
    if isinstance(dim, Tensor):  # max(a, b): PyTorch's elementwise overload
        return ew.maximum(input, dim) if op == "max" else ew.minimum(input, dim)
    input = expect_tensor(input, op)
    whole, along, result = (Amax, MaxDim, MaxResult) if op == "max" else (Amin, MinDim, MinResult)
    if dim is None:
        _check_nonempty(op, input, tuple(range(input.ndim)))
        return whole.apply(input, _reduce_dims(input, None, op), False, True)
    d = normalize_dim(dim, input.ndim, op)
    if input.ndim:
        _check_nonempty(op, input, (d,))
    return result(*along.apply(input, d, keepdim))


@overload
def max(input: Tensor, dim: None = None, keepdim: bool = False) -> Tensor: ...  # noqa: A001, A002
@overload
def max(input: Tensor, dim: int, keepdim: bool = False) -> MaxResult: ...  # noqa: A002
@overload
def max(input: Tensor, dim: Tensor) -> Tensor: ...  # noqa: A002
def max(  # noqa: A001
    input: Tensor,  # noqa: A002
    dim: int | Tensor | None = None,
    keepdim: bool = False,
) -> Tensor | MaxResult:
    """The maximum of all elements, or ``(values, indices)`` along ``dim``.

    ``max(a, b)`` with a tensor ``b`` is the elementwise ``maximum``.

    >>> import crossgrad
    >>> x = crossgrad.tensor([[1.0, 5.0], [3.0, 2.0]])
    >>> x.max()
    tensor(5.)
    >>> x.max(dim=1).indices
    tensor([1, 0])
    """
    return _max_or_min("max", input, dim, keepdim)


@overload
def min(input: Tensor, dim: None = None, keepdim: bool = False) -> Tensor: ...  # noqa: A001, A002
@overload
def min(input: Tensor, dim: int, keepdim: bool = False) -> MinResult: ...  # noqa: A002
@overload
def min(input: Tensor, dim: Tensor) -> Tensor: ...  # noqa: A002
def min(  # noqa: A001
    input: Tensor,  # noqa: A002
    dim: int | Tensor | None = None,
    keepdim: bool = False,
) -> Tensor | MinResult:
    """The minimum of all elements, or ``(values, indices)`` along ``dim``.

    ``min(a, b)`` with a tensor ``b`` is the elementwise ``minimum``.
    """
    return _max_or_min("min", input, dim, keepdim)


class Argmax(Op):
    name = "argmax"

    @staticmethod
    def kernel(xp: Any, x: Any, dim: int | None, keepdim: bool) -> Any:
        return xp.astype(xp.argmax(x, axis=dim, keepdims=keepdim), xp.int64)


class Argmin(Op):
    name = "argmin"

    @staticmethod
    def kernel(xp: Any, x: Any, dim: int | None, keepdim: bool) -> Any:
        return xp.astype(xp.argmin(x, axis=dim, keepdims=keepdim), xp.int64)


def _arg(op: type[Op], input: Tensor, dim: int | None, keepdim: bool) -> Tensor:  # noqa: A002
    input = expect_tensor(input, op.name)
    if dim is None:  # the index into the flattened tensor
        _check_nonempty(op.name, input, tuple(range(input.ndim)))
        return op.apply(input, None, keepdim)
    d = normalize_dim(dim, input.ndim, op.name)
    if not input.ndim:
        return op.apply(input, None, keepdim)
    _check_nonempty(op.name, input, (d,))
    return op.apply(input, d, keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The index of the first maximum along ``dim``, or into the flattened tensor when None.

    >>> import crossgrad
    >>> crossgrad.tensor([[1.0, 5.0], [3.0, 2.0]]).argmax()
    tensor(1)
    """
    return _arg(Argmax, input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The index of the first minimum along ``dim``, or into the flattened tensor when None."""
    return _arg(Argmin, input, dim, keepdim)


# ====================================================================== var, std


class Var(Op):
    name = "var"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dims: tuple[int, ...], correction: float, keepdim: bool) -> Any:
        return xp.var(x, axis=dims, correction=correction, keepdims=keepdim)

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...], correction: float, keepdim: bool) -> Any:
        ctx.save_for_backward(x)
        ctx.dims, ctx.correction, ctx.keepdim = dims, correction, keepdim
        return ctx.call(x, dims, correction, keepdim)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None, None]:
        (x,) = ctx.saved_tensors
        return _var_backward(g, x, ctx.dims, ctx.correction, ctx.keepdim), None, None, None


def _var_backward(
    g: Tensor, x: Tensor, dims: tuple[int, ...], correction: float, keepdim: bool
) -> Tensor:
    """d var / dx = 2 (x - mean) / (N - correction), times the incoming gradient."""
    dof = builtins.max(_count(x.shape, dims) - correction, 0)
    scale = 2.0 / dof if dof else math.inf  # as the forward: var is inf (or nan) then
    centered = direct.sub(x, direct.div(direct.sum(x, dims, keepdim=True), _count(x.shape, dims)))
    return direct.mul(direct.mul(_keepdim(g, dims, keepdim), centered), scale)


class Std(Op):
    name = "std"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dims: tuple[int, ...], correction: float, keepdim: bool) -> Any:
        return xp.std(x, axis=dims, correction=correction, keepdims=keepdim)

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...], correction: float, keepdim: bool) -> Any:
        y = ctx.call(x, dims, correction, keepdim)
        ctx.save_for_backward(x, y)
        ctx.dims, ctx.correction, ctx.keepdim = dims, correction, keepdim
        return y

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None, None]:
        x, y = ctx.saved_tensors
        # d std = d var / (2 std); PyTorch defines it as 0 where std is 0 (constant slices).
        zero = y == 0
        g_var = ew.where(zero, 0.0, g / (ew.where(zero, 1.0, y) * 2))
        return _var_backward(g_var, x, ctx.dims, ctx.correction, ctx.keepdim), None, None, None


def _correction(op: str, dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    """PyTorch's ``var(x, dim, unbiased, keepdim, *, correction)`` overloads, resolved."""
    if isinstance(dim, bool):  # var(x, False): the positional unbiased of the old overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise ValueError(
            f"{op}: pass either unbiased={unbiased} or correction={correction}, "
            "not both\nhint: correction=1 is unbiased=True, correction=0 is "
            "unbiased=False"
        )
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,  # noqa: A002
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """The variance over ``dim``, dividing by ``N - correction`` (1 by default).

    >>> import crossgrad
    >>> crossgrad.tensor([1.0, 2.0, 3.0, 4.0]).var()
    tensor(1.6667)
    """
    input = _needs_float("var", expect_tensor(input, "var"))
    dim, c = _correction("var", dim, unbiased, correction)
    return Var.apply(input, _reduce_dims(input, dim, "var"), c, keepdim)


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,  # noqa: A002
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> Tensor:
    """The standard deviation over ``dim``, dividing by ``N - correction`` (1 by default)."""
    input = _needs_float("std", expect_tensor(input, "std"))
    dim, c = _correction("std", dim, unbiased, correction)
    return Std.apply(input, _reduce_dims(input, dim, "std"), c, keepdim)


# ====================================================================== logsumexp, norm


class LogSumExp(Op):
    name = "logsumexp"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
        # Shift by the maximum so exp cannot overflow; infinite maxima shift by 0 instead.
        if builtins.any(x.shape[d] == 0 for d in dims):
            shift = xp.zeros((), dtype=x.dtype)  # an empty sum: log 0 = -inf
        else:
            shift = xp.max(x, axis=dims, keepdims=True)
            shift = xp.where(xp.isfinite(shift), shift, xp.zeros_like(shift))
        out = xp.log(xp.sum(xp.exp(x - shift), axis=dims, keepdims=True)) + shift
        return out if keepdim or not dims else xp.squeeze(out, axis=dims)

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
        y = ctx.call(x, dims, keepdim)
        ctx.save_for_backward(x, y)
        ctx.dims, ctx.keepdim = dims, keepdim
        return y

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None]:
        x, y = ctx.saved_tensors
        dims, keepdim = ctx.dims, ctx.keepdim
        softmax = direct.exp(direct.sub(x, _keepdim(y, dims, keepdim)))
        return direct.mul(_keepdim(g, dims, keepdim), softmax), None, None


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``log(sum(exp(input), dim))``, computed without overflow; integers become floats.

    >>> import crossgrad
    >>> crossgrad.tensor([1000.0, 1000.0]).logsumexp(dim=0)
    tensor(1000.6932)
    """
    input = floating(input, "logsumexp")
    return LogSumExp.apply(input, _reduce_dims(input, dim, "logsumexp"), keepdim)


class Norm(Op):
    """The vector p-norm over ``dims``; derivatives follow PyTorch's, case by case."""

    name = "norm"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, p: float, dims: tuple[int, ...], keepdim: bool) -> Any:
        a = xp.abs(x)
        if p == math.inf:
            return xp.max(a, axis=dims, keepdims=keepdim)
        if p == -math.inf:
            return xp.min(a, axis=dims, keepdims=keepdim)
        if p == 0:
            return xp.sum(xp.astype(a != 0, x.dtype), axis=dims, keepdims=keepdim)
        if p == 1:
            return xp.sum(a, axis=dims, keepdims=keepdim)
        if p == 2:
            if _count(x.shape, dims) == 1:  # |x| itself: a * a would underflow at 1e-300
                return xp.sum(a, axis=dims, keepdims=keepdim)
            return xp.sqrt(xp.sum(a * a, axis=dims, keepdims=keepdim))
        return xp.pow(xp.sum(xp.pow(a, p), axis=dims, keepdims=keepdim), 1 / p)

    @staticmethod
    def forward(ctx: Node, x: Any, p: float, dims: tuple[int, ...], keepdim: bool) -> Any:
        y = ctx.call(x, p, dims, keepdim)
        ctx.save_for_backward(x, y)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        return y

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None, None]:
        x, y = ctx.saved_tensors
        p, dims, keepdim = ctx.p, ctx.dims, ctx.keepdim
        g, y = _keepdim(g, dims, keepdim), _keepdim(y, dims, keepdim)
        return _norm_backward(g, x, y, p, dims), None, None, None


def _norm_backward(g: Tensor, x: Tensor, y: Tensor, p: float, dims: tuple[int, ...]) -> Tensor:
    """PyTorch's ``norm_backward``: 0 where the norm is 0, an even split of max ties for inf.

    Divisions go through ``safe`` denominators (1 where masked out), so that no inf or nan
    appears in the masked branch, where a second derivative would pick it up.
    """
    if p == 0:
        return g * 0 * x
    if p == 1:
        return g * ew.sign(x)
    a = ew.abs(x)
    if math.isinf(p):
        chosen = (a == y) | (a != a)
        count = Sum.apply(chosen, dims, True, _int64_if_integral(chosen))
        # A multiply by the mask, as PyTorch's: an inf gradient gives NaN off the maxima.
        return ew.sign(x) * ((g / count) * chosen)
    zero_norm = y == 0
    safe_norm = ew.where(zero_norm, 1.0, y)
    if p == 2:  # g times x / norm (0 at a zero norm), as PyTorch: inf * 0 is NaN there too
        return g * ew.where(zero_norm, 0.0, x / safe_norm)
    if p < 1:
        zero = x == 0
        scaled = ew.where(zero, 0.0, ew.sign(x) * ew.where(zero, 1.0, a) ** (p - 1))
        return scaled * g * y ** (1 - p)
    scale = ew.where(zero_norm, 0.0, g / safe_norm ** (p - 1))
    if p < 2:
        return ew.sign(x) * a ** (p - 1) * scale
    return x * a ** (p - 2) * scale


def norm(
    input: Tensor,
    p: Any = 2,
    dim: Any = None,
    keepdim: bool = False,  # noqa: A002
    dtype: Any = None,
) -> Tensor:
    """The vector ``p``-norm over ``dim`` (all dims when None): p = 2 ('fro'), 1, inf, ...

    >>> import crossgrad
    >>> crossgrad.tensor([3.0, -4.0]).norm()
    tensor(5.)
    """
    input = _needs_float("norm", _with_dtype(expect_tensor(input, "norm"), dtype))
    if p == "fro" or p is None:
        p = 2
    if (
        isinstance(p, str)
        or isinstance(p, bool)
        or not isinstance(p, (int, float))
        or math.isnan(p)
    ):
        raise ValueError(
            f"norm: unsupported p={p!r}\nhint: use a number (2, 1, "
            "float('inf'), ...) or 'fro'; for the nuclear norm use linalg"
        )
    dims = _reduce_dims(input, dim, "norm")
    if math.isinf(p):
        _check_nonempty("norm", input, dims)
    return Norm.apply(input, float(p), dims, keepdim)


# ====================================================================== cumsum, all, any


class Cumsum(Op):
    name = "cumsum"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dim: int, dtype: Any) -> Any:
        if x.ndim == 0:
            return xp.asarray(x, dtype=dtype, copy=True)
        return xp.cumulative_sum(_numeric(xp, x, dtype), axis=dim, dtype=dtype)

    @staticmethod
    def forward(ctx: Node, x: Any, dim: int, dtype: Any) -> Any:
        ctx.dim = dim
        return ctx.call(x, dim, dtype)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None]:
        if g.ndim == 0:
            return g, None, None
        d = ctx.dim
        # Each input adds to every later output: the gradient is a reversed cumsum.
        return flip(Cumsum.apply(flip(g, d), d, None), d), None, None


def cumsum(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """Running sums along ``dim``; bool and integer inputs give int64.

    >>> import crossgrad
    >>> crossgrad.tensor([1, 2, 3]).cumsum(dim=0)
    tensor([1, 3, 6])
    """
    input = _with_dtype(expect_tensor(input, "cumsum"), dtype)
    d = normalize_dim(dim, input.ndim, "cumsum")
    return Cumsum.apply(input, d, _int64_if_integral(input))


class AllOp(Op):
    name = "all"
    kernel = staticmethod(lambda xp, x, dims, keepdim: xp.all(x, axis=dims, keepdims=keepdim))


class AnyOp(Op):
    name = "any"
    kernel = staticmethod(lambda xp, x, dims, keepdim: xp.any(x, axis=dims, keepdims=keepdim))


def _logical(op: type[Op], input: Tensor, dim: Any, keepdim: bool) -> Tensor:  # noqa: A002
    input = expect_tensor(input, op.name)
    out = op.apply(input, _reduce_dims(input, dim, op.name), keepdim)
    return cast(out, dtypes.uint8) if input.dtype is dtypes.uint8 else out  # as PyTorch


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Whether every element over ``dim`` is non-zero (a bool tensor; uint8 for uint8).

    >>> import crossgrad
    >>> crossgrad.tensor([[True, False], [True, True]]).all(dim=1)
    tensor([False,  True])
    """
    return _logical(AllOp, input, dim, keepdim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Whether some element over ``dim`` is non-zero (a bool tensor; uint8 for uint8)."""
    return _logical(AnyOp, input, dim, keepdim)
