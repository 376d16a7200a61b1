"""Linear algebra: matmul (every rank, batched, broadcast), mm, bmm, mv, dot, outer, einsum.

Two ops carry everything: ``MatMul`` on operands of at least 2 dims (kernel ``matmul``;
vectors are reshaped to matrices around it, as PyTorch defines them) and ``Einsum`` on a
normalised equation (kernel ``einsum``). Both backward passes are the same ops again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.function import Node, Op
from crossgrad.ops import direct
from crossgrad.ops._util import Tensor, broadcast_shapes, cast, expect_tensor, unbroadcast

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "einsum"]


# ====================================================================== matmul


class MatMul(Op):
    """``a @ b`` for operands of at least 2 dims, batch dims broadcasting."""

    name = "matmul"
    kernel = staticmethod(lambda xp, a, b: xp.matmul(a, b))

    @staticmethod
    def forward(ctx: Node, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return ctx.call(a, b)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, Any]:
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = unbroadcast(MatMul.apply(g, direct.matrix_transpose(b)), a.shape) if na else None
        gb = None
        if nb:
            if b.ndim == 2 and a.ndim > 2:
                # x @ W with a batch of x: fold the batch into rows, one matrix product.
                rows = math.prod(a.shape[:-1])
                a2 = direct.reshape(a, (rows, a.shape[-1]))
                gb = MatMul.apply(
                    direct.matrix_transpose(a2), direct.reshape(g, (rows, g.shape[-1]))
                )
            else:
                gb = unbroadcast(MatMul.apply(direct.matrix_transpose(a), g), b.shape)
        return ga, gb


def _matrix_operands(op: str, x: Any, y: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of their promoted dtype; bool and 0-d ones are refused."""
    x = expect_tensor(x, op, "x")
    y = expect_tensor(y, op, "y")
    if x.ndim == 0 or y.ndim == 0:
        raise ShapeError(
            f"{op}: both operands need at least 1 dim: x.shape={x.shape}, y.shape={y.shape}",
            hint="use * to multiply by a 0-d tensor",
        )
    want = dtypes.result_type(x, y)
    if want is dtypes.bool_:
        raise DTypeError(f"{op}: not defined for bool tensors", hint="cast with .int() or .float()")
    return cast(x, want), cast(y, want)


def _inner_mismatch(op: str, x: Tensor, y: Tensor) -> ShapeError:
    name, k = ("y.shape[-2]", y.shape[-2]) if y.ndim > 1 else ("y.shape[0]", y.shape[0])
    return ShapeError(
        f"{op}: inner dimensions differ: x.shape={x.shape}, y.shape={y.shape}",
        hint=f"x.shape[-1] ({x.shape[-1]}) must equal {name} ({k}); "
        "transpose or reshape one operand",
    )


