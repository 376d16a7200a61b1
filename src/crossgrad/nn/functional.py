"""``crossgrad.nn.functional``: activations, losses and other stateless nn ops.

Names, signatures and semantics follow ``torch.nn.functional``. Each op is defined once in
``crossgrad.ops`` (activation, dropout, embedding, linalg, loss, normalization, resample,
conv); this module only gathers them under PyTorch's names.
"""

from __future__ import annotations

from crossgrad.ops.activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    silu,
    softmax,
    softplus,
)
from crossgrad.ops.conv import (
    adaptive_avg_pool2d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv_transpose2d,
    max_pool2d,
)
from crossgrad.ops.dropout import dropout
from crossgrad.ops.elementwise import sigmoid, tanh
from crossgrad.ops.embedding import embedding, one_hot
from crossgrad.ops.linalg import bilinear, linear
from crossgrad.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from crossgrad.ops.normalization import batch_norm, group_norm, layer_norm
from crossgrad.ops.resample import interpolate, pad

__all__ = [
    "softmax",
    "log_softmax",
    "relu",
    "gelu",
    "silu",
    "leaky_relu",
    "elu",
    "softplus",
    "sigmoid",
    "tanh",
    "linear",
    "dropout",
    "mse_loss",
    "cross_entropy",
    "nll_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "bilinear",
    "embedding",
    "l1_loss",
    "smooth_l1_loss",
    "huber_loss",
    "kl_div",
    "batch_norm",
    "layer_norm",
    "group_norm",
    "pad",
    "one_hot",
    "interpolate",
    "conv1d",
    "conv2d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
]
