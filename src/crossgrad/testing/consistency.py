"""The consistency suite: every row of crossgrad's op table checked on every backend, as data.

:func:`check_consistency` runs, per :class:`~crossgrad.testing.OpCase` row of
``crossgrad.testing.cases`` and per backend, the float64 forward against the NumPy reference,
first-order gradients against central differences, and second-order gradients where the row
allows, and returns a :class:`Report` of measured errors instead of raising. ``crossgrad
check`` prints it as a table; a plugin's CI can assert on it directly:

>>> report = check_consistency(backends=["numpy"], ops=["exp-0d"])
>>> [(r.case, r.backend, r.status) for r in report.results]
[('exp-0d', 'numpy', 'passed')]
>>> report.ok
True
"""

from __future__ import annotations

import importlib
import pkgutil
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crossgrad import ops
from crossgrad.backends import REFERENCE
from crossgrad.plugins import registry
from crossgrad.testing import cases as op_cases
from crossgrad.testing import optable
from crossgrad.testing.opcase import CHECKS, OpCase
from crossgrad.testing.optable import Measurement

__all__ = [
    "CHECKED",
    "CaseResult",
    "Report",
    "UnknownNameError",
    "check_consistency",
    "load_cases",
    "select_cases",
    "check_case",
    "known_gap",
    "parse_gap",
]

#: The op-table checks this suite runs (float32 and layout checks stay in the test suite:
#: they test crossgrad's promotion and view logic more than a backend's arithmetic).
CHECKED = ("forward", "grad", "gradgrad")

# Case modules named after an op module come first, in the order of the op catalogue; any
# other module in crossgrad.testing.cases follows, by name.
MODULE_ORDER = [m.__name__.rpartition(".")[2] for m in ops.modules()]


class UnknownNameError(ValueError):
    """A backend or op filter named nothing that exists; the message lists the valid names."""


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case on one backend.

    Attributes:
        module: the case module (``"reduce"``); ``case``: the row's name (``"sum-all"``).
        status: ``"passed"``, ``"failed"`` or ``"skipped"``.
        forward, grad, gradgrad: the measurement of each check, or None where the check
            does not apply to the row or was skipped.
        skipped: the checks skipped by the row's ``skips`` data, with the reason.
        reason: why the whole case was skipped, or the first failing check's message.
    """

    module: str
    case: str
    backend: str
    status: str
    forward: Measurement | None = None
    grad: Measurement | None = None
    gradgrad: Measurement | None = None
    skipped: dict[str, str] = field(default_factory=dict)
    reason: str | None = None

    @property
    def id(self) -> str:
        return f"{self.module}::{self.case}"

    def measurements(self) -> dict[str, Measurement]:
        """The checks that ran, by name, in :data:`CHECKED` order."""
        found = {"forward": self.forward, "grad": self.grad, "gradgrad": self.gradgrad}
        return {name: m for name, m in found.items() if m is not None}

    def failed_checks(self) -> list[str]:
        return [name for name, m in self.measurements().items() if not m.passed]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ids, status, and per check of :data:`CHECKED` its status
        (``"passed"``, ``"failed"``, ``"skipped"``, or None where the check does not apply to
        the case), its largest absolute error, and that error over its tolerance (above 1
        fails); errors are None when not measured or not finite."""
        out: dict[str, Any] = {
            "id": self.id,
            "module": self.module,
            "case": self.case,
            "backend": self.backend,
            "status": self.status,
        }
        for name in CHECKED:
            m = self.measurements().get(name)
            state: str | None
            if m is not None:
                state = "passed" if m.passed else "failed"
            else:
                state = "skipped" if name in self.skipped else None
            out[name] = {
                "status": state,
                "max_abs_error": None if m is None else _finite(m.error),
                "error_over_tolerance": None if m is None else _finite(m.ratio),
            }
        out["skipped_checks"] = dict(self.skipped)
        out["reason"] = self.reason
        return out


