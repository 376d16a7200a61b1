"""Shape ops: reshape/view, permute/transpose, expand, squeeze, cat/stack, split, ..."""

from __future__ import annotations

from typing import Any

from crossgrad.core.errors import ShapeError
from crossgrad.core.function import Node, Op
from crossgrad.core.tensor import Tensor
from crossgrad.ops._util import expect_tensor, normalize_dim, shape_arg

__all__ = ["reshape", "view", "permute", "transpose", "expand", "broadcast_to"]
TENSOR_METHODS = __all__


def _view(result: Tensor, source: Tensor) -> Tensor:
    """Mark ``result`` as a view of ``source``: one version counter for both."""
    result._version = source._version
    result._base = source if source._base is None else source._base
    return result


class Reshape(Op):
    name = "reshape"
    kernel = staticmethod(lambda xp, x, shape: xp.reshape(x, shape))

    @staticmethod
    def forward(ctx: Node, x: Any, shape: tuple[int, ...]) -> Any:
        ctx.source_shape = x.shape
        return ctx.call(x, shape)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        return Reshape.apply(g, ctx.source_shape), None


def _infer_shape(op: str, shape: tuple[int, ...], numel: int, source: tuple[int, ...]
                 ) -> tuple[int, ...]:
    unknown = [i for i, s in enumerate(shape) if s == -1]
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise ShapeError(f"{op}: invalid size {s} in shape={shape}",
                                 hint="sizes are non-negative, with at most one -1")
            known *= s
    if len(unknown) > 1:
        raise ShapeError(f"{op}: only one dim can be -1, received shape={shape}",
                         hint="give every size but one")
    if unknown:
        if known == 0 or numel % known:
            raise ShapeError(f"{op}: shape={shape} is invalid for input of shape {source} "
                             f"({numel} elements)", hint="the sizes must multiply to the "
                             "number of elements")
        shape = shape[: unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif known != numel:
        raise ShapeError(f"{op}: shape={shape} is invalid for input of shape {source} "
                         f"({numel} elements)",
                         hint="the sizes must multiply to the number of elements")
    return shape


def reshape(input: Tensor, *shape: Any) -> Tensor:  # noqa: A002
    """Return the same elements in a new shape (one size may be -1)."""
    input = expect_tensor(input, "reshape")
    target = _infer_shape("reshape", shape_arg("reshape", shape), input.numel(), input.shape)
    if target == input.shape:
        return input
    return _view(Reshape.apply(input, target), input)


def view(input: Tensor, *shape: Any) -> Tensor:  # noqa: A002
    """Like ``reshape``; crossgrad does not require contiguous memory for it."""
    input = expect_tensor(input, "view")
    target = _infer_shape("view", shape_arg("view", shape), input.numel(), input.shape)
    return _view(Reshape.apply(input, target), input)


class Permute(Op):
    name = "permute"
    kernel = staticmethod(lambda xp, x, dims: xp.permute_dims(x, dims))

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...]) -> Any:
        ctx.dims = dims
        return ctx.call(x, dims)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return Permute.apply(g, tuple(inverse)), None


def permute(input: Tensor, *dims: Any) -> Tensor:  # noqa: A002
    """Reorder the dims: ``x.permute(2, 0, 1)``."""
    input = expect_tensor(input, "permute")
    order = shape_arg("permute", dims)
    n = input.ndim
    norm = tuple(normalize_dim(d, n, "permute") for d in order)
    if len(norm) != n or sorted(norm) != list(range(n)):
        raise ShapeError(f"permute: dims must list each of the {n} dims once, "
                         f"received dims={order}", hint=f"pass a permutation of {tuple(range(n))}")
    return _view(Permute.apply(input, norm), input)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swap two dims."""
    input = expect_tensor(input, "transpose")
    n = input.ndim
    a, b = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    order = list(range(n))
    order[a], order[b] = order[b], order[a]
    return _view(Permute.apply(input, tuple(order)), input)


class Expand(Op):
    name = "expand"
    kernel = staticmethod(lambda xp, x, shape: xp.broadcast_to(x, shape))

    @staticmethod
    def forward(ctx: Node, x: Any, shape: tuple[int, ...]) -> Any:
        ctx.source_shape = x.shape
        return ctx.call(x, shape)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        from crossgrad.ops._util import unbroadcast

        return unbroadcast(g, ctx.source_shape), None


def expand(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    """Broadcast to a larger shape without copying; -1 keeps a dim's size."""
    input = expect_tensor(input, "expand")
    target = shape_arg("expand", sizes)
    src = input.shape
    if len(target) < len(src):
        raise ShapeError(f"expand: the target shape {target} has fewer dims than the "
                         f"tensor's shape {src}", hint="give at least as many sizes as dims")
    lead = len(target) - len(src)
    out = list(target)
    for i, s in enumerate(src):
        t = target[lead + i]
        if t == -1:
            out[lead + i] = s
        elif s != t and s != 1:
            raise ShapeError(f"expand: the size of dim {i} ({s}) cannot expand to {t}: "
                             f"tensor.shape={src}, target={target}",
                             hint="only dims of size 1 can be expanded")
    target = tuple(out)
    if target == src:
        return input
    return _view(Expand.apply(input, target), input)


def broadcast_to(input: Tensor, shape: Any) -> Tensor:  # noqa: A002
    """``expand`` under NumPy's name."""
    return expand(input, tuple(shape))
