"""Public testing tools for crossgrad and for users' and plugin authors' own ops."""

from __future__ import annotations

from crossgrad.testing.opcase import Arg, OpCase

__all__ = ["Arg", "OpCase"]
