"""Activations: softmax, log_softmax, relu, leaky_relu, elu, gelu, silu, softplus.

Most are compositions of elementwise ops, so gradients of any order come for free; softmax,
log_softmax and softplus are ops of their own, forward and backward side by side, for speed
and numerical stability. Each backward of softmax and log_softmax is again an op (the
chain-rule step), itself differentiable.
"""

from __future__ import annotations

import math
from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.function import PORTABLE_KERNELS, Node, Op
from crossgrad.ops import direct
from crossgrad.ops import elementwise as ew
from crossgrad.ops._util import (
    Tensor,
    accumulates_in_float32,
    cast,
    expect_tensor,
    floating,
    normalize_dim,
)
from crossgrad.ops.inplace import maybe_inplace

# PyTorch keeps these ops under torch.nn.functional, so none is crossgrad.<name>;
# crossgrad.nn.functional re-exports them.
__all__: list[str] = []


# ====================================================================== softmax, log_softmax


class _ChainStep(Op):
    """The chain-rule step ``(g, y) -> input gradient`` of an :class:`_AlongDim` op, an op
    itself so that it is differentiable."""

    @staticmethod
    def forward(ctx: Node, g: Any, y: Any, dim: int) -> Any:
        ctx.dim = dim
        ctx.save_for_backward(g, y)
        return ctx.call(g, y, dim=dim)


class _AlongDim(Op):
    """An op along ``dim`` whose backward is ``chain_step`` of the gradient and its output."""

    chain_step: type[_ChainStep]

    @staticmethod
    def forward(ctx: Node, x: Any, dim: int) -> Any:
        y = ctx.call(x, dim=dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @classmethod
    def backward(cls, ctx: Node, g: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return cls.chain_step.apply(g, y, dim=ctx.dim)


class SoftmaxBackward(_ChainStep):
    """``y * (g - sum(g * y))``: the chain rule step of softmax."""

    name = "softmax_backward"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, g: Any, y: Any, dim: int) -> Any:
        return y * (g - xp.sum(g * y, axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> tuple[Any, Any]:
        g, y = ctx.saved_tensors
        dim = ctx.dim
        need_g, need_y = ctx.needs_input_grad
        # The map g -> y * (g - sum(g * y)) is self-adjoint, so its g-gradient is itself.
        grad_g = SoftmaxBackward.apply(gg, y, dim=dim) if need_g else None
        grad_y = None
        if need_y:
            g_dot_y = direct.sum(direct.mul(g, y), (dim,), keepdim=True)
            gg_dot_y = direct.sum(direct.mul(gg, y), (dim,), keepdim=True)
            grad_y = direct.sub(direct.mul(gg, direct.sub(g, g_dot_y)), direct.mul(g, gg_dot_y))
        return grad_g, grad_y


class Softmax(_AlongDim):
    """``exp(x - max) / sum(exp(x - max))`` along ``dim``."""

    name = "softmax"
    chain_step = SoftmaxBackward

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dim: int) -> Any:
        if x.shape[dim] == 0:  # nothing to normalise (and no maximum to shift by)
            return xp.zeros_like(x)
        e = xp.exp(x - xp.max(x, axis=dim, keepdims=True))
        return e / xp.sum(e, axis=dim, keepdims=True)


class LogSoftmaxBackward(_ChainStep):
    """``g - exp(y) * sum(g)``: the chain rule step of log_softmax."""

    name = "log_softmax_backward"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, g: Any, y: Any, dim: int) -> Any:
        return g - xp.exp(y) * xp.sum(g, axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> tuple[Any, Any]:
        g, y = ctx.saved_tensors
        dim = ctx.dim
        need_g, need_y = ctx.needs_input_grad
        p = direct.exp(y)
        grad_g = None
        if need_g:
            grad_g = direct.sub(gg, direct.sum(direct.mul(gg, p), (dim,), keepdim=True))
        grad_y = None
        if need_y:
            g_total = direct.sum(g, (dim,), keepdim=True)
            grad_y = direct.neg(direct.mul(direct.mul(gg, p), g_total))
        return grad_g, grad_y


class LogSoftmax(_AlongDim):
    """``x - max - log(sum(exp(x - max)))`` along ``dim``."""

    name = "log_softmax"
    chain_step = LogSoftmaxBackward

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, dim: int) -> Any:
        if x.shape[dim] == 0:
            return xp.zeros_like(x)
        shifted = x - xp.max(x, axis=dim, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))


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


