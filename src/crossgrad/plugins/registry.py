"""The backend registry: which backends exist, which is the default, and selecting one."""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from typing import Any

from crossgrad.backends.base import Backend
from crossgrad.core import context
from crossgrad.core.errors import BackendNotFoundError, PluginError
from crossgrad.plugins import manager

_backends: dict[str, Backend] | None = None
_records: list[manager.PluginRecord] = []
_default: Backend | None = None
_scoped: contextvars.ContextVar[Backend | None] = contextvars.ContextVar(
    "crossgrad_backend", default=None)


def all_backends() -> dict[str, Backend]:
    """Every registered backend by name, usable or not."""
    global _backends, _records
    if _backends is None:
        pm, _records = manager.build()
        found: dict[str, Backend] = {}
        for provided in pm.hook.crossgrad_backends():
            for b in provided or ():
                if not isinstance(b, Backend) or not b.name:
                    raise PluginError(f"crossgrad_backends returned {b!r}, which is not a named "
                                      "Backend", hint="return Backend subclass instances")
                found.setdefault(b.name, b)
        _backends = found
    return _backends


def plugin_records() -> list[manager.PluginRecord]:
    all_backends()
    return _records


def get_backend(name: str | None = None) -> Backend:
    """Return the backend named ``name``, or the current default one.

    >>> import crossgrad
    >>> crossgrad.get_backend().name
    'numpy'
    """
    if name is None:
        scoped = _scoped.get()
        if scoped is not None:
            return scoped
        global _default
        if _default is None:
            _default = get_backend(os.environ.get("CROSSGRAD_BACKEND") or "numpy")
        return _default
    if isinstance(name, Backend):
        return name
    backends = all_backends()
    backend = backends.get(name)
    reason = None if backend is None else backend.unavailable_reason()
    if backend is None or reason is not None:
        raise BackendNotFoundError(_not_found_message(name, backends),
                                   hint="install the backend's extra, e.g. "
                                   "pip install 'crossgrad[jax]', or pick a usable one")
    return backend


def _not_found_message(name: str, backends: dict[str, Backend]) -> str:
    lines = [f"backend {name!r} is not usable here. Backends:"]
    for n, b in sorted(backends.items()):
        why = b.unavailable_reason()
        lines.append(f"  {n}: " + ("usable" if why is None else f"unusable: {why}"))
    return "\n".join(lines)


def set_backend(name: str) -> None:
    """Make ``name`` the default backend for new tensors in this process."""
    global _default
    _default = get_backend(name)


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[Backend]:
    """Create new tensors on ``name`` inside the block (scoped to this thread or task).

    >>> import crossgrad
    >>> with crossgrad.use_backend("numpy"):
    ...     crossgrad.zeros(2).backend
    'numpy'
    """
    token = _scoped.set(get_backend(name))
    try:
        yield _scoped.get()  # type: ignore[misc]
    finally:
        _scoped.reset(token)


def usable_backends() -> list[str]:
    return [n for n, b in all_backends().items() if b.unavailable_reason() is None]


def _resolve(name: Any) -> Backend:
    return get_backend(name)


context.install_resolver(_resolve, lambda: [get_backend(n) for n in usable_backends()])
