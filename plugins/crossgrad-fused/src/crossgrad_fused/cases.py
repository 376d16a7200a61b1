"""Op-case rows of the fused ops, checked on every backend by crossgrad's op-table harness.

References are the definitions written in float64 NumPy. Class-index targets are int64
(fixed arrays, or ``Arg(dtype="int64")``), so the harness keeps them constant. Each
``*_ERRORS`` row is a bad input that must raise the same crossgrad error, naming the op, on
every backend. The rows call the ops as users do, through ``crossgrad.ops.fused``.
"""

from __future__ import annotations

import crossgrad as cg
import numpy as np
from crossgrad.testing import Arg, ErrorCase, OpCase

__all__ = [
    "RMS_NORM_CASES",
    "RMS_NORM_ERRORS",
    "SWIGLU_CASES",
    "SWIGLU_ERRORS",
    "SOFTMAX_CROSS_ENTROPY_CASES",
    "SOFTMAX_CROSS_ENTROPY_ERRORS",
]


def _fused():
    return cg.ops.fused


# ---------------------------------------------------------------- references


def _rms_norm(x, weight=None, eps=1e-6):
    y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return y if weight is None else y * weight


def _swiglu(gate, up):
    return gate / (1 + np.exp(-gate)) * up


def _softmax_cross_entropy(logits, target, reduction="mean"):
    row_max = logits.max(axis=1, keepdims=True)
    logsumexp = np.log(np.exp(logits - row_max).sum(axis=1)) + row_max[:, 0]
    loss = logsumexp - logits[np.arange(len(target)), target]
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](loss)


# ---------------------------------------------------------------- rms_norm

_WEIGHT = {"low": 0.5, "high": 1.5}

RMS_NORM_CASES = [
    OpCase(
        "rms_norm-2d-weight",
        lambda x, w: _fused().rms_norm(x, w),
        _rms_norm,
        [Arg((3, 5)), Arg((5,), **_WEIGHT)],
    ),
    OpCase("rms_norm-2d", lambda x: _fused().rms_norm(x), _rms_norm, [Arg((3, 5))]),
    OpCase(
        "rms_norm-1d-weight",
        lambda x, w: _fused().rms_norm(x, w),
        _rms_norm,
        [Arg((6,)), Arg((6,), **_WEIGHT)],
    ),
    OpCase(
        "rms_norm-3d-weight-eps",
        lambda x, w: _fused().rms_norm(x, w, eps=1e-2),
        lambda x, w: _rms_norm(x, w, eps=1e-2),
        [Arg((2, 3, 4)), Arg((4,), **_WEIGHT)],
    ),
    OpCase("rms_norm-3d", lambda x: _fused().rms_norm(x), _rms_norm, [Arg((2, 3, 4))]),
    OpCase(
        "rms_norm-one-feature",
        lambda x, w: _fused().rms_norm(x, w),
        _rms_norm,
        [Arg((4, 1), low=0.5, high=2.0), Arg((1,), **_WEIGHT)],
    ),
]

RMS_NORM_ERRORS = [
    ErrorCase(
        "rms_norm-weight-shape",
        lambda x, w: _fused().rms_norm(x, w),
        [Arg((2, 3)), Arg((4,))],
        raises=cg.ShapeError,
        match="fused.rms_norm",
    ),
    ErrorCase(
        "rms_norm-integer-x",
        lambda x: _fused().rms_norm(x),
        [Arg((2, 3), low=0, high=5, dtype="int64")],
        raises=cg.DTypeError,
        match="fused.rms_norm",
    ),
    ErrorCase(
        "rms_norm-0d-x",
        lambda x: _fused().rms_norm(x),
        [Arg(())],
        raises=cg.ShapeError,
        match="fused.rms_norm",
    ),
    ErrorCase(
        "rms_norm-weight-dtype",
        lambda x, w: _fused().rms_norm(x, w.to(cg.float32)),
        [Arg((2, 3)), Arg((3,))],
        raises=cg.DTypeError,
        match="fused.rms_norm",
    ),
]

# ---------------------------------------------------------------- swiglu

