"""The fused ops: each is one :class:`~crossgrad.plugins.Op` with its portable kernel and
backward side by side, and one public function that checks its inputs first.

Forward runs one kernel per backend (this file's portable kernel, or the backend's own from
``jax_kernels`` / ``cupy_kernels``). Backward is written in crossgrad Tensor ops, so it is
differentiable again: second-order gradients work on every backend.
"""

from __future__ import annotations

from typing import Any

import crossgrad
from crossgrad import DTypeError, ShapeError, Tensor
from crossgrad.nn import functional as F
from crossgrad.plugins import Op

__all__ = ["rms_norm", "swiglu", "softmax_cross_entropy"]

REDUCTIONS = ("mean", "sum", "none")


# ====================================================================== rms_norm


class RmsNorm(Op):
    """``x / sqrt(mean(x**2, -1) + eps) * weight``; ``weight`` may be None."""

    name = "fused.rms_norm"

    @staticmethod
    def kernel(xp: Any, x: Any, weight: Any, eps: float) -> Any:
        y = x / xp.sqrt(xp.mean(x * x, axis=-1, keepdims=True) + eps)
        return y if weight is None else y * weight

    @staticmethod
    def forward(ctx: Any, x: Any, weight: Any, eps: float) -> Any:
        ctx.eps = eps
        ctx.save_for_backward(x, weight)
        return ctx.call(x, weight, eps=eps)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        # With r = 1 / sqrt(mean(x**2) + eps) and h = g * weight (the gradient reaching
        # x * r): dx = r * (h - x * r**2 * mean(h * x)), dweight = sum of g * x * r over
        # every dim but the last. r is recomputed from x so that it stays differentiable.
        x, weight = ctx.saved_tensors
        need_x, need_weight = ctx.needs_input_grad
        r = crossgrad.rsqrt((x * x).mean(-1, keepdim=True) + ctx.eps)
        grad_x = grad_weight = None
        if need_x:
            h = g if weight is None else g * weight
            grad_x = r * (h - x * (r * r) * (h * x).mean(-1, keepdim=True))
        if need_weight:
            grad_weight = (g * x * r).reshape(-1, x.shape[-1]).sum(0)
        return grad_x, grad_weight


def rms_norm(x: Tensor, weight: Tensor | None = None, eps: float = 1e-6) -> Tensor:
    """Normalise ``x`` by its root mean square over the last dim, then scale by ``weight``.

    ``y = x / sqrt(mean(x**2, dim=-1, keepdim=True) + eps) * weight``, as
    ``torch.nn.functional.rms_norm(x, x.shape[-1:], weight, eps)``; the signature here
    drops ``normalized_shape`` (always the last dim) and gives ``eps`` a fixed default.

    Args:
        x: floating tensor of shape ``(..., D)``.
        weight: optional per-feature scale of shape ``(D,)`` and ``x``'s dtype.
        eps: added to the mean square, ``>= 0``.

    Raises:
        DTypeError: ``x`` or ``weight`` is not floating, or their dtypes differ.
        ShapeError: ``x`` is 0-d, or ``weight.shape != x.shape[-1:]``.

    >>> import crossgrad
    >>> rms_norm(crossgrad.tensor([[3.0, 4.0]]), eps=0.0)
    tensor([[0.8485, 1.1314]])
    """
    op = RmsNorm.name
    _expect_floating(op, "x", x)
    if x.ndim == 0:
        raise ShapeError(f"{op}: x needs a last dim to normalise over, received "
                         f"x.shape={x.shape}", hint="pass x of shape (..., D)")
    if weight is not None:
        _expect_floating(op, "weight", weight)
        if weight.shape != x.shape[-1:]:
            raise ShapeError(
                f"{op}: weight must hold one value per feature of x's last dim: "
                f"weight.shape={weight.shape}, x.shape={x.shape}",
                hint=f"pass a weight of shape {x.shape[-1:]}")
        _expect_same_dtype(op, ("x", x), ("weight", weight))
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps >= 0:
        raise ValueError(f"{op}: eps must be a number >= 0, received eps={eps!r}\n"
                         "hint: pass e.g. eps=1e-6")
    return RmsNorm.apply(x, weight, eps=float(eps))


