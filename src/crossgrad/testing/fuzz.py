"""Differential fuzzing: random op programs run on crossgrad, a NumPy float64 reference and
PyTorch, forward values and every input gradient compared.

A :class:`Program` is data: leaf tensors (0-d and empty shapes included, values with 0,
±inf and NaN when ``edge`` is set) and a list of steps, each an op of :data:`OPS` applied to
earlier values. The output is the sum of every value no step consumed, so every op reaches
it. The same program replays on any crossgrad backend, on PyTorch (each op's function takes
the module, ``crossgrad`` or ``torch``, since crossgrad follows PyTorch's API) and, for the
forward values, on NumPy (each op's ``reference``).

:func:`check` reports each disagreement: forward values against the NumPy reference,
gradients against PyTorch where it is installed, against central differences of the NumPy
reference where the program is smooth (one-sided and finer differences agree), and
against crossgrad's default backend on every other backend. Differences crossgrad keeps on
purpose are data, in :data:`INTENTIONAL`, each with its reason (listed in ``docs/differences.md``).

Run many programs outside pytest (the tests use hypothesis, with the same generator)::

    python -m crossgrad.testing.fuzz --programs 2000 --backends numpy,jax [--seed 0]
"""

from __future__ import annotations

import argparse
import functools
import math
import random
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.special

import crossgrad
from crossgrad.backends import DEFAULT
from crossgrad.testing.compare import assert_close

__all__ = ["OPS", "INTENTIONAL", "Program", "Step", "generate", "check", "RandomSource"]


# ====================================================================== the ops


@dataclass(frozen=True)
class OpKind:
    """One op the fuzzer draws: ``fn(module, *tensors, **params)`` runs it on crossgrad or
    torch, ``reference(*arrays, **params)`` on NumPy float64; ``params(shapes, source)``
    draws its parameters for operands of ``shapes``, or returns None where it does not apply.
    """

    name: str
    arity: int
    fn: Callable[..., Any]
    reference: Callable[..., Any]
    params: Callable[[list[tuple[int, ...]], Any], dict[str, Any] | None]


def _any(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any]:
    return {}