# ====================================================================== activations


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)`` elementwise."""
    return maybe_inplace(expect_tensor(input, "relu"), inplace, "relu", ew.relu)


def leaky_relu(
    input: Tensor,
    negative_slope: float = 0.01,  # noqa: A002
    inplace: bool = False,
) -> Tensor:
    """``input`` where positive, else ``negative_slope * input``."""
    input = floating(input, "leaky_relu")
    return maybe_inplace(
        input, inplace, "leaky_relu", lambda x: ew.where(x > 0, x, x * negative_slope)
    )


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    input = floating(input, "elu")

    def fn(x: Tensor) -> Tensor:
        # expm1 only sees non-positive values, so the unused branch never overflows
        # (an inf there would turn its zero gradient into nan).
        # NaN takes the identity branch, so its gradient is 1 as in PyTorch.
        return ew.where(x <= 0, ew.expm1(ew.clamp(x, max=0)) * alpha, x)

    return maybe_inplace(input, inplace, "elu", fn, reads_input=True)


class Gelu(Op):
    """``x * Phi(x)``, with PyTorch's fused derivative ``Phi(x) + x * phi(x)``: the product
    rule's two terms would give NaN where an inf gradient meets ``x * phi(x) = 0``."""

    name = "gelu"

    @staticmethod
    def forward(ctx: Node, x: Any) -> Any:
        backend = ctx.backend
        erf = backend.kernels.get("erf") or PORTABLE_KERNELS["erf"]
        ctx.save_for_backward(x)
        return x * ((erf(backend.xp, x * math.sqrt(0.5)) + 1) * 0.5)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        cdf = direct.mul(direct.add(ew.erf(direct.mul(x, math.sqrt(0.5))), 1), 0.5)
        pdf = direct.mul(direct.exp(direct.mul(direct.mul(x, x), -0.5)), 1 / math.sqrt(2 * math.pi))
        return direct.mul(g, direct.add(cdf, direct.mul(x, pdf)))


class Silu(ew.UnaryOp):
    """``x * sigmoid(x)``, with PyTorch's fused derivative ``s * (1 + x * (1 - s))``."""

    name, saves = "silu", "x"

    @staticmethod
    def kernel(xp: Any, x: Any) -> Any:
        return x * ew.Sigmoid.kernel(xp, x)

    @staticmethod
    def derivative(g: Tensor, x: Any, y: Any) -> Tensor:
        s = ew.Sigmoid.apply(x)
        return direct.mul(g, direct.mul(s, direct.add(direct.mul(x, direct.sub(1, s)), 1)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit: ``x * Phi(x)``, or its tanh approximation."""
    input = floating(input, "gelu")
    if approximate == "none":
        return Gelu.apply(input)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * (ew.tanh(inner) + 1) * 0.5
    raise ValueError(
        f"gelu: unknown approximate={approximate!r}; choose 'none' or 'tanh'\n"
        "hint: pass approximate='none' (exact, with erf) or 'tanh'"
    )


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * sigmoid(input)`` (also called swish)."""
    input = floating(input, "silu")
    return maybe_inplace(input, inplace, "silu", Silu.apply, reads_input=True)


class Softplus(ew.UnaryOp):
    """``log(1 + exp(x))`` without overflow; its derivative is ``sigmoid(x)``."""

    name = "softplus"

    @staticmethod
    def kernel(xp: Any, x: Any) -> Any:
        return xp.maximum(x, xp.zeros((), dtype=x.dtype)) + xp.log1p(xp.exp(-xp.abs(x)))

    derivative = staticmethod(lambda g, x, y: g * ew.sigmoid(x))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta * input)) / beta``, linear where ``beta * input > threshold``."""
    input = floating(input, "softplus")
    z = input * beta if beta != 1 else input
    soft = Softplus.apply(z)
    if beta != 1:
        soft = soft / beta
    return ew.where(z > threshold, input, soft)
