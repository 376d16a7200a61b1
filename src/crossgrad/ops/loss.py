"""Losses, as ``torch.nn.functional``: regression (mse, l1, smooth_l1, huber, kl_div),
class-index (nll_loss, cross_entropy) and binary (binary_cross_entropy[_with_logits]).

The regression losses are compositions of elementwise ops. With class-index targets the
loss is an op of its own (``NllLoss``, ``CrossEntropy``), forward and backward side by side,
for speed and numerical stability; so is binary cross-entropy. Loss options after
``weight`` are keyword-only: PyTorch's deprecated ``size_average``/``reduce`` sit between
them positionally, so a positional call that means one thing there fails here, loudly.
"""

from __future__ import annotations

import warnings
from typing import Any

from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.function import PORTABLE_KERNELS, Node, Op, portable_kernel
from crossgrad.core.tensor import make
from crossgrad.ops import direct
from crossgrad.ops import elementwise as ew
from crossgrad.ops._util import (
    Tensor,
    accumulates_in_float32,
    cast,
    expect_same_backend,
    expect_tensor,
    floating,
)
from crossgrad.ops.activation import LogSoftmax, Softmax, SoftmaxBackward, Softplus

# PyTorch keeps these ops under torch.nn.functional, so none is crossgrad.<name>;
# crossgrad.nn.functional re-exports them.
__all__: list[str] = []

_REDUCTIONS = ("none", "mean", "sum")


# ====================================================================== reduction, targets


def _check_reduction(
    op: str,
    reduction: str,
    choices: tuple[str, ...] = _REDUCTIONS,
    hint: str = "reduction='mean' (the default)",
) -> None:
    if reduction not in choices:
        raise ValueError(
            f"{op}: unknown reduction={reduction!r}; choose one of "
            f"{', '.join(map(repr, choices))}\nhint: pass {hint}"
        )


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _as_input_dtype(op: str, name: str, t: Any, input: Tensor) -> Tensor:  # noqa: A002
    """An auxiliary float tensor (target, weight) in the input's dtype, on its backend."""
    t = expect_tensor(t, op, name)
    expect_same_backend(op, input, t)
    return cast(t, input.dtype)


def _regression_pair(
    op: str,
    input: Tensor,
    target: Any,
    reduction: str,  # noqa: A002
) -> tuple[Tensor, Tensor]:
    input = floating(input, op)
    _check_reduction(op, reduction)
    target = _as_input_dtype(op, "target", target, input)
    if target.shape != input.shape:
        warnings.warn(
            f"{op}: target.shape={target.shape} differs from input.shape={input.shape}; "
            "they will be broadcast, which is likely not what you want",
            stacklevel=3,
        )
    return input, target


# ====================================================================== regression losses


def mse_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean (or sum, or each) of the squared differences ``(input - target) ** 2``."""
    input, target = _regression_pair("mse_loss", input, target, reduction)
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target: Tensor, *, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean (or sum, or each) of the absolute differences ``|input - target|``.

    >>> import crossgrad
    >>> l1_loss(crossgrad.tensor([1.0, 3.0]), crossgrad.tensor([0.0, 0.0]))
    tensor(2.)
    """
    input, target = _regression_pair("l1_loss", input, target, reduction)
    return _reduce(ew.abs(input - target), reduction)


