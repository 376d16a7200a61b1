"""Op-case rows for crossgrad.ops.index: getitem/setitem, gather, scatter and friends.

Index arrays are fixed int64 (or bool) inputs, which the harness passes as constant tensors.
Repeated indices check that gradients accumulate; NumPy references spell out PyTorch's
meaning where it differs from NumPy's (an int next to an index array).
"""

from collections.abc import Callable
from typing import Any

import numpy as np

import crossgrad as cg
from crossgrad.testing import Arg, OpCase

I64 = np.int64
REPEATS = np.array([0, 2, 0, 0], dtype=I64)
NEGATIVE = np.array([-1, 0, -3, 1], dtype=I64)
MASK = np.array(
    [[True, False, True, False], [False, False, False, False], [True, True, False, True]]
)
ROWS = np.array([True, False, True])


def _gather(x, dim, index):
    out = np.empty(index.shape, dtype=x.dtype)
    for pos in np.ndindex(index.shape):
        src = list(pos)
        src[dim] = index[pos]
        out[pos] = x[tuple(src)]
    return out


def _scatter(x, dim, index, src, add=False):
    out = x.copy()
    src = np.broadcast_to(src, index.shape)
    for pos in np.ndindex(index.shape):
        dst = list(pos)
        dst[dim] = index[pos]
        out[tuple(dst)] = out[tuple(dst)] + src[pos] if add else src[pos]
    return out


