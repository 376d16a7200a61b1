"""Op-case rows for crossgrad.ops.normalization: batch_norm, layer_norm, group_norm.

References follow PyTorch's documented formulas in float64 NumPy.
"""

import numpy as np

from crossgrad.nn import functional as F
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


# ---------------------------------------------------------------- rows

X3 = Arg((4, 3, 2))
C3 = Arg((3,))
POS3 = Arg((3,), low=0.5, high=2.0)

CASES = [
    OpCase(
        "batch_norm-train-affine",
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        _batch_norm_train,
        [X3, C3, C3],
    ),
    OpCase(
        "batch_norm-train-4d",
        lambda x: F.batch_norm(x, None, None, training=True),
        _batch_norm_train,
        [Arg((3, 2, 2, 2))],
    ),
    OpCase(
        "batch_norm-eval",
        lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b),
        _batch_norm_eval,
        [X3, C3, POS3, C3, C3],
    ),
    OpCase(
        "layer_norm-last-affine",
        lambda x, w, b: F.layer_norm(x, 4, w, b),
        lambda x, w, b: _layer_norm(x, 1, w, b),
        [Arg((3, 4)), Arg((4,)), Arg((4,))],
    ),
    OpCase(
        "layer_norm-two-dims",
        lambda x: F.layer_norm(x, (3, 4)),
        lambda x: _layer_norm(x, 2),
        [Arg((2, 3, 4))],
    ),
    OpCase(
        "group_norm-affine",
        lambda x, w, b: F.group_norm(x, 2, w, b),
        lambda x, w, b: _group_norm(x, 2, w, b),
        [Arg((2, 4, 3)), Arg((4,)), Arg((4,))],
    ),
    OpCase(
        "group_norm-4d",
        lambda x: F.group_norm(x, 3),
        lambda x: _group_norm(x, 3),
        [Arg((2, 6, 2, 2))],
    ),
]
