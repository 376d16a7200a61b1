"""Indexing: getitem/setitem, gather, scatter, index_select, masked_fill, take_along_dim.

Three ops do all the work, each running one named kernel a backend may override:

- ``GetItem``: ``x[key]`` (kernel ``getitem``);
- ``IndexPut``: a copy of ``x`` with ``x[key] = values`` (kernel ``index_put``);
- ``IndexPutAdd``: a copy of ``x`` with ``x[key] += values``, repeated positions
  accumulating (kernel ``scatter_add``).

A ``key`` is a NumPy-style index tuple that :func:`resolve` has already turned into
PyTorch's meaning: ints, positive-step slices and None only (a *basic* key, whose result is
a view), or one integer array (or int) per input dim, all broadcasting to the result shape
(an *advanced* key). gather, scatter, index_select, take_along_dim, index_add and
index_fill build advanced keys too, so each gradient is one of the three ops again and
every order of derivative works.
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

import numpy as np

from crossgrad.core import dtypes
from crossgrad.core.errors import BackendMismatchError, DTypeError, ShapeError
from crossgrad.core.function import Node, Op, portable_kernel
from crossgrad.core.tensor import make
from crossgrad.ops import elementwise as ew
from crossgrad.ops._util import (
    Tensor,
    as_tensor_like,
    broadcast_shapes,
    cast,
    expect_tensor,
    normalize_dim,
    unbroadcast,
)
from crossgrad.ops.inplace import inplace
from crossgrad.ops.shape import _view, unsqueeze

__all__ = [
    "gather",
    "scatter",
    "scatter_add",
    "index_select",
    "masked_fill",
    "masked_select",
    "take_along_dim",
    "index_put",
    "index_add",
    "index_fill",
]


# ====================================================================== the three ops


class GetItem(Op):
    """``x[key]``; the gradient is scattered back into zeros, repeats accumulating."""

    name = "getitem"
    kernel = staticmethod(lambda xp, x, key: x[key])

    @staticmethod
    def forward(ctx: Node, x: Any, key: tuple[Any, ...]) -> Any:
        ctx.shape, ctx.key = x.shape, key
        return ctx.call(x, key)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        shape, key = ctx.shape, ctx.key
        return IndexPutAdd.apply(_zeros(g, shape), g, key), None


class IndexPutAdd(Op):
    """``x`` with ``values`` added at ``key``: repeated positions accumulate."""

    name = "index_put_add"

    @staticmethod
    def forward(ctx: Node, x: Any, values: Any, key: tuple[Any, ...]) -> Any:
        ctx.value_shape, ctx.key = values.shape, key
        return ctx.run("scatter_add", x, key, values)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, Any, None]:
        value_shape, key = ctx.value_shape, ctx.key
        nx, nv = ctx.needs_input_grad[:2]
        gv = unbroadcast(GetItem.apply(g, key), value_shape) if nv else None
        return (g if nx else None), gv, None


class IndexPut(Op):
    """``x`` with ``values`` written at ``key`` (out of place; ``x[key] = v`` rebinds to it)."""

    name = "index_put"

    @staticmethod
    def kernel(xp: Any, x: Any, key: tuple[Any, ...], values: Any) -> Any:
        out = xp.asarray(x, copy=True)
        out[key] = values
        return out

    @staticmethod
    def forward(ctx: Node, x: Any, values: Any, key: tuple[Any, ...]) -> Any:
        ctx.value_shape, ctx.key = values.shape, key
        return ctx.call(x, key, values)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, Any, None]:
        value_shape, key = ctx.value_shape, ctx.key
        nx, nv = ctx.needs_input_grad[:2]
        gx = IndexPut.apply(g, _zeros(g, ()), key) if nx else None  # overwritten: no gradient
        gv = unbroadcast(GetItem.apply(g, key), value_shape) if nv else None
        return gx, gv, None


@portable_kernel("scatter_add")
def _scatter_add(xp: Any, target: Any, key: tuple[Any, ...], values: Any) -> Any:
    """``target[key] += values`` with repeats accumulating, from array-API ops alone.

    The array API has no scatter: each value's flat position is found by indexing a grid
    of positions with ``key``, and values are summed into place through a one-hot match,
    a chunk at a time so memory stays bounded. Backends override this with their scatter.
    """
    int64 = xp.int64
    size = 1
    for n in target.shape:
        size *= n
    positions = xp.reshape(xp.arange(size, dtype=int64), target.shape)[key]
    values = xp.broadcast_to(xp.astype(values, target.dtype), positions.shape)
    positions = xp.reshape(positions, (-1,))
    values = xp.reshape(values, (-1,))
    flat = xp.reshape(target, (-1,))
    every = xp.arange(size, dtype=int64)
    zero = xp.zeros((), dtype=target.dtype)
    chunk = max(1, 2**22 // max(size, 1))
    n = positions.shape[0]
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)  # the array API leaves slices past the end undefined
        hit = positions[start:stop, None] == every[None, :]
        picked = xp.where(hit, values[start:stop, None], zero)
        flat = flat + xp.astype(xp.sum(picked, axis=0), target.dtype)
    return xp.reshape(flat, target.shape)


def _zeros(like: Tensor, shape: tuple[int, ...]) -> Tensor:
    return make(like._backend.zeros(shape, like.dtype), like._backend)


# ====================================================================== resolving an index


class Key(NamedTuple):
    """A user's index resolved against one tensor."""

    items: tuple[Any, ...]  # what the kernels index with
    shape: tuple[int, ...]  # the shape of ``x[index]``
    basic: bool  # ints, slices and None only: the result is a view, no position repeats


