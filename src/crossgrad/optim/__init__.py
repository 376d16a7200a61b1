"""``crossgrad.optim``: optimizers that update parameters from their ``.grad``."""

from __future__ import annotations

from crossgrad.optim.optimizer import Optimizer
from crossgrad.optim.sgd import SGD

__all__ = ["Optimizer", "SGD"]
