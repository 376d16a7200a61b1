"""CuPy kernels of the fused ops, written in CUDA C++ through CuPy's user-defined kernels.

crossgrad imports this module on the first fused op that runs on the CuPy backend; CuPy
itself is imported on the first call here, and each CUDA kernel is built once on first use
and kept in ``_KERNELS`` (CuPy compiles it for the dtypes it meets and caches the binary).
Like the portable kernels, each also returns what the op's backward reuses; the backward
steps run their portable kernels on CuPy.

- ``rms_norm``: a ``ReductionKernel`` (sum of squares per row), the per-row factor
  ``1 / sqrt(mean + eps)``, and an ``ElementwiseKernel`` (scale).
- ``swiglu``: one ``ElementwiseKernel``, writing the output and ``sigmoid(gate)``.
- ``softmax_cross_entropy``: one ``RawKernel``, one thread per row, reading each logit once
  (an online log-sum-exp: the running sum is rescaled whenever the running max grows), then
  the softmax from the log-sum-exp it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["rms_norm", "swiglu", "softmax_cross_entropy"]

#: Built kernels by name, made on first use.
_KERNELS: dict[str, Any] = {}


def _kernel(name: str, make: Callable[[Any], Any]) -> Any:
    """The kernel ``name``, made with ``make(cupy)`` on its first use."""
    kernel = _KERNELS.get(name)
    if kernel is None:
        import cupy

        kernel = _KERNELS[name] = make(cupy)
    return kernel


# ====================================================================== rms_norm


def _sum_of_squares(cupy: Any) -> Any:
    return cupy.ReductionKernel(
        "T x", "T y", "x * x", "a + b", "y = a", "0", "crossgrad_fused_sum_of_squares"
    )


def _rms_scale(cupy: Any) -> Any:
    return cupy.ElementwiseKernel("T x, T r", "T y", "y = x * r", "crossgrad_fused_rms_scale")


def _rms_scale_weight(cupy: Any) -> Any:
    return cupy.ElementwiseKernel(
        "T x, T r, T w", "T y", "y = x * r * w", "crossgrad_fused_rms_scale_weight"
    )


def rms_norm(xp: Any, x: Any, weight: Any, eps: float) -> tuple[Any, Any]:
    """``x / sqrt(mean(x**2, -1) + eps) * weight`` and the factor ``1 / sqrt(...)``."""
    import cupy

    sum_sq = _kernel("sum_of_squares", _sum_of_squares)(x, axis=x.ndim - 1, keepdims=True)
    # Scalars as NumPy scalars of x's dtype, so that the result keeps x's dtype.
    scalar = x.dtype.type
    r = scalar(1) / cupy.sqrt(sum_sq * scalar(1.0 / x.shape[-1]) + scalar(eps))
    if weight is None:
        return _kernel("rms_scale", _rms_scale)(x, r), r
    return _kernel("rms_scale_weight", _rms_scale_weight)(x, r, weight), r


# ====================================================================== swiglu


def _swiglu(cupy: Any) -> Any:
    # gate / (1 + exp(-gate)) is gate * sigmoid(gate); for very negative gate exp overflows
    # to inf and the quotient is -0, the right limit.
    return cupy.ElementwiseKernel(
        "T gate, T up",
        "T y, T s",
        "s = (T)1 / ((T)1 + exp(-gate)); y = gate * s * up",
        "crossgrad_fused_swiglu",
    )


def swiglu(xp: Any, gate: Any, up: Any) -> tuple[Any, Any]:
    """``gate * sigmoid(gate) * up`` and ``sigmoid(gate)``."""
    y, sigmoid = _kernel("swiglu", _swiglu)(gate, up)
    return y, sigmoid


# ====================================================================== softmax_cross_entropy

_XENT_SOURCE = r"""
extern "C" __global__ void crossgrad_fused_xent_{name}(
        const {T}* logits, const long long* target, {T}* loss, {T}* lse, long long n,
        long long c) {{
    long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= n) return;
    const {T}* x = logits + row * c;
    {T} running_max = x[0];
    {T} total = 1;
    for (long long j = 1; j < c; ++j) {{
        {T} v = x[j];
        if (v > running_max) {{
            total = total * {exp}(running_max - v) + 1;
            running_max = v;
        }} else {{
            total += {exp}(v - running_max);
        }}
    }}
    lse[row] = running_max + {log}(total);
    loss[row] = lse[row] - x[target[row]];
}}
"""

_C_TYPES = {"float32": ("float", "expf", "logf"), "float64": ("double", "exp", "log")}
_THREADS = 128


def _xent(dtype_name: str) -> Callable[[Any], Any]:
    c_type, exp, log = _C_TYPES[dtype_name]
    source = _XENT_SOURCE.format(name=dtype_name, T=c_type, exp=exp, log=log)
    return lambda cupy: cupy.RawKernel(source, f"crossgrad_fused_xent_{dtype_name}")


def softmax_cross_entropy(xp: Any, logits: Any, target: Any, reduction: str) -> tuple[Any, Any]:
    """``logsumexp(logits[i]) - logits[i, target[i]]`` per row, reduced; and the softmax."""
    import cupy
    import numpy

    dtype_name = logits.dtype.name
    if dtype_name not in _C_TYPES:  # float16: compute in float32, return float16
        loss, probs = softmax_cross_entropy(xp, logits.astype(cupy.float32), target, reduction)
        return loss.astype(logits.dtype), probs.astype(logits.dtype)
    n, c = logits.shape
    logits = cupy.ascontiguousarray(logits)
    target = cupy.ascontiguousarray(target, dtype=cupy.int64)
    loss = cupy.empty((n,), dtype=logits.dtype)
    lse = cupy.empty((n,), dtype=logits.dtype)
    if n:
        kernel = _kernel(f"xent_{dtype_name}", _xent(dtype_name))
        blocks = (n + _THREADS - 1) // _THREADS
        kernel((blocks,), (_THREADS,), (logits, target, loss, lse, numpy.int64(n), numpy.int64(c)))
    probs = cupy.exp(logits - lse[:, None])
    if reduction == "mean":
        return loss.mean(), probs
    if reduction == "sum":
        return loss.sum(), probs
    return loss, probs
