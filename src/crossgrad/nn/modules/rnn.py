"""Recurrent layers: RNN, LSTM, GRU and their single-step cells, with PyTorch's parameters.

Every step is written in Tensor ops (linear, sigmoid, tanh, chunk, stack), so gradients and
higher-order gradients come from the ops' own backward rules. The input projection of a whole
sequence is one matmul; only the hidden-to-hidden product runs once per time step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from crossgrad._tensor import Tensor
from crossgrad.core.errors import ShapeError
from crossgrad.nn import functional as F
from crossgrad.nn import init
from crossgrad.nn.module import Module
from crossgrad.nn.parameter import Parameter
from crossgrad.ops.creation import empty, zeros
from crossgrad.ops.shape import cat, stack

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}

# One step maps (projected input x W_ih^T + b_ih, state, w_hh, b_hh) to the new state;
# the state is h, or (h, c) for the LSTM.
Step = Callable[[Tensor, Any, Tensor, "Tensor | None"], Any]


def _tanh_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    return (gi + F.linear(h, w_hh, b_hh)).tanh()


def _relu_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    return (gi + F.linear(h, w_hh, b_hh)).relu()


def _lstm_step(
    gi: Tensor, state: tuple[Tensor, Tensor], w_hh: Tensor, b_hh: Tensor | None
) -> tuple[Tensor, Tensor]:
    h, c = state
    i, f, g, o = (gi + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def _gru_step(gi: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (1 - z) * n + z * h


_STEPS: dict[str, Step] = {
    "RNN_TANH": _tanh_step,
    "RNN_RELU": _relu_step,
    "LSTM": _lstm_step,
    "GRU": _gru_step,
}


def _rnn_mode(nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(
            f"RNN: unknown nonlinearity={nonlinearity!r}\nhint: pick one of tanh, relu"
        )
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU: parameters, layers, directions."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if not isinstance(num_layers, int) or isinstance(num_layers, bool) or num_layers < 1:
            raise ValueError(
                f"{name}: num_layers must be a positive int, received "
                f"num_layers={num_layers!r}\nhint: pass num_layers=1 or more"
            )
        if (
            not isinstance(dropout, (int, float))
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                f"{name}: dropout must be a number in [0, 1], received "
                f"dropout={dropout!r}\nhint: pass e.g. dropout=0.1"
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes: dict[str, tuple[int, ...]] = {
                    "weight_ih": (gate_size, layer_input),
                    "weight_hh": (gate_size, hidden_size),
                }
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                for prefix, shape in shapes.items():
                    param = Parameter(empty(*shape, dtype=dtype, backend=backend))
                    self.register_parameter(prefix + suffix, param)
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _weights(self, layer: int, direction: int) -> tuple[Tensor, Tensor, Any, Any]:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        return (
            getattr(self, "weight_ih" + suffix),
            getattr(self, "weight_hh" + suffix),
            getattr(self, "bias_ih" + suffix, None),
            getattr(self, "bias_hh" + suffix, None),
        )

    def _check_input(self, input: Tensor) -> bool:  # noqa: A002
        """Validate the input's shape and return whether it has a batch dimension."""
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ShapeError(
                f"{name}: expected a 2-D (unbatched) or 3-D (batched) input, "
                f"received input.shape={input.shape}",
                hint="pass (seq_len, batch, input_size), or batch_first=True "
                "with (batch, seq_len, input_size)",
            )
        if input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: input.size(-1) must equal input_size: "
                f"input.shape={input.shape}, input_size={self.input_size}",
                hint="reshape the input or build the layer with the right input_size",
            )
        return input.ndim == 3

    def _check_hidden(self, hx: Tensor, batch: int, label: str) -> None:
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        if hx.shape != expected:
            raise ShapeError(
                f"{type(self).__name__}: {label} has the wrong shape: "
                f"{label}.shape={hx.shape}, expected {expected}",
                hint="shape it (num_layers * num_directions, batch, hidden_size)",
            )

    def _initial_states(
        self,
        input: Tensor,
        hx: Any,
        batched: bool,  # noqa: A002
    ) -> tuple[list[Tensor], ...]:
        """Return the initial states, one list of (batch, hidden) tensors per state kind."""
        batch = input.shape[1]
        count = self.num_layers * self.num_directions
        kinds = 2 if self.mode == "LSTM" else 1
        if hx is None:
            zero = zeros(count, batch, self.hidden_size, dtype=input.dtype, backend=input._backend)
            states: tuple[Tensor, ...] = (zero,) * kinds
        else:
            states = tuple(hx) if self.mode == "LSTM" else (hx,)
            if self.mode == "LSTM" and len(states) != 2:
                raise ValueError(
                    "LSTM: hx must be a tuple (h_0, c_0)\n"
                    "hint: pass both the hidden and the cell state"
                )
            if not batched:
                states = tuple(s.unsqueeze(1) for s in states)
            for label, s in zip(("h_0", "c_0"), states, strict=False):
                self._check_hidden(s, batch, label)
        return tuple([s[k] for k in range(count)] for s in states)

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:  # noqa: A002
        batched = self._check_input(input)
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        states = self._initial_states(input, hx, batched)
        step = _STEPS[self.mode]
        finals: list[tuple[Tensor, ...]] = []
        layer_input = input
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                layer_input = F.dropout(layer_input, self.dropout, True)
            outputs = []
            for direction in range(self.num_directions):
                k = layer * self.num_directions + direction
                state = tuple(s[k] for s in states)
                out, last = self._run_direction(step, layer_input, state, layer, direction)
                outputs.append(out)
                finals.append(last)
            layer_input = outputs[0] if len(outputs) == 1 else cat(outputs, -1)
        output = layer_input
        h_n = tuple(stack([f[i] for f in finals]) for i in range(len(finals[0])))
        if not batched:
            output = output.squeeze(1)
            h_n = tuple(h.squeeze(1) for h in h_n)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (h_n if self.mode == "LSTM" else h_n[0])

    def _run_direction(
        self,
        step: Step,
        input: Tensor,
        state: tuple[Tensor, ...],  # noqa: A002
        layer: int,
        direction: int,
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """Run one layer in one direction over (seq, batch, features); return its outputs
        (seq, batch, hidden) and its final state."""
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
        projected = F.linear(input, w_ih, b_ih)
        times = range(input.shape[0])
        if direction:
            times = reversed(times)  # type: ignore[assignment]
        current: Any = state if self.mode == "LSTM" else state[0]
        hs = []
        for t in times:
            current = step(projected[t], current, w_hh, b_hh)
            hs.append(current[0] if self.mode == "LSTM" else current)
        if direction:
            hs.reverse()
        last = current if self.mode == "LSTM" else (current,)
        return stack(hs), tuple(last)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, act tanh or relu.

    ``forward(input, hx=None)`` returns ``(output, h_n)``: output (seq, batch,
    num_directions * hidden_size) (batch first with ``batch_first=True``), h_n
    (num_layers * num_directions, batch, hidden_size). A 2-D input is one unbatched sequence.

    >>> import crossgrad
    >>> out, h = RNN(3, 5, num_layers=2)(crossgrad.ones(4, 2, 3))
    >>> out.shape, h.shape
    ((4, 2, 5), (2, 2, 5))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__(
            _rnn_mode(nonlinearity),
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            backend=backend,
        )
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + ", nonlinearity='relu'"


class LSTM(RNNBase):
    """Long short-term memory, gates in PyTorch's order i, f, g, o::

        i, f, g, o = split(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh, 4)
        c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
        h_t = sigmoid(o) * tanh(c_t)

    ``forward(input, hx=None)`` takes ``hx=(h_0, c_0)`` and returns
    ``(output, (h_n, c_n))``, shaped as for :class:`RNN`.

    >>> import crossgrad
    >>> lstm = LSTM(3, 5, batch_first=True)
    >>> out, (h, c) = lstm(crossgrad.ones(2, 4, 3))
    >>> out.shape, h.shape, c.shape
    ((2, 4, 5), (1, 2, 5), (1, 2, 5))
    >>> [name for name, _ in lstm.named_parameters()]
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            backend=backend,
        )


class GRU(RNNBase):
    """Gated recurrent unit, gates in PyTorch's order r, z, n::

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    ``forward(input, hx=None)`` returns ``(output, h_n)``, shaped as for :class:`RNN`.

    >>> import crossgrad
    >>> GRU(3, 5)(crossgrad.ones(4, 3))[0].shape
    (4, 5)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype=dtype,
            backend=backend,
        )


