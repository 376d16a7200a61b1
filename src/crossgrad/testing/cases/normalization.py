"""Op-case rows for batch_norm, layer_norm, group_norm, pad and interpolate.

References follow PyTorch's documented formulas in float64 NumPy; the resizing references
are explicit loops over output positions, independent of the index tables crossgrad builds.
"""

import math

import numpy as np

from crossgrad.nn import normalization as N
from crossgrad.testing import Arg, OpCase

EPS = 1e-5

# ---------------------------------------------------------------- references


def _norm(x, axes, eps=EPS):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def _per_channel(t, ndim):
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def _batch_norm_train(x, w=None, b=None):
    y = _norm(x, (0, *range(2, x.ndim)))
    if w is not None:
        y = y * _per_channel(w, x.ndim) + _per_channel(b, x.ndim)
    return y


def _batch_norm_eval(x, rm, rv, w, b):
    y = (x - _per_channel(rm, x.ndim)) / np.sqrt(_per_channel(rv, x.ndim) + EPS)
    return y * _per_channel(w, x.ndim) + _per_channel(b, x.ndim)


def _layer_norm(x, k, w=None, b=None):
    y = _norm(x, tuple(range(x.ndim - k, x.ndim)))
    return y if w is None else y * w + b


def _group_norm(x, groups, w=None, b=None):
    y = _norm(x.reshape(x.shape[0], groups, -1), (2,)).reshape(x.shape)
    return y if w is None else y * _per_channel(w, x.ndim) + _per_channel(b, x.ndim)


