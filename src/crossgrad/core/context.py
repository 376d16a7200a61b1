"""Which backend new tensors are created on.

The registry (``crossgrad.plugins.registry``) owns the backends; core only asks it, through
the resolver it installs here, so that ``core`` imports nothing else of crossgrad.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_resolver: Callable[[str | None], Any] | None = None


def install_resolver(resolver: Callable[[str | None], Any]) -> None:
    global _resolver
    _resolver = resolver


def backend(name: str | None = None) -> Any:
    """Return the Backend named ``name``, or the current default one when None."""
    assert _resolver is not None, "crossgrad.plugins.registry installs the backend resolver"
    return _resolver(name)
