"""Normalisation layers and the functional ops without op-table rows (one_hot, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import crossgrad
from crossgrad.core.errors import DTypeError, ShapeError
from crossgrad.nn import functional as F
from crossgrad.nn.modules.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from crossgrad.testing import assert_close

F64 = crossgrad.float64


def _np(t: crossgrad.Tensor) -> np.ndarray:
    return t.detach().numpy()


def _batches(shape: tuple[int, ...], count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(1.0, 2.0, shape) for _ in range(count)]


def _torch_running_stats(
    batches: list[np.ndarray], momentum: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's update rule: exponential (or cumulative) average, unbiased batch variance."""
    axes = (0, *range(2, batches[0].ndim))
    channels = batches[0].shape[1]
    mean, var = np.zeros(channels), np.ones(channels)
    for k, x in enumerate(batches, 1):
        m = 1.0 / k if momentum is None else momentum
        mean = (1 - m) * mean + m * x.mean(axis=axes)
        var = (1 - m) * var + m * x.var(axis=axes, ddof=1)
    return mean, var


@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm2d_running_stats_follow_pytorch_update_rule(backend, momentum):
    bn = BatchNorm2d(3, momentum=momentum).double()
    batches = _batches((4, 3, 2, 2), 3)
    for x in batches:
        bn(crossgrad.tensor(x, dtype=F64))
    mean, var = _torch_running_stats(batches, momentum)
    assert_close(bn.running_mean, mean)
    assert_close(bn.running_var, var)
    assert bn.num_batches_tracked.item() == 3


def test_batchnorm1d_train_uses_batch_stats_and_eval_uses_running_stats(backend):
    bn = BatchNorm1d(2).double()
    x_np = _batches((5, 2), 1)[0]
    x = crossgrad.tensor(x_np, dtype=F64)
    train_out = bn(x)
    assert_close(train_out, (x_np - x_np.mean(0)) / np.sqrt(x_np.var(0) + 1e-5))
    bn.eval()
    eval_out = bn(x)
    rm, rv = _np(bn.running_mean), _np(bn.running_var)
    assert_close(eval_out, (x_np - rm) / np.sqrt(rv + 1e-5))
    assert bn.num_batches_tracked.item() == 1  # eval does not count batches


def test_batchnorm_without_running_stats_always_uses_batch_stats(backend):
    bn = BatchNorm1d(2, track_running_stats=False).double().eval()
    x_np = _batches((4, 2, 3), 1)[0]
    out = bn(crossgrad.tensor(x_np, dtype=F64))
    axes = (0, 2)
    ref = (x_np - x_np.mean(axes, keepdims=True)) / np.sqrt(x_np.var(axes, keepdims=True) + 1e-5)
    assert_close(out, ref)
    assert list(bn.state_dict()) == ["weight", "bias"]


def test_batchnorm_state_dict_keys_match_pytorch(backend):
    assert list(BatchNorm2d(4).state_dict()) == [
        "weight",
        "bias",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert list(BatchNorm1d(4, affine=False).state_dict()) == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    assert list(LayerNorm((2, 3)).state_dict()) == ["weight", "bias"]
    assert list(GroupNorm(2, 4).state_dict()) == ["weight", "bias"]


def test_batchnorm_weight_gets_gradient(backend):
    bn = BatchNorm1d(3).double()
    x = crossgrad.tensor(_batches((4, 3), 1)[0], dtype=F64, requires_grad=True)
    (bn(x) * crossgrad.tensor(np.arange(12.0).reshape(4, 3), dtype=F64)).sum().backward()
    assert bn.weight.grad is not None and bn.bias.grad is not None and x.grad is not None
    assert_close(bn.bias.grad, np.arange(12.0).reshape(4, 3).sum(0))


def test_batchnorm_rejects_wrong_rank(backend):
    with pytest.raises(ShapeError, match=r"BatchNorm2d: expected 4-D input.*input.shape=\(2, 3\)"):
        BatchNorm2d(3)(crossgrad.ones(2, 3))


def test_batch_norm_training_needs_more_than_one_value_per_channel(backend):
    with pytest.raises(ShapeError, match="more than 1 value per channel"):
        F.batch_norm(crossgrad.ones(1, 3), None, None, training=True)


def test_layernorm_and_groupnorm_modules_match_reference(backend):
    x_np = _batches((2, 4, 3), 1)[0]
    x = crossgrad.tensor(x_np, dtype=F64)
    ln = LayerNorm(3).double()
    ref = (x_np - x_np.mean(-1, keepdims=True)) / np.sqrt(x_np.var(-1, keepdims=True) + 1e-5)
    assert_close(ln(x), ref)
    gn = GroupNorm(2, 4).double()
    g = x_np.reshape(2, 2, -1)
    ref = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)
    assert_close(gn(x), ref.reshape(x_np.shape))


