"""Reductions: sum, mean, prod, max/min, var/std, logsumexp, norm, cumsum, all/any, arg*."""

from __future__ import annotations

from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.function import Node, Op
from crossgrad.core.tensor import Tensor
from crossgrad.ops._util import expect_tensor, normalize_dims

__all__ = ["sum", "mean"]
TENSOR_METHODS = __all__


def _expand_back(g: Tensor, shape: tuple[int, ...], dims: tuple[int, ...],
                 keepdim: bool) -> Tensor:
    """Broadcast a reduced gradient back over the reduced ``dims`` of ``shape``."""
    if not keepdim and dims:
        kept = list(g.shape)
        for d in dims:
            kept.insert(d, 1)
        g = g.reshape(tuple(kept))  # type: ignore[attr-defined]
    return g.expand(shape)  # type: ignore[attr-defined]


class Sum(Op):
    name = "sum"

    @staticmethod
    def kernel(xp: Any, x: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        return xp.sum(x, axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...], keepdim: bool, dtype: Any) -> Any:
        ctx.meta = (x.shape, dims, keepdim)
        return ctx.call(x, dims, keepdim, dtype)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None, None]:
        shape, dims, keepdim = ctx.meta
        return _expand_back(g, shape, dims, keepdim), None, None, None


def sum(input: Tensor, dim: Any = None, keepdim: bool = False,  # noqa: A001, A002
        dtype: Any = None) -> Tensor:
    """Sum over ``dim`` (all dims when None); bool and integer sums give int64.

    >>> import crossgrad
    >>> crossgrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    input = expect_tensor(input, "sum")
    dims = normalize_dims(dim, input.ndim, "sum")
    if dtype is not None:
        native = input._backend.native_dtype(dtypes.as_dtype(dtype))
    elif input.dtype.category != dtypes.FLOATING:
        native = input._backend.native_dtype(dtypes.int64)
    else:
        native = None
    return Sum.apply(input, dims, keepdim, native)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """Mean over ``dim`` (all dims when None); floating inputs only, as in PyTorch."""
    input = expect_tensor(input, "mean")
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype))  # type: ignore[attr-defined]
    if input.dtype.category != dtypes.FLOATING:
        from crossgrad.core.errors import DTypeError

        raise DTypeError(f"mean: needs a floating tensor, received dtype={input.dtype!r}",
                         hint="cast first with .float(), or pass dtype=crossgrad.float32")
    dims = normalize_dims(dim, input.ndim, "mean")
    count = 1
    for d in dims:
        count *= input.shape[d]
    return Sum.apply(input, dims, keepdim, None) / count  # an empty mean is nan, as in PyTorch
