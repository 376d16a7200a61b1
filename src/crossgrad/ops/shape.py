"""Shape ops: reshape/view, permute/transpose, expand, squeeze, cat/stack, split, ..."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.errors import ShapeError
from crossgrad.core.function import Node, Op
from crossgrad.core.gradient_ops import Expand
from crossgrad.ops._util import (
    Tensor,
    cast,
    expect_tensor,
    normalize_dim,
    normalize_dims,
    shape_arg,
)

__all__ = [
    "reshape",
    "view",
    "permute",
    "transpose",
    "expand",
    "broadcast_to",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "tile",
    "cat",
    "concat",
    "concatenate",
    "stack",
    "split",
    "chunk",
    "flip",
    "roll",
    "narrow",
    "movedim",
    "moveaxis",
    "swapaxes",
    "swapdims",
]
# Tensor.repeat has no torch.repeat counterpart; cat and stack are functions only.


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


def _infer_shape(
    op: str, shape: tuple[int, ...], numel: int, source: tuple[int, ...]
) -> tuple[int, ...]:
    unknown = [i for i, s in enumerate(shape) if s == -1]
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise ShapeError(
                    f"{op}: invalid size {s} in shape={shape}",
                    hint="sizes are non-negative, with at most one -1",
                )
            known *= s
    if len(unknown) > 1:
        raise ShapeError(
            f"{op}: only one dim can be -1, received shape={shape}", hint="give every size but one"
        )
    if unknown:
        if known == 0 or numel % known:
            raise ShapeError(
                f"{op}: shape={shape} is invalid for input of shape {source} ({numel} elements)",
                hint="the sizes must multiply to the number of elements",
            )
        shape = shape[: unknown[0]] + (numel // known,) + shape[unknown[0] + 1 :]
    elif known != numel:
        raise ShapeError(
            f"{op}: shape={shape} is invalid for input of shape {source} ({numel} elements)",
            hint="the sizes must multiply to the number of elements",
        )
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
        raise ShapeError(
            f"permute: dims must list each of the {n} dims once, received dims={order}",
            hint=f"pass a permutation of {tuple(range(n))}",
        )
    return _view(Permute.apply(input, norm), input)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """Swap two dims."""
    input = expect_tensor(input, "transpose")
    n = input.ndim
    a, b = normalize_dim(dim0, n, "transpose"), normalize_dim(dim1, n, "transpose")
    order = list(range(n))
    order[a], order[b] = order[b], order[a]
    return _view(Permute.apply(input, tuple(order)), input)


def expand(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    """Broadcast to a larger shape without copying; -1 keeps a dim's size."""
    input = expect_tensor(input, "expand")
    target = shape_arg("expand", sizes)
    src = input.shape
    if len(target) < len(src):
        raise ShapeError(
            f"expand: the target shape {target} has fewer dims than the tensor's shape {src}",
            hint="give at least as many sizes as dims",
        )
    lead = len(target) - len(src)
    out = list(target)
    for i, s in enumerate(src):
        t = target[lead + i]
        if t == -1:
            out[lead + i] = s
        elif s != t and s != 1:
            raise ShapeError(
                f"expand: the size of dim {i} ({s}) cannot expand to {t}: "
                f"tensor.shape={src}, target={target}",
                hint="only dims of size 1 can be expanded",
            )
    target = tuple(out)
    if target == src:
        return input
    return _view(Expand.apply(input, target), input)


def broadcast_to(input: Tensor, shape: Any) -> Tensor:  # noqa: A002
    """``expand`` under NumPy's name."""
    return expand(input, tuple(shape))


