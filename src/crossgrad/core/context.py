"""Which backend new tensors are created on, for the two places in core that ask.

The registry (``crossgrad.plugins.registry``) owns the backends. The op modules import it
directly (``ops`` -> ``plugins`` is allowed; ``plugins`` never imports ``ops``); only
``Tensor(data)`` (core/tensor.py) and ``Tensor.to`` (ops/methods.py) still come through
here, and this module goes once they ask the registry and creation themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_resolver: Callable[[str | None], Any] | None = None
_factory: Callable[..., Any] | None = None


def install_resolver(resolver: Callable[[str | None], Any]) -> None:
    """Called by the registry: how to find a backend by name."""
    global _resolver
    _resolver = resolver


def install_factory(factory: Callable[..., Any]) -> None:
    """Called by ``crossgrad.ops.creation``: how ``Tensor(data)`` builds a tensor."""
    global _factory
    _factory = factory


def backend(name: str | None = None) -> Any:
    """Return the Backend named ``name``, or the current default one when None."""
    assert _resolver is not None, "crossgrad.plugins.registry installs the backend resolver"
    return _resolver(name)


def new_tensor(data: Any, **options: Any) -> Any:
    assert _factory is not None, "crossgrad.ops.creation installs the tensor factory"
    return _factory(data, **options)
