"""``check_backends``: run one function on every backend and compare it with a float64 reference.

The same user function (a model's loss, say) runs on each backend from the same inputs, in the
inputs' own dtype. Its outputs and its first- and second-order gradients are compared with a
reference run on the NumPy backend in float64, using the tolerances of
:func:`~crossgrad.testing.default_tolerances` for the dtype and device each backend actually ran.
What disagrees is named in the returned :class:`BackendsReport`; to find the op responsible, see
:func:`crossgrad.testing.locate_divergence`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crossgrad._tensor import Tensor
from crossgrad.backends import REFERENCE
from crossgrad.core.engine import grad
from crossgrad.core.errors import BackendNotFoundError
from crossgrad.core.grad_mode import enable_grad
from crossgrad.ops.creation import tensor
from crossgrad.plugins import registry
from crossgrad.testing.compare import assert_close, default_tolerances

__all__ = ["check_backends", "BackendsReport", "Row", "REFERENCE_BACKEND"]

#: The backend the float64 reference runs on.
REFERENCE_BACKEND = REFERENCE
#: Seeds the fixed random weights that turn outputs (and first-order gradients) into the
#: scalars that are differentiated, so every backend differentiates the same function.
_SEED = 0


@dataclass(frozen=True)
class Row:
    """One compared quantity of one backend (or one skipped or failed backend).

    ``status`` is ``"ok"``, ``"FAIL"`` (beyond tolerance), ``"error"`` (the backend raised)
    or ``"skipped"`` (the backend is unusable here; ``note`` says why). ``max_rel`` is
    normwise: the largest absolute error over the largest ``|reference|``. ``err_tol`` is the
    worst element's ``|actual - reference| / (atol + rtol * |reference|)``: above 1 fails.
    """

    backend: str
    quantity: str
    status: str
    dtype: str = ""
    shape: tuple[int, ...] | None = None
    max_abs: float = 0.0
    max_rel: float = 0.0
    err_tol: float = 0.0
    rtol: float = 0.0
    atol: float = 0.0
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.status in ("FAIL", "error")


class BackendsReport:
    """What :func:`check_backends` found: one :class:`Row` per backend and quantity."""

    def __init__(
        self, rows: list[Row], order: int, n_outputs: int, differentiable: Sequence[int]
    ) -> None:
        self.rows = rows
        self.order = order
        self.n_outputs = n_outputs
        self.differentiable = tuple(differentiable)

    @property
    def failures(self) -> list[Row]:
        """The rows beyond tolerance and the backends that raised."""
        return [r for r in self.rows if r.failed]

    @property
    def passed(self) -> bool:
        """Whether every backend that ran agreed with the reference (skips do not fail)."""
        return not self.failures

    @property
    def skipped(self) -> dict[str, str]:
        """Backend name -> why it could not run here."""
        return {r.backend: r.note for r in self.rows if r.status == "skipped"}

    def backends(self, status: str | None = None) -> list[str]:
        """The backends in the report, in order; only those with a row of ``status`` if given."""
        names = [r.backend for r in self.rows if status is None or r.status == status]
        return list(dict.fromkeys(names))

    def __str__(self) -> str:
        head = (
            f"check_backends: {self.n_outputs} output(s), {len(self.differentiable)} "
            f"differentiable input(s), order {self.order}; reference: "
            f"{REFERENCE_BACKEND} float64"
        )
        header = (
            "backend",
            "quantity",
            "dtype",
            "shape",
            "max abs err",
            "max rel err",
            "err/tol",
            "status",
        )
        table = [header]
        for r in self.rows:
            if r.status in ("skipped", "error"):
                table.append((r.backend, r.quantity, "", "", "", "", "", r.status))
                continue
            table.append(
                (
                    r.backend,
                    r.quantity,
                    r.dtype,
                    _shape(r.shape),
                    f"{r.max_abs:.3g}",
                    f"{r.max_rel:.3g}",
                    f"{r.err_tol:.3g}",
                    r.status,
                )
            )
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        lines = [head]
        lines += ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in table]
        notes = [f"  {r.backend} {r.quantity}: {r.note}" for r in self.rows if r.note]
        if notes:
            lines.append("notes:")
            lines += notes
        fails = self.failures
        lines.append(
            "PASSED"
            if not fails
            else f"FAILED: {len(fails)} row(s) on {', '.join(self._failed_backends())}"
        )
        return "\n".join(lines)

    def _failed_backends(self) -> list[str]:
        return list(dict.fromkeys(r.backend for r in self.failures))

    def __repr__(self) -> str:
        return f"<BackendsReport passed={self.passed} backends={self.backends()}>"


def _shape(shape: tuple[int, ...] | None) -> str:
    if shape is None:
        return "-"
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PreparedInput:
    """One argument of the user function: an array to place on each backend, or a value
    passed through unchanged (``array`` None)."""

    array: np.ndarray | None
    value: Any
    differentiable: bool


def prepare_inputs(inputs: Sequence[Any], constants: Iterable[int] = ()) -> list[PreparedInput]:
    """Turn the user's arguments into backend-neutral NumPy arrays.

    NumPy arrays and Tensors (any backend) become arrays; floating ones are differentiable
    unless their position is in ``constants``. Anything else (Python numbers, strings, None)
    is passed to the function unchanged.
    """
    constants = set(constants)
    for i in constants:
        if not 0 <= i < len(inputs):
            raise IndexError(
                f"check_backends: constants index {i} is out of range for {len(inputs)} input(s)"
            )
    prepared = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            x = x.detach().numpy()
        if isinstance(x, np.ndarray) or isinstance(x, np.generic):
            array = np.array(x)  # a copy: the function must not see the caller's memory
            floating = array.dtype.kind == "f"
            prepared.append(PreparedInput(array, None, floating and i not in constants))
        else:
            prepared.append(PreparedInput(None, x, False))
    return prepared


def place_inputs(
    prepared: Sequence[PreparedInput], backend: str, float64: bool = False
) -> list[Any]:
    """Create the arguments on ``backend`` (floating arrays cast to float64 if asked)."""
    args: list[Any] = []
    for p in prepared:
        if p.array is None:
            args.append(p.value)
            continue
        array = p.array
        if float64 and array.dtype.kind == "f":
            array = array.astype(np.float64)
        args.append(tensor(array, backend=backend, requires_grad=p.differentiable))
    return args


def as_outputs(result: Any, where: str) -> tuple[Tensor, ...]:
    """The function's result as a tuple of Tensors."""
    outputs = result if isinstance(result, tuple) else (result,)
    for k, o in enumerate(outputs):
        if not isinstance(o, Tensor):
            raise TypeError(
                f"{where}: the function must return a Tensor or a tuple of Tensors; "
                f"output {k} is {type(o).__name__}",
            )
    return outputs


def to_numpy(t: Tensor | None) -> np.ndarray | None:
    return None if t is None else np.asarray(t.detach().numpy())


def random_weights(shapes: Sequence[tuple[int, ...]], rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.standard_normal(s) for s in shapes]


# ---------------------------------------------------------------------------- one run


@dataclass
class _Run:
    """Everything computed on one backend, as NumPy arrays (None: no gradient reached)."""

    outputs: list[np.ndarray]
    grads: list[np.ndarray | None]
    grads2: list[np.ndarray | None]
    device: str


def _run(
    fn: Callable[..., Any],
    prepared: Sequence[PreparedInput],
    backend: str,
    order: int,
    weights2: list[np.ndarray],
    float64: bool,
) -> _Run:
    with registry.use_backend(backend), enable_grad():
        args = place_inputs(prepared, backend, float64)
        leaves = [a for a, p in zip(args, prepared) if p.differentiable]
        outputs = as_outputs(fn(*args), "check_backends")
        device = outputs[0].device if outputs else "cpu"
        result = _Run([np.asarray(o.detach().numpy()) for o in outputs], [], [], device)
        if order == 0 or not leaves:
            return result
        # Drawn from the output shapes with a fixed seed: the same weights on every backend.
        weights = random_weights([o.shape for o in outputs], np.random.default_rng(_SEED))
        roots = [o for o in outputs if o.requires_grad]
        seeds = [
            tensor(w, dtype=o.dtype, backend=backend)
            for o, w in zip(outputs, weights)
            if o.requires_grad
        ]
        if not roots:
            result.grads = [None] * len(leaves)
            result.grads2 = [None] * len(leaves)
            return result
        g1 = grad(roots, leaves, grad_outputs=seeds, create_graph=order >= 2, allow_unused=True)
        result.grads = [to_numpy(g) for g in g1]
        if order < 2:
            return result
        terms = [
            (g * tensor(v, dtype=g.dtype, backend=backend)).sum()
            for g, v in zip(g1, weights2)
            if g is not None and g.requires_grad
        ]
        if not terms:
            # Every first-order gradient is constant: the second-order ones are zero.
            result.grads2 = [None] * len(leaves)
            return result
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        g2 = grad(total, leaves, allow_unused=True)
        result.grads2 = [to_numpy(g) for g in g2]
        return result


# ---------------------------------------------------------------------------- comparing


def _compare(
    backend: str,
    quantity: str,
    actual: np.ndarray | None,
    expected: np.ndarray | None,
    like: np.ndarray | None,
    device: str,
    rtol: float | None,
    atol: float | None,
) -> Row:
    """Compare one quantity with the reference; ``like`` gives the zeros an absent gradient
    stands for."""
    if actual is None:
        if expected is None:
            return Row(backend, quantity, "ok", note="no gradient reaches this input")
        actual = np.zeros(expected.shape, like.dtype if like is not None else np.float64)
    elif expected is None:
        expected = np.zeros(actual.shape, np.float64)
    dtype = actual.dtype.name
    d_rtol, d_atol = default_tolerances(dtype, device)
    r = d_rtol if rtol is None else rtol
    a = d_atol if atol is None else atol
    if actual.shape != expected.shape:
        return Row(
            backend,
            quantity,
            "FAIL",
            dtype,
            actual.shape,
            np.inf,
            np.inf,
            np.inf,
            r,
            a,
            note=f"shape {actual.shape} differs from the reference's {expected.shape}",
        )
    try:
        assert_close(actual, expected, rtol=r, atol=a)
        status = "ok"
    except AssertionError:
        status = "FAIL"
    max_abs, max_rel, err_tol = _errors(actual, expected, r, a)
    return Row(backend, quantity, status, dtype, actual.shape, max_abs, max_rel, err_tol, r, a)


def _errors(
    actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float
) -> tuple[float, float, float]:
    if actual.size == 0:
        return 0.0, 0.0, 0.0
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.abs(a - e)
        # Matching NaNs and infinities are agreement, as in assert_close.
        same = (np.isnan(a) & np.isnan(e)) | (a == e)
        diff = np.where(same, 0.0, np.nan_to_num(diff, nan=np.inf))
        max_abs = float(diff.max())
        scale = float(np.nan_to_num(np.abs(e), nan=0.0, posinf=0.0).max())
        max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else np.inf)
        bound = atol + rtol * np.abs(np.nan_to_num(e))
        ratio = np.where(diff == 0, 0.0, diff / np.where(bound > 0, bound, np.inf))
        ratio = np.where((diff > 0) & (bound == 0), np.inf, ratio)
    return max_abs, max_rel, float(ratio.max())


def _select(backends: str | Iterable[str]) -> list[str]:
    known = registry.all_backends()
    if backends == "all":
        names = sorted(known, key=lambda n: (n != REFERENCE_BACKEND, n))
    else:
        names = [backends] if isinstance(backends, str) else list(backends)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise BackendNotFoundError(
                f"check_backends: unknown backend(s) {', '.join(map(repr, unknown))}; "
                f"registered: {', '.join(sorted(known))}",
                hint='pass backends="all" or names from crossgrad.plugins.registry.all_backends()',
            )
    return list(dict.fromkeys(names))