def _np_pad(x, pads, mode="constant", value=0.0):
    width = [(0, 0)] * x.ndim
    for i in range(len(pads) // 2):
        width[x.ndim - 1 - i] = (pads[2 * i], pads[2 * i + 1])
    crop = tuple(slice(max(-lo, 0), x.shape[d] - max(-hi, 0)) for d, (lo, hi) in enumerate(width))
    x = x[crop]
    width = [(max(lo, 0), max(hi, 0)) for lo, hi in width]
    numpy_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    if mode == "constant":
        return np.pad(x, width, mode="constant", constant_values=value)
    return np.pad(x, width, mode=numpy_mode)


def _nearest(x, size):
    h, w = x.shape[2:]
    oh, ow = size
    out = np.empty(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[
                :, :, min(math.floor(i * h / oh), h - 1), min(math.floor(j * w / ow), w - 1)
            ]
    return out


def _source(i, n, m, align_corners, factor=None):
    if align_corners:
        src = i * (n - 1) / (m - 1) if m > 1 else 0.0
    else:
        scale = 1 / factor if factor else n / m
        src = max((i + 0.5) * scale - 0.5, 0.0)
    lo = min(int(src), n - 1)
    return lo, min(lo + 1, n - 1), src - lo


def _bilinear(x, size, align_corners, factor=None):
    h, w = x.shape[2:]
    oh, ow = size
    out = np.empty(x.shape[:2] + (oh, ow))
    for i in range(oh):
        y0, y1, fy = _source(i, h, oh, align_corners, factor)
        for j in range(ow):
            x0, x1, fx = _source(j, w, ow, align_corners, factor)
            out[:, :, i, j] = (
                (1 - fy) * (1 - fx) * x[:, :, y0, x0]
                + (1 - fy) * fx * x[:, :, y0, x1]
                + fy * (1 - fx) * x[:, :, y1, x0]
                + fy * fx * x[:, :, y1, x1]
            )
    return out


def _linear(x, size, align_corners):
    n = x.shape[2]
    out = np.empty(x.shape[:2] + (size,))
    for i in range(size):
        lo, hi, f = _source(i, n, size, align_corners)
        out[:, :, i] = (1 - f) * x[:, :, lo] + f * x[:, :, hi]
    return out


# ---------------------------------------------------------------- rows

X3 = Arg((4, 3, 2))
C3 = Arg((3,))
POS3 = Arg((3,), low=0.5, high=2.0)
IMG = Arg((1, 2, 3, 4))

CASES = [
    OpCase(
        "batch_norm-train-affine",
        lambda x, w, b: N.batch_norm(x, None, None, w, b, training=True),
        _batch_norm_train,
        [X3, C3, C3],
    ),
    OpCase(
        "batch_norm-train-4d",
        lambda x: N.batch_norm(x, None, None, training=True),
        _batch_norm_train,
        [Arg((3, 2, 2, 2))],
    ),
    OpCase(
        "batch_norm-eval",
        lambda x, rm, rv, w, b: N.batch_norm(x, rm, rv, w, b),
        _batch_norm_eval,
        [X3, C3, POS3, C3, C3],
    ),
    OpCase(
        "layer_norm-last-affine",
        lambda x, w, b: N.layer_norm(x, 4, w, b),
        lambda x, w, b: _layer_norm(x, 1, w, b),
        [Arg((3, 4)), Arg((4,)), Arg((4,))],
    ),
    OpCase(
        "layer_norm-two-dims",
        lambda x: N.layer_norm(x, (3, 4)),
        lambda x: _layer_norm(x, 2),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "group_norm-affine",
        lambda x, w, b: N.group_norm(x, 2, w, b),
        lambda x, w, b: _group_norm(x, 2, w, b),
        [Arg((2, 4, 3)), Arg((4,)), Arg((4,))],
    ),
    OpCase(
        "group_norm-4d",
        lambda x: N.group_norm(x, 3),
        lambda x: _group_norm(x, 3),
        [Arg((2, 6, 2, 2))],
    ),
    OpCase(
        "pad-constant-last",
        lambda x: N.pad(x, (1, 2), value=0.5),
        lambda x: _np_pad(x, (1, 2), value=0.5),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-constant-two-dims",
        lambda x: N.pad(x, (1, 0, 2, 1)),
        lambda x: _np_pad(x, (1, 0, 2, 1)),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-constant-crop",
        lambda x: N.pad(x, (-1, 2, 0, -1)),
        lambda x: _np_pad(x, (-1, 2, 0, -1)),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-reflect",
        lambda x: N.pad(x, (2, 1, 1, 2), mode="reflect"),
        lambda x: _np_pad(x, (2, 1, 1, 2), "reflect"),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-replicate",
        lambda x: N.pad(x, (3, 2, 1, 0), mode="replicate"),
        lambda x: _np_pad(x, (3, 2, 1, 0), "replicate"),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-circular",
        lambda x: N.pad(x, (2, 1), mode="circular"),
        lambda x: _np_pad(x, (2, 1), "circular"),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "interpolate-nearest-size",
        lambda x: N.interpolate(x, size=(5, 7)),
        lambda x: _nearest(x, (5, 7)),
        [IMG],
    ),
    OpCase(
        "interpolate-nearest-down",
        lambda x: N.interpolate(x, size=(2, 3)),
        lambda x: _nearest(x, (2, 3)),
        [IMG],
    ),
    OpCase(
        "interpolate-nearest-scale2",
        lambda x: N.interpolate(x, scale_factor=2),
        lambda x: _nearest(x, (6, 8)),
        [IMG],
    ),
    OpCase(
        "interpolate-bilinear",
        lambda x: N.interpolate(x, size=(5, 6), mode="bilinear", align_corners=False),
        lambda x: _bilinear(x, (5, 6), False),
        [IMG],
    ),
    OpCase(
        "interpolate-bilinear-align-corners",
        lambda x: N.interpolate(x, size=(5, 6), mode="bilinear", align_corners=True),
        lambda x: _bilinear(x, (5, 6), True),
        [IMG],
    ),
    OpCase(
        "interpolate-bilinear-down",
        lambda x: N.interpolate(x, size=(2, 3), mode="bilinear"),
        lambda x: _bilinear(x, (2, 3), False),
        [IMG],
    ),
    OpCase(
        "interpolate-bilinear-scale1.5",
        lambda x: N.interpolate(x, scale_factor=1.5, mode="bilinear"),
        lambda x: _bilinear(x, (4, 6), False, factor=1.5),
        [IMG],
    ),
    OpCase(
        "interpolate-linear-align-corners",
        lambda x: N.interpolate(x, size=7, mode="linear", align_corners=True),
        lambda x: _linear(x, 7, True),
        [Arg((2, 2, 4))],
    ),
]
