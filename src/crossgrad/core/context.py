"""Which backend new tensors are created on.

The registry (``crossgrad.plugins.registry``) owns the backends; core only asks it, through
the resolver it installs here, so that ``core`` imports nothing else of crossgrad.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_resolver: Callable[[str | None], Any] | None = None
_usable: Callable[[], list[Any]] | None = None
_namespace: Callable[[str], Any] | None = None
_namespace_names: Callable[[], list[str]] | None = None


def install_resolver(
    resolver: Callable[[str | None], Any], usable: Callable[[], list[Any]]
) -> None:
    """Called by the registry: how to find a backend by name, and the usable ones."""
    global _resolver, _usable
    _resolver, _usable = resolver, usable


def backend(name: str | None = None) -> Any:
    """Return the Backend named ``name``, or the current default one when None."""
    assert _resolver is not None, "crossgrad.plugins.registry installs the backend resolver"
    return _resolver(name)


def usable_backends() -> list[Any]:
    """Every Backend that can run here."""
    assert _usable is not None, "crossgrad.plugins.registry installs the backend resolver"
    return _usable()


def install_op_namespaces(lookup: Callable[[str], Any], names: Callable[[], list[str]]) -> None:
    """Called by the registry: how ``crossgrad.ops.<namespace>`` finds a plugin's ops."""
    global _namespace, _namespace_names
    _namespace, _namespace_names = lookup, names


def op_namespace(name: str) -> Any:
    """The ops of plugin namespace ``name`` (raises OpNotFoundError, an AttributeError)."""
    assert _namespace is not None, "crossgrad.plugins.registry installs the op namespaces"
    return _namespace(name)


def op_namespace_names() -> list[str]:
    assert _namespace_names is not None, "crossgrad.plugins.registry installs them"
    return _namespace_names()
