"""The NumPy backend: the reference backend, CPU, mutable arrays."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from crossgrad.backends.base import Backend
from crossgrad.core.dtypes import DType


class NumpyBackend(Backend):
    name = "numpy"
    requires = "numpy"

    def __init__(self) -> None:
        super().__init__()
        self._rng = np.random.default_rng()
        self.kernels.update(
            scatter_add=_scatter_add,
            matmul=_matmul,
            einsum=_einsum,
            erf=_erf,
            # NumPy multiplies by a bool mask directly: no float copy of the mask.
            relu_backward=lambda xp, g, y: g * (y > 0),
        )

    def _load_namespace(self) -> Any:
        import array_api_compat.numpy

        return array_api_compat.numpy

    def info(self) -> dict[str, str]:
        return {"numpy": np.__version__, "blas": _blas_name(), "devices": "cpu"}

    def native_dtype(self, dtype: DType) -> Any:
        return np.dtype(dtype.name)

    def asarray(self, obj: Any, dtype: DType | None = None, copy: bool | None = None) -> Any:
        return np.array(obj, dtype=None if dtype is None else dtype.name,
                        copy=True if copy else None)

    def to_numpy(self, array: Any) -> Any:
        return np.asarray(array)

    def sole_owner(self, array: Any) -> bool:
        # Held by one Tensor: its _data plus this call's argument and getrefcount's.
        return (type(array) is np.ndarray and array.base is None and array.flags.owndata
                and array.flags.writeable and sys.getrefcount(array) == 3)

    def write(self, dst: Any, src: Any, how: str = "set") -> Any:
        # NumPy returns scalars, not 0-d arrays, from full reductions and 0-d math;
        # a scalar cannot be written into, so it becomes a 0-d array first.
        if type(dst) is not np.ndarray:
            dst = np.array(dst)
        return super().write(dst, src, how)

    def setitem(self, dst: Any, index: Any, value: Any) -> Any:
        if type(dst) is not np.ndarray:
            dst = np.array(dst)
        dst[index] = value
        return dst

    def astype(self, array: Any, dtype: DType) -> Any:
        return array.astype(dtype.name)

    def full(self, shape: tuple[int, ...], value: Any, dtype: DType) -> Any:
        return np.full(shape, value, dtype=dtype.name)

    def zeros(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return np.zeros(shape, dtype=dtype.name)

    def copy(self, array: Any) -> Any:
        return array.copy()

    def manual_seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def rand(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.random(shape).astype(dtype.name, copy=False)

    def randn(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.standard_normal(shape).astype(dtype.name, copy=False)

    def randint(self, low: int, high: int, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.integers(low, high, shape).astype(dtype.name, copy=False)


def _scatter_add(xp: Any, target: Any, index: Any, values: Any) -> Any:
    """``target[index] += values`` with repeated indices accumulating (np.add.at)."""
    out = target.copy()
    key = index if isinstance(index, tuple) else (index,)
    if any(isinstance(k, np.ndarray) for k in key):
        np.add.at(out, index, values)
    else:
        out[index] += values  # ints and slices select each position once: no repeats
    return out


def _matmul(xp: Any, a: Any, b: Any) -> Any:
    return np.matmul(a, b)


def _einsum(xp: Any, *arrays: Any, equation: str) -> Any:
    # Path search costs more than it saves on small operands; on large ones it reaches BLAS.
    big = len(arrays) > 1 and max(a.size for a in arrays) >= 4096
    out = np.einsum(equation, *arrays, optimize=big)
    # One operand ("ij->ji", "ii->i") can come back as a view: results own their memory.
    return out.copy() if len(arrays) == 1 and np.may_share_memory(out, arrays[0]) else out


def _erf(xp: Any, x: Any) -> Any:
    import math

    # NumPy has no erf; math.erf is exact to the last bit, elementwise.
    flat = np.fromiter((math.erf(v) for v in x.ravel().tolist()), dtype=np.float64,
                       count=x.size)
    return flat.reshape(x.shape).astype(x.dtype, copy=False)


def _blas_name() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def crossgrad_backends() -> list[Backend]:
    """The hook implementation that registers this backend (pluggy looks it up by name)."""
    return [NumpyBackend()]
