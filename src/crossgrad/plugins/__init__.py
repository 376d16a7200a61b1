"""Plugins: what a plugin package registers, the hook specs and the plugin manager.

A plugin author imports the spec types and the op base class from here::

    from crossgrad.plugins import KernelSpec, Op, OpSpec

``manager`` (the only module that imports pluggy) loads the plugins, and ``registry`` asks
it to on the first use of a backend or a plugin op, not at ``import crossgrad``.
"""

from crossgrad.backends.base import Backend
from crossgrad.core.function import Op
from crossgrad.plugins.specs import KernelSpec, OpSpec

__all__ = ["Backend", "KernelSpec", "Op", "OpSpec"]
