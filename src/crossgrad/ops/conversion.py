"""Conversions: ``to`` (dtype and backend), ``clone``, ``type_as``."""

from __future__ import annotations

from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.function import Function, Node, Op
from crossgrad.core.tensor import make
from crossgrad.ops._util import Tensor, cast
from crossgrad.plugins import registry


def to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Return this tensor as another dtype (``x.to(crossgrad.float64)``) or backend
    (``x.to("jax")``, ``x.to(backend=...)``), or both; the dtype is kept across backends.

    Returns ``self`` when nothing changes, as in PyTorch. A move is differentiable: the
    gradient moves back to this tensor's backend.

    >>> import crossgrad
    >>> crossgrad.tensor([1.0, 2.0]).to("numpy", crossgrad.float64).dtype
    crossgrad.float64
    """
    target_dtype = kwargs.pop("dtype", None)
    target_backend = kwargs.pop("backend", None) or kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"to: unexpected arguments {sorted(kwargs)}")
    for a in args:
        if (
            isinstance(a, dtypes.DType)
            or a in (float, int, bool)
            or (isinstance(a, str) and a in dtypes.BY_NAME)
        ):
            target_dtype = a
        elif isinstance(a, Tensor):
            target_dtype, target_backend = a.dtype, a._backend
        else:
            target_backend = a
    out = self
    if target_backend is not None:
        backend = registry.get_backend(target_backend)
        if backend is not self._backend:
            out = Move.apply(self, backend)
    if target_dtype is not None:
        out = cast(out, dtypes.as_dtype(target_dtype))
    return out


class Move(Function):
    """Move a tensor to another backend; the gradient moves back.

    A Function rather than an Op: its output lives on a different backend than its input,
    and Function wraps each output on the backend the output itself names.
    """

    @staticmethod
    def forward(ctx: Node, x: Tensor, target: Any) -> Tensor:
        return make(target.from_foreign(x._data, x._backend), target)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        return Move.apply(g, ctx.backend), None


class Clone(Op):
    name = "clone"
    kernel = staticmethod(lambda xp, x: xp.asarray(x, copy=True))

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Tensor:
        return g


def clone(self: Tensor) -> Tensor:
    """A copy with its own memory that stays in the graph (gradient passes through)."""
    return Clone.apply(self)


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor cast to ``other``'s dtype."""
    return cast(self, other.dtype)
