"""Convolution layers: Conv1d, Conv2d, ConvTranspose2d."""

from __future__ import annotations

import math
from typing import Any

from crossgrad._tensor import Tensor
from crossgrad.nn import init
from crossgrad.nn.module import Module
from crossgrad.nn.modules.linear import uniform_bias_
from crossgrad.nn.parameter import Parameter
from crossgrad.ops import conv as F
from crossgrad.ops.creation import empty

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]


def _tuple(value: Any, n: int) -> tuple[int, ...]:
    return (value,) * n if isinstance(value, int) else tuple(value)


class _ConvNd(Module):
    """Shared state of the convolution layers: geometry, weight, bias and PyTorch's init."""

    _dims = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        output_padding: Any = 0,
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__()
        n = self._dims
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{type(self).__name__}: groups must divide in_channels and "
                f"out_channels: groups={groups}, in_channels={in_channels}, "
                f"out_channels={out_channels}\nhint: pick groups that divides both"
            )
        if padding_mode != "zeros":
            raise ValueError(
                f"{type(self).__name__}: only padding_mode='zeros' is supported, "
                f"received padding_mode={padding_mode!r}\nhint: pad the input "
                "yourself and use padding=0"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, n)
        self.stride = _tuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n)
        self.dilation = _tuple(dilation, n)
        self.output_padding = _tuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups, *self.kernel_size)
        else:
            shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(empty(*shape, dtype=dtype, backend=backend))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, backend=backend))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            uniform_bias_(self.bias, fan_in)

    def extra_repr(self) -> str:
        n = self._dims
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * n:
            s += f", padding={self.padding!r}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L), weight (out_channels, in_channels/groups, k).

    >>> import crossgrad
    >>> Conv1d(2, 4, 3, padding=1)(crossgrad.ones(5, 2, 7)).shape
    (5, 4, 7)
    """

    _dims = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            dtype=dtype,
            backend=backend,
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.conv1d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W), weight (out_channels, in_channels/groups, kH, kW).

    Initialised as PyTorch: ``kaiming_uniform_(weight, a=sqrt(5))`` and bias from
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with ``fan_in = in_channels/groups * kH * kW``.

    >>> import crossgrad
    >>> layer = Conv2d(1, 8, 3, padding=1)
    >>> layer
    Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
    >>> layer(crossgrad.ones(2, 1, 28, 28)).shape
    (2, 8, 28, 28)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            dtype=dtype,
            backend=backend,
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.conv2d(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution, weight (in_channels, out_channels/groups, kH, kW).

    >>> import crossgrad
    >>> ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)(
    ...     crossgrad.ones(1, 4, 5, 5)).shape
    (1, 2, 10, 10)
    """

    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        *,
        dtype: Any = None,
        backend: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding,
            dtype=dtype,
            backend=backend,
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if isinstance(self.padding, str):
            raise ValueError(
                f"ConvTranspose2d: padding must be an int or a tuple of ints, received "
                f"padding={self.padding!r}\nhint: pass e.g. padding=1"
            )
        return F.conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )
