"""Indexing: getitem/setitem, gather, scatter, index_select, masked_fill, take_along_dim."""

from __future__ import annotations

__all__: list[str] = []
TENSOR_METHODS: list[str] = []
