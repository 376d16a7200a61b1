"""Convolution and pooling in NCHW layout: conv1d, conv2d, conv_transpose2d, max_pool2d,
avg_pool2d, adaptive_avg_pool2d.

Three ops carry every convolution: ``Conv2d`` (kernel ``conv2d``), its adjoint in the input
``ConvTranspose2d`` (kernel ``conv_transpose2d``) and its adjoint in the weight ``Conv2dWeight``
(kernel ``conv2d_weight``). Each one's backward is made of the other two, so gradients of
every order work. The portable kernels gather strided windows (im2col) and do one batched
matmul; the JAX backend overrides them with ``lax.conv_general_dilated``. Max pooling keeps
the window-local argmax and its backward scatters to it (``MaxPoolScatter``), whose backward
gathers again (``MaxPoolGather``). Average pooling is a depthwise convolution with a constant
weight; adaptive average pooling is two matrix products with constant pooling matrices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.function import Node, Op
from crossgrad.ops._util import Tensor, as_tensor_like, cast, expect_tensor, floating

__all__ = [
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
]


class Window(NamedTuple):
    """The geometry of a sliding window over H and W: size, stride, dilation and padding
    ``((top, bottom), (left, right))``. Hashable, so JAX can key compiled kernels on it."""

    size: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[tuple[int, int], tuple[int, int]]

    def out_size(self, hw: Sequence[int]) -> tuple[int, ...]:
        return tuple(
            (n + p[0] + p[1] - d * (k - 1) - 1) // s + 1
            for n, k, s, d, p in zip(hw, self.size, self.stride, self.dilation, self.padding)
        )


# ====================================================================== portable helpers


def _pad(xp: Any, x: Any, padding: tuple[tuple[int, int], tuple[int, int]], fill: float) -> Any:
    """``x`` (N, C, H, W) with ``fill`` rows/columns added around H and W."""
    (top, bottom), (left, right) = padding
    if top or bottom:
        n, c, _, w = x.shape
        parts = [
            xp.full((n, c, top, w), fill, dtype=x.dtype),
            x,
            xp.full((n, c, bottom, w), fill, dtype=x.dtype),
        ]
        x = xp.concat([p for p in parts if p.shape[2]], axis=2)
    if left or right:
        n, c, h, _ = x.shape
        parts = [
            xp.full((n, c, h, left), fill, dtype=x.dtype),
            x,
            xp.full((n, c, h, right), fill, dtype=x.dtype),
        ]
        x = xp.concat([p for p in parts if p.shape[3]], axis=3)
    return x


def _im2col(xp: Any, x: Any, win: Window, fill: float = 0.0) -> Any:
    """The windows of ``x`` (N, C, H, W) as (N, C, kh*kw, Ho, Wo)."""
    ho, wo = win.out_size(x.shape[2:])
    x = _pad(xp, x, win.padding, fill)
    (kh, kw), (sh, sw), (dh, dw) = win.size, win.stride, win.dilation
    cols = [
        x[:, :, i * dh : i * dh + sh * (ho - 1) + 1 : sh, j * dw : j * dw + sw * (wo - 1) + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    ]
    return xp.stack(cols, axis=2)


def _spread(xp: Any, a: Any, axis: int, stride: int, before: int, total: int) -> Any:
    """``a`` along ``axis`` with ``stride - 1`` zeros between entries, placed at offset
    ``before`` in a zero axis of length ``total``."""
    n = a.shape[axis]
    if stride > 1 and n > 1:
        z = xp.zeros(a.shape, dtype=a.dtype)
        a = xp.stack([a] + [z] * (stride - 1), axis=axis + 1)
        shape = list(a.shape[:axis]) + [n * stride] + list(a.shape[axis + 2 :])
        a = xp.reshape(a, tuple(shape))
        a = a[(slice(None),) * axis + (slice(0, (n - 1) * stride + 1), ...)]
    after = total - before - a.shape[axis]
    parts = []
    for size in (before, None, after):
        if size is None:
            parts.append(a)
        elif size:
            shape = list(a.shape)
            shape[axis] = size
            parts.append(xp.zeros(tuple(shape), dtype=a.dtype))
    return xp.concat(parts, axis=axis) if len(parts) > 1 else a


def _col2im(xp: Any, cols: Any, win: Window, hw: Sequence[int]) -> Any:
    """The adjoint of :func:`_im2col`: (N, C, kh*kw, Ho, Wo) summed back into (N, C, H, W)."""
    (kh, kw), (sh, sw), (dh, dw) = win.size, win.stride, win.dilation
    (top, bottom), (left, right) = win.padding
    hp, wp = hw[0] + top + bottom, hw[1] + left + right
    out = None
    for i in range(kh):
        rows = [_spread(xp, cols[:, :, i * kw + j, ...], 3, sw, j * dw, wp) for j in range(kw)]
        part = _spread(xp, sum(rows[1:], rows[0]), 2, sh, i * dh, hp)
        out = part if out is None else out + part
    return out[:, :, top : top + hw[0], left : left + hw[1]]  # type: ignore[index]


def _grouped(xp: Any, a: Any, groups: int) -> Any:
    """(N, C, ...) as (N, groups, C/groups * rest, L) with L the last two dims flattened."""
    n = a.shape[0]
    rest = math.prod(a.shape[1:-2]) // groups
    return xp.reshape(a, (n, groups, rest, a.shape[-2] * a.shape[-1]))


def _conv2d_kernel(xp: Any, x: Any, w: Any, *, win: Window, groups: int) -> Any:
    ho, wo = win.out_size(x.shape[2:])
    cols = _grouped(xp, _im2col(xp, x, win), groups)  # (N, G, Cg*K, L)
    o = w.shape[0]
    wg = xp.reshape(w, (groups, o // groups, -1))  # (G, Og, Cg*K)
    out = xp.matmul(wg, cols)  # (N, G, Og, L)
    return xp.reshape(out, (x.shape[0], o, ho, wo))


def _conv_transpose2d_kernel(
    xp: Any, g: Any, w: Any, *, win: Window, groups: int, in_hw: tuple[int, ...]
) -> Any:
    n, o, ho, wo = g.shape
    c = w.shape[1] * groups
    wg = xp.reshape(w, (groups, o // groups, -1))
    cols = xp.matmul(xp.matrix_transpose(wg), _grouped(xp, g, groups))  # (N, G, Cg*K, L)
    cols = xp.reshape(cols, (n, c, win.size[0] * win.size[1], ho, wo))
    return _col2im(xp, cols, win, in_hw)


def _conv2d_weight_kernel(xp: Any, x: Any, g: Any, *, win: Window, groups: int) -> Any:
    cols = _grouped(xp, _im2col(xp, x, win), groups)  # (N, G, Cg*K, L)
    gg = _grouped(xp, g, groups)  # (N, G, Og, L)
    gw = xp.sum(xp.matmul(gg, xp.matrix_transpose(cols)), axis=0)  # (G, Og, Cg*K)
    o = g.shape[1]
    return xp.reshape(gw, (o, x.shape[1] // groups, win.size[0], win.size[1]))


# ====================================================================== convolution ops


class _ConvolutionOp(Op):
    """One of the three convolution ops: both array inputs saved, the geometry kept."""

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any, *, win: Window, groups: int, **shape: Any) -> Any:
        ctx.save_for_backward(a, b)
        ctx.win, ctx.groups = win, groups
        return ctx.call(a, b, win=win, groups=groups, **shape)


class Conv2d(_ConvolutionOp):
    """Cross-correlation of (N, C, H, W) with (O, C/groups, kh, kw), no bias."""

    name = "conv2d"
    kernel = staticmethod(_conv2d_kernel)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, Any]:
        x, w = ctx.saved_tensors
        win, groups = ctx.win, ctx.groups
        nx, nw = ctx.needs_input_grad
        gx = ConvTranspose2d.apply(g, w, win=win, groups=groups, in_hw=x.shape[2:]) if nx else None
        gw = Conv2dWeight.apply(x, g, win=win, groups=groups) if nw else None
        return gx, gw


class ConvTranspose2d(_ConvolutionOp):
    """The adjoint of :class:`Conv2d` in its input (the transposed convolution); its
    ``in_hw`` (a tuple) is the spatial size of the output, which strides leave ambiguous."""

    name = "conv_transpose2d"
    kernel = staticmethod(_conv_transpose2d_kernel)

    @staticmethod
    def backward(ctx: Node, gx: Tensor) -> tuple[Any, Any]:
        g, w = ctx.saved_tensors
        win, groups = ctx.win, ctx.groups
        ng, nw = ctx.needs_input_grad
        dg = Conv2d.apply(gx, w, win=win, groups=groups) if ng else None
        dw = Conv2dWeight.apply(gx, g, win=win, groups=groups) if nw else None
        return dg, dw


class Conv2dWeight(_ConvolutionOp):
    """The adjoint of :class:`Conv2d` in its weight."""

    name = "conv2d_weight"
    kernel = staticmethod(_conv2d_weight_kernel)

    @staticmethod
    def backward(ctx: Node, gw: Tensor) -> tuple[Any, Any]:
        x, g = ctx.saved_tensors
        win, groups = ctx.win, ctx.groups
        nx, ng = ctx.needs_input_grad
        dx = ConvTranspose2d.apply(g, gw, win=win, groups=groups, in_hw=x.shape[2:]) if nx else None
        dg = Conv2d.apply(x, gw, win=win, groups=groups) if ng else None
        return dx, dg


# ====================================================================== max pooling ops


def _onehot(xp: Any, kidx: Any, k: int) -> Any:
    """(N, C, Ho, Wo) window-local indices as a (N, C, k, Ho, Wo) boolean mask."""
    return kidx[:, :, None, ...] == xp.reshape(xp.arange(k, dtype=kidx.dtype), (1, 1, k, 1, 1))


def _max_pool_kernel(xp: Any, x: Any, *, win: Window) -> tuple[Any, Any]:
    cols = _im2col(xp, x, win, fill=-math.inf)
    return xp.max(cols, axis=2), xp.argmax(cols, axis=2)


def _max_pool_scatter_kernel(
    xp: Any, g: Any, kidx: Any, *, win: Window, in_hw: tuple[int, ...]
) -> Any:
    mask = _onehot(xp, kidx, win.size[0] * win.size[1])
    cols = xp.where(mask, g[:, :, None, ...], xp.zeros((), dtype=g.dtype))
    return _col2im(xp, cols, win, in_hw)


def _max_pool_gather_kernel(xp: Any, x: Any, kidx: Any, *, win: Window) -> Any:
    cols = _im2col(xp, x, win)
    mask = _onehot(xp, kidx, win.size[0] * win.size[1])
    return xp.sum(xp.where(mask, cols, xp.zeros((), dtype=x.dtype)), axis=2)


class MaxPool2d(Op):
    """Window maxima; the window-local argmax is kept for backward."""

    name = "max_pool2d"
    kernel = staticmethod(_max_pool_kernel)

    @staticmethod
    def forward(ctx: Node, x: Any, *, win: Window) -> Any:
        y, kidx = ctx.call(x, win=win)
        ctx.win, ctx.kidx, ctx.in_hw = win, kidx, tuple(x.shape[2:])
        return y

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Any:
        win, kidx, in_hw = ctx.win, ctx.kidx, ctx.in_hw
        return MaxPoolScatter.apply(g, kidx, win=win, in_hw=in_hw)


class MaxPoolScatter(Op):
    """Gradient of max pooling: each window's gradient goes to its argmax (summed)."""

    name = "max_pool2d_scatter"
    kernel = staticmethod(_max_pool_scatter_kernel)

    @staticmethod
    def forward(ctx: Node, g: Any, kidx: Any, *, win: Window, in_hw: tuple[int, ...]) -> Any:
        ctx.win, ctx.kidx = win, kidx
        return ctx.call(g, kidx, win=win, in_hw=in_hw)

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> tuple[Any, None]:
        win, kidx = ctx.win, ctx.kidx
        return MaxPoolGather.apply(gg, kidx, win=win), None


