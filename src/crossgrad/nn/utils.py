"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, as PyTorch's."""

from __future__ import annotations

import math
from collections.abc import Iterable

from crossgrad._tensor import Tensor
from crossgrad.core.grad_mode import no_grad
from crossgrad.ops.creation import tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their joint norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector;
    gradients are multiplied by ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: A tensor or tensors whose ``.grad`` is clipped (None grads are skipped).
        max_norm: The largest allowed norm.
        norm_type: The p of the p-norm (> 0), or ``inf`` for the largest absolute value.
        error_if_nonfinite: Raise instead of clipping when the total norm is nan or inf.

    Returns:
        The total norm of the gradients before clipping, as a 0-d tensor.

    >>> import crossgrad
    >>> w = crossgrad.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> round(clip_grad_norm_([w], max_norm=1.0).item(), 4), w.grad.norm().item() < 1.0
    (10.0, True)
    """
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(
            f"clip_grad_norm_: norm_type must be > 0 or inf, received "
            f"norm_type={norm_type!r}\nhint: pass norm_type=2.0"
        )
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    with no_grad():
        if norm_type == math.inf:
            parts = [g.abs().max() for g in grads]
            total = parts[0]
            for part in parts[1:]:
                total = total.maximum(part)
        else:
            total = sum((g.abs() ** norm_type).sum() for g in grads) ** (1.0 / norm_type)
        if error_if_nonfinite and not math.isfinite(float(total)):
            raise RuntimeError(
                f"clip_grad_norm_: the total norm of order {norm_type} of the "
                f"gradients is non-finite ({float(total)}), so it cannot be "
                "clipped\nhint: pass error_if_nonfinite=False to scale by it "
                "anyway, or find where the gradients overflow"
            )
        coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp each gradient in place to ``[-clip_value, clip_value]``.

    >>> import crossgrad
    >>> w = crossgrad.tensor([3.0, -4.0], requires_grad=True)
    >>> (w * w).sum().backward(); clip_grad_value_(w, 1.0)
    >>> w.grad
    tensor([ 1., -1.])
    """
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
