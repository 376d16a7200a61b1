"""JAX kernels of the fused ops and their backward steps: each is one ``jax.jit`` function,
which XLA compiles into fused loops (one pass over the data instead of one per array-API call).

crossgrad imports this module on the first fused op that runs on the JAX backend, never
before. Each kernel has the portable kernel's signature ``kernel(xp, *arrays, **params)``
and returns what it returns (a forward also returns what its backward reuses); the options
(``eps``, ``reduction``) are static, so each value compiles once.
"""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp

__all__ = [
    "rms_norm",
    "rms_norm_backward",
    "swiglu",
    "swiglu_backward",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
]


@functools.partial(jax.jit, static_argnames=("eps",))
def rms_norm_jit(x: Any, weight: Any, eps: float) -> tuple[Any, Any]:
    """``x / sqrt(mean(x**2, -1) + eps) * weight`` and the factor ``1 / sqrt(...)``."""
    r = jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + eps)
    y = x * r
    return (y if weight is None else y * weight), r


@jax.jit
def rms_norm_backward_jit(g: Any, x: Any, weight: Any, r: Any) -> Any:
    """grad_x, and grad_weight when ``weight`` is not None (see ``RmsNormBackward``)."""
    h = g if weight is None else g * weight
    grad_x = (h - x * (r * r * jnp.mean(h * x, axis=-1, keepdims=True))) * r
    if weight is None:
        return grad_x
    return grad_x, jnp.sum(jnp.reshape(g * x * r, (-1, x.shape[-1])), axis=0)


@jax.jit
def swiglu_jit(gate: Any, up: Any) -> tuple[Any, Any]:
    """``gate * sigmoid(gate) * up`` and ``sigmoid(gate)``."""
    sigmoid = jax.nn.sigmoid(gate)
    return gate * sigmoid * up, sigmoid


@jax.jit
def swiglu_backward_jit(g: Any, gate: Any, up: Any, sigmoid: Any) -> tuple[Any, Any]:
    """grad_gate and grad_up (see ``SwiGLUBackward``)."""
    silu = gate * sigmoid
    return g * up * (sigmoid + silu * (1 - sigmoid)), g * silu


@functools.partial(jax.jit, static_argnames=("reduction",))
def softmax_cross_entropy_jit(logits: Any, target: Any, reduction: str) -> tuple[Any, Any]:
    """``logsumexp(logits[i]) - logits[i, target[i]]`` per row, reduced; and the softmax."""
    logsumexp = jax.nn.logsumexp(logits, axis=1, keepdims=True)
    picked = jnp.take_along_axis(logits, target[:, None], axis=1)
    loss = (logsumexp - picked)[:, 0]
    probs = jnp.exp(logits - logsumexp)
    if reduction == "mean":
        return jnp.mean(loss), probs
    if reduction == "sum":
        return jnp.sum(loss), probs
    return loss, probs


@jax.jit
def softmax_cross_entropy_backward_jit(g: Any, target: Any, probs: Any) -> Any:
    """``(probs - onehot(target)) * g``."""
    onehot = jax.nn.one_hot(target, probs.shape[1], dtype=probs.dtype)
    return (probs - onehot) * g


def rms_norm(xp: Any, x: Any, weight: Any, eps: float) -> tuple[Any, Any]:
    return rms_norm_jit(x, weight, eps=eps)


def rms_norm_backward(xp: Any, g: Any, x: Any, weight: Any, r: Any) -> Any:
    return rms_norm_backward_jit(g, x, weight, r)


def swiglu(xp: Any, gate: Any, up: Any) -> tuple[Any, Any]:
    return swiglu_jit(gate, up)


def swiglu_backward(xp: Any, g: Any, gate: Any, up: Any, sigmoid: Any) -> tuple[Any, Any]:
    return swiglu_backward_jit(g, gate, up, sigmoid)


def softmax_cross_entropy(xp: Any, logits: Any, target: Any, reduction: str) -> tuple[Any, Any]:
    return softmax_cross_entropy_jit(logits, target, reduction=reduction)


def softmax_cross_entropy_backward(xp: Any, g: Any, target: Any, probs: Any) -> Any:
    return softmax_cross_entropy_backward_jit(g, target, probs)