class MaxPoolGather(Op):
    """The value at each window's (given) argmax: the adjoint of :class:`MaxPoolScatter`."""

    name = "max_pool2d_gather"
    kernel = staticmethod(_max_pool_gather_kernel)

    @staticmethod
    def forward(ctx: Node, x: Any, kidx: Any, *, win: Window) -> Any:
        ctx.win, ctx.kidx, ctx.in_hw = win, kidx, tuple(x.shape[2:])
        return ctx.call(x, kidx, win=win)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, None]:
        win, kidx, in_hw = ctx.win, ctx.kidx, ctx.in_hw
        return MaxPoolScatter.apply(g, kidx, win=win, in_hw=in_hw), None


# ====================================================================== argument checks


def _pair(op: str, name: str, value: Any, n: int = 2) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * n
    try:
        out = tuple(int(v) for v in value)
    except TypeError:
        raise ShapeError(
            f"{op}: {name} must be an int or a tuple of {n} ints, received {name}={value!r}",
            hint=f"pass {name}=1 or {name}={(1,) * n}",
        ) from None
    if len(out) != n:
        raise ShapeError(
            f"{op}: {name} must have {n} entries, received {name}={value!r}",
            hint=f"pass one int per spatial dim ({n})",
        )
    return out


def _positive(op: str, **values: tuple[int, ...]) -> None:
    for name, value in values.items():
        if any(v < 1 for v in value):
            raise ShapeError(
                f"{op}: {name} must be positive, received {name}={value}", hint=f"use {name} >= 1"
            )