def _half_square(d: Tensor, limit: float) -> Tensor:
    """``0.5 * d * d`` for the quadratic branch of smooth L1 and Huber, written so that the
    gradient is PyTorch's: one factor is clamped to ``limit`` (where() drops this branch
    past it, and an unclamped inf there would turn the dropped gradient into NaN), the other
    carries a NaN difference through (PyTorch's gradient is NaN there too)."""
    return 0.5 * d * ew.clamp(d, max=limit)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    *,
    reduction: str = "mean",  # noqa: A002
    beta: float = 1.0,
) -> Tensor:
    """``0.5 * d**2 / beta`` where ``|d| < beta``, ``|d| - 0.5 * beta`` elsewhere.

    >>> import crossgrad
    >>> smooth_l1_loss(crossgrad.tensor([0.5, 3.0]), crossgrad.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    if beta < 0:
        raise ValueError(
            f"smooth_l1_loss: beta must be non-negative, received beta={beta}\n"
            "hint: pass beta >= 0 (beta=0 is the L1 loss)"
        )
    input, target = _regression_pair("smooth_l1_loss", input, target, reduction)
    d = ew.abs(input - target)
    if beta == 0:
        return _reduce(d, reduction)
    return _reduce(ew.where(d >= beta, d - 0.5 * beta, _half_square(d, beta) / beta), reduction)


def huber_loss(
    input: Tensor,
    target: Tensor,
    *,
    reduction: str = "mean",  # noqa: A002
    delta: float = 1.0,
) -> Tensor:
    """``0.5 * d**2`` where ``|d| < delta``, ``delta * (|d| - 0.5 * delta)`` elsewhere.

    >>> import crossgrad
    >>> huber_loss(crossgrad.tensor([1.0, 3.0]), crossgrad.tensor([0.0, 0.0]), delta=2.0)
    tensor(2.25)
    """
    if delta <= 0:
        raise ValueError(
            f"huber_loss: delta must be positive, received delta={delta}\n"
            "hint: pass delta > 0, e.g. 1.0"
        )
    input, target = _regression_pair("huber_loss", input, target, reduction)
    d = ew.abs(input - target)
    return _reduce(
        ew.where(d >= delta, delta * (d - 0.5 * delta), _half_square(d, delta)), reduction
    )


def kl_div(
    input: Tensor,
    target: Tensor,
    *,
    reduction: str = "mean",  # noqa: A002
    log_target: bool = False,
) -> Tensor:
    """``target * (log(target) - input)`` for log-probabilities ``input`` (0 where target is 0).

    ``reduction="batchmean"`` divides the sum by the batch size (the true KL divergence);
    ``"mean"`` averages over every element, as PyTorch.

    >>> import crossgrad
    >>> p = crossgrad.tensor([[0.25, 0.75]])
    >>> kl_div(p.log(), p, reduction="batchmean")
    tensor(0.)
    """
    op = "kl_div"
    _check_reduction(op, reduction, (*_REDUCTIONS, "batchmean"), "reduction='batchmean'")
    input, target = _regression_pair(
        op, input, target, "sum" if reduction == "batchmean" else reduction
    )
    if log_target:
        loss = ew.exp(target) * (target - input)
    else:
        positive = target > 0
        safe = ew.where(positive, target, ew.exp(target * 0.0))  # 1 where target is 0
        loss = ew.where(positive, target * (ew.log(safe) - input), target * 0.0)
    if reduction == "batchmean":
        batch = input.shape[0] if input.ndim else 1
        return loss.sum() / batch
    return _reduce(loss, reduction)


# ====================================================================== class-index losses
#
# With class-index targets the loss is linear in the log-probabilities: -sum(D * logp) over
# the class dim, where D (the input's shape) holds per sample the target's weight at the
# target class plus, with label smoothing, a share of every class's weight. D is built once
# from the targets and serves forward and backward alike.


@portable_kernel("class_loss_coefficients")
def _class_coefficients(
    xp: Any,
    target: Any,
    weight: Any,
    ignore_index: int,
    smoothing: float,
    num_classes: int,
    mean: bool,
    dtype: Any,
) -> tuple[Any, Any]:
    """D and its sum over the class dim (kept as a dim of size 1), from the targets.

    Ignored targets get all-zero rows; with ``mean`` D is divided by the summed weight of
    the kept targets, PyTorch's denominator.
    """
    shape = (1, num_classes) + (1,) * (target.ndim - 1)
    target = xp.reshape(target, target.shape[:1] + (1,) + target.shape[1:])
    valid = target != ignore_index
    classes = xp.reshape(xp.arange(num_classes, dtype=target.dtype), shape)
    d = xp.astype((classes == target) & valid, dtype)
    if weight is None:
        w_target = xp.astype(valid, dtype)
    else:
        w = xp.reshape(weight, shape)
        d = d * w
        w_target = xp.sum(d, axis=1, keepdims=True)
    row_sum = w_target
    if smoothing:
        share = xp.astype(valid, dtype) * (smoothing / num_classes)
        d = d * (1.0 - smoothing) + (share if weight is None else share * w)
        total = num_classes if weight is None else xp.sum(weight)
        row_sum = w_target * (1.0 - smoothing) + share * total
    if mean:
        denom = xp.sum(w_target)
        d, row_sum = d / denom, row_sum / denom
    return d, row_sum


def _per_sample(xp: Any, g: Any, reduce: bool) -> Any:
    """The loss gradient, broadcastable against the input (N, C, d1, ...)."""
    return g if reduce else xp.reshape(g, g.shape[:1] + (1,) + g.shape[1:])


class _ClassLinearMap(Op):
    """NllLoss or its backward: a linear map of its one array input, given D (``d``)."""

    @staticmethod
    def forward(ctx: Node, a: Any, d: Any, reduce: bool) -> Any:
        ctx.params = {"d": d, "reduce": reduce}
        return ctx.call(a, d=d, reduce=reduce)


class NllLoss(_ClassLinearMap):
    """``-sum(D * logp)`` over the class dim (dim 1), summed or kept per sample.

    Linear in ``logp``: this op and its backward are each other's adjoint, so the backward
    of either is the other.
    """

    name = "nll_loss"

    @staticmethod
    def kernel(xp: Any, logp: Any, d: Any, reduce: bool) -> Any:
        return -xp.sum(logp * d) if reduce else -xp.sum(logp * d, axis=1)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Tensor:
        return NllLossBackward.apply(g, **ctx.params)


class NllLossBackward(_ClassLinearMap):
    """``-g * D``: the loss gradient put at the target class (and spread by smoothing)."""

    name = "nll_loss_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, d: Any, reduce: bool) -> Any:
        return -(d * _per_sample(xp, g, reduce))

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> Tensor:
        return NllLoss.apply(gg, **ctx.params)


class CrossEntropy(Op):
    """``-sum(D * log_softmax(x))`` over the class dim in one op.

    The forward keeps the softmax it computes anyway, so the backward is
    ``g * (softmax(x) * sum(D) - D)`` without another pass of exp and sum.
    """

    name = "cross_entropy"

    @staticmethod
    @accumulates_in_float32
    def kernel(xp: Any, x: Any, d: Any, reduce: bool) -> tuple[Any, Any]:
        shifted = x - xp.max(x, axis=1, keepdims=True)
        e = xp.exp(shifted)
        total = xp.sum(e, axis=1, keepdims=True)
        weighted = (shifted - xp.log(total)) * d
        loss = -xp.sum(weighted) if reduce else -xp.sum(weighted, axis=1)
        return loss, e / total

    @staticmethod
    def forward(ctx: Node, x: Any, d: Any, row_sum: Any, reduce: bool) -> Any:
        loss, probs = ctx.call(x, d=d, reduce=reduce)
        ctx.params = {"probs": probs, "d": d, "row_sum": row_sum, "reduce": reduce}
        ctx.save_for_backward(x)
        return loss

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return CrossEntropyBackward.apply(g, x, **ctx.params)


class CrossEntropyBackward(Op):
    """``g * (softmax(x) * sum(D) - D)``, with the softmax the forward computed."""

    name = "cross_entropy_backward"

    @staticmethod
    def kernel(xp: Any, g: Any, probs: Any, d: Any, row_sum: Any, reduce: bool) -> Any:
        return (probs * row_sum - d) * _per_sample(xp, g, reduce)

    @staticmethod
    def forward(ctx: Node, g: Any, x: Any, probs: Any, d: Any, row_sum: Any, reduce: bool) -> Any:
        ctx.params = {"d": d, "row_sum": row_sum, "reduce": reduce}
        ctx.save_for_backward(g, x)
        return ctx.call(g, probs=probs, d=d, row_sum=row_sum, reduce=reduce)

    @staticmethod
    def backward(ctx: Node, gg: Tensor) -> tuple[Any, Any]:
        g, x = ctx.saved_tensors
        d, row_sum, reduce = (ctx.params[k] for k in ("d", "row_sum", "reduce"))
        need_g, need_x = ctx.needs_input_grad
        d, row_sum = make(d, ctx.backend), make(row_sum, ctx.backend)
        q = Softmax.apply(x, dim=1)  # differentiable in x, unlike the forward's softmax
        g_b = g if reduce else direct.reshape(g, g.shape[:1] + (1,) + g.shape[1:])
        grad_x = None
        if need_x:
            grad_x = SoftmaxBackward.apply(direct.mul(direct.mul(gg, g_b), row_sum), q, dim=1)
        grad_g = None
        if need_g:
            per = direct.mul(gg, direct.sub(direct.mul(q, row_sum), d))
            grad_g = direct.sum(per, tuple(range(per.ndim)) if reduce else (1,))
        return grad_g, grad_x


def _class_targets(
    op: str,
    input: Tensor,
    target: Tensor,
    weight: Any,  # noqa: A002
    ignore_index: int,
) -> Tensor | None:
    """Check class-index targets and ``weight`` against the input; returns the weight."""
    if input.ndim == 0:
        raise ShapeError(
            f"{op}: input must have a class dim, received input.shape=()",
            hint="pass input of shape (C,), (N, C) or (N, C, d1, ...)",
        )
    if target.dtype.category != dtypes.INTEGER:
        raise DTypeError(
            f"{op}: class-index targets must be integers, received target.dtype={target.dtype!r}",
            hint="cast with target.long(), or for class probabilities give target the "
            f"input's shape {input.shape}",
        )
    want = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if target.shape != want:
        raise ShapeError(
            f"{op}: target shape must be the input's shape without its class dim (dim "
            f"{1 if input.ndim > 1 else 0}): input.shape={input.shape}, "
            f"target.shape={target.shape}",
            hint=f"pass a target of shape {want}",
        )
    num_classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    weight = _class_weight(op, input, weight, num_classes)
    _check_class_range(op, target, num_classes, ignore_index)
    return weight


def _class_weight(
    op: str,
    input: Tensor,
    weight: Any,
    num_classes: int,  # noqa: A002
) -> Tensor | None:
    """The per-class ``weight`` in the input's dtype, checked to hold one value per class."""
    if weight is None:
        return None
    weight = _as_input_dtype(op, "weight", weight, input)
    if weight.shape != (num_classes,):
        raise ShapeError(
            f"{op}: weight must hold one value per class: weight.shape={weight.shape}, "
            f"input.shape={input.shape} has {num_classes} classes",
            hint=f"pass a weight of shape ({num_classes},)",
        )
    return weight


