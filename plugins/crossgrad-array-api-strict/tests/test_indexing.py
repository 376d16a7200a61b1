"""The standard-only index kernels select and write what NumPy's indexing does."""

import numpy as np
import pytest

from crossgrad_array_api_strict import indexing

xp = pytest.importorskip(
    "array_api_strict", reason="array_api_strict is not installed: pip install array-api-strict"
)

X = np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5)
I = np.array([[2, 0], [1, 1]])  # noqa: E741 - an index array
J = np.array([4, 0])

KEYS = {
    "array-first": (I % 2,),
    "array-then-slice": (slice(None), I, slice(1, 4, 2)),
    "arrays-adjacent": (slice(None), I, J % 4),
    "arrays-apart": (I % 2, slice(None), J % 4),
    "array-and-none": (None, I % 2, slice(None), None),
    "int-with-arrays": (1, I, J % 4),
    "ellipsis": (Ellipsis, J),
    "empty-array": (np.zeros((0,), dtype=np.int64),),
    "basic": (1, slice(0, 2), None),
}


def _strict(key):
    return tuple(xp.asarray(k) if isinstance(k, np.ndarray) else k for k in key)


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
def test_getitem_selects_what_numpy_selects(key):
    got = indexing.getitem(xp, xp.asarray(X), _strict(key))
    np.testing.assert_array_equal(np.from_dlpack(got), X[key])


@pytest.mark.parametrize("key", KEYS.values(), ids=KEYS.keys())
def test_index_put_writes_what_numpy_writes_last_write_winning(key):
    values = -np.arange(X[key].size, dtype=np.float64).reshape(X[key].shape) - 1
    expected = X.copy()
    expected[key] = values
    got = indexing.index_put(xp, xp.asarray(X), _strict(key), xp.asarray(values))
    np.testing.assert_array_equal(np.from_dlpack(got), expected)


def test_scatter_add_accumulates_repeated_positions():
    target = np.zeros((3, 4))
    key = (slice(None), np.array([1, 1, 3]))
    expected = target.copy()
    np.add.at(expected, key, 1.0)
    got = indexing.scatter_add(xp, xp.asarray(target), _strict(key), xp.asarray(1.0))
    np.testing.assert_array_equal(np.from_dlpack(got), expected)