def _batched(op: str, x: Tensor, n: int) -> tuple[Tensor, bool]:
    """``x`` with a batch dim (added when it has ``n + 1`` dims, as PyTorch allows)."""
    if x.ndim == n + 1:
        return x.reshape(1, *x.shape), True
    if x.ndim != n + 2:
        layout = "(N, C, L)" if n == 1 else "(N, C, H, W)"
        raise ShapeError(
            f"{op}: input must be {n + 2}-D {layout} or {n + 1}-D unbatched, "
            f"received input.shape={x.shape}",
            hint="add the missing dims with unsqueeze",
        )
    return x, False


def _unbatch(y: Tensor, unbatched: bool) -> Tensor:
    return y.reshape(*y.shape[1:]) if unbatched else y


def _floating_operands(op: str, input: Any, weight: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    x = floating(expect_tensor(input, op), op)
    w = expect_tensor(weight, op, "weight")
    if w.dtype.category != dtypes.FLOATING:
        raise DTypeError(
            f"{op}: weight must be floating point, received {w.dtype}",
            hint="cast the weight with .float()",
        )
    want = dtypes.result_type(x, w)
    return cast(x, want), cast(w, want)


def _too_small(op: str, x: Tensor, padded: tuple[int, ...], reach: tuple[int, ...]) -> ShapeError:
    return ShapeError(
        f"{op}: input is smaller than the kernel: input.shape={x.shape}, padded spatial "
        f"size={padded}, dilated kernel size={reach}",
        hint="use a larger input, more padding, or a smaller kernel or dilation",
    )


def _add_bias(op: str, y: Tensor, bias: Any) -> Tensor:
    if bias is None:
        return y
    b = cast(expect_tensor(bias, op, "bias"), y.dtype)
    if b.shape != (y.shape[1],):
        raise ShapeError(
            f"{op}: bias must have shape ({y.shape[1]},) (one per output "
            f"channel), received bias.shape={b.shape}",
            hint="pass bias of out_channels entries",
        )
    return y + b.reshape(1, y.shape[1], 1, 1)


def _conv_padding(
    op: str,
    padding: Any,
    kernel: tuple[int, ...],
    dilation: tuple[int, ...],
    stride: tuple[int, ...],
) -> tuple[tuple[int, int], tuple[int, int]]:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ShapeError(
                    f"{op}: padding='same' needs stride 1, received stride={stride}",
                    hint="pass stride=1 or explicit padding",
                )
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)  # type: ignore[return-value]
        raise ShapeError(
            f"{op}: unknown padding={padding!r}; choose 'valid', 'same', an int or a tuple",
            hint="pass padding='same' or padding=1",
        )
    pad = _pair(op, "padding", padding)
    if any(p < 0 for p in pad):
        raise ShapeError(
            f"{op}: padding must be non-negative, received padding={pad}", hint="use padding >= 0"
        )
    return ((pad[0], pad[0]), (pad[1], pad[1]))


