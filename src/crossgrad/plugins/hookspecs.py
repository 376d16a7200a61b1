"""Hook specifications: what a plugin (built-in or third-party) can contribute.

A plugin is a module (or object) with functions named like these; it need not import
pluggy. crossgrad registers its own backends and op catalogue through exactly these hooks.
Each hook takes no arguments and returns a list; a plugin's entry-point module should stay
light (no array library imports) and name heavy code by ``"module:attr"`` references.
"""

from __future__ import annotations

from typing import Any


def crossgrad_backends() -> list[Any]:
    """Return the :class:`crossgrad.plugins.Backend` instances this plugin provides.

    Construct them cheaply: a backend imports its array library only when first used.
    A backend name is claimed once: a second plugin claiming it makes the name raise
    :class:`~crossgrad.PluginError` (naming both distributions) until one is removed.
    """
    raise NotImplementedError  # a hook specification: plugins implement it


def crossgrad_ops() -> list[Any]:
    """Return the :class:`crossgrad.plugins.OpSpec` of each op this plugin adds.

    Names are ``"<namespace>.<op>"``; users call ``crossgrad.ops.<namespace>.<op>(...)``.
    Name the namespace like the plugin's entry point, so a missing op's error can say which
    plugin to enable. The namespaces of crossgrad's own ops (``linalg``, ``reduce``, ...)
    are reserved.
    """
    raise NotImplementedError  # a hook specification: plugins implement it


def crossgrad_kernels() -> list[Any]:
    """Return the :class:`crossgrad.plugins.KernelSpec` of each kernel this plugin adds to
    a backend: kernels of its own ops, or, declared with ``override=True``, replacements
    of kernels that exist already (a built-in op's, or another distribution's). A name that
    no op has, nor an :class:`~crossgrad.plugins.OpSpec` declares, fails the plugin."""
    raise NotImplementedError  # a hook specification: plugins implement it