def _put(
    index: Any, value_of: Callable[[Any], Any] = lambda v: v
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """A row function for ``y = x.clone(); y[index] = v`` and its NumPy reference."""

    def fn(x, v):
        y = x * 1.0
        y[index] = v
        return y

    def ref(x, v):
        y = x.copy()
        y[index] = value_of(v)
        return y

    return fn, ref


def _index_add(x, dim, index, src):
    out = np.moveaxis(x.copy(), dim, 0)
    np.add.at(out, index, np.moveaxis(src, dim, 0))
    return np.moveaxis(out, 0, dim)


# Scatter indices without repeats within a column (repeats make scatter's result undefined).
SCATTER0 = np.array([[0, 1, 2, 0, 1], [2, 0, 1, 1, 2]], dtype=I64)
SCATTER1 = np.array([[3, 0], [1, 4], [4, 2]], dtype=I64)
GATHER = np.array([[0, 2, 2, 1], [1, 1, 0, 0]], dtype=I64)

CASES = [
    # ------------------------------------------------------------------ basic getitem
    OpCase("getitem-int", lambda x: x[1], lambda x: x[1], [Arg((3, 4))]),
    OpCase("getitem-negative-ints", lambda x: x[-1, -2], lambda x: x[-1, -2], [Arg((3, 4))]),
    OpCase("getitem-slices-with-steps", lambda x: x[1:, ::2], lambda x: x[1:, ::2], [Arg((3, 5))]),
    OpCase(
        "getitem-slice-bounds-clip",
        lambda x: x[-10:2, 3:100],
        lambda x: x[-10:2, 3:100],
        [Arg((3, 5))],
    ),
    OpCase("getitem-empty-slice", lambda x: x[2:1], lambda x: x[2:1], [Arg((3, 4))]),
    OpCase(
        "getitem-none-ellipsis",
        lambda x: x[None, ..., 1],
        lambda x: x[None, ..., 1],
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "getitem-ellipsis-middle",
        lambda x: x[0, ..., None, 1:],
        lambda x: x[0, ..., None, 1:],
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "getitem-transposed-input",
        lambda x: x.transpose(0, 1)[1:, 0],
        lambda x: x.T[1:, 0],
        [Arg((3, 4))],
    ),
    # ------------------------------------------------------------------ integer arrays
    OpCase("getitem-array-repeated", lambda x, i: x[i], lambda x, i: x[i], [Arg((3, 4)), REPEATS]),
    OpCase(
        "getitem-array-negative",
        lambda x, i: x[:, i],
        lambda x, i: x[:, i],
        [Arg((2, 4)), NEGATIVE],
    ),
    OpCase("getitem-list-index", lambda x: x[[2, 2, 0]], lambda x: x[[2, 2, 0]], [Arg((3, 4))]),
    OpCase(
        "getitem-list-of-lists-is-a-tuple",
        lambda x: x[[[0, 2], [1, 3]]],
        lambda x: x[[0, 2], [1, 3]],
        [Arg((3, 4))],
    ),
    OpCase(
        "getitem-arrays-broadcast",
        lambda x, i, j: x[i, j],
        lambda x, i, j: x[i, j],
        [Arg((3, 4)), np.array([[0], [2], [2]], dtype=I64), np.array([1, 3], dtype=I64)],
    ),
    OpCase(
        "getitem-2d-array-after-slice",
        lambda x, i: x[:, i],
        lambda x, i: x[:, i],
        [Arg((2, 4, 3)), np.array([[0, 3], [3, 1]], dtype=I64)],
    ),
    OpCase(
        "getitem-arrays-split-by-slice",
        lambda x, i, j: x[i, :, j],
        lambda x, i, j: x[i, :, j],
        [Arg((3, 4, 5)), np.array([0, 2, 2], dtype=I64), np.array([4, 0, 4], dtype=I64)],
    ),
    # PyTorch applies ints first: x[0, :, i] has shape (3, len(i)); NumPy's would be (2, 3).
    OpCase(
        "getitem-int-with-array",
        lambda x, i: x[0, :, i],
        lambda x, i: x[0][:, i],
        [Arg((2, 3, 4)), np.array([1, 1], dtype=I64)],
    ),
    OpCase(
        "getitem-int-between-arrays",
        lambda x, i, j: x[:, i, 0, j],
        lambda x, i, j: x[:, :, 0][:, i, j],
        [Arg((2, 3, 4, 5)), np.array([2, 0, 2], dtype=I64), np.array([4, 4, 1], dtype=I64)],
    ),
    OpCase(
        "getitem-array-and-none",
        lambda x, i: x[None, i, 1:],
        lambda x, i: x[None][:, i, 1:],
        [Arg((3, 4)), REPEATS],
    ),
    OpCase(
        "getitem-empty-array",
        lambda x, i: x[i],
        lambda x, i: x[i],
        [Arg((3, 4)), np.zeros(0, dtype=I64)],
    ),
    OpCase(
        "getitem-array-of-transposed",
        lambda x, i: x.transpose(0, 1)[i],
        lambda x, i: x.T[i],
        [Arg((3, 4)), REPEATS],
    ),
    # ------------------------------------------------------------------ boolean masks
    OpCase("getitem-mask-2d", lambda x, m: x[m], lambda x, m: x[m], [Arg((3, 4)), MASK]),
    OpCase("getitem-mask-rows", lambda x, m: x[m], lambda x, m: x[m], [Arg((3, 4)), ROWS]),
    OpCase(
        "getitem-mask-after-slice",
        lambda x, m: x[:, m, 1],
        lambda x, m: x[:, m, 1],
        [Arg((2, 3, 4)), ROWS],
    ),
    OpCase("getitem-mask-from-compare", lambda x: x[x > 0], lambda x: x[x > 0], [Arg((3, 4))]),
    OpCase(
        "getitem-all-false-mask",
        lambda x, m: x[m],
        lambda x, m: x[m],
        [Arg((3, 4)), np.zeros((3, 4), dtype=bool)],
    ),
    # ------------------------------------------------------------------ setitem
    OpCase("setitem-slice", *_put((0, slice(1, 3))), [Arg((3, 4)), Arg((2,))]),
    OpCase("setitem-broadcast-value", *_put((slice(None), 1)), [Arg((3, 4)), Arg((1,))]),
    OpCase("setitem-leading-one-dims", *_put(1), [Arg((3, 4)), Arg((1, 4))]),
    OpCase("setitem-array-index", *_put(np.array([2, 0])), [Arg((3, 4)), Arg((2, 4))]),
    OpCase("setitem-int-with-array", *_put((1, np.array([3, 0, 1]))), [Arg((3, 4)), Arg((3,))]),
    OpCase("setitem-mask", *_put(MASK), [Arg((3, 4)), Arg(())]),
    OpCase(
        "setitem-scalar",
        lambda x: _setitem(x, (slice(None), 0), 2.5),
        lambda x: _np_setitem(x, (slice(None), 0), 2.5),
        [Arg((3, 4))],
    ),
    OpCase(
        "index_put-accumulate-repeated",
        lambda x, i, v: x.index_put((i,), v, accumulate=True),
        lambda x, i, v: _np_add_at(x, i, v),
        [Arg((3, 4)), REPEATS, Arg((4, 4))],
    ),
    OpCase(
        "index_put-two-indices",
        lambda x, i, j, v: cg.index_put(x, (i, j), v),
        lambda x, i, j, v: _np_setitem(x, (i, j), v),
        [Arg((3, 4)), np.array([0, 2], dtype=I64), np.array([3, 3], dtype=I64), Arg((2,))],
    ),
    # ------------------------------------------------------------------ gather / scatter
    OpCase(
        "gather-dim0-repeated",
        lambda x, i: cg.gather(x, 0, i),
        lambda x, i: _gather(x, 0, i),
        [Arg((3, 4)), GATHER],
    ),
    OpCase(
        "gather-dim1-smaller-index",
        lambda x, i: x.gather(1, i),
        lambda x, i: _gather(x, 1, i),
        [Arg((3, 5)), np.array([[4, 0, 4], [1, 1, 2]], I64)],
    ),
    OpCase(
        "gather-negative-dim-3d",
        lambda x, i: x.gather(-1, i),
        lambda x, i: _gather(x, 2, i),
        [Arg((2, 3, 4)), np.array([[[3], [0], [3]], [[1], [1], [2]]], dtype=I64)],
    ),
    OpCase(
        "gather-transposed-input",
        lambda x, i: x.transpose(0, 1).gather(0, i),
        lambda x, i: _gather(x.T, 0, i),
        [Arg((4, 3)), GATHER],
    ),
    OpCase(
        "scatter-dim0",
        lambda x, i, s: x.scatter(0, i, s),
        lambda x, i, s: _scatter(x, 0, i, s[:2, :5]),
        [Arg((3, 5)), SCATTER0, Arg((2, 6))],
    ),
    OpCase(
        "scatter-dim1",
        lambda x, i, s: cg.scatter(x, 1, i, s),
        lambda x, i, s: _scatter(x, 1, i, s),
        [Arg((3, 5)), SCATTER1, Arg((3, 2))],
    ),
    OpCase(
        "scatter-value",
        lambda x, i: x.scatter(0, i, value=2.5),
        lambda x, i: _scatter(x, 0, i, 2.5),
        [Arg((3, 5)), SCATTER0],
    ),
    OpCase(
        "scatter_add-repeated",
        lambda x, i, s: x.scatter_add(0, i, s),
        lambda x, i, s: _scatter(x, 0, i, s[:2, :4], add=True),
        [Arg((3, 4)), GATHER, Arg((3, 5))],
    ),
    OpCase(
        "scatter_add-dim1",
        lambda x, i, s: cg.scatter_add(x, 1, i, s),
        lambda x, i, s: _scatter(x, 1, i, s, add=True),
        [Arg((2, 3)), np.array([[0, 0, 0, 2], [1, 2, 1, 1]], dtype=I64), Arg((2, 4))],
    ),
    OpCase(
        "scatter_add_-inplace",
        lambda x, i, s: (x * 1.0).scatter_add_(0, i, s),
        lambda x, i, s: _scatter(x, 0, i, s[:2, :4], add=True),
        [Arg((3, 4)), GATHER, Arg((2, 4))],
    ),
    OpCase(
        "scatter_-inplace",
        lambda x, i, s: (x * 1.0).scatter_(1, i, s),
        lambda x, i, s: _scatter(x, 1, i, s),
        [Arg((3, 5)), SCATTER1, Arg((3, 2))],
    ),
    # ------------------------------------------------------------------ along one dim
    OpCase(
        "index_select-dim0-repeated",
        lambda x, i: cg.index_select(x, 0, i),
        lambda x, i: x[i],
        [Arg((3, 4)), REPEATS],
    ),
    OpCase(
        "index_select-dim1-3d",
        lambda x, i: x.index_select(1, i),
        lambda x, i: x[:, i],
        [Arg((2, 3, 4)), np.array([2, 2, 0, 1, 2], dtype=I64)],
    ),
    OpCase(
        "index_select-negative-dim",
        lambda x, i: x.index_select(-1, i),
        lambda x, i: x[..., i],
        [Arg((2, 3, 4)), np.array([3, 0, 3], dtype=I64)],
    ),
    OpCase(
        "index_add-repeated",
        lambda x, i, s: x.index_add(1, i, s, alpha=2.0),
        lambda x, i, s: _index_add(x, 1, i, 2.0 * s),
        [Arg((2, 4)), np.array([3, 0, 3], dtype=I64), Arg((2, 3))],
    ),
    OpCase(
        "index_fill",
        lambda x, i: x.index_fill(1, i, -1.5),
        lambda x, i: _np_setitem(x, (slice(None), i), -1.5),
        [Arg((2, 4)), np.array([3, 0, 3], dtype=I64)],
    ),
    OpCase(
        "take_along_dim",
        lambda x, i: cg.take_along_dim(x, i, dim=1),
        lambda x, i: np.take_along_axis(x, i, axis=1),
        [Arg((3, 4)), np.array([[0, 3, 3], [1, 1, 0], [2, 0, 1]], dtype=I64)],
    ),
    OpCase(
        "take_along_dim-broadcast",
        lambda x, i: cg.take_along_dim(x, i, dim=1),
        lambda x, i: np.take_along_axis(
            np.broadcast_to(x, (3, 4)), np.broadcast_to(i, (3, 2)), axis=1
        ),
        [Arg((1, 4)), np.array([[0, 3], [1, 1], [2, 0]], dtype=I64)],
    ),
    OpCase(
        "take_along_dim-flat",
        lambda x, i: cg.take_along_dim(x, i),
        lambda x, i: x.reshape(-1)[i],
        [Arg((3, 4)), np.array([11, 0, 5, 5], dtype=I64)],
    ),
    # ------------------------------------------------------------------ masks
    OpCase(
        "masked_fill-broadcast-mask",
        lambda x, m: x.masked_fill(m, 0.5),
        lambda x, m: np.where(m, 0.5, x),
        [Arg((3, 4)), MASK[0]],
    ),
    OpCase(
        "masked_fill-tensor-value",
        lambda x, m, v: cg.masked_fill(x, m, v),
        lambda x, m, v: np.where(m, v, x),
        [Arg((3, 4)), MASK, Arg(())],
    ),
    OpCase(
        "masked_fill_-inplace",
        lambda x, m: (x * 1.0).masked_fill_(m, -2.0),
        lambda x, m: np.where(m, -2.0, x),
        [Arg((3, 4)), MASK],
    ),
    OpCase(
        "masked_select-broadcast",
        lambda x, m: cg.masked_select(x, m),
        lambda x, m: np.broadcast_to(x, (3, 4))[np.broadcast_to(m, (3, 4))],
        [Arg((3, 1)), MASK],
    ),
]


def _setitem(x, index, value):
    y = x * 1.0
    y[index] = value
    return y


def _np_setitem(x, index, value):
    y = x.copy()
    y[index] = value
    return y


def _np_add_at(x, index, value):
    y = x.copy()
    np.add.at(y, index, value)
    return y
