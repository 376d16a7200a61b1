"""Linear, Bilinear and Identity layers."""

from __future__ import annotations

import math
from typing import Any

from crossgrad._tensor import Tensor
from crossgrad.nn import functional as F
from crossgrad.nn import init
from crossgrad.nn.module import Module
from crossgrad.nn.parameter import Parameter
from crossgrad.ops.creation import empty

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Return the input unchanged (arguments are accepted and ignored).

    >>> import crossgrad
    >>> Identity(54, unused="x")(crossgrad.tensor([1.0]))
    tensor([1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape (out_features, in_features).

    Initialised as PyTorch: ``kaiming_uniform_(weight, a=sqrt(5))`` and bias from
    U(-1/sqrt(in_features), 1/sqrt(in_features)).

    >>> import crossgrad
    >>> layer = Linear(4, 3)
    >>> layer
    Linear(in_features=4, out_features=3, bias=True)
    >>> layer(crossgrad.ones(2, 4)).shape
    (2, 3)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, backend=backend))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, backend=backend))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            uniform_bias_(self.bias, self.in_features)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """``y[n, o] = x1[n] @ weight[o] @ x2[n] + bias[o]``, weight (out, in1, in2).

    Weight and bias are initialised from U(-1/sqrt(in1_features), 1/sqrt(in1_features)).

    >>> import crossgrad
    >>> Bilinear(3, 2, 4)(crossgrad.ones(5, 3), crossgrad.ones(5, 2)).shape
    (5, 4)
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(
            empty(out_features, in1_features, in2_features, dtype=dtype, backend=backend)
        )
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, backend=backend))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


def uniform_bias_(bias: Tensor, fan_in: int) -> None:
    """PyTorch's bias init of Linear and the convolutions: U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    zeros when fan_in is 0."""
    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    init.uniform_(bias, -bound, bound)
