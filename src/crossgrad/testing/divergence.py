"""``locate_divergence``: find the first op where two backends disagree on a function.

:func:`~crossgrad.testing.check_backends` says *that* backends disagree; this says *where*.
The function runs on backend A with an observer (``crossgrad.core.function.OBSERVERS``)
recording every op in order: its name, output values and the line of user code that called it;
a tensor hook on each differentiable output records the gradient that reaches it in backward.
Then it runs on backend B in lockstep: after each op, B's output is compared with A's and then
replaced by A's, and each gradient likewise, so every op on B starts from exactly A's inputs.
An op's error is therefore its own, never inherited from an earlier one: the first op reported
is the first op that is wrong, not the first op where an earlier error grew past tolerance.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import numpy as np

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes, function
from crossgrad.core.engine import grad
from crossgrad.core.errors import BackendNotFoundError
from crossgrad.core.grad_mode import enable_grad
from crossgrad.ops.creation import tensor
from crossgrad.plugins import registry
from crossgrad.testing.backends_check import (
    REFERENCE_BACKEND,
    PreparedInput,
    as_outputs,
    place_inputs,
    prepare_inputs,
    random_weights,
)
from crossgrad.testing.compare import DEVICE_FACTORS, default_tolerances

__all__ = ["locate_divergence", "DivergenceReport", "Divergence", "OpInfo", "SourceLine"]

# crossgrad/ (this file is crossgrad/testing/divergence.py): frames in it are not user code.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_SEED = 0

#: A value's place in the traced function: ("op", op index, output index) or
#: ("input", argument position, 0).
Key = tuple[str, int, int]


@dataclass(frozen=True)
class SourceLine:
    """Where user code called an op: the innermost stack frame outside the crossgrad package."""

    file: str
    line: int
    code: str

    def __str__(self) -> str:
        return f"{_short_path(self.file)}:{self.line} `{self.code}`"


@dataclass(frozen=True)
class OpInfo:
    """One op of the traced function, as run on backend A."""

    index: int
    name: str
    source: SourceLine
    shapes: tuple[tuple[int, ...] | None, ...]
    dtypes: tuple[str, ...]
    inputs: tuple[Key | None, ...]

    def __str__(self) -> str:
        return f"op {self.name!r} #{self.index} at {self.source}"


@dataclass(frozen=True)
class Divergence:
    """One place where the backends disagree.

    ``kind`` is ``"forward"`` (an op's output), ``"backward"`` (a gradient: ``op`` is the op
    whose backward produced it, ``ops`` all such ops when the value feeds several) or
    ``"structure"`` (the backends ran different ops; no comparison is possible past it).
    ``index`` is the worst element; ``values`` the two backends' values there.
    """

    kind: str
    op: OpInfo | None
    what: str
    shape: tuple[int, ...] | None = None
    dtype: str = ""
    index: tuple[int, ...] | None = None
    values: tuple[Any, Any] = (None, None)
    abs_diff: float = 0.0
    rtol: float = 0.0
    atol: float = 0.0
    n_bad: int = 0
    size: int = 0
    ops: tuple[OpInfo, ...] = ()
    detail: str = ""


@dataclass
class DivergenceReport:
    """What :func:`locate_divergence` found; false (``found == False``) when the backends agree.

    ``first`` is the first forward divergence in op order or, when the forward agrees, the
    first gradient divergence in the order backward computed them; ``divergences`` lists all.
    """

    backends: tuple[str, str]
    ops: list[OpInfo]
    n_grads: int
    divergences: list[Divergence] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.divergences)

    @property
    def first(self) -> Divergence | None:
        return self.divergences[0] if self.divergences else None

    def __bool__(self) -> bool:
        return self.found

    def __str__(self) -> str:
        a, b = self.backends
        if not self.found:
            return (
                f"no divergence between {a} and {b}: {len(self.ops)} ops agree forward, "
                f"{self.n_grads} gradients agree backward"
            )
        d = self.divergences[0]
        lines = [f"first divergence ({a} vs {b}): " + _headline(d)]
        lines += ["  " + line for line in _body(d, a, b)]
        n_fwd = sum(x.kind == "forward" for x in self.divergences)
        n_bwd = sum(x.kind == "backward" for x in self.divergences)
        lines.append(
            f"{n_fwd} of {len(self.ops)} op outputs and {n_bwd} of {self.n_grads} "
            f"gradients differ (each op checked on identical inputs: errors are "
            f"not carried forward)"
        )
        for other in self.divergences[1:]:
            lines.append("  also: " + _headline(other))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<DivergenceReport found={self.found} backends={self.backends}>"


def _headline(d: Divergence) -> str:
    if d.kind == "structure" or d.op is None:
        return f"{d.what}"
    if d.kind == "forward":
        return f"{d.op}: forward {d.what} differs"
    if len(d.ops) > 1:
        others = ", ".join(f"{o.name!r} #{o.index}" for o in d.ops[1:])
        return f"backward of {d.op} (or of {others}, which share the value): {d.what} differs"
    return f"backward of {d.op}: {d.what} differs"


def _body(d: Divergence, a: str, b: str) -> list[str]:
    if d.kind == "structure":
        return [d.detail] if d.detail else []
    if d.detail:
        return [d.detail]
    va, vb = d.values
    return [
        f"shape {d.shape} {d.dtype}: {d.n_bad} of {d.size} elements differ; worst at "
        f"{d.index}: {a}={va!s}, {b}={vb!s}, abs diff={d.abs_diff:.6g} "
        f"(atol={d.atol:.3g}, rtol={d.rtol:.3g})"
    ]


def _short_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def _user_source() -> SourceLine:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return SourceLine("<unknown>", 0, "")
    file, line = frame.f_code.co_filename, frame.f_lineno
    return SourceLine(file, line, linecache.getline(file, line).strip())


def _numpy(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach().numpy())


# ---------------------------------------------------------------------------- tracing


class _Trace:
    """One run of the function on one backend; ``lead`` is the run to follow, if any."""

    def __init__(
        self,
        backend: str,
        lead: _Trace | None,
        rtol: float | None,
        atol: float | None,
        factor: float,
    ) -> None:
        self.backend = backend
        self.lead = lead
        self.rtol, self.atol, self.factor = rtol, atol, factor
        self.ops: list[OpInfo] = []
        self.values: list[list[np.ndarray | None]] = []
        self.grads: dict[Key, np.ndarray] = {}
        self.grad_order: list[Key] = []
        self.keys: dict[int, Key] = {}
        self.alive: list[Tensor] = []  # keeps ids in `keys` from being reused
        self.divergences: list[Divergence] = []
        self.in_step = True  # False once the op sequences differ: nothing left to compare

    # ------------------------------------------------------------ forward
    def observe(self, cls: type, args: tuple[Any, ...], result: Any) -> None:
        k = len(self.ops)
        outs = result if isinstance(result, tuple) else (result,)
        name = getattr(cls, "name", "") or cls.__name__
        info = OpInfo(
            k,
            name,
            _user_source(),
            tuple(o.shape if isinstance(o, Tensor) else None for o in outs),
            tuple(o.dtype.name if isinstance(o, Tensor) else "" for o in outs),
            tuple(self.keys.get(id(a)) for a in args if isinstance(a, Tensor)),
        )
        self.ops.append(info)
        self.values.append([_numpy(o) if isinstance(o, Tensor) else None for o in outs])
        if self.lead is not None and self.in_step:
            self._follow_forward(info, outs)
        for j, o in enumerate(outs):
            if isinstance(o, Tensor):
                self._track(o, ("op", k, j))

    def _track(self, t: Tensor, key: Key) -> None:
        self.keys[id(t)] = key
        self.alive.append(t)
        if t.requires_grad:
            t.register_hook(functools.partial(self._on_grad, key))

    def _follow_forward(self, info: OpInfo, outs: Sequence[Any]) -> None:
        lead = self.lead
        assert lead is not None
        k = info.index
        if k >= len(lead.ops) or lead.ops[k].name != info.name:
            theirs = repr(lead.ops[k].name) if k < len(lead.ops) else "nothing (it had ended)"
            self._structure(
                f"op #{k} is {info.name!r} on {self.backend} but {theirs} on {lead.backend}", info
            )
            return
        for j, o in enumerate(outs):
            expected = lead.values[k][j] if j < len(lead.values[k]) else None
            if not isinstance(o, Tensor) or expected is None:
                continue
            mine = _numpy(o)
            found = self._compare("forward", lead.ops[k], f"output {j}", mine, expected, o.device)
            if found is not None:
                self.divergences.append(found)
            if (
                mine.shape == expected.shape
                and mine.dtype == expected.dtype
                and not np.array_equal(mine, expected, equal_nan=True)
            ):
                # Lockstep: later ops must see A's values. Only differing values are
                # replaced, so NumPy views stay views wherever the backends already agree.
                o._data = o._backend.asarray(expected)

    # ------------------------------------------------------------ backward
    def _on_grad(self, key: Key, g: Tensor) -> Tensor | None:
        mine = _numpy(g)
        self.grad_order.append(key)
        self.grads[key] = mine
        lead = self.lead
        if lead is None or not self.in_step:
            return None
        expected = lead.grads.get(key)
        blamed = self._consumers(key)
        where = _value_name(key, lead.ops)
        if expected is None:
            self._structure(
                f"the gradient of {where} reached {self.backend} but not {lead.backend}",
                blamed[0] if blamed else None,
            )
            return None
        found = self._compare(
            "backward",
            blamed[0] if blamed else None,
            f"gradient of {where}",
            mine,
            expected,
            g.device,
            ops=tuple(blamed),
        )
        if found is not None:
            self.divergences.append(found)
        if (
            mine.shape != expected.shape
            or mine.dtype != expected.dtype
            or np.array_equal(mine, expected, equal_nan=True)
        ):
            return None
        return tensor(expected, backend=self.backend)  # lockstep, as in the forward

    def _consumers(self, key: Key) -> list[OpInfo]:
        """The ops that read ``key``: their backward passes produce its gradient."""
        assert self.lead is not None
        return [op for op in self.lead.ops if key in op.inputs]

    # ------------------------------------------------------------ comparing
    def _structure(self, what: str, op: OpInfo | None) -> None:
        self.divergences.append(Divergence("structure", op, what))
        self.in_step = False

    def _compare(
        self,
        kind: str,
        op: OpInfo | None,
        what: str,
        mine: np.ndarray,
        expected: np.ndarray,
        device: str,
        ops: tuple[OpInfo, ...] = (),
    ) -> Divergence | None:
        if mine.shape != expected.shape or mine.dtype != expected.dtype:
            assert self.lead is not None  # comparing needs a lead trace
            return Divergence(
                kind,
                op,
                what,
                mine.shape,
                mine.dtype.name,
                ops=ops,
                detail=f"{self.backend} gives shape {mine.shape} "
                f"{mine.dtype.name}, {self.lead.backend} "
                f"gives shape {expected.shape} {expected.dtype.name}",
            )
        d_rtol, d_atol = default_tolerances(mine.dtype.name, "cpu")
        rtol = d_rtol * self.factor if self.rtol is None else self.rtol
        atol = d_atol * self.factor if self.atol is None else self.atol
        if mine.size == 0:
            return None
        a = mine.astype(np.float64)
        e = expected.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.abs(a - e)
            same = (a == e) | (np.isnan(a) & np.isnan(e))
            finite = np.isfinite(a) & np.isfinite(e)
            bad = ~same & ~(finite & (diff <= atol + rtol * np.abs(e)))
        if not bad.any():
            return None
        badness = np.where(bad, np.nan_to_num(diff, nan=np.inf, posinf=np.inf), -1.0)
        flat = int(np.argmax(badness))
        index = tuple(int(i) for i in np.unravel_index(flat, mine.shape))
        return Divergence(
            kind,
            op,
            what,
            mine.shape,
            mine.dtype.name,
            index,
            (expected.reshape(-1)[flat], mine.reshape(-1)[flat]),
            float(diff.reshape(-1)[flat]),
            rtol,
            atol,
            int(bad.sum()),
            mine.size,
            ops,
        )


def _value_name(key: Key, ops: Sequence[OpInfo]) -> str:
    kind, i, j = key
    if kind == "input":
        return f"input {i}"
    suffix = f" output {j}" if len(ops[i].shapes) > 1 else ""
    return f"the{suffix} output of {ops[i].name!r} #{i}"


def _trace(fn: Callable[..., Any], prepared: Sequence[PreparedInput], trace: _Trace) -> None:
    """Run ``fn`` under ``trace``, then backpropagate ``sum(output * w)``."""
    backend = trace.backend
    with registry.use_backend(backend), enable_grad():
        args = place_inputs(prepared, backend)
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                trace._track(a, ("input", i, 0))
        function.OBSERVERS.append(trace.observe)
        try:
            outputs = as_outputs(fn(*args), "locate_divergence")
        finally:
            function.OBSERVERS.remove(trace.observe)
        # Drawn from the output shapes with a fixed seed: the same weights on both backends.
        weights = random_weights([o.shape for o in outputs], np.random.default_rng(_SEED))
        pairs = [
            (o, tensor(w, dtype=o.dtype, backend=backend))
            for o, w in zip(outputs, weights)
            if o.requires_grad
        ]
        leaves = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        if pairs and leaves:
            # The gradients themselves arrive through the hooks; grad() leaves no .grad behind.
            grad(
                [o for o, _ in pairs], leaves, grad_outputs=[w for _, w in pairs], allow_unused=True
            )
        trace.alive.clear()


def locate_divergence(
    fn: Callable[..., Any],
    *inputs: Any,
    backends: Sequence[str] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    constants: Iterable[int] = (),
) -> DivergenceReport:
    """Run ``fn`` on two backends in lockstep and report the first op where they disagree.

    Every op the function calls is compared: its outputs in the forward pass, then the
    gradient reaching each value in the backward pass of ``sum(output * w)`` (fixed random
    ``w``). Each op on the second backend starts from the first backend's exact values, so a
    reported op is wrong by itself. A forward divergence names the op; a gradient divergence
    names the op whose backward produced the gradient. Both carry the line of user code that
    called the op, shapes, dtypes, and both values at the worst element.

    Args:
        fn: called as ``fn(*tensors)``; returns a Tensor or a tuple of Tensors. It must call
            the same ops in the same order on both backends, deterministically.
        inputs: as for :func:`~crossgrad.testing.check_backends`: NumPy arrays or Tensors
            (floating ones are differentiated unless listed in ``constants``) or other values.
        backends: the two backends to compare; the first is followed by the second. By
            default the reference backend and the first other usable one.
        rtol, atol: override the per-dtype tolerances of
            :func:`~crossgrad.testing.default_tolerances` (scaled for the backends' devices).
        constants: positions of floating inputs that are not differentiated.

    Returns:
        A :class:`DivergenceReport`, false when the backends agree; ``print`` it to read
        the first divergence with its source line.

    Raises:
        BackendNotFoundError: a backend is unknown or unusable here.

    >>> import numpy as np
    >>> import crossgrad
    >>> x = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    >>> report = locate_divergence(lambda t: crossgrad.tanh(t @ t).sum(), x,
    ...                            backends=("numpy", "numpy"))
    >>> report.found
    False
    >>> print(report)
    no divergence between numpy and numpy: 3 ops agree forward, 4 gradients agree backward
    """
    if backends is None:
        backends = _default_pair()
    if isinstance(backends, str) or len(backends) != 2:
        raise ValueError(
            f"locate_divergence: backends must name two backends, received backends={backends!r}"
        )
    a, b = (registry.get_backend(n).name for n in backends)  # unknown/unusable names raise
    factor = max(_device_factor(a), _device_factor(b))
    prepared = prepare_inputs(inputs, constants)
    lead = _Trace(a, None, rtol, atol, factor)
    _trace(fn, prepared, lead)
    follower = _Trace(b, lead, rtol, atol, factor)
    _trace(fn, prepared, follower)
    if follower.in_step and len(follower.ops) < len(lead.ops):
        follower._structure(f"{b} ran {len(follower.ops)} ops, {a} ran {len(lead.ops)}", None)
    # Found in execution order: forward ops first, then gradients as backward computed them.
    return DivergenceReport((a, b), lead.ops, len(lead.grad_order), follower.divergences)


def _default_pair() -> tuple[str, str]:
    """The reference backend and the first other usable one (crossgrad's own come first)."""
    others = [n for n in registry.usable_backends() if n != REFERENCE_BACKEND]
    if not others:
        raise BackendNotFoundError(
            f"locate_divergence: no backend but {REFERENCE_BACKEND} is usable here",
            hint="install another backend, or pass backends=(first, second)",
        )
    return REFERENCE_BACKEND, others[0]


def _device_factor(name: str) -> float:
    """The tolerance factor of a backend's default device (accelerators fuse and reorder)."""
    backend = registry.get_backend(name)
    try:
        probe = backend.zeros((1,), dtypes.float32)
        kind = backend.device_of(probe).split(":")[0].lower()
    except Exception:  # noqa: BLE001 - a backend without zeros still gets compared
        kind = "other"
    return DEVICE_FACTORS.get(kind, DEVICE_FACTORS["other"])
