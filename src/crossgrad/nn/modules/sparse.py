"""Embedding: a lookup table of trainable vectors."""

from __future__ import annotations

from typing import Any

from crossgrad._tensor import Tensor
from crossgrad.nn import functional as F
from crossgrad.nn import init
from crossgrad.nn.module import Module
from crossgrad.nn.parameter import Parameter
from crossgrad.ops.creation import empty

__all__ = ["Embedding"]


class Embedding(Module):
    """Map integer indices to rows of ``weight`` (num_embeddings, embedding_dim).

    Rows start as N(0, 1) samples; the ``padding_idx`` row starts at zero and gets no
    gradient.

    >>> import crossgrad
    >>> emb = Embedding(10, 3, padding_idx=0)
    >>> emb(crossgrad.tensor([[0, 2], [4, 0]])).shape
    (2, 2, 3)
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise IndexError(
                    f"Embedding: padding_idx must be within num_embeddings, received "
                    f"padding_idx={padding_idx}, num_embeddings={num_embeddings}"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(empty(num_embeddings, embedding_dim, dtype=dtype, backend=backend))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            from crossgrad.core.grad_mode import no_grad

            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else f"{text}, padding_idx={self.padding_idx}"
