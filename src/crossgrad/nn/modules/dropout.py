"""Dropout layer."""

from __future__ import annotations

from crossgrad._tensor import Tensor
from crossgrad.nn import functional as F
from crossgrad.nn.module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero elements with probability ``p`` while training (scaling the rest by 1/(1-p));
    the identity in eval mode.

    >>> import crossgrad
    >>> Dropout(0.5).eval()(crossgrad.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0 <= p <= 1:
            raise ValueError(
                f"Dropout: probability has to be between 0 and 1, received "
                f"p={p!r}\nhint: pass p in [0, 1], e.g. p=0.1"
            )
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
