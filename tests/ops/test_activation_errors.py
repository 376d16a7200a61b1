"""Bad inputs to the activations raise the right error class, naming the function and the
offending values."""

import re

import pytest

import crossgrad as cg
from crossgrad import ShapeError

F = cg.nn.functional


def _raises(cls, message):
    return pytest.raises(cls, match=re.escape(message))


@pytest.fixture
def logits(backend):
    return cg.zeros(4, 5, requires_grad=True)


def test_softmax_dim_out_of_range(logits):
    with _raises(ShapeError, "softmax: dim out of range: dim=2, tensor.ndim=2"):
        F.softmax(logits, dim=2)
    with _raises(ShapeError, "log_softmax: dim out of range: dim=-3, tensor.ndim=2"):
        logits.log_softmax(-3)


def test_gelu_unknown_approximation(logits):
    with _raises(ValueError, "gelu: unknown approximate='fast'; choose 'none' or 'tanh'"):
        F.gelu(logits, approximate="fast")
