"""Adam, as PyTorch documents it (with AMSGrad, maximize, and L2 or decoupled weight decay)."""

from __future__ import annotations

import math
from typing import Any

from crossgrad.ops.creation import zeros_like
from crossgrad.optim.optimizer import Optimizer, ParamsT, check_betas, check_range


class Adam(Optimizer):
    """Adam: adaptive moment estimation.

    Per step t (from 1): g = grad (negated with ``maximize``) + weight_decay * p;
    m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g * g;
    with ``amsgrad`` v_max = max(v_max, v) replaces v below;
    p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps).

    >>> import crossgrad
    >>> w = crossgrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = crossgrad.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    #: AdamW sets this: weight decay shrinks the parameter instead of adding to the gradient.
    _decoupled_weight_decay = False

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        name = type(self).__name__
        check_range(name, "lr", lr)
        check_range(name, "eps", eps)
        check_range(name, "weight_decay", weight_decay)
        check_betas(name, betas)
        super().__init__(
            params,
            dict(
                lr=lr,
                betas=tuple(betas),
                eps=eps,
                weight_decay=weight_decay,
                amsgrad=amsgrad,
                maximize=maximize,
            ),
        )

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = -p.grad if group["maximize"] else p.grad
            if weight_decay and self._decoupled_weight_decay:
                p.mul_(1 - lr * weight_decay)
            elif weight_decay:
                g = g + p * weight_decay
            state = self.state.setdefault(p, {})
            if not state:
                state.update(step=0, exp_avg=zeros_like(p), exp_avg_sq=zeros_like(p))
            if amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = zeros_like(p)
            state["step"] += 1
            step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
            exp_avg.mul_(beta1).add_(g, alpha=1 - beta1)
            exp_avg_sq.mul_(beta2).add_(g * g, alpha=1 - beta2)
            if amsgrad:
                second = state["max_exp_avg_sq"]
                second.copy_(second.maximum(exp_avg_sq))
            else:
                second = exp_avg_sq
            bias_correction2_sqrt = math.sqrt(1 - beta2**step)
            denom = second.sqrt() / bias_correction2_sqrt + eps
            p.sub_(exp_avg / denom, alpha=lr / (1 - beta1**step))