def resolve(x: Tensor, index: Any, op: str) -> Key:
    """Turn ``index`` (as in ``x[index]``) into a :class:`Key`, checking it against x's shape.

    Follows PyTorch: ints select first (unlike NumPy, an int never counts as an advanced
    index), then integer and boolean arrays index what is left, their result dims placed
    where the arrays stand if they are adjacent, else first.
    """
    items = index if type(index) is tuple or _list_as_tuple(index) else (index,)
    parts = [_classify(x, item, op) for item in items]
    parts = _expand_ellipsis(parts, x.ndim, op)
    entries = _check_bounds(x, parts, op)
    if not any(kind == "array" for kind, _ in entries):
        return _basic_key(entries)
    return _advanced_key(x, entries, op)


def _list_as_tuple(index: Any) -> bool:
    """PyTorch's (and old NumPy's) rule: a short list holding a sequence, slice, tensor,
    None or ... is a tuple of indices (``x[[[0, 1], [1, 2]]]`` is ``x[[0, 1], [1, 2]]``)."""
    if type(index) is not list or len(index) >= 32:
        return False
    return any(
        isinstance(e, (list, tuple, slice, Tensor, np.ndarray)) or e is None or e is Ellipsis
        for e in index
    )


def _classify(x: Tensor, item: Any, op: str) -> tuple[str, Any]:
    """One index item as (kind, value): int, slice, new, ellipsis, array or mask."""
    if item is None:
        return "new", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, bool):
        return _python_bool(item, op)
    if isinstance(item, slice):
        return "slice", item
    backend = x._backend
    if isinstance(item, Tensor):
        category = item.dtype.category
        if category == dtypes.FLOATING:
            raise DTypeError(
                f"{op}: tensors used as indices must be integer or bool, "
                f"received dtype={item.dtype!r}",
                hint="cast the index with .long()",
            )
        if item.ndim == 0:
            value = item.item()
            return _python_bool(value, op) if category == dtypes.BOOL else ("int", int(value))
        data = _index_data(x, item, op)
        if category == dtypes.BOOL:
            return "mask", data
        return "array", data if item.dtype is dtypes.int64 else backend.astype(data, dtypes.int64)
    if isinstance(item, (list, np.ndarray)):
        arr = np.asarray(item)
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(np.int64)  # [] is an empty integer index, as in PyTorch
        if arr.dtype.kind == "b":
            return (
                ("mask", backend.asarray(arr, dtypes.bool_))
                if arr.ndim
                else _python_bool(bool(arr), op)
            )
        if arr.dtype.kind in "iu":
            if arr.ndim == 0:
                return "int", int(arr)
            return "array", backend.asarray(arr, dtypes.int64)
        raise DTypeError(
            f"{op}: arrays used as indices must be integer or bool, received dtype={arr.dtype}",
            hint="cast the index to int64",
        )
    try:
        return "int", operator.index(item)
    except TypeError:
        raise DTypeError(
            f"{op}: unsupported index item {item!r} of type {type(item).__name__}",
            hint="index with ints, slices, None, ..., or integer / bool tensors",
        ) from None


