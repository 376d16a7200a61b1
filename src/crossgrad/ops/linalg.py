"""Linear algebra: matmul (every rank, batched, broadcast), mm, bmm, dot, outer, einsum."""

from __future__ import annotations

__all__: list[str] = []
TENSOR_METHODS: list[str] = []
