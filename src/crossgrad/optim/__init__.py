"""``crossgrad.optim``: optimizers that update parameters from their ``.grad``, and
``lr_scheduler``, which adjusts their learning rates over training."""

from __future__ import annotations

from crossgrad.optim import lr_scheduler
from crossgrad.optim.adagrad import Adagrad
from crossgrad.optim.adam import Adam
from crossgrad.optim.adamax import Adamax
from crossgrad.optim.adamw import AdamW
from crossgrad.optim.nadam import NAdam
from crossgrad.optim.optimizer import Optimizer
from crossgrad.optim.rmsprop import RMSprop
from crossgrad.optim.sgd import SGD

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "Adamax",
    "NAdam",
    "lr_scheduler",
]