def _check_class_range(op: str, target: Tensor, num_classes: int, ignore_index: int) -> None:
    """Raise for a target outside [0, C) that is not ``ignore_index`` (reads the values)."""
    if target.numel() == 0:
        return
    backend = target._backend
    xp = backend.xp
    t = target._data
    # One transfer for both bounds: on an accelerator each read waits for the device. The
    # backend brings them to the host (the array API has no ``tolist``).
    lo, hi = backend.to_numpy(xp.stack([xp.min(t), xp.max(t)])).tolist()
    if 0 <= lo and hi < num_classes:
        return
    values = backend.to_numpy(t)
    bad = values[((values < 0) | (values >= num_classes)) & (values != ignore_index)]
    if bad.size:
        raise ShapeError(
            f"{op}: target holds a class index out of range: value={int(bad[0])}, "
            f"classes are [0, {num_classes}), ignore_index={ignore_index}",
            hint=f"targets must lie in [0, {num_classes - 1}]; mark targets to skip with "
            "ignore_index",
        )


def _class_loss(
    op: type[Op],
    input: Tensor,
    target: Tensor,  # noqa: A002
    weight: Tensor | None,
    ignore_index: int,
    reduction: str,
    smoothing: float,
) -> Tensor:
    """Run ``op`` (NllLoss or CrossEntropy) on class-index targets, checked already."""
    unbatched = input.ndim == 1
    if unbatched:
        input, target = input.reshape(1, -1), target.reshape(1)
    backend = input._backend
    kernel = (
        backend.kernels.get("class_loss_coefficients")
        or PORTABLE_KERNELS["class_loss_coefficients"]
    )
    d, row_sum = kernel(
        backend.xp,
        target._data,
        None if weight is None else weight._data,
        ignore_index,
        smoothing,
        input.shape[1],
        reduction == "mean",
        input._data.dtype,
    )
    extra = {"row_sum": row_sum} if op is CrossEntropy else {}
    loss = op.apply(input, d=d, reduce=reduction != "none", **extra)
    return loss.reshape(()) if unbatched and reduction == "none" else loss


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,  # noqa: A002
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class-index ``target`` given log-probabilities ``input``.

    ``input`` is (N, C) or (N, C, d1, ...) (or (C,) unbatched); ``target`` holds class
    indices of the input's shape without dim 1. With ``reduction='mean'`` the sum is divided
    by the summed ``weight`` of the targets that are not ``ignore_index``, as PyTorch. No
    gradient flows to ``weight``, as in PyTorch.
    """
    input = expect_tensor(input, "nll_loss")
    target = expect_tensor(target, "nll_loss", "target")
    expect_same_backend("nll_loss", input, target)
    _check_reduction("nll_loss", reduction)
    if input.dtype.category != dtypes.FLOATING:
        raise DTypeError(
            f"nll_loss: input must hold floating log-probabilities, received "
            f"input.dtype={input.dtype!r}",
            hint="cast with .float()",
        )
    weight = _class_targets("nll_loss", input, target, weight, ignore_index)
    return _class_loss(NllLoss, input, target, weight, ignore_index, reduction, 0.0)


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    *,  # noqa: A002
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between the logits ``input`` and ``target``.

    ``target`` holds class indices (the input's shape without the class dim 1) or class
    probabilities (a float tensor of the input's shape). Equals
    ``nll_loss(log_softmax(input, 1), target)`` for class indices, with PyTorch's
    ``weight``, ``ignore_index``, ``reduction`` and ``label_smoothing`` semantics.

    >>> import crossgrad
    >>> F = crossgrad.nn.functional
    >>> logits = crossgrad.tensor([[0.0, 0.0], [0.0, 0.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, crossgrad.tensor([0, 1]))
    >>> round(loss.item(), 4)
    0.6931
    >>> loss.backward()
    >>> logits.grad
    tensor([[-0.25,  0.25],
            [ 0.25, -0.25]])
    """
    input = floating(input, "cross_entropy")
    target = expect_tensor(target, "cross_entropy", "target")
    expect_same_backend("cross_entropy", input, target)
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"cross_entropy: label_smoothing must be in [0, 1], received "
            f"label_smoothing={label_smoothing!r}\nhint: pass e.g. 0.1"
        )
    class_dim = 1 if input.ndim > 1 else 0
    if target.shape == input.shape and input.ndim > 0:
        if target.dtype.category != dtypes.FLOATING:
            raise DTypeError(
                f"cross_entropy: targets of the input's shape are class probabilities and "
                f"must be floating, received target.dtype={target.dtype!r}",
                hint="cast with target.float(), or pass class indices of shape "
                f"{input.shape[:1] + input.shape[2:]}",
            )
        return _probability_loss(input, target, weight, reduction, label_smoothing, class_dim)
    weight = _class_targets("cross_entropy", input, target, weight, ignore_index)
    return _class_loss(
        CrossEntropy, input, target, weight, ignore_index, reduction, float(label_smoothing)
    )


