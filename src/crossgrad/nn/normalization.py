"""Normalisation, padding, one-hot and resizing: ``batch_norm``, ``layer_norm``,
``group_norm``, ``pad``, ``one_hot``, ``interpolate``.

Each is a composite of Tensor ops (mean, var, rsqrt, cat, index_select, ...), so gradients
of any order come for free. Index tables (for padding and resizing) depend on shapes only
and are computed in NumPy, then moved to the input's backend as constants.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.grad_mode import no_grad
from crossgrad.ops import elementwise as ew
from crossgrad.ops import shape as shape_ops
from crossgrad.ops._util import as_tensor_like, cast, expect_tensor, floating
from crossgrad.ops.creation import arange, full

__all__ = ["batch_norm", "layer_norm", "group_norm", "pad", "one_hot", "interpolate"]


def _affine(
    op: str,
    name: str,
    t: Tensor | None,
    expected: tuple[int, ...],
    like: Tensor,
    cast_to_input: bool = True,
) -> Tensor | None:
    """Check an optional per-feature tensor (weight, bias, running stats) and cast it.

    Running stats are not cast: they are updated in place and must stay the caller's.
    """
    if t is None:
        return None
    t = expect_tensor(t, op, name)
    if t.shape != expected:
        raise ShapeError(
            f"{op}: {name} must have shape {expected}, received {name}.shape={t.shape}",
            hint=f"pass one value per normalised feature: shape {expected}",
        )
    if cast_to_input and t.dtype.category == dtypes.FLOATING:
        return cast(t, like.dtype)
    return t


def _expect_channels(op: str, input: Tensor) -> None:  # noqa: A002
    """Raise unless ``input`` is laid out (N, C, ...)."""
    if input.ndim < 2:
        raise ShapeError(
            f"{op}: input must have at least 2 dims (N, C, ...), received "
            f"input.shape={input.shape}",
            hint="add a batch dim with input.unsqueeze(0)",
        )


def _normalize(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(x - mean) / sqrt(var + eps)`` over ``dims`` (biased variance), the mean, the var."""
    mean = x.mean(dims, keepdim=True)  # type: ignore[attr-defined]
    var = x.var(dims, keepdim=True, correction=0)  # type: ignore[attr-defined]
    return (x - mean) * ew.rsqrt(var + eps), mean, var


