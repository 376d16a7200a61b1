"""The conformance kit for plugin authors: every op a plugin registers, through the checks
crossgrad's own ops pass.

A plugin's whole conformance test file can be::

    from crossgrad.testing.conformance import conformance_tests

    TestFused = conformance_tests("fused")   # entry-point name, distribution or namespace

which checks, for each op case the plugin's :class:`~crossgrad.plugins.OpSpec` rows declare,
on every usable backend (the ``backend`` fixture; ``--backends`` narrows it): the float64
forward against its NumPy reference, float32 and non-contiguous inputs, gradients and
second-order gradients against finite differences; then that those backends agree with the
NumPy float64 reference (outputs, gradients, second-order gradients); and, for each declared
bad input (:class:`~crossgrad.testing.ErrorCase`), that every backend raises the declared
class with the same message, leaving the inputs untouched. ``crossgrad check --plugin NAME``
runs the same cases from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from crossgrad.core.errors import CrossgradError
from crossgrad.plugins import registry
from crossgrad.plugins.manager import PluginRecord
from crossgrad.plugins.specs import resolve
from crossgrad.testing import optable
from crossgrad.testing.backends_check import check_backends
from crossgrad.testing.consistency import UnknownNameError, known_gap
from crossgrad.testing.opcase import ErrorCase, OpCase

__all__ = [
    "plugin_record",
    "plugin_cases",
    "plugin_error_cases",
    "ErrorResult",
    "check_error_case",
    "conformance_tests",
]


def plugin_record(name: str) -> PluginRecord:
    """The record of the installed plugin called ``name``: its entry-point name, its
    distribution, or the namespace of its ops.

    Raises:
        UnknownNameError: no installed plugin has that name; the message lists them.
    """
    records = [r for r in registry.plugin_records() if not r.builtin]
    for r in records:
        if name in (r.name, r.distribution) or any(op.startswith(name + ".") for op in r.ops):
            return r
    listed = ", ".join(f"{r.name} ({r.label}, {r.state})" for r in records) or "none"
    raise UnknownNameError(
        f"no installed crossgrad plugin is called {name!r}; installed "
        f"plugins: {listed}\nhint: `crossgrad info` lists the plugins; "
        "pip install the plugin's package first"
    )


def plugin_cases(name: str) -> list[tuple[str, OpCase]]:
    """Every :class:`~crossgrad.testing.OpCase` row of plugin ``name``'s ops, as
    ``(op name, case)``, in registration order."""
    return _rows(name, "cases")


def plugin_error_cases(name: str) -> list[tuple[str, ErrorCase]]:
    """Every declared bad input of plugin ``name``'s ops, as ``(op name, error case)``."""
    return _rows(name, "errors")


def _rows(name: str, field: str) -> list[tuple[str, Any]]:
    record = plugin_record(name)
    if record.state != "loaded":
        raise UnknownNameError(
            f"plugin {record.name!r} ({record.label}) is {record.state}"
            + (f": {record.reason}" if record.reason else "")
            + "\nhint: fix what the reason says, then run again"
        )
    rows = []
    for op in record.ops:
        spec = registry.loaded().ops[op][0]
        found = resolve(getattr(spec, field), f"{field} of op {op!r} ({record.label})")
        rows += [(op, row) for row in found or ()]
    return rows


@dataclass(frozen=True)
class ErrorResult:
    """What one declared bad input did on one backend.

    ``status`` is ``"passed"`` (raised the declared class, with ``match`` in the message,
    inputs untouched, same class and message as the other backends), ``"failed"`` (``reason``
    says how not) or ``"skipped"`` (the backend is unusable here).
    """

    module: str
    case: str
    backend: str
    status: str
    raised: str = ""
    message: str = ""
    reason: str | None = None

    @property
    def id(self) -> str:
        return f"{self.module}::{self.case}"


def check_error_case(
    module: str, case: ErrorCase, backends: list[str] | None = None
) -> list[ErrorResult]:
    """Call ``case.fn`` on its bad inputs on each backend (default: every usable one) and
    check that each raises ``case.raises`` with ``case.match`` in the message, changes no
    input, and that all backends agree on the class and the message."""
    names = backends or registry.usable_backends()
    results = []
    for name in names:
        why = registry.all_backends()[name].unavailable_reason()
        if why is not None:
            results.append(ErrorResult(module, case.name, name, "skipped", reason=why))
            continue
        results.append(_raise_on(module, case, name))
    ran = [r for r in results if r.status == "passed"]
    if ran:
        first = ran[0]
        for i, r in enumerate(results):
            if r.status == "passed" and (r.raised, r.message) != (first.raised, first.message):
                results[i] = ErrorResult(
                    module,
                    case.name,
                    r.backend,
                    "failed",
                    r.raised,
                    r.message,
                    f"{r.backend} raised {r.raised}: {r.message!r}, but {first.backend} "
                    f"raised {first.raised}: {first.message!r}; the same bad input must "
                    "give the same class and message on every backend",
                )
    return results


