"""Convolution and pooling layers: shapes, PyTorch's init bounds, reprs, errors, and the
benchmark's small CNN trained one step on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

import crossgrad
from crossgrad.nn.modules.activation import ReLU
from crossgrad.nn.modules.container import Sequential
from crossgrad.nn.modules.conv import Conv1d, Conv2d, ConvTranspose2d
from crossgrad.nn.modules.flatten import Flatten
from crossgrad.nn.modules.linear import Linear
from crossgrad.nn.modules.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from crossgrad.ops.conv import conv2d, conv_transpose2d, max_pool2d


def test_conv_layers_give_pytorch_output_shapes(backend):
    assert Conv1d(2, 4, 3, stride=2)(crossgrad.ones(3, 2, 9)).shape == (3, 4, 4)
    assert Conv2d(3, 6, (3, 2), padding="same", groups=3)(crossgrad.ones(2, 3, 5, 7)).shape == (
        2,
        6,
        5,
        7,
    )
    assert ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)(
        crossgrad.ones(1, 4, 5, 6)
    ).shape == (1, 2, 10, 12)
    assert Conv2d(2, 3, 3)(crossgrad.ones(2, 5, 5)).shape == (3, 3, 3)  # unbatched


def test_pool_layers_give_pytorch_output_shapes(backend):
    x = crossgrad.ones(2, 3, 7, 9)
    assert MaxPool2d(2)(x).shape == (2, 3, 3, 4)
    assert MaxPool2d(3, 2, padding=1, ceil_mode=True)(x).shape == (2, 3, 4, 5)
    assert AvgPool2d(3, 2, 1)(x).shape == (2, 3, 4, 5)
    assert AdaptiveAvgPool2d((2, None))(x).shape == (2, 3, 2, 9)


@pytest.mark.parametrize(
    "layer, fan_in",
    [
        (lambda: Conv2d(4, 8, 3), 4 * 9),
        (lambda: Conv2d(4, 8, (3, 5), groups=2), 2 * 15),
        (lambda: Conv1d(3, 5, 4), 3 * 4),
        (lambda: ConvTranspose2d(4, 6, 3, groups=2), 3 * 9),
    ],
)
def test_conv_init_stays_within_pytorch_bounds(backend, layer, fan_in):
    crossgrad.manual_seed(0)
    m = layer()
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) gives the same bound
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.5 * bound  # spread over the range, not collapsed to zero


def test_reprs_match_pytorch():
    assert (
        repr(Conv2d(1, 8, 3, padding=1))
        == "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    )
    assert (
        repr(Conv2d(4, 8, 3, stride=2, groups=2, bias=False))
        == "Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 2), groups=2, bias=False)"
    )
    assert (
        repr(Conv1d(2, 4, 3, padding="same"))
        == "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding='same')"
    )
    assert (
        repr(ConvTranspose2d(4, 2, 3, stride=2, output_padding=1))
        == "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))"
    )
    assert (
        repr(MaxPool2d(2))
        == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(AvgPool2d(3, 2)) == "AvgPool2d(kernel_size=3, stride=2, padding=0)"
    assert repr(AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"


def test_conv2d_rejects_channel_mismatch_with_shapes_and_hint():
    with pytest.raises(
        ValueError,
        match=r"conv2d: input channels do not match the weight: "
        r"input.shape=\(1, 3, 5, 5\), weight.shape=\(4, 2, 3, 3\)",
    ):
        conv2d(crossgrad.ones(1, 3, 5, 5), crossgrad.ones(4, 2, 3, 3))


def test_conv2d_rejects_groups_that_do_not_divide_channels():
    with pytest.raises(
        ValueError,
        match=r"conv2d: groups must divide both channel counts: "
        r"groups=2, in_channels=3",
    ):
        conv2d(crossgrad.ones(1, 3, 5, 5), crossgrad.ones(4, 1, 3, 3), groups=2)


def test_conv2d_rejects_input_smaller_than_the_kernel():
    with pytest.raises(ValueError, match=r"conv2d: input is smaller than the kernel"):
        conv2d(crossgrad.ones(1, 1, 2, 2), crossgrad.ones(1, 1, 3, 3))


def test_conv2d_rejects_same_padding_with_stride():
    with pytest.raises(ValueError, match=r"padding='same' needs stride 1"):
        conv2d(crossgrad.ones(1, 1, 5, 5), crossgrad.ones(1, 1, 3, 3), stride=2, padding="same")


def test_conv_transpose2d_rejects_large_output_padding():
    with pytest.raises(ValueError, match=r"output_padding must be smaller than stride"):
        conv_transpose2d(crossgrad.ones(1, 1, 3, 3), crossgrad.ones(1, 1, 3, 3), output_padding=1)


def test_max_pool2d_rejects_padding_over_half_the_kernel():
    with pytest.raises(ValueError, match=r"max_pool2d: padding must be at most half"):
        max_pool2d(crossgrad.ones(1, 1, 5, 5), 2, padding=2)


def test_max_pool2d_sends_the_gradient_to_each_window_maximum(backend):
    x = crossgrad.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[1::2, 1::2] = 1.0
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)


def test_benchmark_cnn_trains_one_step_on_every_backend(backend):
    crossgrad.manual_seed(0)
    model = Sequential(
        Conv2d(1, 8, 3, padding=1),
        ReLU(),
        MaxPool2d(2),
        Conv2d(8, 16, 3, padding=1),
        ReLU(),
        MaxPool2d(2),
        Flatten(),
        Linear(16 * 7 * 7, 10),
    )
    rng = np.random.default_rng(0)
    x = crossgrad.tensor(rng.standard_normal((4, 1, 28, 28)).astype(np.float32))
    y = crossgrad.tensor(rng.integers(0, 10, 4))
    loss = crossgrad.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    assert model(x).shape == (4, 10)
    for p in model.parameters():
        assert p.grad is not None and p.grad.shape == p.shape
        assert np.isfinite(p.grad.numpy()).all()
    assert np.abs(model[0].weight.grad.numpy()).sum() > 0