# ====================================================================== flatten, squeeze


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge dims ``start_dim..end_dim`` into one; a 0-d tensor becomes 1-d.

    >>> import crossgrad
    >>> crossgrad.zeros(2, 3, 4).flatten(1).shape
    (2, 12)
    """
    input = expect_tensor(input, "flatten")
    n = input.ndim
    start = normalize_dim(start_dim, n, "flatten")
    end = normalize_dim(end_dim, n, "flatten")
    if start > end:
        raise ShapeError(
            f"flatten: start_dim={start_dim} comes after end_dim={end_dim} for tensor.ndim={n}",
            hint="pass start_dim <= end_dim",
        )
    if n == 0:
        return reshape(input, (1,))
    shape = input.shape
    merged = math.prod(shape[start : end + 1])
    return reshape(input, shape[:start] + (merged,) + shape[end + 1 :])


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:  # noqa: A002
    """Split dim ``dim`` into ``sizes`` (one of them may be -1).

    >>> import crossgrad
    >>> crossgrad.zeros(2, 12).unflatten(1, (3, -1)).shape
    (2, 3, 4)
    """
    input = expect_tensor(input, "unflatten")
    d = normalize_dim(dim, input.ndim, "unflatten")
    sizes = shape_arg("unflatten", tuple(sizes))
    if not sizes:
        raise ShapeError("unflatten: sizes must be non-empty", hint="pass e.g. sizes=(2, -1)")
    n = input.shape[d]
    known = math.prod(s for s in sizes if s != -1)
    unknown = sizes.count(-1)
    if unknown > 1 or any(s < -1 for s in sizes):
        fits = False
    elif unknown:
        fits = known != 0 and n % known == 0
    else:
        fits = known == n
    if not fits:
        raise ShapeError(
            f"unflatten: sizes={sizes} do not multiply to the size of dim {d}: "
            f"input.shape={input.shape}",
            hint=f"give sizes whose product is {n} (at most one -1)",
        )
    if unknown:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(input, input.shape[:d] + sizes + input.shape[d + 1 :])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """Drop dims of size 1: all of them, or those in ``dim`` (other sizes are left alone).

    >>> import crossgrad
    >>> crossgrad.zeros(2, 1, 3, 1).squeeze(1).shape
    (2, 3, 1)
    """
    input = expect_tensor(input, "squeeze")
    dims = normalize_dims(dim, input.ndim, "squeeze")
    target = tuple(s for i, s in enumerate(input.shape) if s != 1 or i not in dims)
    return reshape(input, target)


def _insert_dim(op: str, dim: int, ndim: int) -> int:
    """``dim`` as a position among ``ndim + 1`` dims (unsqueeze, stack)."""
    if not -ndim - 1 <= dim <= ndim:
        raise ShapeError(
            f"{op}: dim out of range: dim={dim}, tensor.ndim={ndim}",
            hint=f"pick a dim in [{-ndim - 1}, {ndim}]",
        )
    return dim % (ndim + 1)


def unsqueeze(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """Insert a dim of size 1 at ``dim``.

    >>> import crossgrad
    >>> crossgrad.zeros(2, 3).unsqueeze(-1).shape
    (2, 3, 1)
    """
    input = expect_tensor(input, "unsqueeze")
    d = _insert_dim("unsqueeze", dim, input.ndim)
    shape = input.shape
    return _view(Reshape.apply(input, shape[:d] + (1,) + shape[d:]), input)


# ====================================================================== repeat, tile


class Repeat(Op):
    """``np.tile``: copies of the tensor laid side by side along each dim."""

    name = "repeat"
    kernel = staticmethod(lambda xp, x, reps: xp.tile(x, reps))

    @staticmethod
    def forward(ctx: Node, x: Any, reps: tuple[int, ...]) -> Any:
        ctx.shape, ctx.reps = x.shape, reps
        return ctx.call(x, reps)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        shape, reps = ctx.shape, ctx.reps
        padded = (1,) * (len(reps) - len(shape)) + shape
        # Output dim i is (reps[i], padded[i]) laid out row-major: sum over the copies.
        split = tuple(n for pair in zip(reps, padded) for n in pair)
        copies = tuple(range(0, 2 * len(reps), 2))
        return g.reshape(split).sum(dim=copies).reshape(shape), None


def repeat(input: Tensor, *sizes: Any) -> Tensor:  # noqa: A002
    """Tile the tensor ``sizes[i]`` times along dim i; extra leading sizes add dims.

    >>> import crossgrad
    >>> crossgrad.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    input = expect_tensor(input, "repeat")
    reps = shape_arg("repeat", sizes)
    if len(reps) < input.ndim:
        raise ShapeError(
            f"repeat: got {len(reps)} sizes for a tensor of {input.ndim} dims: "
            f"sizes={reps}, tensor.shape={input.shape}",
            hint="give one size per dim (more add leading dims), or use tile",
        )
    if any(r < 0 for r in reps):
        raise ShapeError(
            f"repeat: sizes must be non-negative, received sizes={reps}",
            hint="use 0 for an empty result, 1 to keep a dim as it is",
        )
    return Repeat.apply(input, reps)


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:  # noqa: A002
    """Like ``repeat``, but fewer sizes than dims repeat the trailing dims (NumPy's tile)."""
    input = expect_tensor(input, "tile")
    reps = shape_arg("tile", tuple(dims))
    return repeat(input, (1,) * (input.ndim - len(reps)) + reps)


