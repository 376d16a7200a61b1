"""MultiheadAttention and TransformerEncoderLayer against float64 NumPy references."""

from __future__ import annotations

import math

import numpy as np
import pytest

import crossgrad
from crossgrad.nn.modules.transformer import MultiheadAttention, TransformerEncoderLayer
from crossgrad.testing import assert_close, gradcheck

F64 = crossgrad.float64


def _np(t: crossgrad.Tensor) -> np.ndarray:
    return t.detach().numpy()


def _values(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _t(a: np.ndarray, requires_grad: bool = False) -> crossgrad.Tensor:
    dtype = crossgrad.bool_ if a.dtype == bool else F64
    return crossgrad.tensor(a, dtype=dtype, requires_grad=requires_grad)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _additive(mask: np.ndarray | None) -> np.ndarray | float:
    if mask is None:
        return 0.0
    return np.where(mask, -np.inf, 0.0) if mask.dtype == bool else mask


def _reference_mha(mha, q, k, v, key_padding_mask=None, attn_mask=None):
    """Sequence-first (L, N, E) inputs; returns the output and per-head weights (N, H, L, S)."""
    w, b = _np(mha.in_proj_weight), _np(mha.in_proj_bias)
    heads = mha.num_heads
    (L, N, E), S = q.shape, k.shape[0]
    d = E // heads

    def project(x, i, length):
        y = x @ w[i * E : (i + 1) * E].T + b[i * E : (i + 1) * E]
        return y.reshape(length, N, heads, d).transpose(1, 2, 0, 3)

    scores = project(q, 0, L) @ project(k, 1, S).transpose(0, 1, 3, 2) / np.sqrt(d)
    if attn_mask is not None:  # (L, S) broadcasts; (N * H, L, S) splits into (N, H, L, S)
        shape = (N, heads, L, S) if attn_mask.ndim == 3 else (L, S)
        scores = scores + _additive(attn_mask).reshape(shape)
    if key_padding_mask is not None:
        scores = scores + _additive(key_padding_mask)[:, None, None, :]
    weights = _softmax(scores)
    out = (weights @ project(v, 2, S)).transpose(2, 0, 1, 3).reshape(L, N, E)
    return out @ _np(mha.out_proj.weight).T + _np(mha.out_proj.bias), weights


def _qkv(seed: int = 0):
    return (
        _values(4, 2, 6, seed=seed),
        _values(3, 2, 6, seed=seed + 1),
        _values(3, 2, 6, seed=seed + 2),
    )


def test_attention_matches_numpy_reference(backend):
    mha = MultiheadAttention(6, 2).double()
    q, k, v = _qkv()
    out, weights = mha(_t(q), _t(k), _t(v))
    ref_out, ref_w = _reference_mha(mha, q, k, v)
    assert_close(out, ref_out)
    assert_close(weights, ref_w.mean(axis=1))
    _, per_head = mha(_t(q), _t(k), _t(v), average_attn_weights=False)
    assert_close(per_head, ref_w)
    assert mha(_t(q), _t(k), _t(v), need_weights=False)[1] is None


def test_attention_batch_first_and_unbatched(backend):
    mha = MultiheadAttention(6, 3, batch_first=True).double()
    q, k, v = _qkv(seed=3)
    ref_out, ref_w = _reference_mha(mha, q, k, v)
    out, weights = mha(*(_t(a.transpose(1, 0, 2)) for a in (q, k, v)))
    assert_close(out, ref_out.transpose(1, 0, 2))
    assert_close(weights, ref_w.mean(axis=1))
    out, weights = mha(_t(q[:, 0]), _t(k[:, 0]), _t(v[:, 0]))
    assert out.shape == (4, 6) and weights.shape == (4, 3)
    assert_close(out, ref_out[:, 0])


def test_attention_masks_follow_pytorch_convention(backend):
    mha = MultiheadAttention(6, 2).double()
    q, k, v = _qkv(seed=6)
    padding = np.array([[False, False, True], [False, False, False]])
    causal = np.triu(np.ones((4, 3), dtype=bool), k=1)
    additive = _values(4, 3, seed=9)
    per_head = _values(4, 4, 3, seed=10)  # (N * num_heads, L, S)
    cases = [
        {"key_padding_mask": padding},
        {"attn_mask": causal},
        {"attn_mask": additive, "key_padding_mask": padding},
        {"attn_mask": per_head},
        {"key_padding_mask": _values(2, 3, seed=11)},
    ]
    for masks in cases:
        out, weights = mha(_t(q), _t(k), _t(v), **{n: _t(m) for n, m in masks.items()})
        ref_out, ref_w = _reference_mha(mha, q, k, v, **masks)
        assert_close(out, ref_out)
        assert_close(weights, ref_w.mean(axis=1))
    weights = _np(mha(_t(q), _t(k), _t(v), key_padding_mask=_t(padding))[1])
    assert np.all(weights[0, :, 2] == 0)


def test_attention_gradcheck_with_mask(backend):
    mha = MultiheadAttention(4, 2).double()
    q, k = _t(_values(2, 1, 4), True), _t(_values(3, 1, 4, seed=1), True)
    mask = _t(np.array([[False, True, False], [False, False, True]]))
    assert gradcheck(lambda q, k: mha(q, k, k, attn_mask=mask)[0], (q, k))


def test_attention_rejects_bad_shapes(backend):
    mha = MultiheadAttention(6, 2)
    x = crossgrad.ones(4, 2, 6)
    with pytest.raises(crossgrad.ShapeError, match="attn_mask must be"):
        mha(x, x, x, attn_mask=crossgrad.ones(3, 3))
    with pytest.raises(crossgrad.ShapeError, match="query.size\\(-1\\) must equal embed_dim"):
        mha(crossgrad.ones(4, 2, 5), x, x)
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        MultiheadAttention(6, 4)


def test_state_dict_keys_match_pytorch():
    assert list(MultiheadAttention(6, 2).state_dict()) == [
        "in_proj_weight",
        "in_proj_bias",
        "out_proj.weight",
        "out_proj.bias",
    ]
    layer = TransformerEncoderLayer(6, 2, dim_feedforward=8)
    assert list(layer.state_dict()) == [
        "self_attn.in_proj_weight",
        "self_attn.in_proj_bias",
        "self_attn.out_proj.weight",
        "self_attn.out_proj.bias",
        "linear1.weight",
        "linear1.bias",
        "linear2.weight",
        "linear2.bias",
        "norm1.weight",
        "norm1.bias",
        "norm2.weight",
        "norm2.bias",
    ]
    assert layer.self_attn.in_proj_weight.shape == (18, 6)


def _layer_norm(x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


@pytest.mark.parametrize(("norm_first", "activation"), [(False, "relu"), (True, "gelu")])
def test_encoder_layer_matches_numpy_reference(backend, norm_first, activation):
    layer = TransformerEncoderLayer(
        6, 2, dim_feedforward=8, dropout=0.0, activation=activation, norm_first=norm_first
    ).double()
    x = _values(3, 2, 6)
    padding = np.array([[False, False, True], [False, False, False]])
    for norm in (layer.norm1, layer.norm2):  # non-trivial affine parameters
        with crossgrad.no_grad():
            norm.weight.mul_(_t(_values(6, seed=5))).add_(0.5)
    p = {name: _np(t) for name, t in layer.named_parameters()}

    def norm(x, i):
        return _layer_norm(x) * p[f"norm{i}.weight"] + p[f"norm{i}.bias"]

    def attend(x):
        return _reference_mha(layer.self_attn, x, x, x, key_padding_mask=padding)[0]

    def feed_forward(x):
        hidden = x @ p["linear1.weight"].T + p["linear1.bias"]
        hidden = np.maximum(hidden, 0) if activation == "relu" else _gelu(hidden)
        return hidden @ p["linear2.weight"].T + p["linear2.bias"]

    if norm_first:
        y = x + attend(norm(x, 1))
        y = y + feed_forward(norm(y, 2))
    else:
        y = norm(x + attend(x), 1)
        y = norm(y + feed_forward(y), 2)
    assert_close(layer(_t(x), src_key_padding_mask=_t(padding)), y)


def test_attention_dropout_only_while_training(backend):
    crossgrad.manual_seed(0)
    mha = MultiheadAttention(6, 2, dropout=0.5).double()
    q, k, v = _qkv(seed=12)
    ref_w = _reference_mha(mha, q, k, v)[1]
    _, per_head = mha.train()(_t(q), _t(k), _t(v), average_attn_weights=False)
    kept = _np(per_head) != 0
    assert not kept.all()
    assert_close(_np(per_head)[kept], (ref_w * 2)[kept])
    assert_close(mha.eval()(_t(q), _t(k), _t(v))[1], ref_w.mean(axis=1))