# ====================================================================== public functions


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,  # noqa: A002
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] | str = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
) -> Tensor:
    """Apply a 2-D convolution (cross-correlation) over (N, C, H, W), as ``torch.conv2d``.

    Args:
        input: (N, C_in, H, W), or (C_in, H, W) unbatched.
        weight: (C_out, C_in / groups, kH, kW).
        bias: (C_out,) or None.
        stride, padding, dilation: an int or a (h, w) pair; padding may also be
            ``"valid"`` (none) or ``"same"`` (output as large as the input; stride 1).
        groups: split input and output channels into this many independent groups.

    Raises:
        ShapeError: channels that do not match the weight, groups that do not divide the
            channels, or an input smaller than the (dilated) kernel.

    >>> import crossgrad
    >>> from crossgrad.ops.conv import conv2d
    >>> x = crossgrad.ones(1, 2, 4, 4)
    >>> w = crossgrad.ones(3, 2, 3, 3)
    >>> conv2d(x, w, padding=1).shape
    (1, 3, 4, 4)
    >>> conv2d(x, w)[0, :, 0, 0]
    tensor([18., 18., 18.])
    """
    op = "conv2d"
    x, w = _floating_operands(op, input, weight)
    x, unbatched = _batched(op, x, 2)
    if w.ndim != 4:
        raise ShapeError(
            f"{op}: weight must be 4-D (out_channels, in_channels/groups, kH, kW),"
            f" received weight.shape={w.shape}",
            hint="reshape the weight to 4-D",
        )
    if groups < 1 or x.shape[1] % groups or w.shape[0] % groups:
        raise ShapeError(
            f"{op}: groups must divide both channel counts: groups={groups}, "
            f"in_channels={x.shape[1]}, out_channels={w.shape[0]}",
            hint="pick groups that divides in_channels and out_channels",
        )
    if x.shape[1] != w.shape[1] * groups:
        raise ShapeError(
            f"{op}: input channels do not match the weight: input.shape={x.shape},"
            f" weight.shape={w.shape}, groups={groups}",
            hint=f"input.shape[1] ({x.shape[1]}) must equal weight.shape[1] * "
            f"groups ({w.shape[1] * groups})",
        )
    kernel = (w.shape[2], w.shape[3])
    s = _pair(op, "stride", stride)
    d = _pair(op, "dilation", dilation)
    _positive(op, stride=s, dilation=d)
    pad = _conv_padding(op, padding, kernel, d, s)
    padded = tuple(n + p[0] + p[1] for n, p in zip(x.shape[2:], pad))
    reach = tuple(dd * (k - 1) + 1 for k, dd in zip(kernel, d))
    if any(p < r for p, r in zip(padded, reach)):
        raise _too_small(op, x, padded, reach)
    y = Conv2d.apply(x, w, win=Window(kernel, s, d, pad), groups=groups)
    return _unbatch(_add_bias(op, y, bias), unbatched)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,  # noqa: A002
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] | str = 0,
    dilation: int | tuple[int, ...] = 1,
    groups: int = 1,
) -> Tensor:
    """Apply a 1-D convolution over (N, C, L) with weight (C_out, C_in / groups, k)."""
    op = "conv1d"
    x, w = _floating_operands(op, input, weight)
    x, unbatched = _batched(op, x, 1)
    if w.ndim != 3:
        raise ShapeError(
            f"{op}: weight must be 3-D (out_channels, in_channels/groups, k), "
            f"received weight.shape={w.shape}",
            hint="reshape the weight to 3-D",
        )
    s, d = _pair(op, "stride", stride, 1)[0], _pair(op, "dilation", dilation, 1)[0]
    pad: Any = padding if isinstance(padding, str) else (0, _pair(op, "padding", padding, 1)[0])
    x4 = x.reshape(x.shape[0], x.shape[1], 1, x.shape[2])
    w4 = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2])
    y = conv2d(x4, w4, bias, (1, s), pad, (1, d), groups)
    return _unbatch(y.reshape(y.shape[0], y.shape[1], y.shape[3]), unbatched)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,  # noqa: A002
    stride: int | tuple[int, ...] = 1,
    padding: int | tuple[int, ...] = 0,
    output_padding: int | tuple[int, ...] = 0,
    groups: int = 1,
    dilation: int | tuple[int, ...] = 1,
) -> Tensor:
    """Apply a 2-D transposed convolution, weight (C_in, C_out / groups, kH, kW).

    The output has size ``(H - 1) * stride - 2 * padding + dilation * (k - 1) +
    output_padding + 1`` per spatial dim, as in ``torch.conv_transpose2d``.
    """
    op = "conv_transpose2d"
    x, w = _floating_operands(op, input, weight)
    x, unbatched = _batched(op, x, 2)
    if w.ndim != 4:
        raise ShapeError(
            f"{op}: weight must be 4-D (in_channels, out_channels/groups, kH, kW),"
            f" received weight.shape={w.shape}",
            hint="reshape the weight to 4-D",
        )
    if groups < 1 or x.shape[1] % groups:
        raise ShapeError(
            f"{op}: groups must divide the input channels: groups={groups}, "
            f"in_channels={x.shape[1]}",
            hint="pick groups that divides in_channels",
        )
    if x.shape[1] != w.shape[0]:
        raise ShapeError(
            f"{op}: input channels do not match the weight: input.shape={x.shape},"
            f" weight.shape={w.shape}",
            hint=f"input.shape[1] ({x.shape[1]}) must equal weight.shape[0]",
        )
    kernel = (w.shape[2], w.shape[3])
    s = _pair(op, "stride", stride)
    d = _pair(op, "dilation", dilation)
    _positive(op, stride=s, dilation=d)
    p = _pair(op, "padding", padding)
    op_ = _pair(op, "output_padding", output_padding)
    if any(o < 0 or (o >= ss and o >= dd) for o, ss, dd in zip(op_, s, d)):
        raise ShapeError(
            f"{op}: output_padding must be smaller than stride or dilation: "
            f"output_padding={op_}, stride={s}, dilation={d}",
            hint="use output_padding < max(stride, dilation)",
        )
    out_hw = tuple(
        (n - 1) * ss - 2 * pp + dd * (k - 1) + o + 1
        for n, ss, pp, dd, k, o in zip(x.shape[2:], s, p, d, kernel, op_)
    )
    if any(n < 1 for n in out_hw) or any(pp < 0 for pp in p):
        raise ShapeError(
            f"{op}: the output would be empty or padding is negative: "
            f"input.shape={x.shape}, weight.shape={w.shape}, padding={p}, "
            f"output size={out_hw}",
            hint="reduce padding",
        )
    win = Window(kernel, s, d, ((p[0], p[0]), (p[1], p[1])))
    y = ConvTranspose2d.apply(x, w, win=win, groups=groups, in_hw=out_hw)
    return _unbatch(_add_bias(op, y, bias), unbatched)


