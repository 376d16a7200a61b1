"""Normalisation: ``batch_norm``, ``layer_norm``, ``group_norm``.

Each is a composite of Tensor ops (mean, var, rsqrt), so gradients of any order come for
free.
"""

from __future__ import annotations

from collections.abc import Sequence

from crossgrad.core import dtypes
from crossgrad.core.errors import ShapeError
from crossgrad.core.grad_mode import no_grad
from crossgrad.ops import elementwise as ew
from crossgrad.ops._util import Tensor, cast, expect_tensor, floating

# PyTorch keeps these ops under torch.nn.functional, so none is crossgrad.<name>;
# crossgrad.nn.functional re-exports them.
__all__: list[str] = []


def _affine(
    op: str,
    name: str,
    t: Tensor | None,
    expected: tuple[int, ...],
    like: Tensor,
    cast_to_input: bool = True,
) -> Tensor | None:
    """Check an optional per-feature tensor (weight, bias, running stats) and cast it.

    Running stats are not cast: they are updated in place and must stay the caller's.
    """
    if t is None:
        return None
    t = expect_tensor(t, op, name)
    if t.shape != expected:
        raise ShapeError(
            f"{op}: {name} must have shape {expected}, received {name}.shape={t.shape}",
            hint=f"pass one value per normalised feature: shape {expected}",
        )
    if cast_to_input and t.dtype.category == dtypes.FLOATING:
        return cast(t, like.dtype)
    return t


def _expect_channels(op: str, input: Tensor) -> None:  # noqa: A002
    """Raise unless ``input`` is laid out (N, C, ...)."""
    if input.ndim < 2:
        raise ShapeError(
            f"{op}: input must have at least 2 dims (N, C, ...), received "
            f"input.shape={input.shape}",
            hint="add a batch dim with input.unsqueeze(0)",
        )


def _normalize(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``(x - mean) / sqrt(var + eps)`` over ``dims`` (biased variance), the mean, the var."""
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, keepdim=True, correction=0)
    return (x - mean) * ew.rsqrt(var + eps), mean, var


# ====================================================================== batch_norm


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,  # noqa: A002
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dim 1) of ``input`` to zero mean and unit variance.

    In training the batch statistics are used (biased variance) and the running stats, when
    given, are updated in place as PyTorch: ``r = (1 - momentum) * r + momentum * s`` with
    the unbiased batch variance. In eval the running stats are used.

    >>> import crossgrad
    >>> x = crossgrad.tensor([[1.0], [3.0]])
    >>> rm, rv = crossgrad.zeros(1), crossgrad.ones(1)
    >>> batch_norm(x, rm, rv, training=True, eps=0.0)
    tensor([[-1.],
            [ 1.]])
    >>> rm, rv
    (tensor([0.2]), tensor([1.1]))
    """
    op = "batch_norm"
    input = floating(input, op)
    _expect_channels(op, input)
    channels = input.shape[1]
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    dims = (0, *range(2, input.ndim))
    running_mean = _affine(op, "running_mean", running_mean, (channels,), input, False)
    running_var = _affine(op, "running_var", running_var, (channels,), input, False)
    weight = _affine(op, "weight", weight, (channels,), input)
    bias = _affine(op, "bias", bias, (channels,), input)
    if training:
        count = input.numel() // channels
        if count <= 1:
            raise ShapeError(
                f"{op}: expected more than 1 value per channel when training, "
                f"received input.shape={input.shape}",
                hint="use a batch of 2 or more samples, or call eval()",
            )
        y, mean, var = _normalize(input, dims, eps)
        with no_grad():
            if running_mean is not None:
                _blend(running_mean, mean.reshape(channels), momentum)
            if running_var is not None:
                _blend(running_var, var.reshape(channels) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ShapeError(
                f"{op}: eval mode needs running_mean and running_var, received "
                f"running_mean={running_mean is not None and 'Tensor' or None}, "
                f"running_var={running_var is not None and 'Tensor' or None}",
                hint="pass the running stats, or training=True",
            )
        mean = cast(running_mean, input.dtype).reshape(stat_shape)
        var = cast(running_var, input.dtype).reshape(stat_shape)
        y = (input - mean) * ew.rsqrt(var + eps)
    if weight is not None:
        y = y * weight.reshape(stat_shape)
    if bias is not None:
        y = y + bias.reshape(stat_shape)
    return y


def _blend(running: Tensor, batch: Tensor, momentum: float) -> None:
    """``running = (1 - momentum) * running + momentum * batch``, in place."""
    running.copy_(running * (1.0 - momentum) + cast(batch.detach(), running.dtype) * momentum)


# ====================================================================== layer_norm, group_norm


def layer_norm(
    input: Tensor,
    normalized_shape: int | Sequence[int],  # noqa: A002
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing dims ``normalized_shape``, then scale and shift.

    >>> import crossgrad
    >>> x = crossgrad.tensor([[1.0, 3.0], [0.0, 4.0]])
    >>> layer_norm(x, 2, eps=0.0)
    tensor([[-1.,  1.],
            [-1.,  1.]])
    """
    op = "layer_norm"
    input = floating(input, op)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or k > input.ndim or input.shape[input.ndim - k :] != shape:
        raise ShapeError(
            f"{op}: normalized_shape must equal the input's trailing dims, "
            f"received normalized_shape={shape}, input.shape={input.shape}",
            hint=f"pass normalized_shape={input.shape[-1:]} to normalise the last dim",
        )
    weight = _affine(op, "weight", weight, shape, input)
    bias = _affine(op, "bias", bias, shape, input)
    y, _, _ = _normalize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,  # noqa: A002
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each group of ``C / num_groups`` channels (dim 1) per sample.

    >>> import crossgrad
    >>> group_norm(crossgrad.tensor([[1.0, 3.0, 6.0, 4.0]]), 2, eps=0.0)
    tensor([[-1.,  1.,  1., -1.]])
    """
    op = "group_norm"
    input = floating(input, op)
    _expect_channels(op, input)
    channels = input.shape[1]
    if num_groups <= 0 or channels % num_groups:
        raise ShapeError(
            f"{op}: the channel count must be divisible by num_groups, received "
            f"num_groups={num_groups}, input.shape[1]={channels}",
            hint="pick num_groups among the divisors of the channel count",
        )
    weight = _affine(op, "weight", weight, (channels,), input)
    bias = _affine(op, "bias", bias, (channels,), input)
    grouped = input.reshape(input.shape[0], num_groups, -1)
    y = _normalize(grouped, (2,), eps)[0].reshape(input.shape)
    stat_shape = (channels,) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(stat_shape)
    if bias is not None:
        y = y + bias.reshape(stat_shape)
    return y
