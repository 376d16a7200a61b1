"""The fused ops: each is one :class:`~crossgrad.plugins.Op` with its portable kernel and
backward side by side, and one public function that checks its inputs first.

Forward runs one kernel per backend (this file's portable kernel, or the backend's own from
``jax_kernels`` / ``cupy_kernels``) and also returns what backward reuses (rms_norm's
``1 / sqrt(mean(x**2) + eps)``, swiglu's ``sigmoid(gate)``, the cross-entropy's softmax).
Backward is one more op, ``fused.<op>_backward``, whose kernel does the chain-rule step in
one call, as crossgrad's own ``softmax_backward``; that op's backward is written in crossgrad
Tensor ops, so gradients of any order work on every backend.
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
    def kernel(xp: Any, x: Any, weight: Any, eps: float) -> tuple[Any, Any]:
        # Returns the output and r = 1 / sqrt(mean(x**2) + eps), which backward reuses.
        # vecdot sums the squares without an x * x temporary.
        mean_sq = xp.expand_dims(xp.vecdot(x, x), axis=-1) / x.shape[-1]
        r = 1 / xp.sqrt(mean_sq + eps)
        y = x * r
        return (y if weight is None else y * weight), r

    @staticmethod
    def forward(ctx: Any, x: Any, weight: Any, eps: float) -> Any:
        y, r = ctx.call(x, weight, eps=eps)
        ctx.eps = eps
        ctx.save_for_backward(x, weight, r)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        x, weight, r = ctx.saved_tensors
        need_x, need_weight = ctx.needs_input_grad
        grads = RmsNormBackward.apply(g, x, weight, r, eps=ctx.eps)
        if weight is None:
            return grads, None
        grad_x, grad_weight = grads
        return (grad_x if need_x else None), (grad_weight if need_weight else None)


class RmsNormBackward(Op):
    """rms_norm's chain-rule step as one op, itself differentiable.

    With r = 1 / sqrt(mean(x**2) + eps) and h = g * weight (the gradient reaching x * r):
    grad_x = r * (h - x * r**2 * mean(h * x)) and grad_weight = the sum of g * x * r over
    every dim but the last. ``r`` is the forward's, so it is not recomputed; the output is
    grad_x alone when ``weight`` is None.
    """

    name = "fused.rms_norm_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, x: Any, weight: Any, r: Any) -> Any:
        # Both reductions of g * x are products with a vector (mean(h * x) = (g * x) @ weight
        # / D, grad_weight = r @ (g * x)): one (..., D) temporary, and BLAS does the sums.
        d = x.shape[-1]
        gx = g * x
        grad_weight = None
        if weight is None:
            h, mean_hx = g, xp.mean(gx, axis=-1, keepdims=True)
        else:
            h, mean_hx = g * weight, xp.expand_dims(xp.matmul(gx, weight), axis=-1) / d
            grad_weight = xp.matmul(xp.reshape(r, (-1,)), xp.reshape(gx, (-1, d)))
        # Freed before grad_x's temporaries: a lower peak keeps NumPy's allocations in
        # memory already mapped (measured: otherwise 2 MB of page faults per call).
        del gx
        grad_x = h * r - x * (r * r * r * mean_hx)
        if weight is None:
            return grad_x
        return grad_x, grad_weight

    @staticmethod
    def forward(ctx: Any, g: Any, x: Any, weight: Any, r: Any, eps: float) -> Any:
        ctx.eps = eps
        ctx.save_for_backward(g, x, weight)
        return ctx.call(g, x, weight, r)

    @staticmethod
    def backward(ctx: Any, *grads: Tensor) -> tuple[Tensor | None, ...]:
        # a, b: the gradients reaching grad_x and grad_weight. With c(v) = r * (v - x * r**2
        # * mean(v * x)), grad_x = c(h); c is self-adjoint, so the g- and weight-gradients
        # go through c(a). The x-gradient differentiates r as well. r is recomputed from x
        # here (not taken from the forward) so that third-order gradients stay right.
        g, x, weight = ctx.saved_tensors
        a, b = grads if weight is not None else (grads[0], None)
        need_g, need_x, need_weight = ctx.needs_input_grad[:3]
        r = crossgrad.rsqrt((x * x).mean(-1, keepdim=True) + ctx.eps)
        r3 = r * r * r
        h = g if weight is None else g * weight
        mean_ax = (a * x).mean(-1, keepdim=True)
        mean_hx = (h * x).mean(-1, keepdim=True)
        c_a = r * a - r3 * x * mean_ax
        grad_g = grad_x = grad_weight = None
        if need_g:
            grad_g = c_a if weight is None else c_a * weight
            if b is not None:
                grad_g = grad_g + b * x * r
        if need_x:
            mean_ah = (a * h).mean(-1, keepdim=True)
            grad_x = (
                r3 * (x * mean_ah + a * mean_hx + h * mean_ax) * -1
                + r3 * r * r * x * mean_ax * mean_hx * 3
            )
            if b is not None:
                bg = b * g
                grad_x = grad_x + r * bg - r3 * x * (bg * x).mean(-1, keepdim=True)
        if need_weight:
            grad_weight = (g * c_a).reshape(-1, x.shape[-1]).sum(0)
        return grad_g, grad_x, grad_weight, None


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
        raise ShapeError(
            f"{op}: x needs a last dim to normalise over, received x.shape={x.shape}",
            hint="pass x of shape (..., D)",
        )
    if weight is not None:
        _expect_floating(op, "weight", weight)
        if weight.shape != x.shape[-1:]:
            raise ShapeError(
                f"{op}: weight must hold one value per feature of x's last dim: "
                f"weight.shape={weight.shape}, x.shape={x.shape}",
                hint=f"pass a weight of shape {x.shape[-1:]}",
            )
        _expect_same_dtype(op, ("x", x), ("weight", weight))
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps >= 0:
        raise ValueError(
            f"{op}: eps must be a number >= 0, received eps={eps!r}\nhint: pass e.g. eps=1e-6"
        )
    return RmsNorm.apply(x, weight, eps=float(eps))


# ====================================================================== swiglu


class SwiGLU(Op):
    """``silu(gate) * up = gate * sigmoid(gate) * up``, elementwise."""

    name = "fused.swiglu"

    @staticmethod
    def kernel(xp: Any, gate: Any, up: Any) -> tuple[Any, Any]:
        # Returns the output and sigmoid(gate), which backward reuses. exp of a
        # non-positive number only, so no overflow for large |gate|; the sign select is
        # arithmetic, since xp.where on a data-dependent mask is slow in NumPy.
        e = xp.exp(-xp.abs(gate))
        positive = xp.astype(gate >= 0, gate.dtype)
        sigmoid = (e + positive * (1 - e)) / (1 + e)
        return gate * sigmoid * up, sigmoid

    @staticmethod
    def forward(ctx: Any, gate: Any, up: Any) -> Any:
        y, sigmoid = ctx.call(gate, up)
        ctx.save_for_backward(gate, up, sigmoid)
        return y

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gate, up, sigmoid = ctx.saved_tensors
        return SwiGLUBackward.apply(g, gate, up, sigmoid)


class SwiGLUBackward(Op):
    """swiglu's chain-rule step as one op, itself differentiable.

    grad_gate = g * up * silu'(gate) with silu'(a) = s + silu(a) * (1 - s), s = sigmoid(a);
    grad_up = g * silu(gate). ``s`` is the forward's, so it is not recomputed.
    """

    name = "fused.swiglu_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, gate: Any, up: Any, sigmoid: Any) -> tuple[Any, Any]:
        silu = gate * sigmoid
        return g * up * (sigmoid + silu * (1 - sigmoid)), g * silu

    @staticmethod
    def forward(ctx: Any, g: Any, gate: Any, up: Any, sigmoid: Any) -> Any:
        ctx.save_for_backward(g, gate, up)
        return ctx.call(g, gate, up, sigmoid)

    @staticmethod
    def backward(ctx: Any, a: Tensor, b: Tensor) -> tuple[Tensor | None, ...]:
        # a, b: the gradients reaching grad_gate and grad_up. silu''(x) = s * (1 - s) *
        # (2 + x * (1 - 2 * s)). s is recomputed from gate (not taken from the forward) so
        # that third-order gradients stay right.
        g, gate, up = ctx.saved_tensors
        need_g, need_gate, need_up = ctx.needs_input_grad[:3]
        s = crossgrad.sigmoid(gate)
        silu = gate * s
        d1 = s + silu * (1 - s)
        grad_g = a * up * d1 + b * silu if need_g else None
        grad_up = a * g * d1 if need_up else None
        grad_gate = None
        if need_gate:
            d2 = s * (1 - s) * (2 + gate * (1 - 2 * s))
            grad_gate = g * (a * up * d2 + b * d1)
        return grad_g, grad_gate, grad_up, None


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
            hint="split one projection in two halves, e.g. gate, up = h.chunk(2, dim=-1)",
        )
    _expect_same_dtype(op, ("gate", gate), ("up", up))
    return SwiGLU.apply(gate, up)


# ====================================================================== softmax_cross_entropy


class SoftmaxCrossEntropy(Op):
    """``logsumexp(logits[i]) - logits[i, target[i]]`` per row, then reduced."""

    name = "fused.softmax_cross_entropy"

    @staticmethod
    def kernel(xp: Any, logits: Any, target: Any, reduction: str) -> tuple[Any, Any]:
        # Returns the loss and softmax(logits), which backward reuses (as F.cross_entropy
        # does): one exp pass in all, forward and backward.
        n, c = logits.shape
        row_max = xp.max(logits, axis=1, keepdims=True)
        e = xp.exp(logits - row_max)
        total = xp.sum(e, axis=1, keepdims=True)
        logsumexp = xp.reshape(xp.log(total) + row_max, (n,))
        # logits[i, target[i]] through flat indices: N reads, no (N, C) mask.
        rows = xp.arange(n, dtype=target.dtype)
        picked = xp.take(xp.reshape(logits, (-1,)), rows * c + target)
        loss = logsumexp - picked
        probs = e / total
        if reduction == "mean":
            return xp.mean(loss), probs
        if reduction == "sum":
            return xp.sum(loss), probs
        return loss, probs

    @staticmethod
    def forward(ctx: Any, logits: Any, target: Any, reduction: str) -> Any:
        loss, probs = ctx.call(logits, target, reduction=reduction)
        ctx.reduction = reduction
        ctx.save_for_backward(logits, target, probs)
        return loss

    @staticmethod
    def backward(ctx: Any, g: Tensor) -> tuple[Tensor, None]:
        # g / N for the mean, g per row for 'none'.
        logits, target, probs = ctx.saved_tensors
        n = logits.shape[0]
        if ctx.reduction == "mean":
            g = g / n
        elif ctx.reduction == "none":
            g = g.reshape(n, 1)
        return SoftmaxCrossEntropyBackward.apply(g, logits, target, probs), None


class SoftmaxCrossEntropyBackward(Op):
    """``(softmax(logits) - onehot(target)) * g`` as one op, itself differentiable.

    ``g`` is a scalar or one value per row, shape ``(N, 1)``. The kernel reads the
    forward's softmax ``probs``; ``logits`` is an input for the gradient of this step.
    """

    name = "fused.softmax_cross_entropy_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, target: Any, probs: Any) -> Any:
        n, c = probs.shape
        is_target = xp.arange(c, dtype=target.dtype) == xp.reshape(target, (n, 1))
        return (probs - xp.astype(is_target, probs.dtype)) * g

    @staticmethod
    def forward(ctx: Any, g: Any, logits: Any, target: Any, probs: Any) -> Any:
        ctx.save_for_backward(g, logits, target)
        return ctx.call(g, target, probs)

    @staticmethod
    def backward(ctx: Any, a: Tensor) -> tuple[Tensor | None, ...]:
        # The logits-gradient is softmax's chain rule applied to a * g. softmax is
        # recomputed here (not taken from the forward) so that it stays differentiable.
        g, logits, target = ctx.saved_tensors
        need_g, need_logits = ctx.needs_input_grad[:2]
        n, c = logits.shape
        p = F.softmax(logits, dim=1)
        grad_g = grad_logits = None
        if need_g:
            classes = crossgrad.arange(c, dtype=target.dtype, backend=target.backend)
            onehot = (target.reshape(n, 1) == classes).to(logits.dtype)
            per_row = (a * (p - onehot)).sum(1, keepdim=True)
            grad_g = per_row if g.ndim == 2 else per_row.sum()
        if need_logits:
            ag = a * g
            grad_logits = p * (ag - (ag * p).sum(1, keepdim=True))
        return grad_g, grad_logits, None, None


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
        raise ShapeError(
            f"{op}: logits must have shape (N, C) with C >= 1, received "
            f"logits.shape={logits.shape}",
            hint="for logits of shape (N, C, d1, ...) use crossgrad.nn.functional.cross_entropy",
        )
    if target.dtype.is_floating_point or target.dtype is crossgrad.bool_:
        raise DTypeError(
            f"{op}: target must hold integer class indices, received target.dtype={target.dtype!r}",
            hint="cast with target.long()",
        )
    n, c = logits.shape
    if target.shape != (n,):
        raise ShapeError(
            f"{op}: target must hold one class index per row of logits: "
            f"logits.shape={logits.shape}, target.shape={target.shape}",
            hint=f"pass a target of shape ({n},)",
        )
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{op}: unknown reduction={reduction!r}; choose one of 'mean', "
            "'sum', 'none'\nhint: pass reduction='mean' (the default)"
        )
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
        raise ShapeError(
            f"{op}: target holds a class index out of range: value={bad}, "
            f"classes are [0, {num_classes})",
            hint=f"class indices must lie in [0, {num_classes - 1}]",
        )


# ====================================================================== input checks


def _expect_tensor(op: str, name: str, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise DTypeError(
            f"{op}: {name} must be a Tensor, received {type(value).__name__}",
            hint=f"wrap it first: crossgrad.tensor({name})",
        )


def _expect_floating(op: str, name: str, value: Any) -> None:
    _expect_tensor(op, name, value)
    if not value.dtype.is_floating_point:
        raise DTypeError(
            f"{op}: {name} must be floating, received {name}.dtype={value.dtype!r}",
            hint=f"cast with {name}.float()",
        )


def _expect_same_dtype(op: str, a: tuple[str, Tensor], b: tuple[str, Tensor]) -> None:
    (a_name, a_value), (b_name, b_value) = a, b
    if a_value.dtype is not b_value.dtype:
        raise DTypeError(
            f"{op}: {a_name} and {b_name} must have the same dtype: "
            f"{a_name}.dtype={a_value.dtype!r}, {b_name}.dtype={b_value.dtype!r}",
            hint=f"cast one first, e.g. {b_name}.to({a_name}.dtype)",
        )
