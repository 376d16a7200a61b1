"""``crossgrad.autograd``: the Function protocol, ``grad``, ``backward``, anomaly detection."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from crossgrad.core import grad_mode
from crossgrad.core.engine import backward, grad
from crossgrad.core.function import Function, Node, once_differentiable
from crossgrad.core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

FunctionCtx = Node

__all__ = [
    "Function",
    "FunctionCtx",
    "once_differentiable",
    "grad",
    "backward",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "gradcheck",  # noqa: F822 - resolved lazily by __getattr__
    "gradgradcheck",  # noqa: F822
]


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first backward that produces NaN or inf, naming the op and showing the
    traceback of the forward call that created it."""
    previous = grad_mode.state.anomaly
    grad_mode.state.anomaly = True
    try:
        yield
    finally:
        grad_mode.state.anomaly = previous


def __getattr__(name: str) -> object:
    # gradcheck lives in crossgrad.testing (it imports the whole op set); re-exported lazily.
    # import_module, because crossgrad.testing.gradcheck is also the name of the function.
    if name in ("gradcheck", "gradgradcheck"):
        import importlib

        return getattr(importlib.import_module("crossgrad.testing.gradcheck"), name)
    raise AttributeError(f"module 'crossgrad.autograd' has no attribute {name!r}")