def _pool_window(
    op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil_mode: bool
) -> Window:
    k = _pair(op, "kernel_size", kernel_size)
    s = (
        k
        if stride is None or (not isinstance(stride, int) and len(stride) == 0)
        else _pair(op, "stride", stride)
    )
    d = _pair(op, "dilation", dilation)
    p = _pair(op, "padding", padding)
    _positive(op, kernel_size=k, stride=s, dilation=d)
    if any(pp < 0 or 2 * pp > kk for pp, kk in zip(p, k)):
        raise ShapeError(
            f"{op}: padding must be at most half the kernel size: padding={p}, kernel_size={k}",
            hint="reduce padding to <= kernel_size // 2",
        )
    pads = []
    for n, kk, ss, dd, pp in zip(x.shape[2:], k, s, d, p):
        span = n + 2 * pp - dd * (kk - 1) - 1
        if span < 0:
            raise _too_small(
                op,
                x,
                tuple(m + 2 * q for m, q in zip(x.shape[2:], p)),
                tuple(a * (b - 1) + 1 for a, b in zip(d, k)),
            )
        out = (span + (ss - 1 if ceil_mode else 0)) // ss + 1
        if ceil_mode and (out - 1) * ss >= n + pp:
            out -= 1  # the last window must start inside the input or the left padding
        extra = max(0, (out - 1) * ss + dd * (kk - 1) + 1 - (n + 2 * pp))
        pads.append((pp, pp + extra))
    return Window(k, s, d, (pads[0], pads[1]))


