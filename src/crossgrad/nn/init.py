"""``crossgrad.nn.init``: fill parameters in place with PyTorch's initialisation schemes.

Every function writes under ``no_grad`` through the tensor's in-place path (on JAX that
rebinds the tensor to a new array), draws from the random generator of the tensor's own
backend (``crossgrad.manual_seed`` makes it repeatable) and returns the tensor.
"""

from __future__ import annotations

import math
from typing import Any

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.core.grad_mode import no_grad
from crossgrad.core.tensor import make
from crossgrad.ops import elementwise as ew
from crossgrad.ops.creation import rand, randn

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "constant_",
    "zeros_",
    "ones_",
    "eye_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
    "trunc_normal_",
]

_LINEAR_GAIN = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Return the recommended gain for ``nonlinearity``, as PyTorch's table.

    >>> round(calculate_gain("relu"), 4), calculate_gain("tanh")
    (1.4142, 1.6666666666666667)
    """
    if nonlinearity in _LINEAR_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(
                f"calculate_gain: negative_slope {param!r} is not a valid number"
                f"\nhint: pass a float, e.g. 0.01"
            )
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    valid = ", ".join([*_LINEAR_GAIN, "tanh", "relu", "leaky_relu", "selu"])
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity={nonlinearity!r}\nhint: pick one of {valid}"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """Return (fan_in, fan_out) of a weight shaped (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ShapeError(
            f"init: fan in and fan out can not be computed for a tensor with fewer than 2 "
            f"dimensions: shape={tensor.shape}",
            hint="use uniform_ or normal_ for biases",
        )
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode={mode!r} is not supported\nhint: pick one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _floating(tensor: Any, op: str) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise DTypeError(
            f"{op}: expected a Tensor, received {type(tensor).__name__}",
            hint="pass a parameter, e.g. layer.weight",
        )
    if tensor.dtype.category != dtypes.FLOATING:
        raise DTypeError(
            f"{op}: needs a floating tensor, received dtype={tensor.dtype!r}",
            hint="cast first with .float()",
        )
    return tensor


def _write(tensor: Tensor, values: Tensor) -> Tensor:
    with no_grad():
        tensor.copy_(values)
    return tensor


def _rand(tensor: Tensor) -> Tensor:
    return rand(*tensor.shape, dtype=tensor.dtype, backend=tensor.backend)


def _randn(tensor: Tensor) -> Tensor:
    return randn(*tensor.shape, dtype=tensor.dtype, backend=tensor.backend)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples from U(a, b).

    >>> import crossgrad
    >>> w = uniform_(crossgrad.empty(3, 5), -0.1, 0.1)
    >>> bool((w.abs() <= 0.1).all())
    True
    """
    _floating(tensor, "uniform_")
    return _write(tensor, _rand(tensor) * (b - a) + a)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples from N(mean, std**2)."""
    _floating(tensor, "normal_")
    return _write(tensor, _randn(tensor) * std + mean)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with no_grad():
        tensor.fill_(val)
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ShapeError(
            f"eye_: only 2-D tensors are supported, received shape={tensor.shape}",
            hint="pass a matrix",
        )
    from crossgrad.ops.creation import eye

    rows, cols = tensor.shape
    return _write(tensor, eye(rows, cols, dtype=tensor.dtype, backend=tensor.backend))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(_floating(tensor, "xavier_uniform_"))
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(_floating(tensor, "xavier_normal_"))
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    >>> import crossgrad
    >>> w = kaiming_uniform_(crossgrad.empty(4, 6), a=5 ** 0.5)
    >>> bool((w.abs() <= 1 / 6 ** 0.5).all())
    True
    """
    fan = _calculate_correct_fan(_floating(tensor, "kaiming_uniform_"), mode)
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """He normal: N(0, std**2) with ``std = gain / sqrt(fan)``."""
    fan = _calculate_correct_fan(_floating(tensor, "kaiming_normal_"), mode)
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def trunc_normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0
) -> Tensor:
    """Fill with N(mean, std**2) samples restricted to [a, b] (redrawn until inside).

    Samples outside are drawn again, up to 100 rounds; an interval so far in a tail that
    some are still outside then gets them clamped to the interval.
    """
    _floating(tensor, "trunc_normal_")
    if not a < b:
        raise ValueError(
            f"trunc_normal_: need a < b, received a={a}, b={b}\nhint: pass the lower bound first"
        )
    with no_grad():
        x = _randn(tensor) * std + mean
        for _ in range(100):
            outside = (x < a) | (x > b)
            if not bool(outside.any()):
                break
            x = ew.where(outside, _randn(tensor) * std + mean, x)
        x = ew.clamp(x, a, b)
    return _write(tensor, x)


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Fill with a (semi-)orthogonal matrix from the QR of a Gaussian matrix, times ``gain``.

    Dims after the first are flattened: rows are orthonormal when ``rows <= cols``,
    columns otherwise.
    """
    _floating(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ShapeError(
            f"orthogonal_: only tensors with 2 or more dimensions are supported, "
            f"received shape={tensor.shape}",
            hint="pass a weight matrix",
        )
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = randn(rows, cols, dtype=tensor.dtype, backend=tensor.backend)
    if rows < cols:
        flat = flat.T
    xp = flat._backend.xp
    q, r = xp.linalg.qr(flat._data)
    # Multiplying by the signs of diag(r) makes the result uniform over orthogonal matrices.
    signs = xp.sign(xp.linalg.diagonal(r) if hasattr(xp.linalg, "diagonal") else xp.diagonal(r))
    q = make(q * signs[None, :], flat._backend)
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(tensor.shape))