def _index_data(x: Tensor, index: Tensor, op: str) -> Any:
    """The array of an index tensor, which must live on x's backend."""
    if index._backend is not x._backend:
        raise BackendMismatchError(
            f"{op}: the index is on backend {index.backend!r} and the tensor on {x.backend!r}",
            hint=f"move the index with index.to({x.backend!r}); crossgrad never moves data "
            "between backends silently",
        )
    return index._data


def _python_bool(value: bool, op: str) -> tuple[str, Any]:
    if value:
        return "new", None  # x[True] is x[None], as in PyTorch and NumPy
    raise ShapeError(
        f"{op}: False among other index items is not supported (x[False] alone is)",
        hint="for an empty result use x[None][:0]",
    )


def _expand_ellipsis(parts: list[tuple[str, Any]], ndim: int, op: str) -> list[tuple[str, Any]]:
    consumed = 0
    for kind, value in parts:
        if kind in ("int", "slice", "array"):
            consumed += 1
        elif kind == "mask":
            consumed += value.ndim
    if consumed > ndim:
        raise ShapeError(
            f"{op}: too many indices: {consumed} dims indexed, tensor.ndim={ndim}",
            hint="index at most one position per dim (use .item() for a 0-d tensor's value)",
        )
    ellipses = [i for i, (kind, _) in enumerate(parts) if kind == "ellipsis"]
    if len(ellipses) > 1:
        raise ShapeError(
            f"{op}: an index can hold only one ellipsis (...), received {len(ellipses)}",
            hint="keep one '...' and spell out the other dims with ':'",
        )
    fill = [("slice", slice(None))] * (ndim - consumed)
    if ellipses:
        at = ellipses[0]
        return parts[:at] + fill + parts[at + 1 :]
    return parts + fill


def _check_bounds(x: Tensor, parts: list[tuple[str, Any]], op: str) -> list[tuple[str, Any]]:
    """Normalise each part against its dim (ints and arrays in range, slice bounds clipped)."""
    xp = x._backend.xp
    shape = x.shape
    out: list[tuple[str, Any]] = []
    dim = 0
    for kind, value in parts:
        if kind == "new":
            out.append((kind, value))
            continue
        if kind == "mask":
            covered = shape[dim : dim + value.ndim]
            if tuple(value.shape) != covered:
                raise ShapeError(
                    f"{op}: the boolean mask does not match the dims it indexes: "
                    f"mask.shape={tuple(value.shape)}, tensor.shape[{dim}:{dim + value.ndim}]"
                    f"={covered}",
                    hint="give a mask of exactly the indexed dims' shape",
                )
            for arr in xp.nonzero(value):
                out.append(("array", xp.astype(arr, xp.int64)))
            dim += value.ndim
            continue
        size = shape[dim]
        if kind == "int":
            if not -size <= value < size:
                raise _out_of_bounds(op, value, dim, size, allow_negative=True)
            out.append(("int", value % size))
        elif kind == "slice":
            out.append(("slice", _slice_bounds(value, size, op)))
        else:
            out.append(
                ("array", _check_array(x._backend, value, dim, size, op, allow_negative=True))
            )
        dim += 1
    return out


def _slice_bounds(s: slice, size: int, op: str) -> tuple[int, int, int]:
    def as_int(v: Any) -> Any:
        return None if v is None else operator.index(v)

    start, stop, step = as_int(s.start), as_int(s.stop), as_int(s.step)
    if step is not None and step <= 0:
        raise ShapeError(
            f"{op}: slice step must be positive, received step={step}",
            hint="PyTorch has no negative steps; index with a reversed index "
            "tensor instead, e.g. x[crossgrad.arange(n - 1, -1, -1)]",
        )
    return slice(start, stop, step).indices(size)