class RNNCellBase(Module):
    """One time step of an RNN, LSTM or GRU: parameters weight_ih, weight_hh, bias_ih, bias_hh."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = _GATES[mode] * hidden_size
        self.weight_ih = Parameter(empty(gate_size, input_size, dtype=dtype, backend=backend))
        self.weight_hh = Parameter(empty(gate_size, hidden_size, dtype=dtype, backend=backend))
        if bias:
            self.bias_ih = Parameter(empty(gate_size, dtype=dtype, backend=backend))
            self.bias_hh = Parameter(empty(gate_size, dtype=dtype, backend=backend))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def _step(self, input: Tensor, state: Any) -> Any:  # noqa: A002
        name = type(self).__name__
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: expected input of shape (batch, {self.input_size}) or "
                f"({self.input_size},), received input.shape={input.shape}",
                hint="pass one time step; use the sequence layer for sequences",
            )
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        return _STEPS[self.mode](gi, state, self.weight_hh, self.bias_hh)

    def _zeros(self, input: Tensor) -> Tensor:  # noqa: A002
        return zeros(*input.shape[:-1], self.hidden_size, dtype=input.dtype, backend=input._backend)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    >>> import crossgrad
    >>> RNNCell(3, 4)(crossgrad.ones(2, 3)).shape
    (2, 4)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__(
            _rnn_mode(nonlinearity), input_size, hidden_size, bias, dtype=dtype, backend=backend
        )
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, self._zeros(input) if hx is None else hx)


class LSTMCell(RNNCellBase):
    """One LSTM step: ``forward(input, (h, c))`` returns ``(h', c')``.

    >>> import crossgrad
    >>> h, c = LSTMCell(3, 4)(crossgrad.ones(2, 3))
    >>> h.shape, c.shape
    ((2, 4), (2, 4))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, dtype=dtype, backend=backend)

    def forward(
        self,
        input: Tensor,  # noqa: A002
        hx: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        if hx is None:
            hx = (self._zeros(input), self._zeros(input))
        return self._step(input, tuple(hx))


class GRUCell(RNNCellBase):
    """One GRU step: ``forward(input, h)`` returns ``h'``.

    >>> import crossgrad
    >>> GRUCell(3, 4)(crossgrad.ones(2, 3)).shape
    (2, 4)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, dtype=dtype, backend=backend)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._step(input, self._zeros(input) if hx is None else hx)