SWIGLU_CASES = [
    OpCase("swiglu-1d", lambda g, u: _fused().swiglu(g, u), _swiglu, [Arg((7,)), Arg((7,))]),
    OpCase("swiglu-2d", lambda g, u: _fused().swiglu(g, u), _swiglu, [Arg((3, 4)), Arg((3, 4))]),
    OpCase(
        "swiglu-3d-wide-gate",
        lambda g, u: _fused().swiglu(g, u),
        _swiglu,
        [Arg((2, 3, 4), low=-8, high=8), Arg((2, 3, 4))],
    ),
    OpCase("swiglu-0d", lambda g, u: _fused().swiglu(g, u), _swiglu, [Arg(()), Arg(())]),
]

SWIGLU_ERRORS = [
    ErrorCase(
        "swiglu-shape-mismatch",
        lambda g, u: _fused().swiglu(g, u),
        [Arg((2, 3)), Arg((2, 4))],
        raises=cg.ShapeError,
        match="fused.swiglu",
    ),
    ErrorCase(
        "swiglu-broadcast-refused",
        lambda g, u: _fused().swiglu(g, u),
        [Arg((2, 3)), Arg((3,))],
        raises=cg.ShapeError,
        match="fused.swiglu",
    ),
    ErrorCase(
        "swiglu-integer-gate",
        lambda g, u: _fused().swiglu(g, u),
        [Arg((2, 3), low=-3, high=3, dtype="int64"), Arg((2, 3))],
        raises=cg.DTypeError,
        match="fused.swiglu",
    ),
    ErrorCase(
        "swiglu-dtype-mismatch",
        lambda g, u: _fused().swiglu(g, u.to(cg.float32)),
        [Arg((2, 3)), Arg((2, 3))],
        raises=cg.DTypeError,
        match="fused.swiglu",
    ),
]

# ---------------------------------------------------------------- softmax_cross_entropy

_TARGET_4x5 = np.array([0, 4, 2, 1], dtype=np.int64)


def _xent_case(name, reduction, inputs):
    return OpCase(
        f"softmax_cross_entropy-{name}-{reduction}",
        lambda x, t: _fused().softmax_cross_entropy(x, t, reduction=reduction),
        lambda x, t: _softmax_cross_entropy(x, t, reduction=reduction),
        inputs,
    )


SOFTMAX_CROSS_ENTROPY_CASES = [
    *(_xent_case("4x5", r, [Arg((4, 5)), _TARGET_4x5]) for r in ("mean", "sum", "none")),
    *(
        _xent_case(
            "random-target",
            r,
            [Arg((6, 3), low=-3, high=3), Arg((6,), low=0, high=3, dtype="int64")],
        )
        for r in ("mean", "none")
    ),
    _xent_case(
        "wide-logits", "mean", [Arg((3, 4), low=-30, high=30), np.array([3, 0, 1], dtype=np.int64)]
    ),
    _xent_case("one-row", "sum", [Arg((1, 6)), np.array([5], dtype=np.int64)]),
    _xent_case("one-class", "mean", [Arg((3, 1)), np.zeros(3, dtype=np.int64)]),
]

_NAME = "fused.softmax_cross_entropy"


def _xent_error(name, inputs, raises):
    return ErrorCase(
        f"softmax_cross_entropy-{name}",
        lambda x, t: _fused().softmax_cross_entropy(x, t),
        inputs,
        raises=raises,
        match=_NAME,
    )


SOFTMAX_CROSS_ENTROPY_ERRORS = [
    _xent_error("target-too-large", [Arg((2, 5)), np.array([0, 5])], cg.ShapeError),
    _xent_error("target-negative", [Arg((2, 5)), np.array([-1, 0])], cg.ShapeError),
    _xent_error("target-2d", [Arg((2, 5)), np.array([[0], [1]])], cg.ShapeError),
    _xent_error("target-length", [Arg((2, 5)), np.array([0, 1, 2])], cg.ShapeError),
    _xent_error("target-float", [Arg((2, 5)), Arg((2,))], cg.DTypeError),
    _xent_error("logits-3d", [Arg((2, 3, 4)), np.array([0, 1])], cg.ShapeError),
    _xent_error(
        "logits-integer",
        [Arg((2, 3), low=0, high=3, dtype="int64"), np.array([0, 1])],
        cg.DTypeError,
    ),
]
