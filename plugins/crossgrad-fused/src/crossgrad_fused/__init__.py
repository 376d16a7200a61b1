"""crossgrad-fused: fused ops for crossgrad, registered as ``crossgrad.ops.fused``.

``rms_norm``, ``swiglu`` and ``softmax_cross_entropy`` each run as one kernel per backend:
a portable array-API kernel, a ``jax.jit`` kernel that XLA fuses, and CuPy kernels. Their
backward passes are written in crossgrad Tensor ops, so higher-order gradients work.

Importing this package imports neither JAX nor CuPy (the ops module imports crossgrad).
"""

__version__ = "0.1.0"
