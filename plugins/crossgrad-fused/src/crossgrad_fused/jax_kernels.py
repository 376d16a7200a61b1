"""JAX kernels of the fused ops: each forward is one ``jax.jit`` function, which XLA compiles
into fused loops (one pass over the data instead of one per array-API call).

crossgrad imports this module on the first fused op that runs on the JAX backend, never
before. Each kernel has the portable kernel's signature ``kernel(xp, *arrays, **params)``;
the options (``eps``, ``reduction``) are static, so each value compiles once.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp

__all__ = ["rms_norm", "swiglu", "softmax_cross_entropy"]


@functools.partial(jax.jit, static_argnames=("eps",))
def rms_norm_jit(x: Any, weight: Any, eps: float) -> Any:
    """``x / sqrt(mean(x**2, -1) + eps) * weight``; ``weight`` may be None."""
    y = x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + eps)
    return y if weight is None else y * weight


@jax.jit
def swiglu_jit(gate: Any, up: Any) -> Any:
    """``gate * sigmoid(gate) * up``."""
    return jax.nn.silu(gate) * up


@functools.partial(jax.jit, static_argnames=("reduction",))
def softmax_cross_entropy_jit(logits: Any, target: Any, reduction: str) -> Any:
    """``logsumexp(logits[i]) - logits[i, target[i]]`` per row, then reduced."""
    logsumexp = jax.nn.logsumexp(logits, axis=1)
    picked = jnp.take_along_axis(logits, target[:, None], axis=1)[:, 0]
    loss = logsumexp - picked
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


def rms_norm(xp: Any, x: Any, weight: Any, eps: float) -> Any:
    return rms_norm_jit(x, weight, eps=eps)


def swiglu(xp: Any, gate: Any, up: Any) -> Any:
    return swiglu_jit(gate, up)


def softmax_cross_entropy(xp: Any, logits: Any, target: Any, reduction: str) -> Any:
    return softmax_cross_entropy_jit(logits, target, reduction=reduction)
