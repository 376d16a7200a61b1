"""Op-case rows for crossgrad.ops.reduce.

Inputs of max/min/amax/amin/norm(inf) are random, so they hold no ties (whose numeric
gradient is ill-defined); tests/ops/test_reduce_ties.py checks the tie rule explicitly.
"""

import numpy as np

import crossgrad as cg
from crossgrad.testing import Arg, OpCase

S = (3, 4)
S3 = (2, 3, 4)
POS = Arg(S, low=0.5, high=1.5)
# Mixed signs, away from 0 (where |x|, sign and |x|**p are not smooth).
AWAY = np.random.default_rng(7).uniform(0.3, 1.0, S) * np.array([1, -1, 1, -1])
# Rows holding one, two and three zeros: prod's gradient must not divide by them.
ZEROS = np.array([[0.5, 0.0, -1.5, 2.0], [0.0, 1.5, 0.0, -0.5], [0.0, 0.0, 0.0, 1.25]])


def _norm(x, p, axis=None, keepdims=False):
    a = np.abs(x)
    if p == np.inf:
        return a.max(axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return a.min(axis=axis, keepdims=keepdims)
    if p == 0:
        return (a != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
    return (a**p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


def _lse(x, axis, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.exp(x - m).sum(axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


# An empty array is contiguous in every layout, so the harness cannot make one strided.
EMPTY_SKIP = {"*:noncontiguous": "empty arrays have no non-contiguous layout"}

CASES = [
    # sum, mean
    OpCase("sum-all", lambda x: x.sum(), np.sum, [Arg(S)]),
    OpCase(
        "sum-dim1-keepdim",
        lambda x: x.sum(1, keepdim=True),
        lambda x: x.sum(1, keepdims=True),
        [Arg(S)],
    ),
    OpCase("sum-negdims", lambda x: x.sum((-1, 0)), lambda x: x.sum((2, 0)), [Arg(S3)]),
    OpCase("sum-0d", lambda x: x.sum(0), lambda x: x, [Arg(())]),
    OpCase("sum-empty", lambda x: x.sum(0), lambda x: x.sum(0), [Arg((0, 3))], skips=EMPTY_SKIP),
    OpCase("sum-int", lambda x: cg.sum(x, 1), lambda x: x.sum(1), [Arg(S, -5, 5, dtype="int32")]),
    OpCase(
        "mean-dims",
        lambda x: cg.mean(x, (0, 2), keepdim=True),
        lambda x: x.mean((0, 2), keepdims=True),
        [Arg(S3)],
    ),
    OpCase(
        "sum_to_size", lambda x: x.sum_to_size(3, 1), lambda x: x.sum((0, 2))[:, None], [Arg(S3)]
    ),
    # prod
    OpCase("prod-all", lambda x: x.prod(), np.prod, [POS]),
    OpCase("prod-dim1", lambda x: cg.prod(x, 1), lambda x: x.prod(1), [Arg(S)]),
    OpCase(
        "prod-negdim-keepdim",
        lambda x: x.prod(-3, keepdim=True),
        lambda x: x.prod(0, keepdims=True),
        [Arg(S3)],
    ),
    OpCase("prod-zeros", lambda x: x.prod(1), lambda x: x.prod(1), [ZEROS]),
    OpCase("prod-zeros-all", lambda x: x.prod(), np.prod, [ZEROS[:2]]),
    OpCase("prod-0d", lambda x: x.prod(), lambda x: x, [Arg(())]),
    OpCase("prod-empty", lambda x: x.prod(1), lambda x: x.prod(1), [Arg((2, 0))], skips=EMPTY_SKIP),
    OpCase("prod-int", lambda x: x.prod(0), lambda x: x.prod(0), [Arg(S, -3, 4, dtype="int64")]),
    # max, min
    OpCase("max-all", lambda x: x.max(), np.max, [Arg(S)]),
    OpCase("max-dim", lambda x: x.max(1), lambda x: (x.max(1), x.argmax(1)), [Arg(S)]),
    OpCase(
        "max-negdim-keepdim",
        lambda x: tuple(cg.max(x, -2, keepdim=True)),
        lambda x: (x.max(-2, keepdims=True), x.argmax(-2)[:, None]),
        [Arg(S3)],
    ),
    OpCase("max-0d-dim", lambda x: x.max(0), lambda x: (x, np.array(0)), [Arg(())]),
    OpCase("max-binary", lambda x, y: cg.max(x, y), np.maximum, [Arg((3, 1)), Arg((4,))]),
    OpCase("min-all", lambda x: cg.min(x), np.min, [Arg(S3)]),
    OpCase("min-dim", lambda x: x.min(0).values, lambda x: x.min(0), [Arg(S)]),
    OpCase(
        "max-int", lambda x: x.max(1).values, lambda x: x.max(1), [Arg(S, -9, 9, dtype="int64")]
    ),
    OpCase("amax-tuple", lambda x: x.amax((0, 2)), lambda x: x.max((0, 2)), [Arg(S3)]),
    OpCase("amax-all", lambda x: cg.amax(x), np.max, [Arg(S)]),
    OpCase(
        "amin-negdim-keepdim",
        lambda x: x.amin(-1, keepdim=True),
        lambda x: x.min(-1, keepdims=True),
        [Arg(S3)],
    ),
    OpCase("amin-0d", lambda x: x.amin(), lambda x: x, [Arg(())]),
    # argmax, argmin: integer results, no gradient
    OpCase("argmax-flat", lambda x: x.argmax(), np.argmax, [Arg(S3)], grad=False),
    OpCase(
        "argmax-dim-keepdim",
        lambda x: cg.argmax(x, 1, keepdim=True),
        lambda x: x.argmax(1)[:, None],
        [Arg(S)],
        grad=False,
    ),
    OpCase("argmin-negdim", lambda x: x.argmin(-1), lambda x: x.argmin(-1), [Arg(S3)], grad=False),
    OpCase(
        "argmin-flat-keepdim",
        lambda x: cg.argmin(x, keepdim=True),
        lambda x: np.argmin(x, keepdims=True),
        [Arg(S)],
        grad=False,
    ),
    # var, std
    OpCase("var-all", lambda x: x.var(), lambda x: x.var(ddof=1), [Arg(S)]),
    OpCase(
        "var-dim-keepdim",
        lambda x: x.var(1, keepdim=True),
        lambda x: x.var(1, ddof=1, keepdims=True),
        [Arg(S)],
    ),
    OpCase(
        "var-correction0",
        lambda x: cg.var(x, (0, -1), correction=0),
        lambda x: x.var((0, 2)),
        [Arg(S3)],
    ),
    OpCase("var-unbiased-false", lambda x: x.var(0, False), lambda x: x.var(0), [Arg(S)]),
    OpCase("std-all", lambda x: x.std(), lambda x: x.std(ddof=1), [Arg(S)]),
    OpCase("std-negdim", lambda x: cg.std(x, -1), lambda x: x.std(-1, ddof=1), [Arg(S3)]),
    OpCase(
        "std-correction2-keepdim",
        lambda x: x.std(0, keepdim=True, correction=2),
        lambda x: x.std(0, ddof=2, keepdims=True),
        [Arg((5, 3))],
    ),
    # logsumexp
    OpCase("logsumexp-dim", lambda x: x.logsumexp(1), lambda x: _lse(x, 1), [Arg(S)]),
    OpCase(
        "logsumexp-dims-keepdim",
        lambda x: cg.logsumexp(x, (0, -1), keepdim=True),
        lambda x: _lse(x, (0, 2), True),
        [Arg(S3)],
    ),
    OpCase(
        "logsumexp-large",
        lambda x: x.logsumexp(-1),
        lambda x: _lse(x, -1),
        [Arg(S, low=500.0, high=510.0)],
    ),
    OpCase("logsumexp-0d", lambda x: x.logsumexp(0), lambda x: x, [Arg(())]),
    # norm
    OpCase("norm-2", lambda x: x.norm(), lambda x: _norm(x, 2), [Arg(S)]),
    OpCase(
        "norm-fro-dims",
        lambda x: cg.norm(x, "fro", dim=(1, 2)),
        lambda x: _norm(x, 2, (1, 2)),
        [Arg(S3)],
    ),
    OpCase(
        "norm-2-dim-keepdim",
        lambda x: x.norm(2, dim=-1, keepdim=True),
        lambda x: _norm(x, 2, -1, True),
        [Arg(S)],
    ),
    OpCase("norm-1", lambda x: x.norm(1, dim=0), lambda x: _norm(x, 1, 0), [AWAY]),
    OpCase("norm-3", lambda x: x.norm(3, dim=1), lambda x: _norm(x, 3, 1), [Arg(S)]),
    OpCase("norm-1.5", lambda x: x.norm(1.5), lambda x: _norm(x, 1.5), [AWAY]),
    OpCase("norm-0.5", lambda x: x.norm(0.5, dim=1), lambda x: _norm(x, 0.5, 1), [AWAY]),
    OpCase(
        "norm-inf", lambda x: x.norm(float("inf"), dim=1), lambda x: _norm(x, np.inf, 1), [AWAY]
    ),
    OpCase("norm-neginf", lambda x: x.norm(-float("inf")), lambda x: _norm(x, -np.inf), [AWAY]),
    OpCase("norm-0", lambda x: x.norm(0, dim=0), lambda x: _norm(x, 0, 0), [AWAY]),
    OpCase("norm-0d", lambda x: x.norm(), np.abs, [Arg((), low=0.2, high=1.0)]),
    # cumsum
    OpCase("cumsum-dim1", lambda x: x.cumsum(1), lambda x: x.cumsum(1), [Arg(S)]),
    OpCase("cumsum-negdim", lambda x: cg.cumsum(x, -3), lambda x: x.cumsum(0), [Arg(S3)]),
    OpCase("cumsum-0d", lambda x: x.cumsum(0), lambda x: x, [Arg(())]),
    OpCase(
        "cumsum-empty",
        lambda x: x.cumsum(0),
        lambda x: x.cumsum(0),
        [Arg((0, 2))],
        skips=EMPTY_SKIP,
    ),
    OpCase(
        "cumsum-bool",
        lambda x: x.cumsum(0),
        lambda x: x.cumsum(0).astype(np.int64),
        [Arg(S, dtype="bool")],
    ),
    # all, any: bool results, no gradient
    OpCase("all-all", lambda x: x.all(), np.all, [Arg(S, dtype="bool")]),
    OpCase(
        "all-dim-keepdim",
        lambda x: cg.all(x, 1, keepdim=True),
        lambda x: x.all(1, keepdims=True),
        [Arg(S, dtype="bool")],
    ),
    OpCase("any-negdim", lambda x: x.any(-1), lambda x: x.any(-1), [Arg(S3, dtype="bool")]),
    OpCase(
        "any-float", lambda x: cg.any(x > 0.5, 0), lambda x: (x > 0.5).any(0), [Arg(S)], grad=False
    ),
    OpCase("all-empty", lambda x: x.all(0), lambda x: x.all(0), [Arg((0, 3), dtype="bool")]),
]
