"""The op catalogue: each op defined once, attached to Tensor as methods and operators.

Every op module lists the names it exports as ``crossgrad.<name>`` in ``__all__`` and the
names that are also Tensor methods in ``TENSOR_METHODS``.
"""

from __future__ import annotations

from types import ModuleType

from crossgrad.ops import conv, creation, elementwise, index, linalg, reduce, shape


def modules() -> list[ModuleType]:
    """The op modules, in the order their names are exported."""
    return [creation, elementwise, reduce, shape, index, linalg, conv]


from crossgrad.ops.methods import install  # noqa: E402

install()
