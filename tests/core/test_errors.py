"""The error hierarchy: each class is also a builtin, and messages name the choices."""

import pytest

import crossgrad


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (crossgrad.ShapeError, ValueError),
        (crossgrad.DTypeError, TypeError),
        (crossgrad.BackendMismatchError, ValueError),
        (crossgrad.BackendNotFoundError, LookupError),
        (crossgrad.GraphError, RuntimeError),
        (crossgrad.InplaceError, RuntimeError),
        (crossgrad.GradientContractError, RuntimeError),
        (crossgrad.AnomalyError, RuntimeError),
        (crossgrad.CheckpointError, ValueError),
    ],
)
def test_each_error_is_also_a_builtin(error, builtin):
    assert issubclass(error, builtin)
    assert issubclass(error, crossgrad.CrossgradError)


def test_error_message_ends_with_the_hint():
    err = crossgrad.ShapeError("op: shapes differ", hint="reshape one")
    assert str(err) == "op: shapes differ\nhint: reshape one"


def test_requires_grad_on_an_integer_tensor_raises_dtype_error(backend):
    with pytest.raises(crossgrad.DTypeError, match=r"requires_grad_: only floating point"):
        crossgrad.tensor([1, 2, 3], requires_grad=True)


def test_requires_grad_on_a_bool_tensor_raises_dtype_error(backend):
    with pytest.raises(TypeError, match=r"dtype=crossgrad.bool"):
        crossgrad.tensor([True], requires_grad=True)


def test_set_backend_to_an_unknown_name_raises_listing_numpy():
    before = crossgrad.get_backend().name
    with pytest.raises(crossgrad.BackendNotFoundError, match=r"'nope'[\s\S]*numpy: usable"):
        crossgrad.set_backend("nope")
    assert crossgrad.get_backend().name == before


def test_use_backend_with_an_unknown_name_raises():
    with pytest.raises(LookupError, match="'nope' is not usable"), crossgrad.use_backend("nope"):
        pass


def test_use_backend_scopes_the_default_backend(backend):
    assert crossgrad.get_backend().name == backend
    with crossgrad.use_backend("numpy"):
        assert crossgrad.zeros(1).backend == "numpy"
    assert crossgrad.get_backend().name == backend


def test_op_on_tensors_of_two_backends_raises_naming_both_and_the_fix():
    from crossgrad.backends.numpy import NumpyBackend
    from crossgrad.core.tensor import make

    class OtherBackend(NumpyBackend):
        name = "other"

    other = OtherBackend()
    a = crossgrad.tensor([1.0, 2.0], requires_grad=True, backend="numpy")
    b = make(other.asarray([3.0, 4.0]), other)
    with pytest.raises(
        crossgrad.BackendMismatchError,
        match=r"mul: tensors on two backends: 'numpy' and 'other'[\s\S]*\.to\(",
    ):
        a * b
    with pytest.raises(ValueError, match="two backends"):  # also a builtin ValueError
        crossgrad.matmul(a, b)
    assert a.grad is None