def test_layer_norm_rejects_mismatched_normalized_shape(backend):
    with pytest.raises(
        ShapeError,
        match=r"layer_norm: normalized_shape must equal the input's "
        r"trailing dims, received normalized_shape=\(4,\), input.shape=\(2, 3\)",
    ):
        F.layer_norm(crossgrad.ones(2, 3), 4)


def test_group_norm_rejects_indivisible_channels(backend):
    with pytest.raises(ShapeError, match=r"group_norm: .*num_groups=4, input.shape\[1\]=6"):
        F.group_norm(crossgrad.ones(2, 6), 4)
    with pytest.raises(ShapeError, match="GroupNorm: num_channels must be divisible"):
        GroupNorm(4, 6)


def test_one_hot_values_and_dtype(backend):
    out = F.one_hot(crossgrad.tensor([[0, 2], [1, 1]]), 4)
    assert out.dtype == crossgrad.int64
    assert out.shape == (2, 2, 4)
    assert out.tolist() == [[[1, 0, 0, 0], [0, 0, 1, 0]], [[0, 1, 0, 0], [0, 1, 0, 0]]]
    assert F.one_hot(crossgrad.tensor([3, 0])).shape == (2, 4)


def test_one_hot_rejects_out_of_range_and_float(backend):
    with pytest.raises(ShapeError, match=r"one_hot: class values .*max=3, num_classes=3"):
        F.one_hot(crossgrad.tensor([0, 3]), 3)
    with pytest.raises(DTypeError, match="one_hot: needs integer class indices"):
        F.one_hot(crossgrad.tensor([0.0]), 3)


def test_pad_rejects_odd_length_and_too_large_reflect(backend):
    with pytest.raises(ShapeError, match=r"pad: .*pad=\(1, 2, 3\)"):
        F.pad(crossgrad.ones(2, 3), (1, 2, 3))
    with pytest.raises(ShapeError, match="reflect padding must be smaller"):
        F.pad(crossgrad.ones(2, 3), (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="pad: unknown mode='wrap'"):
        F.pad(crossgrad.ones(2, 3), (1, 1), mode="wrap")


def test_interpolate_shapes(backend):
    x = crossgrad.ones(2, 3, 4, 5)
    assert F.interpolate(x, scale_factor=2).shape == (2, 3, 8, 10)
    assert F.interpolate(x, size=(3, 7), mode="bilinear").shape == (2, 3, 3, 7)
    assert F.interpolate(x, scale_factor=(0.5, 1.5), mode="bilinear", align_corners=True).shape == (
        2,
        3,
        2,
        7,
    )


def test_interpolate_values_match_pytorch(backend):
    x = crossgrad.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], dtype=F64)
    # torch.nn.functional.interpolate(x, size=(3, 3), mode="bilinear", align_corners=...)
    assert_close(
        F.interpolate(x, size=(3, 3), mode="bilinear", align_corners=True),
        np.array([[[[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]]]]),
    )
    assert_close(
        F.interpolate(x, size=(3, 3), mode="bilinear", align_corners=False),
        np.array([[[[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]]]]),
    )
    assert_close(
        F.interpolate(x, size=(2, 4), mode="bilinear")[0, 0, 0], np.array([1.0, 1.25, 1.75, 2.0])
    )
    assert F.interpolate(x, size=(3, 3)).tolist() == [
        [[[1.0, 1.0, 2.0], [1.0, 1.0, 2.0], [3.0, 3.0, 4.0]]]
    ]


def test_interpolate_rejects_align_corners_for_nearest_and_both_size_and_scale(backend):
    x = crossgrad.ones(1, 1, 2, 2)
    with pytest.raises(ValueError, match="align_corners only applies to the linear modes"):
        F.interpolate(x, size=3, align_corners=True)
    with pytest.raises(ValueError, match="pass exactly one of size and scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ShapeError, match=r"mode='bilinear' needs a 4-D input"):
        F.interpolate(crossgrad.ones(1, 1, 2), size=3, mode="bilinear")


def test_batch_norm_updates_running_stats_of_another_dtype_in_place(backend):
    rm, rv = crossgrad.zeros(2), crossgrad.ones(2)
    F.batch_norm(crossgrad.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=F64), rm, rv, training=True)
    assert rm.dtype == crossgrad.float32
    assert_close(rm, np.array([0.2, 0.35]), atol=1e-6)
    assert_close(rv, np.array([1.1, 1.35]), atol=1e-6)
