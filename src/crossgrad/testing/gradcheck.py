"""``gradcheck`` and ``gradgradcheck``: autograd's gradients against central differences.

The numeric Jacobian perturbs copies of the inputs (built with ``crossgrad.tensor``, so the
caller's tensors are never touched and nothing goes through autograd) by ``eps`` each way.
The analytic Jacobian comes from ``autograd.grad`` with one-hot output gradients. Functions
of more than :data:`FULL_JACOBIAN_LIMIT` input or output elements are checked along random
directions instead: ``u^T J v`` from autograd against the numeric directional derivative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes
from crossgrad.core.engine import grad
from crossgrad.core.errors import DTypeError, GraphError
from crossgrad.core.grad_mode import enable_grad
from crossgrad.ops.creation import tensor, zeros_like

__all__ = [
    "gradcheck",
    "gradgradcheck",
    "max_gradient_error",
    "GradcheckError",
    "FULL_JACOBIAN_LIMIT",
]

#: Above this many input (or output) elements, gradcheck checks random directions instead of
#: every Jacobian entry: a full numeric Jacobian costs two calls of ``fn`` per input element.
FULL_JACOBIAN_LIMIT = 256
_SEED = 0
_SHOW_JACOBIAN_MAX = 36


class GradcheckError(AssertionError):
    """Autograd's gradient of a function disagrees with its numeric gradient."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
) -> bool:
    """Check autograd's first derivatives of ``fn`` against central differences.

    Args:
        fn: called as ``fn(*inputs)``; returns a Tensor or a tuple of Tensors (floating
            outputs are checked; others are ignored).
        inputs: a Tensor or a tuple of arguments. Tensors with ``requires_grad`` are checked
            and must be float64.
        eps: the finite-difference step.
        atol, rtol: an entry passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
        raise_exception: raise :class:`GradcheckError` on a mismatch (else return False).
        nondet_tol: how far two backward passes over the same graph may differ.

    Returns:
        True when every checked Jacobian entry agrees.

    Raises:
        GradcheckError: naming the input and output, the worst entry, numeric vs analytic.
        DTypeError: an input that requires grad is not float64.

    >>> import crossgrad
    >>> x = crossgrad.tensor([0.5, 1.5], dtype=crossgrad.float64, requires_grad=True)
    >>> gradcheck(lambda t: (t * t).sin(), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    labels = _Labels("gradcheck", [f"input {i}" for i in range(len(inputs))], None)
    return _run_check(fn, inputs, eps, atol, rtol, raise_exception, nondet_tol, labels)


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check autograd's second derivatives of ``fn`` against central differences.

    The function checked is ``(inputs, grad_outputs) -> autograd.grad(fn(inputs), inputs,
    grad_outputs, create_graph=True)``: the first-order gradients, differentiated again with
    respect to the inputs and to ``grad_outputs`` (random float64 tensors when None).

    >>> import crossgrad
    >>> x = crossgrad.tensor([0.5, 1.5], dtype=crossgrad.float64, requires_grad=True)
    >>> gradgradcheck(lambda t: t ** 3, (x,))
    True
    """
    first_derivative, args, labels = _gradgrad_problem(fn, _as_tuple(inputs), grad_outputs)
    return _run_check(first_derivative, args, eps, atol, rtol, raise_exception, 0.0, labels)