def _probability_loss(
    input: Tensor,
    target: Tensor,
    weight: Any,
    reduction: str,  # noqa: A002
    smoothing: float,
    class_dim: int,
) -> Tensor:
    """Cross-entropy with class-probability targets; the mean divides by the sample count."""
    num_classes = input.shape[class_dim]
    weight = _class_weight("cross_entropy", input, weight, num_classes)
    target = cast(target, input.dtype)
    if smoothing:
        target = target * (1.0 - smoothing) + smoothing / num_classes
    per = LogSoftmax.apply(input, dim=class_dim) * target
    if weight is not None:
        per = per * weight.reshape((num_classes,) + (1,) * (input.ndim - class_dim - 1))
    return _reduce(-per.sum(class_dim), reduction)


# ====================================================================== binary losses


class BinaryCrossEntropy(Op):
    """``-(t * log(x) + (1 - t) * log(1 - x))`` elementwise, each log clamped to >= -100."""

    name = "binary_cross_entropy"

    @staticmethod
    def kernel(xp: Any, x: Any, t: Any) -> Any:
        log_x = xp.clip(xp.log(x), min=-100.0)
        log_1mx = xp.clip(xp.log(1 - x), min=-100.0)
        return -(t * log_x + (1 - t) * log_1mx)

    @staticmethod
    def forward(ctx: Node, x: Any, t: Any) -> Any:
        ctx.save_for_backward(x, t)
        return ctx.call(x, t)

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[Any, Any]:
        x, t = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad
        # PyTorch's form: bounded where x(1 - x) underflows, instead of 0 * inf.
        grad_x = g * (x - t) / ew.clamp((1 - x) * x, min=1e-12) if need_x else None
        grad_t = g * (_clamped_log(1 - x) - _clamped_log(x)) if need_t else None
        return grad_x, grad_t


