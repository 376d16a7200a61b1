"""Op-case rows for crossgrad.ops.activation (and sigmoid, tanh) through nn.functional.

References are written from the definitions (PyTorch's documented formulas) in float64
NumPy.
"""

import math

import numpy as np

import crossgrad as cg
from crossgrad.testing import Arg, OpCase

F = cg.nn.functional
S = (3, 4)
_erf = np.vectorize(math.erf)

# ---------------------------------------------------------------- references


def softmax_reference(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


def log_softmax_reference(x, dim):
    s = x - x.max(axis=dim, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=dim, keepdims=True))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.logaddexp(0, x * beta) / beta)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


# ---------------------------------------------------------------- rows


def _along_dim_rows(name, fn, reference, method_dim):
    """softmax's or log_softmax's rows: one per dim, huge logits, and the Tensor method."""
    return [
        OpCase(
            f"{name}-dim-1",
            lambda x: fn(x, dim=-1),
            lambda x: reference(x, -1),
            [Arg(S, low=-3, high=3)],
        ),
        OpCase(
            f"{name}-dim0",
            lambda x: fn(x, dim=0),
            lambda x: reference(x, 0),
            [Arg(S, low=-3, high=3)],
        ),
        OpCase(
            f"{name}-3d-dim1",
            lambda x: fn(x, 1),
            lambda x: reference(x, 1),
            [Arg((2, 3, 4), low=-3, high=3)],
        ),
        OpCase(
            f"{name}-large-logits",
            lambda x: fn(x * 1000, dim=-1),
            lambda x: reference(x * 1000, -1),
            [Arg((2, 3))],
            grad=False,
        ),
        OpCase(
            f"{name}-method",
            lambda x: getattr(x, name)(method_dim),
            lambda x: reference(x, method_dim),
            [Arg(S)],
        ),
    ]


CASES = [
    *_along_dim_rows("softmax", F.softmax, softmax_reference, 1),
    *_along_dim_rows("log_softmax", F.log_softmax, log_softmax_reference, -1),
    # activations
    OpCase("relu", F.relu, lambda x: np.maximum(x, 0), [Arg(S)]),
    OpCase(
        "gelu", F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), [Arg(S, low=-3, high=3)]
    ),
    OpCase(
        "gelu-tanh", lambda x: F.gelu(x, approximate="tanh"), _gelu_tanh, [Arg(S, low=-3, high=3)]
    ),
    OpCase("silu", F.silu, lambda x: x / (1 + np.exp(-x)), [Arg(S, low=-4, high=4)]),
    OpCase("leaky_relu", F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), [Arg(S)]),
    OpCase(
        "leaky_relu-slope",
        lambda x: F.leaky_relu(x, 0.2),
        lambda x: np.where(x > 0, x, 0.2 * x),
        [Arg(S)],
    ),
    OpCase("elu", F.elu, lambda x: np.where(x > 0, x, np.expm1(x)), [Arg(S, low=-3, high=3)]),
    OpCase(
        "elu-alpha",
        lambda x: F.elu(x, alpha=0.5),
        lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
        [Arg(S, low=-3, high=3)],
    ),
    OpCase("softplus", F.softplus, _softplus, [Arg(S, low=-5, high=5)]),
    OpCase(
        "softplus-beta-threshold",
        lambda x: F.softplus(x, beta=2.0, threshold=3.0),
        lambda x: _softplus(x, 2.0, 3.0),
        [Arg(S, low=-3, high=3)],
    ),
    OpCase(
        "softplus-extreme",
        F.softplus,
        _softplus,
        [np.array([-800.0, -30.0, -1.5, 0.25, 19.5, 25.0, 800.0])],
    ),
    OpCase("sigmoid", F.sigmoid, lambda x: 1 / (1 + np.exp(-x)), [Arg(S, low=-4, high=4)]),
    OpCase("tanh", F.tanh, np.tanh, [Arg(S)]),
]
