"""Op-case rows for crossgrad.ops.elementwise.

Inputs of ops with kinks (abs, sign, relu, rounding, clamp, max/min) are fixed arrays whose
values keep away from the kinks, where the numeric gradient is ill-defined.
"""

import math

import numpy as np

import crossgrad as cg
from crossgrad.testing import Arg, OpCase

S = (3, 4)
X = Arg(S)
POS = Arg(S, low=0.2, high=2.0)
NONZERO = Arg(S, low=0.5, high=2.0)
INT = Arg(S, low=-5, high=6, dtype="int64")
BOOL = Arg(S, dtype="bool")
# Mixed signs, at least 0.2 away from 0.
AWAY = np.array([[-1.5, -0.3, 0.4, 0.9], [0.7, -2.0, 1.1, -0.6], [0.25, -0.8, 1.7, -1.2]])
# At least 0.2 away from every integer and every half-integer.
OFF_GRID = np.array([[-1.3, -0.7, 0.3, 0.8], [1.2, -2.2, 2.7, -1.8], [0.35, -0.35, 1.65, -2.7]])
# Pairs with ties at [0, 0] and [1, 2]: max/min split the gradient evenly there.
TIE_A = np.array([[0.5, 1.0, -0.5], [2.0, -1.0, 0.25]])
TIE_B = np.array([[0.5, -1.0, 0.5], [1.0, -2.0, 0.25]])
erf_ref = np.vectorize(math.erf)


def _unary(name, fn, ref, arg=X, **kw):
    return OpCase(name, fn, ref, [arg], **kw)


UNARY = [
    _unary("exp", cg.exp, np.exp),
    _unary("log", cg.log, np.log, POS),
    _unary("log1p", cg.log1p, np.log1p, Arg(S, low=-0.5, high=2.0)),
    _unary("expm1", cg.expm1, np.expm1),
    _unary("sqrt", cg.sqrt, np.sqrt, POS),
    _unary("rsqrt", cg.rsqrt, lambda x: 1 / np.sqrt(x), POS),
    _unary("abs", cg.abs, np.abs, AWAY),
    _unary("sign", cg.sign, np.sign, AWAY),
    _unary("sin", cg.sin, np.sin, Arg(S, low=-3, high=3)),
    _unary("cos", cg.cos, np.cos, Arg(S, low=-3, high=3)),
    _unary("tan", cg.tan, np.tan),
    _unary("tanh", cg.tanh, np.tanh, Arg(S, low=-3, high=3)),
    _unary("sigmoid", cg.sigmoid, lambda x: 1 / (1 + np.exp(-x)), Arg(S, low=-5, high=5)),
    _unary(
        "sigmoid-large",
        cg.sigmoid,
        lambda x: 1 / (1 + np.exp(-x)),
        np.array([-800.0, -40.0, 40.0, 800.0]),
        grad=False,
    ),
    _unary("relu", cg.relu, lambda x: np.maximum(x, 0), AWAY),
    _unary("erf", cg.erf, erf_ref, Arg(S, low=-3, high=3)),
    _unary("reciprocal", cg.reciprocal, np.reciprocal, NONZERO),
    _unary("square", cg.square, np.square),
    _unary("neg", cg.neg, np.negative),
    _unary("floor", cg.floor, np.floor, OFF_GRID),
    _unary("ceil", cg.ceil, np.ceil, OFF_GRID),
    _unary("round", cg.round, np.round, OFF_GRID),
    _unary(
        "round-decimals",
        lambda x: cg.round(x, decimals=1),
        lambda x: np.round(x, 1),
        OFF_GRID / 10 + 0.001,
        gradgrad=False,
    ),
    _unary("trunc", cg.trunc, np.trunc, OFF_GRID),
    _unary("exp-0d", cg.exp, np.exp, Arg(())),
    _unary("tanh-3d", cg.tanh, np.tanh, Arg((2, 3, 4))),
    _unary("exp-empty", cg.exp, np.exp, Arg((0, 3))),
    # Integer inputs of float ops become the default float dtype (float32).
    _unary("exp-int", cg.exp, lambda x: np.exp(x).astype(np.float32), INT),
    _unary(
        "sqrt-int",
        cg.sqrt,
        lambda x: np.sqrt(x).astype(np.float32),
        Arg(S, low=0, high=9, dtype="int64"),
    ),
    _unary("abs-int", cg.abs, np.abs, INT),
    _unary("neg-int", cg.neg, np.negative, INT),
    _unary("square-int", cg.square, np.square, INT),
]