@dataclass
class Report:
    """Everything one run found: a :class:`CaseResult` per case and backend.

    Attributes:
        backends: the backends checked, in order (unusable ones included when named).
        unusable: why each unusable backend was not run (its cases count as skipped).
        not_selected: registered backends left out because they are unusable here and were
            not asked for by name, with the reason.
        cases: ``(module, case)`` of every case checked, in table order.
        broken_modules: case modules that failed to import, with the traceback.
        seconds: how long each backend took.
    """

    backends: list[str]
    unusable: dict[str, str]
    not_selected: dict[str, str]
    cases: list[tuple[str, OpCase]]
    results: list[CaseResult]
    broken_modules: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def ok(self) -> bool:
        """No case failed and every case module imported."""
        return self.count("failed") == 0 and not self.broken_modules

    def summary(self) -> str:
        """``"327 cases x 2 backends: 650 passed, 0 failed, 4 skipped"``."""
        n_cases, n_backends = len(self.cases), len(self.backends)
        line = (
            f"{n_cases} case{'s' * (n_cases != 1)} x {n_backends} "
            f"backend{'s' * (n_backends != 1)}: {self.count('passed')} passed, "
            f"{self.count('failed')} failed, {self.count('skipped')} skipped"
        )
        if self.broken_modules:
            line += f"; case modules that failed to import: {', '.join(self.broken_modules)}"
        return line


def load_cases() -> tuple[list[tuple[str, OpCase]], dict[str, str]]:
    """Every row of ``crossgrad.testing.cases`` as ``(module, case)``, and the modules that
    failed to import (name to traceback), so one broken module does not hide the others."""
    names = sorted(
        (m.name for m in pkgutil.iter_modules(op_cases.__path__)),
        key=lambda n: (MODULE_ORDER.index(n) if n in MODULE_ORDER else len(MODULE_ORDER), n),
    )
    rows: list[tuple[str, OpCase]] = []
    broken: dict[str, str] = {}
    for name in names:
        try:
            module = importlib.import_module(f"{op_cases.__name__}.{name}")
        except Exception:  # noqa: BLE001 - reported in the Report, not raised
            broken[name] = traceback.format_exc()
            continue
        rows += [(name, case) for case in getattr(module, "CASES", [])]
    return rows, broken


def select_cases(
    rows: Sequence[tuple[str, OpCase]], ops: Sequence[str] | None
) -> list[tuple[str, OpCase]]:
    """The rows a filter names: a module (``"reduce"``), a case name or a prefix of one that
    ends at a ``-`` (``"sum"`` selects ``sum-all`` and ``sum-dim1-keepdim`` but not
    ``sum_to_size``; ``exp`` not ``expm1``), or ``module::case``.

    Raises:
        UnknownNameError: a filter that selects nothing, with the close names.
    """
    if not ops:
        return list(rows)
    selected = []
    for op in ops:
        hits = [row for row in rows if _matches(op, *row)]
        if not hits:
            raise UnknownNameError(_no_case_message(op, rows))
        selected += hits
    chosen = {id(case) for _, case in selected}
    return [row for row in rows if id(row[1]) in chosen]  # table order, no duplicates


def _matches(op: str, module: str, case: OpCase) -> bool:
    if "::" in op:
        want_module, _, op = op.partition("::")
        if want_module != module:
            return False
    elif op == module:
        return True
    return case.name == op or case.name.startswith(op + "-")


def _no_case_message(op: str, rows: Sequence[tuple[str, OpCase]]) -> str:
    import difflib

    modules = list(dict.fromkeys(m for m, _ in rows))
    names = sorted({c.name.split("-")[0] for _, c in rows} | set(modules))
    close = difflib.get_close_matches(op, names, n=5)
    lines = [f"--ops: {op!r} matches no op case. Case modules: {', '.join(modules)}"]
    if close:
        lines.append(f"Close op names: {', '.join(close)}")
    lines.append(
        "hint: name a module, an op (`sum` selects sum-all, sum-dim1-keepdim, ...) "
        "or a full case name"
    )
    return "\n".join(lines)


