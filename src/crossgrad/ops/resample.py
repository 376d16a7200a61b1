"""Resampling along the trailing dims: ``pad`` and ``interpolate``.

Both gather with ``index_select`` along one dim at a time (or, for constant padding,
concatenate), so gradients of any order come for free. The index tables depend on shapes
only and are computed in NumPy, then moved to the input's backend as constants.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from crossgrad.core.errors import ShapeError
from crossgrad.ops import shape as shape_ops
from crossgrad.ops._util import Tensor, as_tensor_like, cast, expect_tensor, floating
from crossgrad.ops.creation import full

# PyTorch keeps these ops under torch.nn.functional, so none is crossgrad.<name>;
# crossgrad.nn.functional re-exports them.
__all__: list[str] = []


# ====================================================================== pad

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(
    input: Tensor,
    pad: Sequence[int],
    mode: str = "constant",  # noqa: A002
    value: float | None = None,
) -> Tensor:
    """Pad (or, with negative sizes in constant mode, crop) the trailing dims of ``input``.

    ``pad`` lists ``(left, right)`` pairs starting from the last dim, as PyTorch:
    ``(1, 1, 2, 0)`` pads the last dim by 1 on each side and the one before by 2 in front.

    >>> import crossgrad
    >>> pad(crossgrad.tensor([[1.0, 2.0]]), (1, 2), value=9.0)
    tensor([[9., 1., 2., 9., 9.]])
    >>> pad(crossgrad.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    op = "pad"
    input = expect_tensor(input, op)
    pads = tuple(int(p) for p in pad)
    if len(pads) % 2 or len(pads) // 2 > input.ndim:
        raise ShapeError(
            f"{op}: the pad tuple must hold (left, right) pairs for at most "
            f"input.ndim dims, received pad={pads}, input.shape={input.shape}",
            hint="pass an even-length tuple, last dim first: (left, right, top, bottom)",
        )
    if mode not in _PAD_MODES:
        raise ValueError(
            f"{op}: unknown mode={mode!r}; choose one of "
            f"{', '.join(map(repr, _PAD_MODES))}\nhint: pass mode='constant'"
        )
    if mode != "constant" and value not in (None, 0, 0.0):
        raise ValueError(
            f"{op}: value only applies to mode='constant', received "
            f"mode={mode!r}, value={value!r}\nhint: drop value="
        )
    out = input
    for i in range(len(pads) // 2):
        dim = input.ndim - 1 - i
        left, right = pads[2 * i], pads[2 * i + 1]
        if mode == "constant":
            out = _pad_constant(out, dim, left, right, 0.0 if value is None else value)
        elif left or right:
            out = out.index_select(
                dim,
                as_tensor_like(_pad_index(op, mode, out.shape[dim], left, right, dim), out),
            )
    return out


def _pad_constant(x: Tensor, dim: int, left: int, right: int, value: float) -> Tensor:
    size = x.shape[dim]
    if left + right + size < 0:
        raise ShapeError(
            f"pad: negative padding crops more than dim {dim} holds, received "
            f"left={left}, right={right}, size={size}",
            hint="crop at most the dim's size",
        )
    if left < 0 or right < 0:  # cropping
        start = max(-left, 0)
        x = x.narrow(dim, start, size - start - max(-right, 0))
    parts: list[Tensor | None] = []
    for n in (left, right):
        if n > 0:
            shape = x.shape[:dim] + (n,) + x.shape[dim + 1 :]
            parts.append(full(shape, value, dtype=x.dtype, backend=x._backend))
        else:
            parts.append(None)
    pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
    return shape_ops.cat(pieces, dim) if len(pieces) > 1 else x


def _pad_index(op: str, mode: str, size: int, left: int, right: int, dim: int) -> np.ndarray:
    """The source index of every output position along one padded dim."""
    if left < 0 or right < 0:
        raise ShapeError(
            f"{op}: negative padding is only allowed in mode='constant', received "
            f"left={left}, right={right} for dim {dim}",
            hint="crop with narrow() or use mode='constant'",
        )
    if mode == "reflect" and (left >= size or right >= size):
        raise ShapeError(
            f"{op}: reflect padding must be smaller than the dim's size, received "
            f"left={left}, right={right}, size={size} for dim {dim}",
            hint="use mode='replicate' or a smaller pad",
        )
    if mode == "circular" and (left > size or right > size):
        raise ShapeError(
            f"{op}: circular padding may wrap at most once, received "
            f"left={left}, right={right}, size={size} for dim {dim}",
            hint="use a pad no larger than the dim's size",
        )
    pos = np.arange(-left, size + right)
    if mode == "reflect":
        pos = np.abs(pos)
        pos = np.where(pos >= size, 2 * (size - 1) - pos, pos)
    elif mode == "replicate":
        pos = np.clip(pos, 0, size - 1)
    else:
        pos = pos % size
    return pos.astype(np.int64)


# ====================================================================== interpolate

_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,  # noqa: A002
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Resize the spatial dims (all after N, C) of ``input`` as PyTorch's ``interpolate``.

    ``mode="nearest"`` picks ``floor(i * in / out)`` (PyTorch's legacy nearest);
    ``"linear"``/``"bilinear"``/``"trilinear"`` blend neighbours, with ``align_corners``.

    >>> import crossgrad
    >>> interpolate(crossgrad.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """
    op = "interpolate"
    input = floating(input, op)
    if mode != "nearest" and mode not in _LINEAR_MODES:
        raise ValueError(
            f"{op}: unknown mode={mode!r}; choose one of 'nearest', 'linear', "
            "'bilinear', 'trilinear'\nhint: pass mode='nearest'"
        )
    if mode == "nearest" and align_corners is not None:
        raise ValueError(
            f"{op}: align_corners only applies to the linear modes, received "
            f"mode={mode!r}, align_corners={align_corners!r}"
            "\nhint: drop align_corners="
        )
    if input.ndim not in (3, 4, 5) or (mode in _LINEAR_MODES and input.ndim != _LINEAR_MODES[mode]):
        wanted = "3, 4 or 5" if mode == "nearest" else str(_LINEAR_MODES[mode])
        raise ShapeError(
            f"{op}: mode={mode!r} needs a {wanted}-D input (N, C, *spatial), "
            f"received input.shape={input.shape}",
            hint="reshape to (N, C, *spatial), or pick the mode for its rank",
        )
    spatial = input.shape[2:]
    out_sizes, scales = _output_sizes(op, spatial, size, scale_factor)
    out = input
    for i, (n, m, s) in enumerate(zip(spatial, out_sizes, scales, strict=True)):
        dim = 2 + i
        if mode == "nearest":
            if n != m:
                out = out.index_select(
                    dim,
                    as_tensor_like(_nearest_index(n, m, s), out),
                )
        else:
            out = _linear_along(out, dim, n, m, s, bool(align_corners))
    return out


def _output_sizes(
    op: str, spatial: tuple[int, ...], size: Any, scale_factor: Any
) -> tuple[list[int], list[float | None]]:
    """Output sizes and, when scale_factor was given, the scales PyTorch's kernels use."""
    k = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError(
            f"{op}: pass exactly one of size and scale_factor, received "
            f"size={size!r}, scale_factor={scale_factor!r}"
            "\nhint: pass size=(H, W) or scale_factor=2"
        )
    if size is not None:
        sizes = [int(size)] * k if isinstance(size, int) else [int(s) for s in size]
        if len(sizes) != k or min(sizes) <= 0:
            raise ShapeError(
                f"{op}: size must give {k} positive sizes, received size={size!r}",
                hint=f"pass one size per spatial dim of {spatial}",
            )
        return sizes, [None] * k
    factors = (
        [float(scale_factor)] * k
        if isinstance(scale_factor, (int, float))
        else [float(f) for f in scale_factor]
    )
    if len(factors) != k or min(factors) <= 0:
        raise ShapeError(
            f"{op}: scale_factor must give {k} positive factors, received "
            f"scale_factor={scale_factor!r}",
            hint=f"pass one factor per spatial dim of {spatial}",
        )
    sizes = [math.floor(n * f) for n, f in zip(spatial, factors, strict=True)]
    if min(sizes) <= 0:
        raise ShapeError(
            f"{op}: scale_factor={scale_factor!r} leaves an empty output for "
            f"spatial dims {spatial}",
            hint="pass a larger scale_factor",
        )
    return sizes, factors  # type: ignore[return-value]


def _scale(n: int, m: int, factor: float | None, align_corners: bool) -> float:
    """PyTorch's area_pixel_compute_scale: source step per output step."""
    if align_corners:
        return (n - 1) / (m - 1) if m > 1 else 0.0
    return 1.0 / factor if factor is not None else n / m


def _nearest_index(n: int, m: int, factor: float | None) -> np.ndarray:
    # float32 arithmetic, as PyTorch's kernel, so that ties floor the same way.
    scale = np.float32(_scale(n, m, factor, False))
    src = np.floor(np.arange(m, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(src, n - 1)


def _linear_along(
    x: Tensor, dim: int, n: int, m: int, factor: float | None, align_corners: bool
) -> Tensor:
    """Linear interpolation of ``x`` along ``dim`` from ``n`` to ``m`` samples."""
    scale = _scale(n, m, factor, align_corners)
    dst = np.arange(m, dtype=np.float64)
    src = dst * scale if align_corners else np.maximum(scale * (dst + 0.5) - 0.5, 0.0)
    lo = np.minimum(src.astype(np.int64), n - 1)
    hi = np.minimum(lo + 1, n - 1)
    frac = src - lo
    shape = (m,) + (1,) * (x.ndim - dim - 1)
    w_hi = cast(as_tensor_like(frac.reshape(shape), x), x.dtype)
    w_lo = cast(as_tensor_like((1.0 - frac).reshape(shape), x), x.dtype)
    lo_t, hi_t = as_tensor_like(lo, x), as_tensor_like(hi, x)
    return x.index_select(dim, lo_t) * w_lo + x.index_select(dim, hi_t) * w_hi
