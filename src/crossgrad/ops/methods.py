"""Attach the ops to Tensor as methods and Python operators, in one place."""

from __future__ import annotations

from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.function import Function, Node, Op
from crossgrad.core.tensor import Tensor
from crossgrad.ops import elementwise as ew
from crossgrad.ops import inplace
from crossgrad.ops._util import cast


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
        from crossgrad.core import context

        backend = context.backend(target_backend)
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
        return Tensor._make(target.from_foreign(x._data, x._backend), target)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        return Move.apply(g, ctx.backend), None


def _converter(dtype: dtypes.DType):  # type: ignore[no-untyped-def]
    def convert(self: Tensor) -> Tensor:
        return cast(self, dtype)

    convert.__name__ = dtype.name
    convert.__doc__ = f"Return this tensor as {dtype.name} (itself when it already is)."
    return convert


class Clone(Op):
    name = "clone"
    kernel = staticmethod(lambda xp, x: xp.asarray(x, copy=True))

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Tensor:
        return g


def clone(self: Tensor) -> Tensor:
    """A copy with its own memory that stays in the graph (gradient passes through)."""
    return Clone.apply(self)


def _reflected(fn: Any):  # type: ignore[no-untyped-def]
    def reflected(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    return reflected


def _operators() -> dict[str, Any]:
    return {
        "__add__": ew.add,
        "__radd__": _reflected(ew.add),
        "__sub__": ew.sub,
        "__rsub__": _reflected(ew.sub),
        "__mul__": ew.mul,
        "__rmul__": _reflected(ew.mul),
        "__truediv__": ew.div,
        "__rtruediv__": _reflected(ew.div),
        "__floordiv__": ew.floor_divide,
        "__rfloordiv__": _reflected(ew.floor_divide),
        "__mod__": ew.remainder,
        "__rmod__": _reflected(ew.remainder),
        "__pow__": ew.pow,
        "__rpow__": _reflected(ew.pow),
        "__neg__": ew.neg,
        "__pos__": lambda self: self,
        "__abs__": ew.abs,
        "__eq__": ew.eq,
        "__ne__": ew.ne,
        "__lt__": ew.lt,
        "__le__": ew.le,
        "__gt__": ew.gt,
        "__ge__": ew.ge,
        "__and__": ew.bitwise_and,
        "__rand__": _reflected(ew.bitwise_and),
        "__or__": ew.bitwise_or,
        "__ror__": _reflected(ew.bitwise_or),
        "__xor__": ew.bitwise_xor,
        "__rxor__": _reflected(ew.bitwise_xor),
        "__invert__": ew.bitwise_not,
    }


def install() -> None:
    """Set every op method and operator on Tensor."""
    from crossgrad.ops import modules

    for module in modules():
        for name in getattr(module, "TENSOR_METHODS", ()):
            setattr(Tensor, name, getattr(module, name))
    for name, fn in _operators().items():
        setattr(Tensor, name, fn)
    for name, fn in inplace.METHODS.items():
        setattr(Tensor, name, fn)
    Tensor.to = to  # type: ignore[attr-defined]
    Tensor.clone = clone  # type: ignore[attr-defined]
    Tensor.type_as = lambda self, other: cast(self, other.dtype)  # type: ignore[attr-defined]
    for name, d in (
        ("float", dtypes.float32),
        ("double", dtypes.float64),
        ("half", dtypes.float16),
        ("long", dtypes.int64),
        ("int", dtypes.int32),
        ("bool", dtypes.bool_),
    ):
        setattr(Tensor, name, _converter(d))
