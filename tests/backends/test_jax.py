"""The JAX backend: x64 dtypes, in-place ops on immutable arrays, keys, devices.

Every test runs on JAX only (the op table and the ``backend`` fixture cover the rest); where
JAX is not installed they skip with the backend's own reason.
"""

import subprocess
import sys

import numpy as np
import pytest

import crossgrad
from crossgrad.plugins import registry
from crossgrad.testing import assert_close


@pytest.fixture(autouse=True)
def jax():
    reason = registry.all_backends()["jax"].unavailable_reason()
    if reason is not None:
        pytest.skip(f"backend 'jax' is unusable: {reason}")
    import jax

    with crossgrad.use_backend("jax"):
        yield jax


def test_backend_is_registered_as_immutable():
    backend = crossgrad.get_backend()
    assert backend.name == "jax" and not backend.mutable


# ---------------------------------------------------------------- dtypes


def test_float64_tensors_stay_float64(jax):
    x = crossgrad.tensor([1.0, 2.0], dtype=crossgrad.float64, requires_grad=True)
    y = (x * 1.5 + 0.1).exp().sum()
    assert y.dtype is crossgrad.float64
    assert y._data.dtype == jax.numpy.float64
    y.backward()
    assert x.grad.dtype is crossgrad.float64
    # 1 + 1e-12 is 1 in float32: the value shows float64 precision really is kept.
    assert (crossgrad.tensor([1.0], dtype=crossgrad.float64) + 1e-12).item() != 1.0


def test_float_data_and_python_scalars_keep_the_default_float32():
    x = crossgrad.tensor([1.0, 2.0])
    assert x.dtype is crossgrad.float32
    for y in (
        x + 1.5,
        x * 2,
        2.0**x,
        x / 3.0,
        crossgrad.tensor([1, 2]) + 0.5,
        crossgrad.zeros(2),
        crossgrad.rand(2),
        crossgrad.arange(0.0, 2.0),
    ):
        assert y.dtype is crossgrad.float32
    assert crossgrad.tensor([1, 2]).dtype is crossgrad.int64
    assert crossgrad.arange(3).dtype is crossgrad.int64


# ---------------------------------------------------------------- in-place ops rebind


def test_in_place_subtraction_rebinds_the_buffer_and_bumps_the_version():
    x = crossgrad.tensor([3.0, 4.0])
    before, version = x._data, x._version[0]
    x -= 1
    assert x._data is not before
    assert x._version[0] == version + 1
    assert x.tolist() == [2.0, 3.0]
    assert np.asarray(before).tolist() == [3.0, 4.0]  # the old array is untouched


def test_zero_and_setitem_rebind_and_bump_the_version():
    x = crossgrad.tensor([1.0, 2.0, 3.0])
    x.zero_()
    assert x._version[0] == 1 and x.tolist() == [0.0, 0.0, 0.0]
    x[0] = 5
    assert x._version[0] == 2 and x.tolist() == [5.0, 0.0, 0.0]
    assert x.dtype is crossgrad.float32


def test_in_place_op_on_a_saved_tensor_is_caught_by_the_version_counter():
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = h * h
    h.add_(1.0)
    with pytest.raises(crossgrad.InplaceError, match="modified by an in-place"):
        y.sum().backward()


def test_sgd_step_updates_a_jax_parameter(jax):
    w = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    opt = crossgrad.optim.SGD([w], lr=0.1, momentum=0.9)
    version = w._version[0]
    (w * w).sum().backward()
    opt.step()
    assert_close(w.detach(), [0.8, 1.6])
    assert w._version[0] > version
    assert isinstance(w._data, jax.Array) and w.dtype is crossgrad.float32
    opt.zero_grad()
    (w * w).sum().backward()
    opt.step()  # momentum buffer (updated in place too): b = 0.9 * b + g
    assert_close(w.detach(), [0.8 - 0.1 * (0.9 * 2.0 + 1.6), 1.6 - 0.1 * (0.9 * 4.0 + 3.2)])


# ---------------------------------------------------------------- index gradients


def test_gradient_of_repeated_indices_accumulates():
    x = crossgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    index = crossgrad.tensor([0, 2, 0, 0])
    x[index].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_index_add_style_gradient_accumulates_in_two_dims():
    x = crossgrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = crossgrad.tensor([1, 1, 0])
    (x[rows] * crossgrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
    assert x.grad.tolist() == [[5.0, 6.0], [4.0, 6.0]]


# ---------------------------------------------------------------- random numbers


def test_manual_seed_makes_draws_reproducible():
    crossgrad.manual_seed(7)
    a = (crossgrad.rand(3), crossgrad.randn(3), crossgrad.randint(0, 100, (3,)))
    crossgrad.manual_seed(7)
    b = (crossgrad.rand(3), crossgrad.randn(3), crossgrad.randint(0, 100, (3,)))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    assert a[0].tolist() != crossgrad.rand(3).tolist()  # the key moved on
    assert a[2].dtype is crossgrad.int64


def test_random_draws_have_the_requested_dtype_and_range():
    u = crossgrad.rand(1000, dtype=crossgrad.float64)
    assert u.dtype is crossgrad.float64
    assert 0.0 <= u.min().item() and u.max().item() < 1.0
    n = crossgrad.randint(3, 5, (1000,))
    assert set(n.tolist()) == {3, 4}


# ---------------------------------------------------------------- arrays in and out


def test_op_results_are_jax_arrays_and_numpy_gives_numpy(jax):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x.tanh() * 2).sum()
    assert isinstance(y._data, jax.Array)
    y.backward()
    assert isinstance(x.grad._data, jax.Array)
    out = x.detach().numpy()
    assert type(out) is np.ndarray and out.tolist() == [1.0, 2.0]


def test_tensor_from_a_jax_array_keeps_its_dtype(jax):
    a = jax.numpy.arange(3, dtype=jax.numpy.float64)
    assert crossgrad.tensor(a).dtype is crossgrad.float64
    assert crossgrad.tensor(np.arange(3.0, dtype=np.float32)).dtype is crossgrad.float32


def test_moving_between_numpy_and_jax_keeps_values_and_gradients():
    x = crossgrad.tensor([1.0, 2.0], backend="numpy", requires_grad=True)
    y = x.to("jax")
    assert y.backend == "jax"
    (y * y).sum().backward()
    assert x.grad.backend == "numpy" and x.grad.tolist() == [2.0, 4.0]


def test_device_is_the_default_jax_device(jax):
    device = jax.devices()[0]
    expected = "cpu" if device.platform == "cpu" else f"{device.platform}:{device.id}"
    assert crossgrad.zeros(2).device == expected
    info = crossgrad.get_backend().info()
    assert info["jax"] == jax.__version__
    assert expected in info["devices"]


def test_import_crossgrad_alone_does_not_import_jax():
    code = "import sys, crossgrad; print('jax' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
