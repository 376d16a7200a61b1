"""Test configuration: the crossgrad pytest plugin (``backend`` fixture) and pytester."""

import importlib.metadata
import os

_PLUGIN = "crossgrad.testing.pytest_plugin"


def _installed_as_entry_point() -> bool:
    """Whether pytest already loads the plugin through a ``pytest11`` entry point
    (registering the module twice would be an error)."""
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return False
    eps = importlib.metadata.entry_points(group="pytest11")
    return any(ep.value.split(":")[0] == _PLUGIN for ep in eps)


pytest_plugins = ["pytester"] + ([] if _installed_as_entry_point() else [_PLUGIN])
