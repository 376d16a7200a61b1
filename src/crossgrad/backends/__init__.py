"""Backends: one module per array library, each registered through the plugin hook.

This package is the one place that names crossgrad's own backends; everything else asks the
registry, and learns what a backend is from its :class:`~crossgrad.backends.base.Backend`
attributes.
"""

#: The modules of crossgrad's own backends, registered by the plugin manager before any
#: installed plugin (each defines the ``crossgrad_backends`` hook).
BUILTIN_MODULES = (
    "crossgrad.backends.numpy",
    "crossgrad.backends.jax",
    "crossgrad.backends.cupy",
)

#: The backend new tensors go to unless ``CROSSGRAD_BACKEND``, ``set_backend`` or
#: ``use_backend`` pick another.
DEFAULT = "numpy"

#: The backend every other one is checked against: CPU, float64, exact kernels.
REFERENCE = "numpy"
