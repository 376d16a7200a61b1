"""Elementwise ops: unary math, arithmetic with broadcasting, comparisons, logic.

Each op's kernel and derivative sit side by side. Derivatives are Tensor expressions, so
they are differentiable again (higher-order gradients).
"""

from __future__ import annotations

import math
from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.function import Node, Op
from crossgrad.ops import direct
from crossgrad.ops._util import (
    Tensor,
    as_tensor_like,
    broadcast_shapes,
    cast,
    expect_tensor,
    floating,
    unbroadcast,
)

__all__ = [
    "exp",
    "log",
    "log1p",
    "expm1",
    "sqrt",
    "rsqrt",
    "abs",
    "sign",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "relu",
    "erf",
    "reciprocal",
    "square",
    "neg",
    "floor",
    "ceil",
    "round",
    "trunc",
    "add",
    "sub",
    "mul",
    "div",
    "floor_divide",
    "remainder",
    "pow",
    "maximum",
    "minimum",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "where",
    "clamp",
    "clip",
]

_FLOAT = dtypes.FLOATING


# ====================================================================== unary


class UnaryOp(Op):
    """``y = kernel(x)``; ``derivative(g, x, y)`` gives the input gradient.

    ``saves`` says which of x and y the derivative reads, so nothing else is kept alive.
    """

    saves = "x"

    @staticmethod
    def derivative(g: Tensor, x: Tensor | None, y: Tensor | None) -> Tensor:
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx: Node, x: Any) -> Any:
        y = ctx.call(x)
        saves = cls.saves
        ctx._to_save = (
            (y,) if saves == "y" else (x,) if saves == "x" else ((x, y) if saves == "xy" else ())
        )
        return y

    @classmethod
    def backward(cls, ctx: Node, g: Tensor) -> Tensor:
        saved = ctx.saved_tensors
        x = y = None
        if cls.saves == "x":
            (x,) = saved
        elif cls.saves == "y":
            (y,) = saved
        elif cls.saves == "xy":
            x, y = saved
        return cls.derivative(g, x, y)


class Exp(UnaryOp):
    name, saves = "exp", "y"
    kernel = staticmethod(lambda xp, x: xp.exp(x))
    derivative = staticmethod(lambda g, x, y: direct.mul(g, y))


class Log(UnaryOp):
    name = "log"
    kernel = staticmethod(lambda xp, x: xp.log(x))
    derivative = staticmethod(lambda g, x, y: direct.div(g, x))


class Log1p(UnaryOp):
    name = "log1p"
    kernel = staticmethod(lambda xp, x: xp.log1p(x))
    derivative = staticmethod(lambda g, x, y: direct.div(g, direct.add(x, 1)))


class Expm1(UnaryOp):
    name, saves = "expm1", "y"
    kernel = staticmethod(lambda xp, x: xp.expm1(x))
    derivative = staticmethod(lambda g, x, y: direct.mul(g, direct.add(y, 1)))


class Sqrt(UnaryOp):
    name, saves = "sqrt", "y"
    kernel = staticmethod(lambda xp, x: xp.sqrt(x))
    derivative = staticmethod(lambda g, x, y: direct.div(g, direct.mul(y, 2)))


class Rsqrt(UnaryOp):
    name, saves = "rsqrt", "y"
    kernel = staticmethod(lambda xp, x: 1 / xp.sqrt(x))
    derivative = staticmethod(lambda g, x, y: direct.mul(g, direct.mul(direct.pow(y, 3), -0.5)))


class Abs(UnaryOp):
    name = "abs"
    kernel = staticmethod(lambda xp, x: xp.abs(x))
    derivative = staticmethod(lambda g, x, y: direct.mul(g, Sign.apply(x)))


class Sign(UnaryOp):
    name, saves = "sign", ""
    kernel = staticmethod(lambda xp, x: _sign(xp, x))
    derivative = staticmethod(lambda g, x, y: direct.zeros_like(g))


def _sign(xp: Any, x: Any) -> Any:
    """-1, 0 or 1; 0 for NaN, as PyTorch's sign (NumPy's and JAX's give NaN)."""
    s = xp.sign(x)
    return xp.where(s != s, xp.zeros((), dtype=s.dtype), s)


class Sin(UnaryOp):
    name = "sin"
    kernel = staticmethod(lambda xp, x: xp.sin(x))
    derivative = staticmethod(lambda g, x, y: direct.mul(g, Cos.apply(x)))


