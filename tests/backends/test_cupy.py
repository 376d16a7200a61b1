"""The CuPy backend: registered everywhere, usable only with CuPy and a CUDA device.

Tests that need a GPU take the ``cupy`` fixture, which skips them with the backend's own
reason (``pytest -ra`` prints it) where CuPy is missing or sees no device.
"""

import numpy as np
import pytest

import crossgrad
from crossgrad.plugins import registry
from crossgrad.testing import assert_close


@pytest.fixture
def cupy():
    reason = registry.all_backends()["cupy"].unavailable_reason()
    if reason is not None:
        pytest.skip(f"backend 'cupy' is unusable: {reason}")
    import cupy

    return cupy


# ---------------------------------------------------------------- everywhere


def test_cupy_is_registered_and_says_why_it_is_unusable_or_runs():
    backend = registry.all_backends()["cupy"]
    assert backend.name == "cupy" and backend.mutable
    reason = backend.unavailable_reason()
    try:
        import cupy

        has_device = cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - not installed, or no driver
        has_device = False
    if has_device:
        assert reason is None
    else:
        assert reason is not None
        assert reason.startswith(
            ("cupy is not installed", "no CUDA device", "cupy failed to import")
        )


def test_set_backend_cupy_without_a_gpu_lists_the_usable_backends_and_the_reason():
    reason = registry.all_backends()["cupy"].unavailable_reason()
    if reason is None:
        pytest.skip("cupy is usable here, so set_backend('cupy') succeeds")
    with pytest.raises(crossgrad.BackendNotFoundError) as info:
        crossgrad.set_backend("cupy")
    message = str(info.value)
    assert "'cupy' is not usable" in message
    assert "numpy: usable" in message
    assert f"cupy: unusable: {reason}" in message
    assert crossgrad.get_backend().name != "cupy"


def test_importing_crossgrad_does_not_import_cupy():
    import subprocess
    import sys

    code = "import sys, crossgrad; crossgrad.tensor([1.0]) * 2; print('cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------- on a GPU


def test_tensor_lives_on_a_cuda_device(cupy):
    x = crossgrad.tensor([1.0, 2.0], backend="cupy")
    assert x.backend == "cupy"
    assert isinstance(x._data, cupy.ndarray)
    assert x.device == f"cuda:{cupy.cuda.Device().id}"


def test_index_gradient_accumulates_repeated_indices(cupy):
    for dtype in (crossgrad.float32, crossgrad.float64):
        x = crossgrad.tensor([1.0, 2.0, 3.0], dtype=dtype, backend="cupy", requires_grad=True)
        x[crossgrad.tensor([0, 0, 2], backend="cupy")].sum().backward()
        assert_close(x.grad.to("numpy"), np.array([2.0, 0.0, 1.0]))


def test_scatter_add_of_int64_accumulates_too(cupy):
    target = crossgrad.zeros(3, dtype=crossgrad.int64, backend="cupy")
    index = crossgrad.tensor([1, 1, 2], backend="cupy")
    out = target.scatter_add(0, index, crossgrad.ones(3, dtype=crossgrad.int64, backend="cupy"))
    assert out.tolist() == [0, 2, 1]


def test_float32_matmul_matches_numpy_without_tf32(cupy):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 64)).astype(np.float32)
    b = rng.standard_normal((64, 64)).astype(np.float32)
    got = (crossgrad.tensor(a, backend="cupy") @ crossgrad.tensor(b, backend="cupy")).numpy()
    # TF32 keeps 10 mantissa bits (relative error ~1e-3); float32 keeps ~1e-6.
    np.testing.assert_allclose(got, a @ b, rtol=1e-4, atol=1e-4)


def test_erf_matches_the_reference(cupy):
    x = np.linspace(-3, 3, 13)
    got = crossgrad.erf(crossgrad.tensor(x, backend="cupy")).numpy()
    want = crossgrad.erf(crossgrad.tensor(x, backend="numpy")).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_manual_seed_repeats_random_draws(cupy):
    crossgrad.manual_seed(3)
    first = crossgrad.randn(5, backend="cupy").tolist()
    crossgrad.manual_seed(3)
    assert crossgrad.randn(5, backend="cupy").tolist() == first


def test_moving_to_numpy_and_back_keeps_values_dtype_and_gradient(cupy):
    x = crossgrad.tensor([1.0, -2.0], dtype=crossgrad.float64, requires_grad=True)
    y = x.to("cupy")
    assert y.backend == "cupy" and y.dtype is crossgrad.float64
    (y * 3).sum().backward()
    assert x.grad.backend == "numpy" and x.grad.tolist() == [3.0, 3.0]
    assert crossgrad.as_tensor(cupy.arange(3)).backend == "cupy"
