"""Arithmetic for backward rules: the ops applied directly, with no checks and no promotion.

A backward rule works on gradients and saved tensors that already share one backend and
the result dtype, and on Python numbers that keep it; going through the public functions
(``g * y`` is ``crossgrad.mul``) would redo the operand checks and type promotion forward
already did. These functions pick the op (tensor-tensor or tensor-scalar) and apply it.
Every op here is differentiable, so backward rules built from them are too.
"""

from __future__ import annotations

from typing import Any

from crossgrad.core.gradient_ops import Expand
from crossgrad.core.tensor import make
from crossgrad.ops import elementwise as ew
from crossgrad.ops import reduce as rd
from crossgrad.ops import shape as sh
from crossgrad.ops._util import Tensor
from crossgrad.ops._util import cast as cast  # the same cast serves backward rules

Operand = Any  # a Tensor or a Python number


def add(a: Operand, b: Operand) -> Tensor:
    if not isinstance(b, Tensor):
        return ew.AddScalar.apply(a, b) if b != 0 else a
    if not isinstance(a, Tensor):
        return ew.AddScalar.apply(b, a) if a != 0 else b
    return ew.Add.apply(a, b)


def sub(a: Operand, b: Operand) -> Tensor:
    if not isinstance(b, Tensor):
        return ew.AddScalar.apply(a, -b)
    if not isinstance(a, Tensor):
        return ew.RSubScalar.apply(b, a)
    return ew.Sub.apply(a, b)


def mul(a: Operand, b: Operand) -> Tensor:
    if not isinstance(b, Tensor):
        return ew.MulScalar.apply(a, b)
    if not isinstance(a, Tensor):
        return ew.MulScalar.apply(b, a)
    return ew.Mul.apply(a, b)


def div(a: Operand, b: Operand) -> Tensor:
    if not isinstance(b, Tensor):
        return ew.DivScalar.apply(a, b)
    if not isinstance(a, Tensor):
        return ew.RDivScalar.apply(b, a)
    return ew.Div.apply(a, b)


def neg(a: Tensor) -> Tensor:
    return ew.Neg.apply(a)


def pow(a: Tensor, exponent: float) -> Tensor:  # noqa: A001 - the op's name
    return ew.PowScalar.apply(a, exponent)


def exp(a: Tensor) -> Tensor:
    return ew.Exp.apply(a)


def log(a: Tensor) -> Tensor:
    return ew.Log.apply(a)


def sqrt(a: Tensor) -> Tensor:
    return ew.Sqrt.apply(a)


def where(condition: Tensor, a: Operand, b: Operand) -> Tensor:
    """``a`` where ``condition`` holds, else ``b``; a number becomes a 0-d tensor of the
    other operand's dtype."""
    like = a if isinstance(a, Tensor) else b
    if not isinstance(a, Tensor):
        a = _full_like(like, a)
    if not isinstance(b, Tensor):
        b = _full_like(like, b)
    return ew.Where.apply(condition, a, b)


def sum(x: Tensor, dims: tuple[int, ...], keepdim: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``dims`` (non-negative, sorted), keeping ``x``'s dtype."""
    return rd.Sum.apply(x, dims, keepdim, None)


def reshape(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    return x if x.shape == shape else sh.Reshape.apply(x, shape)


def permute(x: Tensor, dims: tuple[int, ...]) -> Tensor:
    return sh.Permute.apply(x, dims)


def matrix_transpose(x: Tensor) -> Tensor:
    """Swap the last two dims."""
    order = list(range(x.ndim))
    order[-2], order[-1] = order[-1], order[-2]
    return sh.Permute.apply(x, tuple(order))


def expand(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    return x if x.shape == shape else Expand.apply(x, shape)


def zeros_like(like: Tensor) -> Tensor:
    """Zeros of ``like``'s shape and dtype, outside the graph: the gradient of a piecewise
    constant op, 0 even where the incoming gradient is inf or NaN (as PyTorch's)."""
    backend = like._backend
    return make(backend.zeros(like.shape, like.dtype), backend)


def _full_like(like: Tensor, value: float) -> Tensor:
    backend = like._backend
    return make(backend.full((), value, like.dtype), backend)
