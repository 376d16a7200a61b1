"""The built-in op plugin: crossgrad's op catalogue, registered like any plugin's ops."""

from __future__ import annotations

import crossgrad.ops
from crossgrad.plugins.specs import OpSpec


def crossgrad_ops() -> list[OpSpec]:
    """The built-in ops, as ``<module>.<name>`` (``linalg.matmul``)."""
    return [
        OpSpec(f"{m.__name__.rpartition('.')[2]}.{name}", getattr(m, name))
        for m in crossgrad.ops.modules()
        for name in m.__all__
    ]


#: Names under ``crossgrad.ops`` that are crossgrad's (its modules and helpers): a plugin
#: namespace of one of these names could never be reached, so none may take one.
NAMESPACES_TAKEN = frozenset(
    {n for n in vars(crossgrad.ops) if not n.startswith("__")} | crossgrad.ops._SUBMODULES
)