def max_pool2d(
    input: Tensor,
    kernel_size: int | tuple[int, ...],  # noqa: A002
    stride: int | tuple[int, ...] | None = None,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, ...] = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Take the maximum over each window (stride defaults to the kernel size)."""
    op = "max_pool2d"
    x, unbatched = _batched(op, floating(input, op), 2)
    win = _pool_window(op, x, kernel_size, stride, padding, dilation, ceil_mode)
    return _unbatch(MaxPool2d.apply(x, win=win), unbatched)


def _ones(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    return as_tensor_like(np.ones(shape), x, x.dtype)


def avg_pool2d(
    input: Tensor,
    kernel_size: int | tuple[int, ...],  # noqa: A002
    stride: int | tuple[int, ...] | None = None,
    padding: int | tuple[int, ...] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Average each window; padded zeros count towards the mean when
    ``count_include_pad`` (positions past the padding that ``ceil_mode`` adds never do)."""
    op = "avg_pool2d"
    x, unbatched = _batched(op, floating(input, op), 2)
    win = _pool_window(op, x, kernel_size, stride, padding, 1, ceil_mode)
    c = x.shape[1]
    y = Conv2d.apply(x, _ones(x, (c, 1, *win.size)), win=win, groups=c)
    if divisor_override is not None:
        return _unbatch(y / divisor_override, unbatched)
    # Each window's count of the positions that are averaged, from the geometry alone.
    counts = []
    for n, k, s, (p, _), out in zip(x.shape[2:], win.size, win.stride, win.padding, y.shape[2:]):
        lo, hi = (-p, n + p) if count_include_pad else (0, n)
        starts = np.arange(out) * s - p
        counts.append(np.minimum(starts + k, hi) - np.maximum(starts, lo))
    divisor = np.outer(counts[0], counts[1])
    if np.all(divisor == divisor.flat[0]):
        return _unbatch(y / float(divisor.flat[0]), unbatched)
    return _unbatch(y / as_tensor_like(divisor.astype(np.float64), x, x.dtype), unbatched)


def _adaptive_matrix(n: int, out: int) -> np.ndarray:
    """(out, n): row i averages positions floor(i*n/out) .. ceil((i+1)*n/out) - 1."""
    m = np.zeros((out, n))
    for i in range(out):
        lo, hi = (i * n) // out, -(-((i + 1) * n) // out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def adaptive_avg_pool2d(
    input: Tensor,
    output_size: int | tuple[int | None, int | None],  # noqa: A002
) -> Tensor:
    """Average over windows chosen so the output has ``output_size`` (None keeps a dim)."""
    op = "adaptive_avg_pool2d"
    x, unbatched = _batched(op, floating(input, op), 2)
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    size = tuple(n if o is None else int(o) for o, n in zip(output_size, x.shape[2:]))
    if len(size) != 2 or any(o < 1 for o in size):
        raise ShapeError(
            f"{op}: output_size must be two positive ints, received output_size={output_size!r}",
            hint="pass output_size=(1, 1)",
        )
    rows = as_tensor_like(_adaptive_matrix(x.shape[2], size[0]), x, x.dtype)
    cols = as_tensor_like(_adaptive_matrix(x.shape[3], size[1]).T.copy(), x, x.dtype)
    return _unbatch(rows @ x @ cols, unbatched)
