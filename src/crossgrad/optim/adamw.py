"""AdamW: Adam with decoupled weight decay, as PyTorch documents it."""

from __future__ import annotations

from crossgrad.optim.adam import Adam
from crossgrad.optim.optimizer import ParamsT


class AdamW(Adam):
    """AdamW: Adam whose weight decay shrinks the parameter, ``p *= 1 - lr * weight_decay``,
    before the Adam update instead of adding ``weight_decay * p`` to the gradient.

    >>> import crossgrad
    >>> w = crossgrad.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = crossgrad.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.85, -1.8 ], requires_grad=True)
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
        )