BINARY = [
    OpCase("add", cg.add, np.add, [X, X]),
    OpCase("add-broadcast", cg.add, np.add, [Arg((3, 1)), Arg((4,))]),
    OpCase("add-alpha", lambda x, y: cg.add(x, y, alpha=2.5), lambda x, y: x + 2.5 * y, [X, X]),
    OpCase("add-0d", cg.add, np.add, [Arg(()), X]),
    OpCase("add-operator", lambda x, y: x + y, np.add, [X, X]),
    OpCase("radd-scalar", lambda x: 2.0 + x, lambda x: 2.0 + x, [X]),
    OpCase("sub", cg.sub, np.subtract, [X, X]),
    OpCase("sub-broadcast", cg.sub, np.subtract, [Arg((2, 1, 4)), Arg((3, 1))]),
    OpCase("sub-alpha", lambda x, y: cg.sub(x, y, alpha=0.5), lambda x, y: x - 0.5 * y, [X, X]),
    OpCase("rsub-scalar", lambda x: 2.0 - x, lambda x: 2.0 - x, [X]),
    OpCase("mul", cg.mul, np.multiply, [X, X]),
    OpCase("mul-broadcast", cg.mul, np.multiply, [Arg((3, 1)), Arg((4,))]),
    OpCase("mul-scalar", lambda x: x * 1.5, lambda x: x * 1.5, [X]),
    OpCase("mul-same-input", lambda x: x * x, lambda x: x * x, [X]),
    OpCase("div", cg.div, np.divide, [X, NONZERO]),
    OpCase("div-broadcast", cg.div, np.divide, [Arg((3, 1)), Arg((4,), low=0.5, high=2)]),
    OpCase("div-scalar", lambda x: x / 4.0, lambda x: x / 4.0, [X]),
    OpCase("rdiv-scalar", lambda x: 2.0 / x, lambda x: 2.0 / x, [NONZERO]),
    OpCase(
        "div-trunc",
        lambda x, y: cg.div(x, y, rounding_mode="trunc"),
        lambda x, y: np.trunc(x / y),
        [OFF_GRID, np.full(S, 1.0)],
    ),
    OpCase(
        "div-floor",
        lambda x, y: cg.div(x, y, rounding_mode="floor"),
        lambda x, y: np.floor(x / y),
        [OFF_GRID, np.full(S, 1.0)],
    ),
    OpCase("floor_divide", cg.floor_divide, np.floor_divide, [OFF_GRID, np.full(S, 1.0)]),
    # OFF_GRID / 1.6 keeps 0.05 away from integers: remainder's jumps.
    OpCase("remainder", cg.remainder, np.remainder, [OFF_GRID, np.full(S, 1.6)]),
    OpCase("remainder-operator", lambda x: x % 1.6, lambda x: np.remainder(x, 1.6), [OFF_GRID]),
    OpCase("pow", cg.pow, np.power, [POS, X]),
    OpCase("pow-broadcast", cg.pow, np.power, [Arg((3, 1), low=0.5, high=2), Arg((4,))]),
    OpCase("pow-scalar-2", lambda x: x**2, lambda x: x**2, [X]),
    OpCase("pow-scalar-3", lambda x: x**3, lambda x: x**3, [X]),
    OpCase("pow-scalar-half", lambda x: x**0.5, np.sqrt, [POS]),
    OpCase("pow-scalar-negative", lambda x: x**-1.5, lambda x: x**-1.5, [POS]),
    OpCase("pow-scalar-0", lambda x: x**0, lambda x: x**0, [X]),
    OpCase("rpow-scalar", lambda x: 2.0**x, lambda x: 2.0**x, [X]),
    OpCase("maximum", cg.maximum, np.maximum, [X, X]),
    OpCase("minimum", cg.minimum, np.minimum, [X, X]),
    OpCase("maximum-broadcast", cg.maximum, np.maximum, [Arg((3, 1)), Arg((4,))]),
    # At a tie each side gets half the gradient, which is also the central difference;
    # the second derivative jumps there, so it is not checked.
    OpCase("maximum-ties", cg.maximum, np.maximum, [TIE_A, TIE_B], gradgrad=False),
    OpCase("minimum-ties", cg.minimum, np.minimum, [TIE_A, TIE_B], gradgrad=False),
]

INTEGER = [
    OpCase("add-int", cg.add, np.add, [INT, INT]),
    OpCase("sub-int", cg.sub, np.subtract, [INT, INT]),
    OpCase("mul-int", cg.mul, np.multiply, [INT, INT]),
    OpCase("mul-int-scalar", lambda x: x * 3, lambda x: x * 3, [INT]),
    OpCase(
        "mul-int-float-scalar", lambda x: x * 1.5, lambda x: (x * 1.5).astype(np.float32), [INT]
    ),
    OpCase(
        "div-int",
        cg.div,
        lambda x, y: (x / y).astype(np.float32),
        [INT, Arg(S, low=1, high=5, dtype="int64")],
    ),
    OpCase(
        "floor_divide-int",
        cg.floor_divide,
        np.floor_divide,
        [INT, Arg(S, low=1, high=5, dtype="int64")],
    ),
    OpCase(
        "remainder-int", cg.remainder, np.remainder, [INT, Arg(S, low=1, high=5, dtype="int64")]
    ),
    OpCase("pow-int-scalar", lambda x: x**2, lambda x: x**2, [INT]),
    OpCase("add-int32-int64", cg.add, np.add, [Arg(S, -5, 5, dtype="int32"), INT]),
    OpCase("add-float-int", cg.add, np.add, [X, INT]),
    OpCase("mul-float-int", cg.mul, np.multiply, [X, INT]),
    OpCase("add-bool-int", cg.add, np.add, [BOOL, INT]),
    OpCase("maximum-int", cg.maximum, np.maximum, [INT, INT]),
]

