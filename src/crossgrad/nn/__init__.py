"""``crossgrad.nn``: Module, Parameter, layers and losses (``functional`` holds the stateless
ops, ``init`` the initialisation schemes)."""

from __future__ import annotations

from crossgrad.nn import functional, init, utils
from crossgrad.nn.module import IncompatibleKeys, Module, RemovableHandle
from crossgrad.nn.modules import *  # noqa: F403
from crossgrad.nn.modules import __all__ as _layers
from crossgrad.nn.parameter import Parameter

__all__ = [
    "functional",
    "init",
    "utils",
    "Module",
    "Parameter",
    "RemovableHandle",
    "IncompatibleKeys",
    *_layers,
]