def _clamped_log(x: Tensor) -> Tensor:
    """``max(log(x), -100)`` whose gradient stays finite (zero) at ``x == 0``."""
    positive = x > 0
    log_x = ew.clamp(ew.log(ew.where(positive, x, 1.0)), min=-100.0)
    return ew.where(positive, log_x, -100.0)


def _binary_target(op: str, input: Tensor, target: Any) -> Tensor:  # noqa: A002
    target = _as_input_dtype(op, "target", target, input)
    if target.shape != input.shape:
        raise ShapeError(
            f"{op}: target and input shapes differ: input.shape={input.shape}, "
            f"target.shape={target.shape}",
            hint="pass a target of the input's shape",
        )
    return target


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,  # noqa: A002
    weight: Tensor | None = None,
    *,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and ``target`` (logs >= -100)."""
    input = floating(input, "binary_cross_entropy")
    _check_reduction("binary_cross_entropy", reduction)
    target = _binary_target("binary_cross_entropy", input, target)
    if weight is not None:
        weight = _as_input_dtype("binary_cross_entropy", "weight", weight, input)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,  # noqa: A002
    weight: Tensor | None = None,
    *,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` in a form stable for any logit.

    ``pos_weight`` scales the loss of positive targets (broadcast along the last dim).
    """
    input = floating(input, "binary_cross_entropy_with_logits")
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    target = _binary_target("binary_cross_entropy_with_logits", input, target)
    if weight is not None:
        weight = _as_input_dtype("binary_cross_entropy_with_logits", "weight", weight, input)
    if pos_weight is not None:
        pos_weight = _as_input_dtype(
            "binary_cross_entropy_with_logits", "pos_weight", pos_weight, input
        )
    # -log(sigmoid(x)) = softplus(-x); -log(1 - sigmoid(x)) = x + softplus(-x)
    log_term = Softplus.apply(-input)
    if pos_weight is not None:
        log_term = log_term * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + log_term
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)
