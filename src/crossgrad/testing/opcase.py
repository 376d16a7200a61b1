"""The op-case table type: one row per op configuration, checked by one harness.

crossgrad's own op tests are a list of :class:`OpCase` rows; a plugin author adds rows for
their ops and gets the same checks (forward against a float64 NumPy reference, gradients
against numeric differences, second-order gradients, every usable backend).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The checks the op-table harness runs per case and backend (``skips`` keys may name one).
CHECKS = ("forward", "float32", "noncontiguous", "grad", "gradgrad")


@dataclass(frozen=True)
class Arg:
    """A generated input: a shape, a value range, and whether it is differentiated.

    ``Arg((3, 4))`` is uniform in [-1, 1); ``Arg((3,), low=0.1, high=2)`` for positive-only
    ops (log, sqrt); ``Arg((), ...)`` for 0-d. ``dtype`` other than float64 (e.g. "int64",
    "bool") makes a constant input with no gradient.
    """

    shape: tuple[int, ...]
    low: float = -1.0
    high: float = 1.0
    dtype: str = "float64"
    grad: bool = True

    def make(self, rng: np.random.Generator) -> np.ndarray:
        if self.dtype == "bool":
            return rng.random(self.shape) < 0.5
        if self.dtype.startswith("int"):
            return rng.integers(int(self.low), int(self.high), self.shape).astype(self.dtype)
        return rng.uniform(self.low, self.high, self.shape).astype(self.dtype)

    @property
    def differentiable(self) -> bool:
        return self.grad and self.dtype.startswith("float")


@dataclass(frozen=True)
class OpCase:
    """One op configuration to check on every backend.

    Args:
        name: the test id, e.g. ``"sum-dim1-keepdim"``.
        fn: the crossgrad call, taking one Tensor per input (``lambda x: x.sum(dim=1)``);
            may return a Tensor or a tuple of Tensors.
        reference: the same computation in NumPy on float64 arrays (the truth).
        inputs: one :class:`Arg` or fixed ``np.ndarray`` per input. Fixed float arrays are
            differentiated; integer and bool arrays are constants (indices, masks).
        grad: check first-order gradients against central differences.
        gradgrad: check second-order gradients too.
        atol, rtol: float64 tolerances for the forward check (gradients use gradcheck's).
        skips: known gaps as data: ``{"jax": "reason"}``; ``"*"`` skips every backend.
            A key ``"<backend>:<check>"`` (or ``"*:<check>"``) skips one check only, the
            checks being those of :data:`CHECKS`: ``{"*:float32": "accumulates error"}``.
    """

    name: str
    fn: Callable[..., Any]
    reference: Callable[..., Any]
    inputs: Sequence[Arg | np.ndarray]
    grad: bool = True
    gradgrad: bool = True
    atol: float = 1e-10
    rtol: float = 1e-7
    skips: dict[str, str] = field(default_factory=dict)

    def make_inputs(self, seed: int = 0) -> list[np.ndarray]:
        """Fresh float64 (or constant) NumPy inputs, the same for every backend."""
        rng = np.random.default_rng(seed)
        return [a.make(rng) if isinstance(a, Arg) else np.array(a) for a in self.inputs]

    def skip_reason(self, backend: str, check: str | None = None) -> str | None:
        """Why this case does not run ``check`` on ``backend`` (from ``skips``), or None.

        >>> case = OpCase("x", abs, abs, [Arg((2,))], skips={"jax:float32": "no"})
        >>> case.skip_reason("jax", "float32"), case.skip_reason("jax", "forward")
        ('no', None)
        """
        keys = [backend, "*"]
        if check is not None:
            keys = [f"{backend}:{check}", f"*:{check}", *keys]
        for key in keys:
            if key in self.skips:
                return self.skips[key]
        return None

    def shapes(self) -> list[tuple[int, ...]]:
        """The shape of each input, known without generating data."""
        return [a.shape if isinstance(a, Arg) else np.shape(a) for a in self.inputs]

    def is_float(self) -> list[bool]:
        """Which inputs are floating point (differentiated or not)."""
        return [
            a.dtype.startswith("float") if isinstance(a, Arg) else np.asarray(a).dtype.kind == "f"
            for a in self.inputs
        ]

    def differentiable(self) -> list[bool]:
        """Which inputs get gradients checked."""
        return [
            a.differentiable if isinstance(a, Arg) else np.asarray(a).dtype.kind == "f"
            for a in self.inputs
        ]


@dataclass(frozen=True)
class ErrorCase:
    """A declared bad input: calling ``fn`` on ``inputs`` must raise ``raises`` with a
    message containing ``match``, the same class and message on every backend, before
    anything is changed.

    Args:
        name: the test id, e.g. ``"rms_norm-weight-shape"``.
        fn: the crossgrad call, taking one Tensor per input.
        inputs: one :class:`Arg` or fixed ``np.ndarray`` per input, as in :class:`OpCase`.
        raises: the crossgrad error class expected (``crossgrad.ShapeError``, ...).
        match: a substring the message must contain (the op's name, at least).
    """

    name: str
    fn: Callable[..., Any]
    inputs: Sequence[Arg | np.ndarray]
    raises: type[Exception]
    match: str = ""

    def make_inputs(self, seed: int = 0) -> list[np.ndarray]:
        rng = np.random.default_rng(seed)
        return [a.make(rng) if isinstance(a, Arg) else np.array(a) for a in self.inputs]
