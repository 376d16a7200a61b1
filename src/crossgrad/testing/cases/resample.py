"""Op-case rows for crossgrad.ops.resample: pad and interpolate.

References follow PyTorch's documented formulas in float64 NumPy; the resizing references
are explicit loops over output positions, independent of the index tables crossgrad builds.
"""

import math

import numpy as np

from crossgrad.nn import functional as F
from crossgrad.testing import Arg, OpCase

# ---------------------------------------------------------------- references


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

IMG = Arg((1, 2, 3, 4))

CASES = [
    OpCase(
        "pad-constant-last",
        lambda x: F.pad(x, (1, 2), value=0.5),
        lambda x: _np_pad(x, (1, 2), value=0.5),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-constant-two-dims",
        lambda x: F.pad(x, (1, 0, 2, 1)),
        lambda x: _np_pad(x, (1, 0, 2, 1)),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-constant-crop",
        lambda x: F.pad(x, (-1, 2, 0, -1)),
        lambda x: _np_pad(x, (-1, 2, 0, -1)),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-reflect",
        lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"),
        lambda x: _np_pad(x, (2, 1, 1, 2), "reflect"),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-replicate",
        lambda x: F.pad(x, (3, 2, 1, 0), mode="replicate"),
        lambda x: _np_pad(x, (3, 2, 1, 0), "replicate"),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "pad-circular",
        lambda x: F.pad(x, (2, 1), mode="circular"),
        lambda x: _np_pad(x, (2, 1), "circular"),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "interpolate-nearest-size",
        lambda x: F.interpolate(x, size=(5, 7)),
        lambda x: _nearest(x, (5, 7)),
        [IMG],
    ),
    OpCase(
        "interpolate-nearest-down",
        lambda x: F.interpolate(x, size=(2, 3)),
        lambda x: _nearest(x, (2, 3)),
        [IMG],
    ),
    OpCase(
        "interpolate-nearest-scale2",
        lambda x: F.interpolate(x, scale_factor=2),
        lambda x: _nearest(x, (6, 8)),
        [IMG],
    ),
    OpCase(
        "interpolate-bilinear",
        lambda x: F.interpolate(x, size=(5, 6), mode="bilinear", align_corners=False),
        lambda x: _bilinear(x, (5, 6), False),
        [IMG],
    ),
    OpCase(
        "interpolate-bilinear-align-corners",
        lambda x: F.interpolate(x, size=(5, 6), mode="bilinear", align_corners=True),
        lambda x: _bilinear(x, (5, 6), True),
        [IMG],
    ),
    OpCase(
        "interpolate-bilinear-down",
        lambda x: F.interpolate(x, size=(2, 3), mode="bilinear"),
        lambda x: _bilinear(x, (2, 3), False),
        [IMG],
    ),
    OpCase(
        "interpolate-bilinear-scale1.5",
        lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear"),
        lambda x: _bilinear(x, (4, 6), False, factor=1.5),
        [IMG],
    ),
    OpCase(
        "interpolate-linear-align-corners",
        lambda x: F.interpolate(x, size=7, mode="linear", align_corners=True),
        lambda x: _linear(x, 7, True),
        [Arg((2, 2, 4))],
    ),
]
