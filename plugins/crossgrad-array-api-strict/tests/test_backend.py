"""The array_api_strict backend as a user meets it: registration, conversion, randomness,
in-place updates and a training step that agrees with NumPy."""

import subprocess
import sys
from importlib.metadata import entry_points

import crossgrad
import numpy as np
import pytest
from crossgrad import nn, optim
from crossgrad.nn import functional as F
from crossgrad.testing import assert_close, check_backends

from crossgrad_array_api_strict import ArrayApiStrictBackend

NAME = "array_api_strict"


def test_backend_registers_through_the_crossgrad_entry_point():
    (ep,) = [ep for ep in entry_points(group="crossgrad") if ep.name == NAME]
    assert ep.value == "crossgrad_array_api_strict.plugin"
    backend = crossgrad.get_backend(NAME)
    assert isinstance(backend, ArrayApiStrictBackend)
    assert backend.unavailable_reason() is None


def test_loading_the_plugin_module_does_not_import_array_api_strict():
    code = (
        "import sys, crossgrad_array_api_strict.plugin as p; p.crossgrad_backends(); "
        "print('array_api_strict' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tensors_hold_strict_arrays_with_crossgrad_dtypes():
    with crossgrad.use_backend(NAME):
        x = crossgrad.tensor([[1.0, 2.0]], dtype=crossgrad.float64)
        i = crossgrad.tensor([1, 2])
    assert type(x._data).__module__.startswith("array_api_strict.")
    assert (x.dtype, i.dtype, x.backend) == (crossgrad.float64, crossgrad.int64, NAME)


def test_round_trip_through_numpy_keeps_values_and_dtype():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = crossgrad.tensor(a).to(NAME)
    assert t.backend == NAME and t.dtype is crossgrad.float32
    back = t.to("numpy")
    assert back.backend == "numpy"
    np.testing.assert_array_equal(back.numpy(), a)
    np.testing.assert_array_equal(t.numpy(), a)
    assert t[1, 2].item() == 5.0


def test_gradient_flows_back_across_the_move_between_backends():
    x = crossgrad.tensor([1.0, -2.0, 3.0], requires_grad=True, backend="numpy")
    y = x.to(NAME)
    (y * y).sum().backward()
    assert x.grad.backend == "numpy"
    assert_close(x.grad, np.array([2.0, -4.0, 6.0]))


def test_seeded_random_numbers_repeat():
    def draw():
        crossgrad.manual_seed(1234)
        return [
            crossgrad.rand(3, backend=NAME).tolist(),
            crossgrad.randn(2, 2, backend=NAME).tolist(),
            crossgrad.randint(0, 10, (4,), backend=NAME).tolist(),
        ]

    first, second = draw(), draw()
    assert first == second
    assert crossgrad.randint(0, 10, (4,), backend=NAME).dtype is crossgrad.int64


def test_in_place_updates_write_into_the_tensor():
    with crossgrad.use_backend(NAME):
        x = crossgrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with crossgrad.no_grad():
            x += 1
        x.grad = crossgrad.ones(3)
        x.grad.zero_()
        y = crossgrad.zeros(3)
        y[0] = 5
        y[crossgrad.tensor([2, 2])] = 7.0
    assert x.tolist() == [2.0, 3.0, 4.0]
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert y.tolist() == [5.0, 0.0, 7.0]


def test_float16_is_refused_with_the_standards_dtypes():
    match = "float16 is not in the array API standard; it has bool, .*float32, float64"
    with pytest.raises(crossgrad.DTypeError, match=match):
        crossgrad.zeros(2, dtype=crossgrad.float16, backend=NAME)
    with pytest.raises(crossgrad.DTypeError, match=match):
        crossgrad.tensor(np.zeros(2, dtype=np.float16), backend=NAME)
    backend = crossgrad.get_backend(NAME)
    assert not backend.has_dtype(crossgrad.float16) and backend.has_dtype(crossgrad.float32)


def test_info_reports_the_standard_version():
    info = crossgrad.get_backend(NAME).info()
    assert info["api_version"].startswith("20") and info["devices"] == "cpu"


def _mlp_step(x, target, w1, b1, w2, b2):
    """One SGD step of a two-layer MLP; returns the loss and the updated first weight."""
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    with crossgrad.no_grad():
        for param, value in zip(model.parameters(), (w1, b1, w2, b2)):
            param.copy_(value)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = F.cross_entropy(model(x), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss, model[0].weight.detach()


def test_mlp_training_step_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4))
    target = np.array([0, 2, 1, 2, 0])
    params = [rng.standard_normal(s) * 0.5 for s in [(8, 4), (8,), (3, 8), (3,)]]
    report = check_backends(_mlp_step, x, target, *params, backends=["numpy", NAME], order=0)
    assert report.passed, report
