"""The ops the engine itself computes gradients with: sum, cast, and reduce to a shape.

They live in core so that backward needs nothing from the op layer; ``crossgrad.ops``
builds ``cast``, ``expand`` and broadcasting gradients on the same ops. Each backward is
again one of these ops, so gradients of any order work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crossgrad.core import dtypes
from crossgrad.core.function import Node, Op

if TYPE_CHECKING:
    from crossgrad._tensor import Tensor


class GradSum(Op):
    """``a + b`` for two gradients of one tensor (same shape): how gradients accumulate."""

    name = "grad_sum"
    kernel = staticmethod(lambda xp, a, b: a + b)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, Tensor]:
        return g, g


class Cast(Op):
    """``x`` as another dtype; the gradient is cast back to ``x``'s dtype."""

    name = "cast"

    @staticmethod
    def forward(ctx: Node, x: Any, dtype: dtypes.DType) -> Any:
        ctx.source_dtype = dtypes.from_native(x.dtype)
        return ctx.backend.astype(x, dtype)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        return Cast.apply(g, ctx.source_dtype), None


class _Reshaping(Op):
    """An op that changes ``x``'s shape and whose gradient is its ``adjoint`` back to it."""

    adjoint: type[Op]

    @staticmethod
    def forward(ctx: Node, x: Any, shape: tuple[int, ...]) -> Any:
        ctx.source_shape = tuple(x.shape)
        return ctx.call(x, shape)

    @classmethod
    def backward(cls, ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        return cls.adjoint.apply(g, ctx.source_shape), None


class Expand(_Reshaping):
    """Broadcast ``x`` to ``shape`` (a view where the backend has views)."""

    name = "expand"
    kernel = staticmethod(lambda xp, x, shape: xp.broadcast_to(x, shape))


class SumToShape(_Reshaping):
    """Sum ``x`` down to ``shape``, a shape that broadcasts to ``x``'s (Expand's adjoint)."""

    name = "sum_to_shape"

    @staticmethod
    def kernel(xp: Any, x: Any, shape: tuple[int, ...]) -> Any:
        lead = x.ndim - len(shape)
        dims = tuple(range(lead)) + tuple(
            i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1
        )
        if dims:
            x = xp.sum(x, axis=dims, keepdims=True)
        return xp.reshape(x, shape) if tuple(x.shape) != tuple(shape) else x


Expand.adjoint, SumToShape.adjoint = SumToShape, Expand
