"""The layers of ``crossgrad.nn``, one family per file."""

from __future__ import annotations

from crossgrad.nn.modules.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from crossgrad.nn.modules.container import ModuleDict, ModuleList, Sequential
from crossgrad.nn.modules.conv import Conv1d, Conv2d, ConvTranspose2d
from crossgrad.nn.modules.dropout import Dropout
from crossgrad.nn.modules.flatten import Flatten, Unflatten
from crossgrad.nn.modules.linear import Bilinear, Identity, Linear
from crossgrad.nn.modules.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from crossgrad.nn.modules.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from crossgrad.nn.modules.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from crossgrad.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from crossgrad.nn.modules.sparse import Embedding
from crossgrad.nn.modules.transformer import MultiheadAttention, TransformerEncoderLayer

__all__ = [
    "Identity",
    "Linear",
    "Bilinear",
    "Flatten",
    "Unflatten",
    "Dropout",
    "Embedding",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ReLU",
    "LeakyReLU",
    "GELU",
    "SiLU",
    "ELU",
    "Softplus",
    "Sigmoid",
    "Tanh",
    "Softmax",
    "LogSoftmax",
    "MSELoss",
    "L1Loss",
    "SmoothL1Loss",
    "HuberLoss",
    "KLDivLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "GroupNorm",
    "RNN",
    "LSTM",
    "GRU",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "MultiheadAttention",
    "TransformerEncoderLayer",
]
