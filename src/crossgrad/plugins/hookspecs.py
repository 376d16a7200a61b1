"""Hook specifications: what a plugin (built-in or third-party) can contribute.

A plugin is a module (or object) with functions named like these; crossgrad registers its
own backends through exactly the same hooks.
"""

from __future__ import annotations

from typing import Any


def crossgrad_backends() -> list[Any]:
    """Return the :class:`crossgrad.backends.base.Backend` instances this plugin provides.

    Construct them cheaply: a backend imports its array library only when first used.
    """