# Comparisons and logic give bool results: no gradients to check (grad=False).
COMPARE = [
    OpCase(name, getattr(cg, name), getattr(np, ref), [X, X], grad=False)
    for name, ref in [
        ("eq", "equal"),
        ("ne", "not_equal"),
        ("lt", "less"),
        ("le", "less_equal"),
        ("gt", "greater"),
        ("ge", "greater_equal"),
    ]
] + [
    OpCase("eq-ties", cg.eq, np.equal, [TIE_A, TIE_B], grad=False),
    OpCase("le-ties", cg.le, np.less_equal, [TIE_A, TIE_B], grad=False),
    OpCase("gt-scalar", lambda x: x > 0.25, lambda x: x > 0.25, [X], grad=False),
    OpCase("lt-broadcast", cg.lt, np.less, [Arg((3, 1)), Arg((4,))], grad=False),
    OpCase("eq-int", cg.eq, np.equal, [INT, Arg(S, low=-1, high=2, dtype="int64")]),
    OpCase("logical_and", cg.logical_and, np.logical_and, [BOOL, BOOL]),
    OpCase("logical_or", cg.logical_or, np.logical_or, [BOOL, BOOL]),
    OpCase("logical_xor", cg.logical_xor, np.logical_xor, [BOOL, BOOL]),
    OpCase("logical_not", cg.logical_not, np.logical_not, [BOOL]),
    OpCase(
        "logical_and-float",
        cg.logical_and,
        np.logical_and,
        [np.array([0.0, 1.5, -2.0, 0.0]), np.array([1.0, 0.0, 3.0, 0.0])],
        grad=False,
    ),
    OpCase("logical_not-int", cg.logical_not, np.logical_not, [INT]),
    OpCase("bitwise_and", cg.bitwise_and, np.bitwise_and, [INT, INT]),
    OpCase("bitwise_or", cg.bitwise_or, np.bitwise_or, [INT, INT]),
    OpCase("bitwise_xor", cg.bitwise_xor, np.bitwise_xor, [INT, INT]),
    OpCase("bitwise_not", cg.bitwise_not, np.invert, [INT]),
    OpCase("bitwise_not-bool", cg.bitwise_not, np.logical_not, [BOOL]),
    OpCase("and-operator-bool", lambda a, b: a & b, np.logical_and, [BOOL, BOOL]),
    OpCase("invert-operator", lambda a: ~a, np.logical_not, [BOOL]),
]

SELECT = [
    OpCase("where", cg.where, np.where, [BOOL, X, X]),
    OpCase("where-broadcast", cg.where, np.where, [Arg((3, 1), dtype="bool"), Arg((4,)), X]),
    OpCase(
        "where-scalar-other",
        lambda c, x: cg.where(c, x, 0.5),
        lambda c, x: np.where(c, x, 0.5),
        [BOOL, X],
    ),
    OpCase(
        "where-float-condition",
        lambda c, x, y: cg.where(c, x, y),
        lambda c, x, y: np.where(c != 0, x, y),
        [INT, X, X],
    ),
    OpCase("clamp", lambda x: cg.clamp(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), [AWAY]),
    OpCase("clamp-min", lambda x: cg.clamp(x, min=0.1), lambda x: np.maximum(x, 0.1), [AWAY]),
    OpCase("clamp-max", lambda x: cg.clamp(x, max=0.1), lambda x: np.minimum(x, 0.1), [AWAY]),
    OpCase("clip-method", lambda x: x.clip(-1.0, 1.0), lambda x: np.clip(x, -1, 1), [AWAY]),
    OpCase(
        "clamp-tensor-bounds",
        lambda x, lo, hi: cg.clamp(x, lo, hi),
        np.clip,
        [AWAY, np.full((4,), -0.5), np.full((3, 1), 0.5)],
    ),
    OpCase("clamp-int", lambda x: cg.clamp(x, -2, 2), lambda x: np.clip(x, -2, 2), [INT]),
    OpCase(
        "clamp-int-float-bound",
        lambda x: cg.clamp(x, 0.5),
        lambda x: np.maximum(x, 0.5).astype(np.float32),
        [INT],
    ),
]

COMPOSITE = [
    OpCase(
        "chain",
        lambda x, y: ((x * y).tanh() + x.exp() / (y * y + 1)).sin(),
        lambda x, y: np.sin(np.tanh(x * y) + np.exp(x) / (y * y + 1)),
        [X, X],
    ),
    OpCase("softplus-like", lambda x: (x.exp() + 1).log(), lambda x: np.log1p(np.exp(x)), [X]),
]

CASES = UNARY + BINARY + INTEGER + COMPARE + SELECT + COMPOSITE
