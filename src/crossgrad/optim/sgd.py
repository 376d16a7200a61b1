"""Stochastic gradient descent with momentum, as PyTorch documents it."""

from __future__ import annotations

from typing import Any

from crossgrad.optim.optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """SGD: ``p -= lr * g`` with optional momentum, dampening, Nesterov and weight decay.

    The update is PyTorch's: g = grad (+ weight_decay * p); with momentum,
    b = momentum * b + (1 - dampening) * g (b = g on the first step) and
    g = g + momentum * b (Nesterov) or g = b; then p -= lr * g (+ with ``maximize``).

    >>> import crossgrad
    >>> w = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = crossgrad.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([0.8, 1.6], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            if value < 0:
                raise ValueError(
                    f"SGD: {name} must be >= 0, received {name}={value}\n"
                    f"hint: pass a non-negative {name}"
                )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "SGD: Nesterov momentum needs momentum > 0 and dampening = 0, "
                f"received momentum={momentum}, dampening={dampening}\n"
                "hint: set momentum, e.g. momentum=0.9, and leave dampening at 0"
            )
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
            ),
        )

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        nesterov = group["nesterov"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._gradient(p, group)
            if momentum:
                state = self.state.setdefault(p, {})
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = g.clone()
                else:
                    buf.mul_(momentum).add_(g, alpha=1 - dampening)
                g = g + buf * momentum if nesterov else buf
            p.sub_(g, alpha=lr)
