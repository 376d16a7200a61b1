"""RMSprop, as PyTorch documents it (centered, momentum, weight decay, maximize)."""

from __future__ import annotations

from typing import Any

from crossgrad.ops.creation import zeros_like
from crossgrad.optim.optimizer import Optimizer, ParamsT, check_range


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root mean square of recent gradients.

    Per step: g = grad (negated with ``maximize``) + weight_decay * p;
    v = alpha * v + (1 - alpha) * g * g; with ``centered``, a = alpha * a + (1 - alpha) * g
    and the denominator is sqrt(v - a * a) + eps, else sqrt(v) + eps; with momentum,
    b = momentum * b + g / denom and p -= lr * b, else p -= lr * g / denom.

    >>> import crossgrad
    >>> w = crossgrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = crossgrad.optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.98, -1.98], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        for name, value in (
            ("lr", lr),
            ("alpha", alpha),
            ("eps", eps),
            ("weight_decay", weight_decay),
            ("momentum", momentum),
        ):
            check_range("RMSprop", name, value)
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
                maximize=maximize,
            ),
        )

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        momentum, centered = group["momentum"], group["centered"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._gradient(p, group)
            state = self.state.setdefault(p, {})
            if not state:
                state.update(step=0, square_avg=zeros_like(p))
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = zeros_like(p)
            if centered and "grad_avg" not in state:
                state["grad_avg"] = zeros_like(p)
            state["step"] += 1
            square_avg = state["square_avg"]
            square_avg.mul_(alpha).add_(g * g, alpha=1 - alpha)
            if centered:
                grad_avg = state["grad_avg"]
                grad_avg.mul_(alpha).add_(g, alpha=1 - alpha)
                denom = (square_avg - grad_avg * grad_avg).sqrt() + eps
            else:
                denom = square_avg.sqrt() + eps
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf.mul_(momentum).add_(g / denom)
                p.sub_(buf, alpha=lr)
            else:
                p.sub_(g / denom, alpha=lr)
