"""The ``crossgrad`` entry point of crossgrad-fused: what it registers, by reference only.

Kept light on purpose: crossgrad reads these specs when it enumerates plugins, and every
function, kernel and case table below is imported on its first use, so installing this
plugin costs ``import crossgrad`` nothing and never imports JAX or CuPy.
"""

from __future__ import annotations

from crossgrad.plugins import KernelSpec, OpSpec


def crossgrad_ops() -> list[OpSpec]:
    """The ops of the ``fused`` namespace."""
    return [
        OpSpec(
            "fused.rms_norm",
            "crossgrad_fused.ops:rms_norm",
            cases="crossgrad_fused.cases:RMS_NORM_CASES",
            errors="crossgrad_fused.cases:RMS_NORM_ERRORS",
            kernels=("fused.rms_norm_backward",),
            summary="x / sqrt(mean(x**2, dim=-1) + eps) * weight, over the last dim",
        ),
        OpSpec(
            "fused.swiglu",
            "crossgrad_fused.ops:swiglu",
            cases="crossgrad_fused.cases:SWIGLU_CASES",
            errors="crossgrad_fused.cases:SWIGLU_ERRORS",
            kernels=("fused.swiglu_backward",),
            summary="silu(gate) * up, the SwiGLU feed-forward activation",
        ),
        OpSpec(
            "fused.softmax_cross_entropy",
            "crossgrad_fused.ops:softmax_cross_entropy",
            cases="crossgrad_fused.cases:SOFTMAX_CROSS_ENTROPY_CASES",
            errors="crossgrad_fused.cases:SOFTMAX_CROSS_ENTROPY_ERRORS",
            kernels=("fused.softmax_cross_entropy_backward",),
            summary="cross-entropy of (N, C) logits and class indices in one pass",
        ),
    ]


def crossgrad_kernels() -> list[KernelSpec]:
    """A JAX and a CuPy kernel per op, and a JAX kernel per backward step; every other
    backend (and CuPy for the backward steps) runs the portable kernel."""
    return [
        KernelSpec("fused.rms_norm", "jax", "crossgrad_fused.jax_kernels:rms_norm"),
        KernelSpec("fused.rms_norm", "cupy", "crossgrad_fused.cupy_kernels:rms_norm"),
        KernelSpec(
            "fused.rms_norm_backward", "jax", "crossgrad_fused.jax_kernels:rms_norm_backward"
        ),
        KernelSpec("fused.swiglu", "jax", "crossgrad_fused.jax_kernels:swiglu"),
        KernelSpec("fused.swiglu", "cupy", "crossgrad_fused.cupy_kernels:swiglu"),
        KernelSpec("fused.swiglu_backward", "jax", "crossgrad_fused.jax_kernels:swiglu_backward"),
        KernelSpec(
            "fused.softmax_cross_entropy",
            "jax",
            "crossgrad_fused.jax_kernels:softmax_cross_entropy",
        ),
        KernelSpec(
            "fused.softmax_cross_entropy",
            "cupy",
            "crossgrad_fused.cupy_kernels:softmax_cross_entropy",
        ),
        KernelSpec(
            "fused.softmax_cross_entropy_backward",
            "jax",
            "crossgrad_fused.jax_kernels:softmax_cross_entropy_backward",
        ),
    ]
