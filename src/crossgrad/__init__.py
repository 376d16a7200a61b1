"""crossgrad: a define-by-run autograd framework on pluggable array backends.

The API follows PyTorch's names and semantics: ``crossgrad.tensor``, ``crossgrad.nn``,
``crossgrad.autograd.Function``, ``no_grad``. Arrays live on a backend (NumPy by default;
``CROSSGRAD_BACKEND=jax`` or ``crossgrad.set_backend`` to change it).
"""

from __future__ import annotations

from crossgrad import ops as _ops
from crossgrad._tensor import Tensor
from crossgrad.core.dtypes import (
    DType,
    bfloat16,
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from crossgrad.core.errors import (
    AnomalyError,
    BackendMismatchError,
    BackendNotFoundError,
    CheckpointError,
    CheckpointWriteError,
    CrossgradError,
    DTypeError,
    GradientContractError,
    GraphError,
    InplaceError,
    PluginError,
    ShapeError,
)
from crossgrad.core.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from crossgrad.plugins.registry import get_backend, set_backend, use_backend

from crossgrad.ops.creation import *  # noqa: E402, F403
from crossgrad.ops.elementwise import *  # noqa: E402, F403
from crossgrad.ops.reduce import *  # noqa: E402, F403
from crossgrad.ops.shape import *  # noqa: E402, F403
from crossgrad.ops.index import *  # noqa: E402, F403
from crossgrad.ops.linalg import *  # noqa: E402, F403
from crossgrad.ops.conv import *  # noqa: E402, F403

from crossgrad import autograd, nn, optim, testing, utils  # noqa: E402
from crossgrad.serialization import load, save  # noqa: E402

half, float, double = float16, float32, float64  # noqa: A001 - PyTorch's aliases
short, int, long = int16, int32, int64  # noqa: A001
bool = bool_  # noqa: A001

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "DType",
    "autograd",
    "nn",
    "optim",
    "testing",
    "utils",
    "save",
    "load",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "get_backend",
    "set_backend",
    "use_backend",
    "get_default_dtype",
    "set_default_dtype",
    "bool_",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "half",
    "float",
    "double",
    "short",
    "int",
    "long",
    "bool",
    "CrossgradError",
    "ShapeError",
    "DTypeError",
    "BackendMismatchError",
    "BackendNotFoundError",
    "GraphError",
    "InplaceError",
    "GradientContractError",
    "AnomalyError",
    "PluginError",
    "CheckpointError",
    "CheckpointWriteError",
]
for _module in _ops.modules():
    __all__ += _module.__all__
