"""Bad inputs beyond the declared ErrorCase rows (which test_conformance.py checks on every
backend): exact messages, arguments that are not tensors, and mixed backends."""

import re

import crossgrad as cg
import numpy as np
import pytest
from crossgrad.testing.pytest_plugin import unusable_reason


def test_unknown_reduction_lists_the_choices(backend):
    logits, target = cg.tensor(np.zeros((2, 3))), cg.tensor([0, 1])
    with pytest.raises(
        ValueError,
        match=r"fused.softmax_cross_entropy: unknown "
        r"reduction='avg'; choose one of 'mean', 'sum', 'none'",
    ):
        cg.ops.fused.softmax_cross_entropy(logits, target, reduction="avg")


def test_negative_eps_is_refused(backend):
    with pytest.raises(
        ValueError,
        match=r"fused.rms_norm: eps must be a number >= 0, "
        r"received eps=-1.0",
    ):
        cg.ops.fused.rms_norm(cg.tensor(np.ones((2, 3))), eps=-1.0)


def test_weight_shape_message_shows_both_shapes():
    with pytest.raises(
        cg.ShapeError,
        match=re.escape(
            "fused.rms_norm: weight must hold one value per feature of x's last dim: "
            "weight.shape=(4,), x.shape=(2, 3)\nhint: pass a weight of shape (3,)"
        ),
    ):
        cg.ops.fused.rms_norm(cg.tensor(np.ones((2, 3))), cg.tensor(np.ones(4)))


def test_non_tensor_input_is_refused():
    with pytest.raises(
        cg.DTypeError,
        match=r"fused.swiglu: gate must be a Tensor, "
        r"received list",
    ):
        cg.ops.fused.swiglu([1.0, 2.0], cg.tensor([1.0, 2.0]))


def test_tensors_of_two_backends_name_the_op():
    reason = unusable_reason("jax")
    if reason is not None:
        pytest.skip(f"needs the jax backend next to numpy: {reason}")
    gate = cg.tensor(np.ones(3), backend="numpy")
    up = cg.tensor(np.ones(3), backend="jax")
    with pytest.raises(cg.BackendMismatchError, match="fused.swiglu: tensors on two backends"):
        cg.ops.fused.swiglu(gate, up)
