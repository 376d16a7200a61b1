"""Public testing tools for crossgrad and for users' and plugin authors' own ops.

``assert_close`` compares tensors with dtype-aware tolerances; ``gradcheck`` and
``gradgradcheck`` check autograd against finite differences; :class:`OpCase` rows describe
an op once for the shared op-table harness; ``crossgrad.testing.pytest_plugin`` gives tests a
``backend`` fixture that runs them on every usable backend. ``check_backends`` compares a
whole function (a model's loss) across backends, and ``locate_divergence`` finds the first op
where two backends disagree.
"""

from __future__ import annotations

from crossgrad.testing.backends_check import BackendsReport, check_backends
from crossgrad.testing.compare import assert_close, default_tolerances
from crossgrad.testing.divergence import DivergenceReport, locate_divergence
from crossgrad.testing.gradcheck import GradcheckError, gradcheck, gradgradcheck
from crossgrad.testing.opcase import Arg, ErrorCase, OpCase

__all__ = [
    "Arg",
    "OpCase",
    "ErrorCase",
    "assert_close",
    "default_tolerances",
    "gradcheck",
    "gradgradcheck",
    "GradcheckError",
    "check_backends",
    "BackendsReport",
    "locate_divergence",
    "DivergenceReport",
]