# ====================================================================== cat, stack, split


class Cat(Op):
    name = "cat"
    kernel = staticmethod(lambda xp, *xs, dim: xp.concat(list(xs), axis=dim))

    @staticmethod
    def forward(ctx: Node, *xs: Any, dim: int) -> Any:
        ctx.sizes, ctx.dim = tuple(x.shape[dim] for x in xs), dim
        return ctx.call(*xs, dim=dim)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, ...]:
        return Split.apply(g, ctx.sizes, ctx.dim)


class Split(Op):
    """Consecutive pieces of ``sizes`` along ``dim``; its gradient is their ``cat``."""

    name = "split"

    @staticmethod
    def kernel(xp: Any, x: Any, sizes: tuple[int, ...], dim: int) -> tuple[Any, ...]:
        pieces = []
        start = 0
        for n in sizes:
            pieces.append(x[(slice(None),) * dim + (slice(start, start + n), ...)])
            start += n
        return tuple(pieces)

    @staticmethod
    def forward(ctx: Node, x: Any, sizes: tuple[int, ...], dim: int) -> Any:
        ctx.dim = dim
        return ctx.call(x, sizes, dim)

    @staticmethod
    def backward(ctx: Node, *grads: Tensor) -> tuple[Tensor, None, None]:
        # Pieces nobody used arrive as zeros (the engine materializes them).
        return Cat.apply(*grads, dim=ctx.dim), None, None


