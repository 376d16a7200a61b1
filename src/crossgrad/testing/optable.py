"""The checks run on every :class:`~crossgrad.testing.OpCase` row, on the current backend.

crossgrad's op table (``tests/test_op_table.py``) calls these once per case and backend; a
plugin author can call them on rows of their own ops. Each check raises ``AssertionError``
(or :class:`~crossgrad.testing.GradcheckError`) naming what differs.

>>> import numpy as np, crossgrad
>>> case = OpCase("exp", crossgrad.exp, np.exp, [Arg((2, 3))])
>>> for check in (check_forward, check_float32, check_noncontiguous, check_grad):
...     check(case)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from crossgrad._tensor import Tensor
from crossgrad.core import dtypes
from crossgrad.ops.creation import from_numpy, tensor
from crossgrad.plugins.registry import get_backend
from crossgrad.testing.compare import assert_close, default_tolerances
from crossgrad.testing.gradcheck import gradcheck, gradgradcheck, max_gradient_error
from crossgrad.testing.opcase import CHECKS, Arg, OpCase

__all__ = [
    "to_tensors",
    "run_check",
    "check_forward",
    "check_float32",
    "check_noncontiguous",
    "check_grad",
    "check_gradgrad",
    "applicable_checks",
    "Measurement",
    "measure_forward",
    "measure_grad",
    "measure_gradgrad",
]


def applicable_checks(case: OpCase) -> list[str]:
    """The checks of :data:`~crossgrad.testing.opcase.CHECKS` that mean something for
    ``case`` (no float32 check without float inputs, no gradients without ``grad``, ...)."""
    is_float = case.is_float()
    diff = case.differentiable()
    checks = ["forward"]
    if any(is_float):
        checks.append("float32")
    if any(f and _can_lay_out(s, "strided") for f, s in zip(is_float, case.shapes())):
        checks.append("noncontiguous")
    if case.grad and any(diff):
        checks.append("grad")
        if case.gradgrad:
            checks.append("gradgrad")
    return checks


def to_tensors(case: OpCase, arrays: list[np.ndarray], requires_grad: bool = True) -> list[Tensor]:
    """Tensors on the current backend: differentiable inputs as float64 tensors that
    require grad (when ``requires_grad``), other inputs as constants of their own dtype."""
    out = []
    for a, diff in zip(arrays, case.differentiable()):
        if diff:
            out.append(tensor(a, dtype=dtypes.float64, requires_grad=requires_grad))
        else:
            out.append(tensor(a))
    return out


def run_check(check: str, case: OpCase) -> None:
    """Run the check named ``check`` (one of :data:`~crossgrad.testing.opcase.CHECKS`) on
    ``case``: ``run_check("grad", case)`` is ``check_grad(case)``."""
    if check not in CHECKS:
        raise ValueError(f"run_check: unknown check={check!r}; choose one of {', '.join(CHECKS)}")
    {
        "forward": check_forward,
        "float32": check_float32,
        "noncontiguous": check_noncontiguous,
        "grad": check_grad,
        "gradgrad": check_gradgrad,
    }[check](case)


def check_forward(case: OpCase) -> None:
    """Forward on float64 inputs matches the NumPy reference within the case's tolerances."""
    arrays = case.make_inputs()
    actual = case.fn(*to_tensors(case, arrays))
    expected = case.reference(*[a.copy() for a in arrays])
    _compare_outputs(case, actual, expected, "float64 forward")