class Cos(UnaryOp):
    name = "cos"
    kernel = staticmethod(lambda xp, x: xp.cos(x))
    derivative = staticmethod(lambda g, x, y: direct.neg(direct.mul(g, Sin.apply(x))))


class Tan(UnaryOp):
    name, saves = "tan", "y"
    kernel = staticmethod(lambda xp, x: xp.tan(x))
    derivative = staticmethod(lambda g, x, y: direct.mul(g, direct.add(direct.mul(y, y), 1)))


class Tanh(UnaryOp):
    name, saves = "tanh", "y"
    kernel = staticmethod(lambda xp, x: xp.tanh(x))
    derivative = staticmethod(lambda g, x, y: TanhBackward.apply(g, y))


class TanhBackward(Op):
    """``g * (1 - y**2)`` as one op: the chain rule step of tanh, itself differentiable."""

    name = "tanh_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, y: Any) -> Any:
        return g * (1 - y * y)

    @staticmethod
    def forward(ctx: Node, g: Any, y: Any) -> Any:
        ctx.save_for_backward(g, y)
        return ctx.call(g, y)

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> tuple[Tensor, Tensor]:
        g, y = ctx.saved_tensors
        return TanhBackward.apply(gg, y), direct.mul(direct.mul(gg, g), direct.mul(y, -2))


class Sigmoid(UnaryOp):
    name, saves = "sigmoid", "y"

    @staticmethod
    def kernel(xp: Any, x: Any) -> Any:
        # exp of a non-positive number only: no overflow for large |x|.
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    derivative = staticmethod(lambda g, x, y: direct.mul(direct.mul(g, y), direct.sub(1, y)))


class Relu(UnaryOp):
    name, saves = "relu", "y"
    kernel = staticmethod(lambda xp, x: xp.maximum(x, xp.zeros((), dtype=x.dtype)))
    derivative = staticmethod(lambda g, x, y: ReluBackward.apply(g, y))


class ReluBackward(Op):
    """``g`` where ``y > 0``, else 0: relu's chain-rule step as one op, itself differentiable."""

    name = "relu_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, y: Any) -> Any:
        # A select, as PyTorch's threshold_backward: an inf or nan g where y <= 0 gives 0
        # (a multiply by the mask would give nan), and a nan y passes g on.
        return xp.where(y <= 0, xp.zeros((), dtype=g.dtype), g)

    @staticmethod
    def forward(ctx: Node, g: Any, y: Any) -> Any:
        ctx.save_for_backward(y)
        return ctx.call(g, y)

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> tuple[Tensor, None]:
        (y,) = ctx.saved_tensors
        return ReluBackward.apply(gg, y), None  # piecewise constant in y: no gradient


class Erf(UnaryOp):
    name = "erf"

    @staticmethod
    def kernel(xp: Any, x: Any) -> Any:
        return _erf_series(xp, x)

    derivative = staticmethod(
        lambda g, x, y: direct.mul(
            g, direct.mul(direct.exp(direct.neg(direct.mul(x, x))), 2 / math.sqrt(math.pi))
        )
    )


def _erf_series(xp: Any, x: Any) -> Any:
    """erf to float64 precision from array-API ops alone.

    erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (2n+1)!!, whose terms are all
    positive (no cancellation); |x| > 6 gives +-1 to double precision.
    """
    x64 = xp.astype(x, xp.float64)
    a = xp.clip(xp.abs(x64), 0.0, 6.0)
    a2 = a * a
    term = a
    total = a
    for n in range(1, 160):
        term = term * (2 * a2) / (2 * n + 1)
        total = total + term
    out = xp.sign(x64) * xp.clip(total * xp.exp(-a2) * (2 / math.sqrt(math.pi)), 0.0, 1.0)
    return xp.astype(out, x.dtype)


class Reciprocal(UnaryOp):
    name, saves = "reciprocal", "y"
    kernel = staticmethod(lambda xp, x: 1 / x)
    derivative = staticmethod(lambda g, x, y: direct.neg(direct.mul(g, direct.mul(y, y))))


class Square(UnaryOp):
    name = "square"
    kernel = staticmethod(lambda xp, x: x * x)
    derivative = staticmethod(lambda g, x, y: direct.mul(g, direct.mul(x, 2)))