# ====================================================================== swiglu


class SwiGLU(Op):
    """``silu(gate) * up = gate * sigmoid(gate) * up``, elementwise."""

    name = "fused.swiglu"

    @staticmethod
    def kernel(xp: Any, gate: Any, up: Any) -> Any:
        # exp of a non-positive number only: no overflow for large |gate|.
        e = xp.exp(-xp.abs(gate))
        sigmoid = xp.where(gate >= 0, 1 / (1 + e), e / (1 + e))
        return gate * sigmoid * up

    @staticmethod
    def forward(ctx: Any, gate: Any, up: Any) -> Any:
        ctx.save_for_backward(gate, up)
        return ctx.call(gate, up)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        # d silu(a) / da = s * (1 + a * (1 - s)) with s = sigmoid(a).
        gate, up = ctx.saved_tensors
        need_gate, need_up = ctx.needs_input_grad
        s = crossgrad.sigmoid(gate)
        grad_gate = g * up * s * (1 + gate * (1 - s)) if need_gate else None
        grad_up = g * gate * s if need_up else None
        return grad_gate, grad_up


def swiglu(gate: Tensor, up: Tensor) -> Tensor:
    """The SwiGLU activation of LLaMA-style MLPs: ``silu(gate) * up``, elementwise.

    ``silu(a) = a * sigmoid(a)``. ``gate`` and ``up`` are the two projections of the
    MLP's input and must have the same shape and floating dtype (no broadcasting).

    Raises:
        DTypeError: an input is not floating, or the dtypes differ.
        ShapeError: the shapes differ.

    >>> import crossgrad
    >>> swiglu(crossgrad.tensor([0.0, 2.0]), crossgrad.tensor([5.0, 3.0]))
    tensor([0.    , 5.2848])
    """
    op = SwiGLU.name
    _expect_floating(op, "gate", gate)
    _expect_floating(op, "up", up)
    if gate.shape != up.shape:
        raise ShapeError(
            f"{op}: gate and up must have the same shape (no broadcasting): "
            f"gate.shape={gate.shape}, up.shape={up.shape}",
            hint="split one projection in two halves, e.g. gate, up = h.chunk(2, dim=-1)")
    _expect_same_dtype(op, ("gate", gate), ("up", up))
    return SwiGLU.apply(gate, up)


# ====================================================================== softmax_cross_entropy


class SoftmaxCrossEntropy(Op):
    """``logsumexp(logits[i]) - logits[i, target[i]]`` per row, then reduced."""

    name = "fused.softmax_cross_entropy"

    @staticmethod
    def kernel(xp: Any, logits: Any, target: Any, reduction: str) -> Any:
        n, c = logits.shape
        row_max = xp.max(logits, axis=1, keepdims=True)
        total = xp.sum(xp.exp(logits - row_max), axis=1)
        logsumexp = xp.log(total) + xp.reshape(row_max, (n,))
        is_target = xp.arange(c, dtype=target.dtype) == xp.reshape(target, (n, 1))
        zero = xp.zeros((), dtype=logits.dtype)
        picked = xp.sum(xp.where(is_target, logits, zero), axis=1)
        loss = logsumexp - picked
        if reduction == "mean":
            return xp.mean(loss)
        if reduction == "sum":
            return xp.sum(loss)
        return loss

    @staticmethod
    def forward(ctx: Any, logits: Any, target: Any, reduction: str) -> Any:
        ctx.reduction = reduction
        ctx.save_for_backward(logits, target)
        return ctx.call(logits, target, reduction=reduction)

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor, None]:
        # (softmax(logits) - onehot(target)) * g, with g / N for the mean and g per row
        # for 'none'. softmax is a crossgrad op here, so this is differentiable again.
        logits, target = ctx.saved_tensors
        n, c = logits.shape
        classes = crossgrad.arange(c, dtype=target.dtype, backend=target.backend)
        onehot = (target.reshape(n, 1) == classes).to(logits.dtype)
        if ctx.reduction == "mean":
            g = g / n
        elif ctx.reduction == "none":
            g = g.reshape(n, 1)
        return (F.softmax(logits, dim=1) - onehot) * g, None