def check_float32(case: OpCase) -> None:
    """Forward on float32 inputs matches the reference (computed in float64 on the same,
    rounded, values) at float32 tolerance, and float ops keep float32."""
    arrays = case.make_inputs()
    rounded = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays]
    tensors = [
        tensor(a, requires_grad=diff) if a.dtype.kind == "f" else tensor(a)
        for a, diff in zip(rounded, case.differentiable())
    ]
    actual = case.fn(*tensors)
    expected = case.reference(
        *[a.astype(np.float64) if a.dtype.kind == "f" else a.copy() for a in rounded]
    )
    for j, out in enumerate(_as_outputs(actual)):
        if isinstance(out, Tensor) and out.dtype is dtypes.float64:
            raise AssertionError(
                f"{case.name}: float32 inputs gave a float64 output {j}: float ops must keep "
                "the inputs' precision (PyTorch's promotion rules)"
            )
    _compare_outputs(case, actual, expected, "float32 forward")


def check_noncontiguous(case: OpCase) -> None:
    """Forward on non-contiguous float inputs (transposed views; on NumPy also strided
    slices of a larger array) matches the reference."""
    arrays = case.make_inputs()
    expected = case.reference(*[a.copy() for a in arrays])
    for layout in ("transposed", "strided"):
        if layout == "strided" and not get_backend().host_arrays:
            continue  # strides of a foreign array can only be made through NumPy here
        tensors = []
        made = []
        for a in arrays:
            if a.dtype.kind == "f" and _can_lay_out(a.shape, layout):
                t = _noncontiguous(a, layout)
                made.append(t)
            else:
                t = tensor(a)
            tensors.append(t)
        if not made:
            continue
        if get_backend().host_arrays:
            assert not any(t.numpy().flags.c_contiguous for t in made), (
                f"{case.name}: the {layout} inputs came out contiguous"
            )
        actual = case.fn(*tensors)
        _compare_outputs(case, actual, expected, f"forward on {layout} inputs")


def _can_lay_out(shape: tuple[int, ...], layout: str) -> bool:
    """Whether an array of ``shape`` can be made non-contiguous in ``layout`` (NumPy calls
    empty arrays, and arrays whose swapped dims include a size-1 dim, contiguous)."""
    if len(shape) < 2 or 0 in shape:
        return False
    if layout == "transposed":
        return shape[-1] > 1 and shape[-2] > 1
    return any(n > 1 for n in shape)


def _noncontiguous(a: np.ndarray, layout: str) -> Tensor:
    if layout == "transposed":
        swapped = np.ascontiguousarray(np.swapaxes(a, -1, -2))
        return tensor(swapped).transpose(-1, -2)
    big = np.zeros(tuple(2 * n for n in a.shape), dtype=a.dtype)
    view = big[tuple(slice(None, None, 2) for _ in a.shape)]
    view[...] = a
    return from_numpy(view)


def check_grad(case: OpCase) -> None:
    """First-order gradients of the differentiable inputs match central differences."""
    gradcheck(case.fn, tuple(to_tensors(case, case.make_inputs())))


def check_gradgrad(case: OpCase) -> None:
    """Second-order gradients match central differences of the first-order ones."""
    gradgradcheck(case.fn, tuple(to_tensors(case, case.make_inputs())))


@dataclass(frozen=True)
class Measurement:
    """How far one check of one case came from its reference, and whether it passed.

    Attributes:
        error: the largest absolute difference from the reference (None when the check
            failed before anything was compared).
        ratio: the largest difference divided by its tolerance (above 1 fails).
        failure: the message the ``check_*`` function would raise, or None when it passes.
    """

    error: float | None
    ratio: float | None
    failure: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None


def measure_forward(case: OpCase) -> Measurement:
    """Like :func:`check_forward` (same verdict), but return the error instead of raising.

    >>> import numpy as np, crossgrad
    >>> m = measure_forward(OpCase("exp", crossgrad.exp, np.exp, [Arg((2, 3))]))
    >>> m.passed, m.error < 1e-15
    (True, True)
    """
    arrays = case.make_inputs()
    actual = case.fn(*to_tensors(case, arrays))
    expected = case.reference(*[a.copy() for a in arrays])
    error = ratio = None
    for out, ref in zip(_as_outputs(actual), _as_outputs(expected)):
        if not isinstance(out, Tensor):
            continue
        a = np.asarray(out.detach().numpy())
        e = np.asarray(ref)
        if a.shape != e.shape:
            continue
        # The same tolerances as _compare_outputs, so a ratio above 1 means a failure.
        rtol, atol = _float_tolerances(case, out) if e.dtype.kind == "f" else (0.0, 0.0)
        diff, over = _difference(a, e, atol, rtol)
        error = max(error or 0.0, diff)
        ratio = max(ratio or 0.0, over)
    try:
        _compare_outputs(case, actual, expected, "float64 forward")
    except AssertionError as e:
        return Measurement(error, ratio, str(e))
    return Measurement(error, ratio)