def _broadcastable(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return None
    return {}


def _a_dim(nonempty: bool = False, keepdim: bool = True) -> Callable[..., Any]:
    def draw(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
        (shape,) = shapes
        if not shape:
            return None
        dim = source.integer(-len(shape), len(shape) - 1)
        if nonempty and shape[dim] == 0:
            return None
        return {"dim": dim, "keepdim": source.integer(0, 1) == 1} if keepdim else {"dim": dim}

    return draw


def _nonempty(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    return {} if math.prod(shapes[0]) > 0 else None


def _matrix(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    return {} if len(shapes[0]) >= 2 else None


def _vector_or_more(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    return {} if len(shapes[0]) >= 1 else None


def _first_row(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    return {} if shapes[0] and shapes[0][0] > 0 else None


def _same_shape(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    return {} if shapes[0] == shapes[1] else None


def _cat_dim0(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    a, b = shapes
    return {} if a and b and len(a) == len(b) and a[1:] == b[1:] else None


def _matmul(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    a, b = shapes
    if len(a) not in (1, 2) or len(b) not in (1, 2):
        return None
    return {} if a[-1] == b[0 if len(b) == 1 else -2] else None


def _sign(x: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), 0.0, np.sign(x))


def _softmax(x: np.ndarray, dim: int) -> np.ndarray:
    if x.shape[dim] == 0:
        return x.copy()
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def _log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    if x.shape[dim] == 0:
        return x.copy()
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def _norm(x: np.ndarray) -> np.ndarray:
    # One element's norm is its magnitude (x * x would underflow at 1e-300), as in PyTorch.
    return np.abs(x).sum() if x.size == 1 else np.sqrt(np.sum(x * x))


def _vectors(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
    return {} if len(shapes[0]) == 1 and len(shapes[1]) == 1 else None


def _layer_norm(x: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5)


def _same_shape_loss(mean: bool) -> Callable[..., dict[str, Any] | None]:
    def draw(shapes: list[tuple[int, ...]], source: Any) -> dict[str, Any] | None:
        if shapes[0] != shapes[1] or (mean and math.prod(shapes[0]) == 0):
            return None  # PyTorch's mean over nothing is NaN with a warning: not drawn
        return {"reduction": ("mean", "sum", "none")[source.integer(0, 2)]}

    return draw


def _reduced(loss: np.ndarray, reduction: str) -> np.ndarray:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _huber(a: np.ndarray, b: np.ndarray, delta: float) -> np.ndarray:
    d = np.abs(a - b)
    return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


def _bce_with_logits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # PyTorch's arrangement, (1 - b) * a - log_sigmoid(a), so infinite logits match.
    return (1 - b) * a + np.logaddexp(0.0, -a)


_LOSSES = [
    (
        "mse_loss",
        lambda m, a, b, reduction: _f(m).mse_loss(a, b, reduction=reduction),
        lambda a, b, reduction: _reduced((a - b) ** 2, reduction),
        True,
    ),
    (
        "l1_loss",
        lambda m, a, b, reduction: _f(m).l1_loss(a, b, reduction=reduction),
        lambda a, b, reduction: _reduced(np.abs(a - b), reduction),
        True,
    ),
    (
        "smooth_l1_loss",
        lambda m, a, b, reduction: _f(m).smooth_l1_loss(a, b, reduction=reduction),
        lambda a, b, reduction: _reduced(_huber(a, b, 1.0), reduction),
        True,
    ),
    (
        "huber_loss",
        lambda m, a, b, reduction: _f(m).huber_loss(a, b, reduction=reduction, delta=0.5),
        lambda a, b, reduction: _reduced(_huber(a, b, 0.5), reduction),
        True,
    ),
    (
        "bce_with_logits",
        lambda m, a, b, reduction: _f(m).binary_cross_entropy_with_logits(
            a, b, reduction=reduction
        ),
        lambda a, b, reduction: _reduced(_bce_with_logits(a, b), reduction),
        True,
    ),
]


def _f(module: Any) -> Any:
    return module.nn.functional


def _unary(name: str, fn: Callable[..., Any], reference: Callable[..., Any]) -> OpKind:
    return OpKind(name, 1, fn, reference, _any)


def _binary(name: str, fn: Callable[..., Any], reference: Callable[..., Any]) -> OpKind:
    return OpKind(name, 2, fn, reference, _broadcastable)


def _reduction(name: str, reference: Callable[..., Any], nonempty: bool = False) -> OpKind:
    """The Tensor method ``name`` over a drawn dim, with ``reference(x, axis, keepdims)``."""
    return OpKind(
        name,
        1,
        lambda m, x, dim, keepdim: getattr(x, name)(dim, keepdim=keepdim),
        lambda x, dim, keepdim: reference(x, axis=dim, keepdims=keepdim),
        _a_dim(nonempty=nonempty),
    )


_OPS = [
    _unary("neg", lambda m, x: -x, np.negative),
    _unary("abs", lambda m, x: m.abs(x), np.abs),
    _unary("exp", lambda m, x: m.exp(x), np.exp),
    _unary("log", lambda m, x: m.log(x), np.log),
    _unary("sqrt", lambda m, x: m.sqrt(x), np.sqrt),
    _unary("tanh", lambda m, x: m.tanh(x), np.tanh),
    _unary("sigmoid", lambda m, x: m.sigmoid(x), scipy.special.expit),
    _unary("relu", lambda m, x: m.relu(x), lambda x: np.where(x <= 0, 0.0, x)),
    _unary("sin", lambda m, x: m.sin(x), np.sin),
    _unary("cos", lambda m, x: m.cos(x), np.cos),
    _unary("square", lambda m, x: x * x, lambda x: x * x),
    _unary("cube", lambda m, x: x**3, lambda x: x**3),
    _unary("power-half", lambda m, x: x**0.5, lambda x: np.power(x, 0.5)),
    _unary("reciprocal", lambda m, x: 1.0 / x, lambda x: 1.0 / x),
    _unary("clamp", lambda m, x: m.clamp(x, -1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0)),
    _unary("clamp-min", lambda m, x: m.clamp(x, min=0.0), lambda x: np.where(x < 0, 0.0, x)),
    _unary("sign", lambda m, x: m.sign(x), _sign),
    _unary("log1p", lambda m, x: m.log1p(x), np.log1p),
    _unary("expm1", lambda m, x: m.expm1(x), np.expm1),
    _unary("softplus", lambda m, x: _f(m).softplus(x), lambda x: np.logaddexp(0.0, x)),
    _unary("elu", lambda m, x: _f(m).elu(x), lambda x: np.where(x > 0, x, np.expm1(x))),
    _unary("leaky_relu", lambda m, x: _f(m).leaky_relu(x), lambda x: np.where(x > 0, x, 0.01 * x)),
    _unary("silu", lambda m, x: _f(m).silu(x), lambda x: x * scipy.special.expit(x)),
    _unary(
        "gelu",
        lambda m, x: _f(m).gelu(x),
        lambda x: 0.5 * x * (1 + scipy.special.erf(x / math.sqrt(2))),
    ),
    _binary("add", lambda m, a, b: a + b, np.add),
    _binary("sub", lambda m, a, b: a - b, np.subtract),
    _binary("mul", lambda m, a, b: a * b, np.multiply),
    _binary("div", lambda m, a, b: a / b, np.divide),
    _binary("maximum", lambda m, a, b: m.maximum(a, b), np.maximum),
    _binary("minimum", lambda m, a, b: m.minimum(a, b), np.minimum),
    _binary("where", lambda m, a, b: m.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b)),
    OpKind("sum-all", 1, lambda m, x: x.sum(), lambda x: np.sum(x), _any),
    _reduction("sum", np.sum),
    _reduction("mean", np.mean),
    _reduction("amax", np.max, nonempty=True),
    _reduction("amin", np.min, nonempty=True),
    OpKind("max-all", 1, lambda m, x: x.max(), lambda x: np.max(x), _nonempty),
    OpKind(
        "max-dim",
        1,
        lambda m, x, dim, keepdim: x.max(dim, keepdim=keepdim)[0],
        lambda x, dim, keepdim: np.max(x, axis=dim, keepdims=keepdim),
        _a_dim(nonempty=True),
    ),
    _reduction("logsumexp", scipy.special.logsumexp),
    OpKind(
        "softmax",
        1,
        lambda m, x, dim: _f(m).softmax(x, dim),
        _softmax,
        _a_dim(keepdim=False),
    ),
    OpKind(
        "log_softmax",
        1,
        lambda m, x, dim: _f(m).log_softmax(x, dim),
        _log_softmax,
        _a_dim(keepdim=False),
    ),
    _reduction("prod", np.prod),
    OpKind(
        "cumsum",
        1,
        lambda m, x, dim: x.cumsum(dim),
        lambda x, dim: np.cumsum(x, axis=dim),
        _a_dim(keepdim=False),
    ),
    OpKind("norm", 1, lambda m, x: x.norm(), lambda x: _norm(x), _any),
    _reduction("var", functools.partial(np.var, ddof=1)),
    _reduction("std", functools.partial(np.std, ddof=1)),
    OpKind(
        "transpose",
        1,
        lambda m, x: x.transpose(-1, -2),
        lambda x: np.swapaxes(x, -1, -2),
        _matrix,
    ),
    OpKind("flatten", 1, lambda m, x: x.reshape(-1), lambda x: x.reshape(-1), _any),
    OpKind("unsqueeze", 1, lambda m, x: x.unsqueeze(0), lambda x: np.expand_dims(x, 0), _any),
    OpKind("flip", 1, lambda m, x: x.flip(0), lambda x: np.flip(x, 0), _vector_or_more),
    OpKind("index-0", 1, lambda m, x: x[0], lambda x: x[0], _first_row),
    OpKind("mask-select", 1, lambda m, x: x[x > 0], lambda x: x[x > 0], _any),
    OpKind(
        "cat",
        2,
        lambda m, a, b: m.cat([a, b]),
        lambda a, b: np.concatenate([a, b]),
        _cat_dim0,
    ),
    OpKind("stack", 2, lambda m, a, b: m.stack([a, b]), lambda a, b: np.stack([a, b]), _same_shape),
    OpKind("matmul", 2, lambda m, a, b: a @ b, np.matmul, _matmul),
    _unary("erf", lambda m, x: m.erf(x), scipy.special.erf),
    _unary("rsqrt", lambda m, x: m.rsqrt(x), lambda x: 1.0 / np.sqrt(x)),
    _unary("floor", lambda m, x: m.floor(x), np.floor),
    _unary(
        "masked_fill", lambda m, x: x.masked_fill(x < 0, 0.5), lambda x: np.where(x < 0, 0.5, x)
    ),
    OpKind("roll", 1, lambda m, x: x.roll(1, 0), lambda x: np.roll(x, 1, 0), _vector_or_more),
    OpKind(
        "index_select",
        1,
        lambda m, x: x.index_select(0, m.tensor([0, 0])),
        lambda x: np.take(x, [0, 0], axis=0),
        _first_row,
    ),
    OpKind("outer", 2, lambda m, a, b: m.outer(a, b), np.outer, _vectors),
    OpKind(
        "layer_norm",
        1,
        lambda m, x: _f(m).layer_norm(x, x.shape[-1:]),
        _layer_norm,
        _vector_or_more,
    ),
    *(
        OpKind(name, 2, fn, reference, _same_shape_loss(mean))
        for name, fn, reference, mean in _LOSSES
    ),
]
#: The ops the fuzzer draws from, by name.
OPS: dict[str, OpKind] = {op.name: op for op in _OPS}


@dataclass(frozen=True)
class Difference:
    """A disagreement crossgrad keeps on purpose: ``check`` (a prefix: "forward-torch",
    "gradient") says which comparison, ``when(program, values, disagreement)`` which
    (``values``: the reference's), ``reason`` why."""

    name: str
    check: str
    when: Callable[[Any, list[np.ndarray], Any], bool]
    reason: str


def _sign_of_a_zero(program: Any, values: list[np.ndarray], d: Disagreement) -> bool:
    return d.sign_only and any(np.any(v == 0) for v in values)


def _tiny_values_on_a_flushing_backend(program: Any, values: list[np.ndarray], d: Any) -> bool:
    tiny = any(np.any((v != 0) & (np.abs(v) < 1e-150)) for v in values)
    return tiny and crossgrad.get_backend().flushes_subnormals


def _layer_norm_of_huge_values(program: Any, values: list[np.ndarray], d: Any) -> bool:
    return any(
        step.op == "layer_norm" and np.any(np.abs(values[step.operands[0]]) > 1e150)
        for step in program.steps
    )


#: Differences from PyTorch or the reference that crossgrad keeps on purpose (rendered in
#: docs/differences.md).
INTENTIONAL: list[Difference] = [
    Difference(
        "the sign of a zero",
        "",
        _sign_of_a_zero,
        "crossgrad does not promise PyTorch's sign for a zero result: relu(-0.0) and "
        "clamp(-0.0, min=0) are +0.0 (NumPy's maximum; a select that keeps -0.0 is about "
        "10x slower), and JAX sums -0.0 to -0.0 where NumPy and PyTorch give +0.0. Only "
        "1 / x can tell the zeros apart, as +inf against -inf.",
    ),
    Difference(
        "subnormals flushed to zero",
        "gradient",
        _tiny_values_on_a_flushing_backend,
        "backends whose compiler flushes subnormal floats to zero (JAX: XLA does on CPU and "
        "GPU) lose products of values below about 1e-150, which the NumPy backend and "
        "PyTorch keep as subnormals; crossgrad does not emulate them.",
    ),
    Difference(
        "layer_norm of values beyond 1e150",
        "",
        _layer_norm_of_huge_values,
        "crossgrad subtracts the mean before squaring, so the variance of finite values is "
        "finite; PyTorch's one-pass statistics square first and give NaN once x * x "
        "overflows (infinite inputs give NaN in both).",
    ),
]


# ====================================================================== programs


@dataclass(frozen=True)
class Step:
    op: str
    operands: tuple[int, ...]
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Program:
    """Leaves (float64 arrays) and steps; value ``i`` is leaf ``i``, then one per step."""

    leaves: list[np.ndarray]
    steps: list[Step]

    def __str__(self) -> str:
        lines = [f"x{i} = {a.tolist()!r}  # shape {a.shape}" for i, a in enumerate(self.leaves)]
        n = len(self.leaves)
        for i, s in enumerate(self.steps):
            args = ", ".join(f"x{j}" for j in s.operands)
            params = "".join(f", {k}={v!r}" for k, v in s.params.items())
            lines.append(f"x{n + i} = {s.op}({args}{params})")
        return "\n".join(lines)

    def terminals(self) -> list[int]:
        used = {j for s in self.steps for j in s.operands}
        return [i for i in range(len(self.leaves) + len(self.steps)) if i not in used]


class RandomSource:
    """Draws from a seeded ``random.Random`` (the standalone runner's source; the tests
    draw through hypothesis with the same methods)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)


_SPECIALS = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e300, -1e-300, 0.5])


def generate(source: Any, edge: bool, max_steps: int = 10) -> Program:
    """A random program: 1-3 leaves of broadcast-compatible shapes and 3-``max_steps``
    steps; with ``edge``, values include 0, ±inf, NaN and extremes."""
    ndim = source.integer(0, 3)
    base = tuple(source.integer(0, 3) for _ in range(ndim))
    rng = np.random.default_rng(source.integer(0, 2**32 - 1))
    leaves = []
    for _ in range(source.integer(1, 3)):
        drop = source.integer(0, ndim)
        shape = tuple(1 if source.integer(0, 3) == 0 else n for n in base[drop:])
        drawn = rng.uniform(-2.0, 2.0, size=shape)
        if edge:
            special = rng.random(size=shape) < 0.3
            drawn = np.where(special, rng.choice(_SPECIALS, size=shape), drawn)
        leaves.append(np.asarray(drawn, dtype=np.float64))
    values = list(leaves)
    steps: list[Step] = []
    names = list(OPS)
    for _ in range(source.integer(3, max_steps)):
        for _attempt in range(20):
            op = OPS[names[source.integer(0, len(names) - 1)]]
            operands = tuple(source.integer(0, len(values) - 1) for _ in range(op.arity))
            params = op.params([values[j].shape for j in operands], source)
            if params is None:
                continue
            # Run on the real values: a mask's result shape depends on them.
            out = _apply_reference(op, [values[j] for j in operands], params)
            if out is None:
                continue
            steps.append(Step(op.name, operands, params))
            values.append(out)
            break
    return Program(leaves, steps)


def _apply_reference(op: OpKind, arrays: list[np.ndarray], params: dict[str, Any]) -> Any:
    """``op`` on the reference, as a float64 array (None where it does not apply)."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(op.reference(*arrays, **params), dtype=np.float64)
    except (ValueError, IndexError):
        return None


# ====================================================================== running


@dataclass
class Result:
    """Every value of a run (as float64 arrays) and the gradient of each leaf."""

    values: list[np.ndarray]
    grads: list[np.ndarray | None]


def run_reference(program: Program) -> list[np.ndarray]:
    """The forward values of ``program`` on NumPy float64."""
    values = [a.copy() for a in program.leaves]
    for step in program.steps:
        out = _apply_reference(OPS[step.op], [values[j] for j in step.operands], step.params)
        if out is None:  # a perturbed input changed a mask's shape under a later op
            raise ValueError(f"{step.op} does not apply to these values")
        values.append(out)
    return values


def _reference_output(program: Program, leaves: list[np.ndarray]) -> float:
    values = run_reference(Program(leaves, program.steps))
    return float(sum(np.sum(values[i]) for i in program.terminals()))


def run_module(program: Program, module: Any, backend: str | None = None) -> Result:
    """Run ``program`` on ``module`` (``crossgrad``, on ``backend``, or ``torch``)."""
    if module is crossgrad:
        with crossgrad.use_backend(backend or DEFAULT):
            return _run(program, module, lambda a: crossgrad.tensor(a, requires_grad=True))
    return _run(program, module, lambda a: module.tensor(a, requires_grad=True))


def _run(program: Program, module: Any, leaf: Callable[[np.ndarray], Any]) -> Result:
    leaves = [leaf(a) for a in program.leaves]
    values = list(leaves)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for step in program.steps:
            fn = OPS[step.op].fn
            values.append(fn(module, *(values[j] for j in step.operands), **step.params))
        output = sum(values[i].sum() for i in program.terminals())
        output.backward()
    return Result(
        [_host(v) for v in values],
        [None if t.grad is None else _host(t.grad) for t in leaves],
    )


def _host(t: Any) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy())


# ====================================================================== checking


@dataclass(frozen=True)
class Disagreement:
    """One check that failed: which, where, and the comparison's message."""

    check: str  # forward / gradient-torch / gradient-numeric / gradient-backend
    op: str  # the step's op (forward), or the last op on the leaf's path (gradients)
    detail: str
    sign_only: bool = False  # the values differ only in sign where both are 0 or infinite

    def __str__(self) -> str:
        return f"{self.check} at {self.op}: {self.detail}"


def check(program: Program, backend: str, torch: Any = None) -> list[Disagreement]:
    """Run ``program`` on crossgrad's ``backend`` and compare it with the NumPy reference,
    with PyTorch (``torch``, the module, when given), with central differences of the
    reference (smooth programs) and with crossgrad's NumPy backend; disagreements listed in
    :data:`INTENTIONAL` are left out."""
    ours = run_module(program, crossgrad, backend)
    with crossgrad.use_backend(backend):  # the INTENTIONAL conditions ask the backend
        return _check(program, backend, torch, ours)


def _check(program: Program, backend: str, torch: Any, ours: Result) -> list[Disagreement]:
    found: list[Disagreement] = []
    expected = run_reference(program)
    found += _compare_values("forward", program, ours.values, expected)
    if torch is not None:
        theirs = run_module(program, torch)
        found += _compare_values("forward-torch", program, ours.values, theirs.values)
        found += _compare_grads("gradient-torch", program, ours, theirs)
    elif _moderate(expected):
        numeric = _numeric_grads(program)
        if numeric is not None:
            found += _compare_grads("gradient-numeric", program, ours, numeric, 1e-4, 1e-6)
    if backend != DEFAULT:
        base = run_module(program, crossgrad, DEFAULT)
        found += _compare_grads("gradient-backend", program, ours, base)
    return [d for d in found if not _intentional(d, program, expected)]


def _compare_values(
    check: str, program: Program, ours: list[np.ndarray], theirs: list[np.ndarray]
) -> list[Disagreement]:
    """The first step whose value differs (later values inherit it)."""
    n = len(program.leaves)
    for i, step in enumerate(program.steps):
        found = _disagreement(check, step.op, "", ours[n + i], theirs[n + i])
        if found:
            return [found]
    return []


def _compare_grads(
    check: str,
    program: Program,
    ours: Result,
    theirs: Result,
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> list[Disagreement]:
    found = []
    for i, (a, b) in enumerate(zip(ours.grads, theirs.grads)):
        a = np.zeros(program.leaves[i].shape) if a is None else a
        b = np.zeros(program.leaves[i].shape) if b is None else b
        d = _disagreement(check, _last_op(program, i), f"x{i}.grad: ", a, b, rtol, atol)
        if d:
            found.append(d)
    return found


def _last_op(program: Program, leaf: int) -> str:
    """The last op whose operands include ``leaf`` or its descendants (a hint of where a
    gradient went wrong)."""
    reached = {leaf}
    last = "leaf"
    n = len(program.leaves)
    for i, step in enumerate(program.steps):
        if reached & set(step.operands):
            reached.add(n + i)
            last = step.op
    return last


def _disagreement(
    check: str,
    op: str,
    what: str,
    actual: Any,
    expected: Any,
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> Disagreement | None:
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    if actual.shape != expected.shape:
        return Disagreement(check, op, f"{what}shape {actual.shape} != {expected.shape}")
    try:
        assert_close(actual, expected, rtol=rtol, atol=atol)
    except AssertionError as exc:
        with np.errstate(invalid="ignore"):
            sign_only = bool(np.all((actual == expected) | (actual == -expected)))
        return Disagreement(check, op, what + " ".join(str(exc).split()), sign_only)
    return None


def _moderate(values: Sequence[np.ndarray]) -> bool:
    """Whether every value is finite and below 1e8 in magnitude: beyond, a small step of
    one input vanishes in the rounding of the output, and differences measure nothing."""
    return all(np.all(np.abs(v) < 1e8) for v in values)


def _numeric_grads(program: Program, step: float = 1e-6) -> Result | None:
    """Central differences of the reference output, or None where the one-sided
    differences disagree (a kink, a jump or a tie nearby: no gradient to compare with)."""
    try:
        center = _reference_output(program, program.leaves)
    except ValueError:
        return None
    grads: list[np.ndarray | None] = []
    for i, leaf in enumerate(program.leaves):
        g = np.zeros(leaf.shape)
        for index in np.ndindex(leaf.shape):
            h = step * max(1.0, abs(float(leaf[index])))  # relative, so 1e300 moves at all
            plus, minus = [a.copy() for a in program.leaves], [a.copy() for a in program.leaves]
            plus[i][index] += h
            minus[i][index] -= h
            try:
                up, down = _reference_output(program, plus), _reference_output(program, minus)
            except ValueError:  # a mask changed shape
                return None
            try:  # a tenth of the step: a jump's difference grows tenfold, a slope's not
                plus[i][index] -= 0.9 * h
                minus[i][index] += 0.9 * h
                fine = _reference_output(program, plus) - _reference_output(program, minus)
            except ValueError:
                return None
            estimates = ((up - center) / h, (center - down) / h, fine / (0.2 * h))
            if not all(math.isfinite(e) for e in estimates):
                return None
            if max(estimates) - min(estimates) > 1e-3 * (1 + abs(estimates[0])):
                return None
            g[index] = (up - down) / (2 * h)
        grads.append(g)
    return Result([], grads)


def _intentional(d: Disagreement, program: Program, values: list[np.ndarray]) -> bool:
    return any(d.check.startswith(x.check) and x.when(program, values, d) for x in INTENTIONAL)


# ====================================================================== the runner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--programs", type=int, default=1000)
    parser.add_argument("--backends", default=DEFAULT)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--show", type=int, default=3, help="programs to print per class")
    args = parser.parse_args(argv)
    torch = None
    if not args.no_torch:
        try:
            import torch  # type: ignore[import-not-found, no-redef, unused-ignore]
        except ImportError:
            print("PyTorch is not installed: gradients are checked numerically instead")
    for backend in args.backends.split(","):
        classes: Counter[str] = Counter()
        shown: Counter[str] = Counter()
        failed = errors = 0
        for k in range(args.programs):
            edge = k % 2 == 1
            program = generate(RandomSource(args.seed * 1_000_003 + k), edge)
            try:
                found = check(program, backend, torch)
            except Exception as exc:  # noqa: BLE001 - a crash is a finding too
                found = [Disagreement("crash", type(exc).__name__, str(exc).splitlines()[0])]
                errors += 1
            if found:
                failed += 1
                for d in {(d.check, d.op) for d in found}:
                    key = f"{d[0]} at {d[1]}"
                    classes[key] += 1
                    if shown[key] < args.show:
                        shown[key] += 1
                        print(f"--- {key} (program {k}, edge={edge})\n{program}\n  {found[0]}")
        rate = 100 * failed / max(args.programs, 1)
        print(
            f"\n{backend}: {args.programs} programs, {failed} disagreeing ({rate:.2f} %), "
            f"{errors} crashed"
        )
        for key, count in classes.most_common():
            print(f"  {count:5d}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