def check_backends(
    fn: Callable[..., Any],
    *inputs: Any,
    backends: str | Iterable[str] = "all",
    order: int = 2,
    rtol: float | None = None,
    atol: float | None = None,
    constants: Iterable[int] = (),
) -> BackendsReport:
    """Run ``fn`` on every backend and compare it with the NumPy float64 reference.

    Each backend runs ``fn`` in the inputs' own dtype; the reference runs it on NumPy with
    floating inputs cast to float64. Compared, per output and per differentiable input: the
    outputs; with ``order >= 1`` the gradient of ``sum(output * w)`` (fixed random ``w``);
    with ``order == 2`` the gradient of ``sum(first_order_grad * v)`` (fixed random ``v``),
    taken through ``autograd.grad(create_graph=True)``. Tolerances are those of
    :func:`~crossgrad.testing.default_tolerances` for the dtype and device each backend ran.

    Args:
        fn: called as ``fn(*tensors)``; returns a Tensor or a tuple of Tensors. It must be
            deterministic (no dropout in training mode, no unseeded random numbers).
        inputs: NumPy arrays or Tensors (any backend); other values are passed unchanged.
            Floating arrays become differentiable leaves; integer and bool ones are constants.
        backends: ``"all"`` (every registered backend; unusable ones are reported as skipped
            with the reason) or a list of names.
        order: 0 (outputs only), 1 (and gradients) or 2 (and second-order gradients).
        rtol, atol: override the per-dtype tolerances for every comparison.
        constants: positions of floating inputs that are not differentiated.

    Returns:
        A :class:`BackendsReport`: ``.passed``, ``.failures``, ``.rows``; ``print`` it for
        the table.

    Raises:
        BackendNotFoundError: a name in ``backends`` is not registered.

    >>> import numpy as np
    >>> import crossgrad
    >>> x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    >>> report = check_backends(lambda t: crossgrad.tanh(t).sum(), x, backends=["numpy"])
    >>> report.passed, [r.quantity for r in report.rows]
    (True, ['output 0', 'grad input 0', 'grad2 input 0'])
    """
    if order not in (0, 1, 2):
        raise ValueError(f"check_backends: order must be 0, 1 or 2, received order={order!r}")
    names = _select(backends)
    prepared = prepare_inputs(inputs, constants)
    differentiable = [i for i, p in enumerate(prepared) if p.differentiable]
    weights2 = random_weights(
        [p.array.shape for p in prepared if p.differentiable and p.array is not None],
        np.random.default_rng(_SEED + 1),
    )
    reference = _run(fn, prepared, REFERENCE_BACKEND, order, weights2, True)
    rows: list[Row] = []
    for name in names:
        why = registry.all_backends()[name].unavailable_reason()
        if why is not None:
            rows.append(Row(name, "(all)", "skipped", note=why))
            continue
        try:
            run = _run(fn, prepared, name, order, weights2, False)
        except Exception as exc:  # noqa: BLE001 - one backend's failure is a result to report
            first = str(exc).splitlines()[0] if str(exc) else ""
            rows.append(Row(name, "(run)", "error", note=f"{type(exc).__name__}: {first}"))
            continue
        rows += _compare_run(name, run, reference, prepared, differentiable, order, rtol, atol)
    return BackendsReport(rows, order, len(reference.outputs), differentiable)


def _compare_run(
    name: str,
    run: _Run,
    reference: _Run,
    prepared: Sequence[PreparedInput],
    differentiable: Sequence[int],
    order: int,
    rtol: float | None,
    atol: float | None,
) -> list[Row]:
    rows = []
    if len(run.outputs) != len(reference.outputs):
        return [
            Row(
                name,
                "outputs",
                "FAIL",
                note=f"{len(run.outputs)} output(s), the reference has {len(reference.outputs)}",
            )
        ]
    for k, (a, e) in enumerate(zip(run.outputs, reference.outputs)):
        rows.append(_compare(name, f"output {k}", a, e, a, run.device, rtol, atol))
    for level, mine, theirs in ((1, run.grads, reference.grads), (2, run.grads2, reference.grads2)):
        if order < level:
            break
        label = "grad" if level == 1 else "grad2"
        for i, actual, expected in zip(differentiable, mine, theirs):
            rows.append(
                _compare(
                    name,
                    f"{label} input {i}",
                    actual,
                    expected,
                    prepared[i].array,
                    run.device,
                    rtol,
                    atol,
                )
            )
    return rows