class Neg(UnaryOp):
    name, saves = "neg", ""
    kernel = staticmethod(lambda xp, x: -x)
    derivative = staticmethod(lambda g, x, y: direct.neg(g))


class _Rounding(UnaryOp):
    """floor, ceil, round, trunc: piecewise constant, so the gradient is zero."""

    saves = ""
    derivative = staticmethod(lambda g, x, y: direct.zeros_like(g))


class Floor(_Rounding):
    name = "floor"
    kernel = staticmethod(lambda xp, x: xp.floor(x))


class Ceil(_Rounding):
    name = "ceil"
    kernel = staticmethod(lambda xp, x: xp.ceil(x))


class Round(_Rounding):
    name = "round"
    kernel = staticmethod(lambda xp, x: xp.round(x))


class Trunc(_Rounding):
    name = "trunc"
    kernel = staticmethod(lambda xp, x: xp.trunc(x))


def _unary(op: type[UnaryOp], promote: bool = True):  # type: ignore[no-untyped-def]
    """The public function of a unary op; ``promote`` turns integer inputs into floats."""
    name = op.name

    def fn(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's parameter name
        if promote:
            return op.apply(floating(input, name))
        return op.apply(expect_tensor(input, name))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Return ``{name}`` of each element (PyTorch's ``torch.{name}``)."
    return fn


exp = _unary(Exp)
log = _unary(Log)
log1p = _unary(Log1p)
expm1 = _unary(Expm1)
sqrt = _unary(Sqrt)
rsqrt = _unary(Rsqrt)
sin = _unary(Sin)
cos = _unary(Cos)
tan = _unary(Tan)
tanh = _unary(Tanh)
sigmoid = _unary(Sigmoid)
erf = _unary(Erf)
reciprocal = _unary(Reciprocal)
abs = _unary(Abs, promote=False)  # noqa: A001 - PyTorch's name
sign = _unary(Sign, promote=False)
square = _unary(Square, promote=False)
relu = _unary(Relu, promote=False)
neg = _unary(Neg, promote=False)
floor = _unary(Floor, promote=False)
ceil = _unary(Ceil, promote=False)
trunc = _unary(Trunc, promote=False)


def round(input: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """Round to the nearest integer (half to even), or to ``decimals`` places."""
    input = expect_tensor(input, "round")
    if decimals == 0:
        return Round.apply(input)
    scale = 10.0**decimals
    return Round.apply(input * scale) / scale


# ====================================================================== binary


def _promoted_operands(
    op: str, x: Any, y: Any, float_result: bool = False
) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of PyTorch's result dtype, on one backend."""
    like = expect_tensor(x if isinstance(x, Tensor) else y, op)
    want = dtypes.result_type(x, y)
    if float_result and want.category != _FLOAT:
        want = dtypes.get_default_dtype()
    return as_tensor_like(x, like, want), as_tensor_like(y, like, want)


class BinaryOp(Op):
    """``z = kernel(a, b)`` with broadcasting; ``derivative`` gives both gradients."""

    @classmethod
    def forward(cls, ctx: Node, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return ctx.call(a, b)

    @classmethod
    def backward(cls, ctx: Node, g: Tensor) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        ga, gb = cls.derivative(ctx, g, a, b)  # type: ignore[attr-defined]
        return (
            None if ga is None else unbroadcast(ga, a.shape),
            None if gb is None else unbroadcast(gb, b.shape),
        )


class Add(Op):
    name = "add"
    kernel = staticmethod(lambda xp, a, b: a + b)

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.sa, ctx.sb = a.shape, b.shape
        return ctx.call(a, b)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, Any]:
        sa, sb = ctx.sa, ctx.sb
        ea, eb = ctx.next_edges
        return (
            None if ea is None else unbroadcast(g, sa),
            None if eb is None else unbroadcast(g, sb),
        )


class Sub(Op):
    name = "sub"
    kernel = staticmethod(lambda xp, a, b: a - b)

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.sa, ctx.sb = a.shape, b.shape
        return ctx.call(a, b)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, Any]:
        sa, sb = ctx.sa, ctx.sb
        ea, eb = ctx.next_edges
        return (
            None if ea is None else unbroadcast(g, sa),
            None if eb is None else unbroadcast(direct.neg(g), sb),
        )


class Mul(BinaryOp):
    name = "mul"
    kernel = staticmethod(lambda xp, a, b: a * b)

    @staticmethod
    def derivative(ctx: Node, g: Tensor, a: Tensor, b: Tensor) -> tuple[Any, Any]:
        na, nb = ctx.needs_input_grad
        return direct.mul(g, b) if na else None, direct.mul(g, a) if nb else None


class Div(BinaryOp):
    name = "div"
    kernel = staticmethod(lambda xp, a, b: a / b)

    @staticmethod
    def derivative(ctx: Node, g: Tensor, a: Tensor, b: Tensor) -> tuple[Any, Any]:
        na, nb = ctx.needs_input_grad
        ga = direct.div(g, b) if na else None
        # (a / b) / b, as PyTorch: a / (b * b) overflows where b * b does.
        gb = direct.neg(direct.mul(g, direct.div(direct.div(a, b), b))) if nb else None
        return ga, gb


class Pow(BinaryOp):
    name = "pow"
    kernel = staticmethod(lambda xp, a, b: xp.pow(a, b))

    @staticmethod
    def derivative(ctx: Node, g: Tensor, a: Tensor, b: Tensor) -> tuple[Any, Any]:
        na, nb = ctx.needs_input_grad
        ga = direct.mul(direct.mul(g, b), Pow.apply(a, direct.sub(b, 1))) if na else None
        gb = None
        if nb:
            # d/db a**b = a**b log(a); PyTorch defines it as 0 where a == 0 and b >= 0.
            zero_base = a == 0
            safe = direct.where(zero_base, 1, a)
            gb = direct.mul(direct.mul(g, Pow.apply(a, b)), direct.log(safe))
            gb = direct.where(zero_base & (b >= 0), 0, gb)
        return ga, gb


class Maximum(BinaryOp):
    name = "maximum"
    kernel = staticmethod(lambda xp, a, b: xp.maximum(a, b))

    @staticmethod
    def derivative(ctx: Node, g: Tensor, a: Tensor, b: Tensor) -> tuple[Any, Any]:
        return _split_ties(g, a < b, a > b, a == b)


class Minimum(BinaryOp):
    name = "minimum"
    kernel = staticmethod(lambda xp, a, b: xp.minimum(a, b))

    @staticmethod
    def derivative(ctx: Node, g: Tensor, a: Tensor, b: Tensor) -> tuple[Any, Any]:
        return _split_ties(g, a > b, a < b, a == b)


def _split_ties(g: Tensor, a_loses: Tensor, b_loses: Tensor, tie: Tensor) -> tuple[Tensor, Tensor]:
    """The winner gets the gradient, each side half of it on a tie, and a loser 0 even
    when ``g`` is inf; where a NaN makes every comparison false, both get it (PyTorch's
    rule)."""
    shared = direct.where(tie, direct.mul(g, 0.5), g)
    return direct.where(a_loses, 0, shared), direct.where(b_loses, 0, shared)


class ScalarOp(Op):
    """An op of one tensor and one Python number (``x * 2.0``): no scalar tensor is made."""

    @classmethod
    def forward(cls, ctx: Node, a: Any, s: Any) -> Any:
        ctx.scalar = s
        if cls.saves_input:  # type: ignore[attr-defined]
            ctx.save_for_backward(a)
        return ctx.call(a, s)

    @classmethod
    def backward(cls, ctx: Node, g: Tensor) -> tuple[Tensor, None]:
        a = ctx.saved_tensors[0] if cls.saves_input else None  # type: ignore[attr-defined]
        return cls.derivative(g, a, ctx.scalar), None  # type: ignore[attr-defined]


class AddScalar(ScalarOp):
    name, saves_input = "add_scalar", False
    kernel = staticmethod(lambda xp, a, s: a + s)
    derivative = staticmethod(lambda g, a, s: g)


class MulScalar(ScalarOp):
    name, saves_input = "mul_scalar", False
    kernel = staticmethod(lambda xp, a, s: a * s)
    derivative = staticmethod(lambda g, a, s: MulScalar.apply(g, s))


class DivScalar(ScalarOp):
    name, saves_input = "div_scalar", False
    kernel = staticmethod(lambda xp, a, s: a / s)
    derivative = staticmethod(lambda g, a, s: direct.div(g, s))


class RSubScalar(ScalarOp):
    name, saves_input = "rsub_scalar", False
    kernel = staticmethod(lambda xp, a, s: s - a)
    derivative = staticmethod(lambda g, a, s: direct.neg(g))


class RDivScalar(ScalarOp):
    name, saves_input = "rdiv_scalar", True
    kernel = staticmethod(lambda xp, a, s: s / a)

    @staticmethod
    def derivative(g: Tensor, a: Tensor, s: Any) -> Tensor:
        # s * (1 / a)**2, as PyTorch's reciprocal: a * a overflows where 1 / a does not.
        r = direct.div(1, a)
        return direct.neg(direct.mul(g, direct.mul(direct.mul(r, r), s)))


class PowScalar(ScalarOp):
    name, saves_input = "pow_scalar", True

    @staticmethod
    def kernel(xp: Any, a: Any, s: Any) -> Any:
        # x ** 0.5 is sqrt, as in PyTorch: they differ at -0.0 and -inf.
        return xp.sqrt(a) if s == 0.5 else a**s

    @staticmethod
    def derivative(g: Tensor, a: Tensor, s: Any) -> Tensor:
        if s == 0:
            return direct.zeros_like(g)
        if s == 1:
            return g
        if s == 0.5:  # 0.5 / sqrt(a), as PyTorch: -inf at -0.0, NaN at -inf
            return direct.mul(g, direct.div(0.5, direct.sqrt(a)))
        if s == 2:
            return direct.mul(g, direct.mul(a, 2))
        return direct.mul(g, direct.mul(direct.pow(a, s - 1), s))


class RPowScalar(ScalarOp):
    name, saves_input = "rpow_scalar", True
    kernel = staticmethod(lambda xp, a, s: s**a)

    @staticmethod
    def derivative(g: Tensor, a: Tensor, s: Any) -> Tensor:
        if s > 0:
            return direct.mul(g, direct.mul(RPowScalar.apply(a, s), math.log(s)))
        return direct.mul(g, 0)


def _scalar_fast(x: Any, s: Any) -> bool:
    """Whether ``x op s`` keeps x's dtype, so the scalar can stay a Python number."""
    kind = type(s)
    if kind is float:
        return isinstance(x, Tensor) and _category_of(x._data.dtype) == _FLOAT
    if kind is int:
        return isinstance(x, Tensor) and _category_of(x._data.dtype) >= dtypes.INTEGER
    return False


_category_of = dtypes.category_of


def add(input: Any, other: Any, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``input + alpha * other`` with broadcasting and PyTorch's type promotion."""
    if alpha != 1:
        other = other * alpha
    if _scalar_fast(input, other):
        return AddScalar.apply(input, other)
    if _scalar_fast(other, input):
        return AddScalar.apply(other, input)
    a, b = _promoted_operands("add", input, other)
    if a._data.shape != b._data.shape:
        broadcast_shapes("add", a.shape, b.shape)
    return Add.apply(a, b)


def sub(input: Any, other: Any, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``input - alpha * other`` with broadcasting."""
    if alpha != 1:
        other = other * alpha
    if _scalar_fast(input, other):
        return AddScalar.apply(input, -other)
    if _scalar_fast(other, input):
        return RSubScalar.apply(other, input)
    a, b = _promoted_operands("sub", input, other)
    if a.dtype is dtypes.bool_:
        raise _bool_arith("sub")
    if a._data.shape != b._data.shape:
        broadcast_shapes("sub", a.shape, b.shape)
    return Sub.apply(a, b)


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * other`` with broadcasting."""
    if _scalar_fast(input, other):
        return MulScalar.apply(input, other)
    if _scalar_fast(other, input):
        return MulScalar.apply(other, input)
    return _binary(Mul, input, other)


def div(input: Any, other: Any, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """True division (integers give floats), or ``rounding_mode="floor"|"trunc"``."""
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        q = trunc(_binary(Div, input, other, float_result=True))
        d = dtypes.result_type(input, other)
        return q if d.category == _FLOAT else cast(q, d)
    if rounding_mode is not None:
        raise ValueError(
            f"div: unknown rounding_mode={rounding_mode!r}; choose None, 'floor' or 'trunc'"
        )
    if _scalar_fast(input, other) and input.dtype.category == _FLOAT:
        return DivScalar.apply(input, other)
    if _scalar_fast(other, input) and other.dtype.category == _FLOAT:
        return RDivScalar.apply(other, input)
    return _binary(Div, input, other, float_result=True)


def floor_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input // other``: floor of the quotient, keeping integer dtypes."""
    a, b = _promoted_operands("floor_divide", input, other)
    return FloorDivide.apply(a, b)


class FloorDivide(Op):
    name = "floor_divide"
    kernel = staticmethod(lambda xp, a, b: xp.floor_divide(a, b))

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, Any]:
        return None, None


def remainder(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input % other`` with the sign of ``other`` (Python's and PyTorch's rule)."""
    a, b = _promoted_operands("remainder", input, other)
    return a - floor_divide(a, b).detach() * b


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001, A002 - PyTorch's names
    """``input ** exponent`` for tensor or scalar exponents, and scalar ** tensor."""
    if _scalar_fast(input, exponent):
        if input.dtype.category != _FLOAT and exponent < 0:
            raise ValueError(
                "pow: integers to negative integer powers are not allowed: "
                f"exponent={exponent}\nhint: cast the base with .float()"
            )
        return PowScalar.apply(input, exponent)
    if (
        isinstance(input, (int, float))
        and not isinstance(input, bool)
        and isinstance(exponent, Tensor)
    ):
        e = floating(exponent, "pow") if isinstance(input, float) else exponent
        return RPowScalar.apply(e, input)
    return _binary(Pow, input, exponent)


def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise maximum with broadcasting; ties split the gradient evenly."""
    return _binary(Maximum, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise minimum with broadcasting; ties split the gradient evenly."""
    return _binary(Minimum, input, other)


def _binary(op: type[Op], x: Any, y: Any, float_result: bool = False) -> Tensor:
    a, b = _promoted_operands(op.name, x, y, float_result)
    if a._data.shape != b._data.shape:
        broadcast_shapes(op.name, a.shape, b.shape)
    return op.apply(a, b)


def _bool_arith(op: str) -> Exception:
    from crossgrad.core.errors import DTypeError

    return DTypeError(
        f"{op}: not defined for bool tensors",
        hint="use logical_xor / logical_not, or cast with .int() first",
    )


# ====================================================================== comparisons, logic, bits


class NoGradientOp(Op):
    """An op whose result is bool or integer, so it carries no gradient to its inputs."""

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[None, ...]:
        return (None,) * len(ctx.needs_input_grad)


class Compare(NoGradientOp):
    """A comparison or logical op: bool result."""


class Bitwise(NoGradientOp):
    """A bitwise op on integer or bool tensors: a result of their dtype."""


def _op_class(base: type[Op], name: str, kernel: Any) -> type[Op]:
    """The op class ``name`` of ``base`` with ``kernel``, named as its kernel."""
    title = "".join(part.capitalize() for part in name.split("_"))
    return type(title, (base,), {"name": name, "kernel": staticmethod(kernel)})


def _compare(name: str, kernel: Any):  # type: ignore[no-untyped-def]
    op = _op_class(Compare, name, kernel)

    def fn(input: Any, other: Any) -> Tensor:  # noqa: A002
        return _binary(op, input, other)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` with broadcasting; returns a bool tensor."
    return fn


eq = _compare("eq", lambda xp, a, b: a == b)
ne = _compare("ne", lambda xp, a, b: a != b)
lt = _compare("lt", lambda xp, a, b: a < b)
le = _compare("le", lambda xp, a, b: a <= b)
gt = _compare("gt", lambda xp, a, b: a > b)
ge = _compare("ge", lambda xp, a, b: a >= b)


def _truth(xp: Any, a: Any) -> Any:
    """``a != 0`` as bools; a bool array as it is (the array API compares bools with bools
    only, never with the int 0)."""
    return a if dtypes.category_of(a.dtype) == dtypes.BOOL else a != 0


logical_and = _compare("logical_and", lambda xp, a, b: xp.logical_and(_truth(xp, a), _truth(xp, b)))
logical_or = _compare("logical_or", lambda xp, a, b: xp.logical_or(_truth(xp, a), _truth(xp, b)))
logical_xor = _compare("logical_xor", lambda xp, a, b: xp.logical_xor(_truth(xp, a), _truth(xp, b)))


class LogicalNot(Compare):
    name = "logical_not"
    kernel = staticmethod(lambda xp, a: xp.logical_not(_truth(xp, a)))


def logical_not(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise NOT, for any dtype (non-zero is True)."""
    return LogicalNot.apply(expect_tensor(input, "logical_not"))


def _reject_floating(op: str, t: Tensor) -> None:
    if t.dtype.category == _FLOAT:
        from crossgrad.core.errors import DTypeError

        raise DTypeError(
            f"{op}: not defined for floating tensors, received dtype={t.dtype!r}",
            hint="use integer or bool tensors",
        )


def _bitwise(name: str, kernel: Any):  # type: ignore[no-untyped-def]
    op = _op_class(Bitwise, name, kernel)

    def fn(input: Any, other: Any) -> Tensor:  # noqa: A002
        a, b = _promoted_operands(name, input, other)
        _reject_floating(name, a)
        if a._data.shape != b._data.shape:
            broadcast_shapes(name, a.shape, b.shape)
        return op.apply(a, b)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of integer or bool tensors (``&``, ``|``, ``^``)."
    return fn


bitwise_and = _bitwise("bitwise_and", lambda xp, a, b: xp.bitwise_and(a, b))
bitwise_or = _bitwise("bitwise_or", lambda xp, a, b: xp.bitwise_or(a, b))
bitwise_xor = _bitwise("bitwise_xor", lambda xp, a, b: xp.bitwise_xor(a, b))


class BitwiseNot(Bitwise):
    name = "bitwise_not"

    @staticmethod
    def kernel(xp: Any, a: Any) -> Any:
        return xp.logical_not(a) if a.dtype == xp.bool else xp.bitwise_invert(a)


def bitwise_not(input: Tensor) -> Tensor:  # noqa: A002
    """``~input``: logical NOT of bool tensors, bitwise NOT of integers."""
    input = expect_tensor(input, "bitwise_not")
    _reject_floating("bitwise_not", input)
    return BitwiseNot.apply(input)


# ====================================================================== selection


class Where(Op):
    name = "where"
    kernel = staticmethod(lambda xp, c, a, b: xp.where(c, a, b))

    @staticmethod
    def forward(ctx: Node, c: Any, a: Any, b: Any) -> Any:
        ctx.save_for_backward(c)
        ctx.shapes = (a.shape, b.shape)
        return ctx.call(c, a, b)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[None, Any, Any]:
        (c,) = ctx.saved_tensors
        sa, sb = ctx.shapes
        _, na, nb = ctx.needs_input_grad
        return (
            None,
            unbroadcast(direct.where(c, g, 0), sa) if na else None,
            unbroadcast(direct.where(c, 0, g), sb) if nb else None,
        )


def where(condition: Tensor, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Pick ``input`` where ``condition`` holds, else ``other`` (broadcasting all three)."""
    condition = expect_tensor(condition, "where", "condition")
    if condition.dtype is not dtypes.bool_:
        condition = condition != 0
    a, b = (
        _promoted_operands("where", input, other)
        if isinstance(input, Tensor) or isinstance(other, Tensor)
        else _promoted_operands("where", as_tensor_like(input, condition), other)
    )
    broadcast_shapes("where", condition.shape, a.shape, b.shape)
    return Where.apply(condition, a, b)


class Clamp(Op):
    name = "clamp"

    @staticmethod
    def kernel(xp: Any, x: Any, lo: Any, hi: Any) -> Any:
        if lo is not None:
            x = xp.maximum(x, xp.asarray(lo, dtype=x.dtype))
        if hi is not None:
            x = xp.minimum(x, xp.asarray(hi, dtype=x.dtype))
        return x

    @staticmethod
    def forward(ctx: Node, x: Any, lo: Any, hi: Any) -> Any:
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        return ctx.call(x, lo, hi)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Tensor, None, None]:
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        keep = None
        if lo is not None:
            keep = x >= lo
        if hi is not None:
            keep = (x <= hi) if keep is None else keep & (x <= hi)
        # A select: an inf gradient outside [lo, hi] gives 0, as in PyTorch.
        return (g if keep is None else direct.where(keep, g, 0)), None, None


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001, A002
    """Limit values to ``[min, max]``; the gradient passes where the input is inside."""
    input = expect_tensor(input, "clamp")
    if min is None and max is None:
        raise ValueError(
            "clamp: at least one of min and max must be given\nhint: pass min=, max= or both"
        )
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if input.dtype.category != _FLOAT and any(isinstance(v, float) for v in (min, max)):
        input = floating(input, "clamp")
    return Clamp.apply(input, min, max)


clip = clamp
