"""Plugins: what a plugin package registers, the hook specs and the plugin manager.

A plugin author imports the spec types and the op base class from here::

    from crossgrad.plugins import KernelSpec, Op, OpSpec

Importing this package imports neither pluggy nor any plugin; ``manager`` (the only module
that imports pluggy) and ``registry`` load plugins on first use.
"""

from crossgrad.backends.base import Backend
from crossgrad.core.function import Op
from crossgrad.core.specs import KernelSpec, OpSpec

__all__ = ["Backend", "KernelSpec", "Op", "OpSpec"]
