"""Adamax (Adam with the infinity norm), as PyTorch documents it."""

from __future__ import annotations

from typing import Any

from crossgrad.ops.creation import zeros_like
from crossgrad.optim.optimizer import Optimizer, ParamsT, check_betas, check_range


class Adamax(Optimizer):
    """Adamax: Adam whose second moment is an exponentially weighted infinity norm.

    Per step t (from 1): g = grad (negated with ``maximize``) + weight_decay * p;
    m = beta1 * m + (1 - beta1) * g; u = max(beta2 * u, |g| + eps);
    p -= lr / (1 - beta1**t) * m / u.

    >>> import crossgrad
    >>> w = crossgrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = crossgrad.optim.Adamax([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        check_range("Adamax", "lr", lr)
        check_range("Adamax", "eps", eps)
        check_range("Adamax", "weight_decay", weight_decay)
        check_betas("Adamax", betas)
        super().__init__(
            params,
            dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize),
        )

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._gradient(p, group)
            state = self.state.setdefault(p, {})
            if not state:
                state.update(step=0, exp_avg=zeros_like(p), exp_inf=zeros_like(p))
            state["step"] += 1
            exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
            exp_avg.mul_(beta1).add_(g, alpha=1 - beta1)
            exp_inf.copy_((exp_inf * beta2).maximum(g.abs() + eps))
            p.sub_(exp_avg / exp_inf, alpha=lr / (1 - beta1 ** state["step"]))