def _raise_on(module: str, case: ErrorCase, backend: str) -> ErrorResult:
    import crossgrad

    def fail(reason: str, raised: str = "", message: str = "") -> ErrorResult:
        return ErrorResult(
            module,
            case.name,
            backend,
            "failed",
            raised,
            message,
            f"{case.name} on {backend}: {reason}",
        )

    with registry.use_backend(backend):
        tensors = [
            crossgrad.tensor(a, requires_grad=a.dtype.kind == "f") for a in case.make_inputs()
        ]
        before = [(t.detach().numpy().copy(), t._version) for t in tensors]
        try:
            case.fn(*tensors)
        except Exception as exc:  # noqa: BLE001 - what it raised is the result
            raised, message = type(exc).__name__, str(exc)
            if not isinstance(exc, case.raises):
                return fail(
                    f"raised {raised} ({message!r}), expected {case.raises.__name__}",
                    raised,
                    message,
                )
            if not isinstance(exc, CrossgradError):
                return fail(
                    f"raised {raised}, which is not a crossgrad error class", raised, message
                )
            if case.match not in message:
                return fail(f"message {message!r} does not contain {case.match!r}", raised, message)
        else:
            return fail(f"raised nothing; expected {case.raises.__name__}")
        for i, (t, (values, version)) in enumerate(zip(tensors, before)):
            if t._version != version or not np.array_equal(
                t.detach().numpy(), values, equal_nan=True
            ):
                return fail(f"input {i} was modified before the error", raised, message)
    return ErrorResult(module, case.name, backend, "passed", raised, message)


def conformance_tests(plugin: str) -> type:
    """A pytest test class that runs plugin ``plugin``'s ops through crossgrad's checks.

    Assign it to a ``Test...`` name in a test module; its tests take the ``backend`` fixture
    (``--backends`` narrows them) and skip the backends' known gaps with the reason.
    """
    import pytest

    try:
        rows = plugin_cases(plugin)
        errors = plugin_error_cases(plugin)
        problem = None
    except (UnknownNameError, CrossgradError) as exc:
        rows, errors, problem = [], [], str(exc)

    def params(check: str) -> list[Any]:
        found = [
            pytest.param(module, case, id=f"{module}::{case.name}")
            for module, case in rows
            if check in optable.applicable_checks(case)
        ]
        return found or [
            pytest.param(
                None,
                None,
                id="none",
                marks=pytest.mark.skip(reason=f"no case of {plugin} needs the {check} check"),
            )
        ]

    def run(check: str) -> Any:
        def test(self: Any, module: str, case: OpCase, backend: str) -> None:
            reason = known_gap(module, case, backend, check)
            if reason is not None:
                pytest.skip(f"{case.name} on {backend} ({check}): {reason}")
            optable.run_check(check, case)

        test.__doc__ = f"The {check} check of crossgrad's op table, on the plugin's cases."
        return pytest.mark.parametrize("module, case", params(check))(test)

    class Conformance:
        def test_plugin_loaded_without_conflicts(self) -> None:
            assert problem is None, problem
            record = plugin_record(plugin)
            assert not record.conflicts, "; ".join(record.conflicts)

        def test_every_op_has_cases(self) -> None:
            assert problem is None, problem
            covered = {module for module, _ in rows}
            missing = [op for op in plugin_record(plugin).ops if op not in covered]
            assert not missing, (
                f"ops of {plugin} with no OpCase rows (so nothing checks "
                f"them): {missing}; give their OpSpec cases="
            )

        test_forward = run("forward")
        test_float32 = run("float32")
        test_noncontiguous = run("noncontiguous")
        test_grad = run("grad")
        test_gradgrad = run("gradgrad")

        @pytest.mark.parametrize("module, case", params("forward"))
        def test_backends_agree(
            self, module: str, case: OpCase, request: pytest.FixtureRequest
        ) -> None:
            """Every selected usable backend agrees with the NumPy float64 reference."""
            order = 2 if case.grad and case.gradgrad else 1 if case.grad else 0
            backends = [b for b in _selected_usable(request) if known_gap(module, case, b) is None]
            if not backends:
                pytest.skip("no selected usable backend runs this case")
            inputs = case.make_inputs()
            constants = [
                i
                for i, (f, d) in enumerate(zip(case.is_float(), case.differentiable()))
                if f and not d
            ]
            report = check_backends(
                case.fn, *inputs, backends=backends, order=order, constants=constants
            )
            assert report.passed, f"{module}::{case.name}\n{report}"

        @pytest.mark.parametrize(
            "module, error",
            [pytest.param(m, e, id=f"{m}::{e.name}") for m, e in errors]
            or [
                pytest.param(
                    None,
                    None,
                    id="none",
                    marks=pytest.mark.skip(
                        reason=f"{plugin} declares no bad inputs (ErrorCase rows)"
                    ),
                )
            ],
        )
        def test_error_parity(
            self, module: str, error: ErrorCase, request: pytest.FixtureRequest
        ) -> None:
            """Each declared bad input raises the same crossgrad error on every selected
            usable backend."""
            failed = [
                r.reason
                for r in check_error_case(module, error, _selected_usable(request))
                if r.status == "failed"
            ]
            assert not failed, "\n".join(str(f) for f in failed)

    Conformance.__name__ = Conformance.__qualname__ = f"TestConformance[{plugin}]"
    return Conformance


def _selected_usable(request: Any) -> list[str]:
    """The backends this pytest run selected (``--backends``) that are usable here; skips
    the test when there are none."""
    import pytest

    from crossgrad.testing.pytest_plugin import selected_backends

    usable = registry.usable_backends()
    found = [b for b in selected_backends(request.config) if b in usable]
    if not found:
        pytest.skip("no selected backend is usable here")
    return found