def _matmul(op: str, x: Tensor, y: Tensor) -> Tensor:
    if x.shape[-1] != y.shape[-2 if y.ndim > 1 else 0]:
        raise _inner_mismatch(op, x, y)
    if x.ndim > 2 or y.ndim > 2:
        broadcast_shapes(op, x.shape[:-2], y.shape[:-2])
    if x.ndim > 1 and y.ndim > 1:
        return MatMul.apply(x, y)
    # A vector is a matrix of one row (left) or one column (right), removed again after.
    a = x.reshape(1, x.shape[0]) if x.ndim == 1 else x
    b = y.reshape(y.shape[0], 1) if y.ndim == 1 else y
    out = MatMul.apply(a, b)
    shape = out.shape
    if y.ndim == 1:
        shape = shape[:-1]
    if x.ndim == 1:
        shape = shape[:-2] + shape[-1:] if y.ndim > 1 else shape[:-1]
    return out.reshape(shape)


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002 - PyTorch's names
    """Matrix product of any ranks, as ``torch.matmul``: vectors, matrices, broadcast batches.

    >>> import crossgrad
    >>> a = crossgrad.ones(5, 1, 2, 3)
    >>> b = crossgrad.ones(4, 3, 6)
    >>> (a @ b).shape, (crossgrad.ones(3) @ crossgrad.ones(3)).shape
    ((5, 4, 2, 6), ())
    """
    x, y = _matrix_operands("matmul", input, other)
    return _matmul("matmul", x, y)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Product of two matrices (2-D only; use ``matmul`` for batches and vectors)."""
    x, y = _matrix_operands("mm", input, mat2)
    if x.ndim != 2 or y.ndim != 2:
        raise ShapeError(
            f"mm: expected 2-D tensors, received x.shape={x.shape}, y.shape={y.shape}",
            hint="use matmul (or bmm) for other ranks",
        )
    return _matmul("mm", x, y)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    """Batched product of 3-D tensors with equal batch sizes (no broadcasting)."""
    x, y = _matrix_operands("bmm", input, mat2)
    if x.ndim != 3 or y.ndim != 3:
        raise ShapeError(
            f"bmm: expected 3-D tensors, received x.shape={x.shape}, y.shape={y.shape}",
            hint="use matmul for other ranks",
        )
    if x.shape[0] != y.shape[0]:
        raise ShapeError(
            f"bmm: batch sizes differ: x.shape={x.shape}, y.shape={y.shape}",
            hint="bmm does not broadcast; use matmul, or expand the batch dim",
        )
    return _matmul("bmm", x, y)


def mv(input: Tensor, vec: Tensor) -> Tensor:  # noqa: A002
    """Product of a matrix and a vector."""
    x, y = _matrix_operands("mv", input, vec)
    if x.ndim != 2 or y.ndim != 1:
        raise ShapeError(
            f"mv: expected a 2-D and a 1-D tensor, received x.shape={x.shape}, y.shape={y.shape}",
            hint="use matmul for other ranks",
        )
    return _matmul("mv", x, y)


def dot(input: Tensor, tensor: Tensor) -> Tensor:  # noqa: A002
    """Inner product of two 1-D tensors of equal length (a 0-d result).

    >>> import crossgrad
    >>> crossgrad.dot(crossgrad.tensor([1.0, 2.0]), crossgrad.tensor([3.0, 4.0]))
    tensor(11.)
    """
    x, y = _matrix_operands("dot", input, tensor)
    if x.ndim != 1 or y.ndim != 1:
        raise ShapeError(
            f"dot: expected 1-D tensors, received x.shape={x.shape}, y.shape={y.shape}",
            hint="use matmul, or flatten with reshape(-1)",
        )
    if x.shape != y.shape:
        raise ShapeError(
            f"dot: sizes differ: x.shape={x.shape}, y.shape={y.shape}",
            hint="both vectors need the same length",
        )
    return _matmul("dot", x, y)


def outer(input: Tensor, vec2: Tensor) -> Tensor:  # noqa: A002
    """Outer product of two 1-D tensors: ``out[i, j] = x[i] * y[j]``."""
    x, y = _matrix_operands("outer", input, vec2)
    if x.ndim != 1 or y.ndim != 1:
        raise ShapeError(
            f"outer: expected 1-D tensors, received x.shape={x.shape}, y.shape={y.shape}",
            hint="flatten with reshape(-1) first",
        )
    return x.reshape(x.shape[0], 1) * y.reshape(1, y.shape[0])


# ====================================================================== einsum


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class Einsum(Op):
    """Einstein summation on a normalised equation: explicit output, each letter at most
    once per operand, equal sizes for equal letters (so no broadcasting inside)."""

    name = "einsum"

    @staticmethod
    def kernel(xp: Any, *arrays: Any, equation: str) -> Any:
        if hasattr(xp, "einsum"):
            out = xp.einsum(equation, *arrays)
        else:
            out = _einsum_portable(xp, equation, *arrays)
        # One operand ("ij->ji", "ii->i") can come back as a view: results own their memory.
        return xp.asarray(out, copy=True) if len(arrays) == 1 else out

    @staticmethod
    def forward(ctx: Node, *arrays: Any, equation: str) -> Any:
        ctx.equation = equation
        ctx.save_for_backward(*arrays)
        return ctx.call(*arrays, equation=equation)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, ...]:
        ins, out = _split(ctx.equation)
        operands = ctx.saved_tensors
        grads: list[Any] = []
        for i, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            # d(out)/d(operand i): the same contraction with g in operand i's place.
            others = [j for j in range(len(ins)) if j != i]
            present = set(out).union(*(ins[j] for j in others))
            target = "".join(c for c in ins[i] if c in present)
            eq = ",".join([out, *(ins[j] for j in others)]) + "->" + target
            gi = Einsum.apply(g, *(operands[j] for j in others), equation=eq)
            if target != ins[i]:
                # Letters summed inside operand i alone: its gradient is constant along them.
                shape = operands[i].shape
                kept = tuple(n if c in present else 1 for c, n in zip(ins[i], shape))
                gi = gi.reshape(kept).expand(shape)
            grads.append(gi)
        return tuple(grads)


def _split(equation: str) -> tuple[list[str], str]:
    lhs, out = equation.split("->")
    return lhs.split(","), out


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum``: implicit or explicit output, ``...``,
    size-1 broadcasting and repeated subscripts (diagonals, traces).

    >>> import crossgrad
    >>> a, b = crossgrad.ones(2, 3), crossgrad.ones(3, 4)
    >>> crossgrad.einsum("ij,jk->ik", a, b).shape, crossgrad.einsum("ii", crossgrad.eye(3))
    ((2, 4), tensor(3.))
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = [expect_tensor(t, "einsum", f"operands[{i}]") for i, t in enumerate(operands)]
    ins, out = _parse(equation, [t.ndim for t in tensors])
    tensors = [_diagonal(t, s) for t, s in zip(tensors, ins)]
    ins = [_unique(s) for s in ins]
    sizes: dict[str, int] = {}
    for i, (s, t) in enumerate(zip(ins, tensors)):
        for c, n in zip(s, t.shape):
            if sizes.get(c, 1) == 1:
                sizes[c] = n
            elif n not in (1, sizes[c]):
                raise ShapeError(
                    f"einsum: subscript {c!r} has sizes {sizes[c]} and {n}: operand {i} "
                    f"has shape={t.shape} for subscripts {s!r}",
                    hint="sizes of one subscript must match (or be 1, to broadcast)",
                )
    tensors = [t.expand(tuple(sizes[c] for c in s)) for s, t in zip(ins, tensors)]
    if tensors:
        want = dtypes.result_type(*tensors)
        tensors = [cast(t, want) for t in tensors]
    return Einsum.apply(*tensors, equation=",".join(ins) + "->" + out)


def _parse(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """Check an equation against the operands' ranks; spell out ``...`` and the output."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    if "->" in out:
        raise ShapeError(
            f"einsum: more than one '->' in equation={equation!r}",
            hint="write inputs, one '->', then the output: 'ij,jk->ik'",
        )
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        raise ShapeError(
            f"einsum: the equation has {len(terms)} operand(s) but "
            f"{len(ndims)} were given: equation={equation!r}",
            hint="give one comma-separated term per operand",
        )
    for term in [*terms, out]:
        bad = sorted(set(term.replace("...", "")) - set(_LETTERS))
        if bad or term.count("...") > 1:
            raise ShapeError(
                f"einsum: invalid subscripts {term!r} in equation={equation!r}",
                hint="use letters a-z, A-Z and at most one '...' per term",
            )
    used = set(lhs.replace("...", "").replace(",", ""))
    fresh = [c for c in _LETTERS if c not in used]
    ellipsis_ndim = 0
    for i, (term, ndim) in enumerate(zip(terms, ndims)):
        named = len(term.replace("...", ""))
        if named > ndim or ("..." not in term and named != ndim):
            raise ShapeError(
                f"einsum: operand {i} has {ndim} dims but subscripts {term!r}",
                hint="give one subscript per dim, or '...' for the leading ones",
            )
        if "..." in term:
            ellipsis_ndim = max(ellipsis_ndim, ndim - named)
    if ellipsis_ndim > len(fresh):
        raise ShapeError(
            "einsum: too many dims under '...' for the letters left",
            hint="name some dims explicitly",
        )
    ell = "".join(fresh[:ellipsis_ndim])
    ins = []
    for term, ndim in zip(terms, ndims):
        k = ndim - len(term.replace("...", ""))
        ins.append(term.replace("...", ell[len(ell) - k :] if k else ""))
    if not arrow:
        counts = {c: lhs.count(c) for c in used}
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    else:
        out = out.replace("...", ell)
        for c in out:
            if c not in used and c not in ell:
                raise ShapeError(
                    f"einsum: output subscript {c!r} appears in no input: equation={equation!r}",
                    hint="every output subscript must appear in some input",
                )
            if out.count(c) > 1:
                raise ShapeError(
                    f"einsum: output subscript {c!r} appears twice: equation={equation!r}",
                    hint="list each output subscript once",
                )
    return ins, out