def _tensors(op: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise ShapeError(
            f"{op}: expected a sequence of tensors, received one Tensor",
            hint=f"wrap it in a list: {op}([t, ...])",
        )
    tensors = list(tensors)
    if not tensors:
        raise ShapeError(
            f"{op}: expected a non-empty sequence of tensors", hint="pass at least one tensor"
        )
    for i, t in enumerate(tensors):
        expect_tensor(t, op, f"tensors[{i}]")
    want = dtypes.result_type(*tensors)
    return [cast(t, want) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; the other dims must match.

    >>> import crossgrad
    >>> crossgrad.cat([crossgrad.zeros(2, 3), crossgrad.ones(1, 3)]).shape
    (3, 3)
    """
    tensors = _tensors("cat", tensors)
    tensors = _without_legacy_empties(tensors, dim)
    first = tensors[0]
    if first.ndim == 0:
        raise ShapeError(
            "cat: zero-dimensional tensors cannot be concatenated: tensors[0].shape=()",
            hint="unsqueeze them first, or use stack",
        )
    d = normalize_dim(dim, first.ndim, "cat")
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != first.ndim:
            raise ShapeError(
                f"cat: tensors must have the same number of dims: "
                f"tensors[0].shape={first.shape}, tensors[{i}].shape={t.shape}",
                hint="reshape or unsqueeze the tensors to one rank first",
            )
        for k, (a, b) in enumerate(zip(first.shape, t.shape)):
            if k != d and a != b:
                raise ShapeError(
                    f"cat: sizes must match except in the cat dim {d}: tensors[{i}].shape="
                    f"{t.shape} differs from tensors[0].shape={first.shape} in dim {k}",
                    hint=f"make dim {k} equal (slice or pad), or concatenate along dim {k}",
                )
    return Cat.apply(*tensors, dim=d)


concat = concatenate = cat


def _without_legacy_empties(tensors: list[Tensor], dim: int) -> list[Tensor]:
    """PyTorch's legacy rule: a 1-d empty tensor joins tensors of any shape. Each becomes
    an empty piece of the others' shape, so it still gets its (empty) gradient."""
    legacy = [t.ndim == 1 and t.shape[0] == 0 for t in tensors]
    if all(legacy) or not any(legacy):
        return tensors
    like = tensors[legacy.index(False)]
    if like.ndim == 0:
        return tensors  # cat's own error names the 0-d tensor
    d = normalize_dim(dim, like.ndim, "cat")
    empty = tuple(0 if k == d else n for k, n in enumerate(like.shape))
    return [t.reshape(empty) if is_legacy else t for t, is_legacy in zip(tensors, legacy)]


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dim ``dim``.

    >>> import crossgrad
    >>> crossgrad.stack([crossgrad.zeros(2, 3), crossgrad.ones(2, 3)], dim=1).shape
    (2, 2, 3)
    """
    tensors = _tensors("stack", tensors)
    first = tensors[0]
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != first.shape:
            raise ShapeError(
                f"stack: all tensors must have the same shape: "
                f"tensors[0].shape={first.shape}, tensors[{i}].shape={t.shape}",
                hint="reshape or broadcast them to one shape first",
            )
    d = _insert_dim("stack", dim, first.ndim)
    return Cat.apply(*(unsqueeze(t, d) for t in tensors), dim=d)


def _pieces(x: Tensor, sizes: tuple[int, ...], dim: int) -> tuple[Tensor, ...]:
    """``x`` split into pieces of ``sizes`` along ``dim``: views sharing its version."""
    return tuple(_view(t, x) for t in Split.apply(x, sizes, dim))


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into pieces of ``split_size_or_sections`` (an int: the last may be smaller; a
    list: the sizes, summing to the dim's size).

    >>> import crossgrad
    >>> [t.shape for t in crossgrad.zeros(5, 2).split(2)]
    [(2, 2), (2, 2), (1, 2)]
    """
    tensor = expect_tensor(tensor, "split", "tensor")
    if tensor.ndim == 0:
        raise ShapeError("split: a 0-d tensor cannot be split", hint="reshape it to 1-d first")
    d = normalize_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0 or (size == 0 and n != 0):
            raise ShapeError(
                f"split: split_size must be positive, received split_size={size} "
                f"for dim {d} of size {n}",
                hint="pass a split size >= 1",
            )
        if size == 0 or n == 0:
            sizes: tuple[int, ...] = (n,)
        else:
            sizes = (size,) * (n // size) + ((n % size,) if n % size else ())
    else:
        sizes = shape_arg("split", tuple(split_size_or_sections))
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ShapeError(
                f"split: split sizes must be non-negative and sum to the size of "
                f"dim {d}: sizes={sizes} sum to {sum(sizes)}, "
                f"tensor.shape={tensor.shape}",
                hint=f"give sizes that add up to {n}",
            )
    return _pieces(tensor, sizes, d)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Split into ``chunks`` pieces of equal size (the last may be smaller, and there may be
    fewer pieces, as in PyTorch).

    >>> import crossgrad
    >>> [t.shape for t in crossgrad.zeros(5).chunk(3)]
    [(2,), (2,), (1,)]
    """
    input = expect_tensor(input, "chunk")
    if input.ndim == 0:
        raise ShapeError("chunk: a 0-d tensor cannot be chunked", hint="reshape it to 1-d first")
    if chunks <= 0:
        raise ShapeError(
            f"chunk: chunks must be positive, received chunks={chunks}", hint="pass chunks >= 1"
        )
    d = normalize_dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    if n == 0:  # chunks empty pieces, as PyTorch gives
        return _pieces(input, (0,) * chunks, d)
    return split(input, -(-n // chunks), d)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """The view of ``length`` elements from ``start`` along ``dim`` (start may be negative).

    >>> import crossgrad
    >>> crossgrad.arange(6).narrow(0, 1, 3)
    tensor([1, 2, 3])
    """
    input = expect_tensor(input, "narrow")
    if input.ndim == 0:
        raise ShapeError("narrow: a 0-d tensor cannot be narrowed", hint="reshape it to 1-d")
    d = normalize_dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    begin = start + n if start < 0 else start
    if not 0 <= begin <= n or length < 0 or begin + length > n:
        raise ShapeError(
            f"narrow: start={start}, length={length} do not fit in dim {d} of "
            f"size {n}: input.shape={input.shape}",
            hint=f"need -{n} <= start <= {n}, length >= 0, start + length <= {n}",
        )
    # The middle piece of a three-way split: its gradient is padded with zeros by Split.
    pieces = _pieces(input, (begin, length, n - begin - length), d)
    return pieces[1]


# ====================================================================== flip, roll, movedim


class Flip(Op):
    name = "flip"
    # NumPy's flip is a view; PyTorch's flip copies, so the result gets its own memory.
    kernel = staticmethod(lambda xp, x, dims: xp.asarray(xp.flip(x, axis=dims), copy=True))

    @staticmethod
    def forward(ctx: Node, x: Any, dims: tuple[int, ...]) -> Any:
        ctx.dims = dims
        return ctx.call(x, dims)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        return Flip.apply(g, ctx.dims), None


def flip(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """Reverse the order of elements along ``dims`` (an int or a sequence).

    >>> import crossgrad
    >>> crossgrad.tensor([1, 2, 3]).flip(0)
    tensor([3, 2, 1])
    """
    input = expect_tensor(input, "flip")
    norm = normalize_dims(dims, input.ndim, "flip")
    return Flip.apply(input, norm if input.ndim else ())


class Roll(Op):
    name = "roll"
    kernel = staticmethod(lambda xp, x, shifts, dims: xp.roll(x, shift=shifts, axis=dims))

    @staticmethod
    def forward(ctx: Node, x: Any, shifts: Any, dims: Any) -> Any:
        ctx.shifts, ctx.dims = shifts, dims
        return ctx.call(x, shifts, dims)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None]:
        shifts, dims = ctx.shifts, ctx.dims
        back = -shifts if isinstance(shifts, int) else tuple(-s for s in shifts)
        return Roll.apply(g, back, dims), None, None


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Shift elements cyclically along ``dims``; with ``dims=None`` the flattened tensor.

    >>> import crossgrad
    >>> crossgrad.tensor([1, 2, 3, 4]).roll(1)
    tensor([4, 1, 2, 3])
    """
    input = expect_tensor(input, "roll")
    shift_tuple = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shift_tuple) != 1:
            raise ShapeError(
                f"roll: without dims, shifts must be one int, received shifts={shifts}",
                hint="pass dims= with one dim per shift",
            )
        return Roll.apply(input, shift_tuple[0], None)
    dim_tuple = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shift_tuple) != len(dim_tuple):
        raise ShapeError(
            f"roll: shifts and dims must have the same length: shifts={shifts}, dims={dims}",
            hint="give one shift per dim",
        )
    norm = tuple(normalize_dim(d, input.ndim, "roll") for d in dim_tuple)
    if not input.ndim:
        return Roll.apply(input, 0, None)
    return Roll.apply(input, shift_tuple, norm)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """Move dims ``source`` to positions ``destination``; the others keep their order.

    >>> import crossgrad
    >>> crossgrad.zeros(2, 3, 4).movedim(0, -1).shape
    (3, 4, 2)
    """
    input = expect_tensor(input, "movedim")
    n = input.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise ShapeError(
            f"movedim: source and destination must have the same length: "
            f"source={source}, destination={destination}",
            hint="give one destination per source dim",
        )
    src = tuple(normalize_dim(d, n, "movedim") for d in src)
    dst = tuple(normalize_dim(d, n, "movedim") for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ShapeError(
            f"movedim: a dim appears twice: source={source}, destination={destination}",
            hint="list each dim once",
        )
    order: list[int | None] = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in src)
    return permute(input, tuple(next(rest) if o is None else o for o in order))


moveaxis = movedim


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:  # noqa: A002
    """``transpose`` under NumPy's name."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``transpose`` under another of PyTorch's names."""
    return transpose(input, dim0, dim1)
