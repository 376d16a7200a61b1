"""Multi-head attention and the Transformer encoder layer, with PyTorch's parameter names."""

from __future__ import annotations

import math
from typing import Any

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.nn import functional as F
from crossgrad.nn import init
from crossgrad.nn.module import Module
from crossgrad.nn.modules.dropout import Dropout
from crossgrad.nn.modules.linear import Linear
from crossgrad.nn.modules.normalization import LayerNorm
from crossgrad.nn.parameter import Parameter
from crossgrad.ops.creation import empty
from crossgrad.ops.linalg import matmul

__all__ = ["MultiheadAttention", "TransformerEncoderLayer"]


def _apply_mask(scores: Tensor, mask: Tensor, name: str) -> Tensor:
    """Add a float mask, or put -inf where a bool mask is True (PyTorch's convention)."""
    if mask.dtype is dtypes.bool_:
        return scores.masked_fill(mask, float("-inf"))
    if mask.dtype.category != dtypes.FLOATING:
        raise DTypeError(
            f"MultiheadAttention: {name} must be bool or floating, received dtype={mask.dtype!r}",
            hint="pass True where attention is not allowed, or an additive float",
        )
    return scores + mask


class MultiheadAttention(Module):
    """Scaled dot-product attention over ``num_heads`` heads of size embed_dim / num_heads.

    Parameters as PyTorch: ``in_proj_weight`` (3 * embed_dim, embed_dim) packing the query,
    key and value projections, ``in_proj_bias`` (3 * embed_dim,) and ``out_proj`` (a Linear).
    Inputs are (L, N, E), (N, L, E) with ``batch_first=True``, or unbatched (L, E).

    ``forward`` returns ``(attn_output, attn_weights)``; the weights are (N, L, S) averaged
    over heads, (N, num_heads, L, S) with ``average_attn_weights=False``, or None with
    ``need_weights=False``. Bool masks mark with True the positions that may NOT be attended
    to; float masks are added to the scores. ``attn_mask`` is (L, S) or (N * num_heads, L, S);
    ``key_padding_mask`` is (N, S).

    >>> import crossgrad
    >>> mha = MultiheadAttention(8, 2, batch_first=True)
    >>> x = crossgrad.ones(3, 5, 8)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = False,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__()
        if num_heads < 1 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim must be divisible by num_heads, "
                f"received embed_dim={embed_dim}, num_heads={num_heads}\n"
                "hint: pick num_heads that divides embed_dim"
            )
        self.embed_dim = embed_dim
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.in_proj_weight = Parameter(
            empty(3 * embed_dim, embed_dim, dtype=dtype, backend=backend)
        )
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dtype, backend=backend))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype, backend=backend)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        init.xavier_uniform_(self.in_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _check(self, query: Tensor, key: Tensor, value: Tensor) -> bool:
        """Validate the inputs' shapes and return whether they have a batch dimension."""
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ShapeError(
                f"MultiheadAttention: query, key and value must all be 3-D "
                f"(batched) or all 2-D (unbatched), received query.shape="
                f"{query.shape}, key.shape={key.shape}, value.shape={value.shape}",
                hint="pass (L, N, E), or (N, L, E) with batch_first=True",
            )
        for name, t in (("query", query), ("key", key), ("value", value)):
            if t.shape[-1] != self.embed_dim:
                raise ShapeError(
                    f"MultiheadAttention: {name}.size(-1) must equal embed_dim: "
                    f"{name}.shape={t.shape}, embed_dim={self.embed_dim}",
                    hint="project the input to embed_dim features first",
                )
        if key.shape[:-1] != value.shape[:-1]:
            raise ShapeError(
                f"MultiheadAttention: key and value must share their leading "
                f"dims: key.shape={key.shape}, value.shape={value.shape}",
                hint="key and value describe the same source positions",
            )
        return query.ndim == 3

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
    ) -> tuple[Tensor, Tensor | None]:
        batched = self._check(query, key, value)
        if not batched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        tgt_len, batch, embed = query.shape
        src_len = key.shape[0]
        heads, head_dim = self.num_heads, self.head_dim

        w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        b = self.in_proj_bias
        b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)

        def heads_first(x: Tensor, length: int) -> Tensor:
            # (length, N, E) -> (N, H, length, head_dim)
            return x.reshape(length, batch, heads, head_dim).permute(1, 2, 0, 3)

        q = heads_first(F.linear(query, w_q, b_q), tgt_len) * (1.0 / math.sqrt(head_dim))
        k = heads_first(F.linear(key, w_k, b_k), src_len)
        v = heads_first(F.linear(value, w_v, b_v), src_len)
        scores = matmul(q, k.transpose(-2, -1))
        if attn_mask is not None:
            scores = _apply_mask(
                scores, self._attn_mask(attn_mask, batch, tgt_len, src_len), "attn_mask"
            )
        if key_padding_mask is not None:
            if key_padding_mask.shape != (batch, src_len):
                raise ShapeError(
                    f"MultiheadAttention: key_padding_mask must be (N, S) = "
                    f"{(batch, src_len)}, received key_padding_mask.shape="
                    f"{key_padding_mask.shape}",
                    hint="mark padded key positions of each sequence",
                )
            scores = _apply_mask(
                scores, key_padding_mask.reshape(batch, 1, 1, src_len), "key_padding_mask"
            )
        weights = F.softmax(scores, dim=-1)
        weights = F.dropout(weights, self.dropout, self.training)
        out = matmul(weights, v).permute(2, 0, 1, 3).reshape(tgt_len, batch, embed)
        out = self.out_proj(out)

        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            weights = weights.squeeze(0)
        return out, weights

    def _attn_mask(self, mask: Tensor, batch: int, tgt_len: int, src_len: int) -> Tensor:
        if mask.shape == (tgt_len, src_len):
            return mask
        if mask.shape == (batch * self.num_heads, tgt_len, src_len):
            return mask.reshape(batch, self.num_heads, tgt_len, src_len)
        raise ShapeError(
            f"MultiheadAttention: attn_mask must be (L, S) = {(tgt_len, src_len)} "
            f"or (N * num_heads, L, S) = "
            f"{(batch * self.num_heads, tgt_len, src_len)}, received "
            f"attn_mask.shape={mask.shape}",
            hint="L is the query length, S the key length",
        )

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with dropout, a residual and LayerNorm.

    Post-norm (default): ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``; with
    ``norm_first=True``: ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``, where
    ``ff(x) = dropout2(linear2(dropout(activation(linear1(x)))))``. Submodule names follow
    PyTorch, so state_dict keys match ``torch.nn.TransformerEncoderLayer``.

    >>> import crossgrad
    >>> layer = TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> layer(crossgrad.ones(3, 5, 8)).shape
    (3, 5, 8)
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__()
        if activation not in ("relu", "gelu"):
            raise ValueError(
                f"TransformerEncoderLayer: unknown activation={activation!r}\n"
                "hint: pick one of relu, gelu"
            )
        kw: dict[str, Any] = {"dtype": dtype, "backend": backend}
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
    ) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(
        self, x: Tensor, attn_mask: Tensor | None, key_padding_mask: Tensor | None
    ) -> Tensor:
        out, _ = self.self_attn(
            x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False
        )
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        hidden = self.linear1(x)
        hidden = F.relu(hidden) if self.activation == "relu" else F.gelu(hidden)
        return self.dropout2(self.linear2(self.dropout(hidden)))