def softmax_cross_entropy(logits: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Cross-entropy of ``(N, C)`` logits and ``(N,)`` class indices, as one fused op.

    ``loss[i] = log(sum(exp(logits[i]))) - logits[i, target[i]]``, then the mean over ``i``
    (``reduction="mean"``), the sum (``"sum"``) or each row (``"none"``). Equals
    ``crossgrad.nn.functional.cross_entropy(logits, target, reduction=reduction)``; class
    weights, ``ignore_index`` and label smoothing are not supported. The gradient is
    ``(softmax(logits) - onehot(target)) * g``, divided by N for the mean.

    Raises:
        DTypeError: ``logits`` is not floating or ``target`` not integer.
        ShapeError: ``logits`` is not ``(N, C)`` with ``C >= 1``, ``target`` is not ``(N,)``,
            or a target lies outside ``[0, C)`` (this check reads the targets' values).
        ValueError: an unknown ``reduction``.

    >>> import crossgrad
    >>> logits = crossgrad.tensor([[0.0, 0.0], [0.0, 0.0]], requires_grad=True)
    >>> loss = softmax_cross_entropy(logits, crossgrad.tensor([0, 1]))
    >>> round(loss.item(), 4)
    0.6931
    >>> loss.backward()
    >>> logits.grad
    tensor([[-0.25,  0.25],
            [ 0.25, -0.25]])
    """
    op = SoftmaxCrossEntropy.name
    _expect_floating(op, "logits", logits)
    _expect_tensor(op, "target", target)
    if logits.ndim != 2 or logits.shape[1] == 0:
        raise ShapeError(f"{op}: logits must have shape (N, C) with C >= 1, received "
                         f"logits.shape={logits.shape}",
                         hint="for logits of shape (N, C, d1, ...) use "
                         "crossgrad.nn.functional.cross_entropy")
    if target.dtype.is_floating_point or target.dtype is crossgrad.bool_:
        raise DTypeError(f"{op}: target must hold integer class indices, received "
                         f"target.dtype={target.dtype!r}", hint="cast with target.long()")
    n, c = logits.shape
    if target.shape != (n,):
        raise ShapeError(f"{op}: target must hold one class index per row of logits: "
                         f"logits.shape={logits.shape}, target.shape={target.shape}",
                         hint=f"pass a target of shape ({n},)")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: unknown reduction={reduction!r}; choose one of 'mean', "
                         "'sum', 'none'\nhint: pass reduction='mean' (the default)")
    _check_class_range(op, target, c)
    return SoftmaxCrossEntropy.apply(logits, target, reduction=reduction)


def _check_class_range(op: str, target: Tensor, num_classes: int) -> None:
    """Raise for a target outside ``[0, num_classes)`` (reads the values to the host)."""
    if target.numel() == 0:
        return
    values = target.numpy()
    low, high = int(values.min()), int(values.max())
    if low < 0 or high >= num_classes:
        bad = low if low < 0 else high
        raise ShapeError(f"{op}: target holds a class index out of range: value={bad}, "
                         f"classes are [0, {num_classes})",
                         hint=f"class indices must lie in [0, {num_classes - 1}]")


# ====================================================================== input checks


def _expect_tensor(op: str, name: str, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise DTypeError(f"{op}: {name} must be a Tensor, received {type(value).__name__}",
                         hint=f"wrap it first: crossgrad.tensor({name})")


def _expect_floating(op: str, name: str, value: Any) -> None:
    _expect_tensor(op, name, value)
    if not value.dtype.is_floating_point:
        raise DTypeError(f"{op}: {name} must be floating, received "
                         f"{name}.dtype={value.dtype!r}", hint=f"cast with {name}.float()")


def _expect_same_dtype(op: str, a: tuple[str, Tensor], b: tuple[str, Tensor]) -> None:
    (a_name, a_value), (b_name, b_value) = a, b
    if a_value.dtype is not b_value.dtype:
        raise DTypeError(
            f"{op}: {a_name} and {b_name} must have the same dtype: "
            f"{a_name}.dtype={a_value.dtype!r}, {b_name}.dtype={b_value.dtype!r}",
            hint=f"cast one first, e.g. {b_name}.to({a_name}.dtype)")
