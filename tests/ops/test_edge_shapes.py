"""Zero-size and 0-d shapes PyTorch accepts (shapes read from torch 2.13.0)."""

import numpy as np
import pytest

import crossgrad as cg

F = cg.nn.functional


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize(("shape", "dim"), [((2, 0), 1), ((0, 3), 0), ((0,), 0)])
def test_softmax_over_a_zero_size_dim_is_the_empty_result(backend, fn, shape, dim):
    x = cg.zeros(*shape, requires_grad=True)
    y = fn(x, dim)
    assert y.shape == shape
    y.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_along_a_full_dim_of_an_empty_tensor(backend, fn):
    x = cg.zeros(0, 3, requires_grad=True)
    assert fn(x, 1).shape == (0, 3)


@pytest.mark.parametrize("shape", [(), (2,), (2, 3)])
def test_indexing_with_false_gives_an_empty_leading_dim(backend, shape):
    x = cg.ones(*shape, requires_grad=True)
    for false in (False, cg.tensor(False), np.bool_(False)):
        y = x[false]
        assert y.shape == (0, *shape)
    x[cg.tensor(False)].sum().backward()
    assert x.grad.tolist() == np.zeros(shape).tolist()


def test_indexing_a_0d_tensor_with_a_0d_bool_tensor(backend):
    x = cg.tensor(3.0, requires_grad=True)
    assert x[cg.tensor(True)].tolist() == [3.0]
    assert x[cg.tensor(False)].shape == (0,)


def test_setitem_with_false_writes_nothing_but_checks_the_value(backend):
    x = cg.ones(2, 3)
    x[False] = 5.0
    assert x.tolist() == [[1.0] * 3] * 2
    with pytest.raises(cg.ShapeError, match="setitem"):
        x[False] = cg.ones(4)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_skips_legacy_1d_empty_tensors_as_pytorch_does(backend, dim):
    a = cg.ones(2, 3, requires_grad=True)
    empty = cg.zeros(0, requires_grad=True)
    b = cg.full((2, 3), 2.0, requires_grad=True)
    out = cg.cat([empty, a, empty, b], dim=dim)
    expected = np.concatenate([np.ones((2, 3)), np.full((2, 3), 2.0)], axis=dim)
    assert out.tolist() == expected.tolist()
    out.sum().backward()
    assert empty.grad.shape == (0,)
    assert a.grad.tolist() == [[1.0] * 3] * 2


def test_cat_of_only_legacy_empties_is_empty(backend):
    assert cg.cat([cg.zeros(0), cg.zeros(0)]).shape == (0,)


def test_cat_still_refuses_other_rank_mismatches(backend):
    with pytest.raises(cg.ShapeError, match="cat: tensors must have the same number of dims"):
        cg.cat([cg.zeros(1), cg.ones(2, 3)])


def test_conv2d_with_zero_input_channels_is_the_bias(backend):
    """A deliberate difference: PyTorch returns an empty (N, 0, H', W') tensor here; the
    sum over no channels is 0, so crossgrad gives (N, C_out, H', W') filled with the bias,
    as PyTorch's own linear does with zero in_features."""
    x = cg.zeros(2, 0, 5, 5, requires_grad=True)
    w = cg.zeros(4, 0, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, bias=cg.tensor([1.0, 2.0, 3.0, 4.0]))
    assert y.shape == (2, 4, 3, 3)
    assert y[0, :, 0, 0].tolist() == [1.0, 2.0, 3.0, 4.0]
    y.sum().backward()
    assert x.grad.shape == (2, 0, 5, 5) and w.grad.shape == (4, 0, 3, 3)
