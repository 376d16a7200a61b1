"""RNN, LSTM, GRU: forward against float64 NumPy references, gradients by gradcheck."""

from __future__ import annotations

import math

import numpy as np
import pytest

import crossgrad
from crossgrad.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell
from crossgrad.testing import assert_close, gradcheck, gradgradcheck

F64 = crossgrad.float64


def _np(t: crossgrad.Tensor) -> np.ndarray:
    return t.detach().numpy()


def _values(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _ref_step(mode: str, x: np.ndarray, state, w_ih, w_hh, b_ih, b_hh):
    """One step of PyTorch's equations, gates in its order (LSTM i,f,g,o; GRU r,z,n)."""
    gi = x @ w_ih.T + b_ih
    if mode == "LSTM":
        h, c = state
        i, f, g, o = np.split(gi + h @ w_hh.T + b_hh, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c
    if mode == "GRU":
        i_r, i_z, i_n = np.split(gi, 3, axis=-1)
        h_r, h_z, h_n = np.split(state @ w_hh.T + b_hh, 3, axis=-1)
        r, z = _sigmoid(i_r + h_r), _sigmoid(i_z + h_z)
        n = np.tanh(i_n + r * h_n)
        return (1 - z) * n + z * state
    pre = gi + state @ w_hh.T + b_hh
    return np.tanh(pre) if mode == "tanh" else np.maximum(pre, 0)


def _reference(mode: str, module, x: np.ndarray, hx=None):
    """Run a (seq, batch, features) input through every layer and direction in NumPy."""
    p = {name: _np(t) for name, t in module.named_parameters()}
    dirs = module.num_directions
    count = module.num_layers * dirs
    zero = np.zeros((count, x.shape[1], module.hidden_size))
    states = (
        ([zero, zero] if hx is None else list(hx))
        if mode == "LSTM"
        else [zero if hx is None else hx]
    )
    finals = []
    for layer in range(module.num_layers):
        outs = []
        for d in range(dirs):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w = [p.get(n + sfx, 0.0) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            k = layer * dirs + d
            state = tuple(s[k] for s in states) if mode == "LSTM" else states[0][k]
            hs = []
            for t in reversed(range(len(x))) if d else range(len(x)):
                state = _ref_step(mode, x[t], state, *w)
                hs.append(state[0] if mode == "LSTM" else state)
            outs.append(np.stack(hs[::-1] if d else hs))
            finals.append(state if mode == "LSTM" else (state,))
        x = np.concatenate(outs, axis=-1)
    h_n = [np.stack([f[i] for f in finals]) for i in range(len(finals[0]))]
    return x, (tuple(h_n) if mode == "LSTM" else h_n[0])


def _build(mode: str, *args, **kwargs):
    if mode == "LSTM":
        return LSTM(*args, **kwargs).double()
    if mode == "GRU":
        return GRU(*args, **kwargs).double()
    return RNN(*args, nonlinearity=mode, **kwargs).double()


@pytest.mark.parametrize("mode", ["tanh", "relu", "LSTM", "GRU"])
@pytest.mark.parametrize(
    "config",
    [
        {},
        {"num_layers": 2, "batch_first": True},
        {"bidirectional": True, "bias": False},
    ],
)
def test_recurrent_layer_matches_numpy_reference(backend, mode, config):
    module = _build(mode, 3, 4, **config)
    x = _values(2, 3, 3)  # (seq, batch, features); (batch, seq, features) when batch_first
    out, h_n = module(crossgrad.tensor(x, dtype=F64))
    seq_first = x.transpose(1, 0, 2) if config.get("batch_first") else x
    ref_out, ref_h = _reference(mode, module, seq_first)
    if config.get("batch_first"):
        ref_out = ref_out.transpose(1, 0, 2)
    assert_close(out, ref_out)
    if mode == "LSTM":
        assert_close(h_n[0], ref_h[0])
        assert_close(h_n[1], ref_h[1])
    else:
        assert_close(h_n, ref_h)


@pytest.mark.parametrize("mode", ["tanh", "LSTM", "GRU"])
def test_recurrent_layer_starts_from_given_state(backend, mode):
    module = _build(mode, 3, 4, num_layers=2)
    x = _values(4, 2, 3)
    h0, c0 = _values(2, 2, 4, seed=1), _values(2, 2, 4, seed=2)
    hx_np = (h0, c0) if mode == "LSTM" else h0
    hx = (
        tuple(crossgrad.tensor(a, dtype=F64) for a in hx_np)
        if mode == "LSTM"
        else crossgrad.tensor(h0, dtype=F64)
    )
    out, _ = module(crossgrad.tensor(x, dtype=F64), hx)
    assert_close(out, _reference(mode, module, x, hx_np)[0])


def test_unbatched_input_gives_unbatched_output(backend):
    lstm = LSTM(3, 4).double()
    x = _values(5, 3)
    out, (h, c) = lstm(crossgrad.tensor(x, dtype=F64))
    ref_out, (ref_h, ref_c) = _reference("LSTM", lstm, x[:, None, :])
    assert out.shape == (5, 4) and h.shape == (1, 4) and c.shape == (1, 4)
    assert_close(out, ref_out[:, 0])
    assert_close(c, ref_c[:, 0])


def test_parameter_names_and_shapes_follow_pytorch():
    lstm = LSTM(3, 5, num_layers=2, bidirectional=True)
    shapes = {name: p.shape for name, p in lstm.state_dict().items()}
    assert shapes == {
        "weight_ih_l0": (20, 3),
        "weight_hh_l0": (20, 5),
        "bias_ih_l0": (20,),
        "bias_hh_l0": (20,),
        "weight_ih_l0_reverse": (20, 3),
        "weight_hh_l0_reverse": (20, 5),
        "bias_ih_l0_reverse": (20,),
        "bias_hh_l0_reverse": (20,),
        "weight_ih_l1": (20, 10),
        "weight_hh_l1": (20, 5),
        "bias_ih_l1": (20,),
        "bias_hh_l1": (20,),
        "weight_ih_l1_reverse": (20, 10),
        "weight_hh_l1_reverse": (20, 5),
        "bias_ih_l1_reverse": (20,),
        "bias_hh_l1_reverse": (20,),
    }
    assert list(lstm.state_dict())[:4] == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
    ]
    assert list(GRU(3, 5, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]
    assert GRU(3, 5).weight_ih_l0.shape == (15, 3)
    assert list(LSTMCell(3, 5).state_dict()) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]


def test_default_init_is_uniform_in_inverse_sqrt_hidden():
    crossgrad.manual_seed(0)
    bound = 1 / math.sqrt(16)
    values = np.concatenate([_np(p).ravel() for p in GRU(8, 16).parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound


def test_dropout_between_layers_only_while_training(backend):
    crossgrad.manual_seed(0)
    rnn = RNN(3, 4, num_layers=2, dropout=0.5).double()
    x = crossgrad.tensor(_values(3, 2, 3), dtype=F64)
    expected = _reference("tanh", rnn, _np(x))[0]
    assert_close(rnn.eval()(x)[0], expected)
    assert not np.allclose(_np(rnn.train()(x)[0]), expected)


def _with_weight(module, name: str, fn):
    """Call ``fn`` with the parameter ``name`` replaced by the first argument, so gradcheck
    can perturb it (a Parameter is a leaf the module owns, not an input of ``fn``)."""

    def call(weight, *args):
        saved = module._parameters[name]
        module._parameters[name] = weight
        try:
            return fn(*args)
        finally:
            module._parameters[name] = saved

    return call


def _leaf(*shape: int, seed: int) -> crossgrad.Tensor:
    return crossgrad.tensor(_values(*shape, seed=seed), dtype=F64, requires_grad=True)


def test_lstm_cell_and_gru_cell_gradcheck(backend):
    x, h, c = _leaf(2, 3, seed=0), _leaf(2, 2, seed=1), _leaf(2, 2, seed=2)
    lstm, gru = LSTMCell(3, 2).double(), GRUCell(3, 2).double()
    w_lstm = _leaf(8, 2, seed=3)
    assert gradcheck(
        _with_weight(lstm, "weight_hh", lambda x, h, c: lstm(x, (h, c))), (w_lstm, x, h, c)
    )
    w_gru = _leaf(6, 3, seed=4)
    assert gradcheck(_with_weight(gru, "weight_ih", lambda x, h: gru(x, h)), (w_gru, x, h))


def test_lstm_layer_gradcheck_and_gru_second_order(backend):
    lstm = LSTM(2, 2, num_layers=2).double()
    x = _leaf(3, 1, 2, seed=0)
    w = _leaf(8, 2, seed=1)
    assert gradcheck(_with_weight(lstm, "weight_hh_l1", lambda x: lstm(x)[0]), (w, x))
    gru = GRU(2, 2).double()
    assert gradgradcheck(lambda x: gru(x)[0], (x,))


def test_wrong_input_size_is_a_shape_error(backend):
    with pytest.raises(crossgrad.ShapeError, match="LSTM: input.size\\(-1\\) must equal"):
        LSTM(3, 4)(crossgrad.ones(5, 2, 2))
    with pytest.raises(crossgrad.ShapeError, match="GRU: h_0 has the wrong shape"):
        GRU(3, 4)(crossgrad.ones(5, 2, 3), crossgrad.zeros(1, 3, 4))
    with pytest.raises(ValueError, match="RNN: unknown nonlinearity='sigmoid'"):
        RNN(3, 4, nonlinearity="sigmoid")
