"""Checks on third-party kernels: their errors name the plugin, their results are checked.

A kernel from a plugin (a ``KernelSpec``, or a kernel a plugin's backend brings) runs inside
:class:`CheckedKernel`. An exception it raises comes back as a
:class:`~crossgrad.core.errors.PluginError` naming the op, the backend and the distribution,
with the original chained. Its result must be arrays of its backend, with the shape and
dtype the op's reference kernel gives for inputs of the same shapes and dtypes: the
reference runs once per input signature, on zero-filled host arrays, and is remembered, so
a training loop pays a dictionary lookup per call. Built-in kernels are never wrapped.

``CROSSGRAD_CHECK_KERNELS=0`` (read when plugins load) or ``checks.enabled = False`` turns
the result checks off; errors are still named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from crossgrad.core import dtypes
from crossgrad.core.errors import CrossgradError, PluginError
from crossgrad.core.function import PORTABLE_KERNELS
from crossgrad.plugins.specs import LazyKernel

if TYPE_CHECKING:
    from crossgrad.backends.base import Backend
    from crossgrad.plugins.manager import PluginRecord

#: Whether results of third-party kernels are checked (``CROSSGRAD_CHECK_KERNELS``).
enabled = True

_NO_REFERENCE = object()


class CheckedKernel:
    """A plugin's kernel for ``op`` on ``backend``, its failures and results checked."""

    def __init__(
        self,
        kernel: Callable[..., Any],
        op: str,
        backend: Backend,
        record: PluginRecord,
        reference: Reference | None,
    ) -> None:
        self.kernel = kernel
        self.op = op
        self.backend = backend
        self.record = record
        self.reference = reference
        self._expected: dict[Any, Any] = {}

    def _who(self) -> str:
        return (
            f"{self.op}: the {self.backend.name!r} kernel from plugin "
            f"{self.record.name!r} ({self.record.label})"
        )

    def __call__(self, xp: Any, *args: Any, **params: Any) -> Any:
        if isinstance(self.kernel, LazyKernel):  # named by reference: import it once
            self.kernel = self.kernel.load()
        try:
            out = self.kernel(xp, *args, **params)
        except CrossgradError:
            raise
        except Exception as exc:
            raise PluginError(
                f"{self._who()} raised {type(exc).__name__}: {exc}",
                hint="the plugin's kernel failed on these inputs; report it to its "
                f"authors, or block it with CROSSGRAD_BLOCK_PLUGINS={self.record.name}",
            ) from exc
        if enabled:
            self._check(args, params, out)
        return out

    def _check(self, args: tuple[Any, ...], params: dict[str, Any], out: Any) -> None:
        results = out if isinstance(out, tuple) else (out,)
        for r in results:
            if not self.backend.owns(r) or dtypes.from_native(getattr(r, "dtype", None)) is None:
                raise self._contract(f"returned {type(r).__name__} {_short(r)}, not an array")
        expected = self._reference(args, params)
        if expected is _NO_REFERENCE:
            return
        got = tuple((tuple(r.shape), dtypes.from_native(r.dtype)) for r in results)
        if got != expected:
            raise self._contract(f"returned {_meta(got)}, but the op gives {_meta(expected)}")

    def _contract(self, problem: str) -> PluginError:
        return PluginError(
            f"{self._who()} {problem} for these inputs",
            hint="fix the kernel; CROSSGRAD_CHECK_KERNELS=0 turns this check off",
        )

    def _reference(self, args: tuple[Any, ...], params: dict[str, Any]) -> Any:
        """The (shape, dtype) of each output the reference kernel gives for inputs like
        ``args``, remembered per input signature."""
        key: Any = (
            tuple(_signature(a) for a in args),
            tuple(sorted((k, _signature(v)) for k, v in params.items())),
        )
        try:
            return self._expected[key]
        except TypeError:  # unhashable parameters: check this call, remember nothing
            return _run_reference(self.reference, self.op, args, params)
        except KeyError:
            found = self._expected[key] = _run_reference(self.reference, self.op, args, params)
            return found


def _signature(value: Any) -> Any:
    dtype = getattr(value, "dtype", None)
    if dtype is not None and hasattr(value, "shape"):
        return ("array", tuple(value.shape), dtypes.from_native(dtype))
    return value


class Reference:
    """The built-in host backend and its own kernels (taken before any plugin's kernel is
    installed on it): what an op gives, to check third-party kernels against."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.kernels = dict(backend.kernels)

    def kernel(self, op: str) -> Callable[..., Any] | None:
        return self.kernels.get(op) or PORTABLE_KERNELS.get(op)


def _run_reference(reference: Reference | None, op: str, args: Any, params: Any) -> Any:
    kernel = None if reference is None else reference.kernel(op)
    if kernel is None or reference is None:
        return _NO_REFERENCE
    try:
        host_args = [_zeros_like(a) for a in args]
        host_params = {k: _zeros_like(v) for k, v in params.items()}
        out = kernel(reference.backend.xp, *host_args, **host_params)
        results = out if isinstance(out, tuple) else (out,)
        return tuple((tuple(np.shape(r)), dtypes.from_native(r.dtype)) for r in results)
    except Exception:  # noqa: BLE001 - no reference for these inputs: skip the check
        return _NO_REFERENCE


def _zeros_like(value: Any) -> Any:
    dtype = getattr(value, "dtype", None)
    if dtype is None or not hasattr(value, "shape"):
        return value
    found = dtypes.from_native(dtype)
    if found is None:
        raise TypeError(f"no host dtype for {dtype!r}")
    return np.zeros(tuple(value.shape), dtype=found.name)


def _meta(results: tuple[Any, ...]) -> str:
    return ", ".join(f"shape={shape} dtype={'?' if d is None else d.name}" for shape, d in results)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
