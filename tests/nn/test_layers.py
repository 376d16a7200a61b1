"""Layers: forward against float64 NumPy references, gradients by gradcheck, containers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import crossgrad
from crossgrad import nn
from crossgrad.testing import assert_close, gradcheck

F64 = crossgrad.float64


def _np(t: crossgrad.Tensor) -> np.ndarray:
    return t.detach().numpy()


def _input(*shape: int, seed: int = 0) -> crossgrad.Tensor:
    values = np.random.default_rng(seed).standard_normal(shape)
    return crossgrad.tensor(values, dtype=F64, requires_grad=True)


def test_linear_matches_reference_and_gradcheck(backend):
    layer = nn.Linear(4, 3).double()
    x = _input(2, 4)
    w, b = _np(layer.weight), _np(layer.bias)
    assert_close(layer(x), _np(x) @ w.T + b)
    assert gradcheck(lambda x, w, b: nn.functional.linear(x, w, b), (x, layer.weight, layer.bias))


def test_linear_default_init_bounds(backend):
    crossgrad.manual_seed(0)
    layer = nn.Linear(50, 40)
    bound = 1 / math.sqrt(50)
    w, b = _np(layer.weight), _np(layer.bias)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound
    assert nn.Linear(3, 2, bias=False).bias is None


def test_bilinear_matches_reference_and_gradcheck(backend):
    layer = nn.Bilinear(3, 2, 4).double()
    x1, x2 = _input(5, 3, seed=1), _input(5, 2, seed=2)
    expected = np.einsum("ni,oij,nj->no", _np(x1), _np(layer.weight), _np(x2)) + _np(layer.bias)
    assert_close(layer(x1, x2), expected)
    assert gradcheck(nn.functional.bilinear, (x1, x2, layer.weight, layer.bias))


def test_bilinear_rejects_mismatched_inputs(backend):
    with pytest.raises(crossgrad.ShapeError, match="bilinear: input shapes do not fit"):
        nn.Bilinear(3, 2, 4)(crossgrad.ones(5, 2), crossgrad.ones(5, 2))


def test_embedding_gathers_rows_and_zeroes_padding_gradient(backend):
    emb = nn.Embedding(5, 3, padding_idx=0).double()
    assert float(emb.weight[0].abs().sum()) == 0.0
    idx = crossgrad.tensor([[0, 2], [4, 2]])
    out = emb(idx)
    assert_close(out, _np(emb.weight)[np.array([[0, 2], [4, 2]])])
    out.sum().backward()
    expected = np.zeros((5, 3))
    expected[2] = 2.0
    expected[4] = 1.0
    assert_close(emb.weight.grad, expected)
    # Without padding_idx (the padding row's gradient is zero on purpose, not numerically).
    assert gradcheck(lambda w: nn.functional.embedding(idx, w), (emb.weight,))
    with pytest.raises(crossgrad.DTypeError, match="embedding: indices must be integers"):
        emb(crossgrad.ones(2))


REFERENCES = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.GELU(), lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (nn.ELU(0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    (nn.Softplus(beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    (nn.Identity(), lambda x: x),
    (nn.Flatten(), lambda x: x.reshape(3, -1)),
    (nn.Unflatten(1, (2, 2)), lambda x: x.reshape(3, 2, 2)),
    (nn.Dropout(0.3).eval(), lambda x: x),
]


@pytest.mark.parametrize(
    "module,reference", REFERENCES, ids=[type(m).__name__ for m, _ in REFERENCES]
)
def test_activation_and_shape_layers_match_reference(backend, module, reference):
    x = _input(3, 4, seed=3)
    assert_close(module(x), reference(_np(x)))
    assert gradcheck(module, (x,))


LOSSES = [
    (nn.MSELoss(), lambda x, t: ((x - t) ** 2).mean()),
    (nn.L1Loss(reduction="sum"), lambda x, t: np.abs(x - t).sum()),
    (
        nn.SmoothL1Loss(beta=0.5),
        lambda x, t: np.where(
            np.abs(x - t) < 0.5, 0.5 * (x - t) ** 2 / 0.5, np.abs(x - t) - 0.25
        ).mean(),
    ),
    (
        nn.HuberLoss(delta=0.5),
        lambda x, t: np.where(
            np.abs(x - t) < 0.5, 0.5 * (x - t) ** 2, 0.5 * (np.abs(x - t) - 0.25)
        ).mean(),
    ),
]


@pytest.mark.parametrize("module,reference", LOSSES, ids=[type(m).__name__ for m, _ in LOSSES])
def test_regression_losses_match_reference(backend, module, reference):
    x, t = _input(3, 4, seed=4), _input(3, 4, seed=5).detach()
    assert_close(module(x, t), reference(_np(x), _np(t)))
    assert gradcheck(lambda x: module(x, t), (x,))


def test_kl_div_matches_reference(backend):
    logits = _input(2, 3, seed=6)
    target = crossgrad.tensor([[0.2, 0.8, 0.0], [0.3, 0.3, 0.4]], dtype=F64)
    log_p = logits.log_softmax(1)
    t = _np(target)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(t > 0, t * (np.log(t) - _np(log_p)), 0.0)
    assert_close(nn.KLDivLoss(reduction="batchmean")(log_p, target), terms.sum() / 2)
    assert_close(nn.KLDivLoss()(log_p, target), terms.mean())
    assert gradcheck(lambda z: nn.KLDivLoss(reduction="sum")(z.log_softmax(1), target), (logits,))


def test_class_losses_match_functional(backend):
    x = _input(4, 3, seed=7)
    target = crossgrad.tensor([0, 2, 1, 2])
    weight = crossgrad.tensor([1.0, 2.0, 0.5], dtype=F64)
    F = nn.functional
    assert_close(nn.CrossEntropyLoss(weight)(x, target), F.cross_entropy(x, target, weight))
    assert "weight" in dict(nn.CrossEntropyLoss(weight).named_buffers())
    logp = x.log_softmax(1)
    assert_close(
        nn.NLLLoss(reduction="sum")(logp, target), -_np(logp)[np.arange(4), [0, 2, 1, 2]].sum()
    )
    p, y = x.sigmoid(), crossgrad.tensor([[1.0, 0.0, 1.0]] * 4, dtype=F64)
    bce = -(_np(y) * np.log(_np(p)) + (1 - _np(y)) * np.log(1 - _np(p))).mean()
    assert_close(nn.BCELoss()(p, y), bce)
    assert_close(nn.BCEWithLogitsLoss()(x, y), bce)


def test_sequential_indexing_iteration_and_append(backend):
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert isinstance(model[0], nn.Linear) and isinstance(model[-1], nn.ReLU)
    assert isinstance(model[:1], nn.Sequential) and len(model[:1]) == 1
    model.append(nn.Linear(3, 1))
    assert len(model) == 3 and [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    assert model(crossgrad.ones(5, 2)).shape == (5, 1)
    del model[1]
    assert list(model._modules) == ["0", "1"]
    with pytest.raises(IndexError, match="out of range"):
        model[5]


def test_module_list_and_dict_register_children(backend):
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 2))
    layers.insert(0, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Identity", "Linear", "Linear"]
    assert list(nn.Sequential(*layers).state_dict()) == ["1.weight", "1.bias", "2.weight", "2.bias"]
    heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
    heads["b"] = nn.Linear(2, 3)
    assert list(heads) == ["a", "b"] and len(list(heads.parameters())) == 4
    holder = nn.Module()
    holder.heads = heads
    assert list(holder.state_dict())[:2] == ["heads.a.weight", "heads.a.bias"]


def test_dropout_layer_follows_training_flag(backend):
    crossgrad.manual_seed(0)
    layer = nn.Dropout(0.5)
    x = crossgrad.ones(1000)
    out = _np(layer(x))
    assert set(np.unique(out)) <= {0.0, 2.0} and 0.4 < (out == 0).mean() < 0.6
    layer.eval()
    assert_close(layer(x), np.ones(1000))
