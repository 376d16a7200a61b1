"""``assert_close``: compare tensors, arrays and scalars with dtype-aware tolerances.

An element passes when ``|actual - expected| <= atol + rtol * |expected|``, when both are the
same infinity, or when both are NaN. Default tolerances come from :data:`DEFAULT_TOLERANCES`
(by the less precise dtype of the two sides), scaled by :data:`DEVICE_FACTORS` for the device
the tensors live on: accelerators reorder and fuse float operations, so they get more slack.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from crossgrad._tensor import Tensor
from crossgrad.plugins import registry

__all__ = ["assert_close", "default_tolerances", "DEFAULT_TOLERANCES", "DEVICE_FACTORS"]

#: (rtol, atol) per dtype name. float32/float16 follow ``torch.testing.assert_close``;
#: float64's atol is tighter than torch's 1e-7 so that small values are still compared.
#: Integer and bool dtypes are compared exactly.
DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-7, 1e-10),
    "float32": (1.3e-6, 1e-5),
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
}

#: How much the default tolerances grow by device kind (the part of ``tensor.device``
#: before ``:``). Kinds not listed get the ``"other"`` factor.
DEVICE_FACTORS: dict[str, float] = {
    "cpu": 1.0,
    "cuda": 10.0,
    "gpu": 10.0,
    "rocm": 10.0,
    "tpu": 10.0,
    "other": 10.0,
}

_PRECISION = [
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float64",
    "float32",
    "bfloat16",
    "float16",
]


def default_tolerances(dtype: Any, device: str = "cpu") -> tuple[float, float]:
    """Return the default ``(rtol, atol)`` for a dtype (name, crossgrad or NumPy) on a device.

    >>> default_tolerances("float32")
    (1.3e-06, 1e-05)
    >>> default_tolerances("float16", device="cuda:0")
    (0.01, 0.0001)
    >>> default_tolerances("int64")
    (0.0, 0.0)
    """
    name = getattr(dtype, "name", None) or str(dtype)
    if name not in DEFAULT_TOLERANCES:
        return 0.0, 0.0
    rtol, atol = DEFAULT_TOLERANCES[name]
    kind = device.split(":")[0].lower()
    factor = DEVICE_FACTORS.get(kind, DEVICE_FACTORS["other"])
    return rtol * factor, atol * factor


def assert_close(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    msg: str | None = None,
) -> None:
    """Assert that ``actual`` and ``expected`` have the same shape and close values.

    Each side may be a Tensor (any backend), a NumPy array, a Python or NumPy scalar, a
    nested list, or a tuple/list of those (compared item by item). Shapes must match exactly;
    dtypes need not: the tolerances default to those of the less precise dtype.

    Args:
        rtol, atol: override the defaults of :func:`default_tolerances`; give one and the
            other keeps its default.
        msg: a line put first in the failure report.

    Raises:
        AssertionError: naming how many elements differ, the worst one's index, both values
            there, the absolute and relative difference, and the tolerances used.

    >>> import crossgrad
    >>> assert_close(crossgrad.tensor([1.0, 2.0]), [1.0, 2.0000001])
    >>> assert_close(crossgrad.tensor([1.0, 2.0]), [1.0, 2.1])
    Traceback (most recent call last):
    ...
    AssertionError: Values are not close: 1 of 2 elements mismatch (50.0%).
    Worst element at index (1,): actual=2.0, expected=2.1
      abs diff=0.1 (atol=1e-05), rel diff=0.047619 (rtol=1.3e-06)
    """
    _compare(actual, expected, rtol, atol, msg, where="")


def _compare(
    actual: Any, expected: Any, rtol: float | None, atol: float | None, msg: str | None, where: str
) -> None:
    if isinstance(actual, (tuple, list)) and _is_sequence_of_values(actual):
        if not isinstance(expected, (tuple, list)) or len(expected) != len(actual):
            got = len(expected) if isinstance(expected, (tuple, list)) else type(expected).__name__
            _fail(
                msg, where, f"Sequences differ in length: len(actual)={len(actual)}, expected={got}"
            )
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, msg, f"{where}[{i}]")
        return
    a, a_device = _to_numpy(actual)
    e, e_device = _to_numpy(expected)
    if a.shape != e.shape:
        _fail(msg, where, f"Shapes do not match: actual.shape={a.shape}, expected.shape={e.shape}")
    rtol, atol = _tolerances(a.dtype, e.dtype, a_device or e_device or "cpu", rtol, atol)
    if a.size == 0:
        return
    exact = rtol == 0 and atol == 0
    if exact and not (a.dtype.kind == "f" or e.dtype.kind == "f"):
        close = a == e
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
    else:
        a64 = a.astype(np.float64)
        e64 = e.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a64 - e64)
            finite = np.isfinite(a64) & np.isfinite(e64)
            # An infinite expected value would make rtol * |expected| infinite: infinities
            # must match exactly.
            close = np.where(finite, diff <= atol + rtol * np.abs(e64), a64 == e64)
        close |= np.isnan(a64) & np.isnan(e64)
    if bool(np.all(close)):
        return
    _fail(msg, where, _report(a, e, close, diff, rtol, atol))


def _is_sequence_of_values(x: Any) -> bool:
    """A tuple/list to compare item by item (not nested numbers forming one array)."""
    return any(isinstance(v, (Tensor, np.ndarray, tuple, list)) for v in x) or isinstance(x, tuple)


def _to_numpy(x: Any) -> tuple[np.ndarray, str | None]:
    if isinstance(x, Tensor):
        return np.asarray(x.detach().numpy()), x.device
    if isinstance(x, np.ndarray):
        return x, None
    owner = registry.array_backend(x)  # a device array (CuPy's, JAX's) is read by its backend
    if owner is not None:
        return np.asarray(owner.to_numpy(x)), owner.device_of(x)
    return np.asarray(x), None


def _tolerances(
    a: np.dtype, e: np.dtype, device: str, rtol: float | None, atol: float | None
) -> tuple[float, float]:
    # The less precise side decides: float16 vs float64 data is compared at float16's.
    names = [d.name if d.name in _PRECISION else "float64" for d in (a, e)]
    least = max(names, key=_PRECISION.index)
    d_rtol, d_atol = default_tolerances(least, device)
    return (d_rtol if rtol is None else rtol), (d_atol if atol is None else atol)


def _report(
    a: np.ndarray, e: np.ndarray, close: np.ndarray, diff: np.ndarray, rtol: float, atol: float
) -> str:
    bad = ~close
    n_bad, total = int(bad.sum()), close.size
    badness = np.where(bad, np.nan_to_num(diff, nan=np.inf, posinf=np.inf), -1.0)
    flat = int(np.argmax(badness))
    index = tuple(int(i) for i in np.unravel_index(flat, a.shape))
    av, ev = a.reshape(-1)[flat], e.reshape(-1)[flat]
    d = float(diff.reshape(-1)[flat])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = d / abs(float(ev)) if float(ev) != 0 else (0.0 if d == 0 else np.inf)
    return (
        f"Values are not close: {n_bad} of {total} elements mismatch "
        f"({100.0 * n_bad / total:.1f}%).\n"
        f"Worst element at index {index}: actual={_num(av)}, expected={_num(ev)}\n"
        f"  abs diff={d:.6g} (atol={atol:.6g}), rel diff={rel:.6g} (rtol={rtol:.6g})"
    )


def _num(v: Any) -> str:
    # str() of a NumPy scalar is the shortest repr that round-trips in its own dtype.
    return str(v)


def _fail(msg: str | None, where: str, body: str) -> None:
    lines = []
    if msg:
        lines.append(msg)
    if where:
        lines.append(f"In item {where}:")
    lines.append(body)
    raise AssertionError("\n".join(lines))