def _check_array(backend: Any, arr: Any, dim: int, size: int, op: str, allow_negative: bool) -> Any:
    """Check index values against ``size`` (index values are data: they are read here)."""
    if any(n == 0 for n in arr.shape):
        return arr
    xp = backend.xp
    # One transfer for both bounds: on an accelerator each read waits for the device. The
    # backend brings them to the host (the array API has no ``tolist``).
    lo, hi = backend.to_numpy(xp.stack([xp.min(arr), xp.max(arr)])).tolist()
    low_ok = -size if allow_negative else 0
    if hi >= size:
        raise _out_of_bounds(op, hi, dim, size, allow_negative)
    if lo < low_ok:
        raise _out_of_bounds(op, lo, dim, size, allow_negative)
    if lo < 0:
        arr = xp.where(arr < 0, arr + size, arr)
    return arr


def _out_of_bounds(op: str, index: int, dim: int, size: int, allow_negative: bool) -> ShapeError:
    valid = f"-{size} to {size - 1}" if allow_negative else f"0 to {size - 1}"
    if size == 0:
        valid = "none: the dim is empty"
    return ShapeError(
        f"{op}: index out of bounds: index={index}, dim={dim}, size={size}",
        hint=f"valid indices for dim {dim} are {valid}",
    )


def _basic_key(entries: list[tuple[str, Any]]) -> Key:
    index: list[Any] = []
    shape: list[int] = []
    for kind, value in entries:
        if kind == "int":
            index.append(value)
        elif kind == "slice":
            index.append(slice(*value))
            shape.append(len(range(*value)))
        else:
            index.append(None)
            shape.append(1)
    return Key(tuple(index), tuple(shape), True)


def _advanced_key(x: Tensor, entries: list[tuple[str, Any]], op: str) -> Key:
    """One integer array per input dim, each shaped to broadcast to PyTorch's result shape."""
    rest = [i for i, (kind, _) in enumerate(entries) if kind != "int"]
    at = [j for j, i in enumerate(rest) if entries[i][0] == "array"]
    arrays = [entries[rest[j]][1] for j in at]
    shapes = [tuple(a.shape) for a in arrays]
    try:
        block = broadcast_shapes(op, *shapes)
    except ShapeError:
        raise ShapeError(
            f"{op}: index tensors cannot be broadcast together: "
            + ", ".join(f"shape={s}" for s in shapes),
            hint="give index tensors broadcastable shapes",
        ) from None
    adjacent = at == list(range(at[0], at[-1] + 1))
    others = [rest[j] for j in range(len(rest)) if j not in at]
    if adjacent:
        before = [i for i in others if i < rest[at[0]]]
        after = [i for i in others if i > rest[at[-1]]]
    else:
        before, after = [], others
    axis = {i: a for a, i in enumerate(before)}
    first = len(before)
    axis.update({i: first + len(block) + a for a, i in enumerate(after)})
    sizes = (
        [_length(entries[i]) for i in before] + list(block) + [_length(entries[i]) for i in after]
    )
    ndim = len(sizes)
    if not any(kind == "int" for kind, _ in entries):
        # Without ints, NumPy's placement rules are PyTorch's: keep the slices (much faster).
        kept = tuple(slice(*v) if k == "slice" else None if k == "new" else v for k, v in entries)
        return Key(kept, tuple(sizes), False)

    backend = x._backend
    xp = backend.xp
    index: list[Any] = []
    for i, (kind, value) in enumerate(entries):
        if kind == "int":
            index.append(value)
        elif kind == "slice":
            shape = [1] * ndim
            shape[axis[i]] = sizes[axis[i]]
            index.append(xp.reshape(_arange(backend, *value), tuple(shape)))
        elif kind == "array":
            lead = [1] * (first + len(block) - value.ndim)
            index.append(xp.reshape(value, (*lead, *value.shape, *[1] * len(after))))
    return Key(tuple(index), tuple(sizes), False)


