"""Moving tensors between backends, recognising foreign arrays, and refusing to mix them."""

import os
import subprocess
import sys

import numpy as np
import pytest

import crossgrad
from crossgrad.plugins import registry

DTYPES = [
    (crossgrad.float32, [1.5, -2.25, 0.0]),
    (crossgrad.float64, [1.0 / 3.0, -2.0e-300, 1.0e300]),
    (crossgrad.int64, [2**40, -7, 0]),
    (crossgrad.bool_, [True, False, True]),
]


@pytest.fixture(autouse=True)
def numpy_default():
    """These tests move tensors away from NumPy: create them there whatever the default."""
    with crossgrad.use_backend("numpy"):
        yield


@pytest.fixture
def jnp():
    pytest.importorskip("jax", reason="jax is not installed: pip install 'crossgrad[jax]'")
    reason = registry.all_backends()["jax"].unavailable_reason()
    if reason is not None:
        pytest.skip(f"backend 'jax' is unusable: {reason}")
    crossgrad.get_backend("jax").xp  # noqa: B018 - x64 on before the tests make arrays
    import jax.numpy

    return jax.numpy


@pytest.mark.parametrize(("dtype", "values"), DTYPES, ids=lambda v: getattr(v, "name", ""))
def test_numpy_to_jax_and_back_keeps_values_and_dtype(jnp, dtype, values):
    x = crossgrad.tensor(values, dtype=dtype)
    y = x.to("jax")
    assert y.backend == "jax" and y.dtype is dtype
    assert y.tolist() == values
    back = y.to("numpy")
    assert back.backend == "numpy" and back.dtype is dtype
    assert back.tolist() == values


def test_to_accepts_a_backend_object_a_keyword_and_a_dtype_together(jnp):
    x = crossgrad.tensor([1.0, 2.0])
    assert x.to(crossgrad.get_backend("jax")).backend == "jax"
    y = x.to(backend="jax", dtype=crossgrad.float64)
    assert (y.backend, y.dtype) == ("jax", crossgrad.float64)
    assert x.to("numpy") is x  # nothing changes: the tensor itself, as in PyTorch


def test_moved_numpy_tensor_is_a_writable_copy_not_a_view_of_jax_memory(jnp):
    y = crossgrad.tensor([1.0, 2.0], backend="jax")
    x = y.to("numpy")
    x.add_(1.0)  # would raise on a read-only view of the JAX buffer
    assert x.tolist() == [2.0, 3.0] and y.tolist() == [1.0, 2.0]


def test_writes_to_the_source_do_not_reach_the_moved_tensor(jnp):
    x = crossgrad.tensor([1.0, 2.0])
    y = x.to("jax")
    with crossgrad.no_grad():
        x.add_(10.0)
    assert y.tolist() == [1.0, 2.0]


def test_gradient_flows_back_through_to(jnp):
    x = crossgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("jax") * 2
    assert y.backend == "jax" and y.requires_grad
    y.sum().backward()
    assert x.grad.backend == "numpy"
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


def test_gradient_through_a_round_trip_is_differentiable_again(jnp):
    x = crossgrad.tensor([1.0, 2.0], dtype=crossgrad.float64, requires_grad=True)
    y = (x.to("jax") ** 3).to("numpy").sum()
    (g,) = crossgrad.autograd.grad(y, x, create_graph=True)
    assert g.backend == "numpy" and g.tolist() == [3.0, 12.0]
    (gg,) = crossgrad.autograd.grad(g.sum(), x)
    assert gg.tolist() == [6.0, 12.0]


def test_op_on_numpy_and_jax_tensors_raises_naming_both_and_the_fix(jnp):
    a = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    b = crossgrad.tensor([3.0, 4.0], backend="jax")
    with pytest.raises(
        crossgrad.BackendMismatchError,
        match=r"mul: tensors on two backends: 'numpy' and 'jax'[\s\S]*\.to\(",
    ):
        a * b
    with pytest.raises(crossgrad.BackendMismatchError, match=r"'jax' and 'numpy'"):
        b + a
    assert a.grad is None


def test_as_tensor_keeps_a_jax_array_on_jax_and_shares_it(jnp):
    array = jnp.arange(3, dtype=jnp.float64)
    t = crossgrad.as_tensor(array)
    assert t.backend == "jax" and t.dtype is crossgrad.float64
    assert t._data is array  # no copy: JAX arrays are immutable
    assert crossgrad.tensor(array).backend == "jax"


def test_as_tensor_converts_a_jax_array_when_a_backend_is_named(jnp):
    t = crossgrad.as_tensor(jnp.arange(3, dtype=jnp.int64), backend="numpy")
    assert t.backend == "numpy" and t.dtype is crossgrad.int64 and t.tolist() == [0, 1, 2]
    t[0] = 7  # a writable NumPy copy
    assert t.tolist() == [7, 1, 2]
    f = crossgrad.tensor(jnp.ones(2), dtype=crossgrad.float16, backend="numpy")
    assert f.dtype is crossgrad.float16


def test_as_tensor_shares_a_numpy_array_on_the_numpy_backend():
    array = np.zeros(3, dtype=np.float64)
    t = crossgrad.as_tensor(array)
    assert t.backend == "numpy" and t.dtype is crossgrad.float64
    array[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]


def test_numpy_data_follows_the_default_backend(jnp):
    with crossgrad.use_backend("jax"):
        t = crossgrad.tensor(np.arange(3, dtype=np.int32))
    assert t.backend == "jax" and t.dtype is crossgrad.int32


def test_creating_from_numpy_data_does_not_import_jax():
    code = (
        "import sys, numpy as np, crossgrad\n"
        "crossgrad.tensor(np.ones(2)); crossgrad.as_tensor(np.ones(2, dtype=np.int64))\n"
        "crossgrad.tensor([1.0, 2.0]).to('numpy')\n"
        "print(sorted(m for m in ('jax', 'jaxlib', 'cupy') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if k != "CROSSGRAD_BACKEND"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
