"""The CuPy backend: CUDA GPUs, mutable arrays, devices ``cuda:N``.

CuPy is imported on first use only (``import crossgrad`` must not import it), and the
backend reports itself unusable, with the reason, where CuPy is missing or no CUDA device
is visible. Arrays live on CuPy's current device (``cupy.cuda.Device(n).use()`` picks it).

TF32 stays off, so float32 matmuls keep their 23-bit mantissa and agree with the NumPy
reference: CuPy picks TF32 for float32 cuBLAS/cuTENSOR calls only when the environment
variable ``CUPY_TF32`` is set to a positive number (it reads ``os.getenv("CUPY_TF32", "0")``
on the first float32 matmul), and cuBLAS's default math mode does not use it otherwise.
Setting ``CUPY_TF32=1`` is the user's explicit opt-in and is left alone; ``info()`` shows it.
"""

from __future__ import annotations

import os
from typing import Any

from crossgrad.backends.base import Backend, missing_dtype
from crossgrad.core import dtypes
from crossgrad.core.dtypes import DType


class CupyBackend(Backend):
    name = "cupy"
    requires = "cupy"
    install_hint = "pip install 'crossgrad[cuda12]' (or 'crossgrad[cuda13]')"
    array_modules = ("cupy",)

    def __init__(self) -> None:
        super().__init__()
        # Seed and generator are made on first draw: creating a generator imports CuPy
        # and initialises a CUDA context.
        self._seed: int | None = None
        self._rng: Any = None
        self._reason: str | None = None
        self._checked = False
        self.kernels.update(
            scatter_add=_scatter_add,
            matmul=_matmul,
            erf=_erf,
        )
        # einsum needs no override: the portable kernel already calls cupy.einsum.

    def _load_namespace(self) -> Any:
        import array_api_compat.cupy

        return array_api_compat.cupy

    def unavailable_reason(self) -> str | None:
        # Cached: neither the installation nor the device count changes while running, and
        # a failed import would be retried (and searched for on sys.path) on every call.
        if not self._checked:
            self._reason = _probe()
            self._checked = True
        return self._reason

    def info(self) -> dict[str, str]:
        import cupy

        count = cupy.cuda.runtime.getDeviceCount()
        return {
            "cupy": cupy.__version__,
            "cuda": str(cupy.cuda.runtime.runtimeGetVersion()),
            "devices": ", ".join(f"cuda:{i}" for i in range(count)),
            "tf32": "on (CUPY_TF32)" if _tf32_requested() else "off",
        }

    # ---------------------------------------------------------------- dtypes and data
    def native_dtype(self, dtype: DType) -> Any:
        import numpy as np

        if dtype is dtypes.bfloat16:
            raise missing_dtype(self, dtype)
        return np.dtype(dtype.name)  # CuPy uses NumPy's dtype objects

    def to_numpy(self, array: Any) -> Any:
        import cupy

        return cupy.asnumpy(array)  # ndarray.get(): one device-to-host copy

    def sole_owner(self, array: Any) -> bool:
        # A CuPy array with no base can still share its memory (one made from a pointer,
        # or imported through DLPack), and the memory object does not say so reliably:
        # never take a gradient over without a copy (a device-to-device copy is cheap).
        return False

    def device_of(self, array: Any) -> str:
        return f"cuda:{array.device.id}"

    # ---------------------------------------------------------------- random numbers
    def manual_seed(self, seed: int) -> None:
        with self.rng_lock:
            self._seed = int(seed)
            self._rng = None

    def _draw(self, method: str, *args: Any) -> Any:
        # CuPy's generator keeps its state offset in Python: draws from several threads
        # must not interleave.
        with self.rng_lock:
            if self._rng is None:
                import cupy

                self._rng = cupy.random.default_rng(self._seed)
            return getattr(self._rng, method)(*args)

    # Drawn in the generator's default dtype and then cast, as the NumPy backend does,
    # so every dtype (float16 included) goes through the same path.
    def rand(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._draw("random", shape).astype(self.native_dtype(dtype), copy=False)

    def randn(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._draw("standard_normal", shape).astype(self.native_dtype(dtype), copy=False)

    def randint(self, low: int, high: int, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._draw("integers", low, high, shape).astype(self.native_dtype(dtype), copy=False)


def _probe() -> str | None:
    """Why CuPy cannot run here (not installed, broken, no device), or None."""
    try:
        import cupy
    except ImportError as exc:
        return f"cupy is not installed ({exc})"
    except Exception as exc:  # noqa: BLE001 - a broken CUDA install must not break crossgrad
        return f"cupy failed to import ({type(exc).__name__}: {exc})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # noqa: BLE001 - CUDARuntimeError when there is no driver
        return f"no CUDA device ({type(exc).__name__}: {exc})"
    if count == 0:
        return "no CUDA device (cupy.cuda.runtime.getDeviceCount() == 0)"
    return None


def _tf32_requested() -> bool:
    try:
        return int(os.environ.get("CUPY_TF32", "0")) > 0
    except ValueError:
        return False


# The dtypes CUDA's atomicAdd covers, which cupyx.scatter_add needs once an integer array
# is part of the index (CuPy's own tests check these: int32, uint32, uint64, float16/32/64).
_ATOMIC_ADD_DTYPES = frozenset(("int32", "uint32", "uint64", "float16", "float32", "float64"))


def _scatter_add(xp: Any, target: Any, index: Any, values: Any) -> Any:
    """``target[index] += values`` with repeated indices accumulating (cupyx.scatter_add)."""
    import cupy
    import cupyx

    out = target.copy()
    values = cupy.asarray(values).astype(out.dtype, copy=False)
    key = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(k, cupy.ndarray) for k in key):
        out[index] += values  # ints and slices select each position once: no repeats
    elif out.dtype.name in _ATOMIC_ADD_DTYPES:
        cupyx.scatter_add(out, index, values)
    else:
        # int64, bool, int8/16 have no atomicAdd: accumulate on the host (NumPy's add.at)
        # rather than lose repeated indices. Index gradients are float, so this is rare.
        import numpy as np

        host = cupy.asnumpy(out)
        np.add.at(
            host,
            tuple(cupy.asnumpy(k) if isinstance(k, cupy.ndarray) else k for k in key),
            cupy.asnumpy(values),
        )
        out = cupy.asarray(host)
    return out


def _matmul(xp: Any, a: Any, b: Any) -> Any:
    import cupy

    return cupy.matmul(a, b)


def _erf(xp: Any, x: Any) -> Any:
    import cupyx.scipy.special

    return cupyx.scipy.special.erf(x).astype(x.dtype, copy=False)


def crossgrad_backends() -> list[Backend]:
    """The hook implementation that registers this backend (pluggy looks it up by name)."""
    return [CupyBackend()]
