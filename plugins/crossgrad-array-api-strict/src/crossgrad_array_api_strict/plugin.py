"""The crossgrad plugin module named by this distribution's ``crossgrad`` entry point.

It stays light: registering the backend imports neither array_api_strict nor NumPy's
random machinery; the namespace is loaded on the backend's first use.
"""

from __future__ import annotations

from crossgrad.plugins import Backend

from crossgrad_array_api_strict.backend import ArrayApiStrictBackend


def crossgrad_backends() -> list[Backend]:
    """Register the ``array_api_strict`` backend (pluggy looks this hook up by name)."""
    return [ArrayApiStrictBackend()]
