"""NAdam (Adam with Nesterov momentum), as PyTorch documents it."""

from __future__ import annotations

from typing import Any

from crossgrad.ops.creation import zeros_like
from crossgrad.optim.optimizer import Optimizer, ParamsT, check_betas, check_range


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum and a momentum schedule.

    Per step t (from 1): g = grad (negated with ``maximize``) + weight_decay * p (or, with
    ``decoupled_weight_decay``, p *= 1 - lr * weight_decay);
    mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay)), prod_t = mu_1 * ... * mu_t;
    m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g * g;
    d = sqrt(v / (1 - beta2**t)) + eps;
    p -= lr * (1 - mu_t) / (1 - prod_t) * g / d + lr * mu_{t+1} / (1 - prod_{t+1}) * m / d.

    >>> import crossgrad
    >>> w = crossgrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = crossgrad.optim.NAdam([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.8944, -1.8944]
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        *,
        decoupled_weight_decay: bool = False,
        maximize: bool = False,
    ) -> None:
        for name, value in (
            ("lr", lr),
            ("eps", eps),
            ("weight_decay", weight_decay),
            ("momentum_decay", momentum_decay),
        ):
            check_range("NAdam", name, value)
        check_betas("NAdam", betas)
        super().__init__(
            params,
            dict(
                lr=lr,
                betas=tuple(betas),
                eps=eps,
                weight_decay=weight_decay,
                momentum_decay=momentum_decay,
                decoupled_weight_decay=decoupled_weight_decay,
                maximize=maximize,
            ),
        )

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, momentum_decay = group["weight_decay"], group["momentum_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = -p.grad if group["maximize"] else p.grad
            if weight_decay and group["decoupled_weight_decay"]:
                p.mul_(1 - lr * weight_decay)
            elif weight_decay:
                g = g + p * weight_decay
            state = self.state.setdefault(p, {})
            if not state:
                state.update(
                    step=0, mu_product=1.0, exp_avg=zeros_like(p), exp_avg_sq=zeros_like(p)
                )
            state["step"] += 1
            step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
            state["mu_product"] *= mu
            mu_product = state["mu_product"]
            exp_avg.mul_(beta1).add_(g, alpha=1 - beta1)
            exp_avg_sq.mul_(beta2).add_(g * g, alpha=1 - beta2)
            denom = (exp_avg_sq / (1 - beta2**step)).sqrt() + eps
            p.sub_(g / denom, alpha=lr * (1.0 - mu) / (1.0 - mu_product))
            p.sub_(exp_avg / denom, alpha=lr * mu_next / (1.0 - mu_product * mu_next))