def _length(entry: tuple[str, Any]) -> int:
    kind, value = entry
    return len(range(*value)) if kind == "slice" else 1


def _arange(backend: Any, start: int, stop: int | None = None, step: int = 1) -> Any:
    if stop is None:
        start, stop = 0, start
    return backend.xp.arange(start, stop, step, dtype=backend.native_dtype(dtypes.int64))


# ====================================================================== getitem / setitem


def getitem(self: Tensor, index: Any) -> Tensor:
    """``x[index]``: basic, integer-array and boolean-mask indexing, as in PyTorch.

    >>> import crossgrad
    >>> x = crossgrad.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> x[1, ::2], x[:, [0, 0]].shape, x[x > 4]
    (tensor([4., 6.]), (2, 2), tensor([5., 6.]))
    """
    if _is_false(index):  # x[False] is x[None][:0], as in PyTorch
        return getitem(unsqueeze(self, 0), slice(0, 0))
    key = resolve(self, index, "getitem")
    out = GetItem.apply(self, key.items)
    return _view(out, self) if key.basic else out


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value``: the out-of-place ``index_put`` rebound into ``x``.

    >>> import crossgrad
    >>> x = crossgrad.zeros(2, 3)
    >>> x[0, 1:] = 5.0
    >>> x
    tensor([[0., 5., 5.],
            [0., 0., 0.]])
    """
    if _is_false(index):  # selects nothing: the value is checked, nothing is written
        _values_for(self, value, (0, *self.shape), "setitem")
        return
    key = resolve(self, index, "setitem")
    values = _values_for(self, value, key.shape, "setitem")
    inplace(self, "setitem", lambda a: IndexPut.apply(a, values, key.items))


def _is_false(index: Any) -> bool:
    """Whether ``index`` is a lone False: a Python or NumPy bool, or a 0-d bool tensor."""
    if isinstance(index, (bool, np.bool_)):
        return not index
    return (
        isinstance(index, Tensor)
        and index.ndim == 0
        and index.dtype is dtypes.bool_
        and not index.item()
    )


def _values_for(x: Tensor, value: Any, shape: tuple[int, ...], op: str) -> Tensor:
    """``value`` as a tensor of x's dtype that broadcasts to ``shape`` (checked up front)."""
    v = as_tensor_like(value, x)
    extra = v.ndim - len(shape)
    if extra > 0 and all(n == 1 for n in v.shape[:extra]):
        v = v.reshape(v.shape[extra:])
    if v.ndim > len(shape) or any(a != b and a != 1 for a, b in zip(v.shape[::-1], shape[::-1])):
        raise ShapeError(
            f"{op}: the value cannot be broadcast to the indexed shape: "
            f"value.shape={tuple(v.shape)}, indexed shape={shape}",
            hint="give a value of the indexed shape, or one that broadcasts to it",
        )
    return cast(v, x.dtype)


def index_put(
    input: Tensor,
    indices: Any,
    values: Any,  # noqa: A002 - PyTorch's name
    accumulate: bool = False,
) -> Tensor:
    """``input`` with ``values`` written at ``input[indices]`` (added when ``accumulate``).

    >>> import crossgrad
    >>> x = crossgrad.zeros(3)
    >>> i = crossgrad.tensor([0, 0, 2])
    >>> x.index_put((i,), crossgrad.tensor(1.0), accumulate=True)
    tensor([2., 0., 1.])
    """
    input = expect_tensor(input, "index_put")
    key = resolve(input, _index_tuple(indices), "index_put")
    values = _values_for(input, values, key.shape, "index_put")
    if accumulate:
        return IndexPutAdd.apply(input, values, key.items)
    return IndexPut.apply(input, values, key.items)


def _index_tuple(indices: Any) -> tuple[Any, ...]:
    return (indices,) if isinstance(indices, Tensor) else tuple(indices)


