"""Adagrad, as PyTorch documents it (learning-rate decay, weight decay, maximize)."""

from __future__ import annotations

from typing import Any

from crossgrad.ops.creation import full_like
from crossgrad.optim.optimizer import Optimizer, ParamsT, check_range


class Adagrad(Optimizer):
    """Adagrad: scale each coordinate by the root of its summed squared gradients.

    Per step t (from 1): g = grad (negated with ``maximize``) + weight_decay * p;
    lr_t = lr / (1 + (t - 1) * lr_decay); s += g * g (s starts at
    ``initial_accumulator_value``); p -= lr_t * g / (sqrt(s) + eps).

    >>> import crossgrad
    >>> w = crossgrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = crossgrad.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        for name, value in (
            ("lr", lr),
            ("lr_decay", lr_decay),
            ("weight_decay", weight_decay),
            ("initial_accumulator_value", initial_accumulator_value),
            ("eps", eps),
        ):
            check_range("Adagrad", name, value)
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value,
                eps=eps,
                maximize=maximize,
            ),
        )

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = self._gradient(p, group)
            state = self.state.setdefault(p, {})
            if not state:
                state.update(step=0, sum=full_like(p, group["initial_accumulator_value"]))
            state["step"] += 1
            clr = lr / (1 + (state["step"] - 1) * lr_decay)
            state["sum"].add_(g * g)
            p.sub_(g / (state["sum"].sqrt() + eps), alpha=clr)
