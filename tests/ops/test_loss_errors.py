"""Bad inputs to the losses raise the right error class, naming the function, the
offending values and a fix, before anything is computed."""

import re

import numpy as np
import pytest

import crossgrad as cg
from crossgrad import DTypeError, ShapeError

F = cg.nn.functional


def _raises(cls, message):
    return pytest.raises(cls, match=re.escape(message))


@pytest.fixture
def logits(backend):
    return cg.zeros(4, 5, requires_grad=True)


@pytest.fixture
def labels(backend):
    return cg.tensor([0, 1, 4, 2])


@pytest.mark.parametrize(
    "loss",
    [
        lambda x, t, r: F.cross_entropy(x, t, reduction=r),
        lambda x, t, r: F.nll_loss(x, t, reduction=r),
        lambda x, t, r: F.mse_loss(x, x, reduction=r),
        lambda x, t, r: F.binary_cross_entropy(x.sigmoid(), x, reduction=r),
        lambda x, t, r: F.binary_cross_entropy_with_logits(x, x, reduction=r),
    ],
    ids=[
        "cross_entropy",
        "nll_loss",
        "mse_loss",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
    ],
)
def test_unknown_reduction_lists_the_valid_ones(logits, labels, loss):
    with pytest.raises(
        ValueError,
        match=r"\w+: unknown reduction='avg'; choose one of "
        r"'none', 'mean', 'sum'\nhint: ",
    ):
        loss(logits, labels, "avg")


def test_class_index_targets_must_be_integers(logits):
    with _raises(
        DTypeError,
        "cross_entropy: class-index targets must be integers, received "
        "target.dtype=crossgrad.float32",
    ):
        F.cross_entropy(logits, cg.tensor([0.0, 1.0, 2.0, 3.0]))


def test_probability_targets_must_be_floating(logits):
    with _raises(
        DTypeError,
        "cross_entropy: targets of the input's shape are class "
        "probabilities and must be floating, received target.dtype=crossgrad.int64",
    ):
        F.cross_entropy(logits, cg.zeros(4, 5, dtype=cg.int64))


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss], ids=["cross_entropy", "nll_loss"])
def test_target_shape_must_be_the_input_shape_without_the_class_dim(logits, fn):
    name = fn.__name__
    with _raises(
        ShapeError,
        f"{name}: target shape must be the input's shape without its "
        "class dim (dim 1): input.shape=(4, 5), target.shape=(3,)\n"
        "hint: pass a target of shape (4,)",
    ):
        fn(logits, cg.tensor([0, 1, 2]))


def test_target_shape_of_a_3d_input(backend):
    with _raises(
        ShapeError,
        "input.shape=(2, 5, 3), target.shape=(2, 5)\nhint: pass a target of shape (2, 3)",
    ):
        F.cross_entropy(cg.zeros(2, 5, 3), cg.zeros(2, 5, dtype=cg.int64))


@pytest.mark.parametrize("bad", [5, -3])
def test_class_index_out_of_range_names_the_value(logits, bad):
    with _raises(
        ShapeError,
        f"cross_entropy: target holds a class index out of range: "
        f"value={bad}, classes are [0, 5), ignore_index=-100",
    ):
        F.cross_entropy(logits, cg.tensor([0, bad, -100, 1]))


def test_ignore_index_may_lie_outside_the_classes(logits):
    loss = F.cross_entropy(logits, cg.tensor([0, -1, 4, -1]), ignore_index=-1)
    assert abs(loss.item() - np.log(5)) < 1e-6


def test_weight_needs_one_value_per_class(logits, labels):
    with _raises(
        ShapeError,
        "nll_loss: weight must hold one value per class: "
        "weight.shape=(4,), input.shape=(4, 5) has 5 classes",
    ):
        F.nll_loss(logits, labels, cg.zeros(4))


def test_probability_targets_weight_needs_one_value_per_class(logits):
    with _raises(
        ShapeError, "cross_entropy: weight must hold one value per class: weight.shape=(2,)"
    ):
        F.cross_entropy(logits, cg.zeros(4, 5), cg.zeros(2))


@pytest.mark.parametrize("smoothing", [-0.5, 1.5])
def test_label_smoothing_outside_unit_interval(logits, labels, smoothing):
    with _raises(
        ValueError,
        f"cross_entropy: label_smoothing must be in [0, 1], received label_smoothing={smoothing}",
    ):
        F.cross_entropy(logits, labels, label_smoothing=smoothing)


def test_nll_loss_needs_floating_log_probabilities(labels):
    with _raises(
        DTypeError,
        "nll_loss: input must hold floating log-probabilities, received "
        "input.dtype=crossgrad.int64",
    ):
        F.nll_loss(cg.zeros(4, 5, dtype=cg.int64), labels)


def test_class_losses_need_a_class_dim(backend):
    with _raises(ShapeError, "nll_loss: input must have a class dim, received input.shape=()"):
        F.nll_loss(cg.tensor(0.5), cg.tensor(0))


def test_target_must_be_a_tensor(logits):
    with _raises(DTypeError, "cross_entropy: target must be a Tensor, received list"):
        F.cross_entropy(logits, [0, 1, 2, 3])


@pytest.mark.parametrize(
    "fn",
    [F.binary_cross_entropy, F.binary_cross_entropy_with_logits],
    ids=["binary_cross_entropy", "binary_cross_entropy_with_logits"],
)
def test_binary_losses_need_a_target_of_the_input_shape(backend, fn):
    with _raises(
        ShapeError,
        f"{fn.__name__}: target and input shapes differ: input.shape=(4, 5), target.shape=(4, 1)",
    ):
        fn(cg.full((4, 5), 0.5), cg.zeros(4, 1))


def test_loss_options_after_weight_are_keyword_only(logits, labels):
    # PyTorch's positional order has the deprecated size_average/reduce here.
    with pytest.raises(TypeError):
        F.cross_entropy(logits, labels, None, -100)


def test_mse_loss_warns_when_it_broadcasts(backend):
    with pytest.warns(
        UserWarning,
        match=re.escape("mse_loss: target.shape=(4, 1) differs from input.shape=(4, 5)"),
    ):
        F.mse_loss(cg.zeros(4, 5), cg.zeros(4, 1))


def test_a_failed_check_leaves_the_graph_untouched(logits):
    with pytest.raises(ShapeError):
        F.cross_entropy(logits, cg.tensor([0, 9, 1, 2]))
    assert logits.grad is None
    assert np.array_equal(logits.detach().numpy(), np.zeros((4, 5), np.float32))