def _unique(subscripts: str) -> str:
    return "".join(dict.fromkeys(subscripts))


def _diagonal(t: Tensor, subscripts: str) -> Tensor:
    """Take the diagonal over each repeated subscript (``ii->i``); dims end in _unique order."""
    current = subscripts
    while len(set(current)) != len(current):
        c = next(c for c in current if current.count(c) > 1)
        at = [i for i, s in enumerate(current) if s == c]
        sizes = {t.shape[i] for i in at}
        if len(sizes) > 1:
            raise ShapeError(
                f"einsum: repeated subscript {c!r} on dims of different sizes: "
                f"shape={t.shape}, subscripts={subscripts!r}",
                hint="a diagonal needs equal sizes",
            )
        rest = [i for i in range(len(current)) if i not in at]
        t = t.permute(*at, *rest)
        diag = np.arange(t.shape[0])
        t = t[(diag,) * len(at)]
        current = c + "".join(current[i] for i in rest)
    order = [current.index(c) for c in _unique(subscripts)]
    if order != list(range(len(order))):
        t = t.permute(*order)
    return t


def _einsum_portable(xp: Any, equation: str, *arrays: Any) -> Any:
    """Einsum from array-API ops: operands contracted pairwise with ``matmul``."""
    ins, out = _split(equation)
    pending = list(zip(ins, arrays))
    subs, acc = pending.pop(0)
    while pending:
        s, a = pending.pop(0)
        keep = set(out).union(*(p for p, _ in pending))
        subs, acc = _contract(xp, subs, acc, s, a, keep)
    subs, acc = _sum_out(xp, subs, acc, set(out))
    return xp.permute_dims(acc, tuple(subs.index(c) for c in out))


