"""``crossgrad.nn``: layers and losses (``functional`` holds the stateless ops)."""

from __future__ import annotations

from crossgrad.nn import functional

__all__ = ["functional"]
