"""Module: registration, traversal, state_dict, loading, modes, hooks, repr, conversion."""

from __future__ import annotations

import numpy as np
import pytest

import crossgrad
from crossgrad import nn
from crossgrad.testing import assert_close


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.bn = nn.Module()
        self.bn.register_buffer("running_mean", crossgrad.zeros(3))
        self.bn.register_buffer("scratch", crossgrad.zeros(3), persistent=False)
        self.head = nn.Sequential(nn.Linear(3, 2), nn.Tanh())

    def forward(self, x: crossgrad.Tensor) -> crossgrad.Tensor:
        return self.head((self.fc1(x) - self.bn.running_mean).relu())


KEYS = ["fc1.weight", "fc1.bias", "bn.running_mean", "head.0.weight", "head.0.bias"]


def test_parameter_is_a_leaf_tensor_with_torch_repr(backend):
    p = nn.Parameter(crossgrad.tensor([1.0, 2.0]))
    assert isinstance(p, crossgrad.Tensor) and p.is_leaf and p.requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor([1., 2.]")
    (p * p).sum().backward()
    assert_close(p.grad, [2.0, 4.0])
    assert not nn.Parameter(crossgrad.tensor([1.0]), requires_grad=False).requires_grad


def test_state_dict_keys_follow_pytorch_names_for_nested_models(backend):
    model = Block()
    assert list(model.state_dict()) == KEYS
    assert [n for n, _ in model.named_parameters()] == [k for k in KEYS if "running" not in k]
    assert [n for n, _ in model.named_buffers()] == ["bn.running_mean", "bn.scratch"]
    assert [n for n, _ in model.named_modules()] == ["", "fc1", "bn", "head", "head.0", "head.1"]
    assert [n for n, _ in model.named_children()] == ["fc1", "bn", "head"]
    assert all(not t.requires_grad for t in model.state_dict().values())


def test_shared_parameters_are_listed_once_but_keyed_under_each_name(backend):
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    model[1].weight = model[0].weight
    assert len(list(model.parameters())) == 3
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_setattr_registers_and_delattr_unregisters(backend):
    m = nn.Module()
    m.w = nn.Parameter(crossgrad.ones(2))
    m.child = nn.Linear(2, 2)
    m.plain = 3
    assert list(m._parameters) == ["w"] and list(m._modules) == ["child"]
    del m.w
    assert not hasattr(m, "w")
    with pytest.raises(TypeError, match="cannot assign a Tensor as parameter 'weight'"):
        m.child.weight = crossgrad.ones(2, 2)
    with pytest.raises(AttributeError, match="has no attribute 'missing'"):
        _ = m.missing


def test_state_dict_round_trip_restores_outputs(backend):
    crossgrad.manual_seed(0)
    a, b = Block(), Block()
    x = crossgrad.randn(5, 4)
    b.load_state_dict(a.state_dict())
    assert_close(b(x), a(x))


def test_load_state_dict_keeps_parameter_identity(backend):
    model = Block()
    before = [id(p) for p in model.parameters()]
    source = {k: v + 1.0 for k, v in model.state_dict().items()}
    model.load_state_dict(source)
    assert [id(p) for p in model.parameters()] == before
    assert_close(model.fc1.weight.detach(), source["fc1.weight"])
    assert model.fc1.weight.requires_grad


def test_load_state_dict_error_lists_every_problem_and_changes_nothing(backend):
    model = Block()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    bad = {k: v.clone() + 1.0 for k, v in model.state_dict().items()}
    del bad["fc1.bias"]
    bad["extra.weight"] = crossgrad.zeros(1)
    bad["head.0.weight"] = crossgrad.zeros(5, 5)
    bad["bn.running_mean"] = crossgrad.zeros(3, dtype=crossgrad.int64)
    with pytest.raises(crossgrad.ShapeError, match="4 problem") as info:
        model.load_state_dict(bad)
    text = str(info.value)
    for needle in (
        "missing key 'fc1.bias'",
        "unexpected key 'extra.weight'",
        "shape mismatch for 'head.0.weight'",
        "dtype mismatch for 'bn.running_mean'",
    ):
        assert needle in text
    for k, v in model.state_dict().items():
        assert_close(v, before[k])


def test_non_strict_load_returns_missing_and_unexpected_keys(backend):
    model = Block()
    sd = model.state_dict()
    partial = {"fc1.weight": sd["fc1.weight"] * 0.0, "other": crossgrad.ones(1)}
    result = model.load_state_dict(partial, strict=False)
    assert result.missing_keys == [k for k in KEYS if k != "fc1.weight"]
    assert result.unexpected_keys == ["other"]
    assert float(model.fc1.weight.abs().sum()) == 0.0
    with pytest.raises(crossgrad.ShapeError, match="shape mismatch for 'fc1.weight'"):
        model.load_state_dict({"fc1.weight": crossgrad.ones(1)}, strict=False)


def test_load_converts_precision_and_backend(backend):
    model = Block()
    source = Block().double().to("numpy")
    model.load_state_dict(source.state_dict())
    assert model.fc1.weight.dtype == crossgrad.float32 and model.fc1.weight.backend == backend
    assert_close(model.fc1.weight.detach(), source.fc1.weight.detach())


def test_train_and_eval_propagate_to_every_descendant(backend):
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_sets_none_or_zeros(backend):
    layer = nn.Linear(3, 2)
    layer(crossgrad.ones(1, 3)).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert float(layer.weight.grad.abs().sum()) == 0.0
    layer.zero_grad()
    assert layer.weight.grad is None


def test_requires_grad_and_apply_reach_every_parameter(backend):
    model = Block()
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Module", "Linear", "Tanh", "Sequential", "Block"]


def test_forward_hooks_run_and_can_be_removed(backend):
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0.0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = layer(crossgrad.ones(1, 2))
    assert calls == [(1, 2)]
    assert_close(out, (layer.bias + 1.0).detach().reshape(1, 2))
    pre.remove()
    post.remove()
    assert_close(layer(crossgrad.zeros(1, 2)), layer.bias.detach().reshape(1, 2))
    assert calls == [(1, 2)]


def test_repr_matches_pytorch_layout():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    assert repr(model) == (
        "Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=True)\n  (1): ReLU()\n)"
    )
    nested = nn.Sequential(nn.Sequential(nn.Identity()))
    assert repr(nested) == "Sequential(\n  (0): Sequential(\n    (0): Identity()\n  )\n)"


def test_to_dtype_keeps_identity_and_outputs(backend):
    crossgrad.manual_seed(1)
    model = Block()
    params = list(model.parameters())
    x = crossgrad.randn(3, 4)
    expected = model(x)
    assert model.double() is model
    assert list(model.parameters()) == params
    assert all(p.dtype == crossgrad.float64 for p in model.parameters())
    assert model.bn.running_mean.dtype == crossgrad.float64
    assert_close(model(x.double()), expected)


def test_to_backend_moves_everything_and_gives_same_outputs(backend):
    crossgrad.manual_seed(2)
    with crossgrad.use_backend("numpy"):
        model = Block()
        x = crossgrad.randn(3, 4)
    expected = model(x).detach().numpy()
    params = list(model.parameters())
    model.to(backend)
    assert list(model.parameters()) == params
    assert {t.backend for t in [*model.parameters(), *model.buffers()]} == {backend}
    out = model(x.to(backend))
    assert out.backend == backend
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    out.sum().backward()
    assert model.fc1.weight.grad.backend == backend


def test_integer_buffers_keep_their_dtype_through_double(backend):
    m = nn.Module()
    m.register_buffer("count", crossgrad.zeros(1, dtype=crossgrad.int64))
    m.double()
    assert m.count.dtype == crossgrad.int64


def test_forward_missing_raises_not_implemented():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)
