"""The plugin manager: registers the built-in plugins and installed ones through pluggy."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import warnings
from typing import Any

import pluggy

from crossgrad.core.errors import PluginError
from crossgrad.plugins import hookspecs

PROJECT = "crossgrad"
ENTRY_POINT_GROUP = "crossgrad"
BUILTIN_PLUGINS = ("crossgrad.backends.numpy", "crossgrad.backends.jax", "crossgrad.backends.cupy")


class _PluginManager(pluggy.PluginManager):
    """Takes unmarked ``crossgrad_*`` functions as specs and implementations (as pytest does
    for ``pytest_*``), so plugins need not import pluggy."""

    def parse_hookspec_opts(self, module_or_class: Any, name: str) -> Any:
        opts = super().parse_hookspec_opts(module_or_class, name)
        if opts is None and name.startswith("crossgrad_"):
            return {"firstresult": False, "historic": False, "warn_on_impl": None,
                    "warn_on_impl_args": None}
        return opts

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        opts = super().parse_hookimpl_opts(plugin, name)
        if opts is None and name.startswith("crossgrad_") and callable(getattr(plugin, name)):
            return {}
        return opts


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class PluginRecord:
    """What happened to one plugin: where it came from and whether it loaded."""

    def __init__(self, name: str, distribution: str, version: str, state: str,
                 reason: str = "") -> None:
        self.name, self.distribution, self.version = name, distribution, version
        self.state, self.reason = state, reason


def build() -> tuple[pluggy.PluginManager, list[PluginRecord]]:
    """Create the plugin manager with the built-ins and the installed entry points."""
    pm = _PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    records = []
    for module_name in BUILTIN_PLUGINS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue  # a built-in backend file not written yet
        pm.register(module, name=module_name)
        records.append(PluginRecord(module_name, PROJECT, _version(PROJECT), "loaded"))
    if not _truthy("CROSSGRAD_DISABLE_PLUGIN_AUTOLOAD"):
        records += _load_entry_points(pm)
    return pm, records


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _load_entry_points(pm: pluggy.PluginManager) -> list[PluginRecord]:
    allow = {n for n in os.environ.get("CROSSGRAD_PLUGINS", "").split(",") if n}
    block = {n for n in os.environ.get("CROSSGRAD_BLOCK_PLUGINS", "").split(",") if n}
    records = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist else "unknown"
        version = ep.dist.version if ep.dist else "unknown"
        if ep.name in block or (allow and ep.name not in allow):
            records.append(PluginRecord(ep.name, dist, version, "blocked"))
            continue
        try:
            pm.register(ep.load(), name=ep.name)
            records.append(PluginRecord(ep.name, dist, version, "loaded"))
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break crossgrad
            reason = f"{type(exc).__name__}: {exc}"
            if _truthy("CROSSGRAD_STRICT_PLUGINS"):
                raise PluginError(f"plugin {ep.name!r} from {dist} {version} failed to load: "
                                  f"{reason}", hint="fix or uninstall the plugin") from exc
            warnings.warn(f"crossgrad: plugin {ep.name!r} from {dist} {version} failed to "
                          f"load and was skipped: {reason}", stacklevel=2)
            records.append(PluginRecord(ep.name, dist, version, "failed", reason))
    return records
