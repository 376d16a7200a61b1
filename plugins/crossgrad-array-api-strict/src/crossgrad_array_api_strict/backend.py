"""The ``array_api_strict`` backend: crossgrad on the Python array API standard and nothing else.

``array_api_strict`` implements exactly the standard (on top of NumPy) and raises on
anything beyond it: NumPy-only functions, value-based casting, mixed-kind arithmetic, ...
crossgrad's portable kernels are written against ``xp``, so every op that passes here is
portable to any conforming library. Kernels are overridden only where the standard's
indexing is narrower than the NumPy-style keys crossgrad builds (see
:mod:`crossgrad_array_api_strict.indexing`); any other override would hide exactly the
non-standard use this backend exists to find. What the standard lacks altogether is listed,
with the reason, in :attr:`ArrayApiStrictBackend.known_gaps`.

array_api_strict is imported on first use only, as crossgrad's own optional backends are.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from crossgrad.plugins import Backend, DType, DTypeError, dtypes

from crossgrad_array_api_strict import indexing


class ArrayApiStrictBackend(Backend):
    """CPU arrays of ``array_api_strict``, mutable (the standard allows ``__setitem__`` and
    in-place operators), with random numbers drawn by a seeded NumPy Generator."""

    name = "array_api_strict"
    requires = "array-api-strict"
    install_hint = "pip install array-api-strict"
    array_modules = ("array_api_strict",)
    mutable = True
    #: op-table rows the standard cannot express, each with what it lacks. None today: all
    #: 455 rows pass every check on array_api_strict 2.6.1 (API 2025.12). A gap added here
    #: is proven by ``tests/test_op_table.py``: its filter must name a row, its check fail.
    known_gaps: dict[str, str] = {}

    def __init__(self) -> None:
        super().__init__()
        self._rng = np.random.default_rng()
        # crossgrad's index keys mix integer arrays with slices and None (NumPy's rules);
        # the standard indexes with integer arrays only alongside integers, and never
        # writes through integer arrays. These kernels restate each key in the standard's
        # terms; crossgrad's portable kernels are used for everything else.
        self.kernels.update(
            getitem=indexing.getitem,
            index_put=indexing.index_put,
            scatter_add=indexing.scatter_add,
        )

    def _load_namespace(self) -> Any:
        import array_api_strict

        return array_api_strict  # crossgrad reads its dtypes by name (dtypes.native_entry)

    def info(self) -> dict[str, str]:
        import array_api_strict

        flags = array_api_strict.get_array_api_strict_flags()
        return {
            "array_api_strict": array_api_strict.__version__,
            "api_version": str(flags["api_version"]),
            "devices": "cpu",
        }

    # ---------------------------------------------------------------- dtypes and data
    def native_dtype(self, dtype: DType) -> Any:
        found = getattr(self.xp, "bool" if dtype is dtypes.bool_ else dtype.name, None)
        if found is None:
            supported = ", ".join(sorted(self.xp.__array_namespace_info__().dtypes()))
            raise DTypeError(
                f"array_api_strict: dtype={dtype!r} is not in the array API standard; "
                f"it has {supported}",
                hint="use float32 or float64 on this backend",
            )
        return found

    def asarray(self, obj: Any, dtype: DType | None = None, copy: bool | None = None) -> Any:
        xp = self.xp
        if self.owns(obj):
            native = None if dtype is None else self.native_dtype(dtype)
            return xp.asarray(obj, dtype=native, copy=copy)
        # Host data (nested lists, NumPy arrays and scalars): NumPy applies crossgrad's
        # conversion rules (a list of NumPy scalars, bools among ints), then the standard's
        # asarray takes the array.
        host = np.asarray(obj, dtype=None if dtype is None else dtype.name)
        known = dtypes.from_native(host.dtype)
        native = None if known is None else self.native_dtype(known)  # refuses float16
        return xp.asarray(host, dtype=native, copy=True if copy else None)

    def to_numpy(self, array: Any) -> Any:
        # DLPack is the standard's way out; it shares memory, as NumPy's own .numpy() does.
        try:
            return np.from_dlpack(array)
        except (BufferError, TypeError, RuntimeError):
            return np.asarray(array)

    def device_of(self, array: Any) -> str:
        return "cpu"

    # ---------------------------------------------------------------- random numbers
    # The standard has no random numbers: NumPy draws them, the standard's asarray takes them.
    def manual_seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def rand(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._from_host(self._rng.random(shape), dtype)

    def randn(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._from_host(self._rng.standard_normal(shape), dtype)

    def randint(self, low: int, high: int, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._from_host(self._rng.integers(low, high, shape), dtype)

    def _from_host(self, values: np.ndarray, dtype: DType) -> Any:
        return self.xp.asarray(values.astype(dtype.name, copy=False))
