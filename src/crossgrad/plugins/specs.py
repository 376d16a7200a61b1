"""What a plugin registers: op specs and kernel specs, and the lazy references they hold.

A plugin's entry-point module should import nothing heavy: its specs name their functions,
kernels and test cases as ``"module:attribute"`` strings, imported on first use. Plain
objects work too (they are simply imported earlier).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crossgrad.core.errors import PluginError

#: An op's full name: ``<namespace>.<op>``, both Python identifiers in lower case.
OP_NAME = re.compile(r"^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$")


@dataclass(frozen=True)
class OpSpec:
    """One op a plugin adds, reached as ``crossgrad.ops.<namespace>.<op>``.

    Args:
        name: ``"<namespace>.<op>"``, e.g. ``"fused.rms_norm"``.
        function: what users call: a :class:`~crossgrad.autograd.Function` subclass (its
            ``apply`` is called) or any callable taking Tensors, or a ``"module:attr"``
            string naming one, imported on the op's first use.
        cases: its :class:`~crossgrad.testing.OpCase` rows (a sequence or a ``"module:attr"``
            string), which the conformance checks run on every backend.
        errors: its declared bad inputs, :class:`~crossgrad.testing.ErrorCase` rows (a
            sequence or a ``"module:attr"`` string), checked to raise the same error class
            and message on every backend.
        summary: one line for ``crossgrad info`` and ``help``, known without importing.
        kernels: the names of the further kernels the op's code runs besides its own
            (its backward step's, ``"fused.rms_norm_backward"``), all in its namespace:
            a :class:`KernelSpec` may name them, known before the code is imported.
    """

    name: str
    function: Any
    cases: Any = ()
    errors: Any = ()
    summary: str = ""
    kernels: tuple[str, ...] = ()

    @property
    def namespace(self) -> str:
        return self.name.partition(".")[0]

    @property
    def op(self) -> str:
        return self.name.partition(".")[2]


@dataclass(frozen=True)
class KernelSpec:
    """A kernel a plugin adds to (or replaces on) one backend.

    Args:
        op: the kernel name, which is the op's name for its forward (``"fused.rms_norm"``,
            or a built-in op's kernel such as ``"tanh"``), or one an :class:`OpSpec`
            declares in its ``kernels``. A name no op has makes the plugin fail to load.
        backend: the backend it runs on (``"numpy"``, ``"jax"``, ``"cupy"``, ...).
        kernel: ``kernel(xp, *arrays, **params) -> array``, or a ``"module:attr"`` string
            naming it, imported on its first call.
        override: declares that this kernel replaces one that exists already: a built-in
            op's kernel, or one of another distribution's ops. Without it such a kernel is
            a clash, and the plugin is not loaded.
    """

    op: str
    backend: str
    kernel: Any
    override: bool = False


def resolve(ref: Any, what: str) -> Any:
    """The object ``ref`` names when it is a ``"module:attr"`` string; ``ref`` otherwise.

    Raises:
        PluginError: the module does not import or lacks the attribute; ``what`` says
            whose reference it was.
    """
    if not isinstance(ref, str):
        return ref
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name or not attr:
        raise PluginError(
            f"{what}: {ref!r} is not a 'module:attribute' reference",
            hint="write references as 'package.module:name'",
        )
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except Exception as exc:  # noqa: BLE001 - any failure of a plugin's import is reported
        raise PluginError(
            f"{what}: cannot load {ref!r}: {type(exc).__name__}: {exc}",
            hint="check that the plugin is installed completely, or reinstall it",
        ) from exc
    return obj


class LazyKernel:
    """A kernel named by reference: imported on its first call, after which the backend's
    kernel table holds the real function (no cost on later calls)."""

    __slots__ = ("table", "name", "ref", "what")

    def __init__(
        self, table: dict[str, Callable[..., Any]], name: str, ref: str, what: str
    ) -> None:
        self.table, self.name, self.ref, self.what = table, name, ref, what

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kernel = self.load()
        self.table[self.name] = kernel
        return kernel(*args, **kwargs)

    def load(self) -> Callable[..., Any]:
        """Import the kernel function and return it."""
        kernel = resolve(self.ref, self.what)
        if not callable(kernel):
            raise PluginError(
                f"{self.what}: {self.ref!r} is {kernel!r}, not a function",
                hint="name the kernel function itself",
            )
        return kernel

    def __repr__(self) -> str:
        return f"<lazy kernel {self.name!r}: {self.ref}>"
