"""crossgrad's index keys restated in the array API standard's indexing.

crossgrad hands its ``getitem``, ``index_put`` and ``scatter_add`` kernels NumPy-style keys:
integer arrays mixed with ints, slices and None, with fewer entries than dims. The standard
(2024.12 and later) allows integer-array indexing only when every other entry is an integer,
needs one entry per dim (or an ellipsis), and specifies no ``__setitem__`` through integer
arrays at all. The same selections are made here from standard operations alone: each slice
becomes an ``arange`` and each array is reshaped so that all of them broadcast to NumPy's
result layout, and writes go through a position grid compared one-hot, as crossgrad's own
portable ``scatter_add`` does.
"""

from __future__ import annotations

import math
from typing import Any

from crossgrad.plugins import get_portable_kernel

# Memory bound of one one-hot comparison block (elements), as in crossgrad's scatter_add.
_BLOCK = 2**22


def getitem(xp: Any, x: Any, key: Any) -> Any:
    return x[standard_key(xp, x.shape, key)]


def scatter_add(xp: Any, target: Any, key: Any, values: Any) -> Any:
    """crossgrad's portable scatter-add (standard ops only), given a standard key."""
    portable = get_portable_kernel("scatter_add")
    return portable(xp, target, standard_key(xp, target.shape, key), values)


def index_put(xp: Any, x: Any, key: Any, values: Any) -> Any:
    """A copy of ``x`` with ``values`` written at ``key``; where a position is written
    more than once, the last write wins (as in NumPy)."""
    key = standard_key(xp, x.shape, key)
    if not _has_index_arrays(key):
        # Ints and slices: the standard's own __setitem__, which takes no None.
        shape = x[key].shape
        key = tuple(k for k in key if k is not None)
        out = xp.asarray(x, copy=True)
        out[key] = xp.reshape(xp.broadcast_to(xp.asarray(values), shape), out[key].shape)
        return out
    size = math.prod(x.shape)
    selected = xp.reshape(xp.arange(size, dtype=xp.int64), x.shape)[key]
    count = math.prod(selected.shape)
    if count == 0:
        return xp.asarray(x, copy=True)
    positions = xp.reshape(selected, (-1,))
    values = xp.broadcast_to(xp.astype(xp.asarray(values), x.dtype), selected.shape)
    values = xp.reshape(values, (-1,))
    # For each position, the number of the last write to it (-1: none).
    order = xp.arange(count, dtype=xp.int64)
    every = xp.arange(size, dtype=xp.int64)
    none = xp.asarray(-1, dtype=xp.int64)
    last = xp.full((size,), -1, dtype=xp.int64)
    block = max(1, _BLOCK // max(size, 1))
    for start in range(0, count, block):
        stop = min(start + block, count)
        hit = positions[start:stop, None] == every[None, :]
        last = xp.maximum(last, xp.max(xp.where(hit, order[start:stop, None], none), axis=0))
    written = last >= 0
    picked = xp.take(values, xp.where(written, last, xp.zeros_like(last)), axis=0)
    flat = xp.where(written, picked, xp.reshape(x, (-1,)))
    return xp.reshape(flat, x.shape)


def standard_key(xp: Any, shape: tuple[int, ...], key: Any) -> tuple[Any, ...]:
    """``key`` (NumPy's meaning) as a key the standard defines for an array of ``shape``.

    A key without integer arrays only gets one entry per dim. A key with integer arrays
    becomes integer arrays and ints only: NumPy puts the broadcast dims of the arrays (and
    ints) where the first of them stands when they are adjacent, else first; every slice
    and None keeps its own dim. Each slice becomes an ``arange`` and each array a reshape
    that places its dims there, so all entries broadcast to that result shape.
    """
    key = _full_key(key if isinstance(key, tuple) else (key,), len(shape))
    if not _has_index_arrays(key) or any(
        _is_index_array(k) and xp.isdtype(k.dtype, "bool") for k in key
    ):
        return key  # basic, or a boolean mask: the standard's own indexing
    advanced = [i for i, k in enumerate(key) if _is_advanced(k)]
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1))
    block = _broadcast_shape(
        [() if isinstance(k, int) else tuple(k.shape) for k in key if _is_advanced(k)]
    )
    # The result's dims in order: "block" for the arrays' broadcast dims, else the key
    # position of a slice or None.
    layout: list[Any] = [] if adjacent else ["block"]
    for i, k in enumerate(key):
        if not _is_advanced(k):
            layout.append(i)
        elif adjacent and i == advanced[0]:
            layout.append("block")
    start, rank = {}, 0
    for entry in layout:
        start[entry] = rank
        rank += len(block) if entry == "block" else 1
    out: list[Any] = []
    dim = 0
    for i, k in enumerate(key):
        if k is None:
            continue
        if isinstance(k, int):
            out.append(k)
        elif _is_advanced(k):
            lead = start["block"] + len(block) - k.ndim
            out.append(xp.reshape(k, (1,) * lead + tuple(k.shape) + (1,) * (rank - lead - k.ndim)))
        else:
            steps = xp.arange(*k.indices(shape[dim]), dtype=xp.int64)
            at = start[i]
            out.append(xp.reshape(steps, (1,) * at + (steps.shape[0],) + (1,) * (rank - at - 1)))
        dim += 1
    return tuple(out)


def _full_key(key: tuple[Any, ...], ndim: int) -> tuple[Any, ...]:
    """``key`` with its ellipsis, or the dims it leaves out at the end, spelled as slices."""
    used = sum(k is not None and k is not Ellipsis for k in key)
    fill = (slice(None),) * (ndim - used)
    for i, k in enumerate(key):
        if k is Ellipsis:
            return key[:i] + fill + key[i + 1 :]
    return key + fill


def _is_index_array(k: Any) -> bool:
    return hasattr(k, "shape") and not isinstance(k, (int, slice)) and k is not None


def _has_index_arrays(key: tuple[Any, ...]) -> bool:
    return any(_is_index_array(k) for k in key)


def _is_advanced(k: Any) -> bool:
    """Whether ``k`` takes part in NumPy's advanced indexing (when any array does)."""
    return isinstance(k, int) or _is_index_array(k)


def _broadcast_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    rank = max(len(s) for s in shapes)
    out = []
    for d in range(rank):
        sizes = {s[d - rank + len(s)] for s in shapes if d - rank + len(s) >= 0} - {1}
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)
