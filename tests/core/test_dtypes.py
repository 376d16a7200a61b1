"""PyTorch's type promotion: dims outrank 0-d tensors, which outrank Python scalars."""

import numpy as np
import pytest

import crossgrad
from crossgrad.testing.pytest_plugin import skip_without_dtype


@pytest.fixture
def default_dtype():
    """Restore the default dtype after tests that change it."""
    before = crossgrad.get_default_dtype()
    yield
    crossgrad.set_default_dtype(before)


def _t(values, dtype):
    return crossgrad.tensor(values, dtype=dtype)


def test_float32_tensor_times_python_float_stays_float32(backend):
    assert (_t([1.0, 2.0], crossgrad.float32) * 1.5).dtype is crossgrad.float32


def test_float16_tensor_plus_python_float_stays_float16(backend):
    skip_without_dtype(crossgrad.float16)
    assert (_t([1.0], crossgrad.float16) + 0.1).dtype is crossgrad.float16


def test_int_tensor_times_python_float_is_the_default_float(backend):
    out = _t([1, 2], crossgrad.int64) * 1.5
    assert out.dtype is crossgrad.float32
    assert out.tolist() == [1.5, 3.0]


def test_int_tensor_times_python_int_stays_int(backend):
    assert (_t([1, 2], crossgrad.int32) * 3).dtype is crossgrad.int32


def test_int32_plus_int64_is_int64(backend):
    assert (_t([1], crossgrad.int32) + _t([1], crossgrad.int64)).dtype is crossgrad.int64


def test_float32_plus_float64_is_float64_when_both_have_dims(backend):
    assert (_t([1.0], crossgrad.float32) + _t([1.0], crossgrad.float64)).dtype is crossgrad.float64


def test_float32_plus_0d_float64_tensor_stays_float32(backend):
    assert (_t([1.0], crossgrad.float32) + _t(1.0, crossgrad.float64)).dtype is crossgrad.float32


def test_int_tensor_plus_0d_float64_tensor_is_float64(backend):
    assert (_t([1, 2], crossgrad.int64) + _t(0.5, crossgrad.float64)).dtype is crossgrad.float64


def test_bool_tensor_plus_int_scalar_is_int64(backend):
    assert (_t([True, False], crossgrad.bool_) + 1).dtype is crossgrad.int64


def test_int_tensor_true_division_is_the_default_float(backend):
    out = _t([1, 2], crossgrad.int64) / _t([2, 4], crossgrad.int64)
    assert out.dtype is crossgrad.float32
    assert out.tolist() == [0.5, 0.5]


def test_comparison_gives_bool(backend):
    assert (_t([1.0], crossgrad.float32) > 0).dtype is crossgrad.bool_


def test_python_floats_become_the_default_dtype(backend):
    assert crossgrad.tensor([1.0, 2.0]).dtype is crossgrad.float32
    assert crossgrad.tensor([1, 2]).dtype is crossgrad.int64
    assert crossgrad.tensor([True]).dtype is crossgrad.bool_
    assert crossgrad.tensor([1, 2.5]).dtype is crossgrad.float32


def test_numpy_arrays_keep_their_dtype(backend):
    assert crossgrad.tensor(np.zeros(2)).dtype is crossgrad.float64
    assert crossgrad.tensor(np.zeros(2, dtype=np.int32)).dtype is crossgrad.int32


def test_set_default_dtype_float64_changes_creation_and_promotion(backend, default_dtype):
    crossgrad.set_default_dtype(crossgrad.float64)
    assert crossgrad.get_default_dtype() is crossgrad.float64
    assert crossgrad.tensor([1.0]).dtype is crossgrad.float64
    assert crossgrad.zeros(2).dtype is crossgrad.float64
    assert (_t([1, 2], crossgrad.int64) * 1.5).dtype is crossgrad.float64
    assert (_t([1.0], crossgrad.float32) * 1.5).dtype is crossgrad.float32


def test_set_default_dtype_to_an_integer_dtype_raises(default_dtype):
    with pytest.raises(crossgrad.DTypeError, match="default dtype must be floating"):
        crossgrad.set_default_dtype(crossgrad.int64)
    assert crossgrad.get_default_dtype() is crossgrad.float32


def test_dtype_aliases_are_pytorchs():
    assert crossgrad.float is crossgrad.float32
    assert crossgrad.double is crossgrad.float64
    assert crossgrad.half is crossgrad.float16
    assert crossgrad.long is crossgrad.int64
    assert crossgrad.int is crossgrad.int32


def test_unknown_dtype_name_raises_listing_the_valid_ones():
    with pytest.raises(crossgrad.DTypeError, match=r"unknown dtype[\s\S]*float32"):
        crossgrad.zeros(2, dtype="complex64")


def test_gradient_of_a_float32_leaf_is_float32(backend):
    x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
    (x * _t(2.0, crossgrad.float64)).sum().backward()
    assert x.grad.dtype is crossgrad.float32


def test_gradient_of_a_cast_flows_back_in_the_source_dtype(backend):
    x = crossgrad.tensor([1.0, 2.0], dtype=crossgrad.float64, requires_grad=True)
    (x.float() * 3.0).sum().backward()
    assert x.grad.dtype is crossgrad.float64
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("backend", ["numpy", "jax", "cupy"], indirect=True)
def test_the_built_in_backends_hold_every_dtype_but_bfloat16_where_their_library_has_none(
    backend,
):
    held = {d for d in crossgrad.core.dtypes.ALL if crossgrad.get_backend().has_dtype(d)}
    missing = set(crossgrad.core.dtypes.ALL) - held
    assert missing == (set() if backend == "jax" else {crossgrad.bfloat16})


@pytest.mark.parametrize("backend", ["numpy", "cupy"], indirect=True)
def test_bfloat16_on_a_backend_without_it_is_a_clear_error_even_after_jax_is_imported(backend):
    pytest.importorskip("ml_dtypes", reason="ml_dtypes (installed with JAX) teaches NumPy bfloat16")
    import ml_dtypes  # noqa: F401 - NumPy now knows the name "bfloat16"

    with pytest.raises(crossgrad.DTypeError, match=f"backend '{backend}' has no bfloat16"):
        crossgrad.tensor([1.0]).bfloat16()
    with pytest.raises(crossgrad.DTypeError, match="has no bfloat16"):
        crossgrad.zeros(2, dtype=crossgrad.bfloat16)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("bfloat16", "float16", "float32"),
        ("bfloat16", "float32", "float32"),
        ("bfloat16", "float64", "float64"),
        ("bfloat16", "int64", "bfloat16"),
        ("bfloat16", "bool", "bfloat16"),
    ],
)
def test_bfloat16_promotes_as_in_pytorch(a, b, expected):
    as_dtype = crossgrad.core.dtypes.as_dtype
    assert crossgrad.core.dtypes.promote(as_dtype(a), as_dtype(b)) is as_dtype(expected)
    assert crossgrad.core.dtypes.promote(as_dtype(b), as_dtype(a)) is as_dtype(expected)


def test_bfloat16_tensors_compute_and_print_as_floats(backend):
    skip_without_dtype(crossgrad.bfloat16)
    x = crossgrad.tensor([0.1, 1.0, 2.0]).bfloat16().requires_grad_()
    (x * x).sum().backward()
    assert x.grad.dtype is crossgrad.bfloat16
    assert x.grad.float().tolist() == pytest.approx([0.2, 2.0, 4.0], rel=1e-2)
    assert "0.1001" in repr(x) and "dtype=crossgrad.bfloat16" in repr(x)
