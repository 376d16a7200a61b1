"""The one error hierarchy of crossgrad.

Every class is also a builtin exception type, so ``except ValueError`` in user code keeps
working. Messages name the op, show the offending values as ``name=value`` and end with one
``hint:`` line.
"""

from __future__ import annotations


class CrossgradError(Exception):
    """Base class of every error crossgrad raises on purpose."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        if hint:
            message = f"{message}\nhint: {hint}"
        super().__init__(message)


class ShapeError(CrossgradError, ValueError):
    """Shapes that do not fit the op: broadcasting, matmul, reshape, dims, indices."""


class DTypeError(CrossgradError, TypeError):
    """A dtype the op cannot take, or a cast that would lose information."""


class BackendMismatchError(CrossgradError, ValueError):
    """Tensors of two backends meet in one op."""


class BackendNotFoundError(CrossgradError, LookupError):
    """A backend name that is not installed or not usable here."""


class GraphError(CrossgradError, RuntimeError):
    """Misuse of the autograd graph: backward twice, no graph, non-scalar outputs."""


class InplaceError(CrossgradError, RuntimeError):
    """An in-place change that autograd cannot allow."""


class GradientContractError(CrossgradError, RuntimeError):
    """A backward that returned the wrong number, shape or dtype of gradients."""


class AnomalyError(CrossgradError, RuntimeError):
    """NaN or inf found by ``detect_anomaly`` in a backward output."""


class PluginError(CrossgradError, RuntimeError):
    """A plugin that cannot be loaded or registers something malformed."""


class OpNotFoundError(PluginError, AttributeError):
    """``crossgrad.ops.<namespace>.<op>`` names nothing registered; the message says which
    plugin provides it, or why that plugin did not load."""


class PluginWarning(UserWarning):
    """A plugin that was skipped (it failed, or clashed with another) while crossgrad went
    on without it; ``CROSSGRAD_STRICT_PLUGINS=1`` raises :class:`PluginError` instead."""


class CheckpointError(CrossgradError, ValueError):
    """A checkpoint file that is truncated, corrupt, oversized or foreign."""


class CheckpointWriteError(CheckpointError, OSError):
    """A checkpoint that could not be written (disk full, no permission); also an OSError,
    keeping its ``errno``. The file that was at the destination is left as it was."""

    def __init__(self, message: str, hint: str | None = None, errno: int | None = None) -> None:
        super().__init__(message, hint)
        self.errno = errno

    def __str__(self) -> str:  # OSError's would print "[Errno n] None"
        return str(self.args[0])