def _resolve_backends(
    names: Sequence[str] | None,
) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The backends to check, the unusable ones among them, and the unusable registered
    ones left out (only when no names were given)."""
    found = registry.all_backends()
    reasons = {n: b.unavailable_reason() for n, b in found.items()}
    if not names:
        # The reference backend first: the other columns read as differences from it.
        order = sorted(found, key=lambda n: n != REFERENCE)
        usable = [n for n in order if reasons[n] is None]
        left_out = {n: str(why) for n, why in reasons.items() if why is not None}
        return usable, {}, left_out
    unknown = [n for n in names if n not in found]
    if unknown:
        raise UnknownNameError(
            f"--backends: unknown crossgrad backend(s): {', '.join(map(repr, unknown))}. "
            f"Valid names: {', '.join(found)}\n"
            "hint: `crossgrad info` lists the backends and why any is unusable"
        )
    chosen = list(dict.fromkeys(names))
    return chosen, {n: str(reasons[n]) for n in chosen if reasons[n] is not None}, {}


def parse_gap(key: str) -> tuple[str, str]:
    """Split a ``known_gaps`` key into its row filter and its check (``""``: every check).

    >>> parse_gap("einsum:gradgrad"), parse_gap("index::gather-dim1")
    (('einsum', 'gradgrad'), ('index::gather-dim1', ''))
    """
    selector, _, check = key.rpartition(":")
    if check not in CHECKS or not selector or selector.endswith(":"):
        return key, ""
    return selector, check


def known_gap(module: str, case: OpCase, backend: str, check: str | None = None) -> str | None:
    """Why ``case`` (a row of case module ``module``) does not run ``check`` (or at all,
    when ``check`` is None) on ``backend``: the row's own ``skips`` data, else the
    backend's :attr:`~crossgrad.backends.base.Backend.known_gaps`; None when it runs.
    """
    reason = case.skip_reason(backend, check)
    if reason is not None:
        return reason
    found = registry.all_backends().get(backend)
    for key, why in (found.known_gaps if found is not None else {}).items():
        selector, gap_check = parse_gap(key)
        if (not gap_check or gap_check == check) and _matches(selector, module, case):
            return f"known gap of the {backend} backend: {why}"
    return None


def check_case(module: str, case: OpCase, backend: str) -> CaseResult:
    """Run the :data:`CHECKED` checks that apply to ``case`` on ``backend`` (usable)."""
    whole = known_gap(module, case, backend)
    if whole is not None:
        return CaseResult(module, case.name, backend, "skipped", reason=whole)
    measure = {
        "forward": optable.measure_forward,
        "grad": optable.measure_grad,
        "gradgrad": optable.measure_gradgrad,
    }
    found: dict[str, Measurement] = {}
    skipped: dict[str, str] = {}
    with registry.use_backend(backend):
        for check in optable.applicable_checks(case):
            if check not in measure:
                continue
            why = known_gap(module, case, backend, check)
            if why is not None:
                skipped[check] = why
                continue
            found[check] = _measure_quietly(measure[check], case)
    failures = [m.failure for m in found.values() if not m.passed]
    if failures:
        status, reason = "failed", failures[0]
    elif found:
        status, reason = "passed", None
    else:
        status, reason = "skipped", "; ".join(f"{k}: {v}" for k, v in skipped.items())
    return CaseResult(
        module,
        case.name,
        backend,
        status,
        found.get("forward"),
        found.get("grad"),
        found.get("gradgrad"),
        skipped,
        reason,
    )


def _measure_quietly(measure: Callable[[OpCase], Measurement], case: OpCase) -> Measurement:
    # An op that raises is a failure of that op on this backend, not of the whole run; the
    # numeric warnings of finite differences (log of a perturbed 0, ...) are not news.
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return measure(case)
    except Exception as e:  # noqa: BLE001
        return Measurement(None, None, f"{case.name}: raised {type(e).__name__}: {e}")


def check_consistency(
    backends: Sequence[str] | None = None,
    ops: Sequence[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    rows: Sequence[tuple[str, OpCase]] | None = None,
) -> Report:
    """Check every selected op case on every selected backend; never raises on a mismatch.

    Args:
        backends: backend names; default every usable registered backend. A named backend
            that is unusable here is reported with the reason and its cases as skipped.
        ops: filters for :func:`select_cases`; default every case.
        progress: called as ``progress(done, total, "<backend> <case>")`` before each case.
        rows: ``(module, case)`` rows to check instead of crossgrad's own table (a plugin's:
            :func:`crossgrad.testing.conformance.plugin_cases`).

    Raises:
        UnknownNameError: a backend that is not registered, or an op filter that selects
            nothing; the message lists the valid names.
    """
    chosen, unusable, left_out = _resolve_backends(backends)
    broken: dict[str, str] = {}
    if rows is None:
        rows, broken = load_cases()
    rows = select_cases(rows, ops)
    results = []
    total, done = len(rows) * len(chosen), 0
    seconds = {}
    for backend in chosen:
        start = time.perf_counter()
        for module, case in rows:
            if progress is not None:
                progress(done, total, f"{backend} {case.name}")
            done += 1
            if backend in unusable:
                results.append(
                    CaseResult(module, case.name, backend, "skipped", reason=unusable[backend])
                )
            else:
                results.append(check_case(module, case, backend))
        if backend not in unusable:
            seconds[backend] = time.perf_counter() - start
    return Report(chosen, unusable, left_out, rows, results, broken, seconds)


def _finite(x: float | None) -> float | None:
    # JSON has no inf/NaN; an infinite error is a failure, which status already says.
    return None if x is None or not np.isfinite(x) else x