def _sum_out(xp: Any, subs: str, a: Any, keep: set[str]) -> tuple[str, Any]:
    axes = tuple(i for i, c in enumerate(subs) if c not in keep)
    if not axes:
        return subs, a
    return "".join(c for c in subs if c in keep), xp.sum(a, axis=axes)


def _contract(xp: Any, sa: str, a: Any, sb: str, b: Any, keep: set[str]) -> tuple[str, Any]:
    """Contract two operands, keeping the letters in ``keep``: one batched matmul."""
    sa, a = _sum_out(xp, sa, a, keep | set(sb))
    sb, b = _sum_out(xp, sb, b, keep | set(sa))
    batch = [c for c in sa if c in sb and c in keep]
    summed = [c for c in sa if c in sb and c not in keep]
    only_a = [c for c in sa if c not in sb]
    only_b = [c for c in sb if c not in sa]
    size = dict(zip(sa, a.shape)) | dict(zip(sb, b.shape))

    def prod(letters: list[str]) -> int:
        n = 1
        for c in letters:
            n *= size[c]
        return n

    a = xp.permute_dims(a, tuple(sa.index(c) for c in batch + only_a + summed))
    b = xp.permute_dims(b, tuple(sb.index(c) for c in batch + summed + only_b))
    a = xp.reshape(a, (prod(batch), prod(only_a), prod(summed)))
    b = xp.reshape(b, (prod(batch), prod(summed), prod(only_b)))
    letters = batch + only_a + only_b
    result = xp.reshape(xp.matmul(a, b), tuple(size[c] for c in letters))
    return "".join(letters), result


# ====================================================================== linear layers
# linear and bilinear are torch.nn.functional's, not crossgrad.<name>: not in __all__.


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias``, with ``weight`` of shape (out_features, in_features)."""
    input = expect_tensor(input, "linear")
    weight = expect_tensor(weight, "linear", "weight")
    if weight.ndim not in (1, 2) or input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise ShapeError(
            f"linear: input features do not match the weight: input.shape={input.shape}, "
            f"weight.shape={weight.shape}",
            hint="weight must have shape (out_features, in_features) with in_features = "
            "input.shape[-1]",
        )
    out_features = weight.shape[0] if weight.ndim == 2 else ()
    if bias is not None:
        bias = expect_tensor(bias, "linear", "bias")
        if bias.ndim > 1 or (bias.ndim == 1 and bias.shape != (out_features,)):
            raise ShapeError(
                f"linear: bias does not match the weight: bias.shape={bias.shape}, "
                f"weight.shape={weight.shape}",
                hint="bias must have shape (out_features,)",
            )
    out = matmul(input, weight.T if weight.ndim == 2 else weight)
    return out if bias is None else out + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y[..., o] = input1[...] @ weight[o] @ input2[...] + bias[o]``.

    ``weight`` is (out_features, in1_features, in2_features); the inputs share their
    leading dims.

    >>> import crossgrad
    >>> bilinear(crossgrad.ones(2, 3), crossgrad.ones(2, 4), crossgrad.ones(5, 3, 4)).shape
    (2, 5)
    """
    input1 = expect_tensor(input1, "bilinear", "input1")
    input2 = expect_tensor(input2, "bilinear", "input2")
    weight = expect_tensor(weight, "bilinear", "weight")
    if (
        weight.ndim != 3
        or input1.ndim == 0
        or input2.ndim == 0
        or input1.shape[:-1] != input2.shape[:-1]
        or input1.shape[-1] != weight.shape[1]
        or input2.shape[-1] != weight.shape[2]
    ):
        raise ShapeError(
            f"bilinear: input shapes do not fit the weight: input1.shape={input1.shape}, "
            f"input2.shape={input2.shape}, weight.shape={weight.shape}",
            hint="weight must be (out, in1, in2) with in1 = input1.shape[-1], "
            "in2 = input2.shape[-1], and the inputs' leading dims equal",
        )
    out, in1, in2 = weight.shape
    if bias is not None:
        bias = expect_tensor(bias, "bilinear", "bias")
        if bias.shape != (out,):
            raise ShapeError(
                f"bilinear: bias does not match the weight: bias.shape="
                f"{bias.shape}, weight.shape={weight.shape}",
                hint="bias must have shape (out_features,)",
            )
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    # (N, in1) @ (in1, out * in2) -> (N, out, in2), then contract in2 with x2.
    left = matmul(x1, weight.permute(1, 0, 2).reshape(in1, out * in2))
    y = (left.reshape(-1, out, in2) * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out)
