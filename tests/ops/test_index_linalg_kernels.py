"""The portable kernels of the index and linalg ops, run with no backend override.

The NumPy backend overrides ``scatter_add``, ``matmul`` and ``einsum``; a backend without
overrides (or without ``einsum`` in its namespace) must get the same answers and gradients
from the portable kernels written against the array API.
"""

import array_api_compat.numpy as xp
import numpy as np
import pytest

import crossgrad
from crossgrad.core.function import PORTABLE_KERNELS
from crossgrad.ops.linalg import _einsum_portable
from crossgrad.testing import optable
from crossgrad.testing.cases import index as index_cases
from crossgrad.testing.cases import linalg as linalg_cases


class _WithoutEinsum:
    """An array namespace that hides ``einsum``, as a strict array-API namespace would."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name):
        if name == "einsum":
            raise AttributeError(name)
        return getattr(self._namespace, name)


@pytest.fixture
def bare_numpy(monkeypatch):
    """The NumPy backend stripped of its kernel overrides and of ``xp.einsum``."""
    backend = crossgrad.get_backend("numpy")
    monkeypatch.setattr(backend, "kernels", {})
    monkeypatch.setattr(backend, "xp", _WithoutEinsum(backend.xp))
    with crossgrad.use_backend("numpy"):
        yield backend


KEYS = [
    (1, slice(None)),
    (slice(1, None, 2), None, 2),
    (np.array([[0], [2], [0]]), np.array([1, 1, 3])),
    (np.array([0, 0, 2, 0]), slice(None)),
    (1, np.array([3, 3, 0])),
]


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
def test_portable_scatter_add_accumulates_like_numpy_add_at(key):
    target = np.arange(12.0).reshape(3, 4)
    values = np.random.default_rng(0).standard_normal(target[key].shape)
    expected = target.copy()
    np.add.at(expected, key, values)
    out = PORTABLE_KERNELS["scatter_add"](xp, target.copy(), key, values)
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_portable_scatter_add_keeps_integer_dtype_and_handles_empty_values():
    target = np.zeros(4, dtype=np.int32)
    out = PORTABLE_KERNELS["scatter_add"](xp, target, (np.array([1, 1, 3]),), np.int32(2))
    assert out.dtype == np.int32 and out.tolist() == [0, 4, 0, 2]
    empty = PORTABLE_KERNELS["scatter_add"](
        xp, target, (np.zeros(0, dtype=np.int64),), np.zeros(0, dtype=np.int32)
    )
    assert empty.tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize(
    "equation, shapes",
    [
        ("ij,jk->ik", [(3, 4), (4, 2)]),
        ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
        ("ijk,jl->li", [(2, 3, 4), (3, 5)]),
        ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
        ("ij->", [(3, 4)]),
        ("ij->ji", [(3, 4)]),
        ("i,j->ij", [(3,), (4,)]),
        ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
        ("ab,cd->", [(2, 3), (4, 5)]),
        ("ij,jk->ik", [(0, 4), (4, 2)]),
    ],
)
def test_portable_einsum_matches_numpy(equation, shapes):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    out = _einsum_portable(xp, equation, *arrays)
    np.testing.assert_allclose(out, np.einsum(equation, *arrays), rtol=1e-12, atol=1e-12)


ROWS = [pytest.param(c, id=f"index::{c.name}") for c in index_cases.CASES] + [
    pytest.param(c, id=f"linalg::{c.name}") for c in linalg_cases.CASES
]


@pytest.mark.parametrize("case", ROWS)
def test_rows_match_their_reference_with_portable_kernels_only(bare_numpy, case):
    assert crossgrad.get_backend() is bare_numpy and not hasattr(bare_numpy.xp, "einsum")
    optable.check_forward(case)
    if "grad" in optable.applicable_checks(case):
        optable.check_grad(case)
