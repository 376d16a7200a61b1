"""``inplace=True`` activations write into their input and give the out-of-place gradients."""

import numpy as np
import pytest

import crossgrad as cg

F = cg.nn.functional

CASES = {
    "relu": lambda x, inplace: F.relu(x, inplace=inplace),
    "leaky_relu": lambda x, inplace: F.leaky_relu(x, 0.1, inplace=inplace),
    "elu": lambda x, inplace: F.elu(x, 0.7, inplace=inplace),
    "silu": lambda x, inplace: F.silu(x, inplace=inplace),
    "dropout": lambda x, inplace: F.dropout(x, 0.5, inplace=inplace),
}


def _run(fn, inplace):
    cg.manual_seed(0)
    x = cg.tensor(np.linspace(-2, 2, 12).reshape(3, 4), requires_grad=True)
    h = x * 1.5
    out = fn(h, inplace)
    (out * out).sum().backward()  # the backward reads the result as well as fn's own state
    return h, out, x.grad.numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_matches_out_of_place(backend, name):
    h, out, grad = _run(CASES[name], inplace=True)
    assert out is h, "inplace=True must return the input itself"
    _, expected, expected_grad = _run(CASES[name], inplace=False)
    np.testing.assert_allclose(h.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_on_a_leaf_that_requires_grad_is_refused(backend, name):
    x = cg.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(cg.InplaceError, match=f"{name}_: a leaf tensor that requires grad"):
        CASES[name](x, True)
