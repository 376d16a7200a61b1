"""The op catalogue: each op defined once, with its derivative beside it.

Every op module lists the names it exports as ``crossgrad.<name>`` in ``__all__``; the
Tensor methods that call them are declared in ``crossgrad/_tensor.py``, and
``crossgrad.nn.functional`` re-exports the ops PyTorch keeps under ``torch.nn.functional``.
``crossgrad.ops.catalogue`` registers them through the ``crossgrad_ops`` hook, as plugins
do; plugin ops have their place here: ``crossgrad.ops.<namespace>.<op>``.
"""

from __future__ import annotations

import pkgutil
from types import ModuleType
from typing import Any

from crossgrad.ops import (
    activation,
    conv,
    creation,
    dropout,
    elementwise,
    embedding,
    index,
    linalg,
    loss,
    normalization,
    reduce,
    resample,
    shape,
)
from crossgrad.plugins import registry


def modules() -> list[ModuleType]:
    """The op modules, in the order their names are exported."""
    return [
        creation,
        elementwise,
        reduce,
        shape,
        index,
        linalg,
        conv,
        # torch.nn.functional's ops: none is crossgrad.<name> (empty __all__)
        activation,
        dropout,
        embedding,
        loss,
        normalization,
        resample,
    ]


_SUBMODULES = frozenset(m.name for m in pkgutil.iter_modules(__path__))


def __getattr__(name: str) -> Any:
    # Only plugin namespaces get here: a submodule not imported yet must stay importable.
    if name.startswith("_") or name in _SUBMODULES:
        raise AttributeError(f"module 'crossgrad.ops' has no attribute {name!r}")
    return registry.op_namespace(name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(registry.op_namespace_names()))