def _difference(a: np.ndarray, e: np.ndarray, atol: float, rtol: float) -> tuple[float, float]:
    """The largest ``|a - e|`` and the largest ratio of it to ``atol + rtol * |e|``, counting
    matching infinities and NaNs as equal (as assert_close does)."""
    if a.size == 0:
        return 0.0, 0.0
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.abs(a64 - e64)
        same = (a64 == e64) | (np.isnan(a64) & np.isnan(e64))
        diff = np.where(same, 0.0, np.where(np.isnan(diff), np.inf, diff))
        ratio = np.where(diff == 0, 0.0, diff / (atol + rtol * np.abs(e64)))  # x/0 = inf
    return float(np.max(diff)), float(np.max(np.nan_to_num(ratio, nan=np.inf)))


def measure_grad(case: OpCase) -> Measurement:
    """Like :func:`check_grad` (same verdict), but return the worst Jacobian entry's error."""
    return Measurement(*max_gradient_error(case.fn, tuple(to_tensors(case, case.make_inputs()))))


def measure_gradgrad(case: OpCase) -> Measurement:
    """Like :func:`check_gradgrad` (same verdict), but return the error instead of raising."""
    inputs = tuple(to_tensors(case, case.make_inputs()))
    return Measurement(*max_gradient_error(case.fn, inputs, order=2))


def _float_tolerances(case: OpCase, out: Tensor) -> tuple[float, float]:
    """``(rtol, atol)`` for a float output: the case's, widened to the output dtype's."""
    rtol, atol = case.rtol, case.atol
    if out.dtype is not dtypes.float64:
        d_rtol, d_atol = default_tolerances(out.dtype, out.device)
        rtol, atol = max(rtol, d_rtol), max(atol, d_atol)
    return rtol, atol


def _as_outputs(result: Any) -> tuple[Any, ...]:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _compare_outputs(case: OpCase, actual: Any, expected: Any, what: str) -> None:
    outs, refs = _as_outputs(actual), _as_outputs(expected)
    if len(outs) != len(refs):
        raise AssertionError(
            f"{case.name}: {what}: fn returned {len(outs)} outputs, the reference {len(refs)}"
        )
    for j, (out, ref) in enumerate(zip(outs, refs)):
        label = f"{case.name}: {what}, output {j}"
        if not isinstance(out, Tensor):
            raise AssertionError(f"{label}: expected a Tensor, received {type(out).__name__}")
        ref = np.asarray(ref)
        category = out.dtype.category
        if ref.dtype.kind == "f":
            if category != dtypes.FLOATING:
                raise AssertionError(
                    f"{label}: the reference is floating but the output has dtype={out.dtype!r}"
                )
            rtol, atol = _float_tolerances(case, out)
            assert_close(out, ref, rtol=rtol, atol=atol, msg=label)
        else:
            want = dtypes.BOOL if ref.dtype.kind == "b" else dtypes.INTEGER
            if category != want:
                raise AssertionError(
                    f"{label}: the reference has dtype {ref.dtype} but the "
                    f"output has dtype={out.dtype!r}"
                )
            assert_close(out, ref, rtol=0, atol=0, msg=label)


# Re-exported so that a plugin's test module needs only this import.
__all__ += ["Arg", "OpCase"]