# ====================================================================== batch_norm


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,  # noqa: A002
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) of ``input`` to zero mean and unit variance.

    In training the batch statistics are used (biased variance) and the running stats, when
    given, are updated in place as PyTorch: ``r = (1 - momentum) * r + momentum * s`` with
    the unbiased batch variance. In eval the running stats are used.

    >>> import crossgrad
    >>> x = crossgrad.tensor([[1.0], [3.0]])
    >>> rm, rv = crossgrad.zeros(1), crossgrad.ones(1)
    >>> batch_norm(x, rm, rv, training=True, eps=0.0)
    tensor([[-1.],
            [ 1.]])
    >>> rm, rv
    (tensor([0.2]), tensor([1.1]))
    """
    op = "batch_norm"
    input = floating(input, op)
    _expect_channels(op, input)
    channels = input.shape[1]
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    dims = (0, *range(2, input.ndim))
    running_mean = _affine(op, "running_mean", running_mean, (channels,), input, False)
    running_var = _affine(op, "running_var", running_var, (channels,), input, False)
    weight = _affine(op, "weight", weight, (channels,), input)
    bias = _affine(op, "bias", bias, (channels,), input)
    if training:
        count = input.numel() // channels  # type: ignore[attr-defined]
        if count <= 1:
            raise ShapeError(
                f"{op}: expected more than 1 value per channel when training, "
                f"received input.shape={input.shape}",
                hint="use a batch of 2 or more samples, or call eval()",
            )
        y, mean, var = _normalize(input, dims, eps)
        with no_grad():
            if running_mean is not None:
                _blend(running_mean, mean.reshape(channels), momentum)
            if running_var is not None:
                _blend(running_var, var.reshape(channels) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ShapeError(
                f"{op}: eval mode needs running_mean and running_var, received "
                f"running_mean={running_mean is not None and 'Tensor' or None}, "
                f"running_var={running_var is not None and 'Tensor' or None}",
                hint="pass the running stats, or training=True",
            )
        mean = cast(running_mean, input.dtype).reshape(stat_shape)
        var = cast(running_var, input.dtype).reshape(stat_shape)
        y = (input - mean) * ew.rsqrt(var + eps)
    if weight is not None:
        y = y * weight.reshape(stat_shape)
    if bias is not None:
        y = y + bias.reshape(stat_shape)
    return y


def _blend(running: Tensor, batch: Tensor, momentum: float) -> None:
    """``running = (1 - momentum) * running + momentum * batch``, in place."""
    running.copy_(running * (1.0 - momentum) + cast(batch.detach(), running.dtype) * momentum)


# ====================================================================== layer_norm, group_norm


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],  # noqa: A002
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing dims ``normalized_shape``, then scale and shift.

    >>> import crossgrad
    >>> x = crossgrad.tensor([[1.0, 3.0], [0.0, 4.0]])
    >>> layer_norm(x, 2, eps=0.0)
    tensor([[-1.,  1.],
            [-1.,  1.]])
    """
    op = "layer_norm"
    input = floating(input, op)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or k > input.ndim or input.shape[input.ndim - k :] != shape:
        raise ShapeError(
            f"{op}: normalized_shape must equal the input's trailing dims, "
            f"received normalized_shape={shape}, input.shape={input.shape}",
            hint=f"pass normalized_shape={input.shape[-1:]} to normalise the last dim",
        )
    weight = _affine(op, "weight", weight, shape, input)
    bias = _affine(op, "bias", bias, shape, input)
    y, _, _ = _normalize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,  # noqa: A002
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each group of ``C / num_groups`` channels (dim 1) per sample.

    >>> import crossgrad
    >>> group_norm(crossgrad.tensor([[1.0, 3.0, 6.0, 4.0]]), 2, eps=0.0)
    tensor([[-1.,  1.,  1., -1.]])
    """
    op = "group_norm"
    input = floating(input, op)
    _expect_channels(op, input)
    channels = input.shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise ShapeError(
            f"{op}: the channel count must be divisible by num_groups, received "
            f"num_groups={num_groups}, input.shape[1]={channels}",
            hint="pick num_groups among the divisors of the channel count",
        )
    weight = _affine(op, "weight", weight, (channels,), input)
    bias = _affine(op, "bias", bias, (channels,), input)
    grouped = input.reshape(input.shape[0], num_groups, -1)  # type: ignore[attr-defined]
    y = _normalize(grouped, (2,), eps)[0].reshape(input.shape)
    stat_shape = (channels,) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(stat_shape)
    if bias is not None:
        y = y + bias.reshape(stat_shape)
    return y


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
                as_tensor_like(  # type: ignore[attr-defined]
                    _pad_index(op, mode, out.shape[dim], left, right, dim), out
                ),
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
        x = x.narrow(dim, start, size - start - max(-right, 0))  # type: ignore[attr-defined]
    parts = []
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


# ====================================================================== one_hot


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding of class indices: shape ``(*tensor.shape, num_classes)``.

    >>> import crossgrad
    >>> one_hot(crossgrad.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    op = "one_hot"
    tensor = expect_tensor(tensor, op, "tensor")
    if tensor.dtype.category != dtypes.INTEGER:
        raise DTypeError(
            f"{op}: needs integer class indices, received tensor.dtype={tensor.dtype!r}",
            hint="cast with .long()",
        )
    values = tensor.numpy()  # type: ignore[attr-defined]
    if num_classes == -1:
        if values.size == 0:
            raise ShapeError(
                f"{op}: cannot infer num_classes from an empty tensor, received "
                f"tensor.shape={tensor.shape}",
                hint="pass num_classes=",
            )
        num_classes = int(values.max()) + 1
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ShapeError(
            f"{op}: class values must be in [0, num_classes), received "
            f"min={int(values.min())}, max={int(values.max())}, "
            f"num_classes={num_classes}",
            hint="pass num_classes larger than the largest class index",
        )
    classes = arange(num_classes, dtype=tensor.dtype, backend=tensor._backend)
    hits = tensor.unsqueeze(-1) == classes  # type: ignore[attr-defined]
    return cast(hits, dtypes.int64)


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
                    as_tensor_like(  # type: ignore[attr-defined]
                        _nearest_index(n, m, s), out
                    ),
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
    return (
        x.index_select(dim, lo_t) * w_lo  # type: ignore[attr-defined]
        + x.index_select(dim, hi_t) * w_hi
    )  # type: ignore[attr-defined]
