"""The Backend protocol every array library implements (built-in or third-party)."""

from __future__ import annotations

import functools
import operator
import sys
import threading
from collections.abc import Callable
from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.dtypes import DType
from crossgrad.core.errors import DTypeError


class Backend:
    """One array library behind crossgrad.

    A subclass names its array-API namespace in ``_load_namespace`` (imported lazily, on
    first use, so ``import crossgrad`` imports no optional library), overrides kernels by
    name in ``kernels``, and describes itself in the class attributes below: crossgrad
    outside ``backends/`` knows a backend only through them. Everything else has a
    portable default.
    """

    #: registry name: ``CROSSGRAD_BACKEND=<name>``, ``tensor.to("<name>")``
    name = ""
    #: whether arrays can be written in place (False for JAX: writes rebind instead)
    mutable = True
    #: the package whose installation makes this backend usable
    requires = ""
    #: what to run to make it usable, for messages: ``"pip install 'crossgrad[jax]'"``
    install_hint = ""
    #: the top-level modules of the types of this backend's arrays (``("jax", "jaxlib")``):
    #: ``as_tensor`` keeps such an array on its backend, ``assert_close`` reads it
    array_modules: tuple[str, ...] = ()
    #: whether its arrays are host data that every backend's ``asarray`` takes (NumPy's):
    #: creating a tensor from one uses the default backend, as for a list, not this one
    host_arrays = False
    #: op-table rows this backend is known to fail, as data: ``{filter: reason}``, where a
    #: filter names rows as ``crossgrad check --ops`` does (a module, an op, a case, or
    #: ``module::case``), optionally followed by ``:<check>`` (``"einsum:gradgrad"``)
    known_gaps: dict[str, str] = {}
    #: whether arithmetic flushes subnormal floats (below 2.2e-308 in float64) to zero
    flushes_subnormals = False

    def __init__(self) -> None:
        self.kernels: dict[str, Callable[..., Any]] = {}
        #: held while a draw advances the random generator's state, so threads drawing at
        #: once never receive the same numbers
        self.rng_lock = threading.Lock()

    # ---------------------------------------------------------------- availability
    def unavailable_reason(self) -> str | None:
        """Return why this backend cannot run here, or None when it can."""
        try:
            self.xp  # noqa: B018 - importing the namespace is the check
        except ImportError as exc:
            return f"{self.requires or self.name} is not installed ({exc})"
        return None

    @functools.cached_property
    def xp(self) -> Any:
        """The array-API namespace of this backend's arrays."""
        return self._load_namespace()

    def _load_namespace(self) -> Any:
        raise NotImplementedError

    def info(self) -> dict[str, str]:
        """Versions and devices, for ``crossgrad info``."""
        return {}

    def owns(self, array: Any) -> bool:
        """Whether ``array`` is one of this backend's arrays, judged by its type's module.

        Only a library already in ``sys.modules`` can own an array (none exists before its
        library is imported), so asking never imports one (as array-api-compat does it).
        """
        module = type(array).__module__.partition(".")[0]
        return module in self.array_modules and module in sys.modules

    # ---------------------------------------------------------------- dtypes and data
    def native_dtype(self, dtype: DType) -> Any:
        return getattr(self.xp, "bool" if dtype is dtypes.bool_ else dtype.name)

    def has_dtype(self, dtype: DType) -> bool:
        """Whether this backend's arrays can hold ``dtype`` (a backend on the array API
        standard alone has no float16)."""
        try:
            self.native_dtype(dtype)
        except (DTypeError, AttributeError, TypeError):
            return False
        return True

    def asarray(self, obj: Any, dtype: DType | None = None, copy: bool | None = None) -> Any:
        native = None if dtype is None else self.native_dtype(dtype)
        return self.xp.asarray(obj, dtype=native, copy=copy)

    def to_numpy(self, array: Any) -> Any:
        import numpy as np

        return np.asarray(array)

    def from_foreign(self, array: Any, source: Backend, copy: bool | None = None) -> Any:
        """Bring ``array``, an array of backend ``source``, onto this backend, same dtype.

        DLPack carries the data where both libraries support it for the array's device (no
        trip through host memory); otherwise it goes through a host NumPy copy. The result
        shares memory with ``array`` only when ``copy`` is not True and neither backend is
        mutable: a write through a mutable array must never show in another backend's
        array (an immutable one would change under JAX, and neither tensor's version
        counter would see it), and a NumPy array made from a read-only JAX buffer would
        not be writable.
        """
        private = bool(copy) or self.mutable or source.mutable
        try:
            out = self.xp.from_dlpack(array)
        except Exception:  # noqa: BLE001 - DLPack only saves a copy: any refusal (wrong
            # device, no __dlpack__, unsupported dtype, older library) takes the host path
            return self.asarray(source.to_numpy(array), copy=True if private else None)
        return self.xp.asarray(out, copy=True) if private else out

    def astype(self, array: Any, dtype: DType) -> Any:
        return self.xp.astype(array, self.native_dtype(dtype))

    def full(self, shape: tuple[int, ...], value: Any, dtype: DType) -> Any:
        return self.xp.full(shape, value, dtype=self.native_dtype(dtype))

    def zeros(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self.xp.zeros(shape, dtype=self.native_dtype(dtype))

    def copy(self, array: Any) -> Any:
        return self.xp.asarray(array, copy=True)

    def write(self, dst: Any, src: Any, how: str = "set") -> Any:
        """Store ``src`` into ``dst`` (``how="set"``), or update ``dst`` with it (``"add"``,
        ``"sub"``, ``"mul"``, ``"div"``); returns the array the tensor holds afterwards.

        Mutable backends write into ``dst`` (views see it); immutable ones return a new array.
        """
        if how == "set":
            if not self.mutable:
                return src
            dst[...] = src
            return dst
        update = _UPDATES[how]
        return update[0](dst, src) if self.mutable else update[1](dst, src)

    def sole_owner(self, array: Any) -> bool:
        """Whether ``array`` is its memory's only holder, so a tensor may take it over
        without a copy. Only called where reference counts are exact (CPython < 3.14)."""
        return not self.mutable  # immutable arrays can be shared freely

    def device_of(self, array: Any) -> str:
        return "cpu"

    # ---------------------------------------------------------------- random numbers
    def manual_seed(self, seed: int) -> None:
        raise NotImplementedError

    def rand(self, shape: tuple[int, ...], dtype: DType) -> Any:
        raise NotImplementedError

    def randn(self, shape: tuple[int, ...], dtype: DType) -> Any:
        raise NotImplementedError

    def randint(self, low: int, high: int, shape: tuple[int, ...], dtype: DType) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<crossgrad backend {self.name!r}>"


def missing_dtype(backend: Backend, dtype: DType) -> DTypeError:
    """The error for a dtype ``backend``'s arrays cannot hold."""
    return DTypeError(
        f"backend {backend.name!r} has no {dtype.name} arrays, received dtype={dtype!r}",
        hint="cast to float32 (or float16) first, or use a backend that has it",
    )


# The in-place operator and its functional twin, for each update ``write`` knows.
_UPDATES = {
    "add": (operator.iadd, operator.add),
    "sub": (operator.isub, operator.sub),
    "mul": (operator.imul, operator.mul),
    "div": (operator.itruediv, operator.truediv),
}
