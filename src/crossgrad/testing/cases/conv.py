"""Op-case rows for crossgrad.ops.conv: convolutions and pooling.

References are written from the definitions with explicit loops over output positions, in
float64 NumPy (PyTorch's semantics: NCHW, cross-correlation, zero padding, -inf padding for
max pooling, the ceil_mode rule that a window must start inside the input or left padding).
"""

import math

import numpy as np

from crossgrad.ops import conv as C
from crossgrad.testing import Arg, OpCase

# ---------------------------------------------------------------- references


def _pad(x, ph, pw, fill=0.0):
    return np.pad(x, ((0, 0), (0, 0), ph, pw), constant_values=fill)


def _conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    kh, kw = w.shape[2:]
    if padding == "same":
        th, tw = dh * (kh - 1), dw * (kw - 1)
        ph, pw = (th // 2, th - th // 2), (tw // 2, tw - tw // 2)
    else:
        padding = 0 if padding == "valid" else padding
        p = (padding, padding) if isinstance(padding, int) else padding
        ph, pw = (p[0], p[0]), (p[1], p[1])
    xp = _pad(x, ph, pw)
    n, c, hp, wp = xp.shape
    o, cg = w.shape[0], w.shape[1]
    og = o // groups
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, ho, wo))
    for oc in range(o):
        g = oc // og
        for i in range(ho):
            for j in range(wo):
                patch = xp[
                    :,
                    g * cg : (g + 1) * cg,
                    i * sh : i * sh + dh * (kh - 1) + 1 : dh,
                    j * sw : j * sw + dw * (kw - 1) + 1 : dw,
                ]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Scatter each input pixel times the kernel into the output, then crop the padding."""
    s, p, op, d = stride, padding, output_padding, dilation
    n, cin, h, wdt = x.shape
    cg_out = w.shape[1]
    kh, kw = w.shape[2:]
    cin_g = cin // groups
    full = np.zeros(
        (
            n,
            cg_out * groups,
            (h - 1) * s + d * (kh - 1) + 1 + op,
            (wdt - 1) * s + d * (kw - 1) + 1 + op,
        )
    )
    for ic in range(cin):
        g = ic // cin_g
        for i in range(h):
            for j in range(wdt):
                for a in range(kh):
                    for c in range(kw):
                        full[:, g * cg_out : (g + 1) * cg_out, i * s + a * d, j * s + c * d] += (
                            x[:, ic, i, j][:, None] * w[ic, :, a, c][None]
                        )
    out = full[:, :, p : full.shape[2] - p, p : full.shape[3] - p]
    return out if b is None else out + b.reshape(1, -1, 1, 1)


def _pool_geometry(n, k, s, p, d, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    k, p, d = kernel_size, padding, dilation
    s = k if stride is None else stride
    n, c, h, w = x.shape
    ho, wo = _pool_geometry(h, k, s, p, d, ceil_mode), _pool_geometry(w, k, s, p, d, ceil_mode)
    out = np.full((n, c, ho, wo), -np.inf)
    for i in range(ho):
        for j in range(wo):
            for a in range(k):
                for b in range(k):
                    r, q = i * s - p + a * d, j * s - p + b * d
                    if 0 <= r < h and 0 <= q < w:
                        out[:, :, i, j] = np.maximum(out[:, :, i, j], x[:, :, r, q])
    return out


def _avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    k, p = kernel_size, padding
    s = k if stride is None else stride
    n, c, h, w = x.shape
    ho, wo = _pool_geometry(h, k, s, p, 1, ceil_mode), _pool_geometry(w, k, s, p, 1, ceil_mode)
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            r0, q0 = i * s - p, j * s - p
            r1, q1 = min(r0 + k, h + p), min(q0 + k, w + p)
            count = (r1 - r0) * (q1 - q0)
            r0c, q0c, r1c, q1c = max(r0, 0), max(q0, 0), min(r1, h), min(q1, w)
            if not count_include_pad:
                count = (r1c - r0c) * (q1c - q0c)
            out[:, :, i, j] = x[:, :, r0c:r1c, q0c:q1c].sum(axis=(2, 3)) / count
    return out


def _adaptive_avg_pool2d(x, size):
    n, c, h, w = x.shape
    ho, wo = size
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        r0, r1 = (i * h) // ho, math.ceil((i + 1) * h / ho)
        for j in range(wo):
            q0, q1 = (j * w) // wo, math.ceil((j + 1) * w / wo)
            out[:, :, i, j] = x[:, :, r0:r1, q0:q1].mean(axis=(2, 3))
    return out


# ---------------------------------------------------------------- rows


def _conv(name, x_shape, w_shape, bias=True, **kw):
    inputs = [Arg(x_shape), Arg(w_shape)] + ([Arg((w_shape[0],))] if bias else [])
    return OpCase(
        f"conv2d-{name}", lambda *a: C.conv2d(*a, **kw), lambda *a: _conv2d(*a, **kw), inputs
    )


def _convt(name, x_shape, w_shape, **kw):
    return OpCase(
        f"conv_transpose2d-{name}",
        lambda x, w, b: C.conv_transpose2d(x, w, b, **kw),
        lambda x, w, b: _conv_transpose2d(x, w, b, **kw),
        [Arg(x_shape), Arg(w_shape), Arg((w_shape[1] * kw.get("groups", 1),))],
    )


def _pool(name, fn, ref, **kw):
    return OpCase(name, lambda x: fn(x, **kw), lambda x: ref(x, **kw), [Arg((2, 2, 6, 5))])


CASES = [
    _conv("basic", (2, 3, 5, 5), (4, 3, 3, 3)),
    _conv("padding1-nobias", (2, 2, 5, 6), (3, 2, 3, 3), bias=False, padding=1),
    _conv("stride2-padding-tuple", (2, 2, 6, 5), (3, 2, 3, 2), stride=2, padding=(1, 2)),
    _conv("dilation2", (2, 2, 6, 6), (2, 2, 2, 3), dilation=2, padding=1),
    _conv("groups2", (2, 4, 5, 5), (6, 2, 3, 3), groups=2, stride=(1, 2)),
    _conv("depthwise", (2, 3, 5, 5), (3, 1, 3, 3), groups=3, padding=1),
    _conv("same-even-kernel", (2, 2, 5, 5), (3, 2, 2, 4), padding="same"),
    _conv("valid", (2, 2, 5, 5), (3, 2, 3, 3), padding="valid"),
    OpCase(
        "conv1d-stride-padding",
        lambda x, w, b: C.conv1d(x, w, b, stride=2, padding=1),
        lambda x, w, b: _conv2d(x[:, :, None], w[:, :, None], b, stride=(1, 2), padding=(0, 1))[
            :, :, 0
        ],
        [Arg((2, 3, 7)), Arg((4, 3, 3)), Arg((4,))],
    ),
    OpCase(
        "conv1d-dilation-groups",
        lambda x, w: C.conv1d(x, w, dilation=2, groups=2),
        lambda x, w: _conv2d(x[:, :, None], w[:, :, None], dilation=(1, 2), groups=2)[:, :, 0],
        [Arg((2, 4, 8)), Arg((2, 2, 3))],
    ),
    _convt("basic", (2, 3, 4, 4), (3, 2, 3, 3)),
    _convt(
        "stride2-padding-output-padding",
        (2, 2, 3, 4),
        (2, 3, 3, 3),
        stride=2,
        padding=1,
        output_padding=1,
    ),
    _convt("groups-dilation", (2, 4, 3, 3), (4, 1, 2, 2), groups=2, dilation=2, stride=2),
    _pool("max_pool2d-k2", C.max_pool2d, _max_pool2d, kernel_size=2),
    _pool("max_pool2d-k3-s2-p1", C.max_pool2d, _max_pool2d, kernel_size=3, stride=2, padding=1),
    _pool(
        "max_pool2d-ceil-dilation",
        lambda x, **kw: C.max_pool2d(x, 2, 2, 0, 2, True),
        lambda x, **kw: _max_pool2d(x, 2, 2, 0, 2, True),
    ),
    _pool("avg_pool2d-k2", C.avg_pool2d, _avg_pool2d, kernel_size=2),
    _pool(
        "avg_pool2d-k3-s2-p1-ceil",
        lambda x: C.avg_pool2d(x, 3, 2, 1, True),
        lambda x: _avg_pool2d(x, 3, 2, 1, True),
    ),
    _pool(
        "avg_pool2d-exclude-pad",
        lambda x: C.avg_pool2d(x, 3, 2, 1, True, False),
        lambda x: _avg_pool2d(x, 3, 2, 1, True, False),
    ),
    _pool(
        "adaptive_avg_pool2d-uneven",
        lambda x: C.adaptive_avg_pool2d(x, (4, 3)),
        lambda x: _adaptive_avg_pool2d(x, (4, 3)),
    ),
    _pool(
        "adaptive_avg_pool2d-global",
        lambda x: C.adaptive_avg_pool2d(x, 1),
        lambda x: _adaptive_avg_pool2d(x, (1, 1)),
    ),
]
