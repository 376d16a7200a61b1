"""Each backend's own kernel (JAX, CuPy) agrees with the portable kernel of its op or backward
step on the same inputs and backend; the JAX kernels are jitted and compile to fused XLA code;
a backend runs the plugin's kernel once the plugin is loaded. Unusable backends skip with
the reason."""

import importlib

import crossgrad as cg
import numpy as np
import pytest
from crossgrad.testing.pytest_plugin import unusable_reason

from crossgrad_fused import ops

PORTABLE = {
    "rms_norm": ops.RmsNorm.kernel,
    "rms_norm_backward": ops.RmsNormBackward.kernel,
    "swiglu": ops.SwiGLU.kernel,
    "swiglu_backward": ops.SwiGLUBackward.kernel,
    "softmax_cross_entropy": ops.SoftmaxCrossEntropy.kernel,
    "softmax_cross_entropy_backward": ops.SoftmaxCrossEntropyBackward.kernel,
}
TOLERANCES = {np.float32: {"rtol": 1e-5, "atol": 1e-6}, np.float64: {"rtol": 1e-12, "atol": 0}}
KERNEL_BACKENDS = ["jax", "cupy"]


def _kernel_module(backend: str):
    """``crossgrad_fused.<backend>_kernels``, where the backend is usable (else skip)."""
    reason = unusable_reason(backend)
    if reason is not None:
        pytest.skip(reason)
    return importlib.import_module(f"crossgrad_fused.{backend}_kernels")


def _rows(dtype):
    """(id, op, arrays, params): the kernels' calling convention, NumPy arrays of ``dtype``."""
    rng = np.random.default_rng(0)
    normal = lambda *shape: rng.normal(size=shape).astype(dtype)
    target = np.array([0, 6, 3, 1, 6], dtype=np.int64)
    rows = [
        ("rms_norm-weight", "rms_norm", [normal(4, 8), normal(8)], {"eps": 1e-6}),
        ("rms_norm-3d", "rms_norm", [normal(2, 3, 8), None], {"eps": 1e-2}),
        ("swiglu", "swiglu", [normal(3, 5) * 4, normal(3, 5)], {}),
    ]
    rows += [
        (
            f"softmax_cross_entropy-{r}",
            "softmax_cross_entropy",
            [normal(5, 7) * 5, target],
            {"reduction": r},
        )
        for r in ("mean", "sum", "none")
    ]
    # Backward steps: (g, inputs..., what the forward saved), g last-dim broadcast or full.
    r = np.abs(normal(4, 1)) + 0.5
    rows += [
        (
            "rms_norm_backward-weight",
            "rms_norm_backward",
            [normal(4, 8), normal(4, 8), normal(8), r],
            {},
        ),
        (
            "rms_norm_backward-no-weight",
            "rms_norm_backward",
            [normal(4, 8), normal(4, 8), None, r],
            {},
        ),
        (
            "swiglu_backward",
            "swiglu_backward",
            [normal(3, 5), normal(3, 5) * 4, normal(3, 5), rng.uniform(size=(3, 5)).astype(dtype)],
            {},
        ),
        (
            "softmax_cross_entropy_backward-scalar",
            "softmax_cross_entropy_backward",
            [normal(), target, rng.uniform(size=(5, 7)).astype(dtype)],
            {},
        ),
        (
            "softmax_cross_entropy_backward-per-row",
            "softmax_cross_entropy_backward",
            [normal(5, 1), target, rng.uniform(size=(5, 7)).astype(dtype)],
            {},
        ),
    ]
    return [
        pytest.param(dtype, op, arrays, params, id=f"{name}-{dtype.__name__}")
        for name, op, arrays, params in rows
    ]


@pytest.mark.parametrize("kernel_backend", KERNEL_BACKENDS)
@pytest.mark.parametrize(
    ("dtype", "op", "arrays", "params"), [*_rows(np.float32), *_rows(np.float64)]
)
def test_backend_kernel_agrees_with_portable_kernel(kernel_backend, dtype, op, arrays, params):
    kernel = getattr(_kernel_module(kernel_backend), op)
    backend = cg.get_backend(kernel_backend)
    on_backend = [None if a is None else backend.asarray(a) for a in arrays]
    expected = _as_tuple(PORTABLE[op](backend.xp, *on_backend, **params))
    actual = _as_tuple(kernel(backend.xp, *on_backend, **params))
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        got, want = backend.to_numpy(got), backend.to_numpy(want)
        assert got.dtype == want.dtype == dtype
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, **TOLERANCES[dtype])


def _as_tuple(result):
    """A kernel's arrays as a tuple: a forward also returns what its backward reuses."""
    return result if isinstance(result, tuple) else (result,)


# How to lower each jitted kernel, given the module and (4, 8) float32 / (4,) int64 inputs.
JITTED = {
    "rms_norm": lambda jk, x, t: jk.rms_norm_jit.lower(x, x[0], eps=1e-6),
    "rms_norm-no-weight": lambda jk, x, t: jk.rms_norm_jit.lower(x, None, eps=1e-6),
    "swiglu": lambda jk, x, t: jk.swiglu_jit.lower(x, x),
    "softmax_cross_entropy": lambda jk, x, t: jk.softmax_cross_entropy_jit.lower(
        x, t, reduction="mean"
    ),
    "rms_norm_backward": lambda jk, x, t: jk.rms_norm_backward_jit.lower(x, x, x[0], x[:, :1]),
    "swiglu_backward": lambda jk, x, t: jk.swiglu_backward_jit.lower(x, x, x, x),
    "softmax_cross_entropy_backward": lambda jk, x, t: jk.softmax_cross_entropy_backward_jit.lower(
        x[0, 0], t, x
    ),
}


@pytest.mark.parametrize("name", list(JITTED))
def test_jax_kernel_compiles_to_fused_xla(name):
    jax_kernels = _kernel_module("jax")
    xp = cg.get_backend("jax").xp
    x = xp.ones((4, 8), dtype=xp.float32)
    t = xp.zeros((4,), dtype=xp.int64)
    assert " fusion(" in JITTED[name](jax_kernels, x, t).compile().as_text()


CALLS = {
    "rms_norm": lambda x: cg.ops.fused.rms_norm(x),
    "swiglu": lambda x: cg.ops.fused.swiglu(x, x),
    "softmax_cross_entropy": lambda x: cg.ops.fused.softmax_cross_entropy(x, cg.tensor([0, 2])),
}


@pytest.mark.parametrize("kernel_backend", KERNEL_BACKENDS)
@pytest.mark.parametrize("op", list(CALLS))
def test_backend_runs_the_plugins_kernel(kernel_backend, op):
    module = _kernel_module(kernel_backend)
    with cg.use_backend(kernel_backend):
        CALLS[op](cg.tensor(np.ones((2, 3))))
    installed = cg.get_backend(kernel_backend).kernels[f"fused.{op}"]
    # A plugin's kernel runs inside crossgrad's result checks (crossgrad.plugins.checks).
    assert getattr(installed, "kernel", installed) is getattr(module, op)
