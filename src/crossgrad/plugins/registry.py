"""The registry: which backends and plugin ops exist, which backend is the default, and
selecting one. Plugins load on the first question asked here, not at ``import crossgrad``."""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Iterator
from typing import Any

from crossgrad.backends import DEFAULT
from crossgrad.backends.base import Backend
from crossgrad.core.errors import BackendNotFoundError, OpNotFoundError
from crossgrad.core.function import Function
from crossgrad.plugins import manager
from crossgrad.plugins.kernels import did_you_mean
from crossgrad.plugins.specs import OpSpec, resolve

_loaded: manager.Loaded | None = None
_default: Backend | None = None
_scoped: contextvars.ContextVar[Backend | None] = contextvars.ContextVar(
    "crossgrad_backend", default=None
)


# Held while plugins load and while the default backend is chosen, so that threads asking
# at once get one set of backend objects (two "numpy" backends would not mix). Reentrant:
# a plugin may make tensors while it loads.
_lock = threading.RLock()


def loaded() -> manager.Loaded:
    """Everything the plugins registered (loading them on the first call)."""
    global _loaded
    found = _loaded
    if found is None:
        with _lock:
            if _loaded is None:
                _loaded = manager.load()
            found = _loaded
    return found


def reload() -> manager.Loaded:
    """Load the plugins again (after installing one, or changing the environment's
    plugin controls); the default backend is chosen again on next use.

    The backends are new objects: tensors made before keep the old ones, so mixing them with
    new tensors raises BackendMismatchError. Meant for tools and tests; a fresh process is
    the clean way.
    """
    global _loaded, _default
    with _lock:
        _loaded, _default = None, None
        _namespaces.clear()
        return loaded()


def all_backends() -> dict[str, Backend]:
    """Every registered backend by name, usable or not."""
    return loaded().backends


def plugin_records() -> list[manager.PluginRecord]:
    """One record per plugin, built-ins first: state, reason and what it registered."""
    return loaded().records


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
        found = _default
        if found is None:
            with _lock:
                if _default is None:
                    _default = get_backend(os.environ.get("CROSSGRAD_BACKEND") or DEFAULT)
                found = _default
        return found
    if isinstance(name, Backend):
        return name
    backends = all_backends()
    clash = loaded().contested.get(("backend", name))
    if clash is not None:
        raise clash.error()
    backend = backends.get(name)
    reason = None if backend is None else backend.unavailable_reason()
    if backend is None:
        raise BackendNotFoundError(
            _not_found_message(name, backends),
            hint="check the name, or install the plugin that provides the backend",
        )
    if reason is not None:
        raise BackendNotFoundError(
            _not_found_message(name, backends),
            hint=f"{backend.install_hint or 'pip install ' + (backend.requires or name)}, "
            "or pick a usable one",
        )
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


def builtin_backend_names() -> list[str]:
    """The names of crossgrad's own backends, usable or not (each registers whether or not
    its library is installed, and reports why it cannot run)."""
    return [n for r in plugin_records() if r.builtin for n in r.backends]


def array_backend(array: Any) -> Backend | None:
    """The registered backend whose arrays ``array`` is one of (by its type's module, see
    :meth:`Backend.owns`), or None for other data (lists, scalars, unknown arrays)."""
    for backend in all_backends().values():
        if backend.owns(array):
            return backend
    return None


# ---------------------------------------------------------------- plugin ops
#: Plugins crossgrad knows of, by namespace, for the error of a namespace not installed.
KNOWN_PLUGINS = {
    "fused": "crossgrad-fused (in crossgrad's repository: pip install ./plugins/crossgrad-fused)",
}


class OpNamespace:
    """``crossgrad.ops.<namespace>``: the ops plugins registered under one namespace.

    Attribute access gives the op's callable, importing the plugin's code on first use;
    ``dir()`` lists the ops without importing anything.
    """

    def __init__(self, name: str, specs: dict[str, tuple[OpSpec, manager.PluginRecord]]) -> None:
        self._name, self._specs = name, specs

    def __getattr__(self, op: str) -> Any:
        if op.startswith("__"):
            raise AttributeError(op)
        full = f"{self._name}.{op}"
        clash = loaded().contested.get(("op", full))
        if clash is not None:
            raise clash.error()
        if op not in self._specs:
            raise OpNotFoundError(
                self._missing_op(op),
                hint="check the name (dir() lists the ops), or upgrade the plugin",
            )
        spec, record = self._specs[op]
        found = resolve(spec.function, f"op {full!r} of plugin {record.name!r} ({record.label})")
        if isinstance(found, type) and issubclass(found, Function):
            found = found.apply
        setattr(self, op, found)  # later lookups are plain attribute reads
        return found

    def _missing_op(self, op: str) -> str:
        names = sorted(self._specs)
        owners = sorted({r.label for _, r in self._specs.values()})
        return (
            f"crossgrad.ops.{self._name} has no op {op!r}; its ops (from "
            f"{', '.join(owners)}): {', '.join(names)}" + did_you_mean(op, names)
        )

    def __dir__(self) -> list[str]:
        return sorted(self._specs)

    def __repr__(self) -> str:
        owners = sorted({r.label for _, r in self._specs.values()})
        return f"<crossgrad.ops.{self._name}: {len(self._specs)} ops from {', '.join(owners)}>"


#: The OpNamespace objects handed out, by namespace (cleared by reload).
_namespaces: dict[str, OpNamespace] = {}


def op_namespace(name: str) -> OpNamespace:
    """The plugin namespace ``crossgrad.ops.<name>``.

    Raises:
        OpNotFoundError: no loaded plugin registers ops there; the message says which
            installed plugin would (and why it did not load) or which package to install.
    """
    found = _namespaces.get(name)
    if found is None:
        state = loaded()
        if not any(not r.builtin for r in state.namespaces.get(name, [])):
            raise OpNotFoundError(
                _missing_namespace(name, state),
                hint="`crossgrad info` lists the plugins and what each registered",
            )
        specs = {spec.op: (spec, r) for spec, r in state.ops.values() if spec.namespace == name}
        found = _namespaces[name] = OpNamespace(name, specs)
    return found


def op_namespace_names() -> list[str]:
    """The plugin namespaces under ``crossgrad.ops`` (for ``dir`` and tab completion)."""
    return sorted(
        n for n, owners in loaded().namespaces.items() if not any(r.builtin for r in owners)
    )


def _missing_namespace(name: str, state: manager.Loaded) -> str:
    lines = [f"crossgrad.ops has no op namespace {name!r}"]
    for r in state.records:
        if r.name == name and r.state != "loaded":
            lines.append(f"plugin {name!r} ({r.label}) provides it but is {r.state}: {r.reason}")
            break
    else:
        if name in KNOWN_PLUGINS:
            lines.append(f"it is provided by the package {KNOWN_PLUGINS[name]}")
        else:
            lines.append("no installed plugin registers it: install the package that provides it")
    lines.append(f"plugin namespaces here: {', '.join(op_namespace_names()) or 'none'}")
    return "\n".join(lines)
