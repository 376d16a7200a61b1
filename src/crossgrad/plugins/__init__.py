"""Plugins: what a plugin package registers, the hook specs and the plugin manager.

Everything a plugin author needs comes from here (and from ``crossgrad`` and
``crossgrad.testing``), never from ``crossgrad.core``::

    from crossgrad.plugins import Backend, DType, DTypeError, KernelSpec, Op, OpSpec, dtypes

``Backend`` and ``Op`` are the base classes of a backend and of an op; ``OpSpec`` and
``KernelSpec`` what the hooks return; ``dtypes`` holds crossgrad's dtype objects (and
``dtypes.from_native``); ``get_portable_kernel(name)`` gives the portable kernel a backend's
own kernel may build on; the error classes are the ones crossgrad raises.

``manager`` (the only module that imports pluggy) loads the plugins, and ``registry`` asks
it to on the first use of a backend or a plugin op, not at ``import crossgrad``.
"""

from crossgrad.backends.base import Backend
from crossgrad.core import dtypes
from crossgrad.core.dtypes import DType
from crossgrad.core.errors import (
    BackendMismatchError,
    BackendNotFoundError,
    CrossgradError,
    DTypeError,
    OpNotFoundError,
    PluginError,
    PluginWarning,
    ShapeError,
)
from crossgrad.core.function import Op
from crossgrad.plugins.kernels import get_portable_kernel
from crossgrad.plugins.specs import KernelSpec, OpSpec

__all__ = [
    "Backend",
    "BackendMismatchError",
    "BackendNotFoundError",
    "CrossgradError",
    "DType",
    "DTypeError",
    "KernelSpec",
    "Op",
    "OpNotFoundError",
    "OpSpec",
    "PluginError",
    "PluginWarning",
    "ShapeError",
    "dtypes",
    "get_portable_kernel",
]
