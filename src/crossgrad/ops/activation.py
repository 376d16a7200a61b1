"""Activation ops with forward and derivative side by side.

softmax and log_softmax are ops of their own (with their chain-rule steps as ops too), for
speed and numerical stability; ``crossgrad.nn.functional`` re-exports them.
"""

from __future__ import annotations

from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.function import Node, Op
from crossgrad.ops import elementwise as ew
from crossgrad.ops._util import Tensor, cast, floating, normalize_dim

__all__: list[str] = []


class Softmax(Op):
    """``exp(x - max) / sum(exp(x - max))`` along ``dim``."""

    name = "softmax"

    @staticmethod
    def kernel(xp: Any, x: Any, dim: int) -> Any:
        e = xp.exp(x - xp.max(x, axis=dim, keepdims=True))
        return e / xp.sum(e, axis=dim, keepdims=True)

    @staticmethod
    def forward(ctx: Node, x: Any, dim: int) -> Any:
        y = ctx.call(x, dim=dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return SoftmaxBackward.apply(g, y, dim=ctx.dim)


class SoftmaxBackward(Op):
    """``y * (g - sum(g * y))``: the chain rule step of softmax, itself differentiable."""

    name = "softmax_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, y: Any, dim: int) -> Any:
        return y * (g - xp.sum(g * y, axis=dim, keepdims=True))

    @staticmethod
    def forward(ctx: Node, g: Any, y: Any, dim: int) -> Any:
        ctx.dim = dim
        ctx.save_for_backward(g, y)
        return ctx.call(g, y, dim=dim)

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> tuple[Any, Any]:
        g, y = ctx.saved_tensors
        dim = ctx.dim
        need_g, need_y = ctx.needs_input_grad
        # The map g -> y * (g - sum(g * y)) is self-adjoint, so its g-gradient is itself.
        grad_g = SoftmaxBackward.apply(gg, y, dim=dim) if need_g else None
        grad_y = None
        if need_y:
            grad_y = gg * (g - (g * y).sum(dim, keepdim=True)) - g * (gg * y).sum(dim, keepdim=True)
        return grad_g, grad_y


class LogSoftmax(Op):
    """``x - max - log(sum(exp(x - max)))`` along ``dim``."""

    name = "log_softmax"

    @staticmethod
    def kernel(xp: Any, x: Any, dim: int) -> Any:
        shifted = x - xp.max(x, axis=dim, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))

    @staticmethod
    def forward(ctx: Node, x: Any, dim: int) -> Any:
        y = ctx.call(x, dim=dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return LogSoftmaxBackward.apply(g, y, dim=ctx.dim)


class LogSoftmaxBackward(Op):
    """``g - exp(y) * sum(g)``: the chain rule step of log_softmax, itself differentiable."""

    name = "log_softmax_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, y: Any, dim: int) -> Any:
        return g - xp.exp(y) * xp.sum(g, axis=dim, keepdims=True)

    @staticmethod
    def forward(ctx: Node, g: Any, y: Any, dim: int) -> Any:
        ctx.dim = dim
        ctx.save_for_backward(g, y)
        return ctx.call(g, y, dim=dim)

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> tuple[Any, Any]:
        g, y = ctx.saved_tensors
        dim = ctx.dim
        need_g, need_y = ctx.needs_input_grad
        p = ew.exp(y)
        grad_g = gg - (gg * p).sum(dim, keepdim=True) if need_g else None
        grad_y = -(gg * p * g.sum(dim, keepdim=True)) if need_y else None
        return grad_g, grad_y


def _softmax_dim(op: str, input: Tensor, dim: int | None) -> int:  # noqa: A002
    if dim is None:  # PyTorch's legacy implicit choice
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return normalize_dim(dim, input.ndim, op)


def _along(
    op: type[Op],
    name: str,
    input: Tensor,
    dim: int | None,  # noqa: A002
    dtype: Any,
) -> Tensor:
    input = floating(input, name)
    if dtype is not None:
        input = cast(input, dtypes.as_dtype(dtype))
    d = _softmax_dim(name, input, dim)
    if input.ndim == 0:
        return op.apply(input.reshape(1), dim=0).reshape(())
    return op.apply(input, dim=d)


def softmax(input: Tensor, dim: int | None = None, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Normalise ``exp(input)`` to sum to 1 along ``dim`` (numerically stable).

    >>> import crossgrad
    >>> crossgrad.nn.functional.softmax(crossgrad.tensor([0.0, 0.0, 0.0, 0.0]), dim=0)
    tensor([0.25, 0.25, 0.25, 0.25])
    """
    return _along(Softmax, "softmax", input, dim, dtype)


def log_softmax(
    input: Tensor,
    dim: int | None = None,
    *,  # noqa: A002
    dtype: Any = None,
) -> Tensor:
    """``log(softmax(input, dim))``, computed without forming the softmax."""
    return _along(LogSoftmax, "log_softmax", input, dim, dtype)