def max_gradient_error(
    fn: Callable[..., Any],
    inputs: Any,
    order: int = 1,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> tuple[float | None, float | None, str | None]:
    """Measure how far autograd's derivatives of ``fn`` are from central differences.

    Runs the comparison of :func:`gradcheck` (``order=1``) or :func:`gradgradcheck`
    (``order=2``) over every checked entry instead of stopping at the first mismatch.

    Returns:
        ``(error, ratio, failure)``: the largest ``|analytic - numeric|`` over the entries
        compared (or the random directions, for large functions); the largest of the same
        divided by its tolerance ``atol + rtol * |numeric|`` (above 1 means a mismatch); and
        the message gradcheck would raise, or None when everything agrees. ``error`` and
        ``ratio`` are None when the check failed before comparing anything (e.g. backward
        is not reentrant).

    >>> import crossgrad
    >>> x = crossgrad.tensor([0.5, 1.5], dtype=crossgrad.float64, requires_grad=True)
    >>> error, ratio, failure = max_gradient_error(lambda t: t.exp(), (x,))
    >>> error < 1e-8, failure
    (True, None)
    """
    inputs = _as_tuple(inputs)
    if order == 1:
        labels = _Labels("gradcheck", [f"input {i}" for i in range(len(inputs))], None)
    elif order == 2:
        fn, inputs, labels = _gradgrad_problem(fn, inputs, None)
    else:
        raise ValueError(f"max_gradient_error: order must be 1 or 2, received order={order}")
    labels.measure = True
    try:
        _run_check(fn, inputs, eps, atol, rtol, True, 0.0, labels)
    except GradcheckError as e:
        labels.failure = labels.failure or str(e)
    return labels.worst, labels.worst_ratio, labels.failure


def _gradgrad_problem(
    fn: Callable[..., Any], inputs: tuple[Any, ...], grad_outputs: Any
) -> tuple[Callable[..., Any], tuple[Any, ...], _Labels]:
    """The first-derivative function gradgradcheck differentiates, its arguments (the
    inputs, then the output gradients) and its labels."""
    checked = _checked_inputs("gradgradcheck", inputs)
    with enable_grad():
        outputs = _outputs(fn(*inputs))
    diff_idx = [j for j, o in enumerate(outputs) if _is_float(o) and o.requires_grad]
    if not diff_idx:
        raise GraphError(
            "gradgradcheck: no output of fn requires grad, so there is no "
            "first derivative to differentiate",
            hint="make sure fn computes its outputs from the inputs",
        )
    if grad_outputs is None:
        rng = np.random.default_rng(_SEED)
        grad_outputs = tuple(
            tensor(
                rng.standard_normal(outputs[j].shape),
                dtype=dtypes.float64,
                backend=outputs[j].backend,
                requires_grad=True,
            )
            for j in diff_idx
        )
    else:
        grad_outputs = _as_tuple(grad_outputs)
        if len(grad_outputs) != len(diff_idx):
            raise GraphError(
                f"gradgradcheck: got {len(grad_outputs)} grad_outputs for {len(diff_idx)} "
                "differentiable outputs",
                hint="pass one grad_output per differentiable output",
            )
    n = len(inputs)

    def first_derivative(*args: Any) -> tuple[Tensor, ...]:
        xs, gos = args[:n], args[n:]
        targets = [xs[i] for i in checked]
        with enable_grad():
            outs = _outputs(fn(*xs))
            grads = grad(
                [outs[j] for j in diff_idx],
                targets,
                list(gos),
                create_graph=True,
                allow_unused=True,
            )
        return tuple(zeros_like(t) if g is None else g for g, t in zip(grads, targets))

    names = [f"input {i}" for i in range(n)] + [
        f"grad_outputs[{k}]" for k in range(len(grad_outputs))
    ]
    outs = [f"gradient of input {i}" for i in checked]
    return first_derivative, inputs + tuple(grad_outputs), _Labels("gradgradcheck", names, outs)


# ---------------------------------------------------------------------------- machinery


class _Labels:
    """How error messages name the check, its inputs and its outputs."""

    def __init__(self, check: str, inputs: list[str], outputs: list[str] | None) -> None:
        self.check = check
        self.inputs = inputs
        self.outputs = outputs
        # Measuring (max_gradient_error) compares every entry: the worst difference, its
        # ratio to the tolerance, and the first mismatch's message are kept, not raised.
        self.measure = False
        self.worst: float | None = None
        self.worst_ratio: float | None = None
        self.failure: str | None = None

    def record(self, diff: np.ndarray, tolerance: np.ndarray) -> None:
        """Note the worst ``|analytic - numeric|`` of one comparison (NaN counts as inf)."""
        if diff.size == 0:
            self.worst = self.worst or 0.0
            self.worst_ratio = self.worst_ratio or 0.0
            return
        diff = np.where(np.isnan(diff), np.inf, diff)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(diff == 0, 0.0, diff / tolerance)
        self.worst = max(self.worst or 0.0, float(np.max(diff)))
        self.worst_ratio = max(self.worst_ratio or 0.0, float(np.max(ratio)))

    def mismatch(self, message: str) -> None:
        """Raise the mismatch, or when measuring keep the first one and go on."""
        if not self.measure:
            raise GradcheckError(message)
        if self.failure is None:
            self.failure = message

    def output(self, j: int) -> str:
        return f"output {j}" if self.outputs is None else self.outputs[j]


def _run_check(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
    nondet_tol: float,
    labels: _Labels,
) -> bool:
    checked = _checked_inputs(labels.check, inputs, labels)
    try:
        with enable_grad():
            outputs = _outputs(fn(*inputs))
        out_idx = [j for j, o in enumerate(outputs) if _is_float(o)]
        n_in = sum(inputs[i].numel() for i in checked)
        n_out = sum(outputs[j].numel() for j in out_idx)
        if n_in > FULL_JACOBIAN_LIMIT or n_out > FULL_JACOBIAN_LIMIT:
            _check_directions(fn, inputs, checked, outputs, out_idx, eps, atol, rtol, labels)
        else:
            _check_jacobians(
                fn, inputs, checked, outputs, out_idx, eps, atol, rtol, nondet_tol, labels
            )
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _as_tuple(x: Any) -> tuple[Any, ...]:
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _outputs(result: Any) -> tuple[Any, ...]:
    return (result,) if isinstance(result, Tensor) else tuple(result)


def _is_float(x: Any) -> bool:
    return isinstance(x, Tensor) and x.dtype.category == dtypes.FLOATING


def _checked_inputs(check: str, inputs: Sequence[Any], labels: _Labels | None = None) -> list[int]:
    checked = []
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            continue
        if x.dtype is not dtypes.float64:
            name = f"input {i}" if labels is None else labels.inputs[i]
            raise DTypeError(
                f"{check}: {name} requires grad but has dtype={x.dtype!r}; finite "
                "differences are only accurate enough in float64",
                hint="pass crossgrad.tensor(..., dtype=crossgrad.float64, requires_grad=True)"
                ", or x.detach().double().requires_grad_()",
            )
        checked.append(i)
    if not checked:
        raise GraphError(
            f"{check}: no input requires grad, so there is nothing to check",
            hint="create the inputs to check with requires_grad=True",
        )
    return checked


def _to_numpy(t: Tensor) -> np.ndarray:
    return np.array(t.detach().numpy(), dtype=np.float64, copy=True)


def _replaced(inputs: tuple[Any, ...], i: int, values: np.ndarray) -> tuple[Any, ...]:
    """``inputs`` with input ``i`` swapped for a fresh tensor holding ``values``."""
    x = inputs[i]
    fresh = tensor(values, dtype=x.dtype, backend=x.backend, requires_grad=x.requires_grad)
    return inputs[:i] + (fresh,) + inputs[i + 1 :]


def _evaluate(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    out_idx: list[int],
    outputs: tuple[Any, ...],
    labels: _Labels,
) -> list[np.ndarray]:
    result = _outputs(fn(*args))
    values = []
    for j in out_idx:
        o = result[j]
        if not isinstance(o, Tensor) or o.shape != outputs[j].shape:
            got = o.shape if isinstance(o, Tensor) else type(o).__name__
            raise GradcheckError(
                f"{labels.check}: {labels.output(j)} changed from shape {outputs[j].shape} to "
                f"{got} when an input was perturbed by eps; fn must be a fixed-shape function"
            )
        values.append(_to_numpy(o))
    return values


def _analytic_rows(
    outputs: tuple[Any, ...],
    j: int,
    inputs: tuple[Any, ...],
    checked: list[int],
    grad_output: np.ndarray,
    labels: _Labels,
) -> list[np.ndarray]:
    """``grad_output^T J`` of output ``j`` for every checked input (zeros where unused)."""
    o = outputs[j]
    targets = [inputs[i] for i in checked]
    if not o.requires_grad:
        return [np.zeros(t.shape) for t in targets]
    seed = tensor(grad_output, dtype=o.dtype, backend=o.backend)
    grads = grad([o], targets, [seed], retain_graph=True, allow_unused=True)
    rows = []
    for i, t, g in zip(checked, targets, grads):
        if g is None:
            rows.append(np.zeros(t.shape))
            continue
        if g.shape != t.shape or g.dtype is not t.dtype:
            raise GradcheckError(
                f"{labels.check}: the gradient of {labels.output(j)} with respect to "
                f"{labels.inputs[i]} has shape={g.shape}, dtype={g.dtype!r}, but the input "
                f"has shape={t.shape}, dtype={t.dtype!r}"
            )
        rows.append(_to_numpy(g))
    return rows


def _check_jacobians(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    checked: list[int],
    outputs: tuple[Any, ...],
    out_idx: list[int],
    eps: float,
    atol: float,
    rtol: float,
    nondet_tol: float,
    labels: _Labels,
) -> None:
    analytic = _analytic_jacobians(inputs, checked, outputs, out_idx, labels)
    again = _analytic_jacobians(inputs, checked, outputs, out_idx, labels)
    for (i, j), jac in analytic.items():
        worst = float(np.max(np.abs(jac - again[i, j]), initial=0.0))
        if worst > nondet_tol:
            raise GradcheckError(
                f"{labels.check}: backward is not reentrant: two backward passes over the same "
                f"graph gave gradients of {labels.output(j)} with respect to "
                f"{labels.inputs[i]} that differ by up to {worst:.6g} "
                f"(nondet_tol={nondet_tol:.6g})"
            )
    for i in checked:
        numeric = _numeric_jacobians(fn, inputs, i, outputs, out_idx, eps, labels)
        for j, num in zip(out_idx, numeric):
            _compare_jacobian(
                num, analytic[i, j], inputs[i].shape, outputs[j].shape, atol, rtol, labels, i, j
            )


def _analytic_jacobians(
    inputs: tuple[Any, ...],
    checked: list[int],
    outputs: tuple[Any, ...],
    out_idx: list[int],
    labels: _Labels,
) -> dict[tuple[int, int], np.ndarray]:
    jacobians = {}
    for j in out_idx:
        o = outputs[j]
        rows: list[list[np.ndarray]] = [[] for _ in checked]
        for m in range(o.numel()):
            onehot = np.zeros(o.numel())
            onehot[m] = 1.0
            for k, row in enumerate(
                _analytic_rows(outputs, j, inputs, checked, onehot.reshape(o.shape), labels)
            ):
                rows[k].append(row.reshape(-1))
        for k, i in enumerate(checked):
            jacobians[i, j] = np.stack(rows[k]) if rows[k] else np.zeros((0, inputs[i].numel()))
    return jacobians


def _numeric_jacobians(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    i: int,
    outputs: tuple[Any, ...],
    out_idx: list[int],
    eps: float,
    labels: _Labels,
) -> list[np.ndarray]:
    base = _to_numpy(inputs[i])
    flat = base.reshape(-1)
    columns: list[list[np.ndarray]] = [[] for _ in out_idx]
    for k in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[k] += eps
        minus[k] -= eps
        fp = _evaluate(fn, _replaced(inputs, i, plus.reshape(base.shape)), out_idx, outputs, labels)
        fm = _evaluate(
            fn, _replaced(inputs, i, minus.reshape(base.shape)), out_idx, outputs, labels
        )
        for col, p, m in zip(columns, fp, fm):
            col.append(((p - m) / (2 * eps)).reshape(-1))
    return [
        np.stack(col, axis=1) if col else np.zeros((outputs[j].numel(), 0))
        for j, col in zip(out_idx, columns)
    ]


def _compare_jacobian(
    numeric: np.ndarray,
    analytic: np.ndarray,
    in_shape: tuple[int, ...],
    out_shape: tuple[int, ...],
    atol: float,
    rtol: float,
    labels: _Labels,
    i: int,
    j: int,
) -> None:
    with np.errstate(invalid="ignore"):
        diff = np.abs(analytic - numeric)
        tolerance = atol + rtol * np.abs(numeric)
        excess = diff - tolerance
    labels.record(diff, tolerance)
    bad = ~(excess <= 0)  # NaN counts as a mismatch
    if not bad.any():
        return
    flat = int(np.argmax(np.where(np.isnan(excess), np.inf, excess)))
    row, col = np.unravel_index(flat, numeric.shape)
    out_at = tuple(int(v) for v in np.unravel_index(row, out_shape)) if out_shape else ()
    in_at = tuple(int(v) for v in np.unravel_index(col, in_shape)) if in_shape else ()
    num, ana = float(numeric[row, col]), float(analytic[row, col])
    lines = [
        f"{labels.check}: Jacobian mismatch for {labels.output(j)} with respect to "
        f"{labels.inputs[i]}: {int(bad.sum())} of {bad.size} entries differ.",
        f"Worst entry: {labels.output(j)} at index {out_at} with respect to "
        f"{labels.inputs[i]} at index {in_at}: numeric={num:.10g}, analytic={ana:.10g}, "
        f"abs diff={abs(num - ana):.6g} (atol={atol:.6g}, rtol={rtol:.6g})",
    ]
    if numeric.size <= _SHOW_JACOBIAN_MAX:
        lines += [f"numeric Jacobian:\n{numeric}", f"analytic Jacobian:\n{analytic}"]
    labels.mismatch("\n".join(lines))


def _check_directions(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    checked: list[int],
    outputs: tuple[Any, ...],
    out_idx: list[int],
    eps: float,
    atol: float,
    rtol: float,
    labels: _Labels,
) -> None:
    """Compare ``u^T J v`` for one random ``v`` per input and ``u`` per output."""
    rng = np.random.default_rng(_SEED)
    vs = {i: rng.standard_normal(inputs[i].shape) for i in checked}
    us = {j: rng.standard_normal(outputs[j].shape) for j in out_idx}
    analytic: dict[tuple[int, int], float] = {}
    for j in out_idx:
        rows = _analytic_rows(outputs, j, inputs, checked, us[j], labels)
        for i, row in zip(checked, rows):
            analytic[i, j] = float(np.sum(row * vs[i]))
    for i in checked:
        base = _to_numpy(inputs[i])
        fp = _evaluate(fn, _replaced(inputs, i, base + eps * vs[i]), out_idx, outputs, labels)
        fm = _evaluate(fn, _replaced(inputs, i, base - eps * vs[i]), out_idx, outputs, labels)
        for j, p, m in zip(out_idx, fp, fm):
            num = float(np.sum(us[j] * (p - m) / (2 * eps)))
            ana = analytic[i, j]
            labels.record(np.array([abs(ana - num)]), np.array([atol + rtol * abs(num)]))
            if not abs(ana - num) <= atol + rtol * abs(num):
                labels.mismatch(
                    f"{labels.check}: directional derivative mismatch for {labels.output(j)} "
                    f"with respect to {labels.inputs[i]} (checked along a random direction "
                    f"because the Jacobian has more than {FULL_JACOBIAN_LIMIT} rows or "
                    f"columns): u^T J v numeric={num:.10g}, analytic={ana:.10g}, "
                    f"abs diff={abs(num - ana):.6g} (atol={atol:.6g}, rtol={rtol:.6g})"
                )
