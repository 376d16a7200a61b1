"""Helpers shared by the op modules: operands, broadcasting, dims."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.function import _mismatch
from crossgrad.core.gradient_ops import Cast, SumToShape
from crossgrad.core.tensor import TensorBase, make, normalize_dim
from crossgrad.plugins import registry

if TYPE_CHECKING:
    from crossgrad._tensor import Tensor
else:
    # Every tensor is a crossgrad.Tensor (core makes the class crossgrad._tensor registers),
    # so at run time the ops test against TensorBase: the same test, without importing the
    # Tensor surface, which imports the ops.
    Tensor = TensorBase

__all__ = [
    "Tensor",
    "normalize_dim",
    "expect_tensor",
    "expect_same_backend",
    "floating",
    "as_tensor_like",
    "broadcast_shapes",
    "unbroadcast",
    "normalize_dims",
    "cast",
    "accumulates_in_float32",
]


def expect_tensor(x: Any, op: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise DTypeError(
            f"{op}: {name} must be a Tensor, received {type(x).__name__}",
            hint=f"wrap it first: crossgrad.tensor({name})",
        )
    return x


def expect_same_backend(op: str, input: Tensor, other: Tensor) -> None:  # noqa: A002
    """Raise BackendMismatchError unless ``other`` lives on ``input``'s backend."""
    if other._backend is not input._backend:
        raise _mismatch(op, input._backend, other._backend)


def cast(x: Tensor, dtype: dtypes.DType) -> Tensor:
    """``x`` as ``dtype`` (differentiable), or ``x`` itself when it already is."""
    if x.dtype is dtype:
        return x
    return Cast.apply(x, dtype)


def accumulates_in_float32(kernel: Callable[..., Any]) -> Callable[..., Any]:
    """``kernel`` computed in float32 when its first array is float16 or bfloat16, the
    result cast back, as PyTorch accumulates reductions: a float16 sum of 10,000 tens is
    inf and a float16 count of 70,000 elements is inf, which would make ``mean`` 0."""

    @functools.wraps(kernel)
    def widened(xp: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
        if not dtypes.is_low_precision(dtypes.from_native(x.dtype)):
            return kernel(xp, x, *args, **kwargs)
        out = kernel(xp, xp.astype(x, xp.float32), *args, **kwargs)
        if isinstance(out, tuple):
            return tuple(xp.astype(o, x.dtype) for o in out)
        return xp.astype(out, x.dtype)

    return widened


def floating(x: Any, op: str) -> Tensor:
    """``x`` as a floating tensor: integer and bool inputs become the default float dtype."""
    x = expect_tensor(x, op)
    if x.dtype.category != dtypes.FLOATING:
        return cast(x, dtypes.get_default_dtype())
    return x


def as_tensor_like(value: Any, like: Tensor | None, dtype: dtypes.DType | None = None) -> Tensor:
    """A Tensor for ``value`` on ``like``'s backend (Python scalars adopt the backend)."""
    if isinstance(value, Tensor):
        return value if dtype is None else cast(value, dtype)
    backend = like._backend if like is not None else registry.get_backend()
    if dtype is None:
        dtype = dtypes.scalar_dtype(value) if isinstance(value, (bool, int, float)) else None
    return make(backend.asarray(value, dtype), backend)


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The common shape of ``shapes`` under broadcasting, or a ShapeError naming the op."""
    ndim = max(len(s) for s in shapes)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, ndim - len(s)):
            if n != out[i]:
                if out[i] == 1:
                    out[i] = n
                elif n != 1:
                    shown = ", ".join(f"shape{j}={t}" for j, t in enumerate(shapes))
                    raise ShapeError(
                        f"{op}: shapes cannot be broadcast together: {shown} "
                        f"(dim {i - ndim} has sizes {out[i]} and {n})",
                        hint="sizes must match or be 1 in each trailing dim; "
                        "reshape or unsqueeze one operand",
                    )
    return tuple(out)


def unbroadcast(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum a broadcast gradient back down to ``shape`` (differentiable)."""
    return g if g.shape == shape else SumToShape.apply(g, shape)


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` (None, an int or a sequence) as a sorted tuple of non-negative dims."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        return (normalize_dim(dim, ndim, op),)
    dims = tuple(sorted(normalize_dim(d, ndim, op) for d in dim))
    if len(set(dims)) != len(dims):
        raise ShapeError(f"{op}: a dim appears twice: dim={tuple(dim)}", hint="list each dim once")
    return dims


def shape_arg(op: str, shape: Sequence[Any]) -> tuple[int, ...]:
    """Shapes given as ``f(2, 3)`` or ``f((2, 3))``."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ShapeError(
            f"{op}: a shape must be integers, received shape={tuple(shape)}",
            hint="pass sizes like (2, 3)",
        ) from None
