"""The kernels that exist: crossgrad's portable kernels by name, for a backend or kernel author
who builds on one, and for checking kernel names when plugins register."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from crossgrad.core.function import PORTABLE_KERNELS


def get_portable_kernel(name: str) -> Callable[..., Any]:
    """Return the portable kernel of ``name``, ``kernel(xp, *arrays, **params)``, written
    against the array-API namespace ``xp`` (what a backend runs without its own kernel).

    Raises:
        KeyError: no op registered a kernel of that name; the message lists the closest.

    >>> import crossgrad, numpy as np
    >>> get_portable_kernel("tanh")(crossgrad.get_backend("numpy").xp, np.zeros(1))
    array([0.])
    """
    kernel = PORTABLE_KERNELS.get(name)
    if kernel is None:
        raise KeyError(
            f"no portable kernel is called {name!r}{did_you_mean(name, PORTABLE_KERNELS)}"
        )
    return kernel


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``". Did you mean a, b?"`` with the choices closest to ``name``, or ``""``."""
    close = difflib.get_close_matches(name, sorted(choices), n=3)
    return f". Did you mean {', '.join(close)}?" if close else ""
