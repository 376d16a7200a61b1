"""Utilities around the core: data loading (``crossgrad.utils.data``)."""

from __future__ import annotations

from crossgrad.utils import data

__all__ = ["data"]