def index_put_(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """In-place ``index_put``."""
    key = resolve(self, _index_tuple(indices), "index_put_")
    values = _values_for(self, values, key.shape, "index_put_")
    op = IndexPutAdd if accumulate else IndexPut
    return inplace(self, "index_put_", lambda a: op.apply(a, values, key.items))


# ====================================================================== along one dim


def _index_tensor(index: Any, op: str, name: str = "index") -> Tensor:
    index = expect_tensor(index, op, name)
    if index.dtype.category != dtypes.INTEGER:
        raise DTypeError(
            f"{op}: {name} must be an integer tensor, received dtype={index.dtype!r}",
            hint=f"cast it with {name}.long()",
        )
    return index


def _along_dim_key(input: Tensor, dim: int, index: Tensor, op: str) -> tuple[Any, ...]:  # noqa: A002
    """The advanced key of ``out[i][j][k] = input[i][index[i][j][k]][k]`` (dim=1)."""
    backend = input._backend
    xp = backend.xp
    size = input.shape[dim]
    data = _index_data(input, index, op)
    data = _check_array(backend, data, dim, size, op, allow_negative=False)
    n = index.ndim
    key = []
    for d, length in enumerate(index.shape):
        if d == dim:
            key.append(data)
        else:
            key.append(
                xp.reshape(_arange(backend, length), (1,) * d + (length,) + (1,) * (n - d - 1))
            )
    return tuple(key)


def _check_index_shape(
    op: str,
    input: Tensor,
    dim: int,
    index: Tensor,  # noqa: A002
    src: Tensor | None = None,
) -> None:
    if index.ndim != input.ndim:
        raise ShapeError(
            f"{op}: index must have as many dims as input: "
            f"index.shape={index.shape}, input.shape={input.shape}",
            hint="reshape the index (e.g. unsqueeze) to the input's number of dims",
        )
    for d, n in enumerate(index.shape):
        if d != dim and n > input.shape[d]:
            raise ShapeError(
                f"{op}: index is larger than input in dim {d}: "
                f"index.shape={index.shape}, input.shape={input.shape}",
                hint=f"index.shape[d] <= input.shape[d] for every d != dim={dim}",
            )
    if src is None:
        return
    if src.ndim != index.ndim or any(n > s for n, s in zip(index.shape, src.shape)):
        raise ShapeError(
            f"{op}: index is larger than src: index.shape={index.shape}, src.shape={src.shape}",
            hint="src needs as many dims as index and at least its size in each",
        )


def _leading_block(src: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``src[:shape[0], :shape[1], ...]``: the part of src that the index addresses."""
    if src.shape == shape:
        return src
    return GetItem.apply(src, tuple(slice(0, n) for n in shape))


def _as_1d(t: Tensor) -> Tensor:
    return t.reshape((1,)) if t.ndim == 0 else t


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """Pick ``input`` values along ``dim`` at ``index``; the result has index's shape.

    >>> import crossgrad
    >>> x = crossgrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.gather(1, crossgrad.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    input = expect_tensor(input, "gather")
    index = _index_tensor(index, "gather")
    dim = normalize_dim(dim, input.ndim, "gather")
    if input.ndim == 0:
        return gather(_as_1d(input), dim, _as_1d(index)).reshape(index.shape)
    _check_index_shape("gather", input, dim, index)
    return GetItem.apply(input, _along_dim_key(input, dim, index, "gather"))


def _scatter_src(input: Tensor, src: Any, index: Tensor, op: str) -> Tensor:  # noqa: A002
    if isinstance(src, Tensor):
        return cast(_leading_block(src, index.shape), input.dtype)
    return as_tensor_like(src, input, input.dtype)


def scatter(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Any = None,  # noqa: A002
    value: Any = None,
) -> Tensor:
    """``input`` with ``src`` (a tensor or a number) written along ``dim`` at ``index``.

    >>> import crossgrad
    >>> crossgrad.zeros(3).scatter(0, crossgrad.tensor([2, 0]), crossgrad.tensor([5.0, 6.0]))
    tensor([6., 0., 5.])
    """
    input = expect_tensor(input, "scatter")
    index = _index_tensor(index, "scatter")
    if src is None:
        src = value
    if src is None:
        raise TypeError(
            "scatter: give src (a tensor) or value (a number)\n"
            "hint: scatter(input, dim, index, src)"
        )
    dim = normalize_dim(dim, input.ndim, "scatter")
    if input.ndim == 0:
        src = _as_1d(src) if isinstance(src, Tensor) else src
        return scatter(_as_1d(input), dim, _as_1d(index), src).reshape(())
    _check_index_shape("scatter", input, dim, index, src if isinstance(src, Tensor) else None)
    key = _along_dim_key(input, dim, index, "scatter")
    return IndexPut.apply(input, _scatter_src(input, src, index, "scatter"), key)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """``input`` with ``src`` added along ``dim`` at ``index``; repeated indices accumulate.

    >>> import crossgrad
    >>> crossgrad.zeros(3).scatter_add(0, crossgrad.tensor([1, 1]), crossgrad.ones(2))
    tensor([0., 2., 0.])
    """
    input = expect_tensor(input, "scatter_add")
    index = _index_tensor(index, "scatter_add")
    src = expect_tensor(src, "scatter_add", "src")
    dim = normalize_dim(dim, input.ndim, "scatter_add")
    if input.ndim == 0:
        return scatter_add(_as_1d(input), dim, _as_1d(index), _as_1d(src)).reshape(())
    _check_index_shape("scatter_add", input, dim, index, src)
    key = _along_dim_key(input, dim, index, "scatter_add")
    return IndexPutAdd.apply(input, _scatter_src(input, src, index, "scatter_add"), key)


def _select_key(
    input: Tensor,
    dim: int,
    index: Tensor,
    op: str,  # noqa: A002
) -> tuple[tuple[Any, ...], tuple[int, ...]]:
    """The key of ``input.index_select(dim, index)`` and the indexed shape."""
    if index.ndim > 1:
        raise ShapeError(
            f"{op}: index must be 1-D, received index.shape={index.shape}",
            hint="flatten the index with index.reshape(-1)",
        )
    index = _as_1d(index)
    size = input.shape[dim]
    backend = input._backend
    data = _index_data(input, index, op)
    data = _check_array(backend, data, dim, size, op, allow_negative=False)
    key = (slice(None),) * dim + (data,)
    shape = input.shape[:dim] + index.shape + input.shape[dim + 1 :]
    return key, shape


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """Pick whole slices of ``input`` along ``dim`` at the 1-D ``index`` (repeats allowed).

    >>> import crossgrad
    >>> crossgrad.tensor([[1.0, 2.0], [3.0, 4.0]]).index_select(0, crossgrad.tensor([1, 1]))
    tensor([[3., 4.],
            [3., 4.]])
    """
    input = expect_tensor(input, "index_select")
    index = _index_tensor(index, "index_select")
    if input.ndim == 0:
        return index_select(_as_1d(input), 0, index).reshape(_as_1d(index).shape)
    dim = normalize_dim(dim, input.ndim, "index_select")
    key, _ = _select_key(input, dim, index, "index_select")
    return GetItem.apply(input, key)


def index_add(
    input: Tensor,
    dim: int,
    index: Tensor,
    source: Tensor,  # noqa: A002
    alpha: Any = 1,
) -> Tensor:
    """``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeats accumulate)."""
    input = expect_tensor(input, "index_add")
    index = _index_tensor(index, "index_add")
    source = expect_tensor(source, "index_add", "source")
    dim = normalize_dim(dim, max(input.ndim, 1), "index_add")
    key, shape = _select_key(_as_1d(input), dim, index, "index_add")
    if _as_1d(source).shape != shape:
        raise ShapeError(
            f"index_add: source must have the indexed shape: "
            f"source.shape={source.shape}, expected {shape}",
            hint="source.shape[dim] must be len(index), other dims as input's",
        )
    if alpha != 1:
        source = source * alpha
    values = cast(_as_1d(source), input.dtype)
    return IndexPutAdd.apply(_as_1d(input), values, key).reshape(input.shape)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``input`` with every slice along ``dim`` at ``index`` set to ``value``."""
    input = expect_tensor(input, "index_fill")
    index = _index_tensor(index, "index_fill")
    dim = normalize_dim(dim, max(input.ndim, 1), "index_fill")
    key, shape = _select_key(_as_1d(input), dim, index, "index_fill")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ShapeError(
            f"index_fill: value must be a number or a 0-d tensor, received "
            f"value.shape={value.shape}",
            hint="pass value.reshape(()) or a number",
        )
    values = cast(as_tensor_like(value, input), input.dtype)
    return IndexPut.apply(_as_1d(input), values, key).reshape(input.shape)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """Pick values at ``indices`` along ``dim`` (broadcasting the other dims), or from the
    flattened input when ``dim`` is None.

    >>> import crossgrad
    >>> x = crossgrad.tensor([[10.0, 30.0, 20.0]])
    >>> crossgrad.take_along_dim(x, crossgrad.tensor([[1], [2]]), dim=1)
    tensor([[30.],
            [20.]])
    """
    input = expect_tensor(input, "take_along_dim")
    indices = _index_tensor(indices, "take_along_dim", "indices")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise ShapeError(
            f"take_along_dim: input and indices need the same number of dims: "
            f"input.shape={input.shape}, indices.shape={indices.shape}",
            hint="unsqueeze indices (or pass dim=None for flat indices)",
        )
    dim = normalize_dim(dim, input.ndim, "take_along_dim")
    others = broadcast_shapes(
        "take_along_dim",
        tuple(1 if d == dim else n for d, n in enumerate(input.shape)),
        tuple(1 if d == dim else n for d, n in enumerate(indices.shape)),
    )
    in_shape = tuple(input.shape[d] if d == dim else n for d, n in enumerate(others))
    idx_shape = tuple(indices.shape[d] if d == dim else n for d, n in enumerate(others))
    return gather(input.expand(in_shape), dim, indices.expand(idx_shape))


# ====================================================================== masks


def _mask(mask: Any, op: str) -> Tensor:
    mask = expect_tensor(mask, op, "mask")
    if mask.dtype is not dtypes.bool_:
        raise DTypeError(
            f"{op}: mask must be a bool tensor, received dtype={mask.dtype!r}",
            hint="compare to get one (x > 0), or cast with mask.bool()",
        )
    return mask


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``input`` with ``value`` where ``mask`` (broadcast to input's shape) holds.

    >>> import crossgrad
    >>> x = crossgrad.tensor([1.0, -2.0, 3.0])
    >>> x.masked_fill(x < 0, 0.0)
    tensor([1., 0., 3.])
    """
    input = expect_tensor(input, "masked_fill")
    mask = _mask(mask, "masked_fill")
    if broadcast_shapes("masked_fill", input.shape, mask.shape) != input.shape:
        raise ShapeError(
            f"masked_fill: the mask must broadcast to the input's shape: "
            f"mask.shape={mask.shape}, input.shape={input.shape}",
            hint="the mask may have fewer or size-1 dims, never larger ones",
        )
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ShapeError(
            f"masked_fill: value must be a number or a 0-d tensor, received "
            f"value.shape={value.shape}",
            hint="use where(mask, value, input)",
        )
    value = cast(as_tensor_like(value, input), input.dtype)
    return ew.where(mask, value, input)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    """The values of ``input`` where ``mask`` holds (both broadcast), as a 1-D tensor."""
    input = expect_tensor(input, "masked_select")
    mask = _mask(mask, "masked_select")
    shape = broadcast_shapes("masked_select", input.shape, mask.shape)
    return getitem(input.expand(shape), mask.expand(shape))


# ====================================================================== in place


def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In-place ``masked_fill``."""
    return inplace(self, "masked_fill_", lambda a: masked_fill(a, mask, value))


def scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None) -> Tensor:
    """In-place ``scatter``."""
    return inplace(self, "scatter_", lambda a: scatter(a, dim, index, src, value))


def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place ``scatter_add``."""
    return inplace(self, "scatter_add_", lambda a: scatter_add(a, dim, index, src))


def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, alpha: Any = 1) -> Tensor:
    """In-place ``index_add``."""
    return inplace(self, "index_add_", lambda a: index_add(a, dim, index, source, alpha))


def index_fill_(self: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """In-place ``index_fill``."""
    return inplace(self, "index_fill_", lambda a: index_fill(a, dim, index, value))
