"""The NumPy backend: the reference backend, CPU, mutable arrays."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from crossgrad.backends.base import Backend, missing_dtype
from crossgrad.core import dtypes
from crossgrad.core.dtypes import DType


class NumpyBackend(Backend):
    name = "numpy"
    requires = "numpy"
    install_hint = "pip install crossgrad"  # NumPy is a dependency of crossgrad itself
    array_modules = ("numpy",)
    host_arrays = True

    def __init__(self) -> None:
        super().__init__()
        self._rng = np.random.default_rng()
        self.kernels.update(
            scatter_add=_scatter_add,
            matmul=_matmul,
            einsum=_einsum,
            erf=_erf,
            relu_backward=_relu_backward,
            conv2d=_conv2d,
            conv_transpose2d=_conv_transpose2d,
            conv2d_weight=_conv2d_weight,
            max_pool2d=_max_pool2d,
            max_pool2d_scatter=_max_pool2d_scatter,
        )

    def _load_namespace(self) -> Any:
        import array_api_compat.numpy

        return array_api_compat.numpy

    def info(self) -> dict[str, str]:
        return {"numpy": np.__version__, "blas": _blas_name(), "devices": "cpu"}

    def native_dtype(self, dtype: DType) -> Any:
        return np.dtype(self._name(dtype))

    def _name(self, dtype: DType) -> str:
        # Once JAX is imported, ml_dtypes teaches NumPy the name "bfloat16"; refusing it
        # keeps this backend the same whether or not JAX was imported.
        if dtype is dtypes.bfloat16:
            raise missing_dtype(self, dtype)
        return dtype.name

    def asarray(self, obj: Any, dtype: DType | None = None, copy: bool | None = None) -> Any:
        return np.array(
            obj, dtype=None if dtype is None else self._name(dtype), copy=True if copy else None
        )

    def to_numpy(self, array: Any) -> Any:
        return np.asarray(array)

    def sole_owner(self, array: Any) -> bool:
        # Held by one Tensor: its _data plus this call's argument and getrefcount's.
        return (
            type(array) is np.ndarray
            and array.base is None
            and array.flags.owndata
            and array.flags.writeable
            and sys.getrefcount(array) == 3
        )

    def write(self, dst: Any, src: Any, how: str = "set") -> Any:
        # NumPy returns scalars, not 0-d arrays, from full reductions and 0-d math;
        # a scalar cannot be written into, so it becomes a 0-d array first.
        if type(dst) is not np.ndarray:
            dst = np.array(dst)
        return super().write(dst, src, how)

    def astype(self, array: Any, dtype: DType) -> Any:
        return array.astype(self._name(dtype))

    def full(self, shape: tuple[int, ...], value: Any, dtype: DType) -> Any:
        return np.full(shape, value, dtype=self._name(dtype))

    def zeros(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return np.zeros(shape, dtype=self._name(dtype))

    def copy(self, array: Any) -> Any:
        return array.copy()

    # NumPy's Generator holds its bit generator's lock for each draw, so threads drawing at
    # once get distinct numbers without rng_lock.
    def manual_seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def rand(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.random(shape).astype(self._name(dtype), copy=False)

    def randn(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.standard_normal(shape).astype(self._name(dtype), copy=False)

    def randint(self, low: int, high: int, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.integers(low, high, shape).astype(self._name(dtype), copy=False)


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
    flat = np.fromiter((math.erf(v) for v in x.ravel().tolist()), dtype=np.float64, count=x.size)
    return flat.reshape(x.shape).astype(x.dtype, copy=False)


# ---------------------------------------------------------------- convolution and pooling
# ``win`` is crossgrad.ops.conv.Window: size, stride, dilation, ((top, bottom), (left, right)).


def _windows(x: Any, win: Any, fill: float = 0.0) -> Any:
    """A strided view of ``x`` (N, C, H, W) as (N, C, Ho, Wo, kh, kw): no copy but the pad."""
    (kh, kw), (sh, sw), (dh, dw) = win.size, win.stride, win.dilation
    if any(win.padding[0] + win.padding[1]):
        x = np.pad(x, ((0, 0), (0, 0), *win.padding), constant_values=fill)
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=(2, 3))
    return view[:, :, ::sh, ::sw, ::dh, ::dw]


def _slices(win: Any, i: int, j: int, ho: int, wo: int) -> tuple[slice, slice]:
    """Where kernel tap (i, j) reads in the padded input, for every output position."""
    (sh, sw), (dh, dw) = win.stride, win.dilation
    return (
        slice(i * dh, i * dh + sh * (ho - 1) + 1, sh),
        slice(j * dw, j * dw + sw * (wo - 1) + 1, sw),
    )


def _padded_zeros(n: int, c: int, hw: Any, win: Any, dtype: Any) -> Any:
    (top, bottom), (left, right) = win.padding
    return np.zeros((n, c, hw[0] + top + bottom, hw[1] + left + right), dtype=dtype)


def _crop(out: Any, win: Any, hw: Any) -> Any:
    (top, _), (left, _) = win.padding
    if out.shape[2:] == tuple(hw):
        return out
    return np.ascontiguousarray(out[:, :, top : top + hw[0], left : left + hw[1]])


def _conv2d(xp: Any, x: Any, w: Any, *, win: Any, groups: int) -> Any:
    v = _windows(x, win)  # (N, C, Ho, Wo, kh, kw)
    og, cg = w.shape[0] // groups, w.shape[1]
    parts = [
        np.tensordot(
            w[k * og : (k + 1) * og], v[:, k * cg : (k + 1) * cg], axes=([1, 2, 3], [1, 4, 5])
        )
        for k in range(groups)
    ]
    out = parts[0] if groups == 1 else np.concatenate(parts, axis=0)  # (O, N, Ho, Wo)
    return np.ascontiguousarray(out.transpose(1, 0, 2, 3))


def _conv_transpose2d(xp: Any, g: Any, w: Any, *, win: Any, groups: int, in_hw: Any) -> Any:
    n, o, ho, wo = g.shape
    og, cg = o // groups, w.shape[1]
    out = _padded_zeros(n, cg * groups, in_hw, win, g.dtype)
    kh, kw = win.size
    for k in range(groups):
        # (N, Cg, kh, kw, Ho, Wo): every tap's contribution, added at its strided slice.
        wk = w[k * og : (k + 1) * og].reshape(og, -1)
        gk = g[:, k * og : (k + 1) * og].reshape(n, og, ho * wo)
        cols = np.matmul(wk.T, gk).reshape(n, cg, kh, kw, ho, wo)
        for i in range(kh):
            for j in range(kw):
                rows, columns = _slices(win, i, j, ho, wo)
                out[:, k * cg : (k + 1) * cg, rows, columns] += cols[:, :, i, j]
    return _crop(out, win, in_hw)


def _conv2d_weight(xp: Any, x: Any, g: Any, *, win: Any, groups: int) -> Any:
    v = _windows(x, win)  # (N, C, Ho, Wo, kh, kw)
    og, cg = g.shape[1] // groups, x.shape[1] // groups
    parts = [
        np.tensordot(
            g[:, k * og : (k + 1) * og], v[:, k * cg : (k + 1) * cg], axes=([0, 2, 3], [0, 2, 3])
        )
        for k in range(groups)
    ]
    return parts[0] if groups == 1 else np.concatenate(parts, axis=0)  # (O, Cg, kh, kw)


def _max_pool2d(xp: Any, x: Any, *, win: Any) -> tuple[Any, Any]:
    """A running maximum over the kernel taps, each a strided view: no window copy."""
    if any(win.padding[0] + win.padding[1]):
        x = np.pad(x, ((0, 0), (0, 0), *win.padding), constant_values=-np.inf)
    ho, wo = _pool_out(x.shape[2:], win)
    kw = win.size[1]
    rows, columns = _slices(win, 0, 0, ho, wo)
    best = x[:, :, rows, columns].copy()
    kidx = np.zeros(best.shape, dtype=np.int64)
    for k in range(1, win.size[0] * kw):
        rows, columns = _slices(win, k // kw, k % kw, ho, wo)
        tap = x[:, :, rows, columns]
        better = tap > best
        np.copyto(best, tap, where=better)
        np.copyto(kidx, k, where=better)
    return best, kidx


def _pool_out(hw: Any, win: Any) -> tuple[int, int]:
    """Output size over an already padded input."""
    h, w = (
        (n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(hw, win.size, win.stride, win.dilation)
    )
    return h, w


def _max_pool2d_scatter(xp: Any, g: Any, kidx: Any, *, win: Any, in_hw: Any) -> Any:
    n, c, ho, wo = g.shape
    kh, kw = win.size
    out = _padded_zeros(n, c, in_hw, win, g.dtype)
    for k in range(kh * kw):
        rows, columns = _slices(win, k // kw, k % kw, ho, wo)
        out[:, :, rows, columns] += np.where(kidx == k, g, 0)
    return _crop(out, win, in_hw)


def _relu_backward(xp: Any, g: Any, y: Any) -> Any:
    # A multiply by the bool mask is ~10x faster than np.where on unpredictable masks. It
    # is wrong only where g is inf or nan outside the mask (nan, not PyTorch's 0): then the
    # result is not finite, and the select is made instead.
    out = g * ~(y <= 0)
    return out if np.isfinite(out).all() else np.where(y <= 0, g.dtype.type(0), g)


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
