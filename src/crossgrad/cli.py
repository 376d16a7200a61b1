"""The ``crossgrad`` command: ``crossgrad info``, ``crossgrad check`` and ``crossgrad demo``."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from crossgrad import demo

if TYPE_CHECKING:
    from crossgrad.plugins.manager import PluginRecord
    from crossgrad.testing.conformance import ErrorResult
    from crossgrad.testing.consistency import CaseResult, Report
    from crossgrad.testing.optable import Measurement


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def info() -> int:
    """Print versions, backends (usable or not, and why), the BLAS in use, and plugins."""
    import crossgrad
    from crossgrad.plugins import registry

    print(
        f"crossgrad {crossgrad.__version__} on Python {platform.python_version()} "
        f"({platform.system()} {platform.machine()})"
    )
    for dist in ("numpy", "pluggy", "array-api-compat"):
        print(f"  {dist:18s} {_version(dist)}")
    default = registry.get_backend()
    print("\nbackends:")
    for name, backend in sorted(registry.all_backends().items()):
        reason = backend.unavailable_reason()
        mark = "*" if backend is default else " "
        if reason is None:
            details = ", ".join(f"{k} {v}" for k, v in backend.info().items())
            print(f" {mark} {name:17s} usable      {details}")
        else:
            hint = f"; {backend.install_hint}" if backend.install_hint else ""
            print(f" {mark} {name:17s} unusable    {reason}{hint}")
    print("  (* = default: set CROSSGRAD_BACKEND or call crossgrad.set_backend to change it)")
    print("\nplugins (entry-point group 'crossgrad'; crossgrad's own first):")
    for record in registry.plugin_records():
        line = f"  {record.name:26s} {record.label:34s} {record.state}"
        print(line + (f": {record.reason}" if record.reason else "") + _load_time(record))
        for label, names in _registered(record):
            print(f"      {label}: {names}")
    print(
        "  (controls: CROSSGRAD_PLUGINS=a,b  CROSSGRAD_BLOCK_PLUGINS=c  "
        "CROSSGRAD_DISABLE_PLUGIN_AUTOLOAD=1  CROSSGRAD_STRICT_PLUGINS=1  "
        "CROSSGRAD_CHECK_KERNELS=0)"
    )
    patched = registry.loaded().patched_since_load()
    if patched:
        print(
            "\nWARNING: kernels changed after the plugins loaded, outside any plugin hook: "
            + ", ".join(patched)
        )
    return 0


def _load_time(record: PluginRecord) -> str:
    from crossgrad.plugins.manager import SLOW_PLUGIN_SECONDS

    if record.state not in ("loaded", "failed") or record.builtin:
        return ""
    slow = "  SLOW" if record.load_seconds > SLOW_PLUGIN_SECONDS else ""
    return f"  ({record.load_seconds * 1000:.0f} ms to load){slow}"


def _registered(record: PluginRecord) -> list[tuple[str, str]]:
    """What a plugin registered, as (label, names) lines for ``crossgrad info``."""
    from crossgrad.plugins import registry

    found = []
    if record.builtin and len(record.ops) > 10:
        namespaces = sorted({op.partition(".")[0] for op in record.ops})
        found.append(("ops", f"{len(record.ops)} built-in ({', '.join(namespaces)})"))
    else:
        specs = registry.loaded().ops
        for op in record.ops:
            summary = specs[op][0].summary if op in specs else ""
            found.append((f"op {op}", summary) if summary else ("op", op))
    if record.backends:
        found.append(("backends", ", ".join(record.backends)))
    for label, names in (("kernels", record.kernels), ("overrides", record.overrides)):
        by_backend: dict[str, list[str]] = {}
        for name in names:
            backend, _, op = name.partition(":")
            by_backend.setdefault(backend, []).append(op)
        for backend, backend_ops in by_backend.items():
            found.append((f"{label} on {backend}", ", ".join(backend_ops)))
    found += [("conflict", c) for c in record.conflicts]
    if record.patched:
        found.append(("WARNING: changed outside its hooks", ", ".join(record.patched)))
    return found


def check(
    backends: list[str] | None, ops: list[str] | None, as_json: bool, plugin: str | None = None
) -> int:
    """Check every op case on the backends and print a table (or JSON) and a summary; with
    ``plugin``, that plugin's op cases and declared bad inputs instead of crossgrad's table.

    Returns 0 when everything passed, 1 on any failure, 2 when a name is unknown.
    """
    from crossgrad.testing.conformance import (
        check_error_case,
        plugin_cases,
        plugin_error_cases,
    )
    from crossgrad.testing.consistency import UnknownNameError, check_consistency

    progress = _Progress(sys.stderr)
    errors: list[ErrorResult] = []
    try:
        rows = None if plugin is None else plugin_cases(plugin)
        report = check_consistency(backends, ops, progress=progress, rows=rows)
        if plugin is not None:
            chosen = [b for b in report.backends if b not in report.unusable]
            for module, case in plugin_error_cases(plugin):
                errors += check_error_case(module, case, chosen)
    except UnknownNameError as e:
        print(f"crossgrad check: {e}", file=sys.stderr)
        return 2
    finally:
        progress.finish()
    if as_json:
        found = [r.to_dict() for r in report.results]
        found += [
            {
                "id": r.id,
                "module": r.module,
                "case": r.case,
                "backend": r.backend,
                "status": r.status,
                "kind": "error",
                "raised": r.raised,
                "message": r.message,
                "reason": r.reason,
            }
            for r in errors
        ]
        print(json.dumps(found, indent=1))
    else:
        _print_report(report)
        if plugin is not None:
            _print_errors(errors)
    failed = any(r.status == "failed" for r in errors)
    return 0 if report.ok and not failed else 1


def _print_errors(errors: list[ErrorResult]) -> None:
    if not errors:
        print("bad inputs: none declared (ErrorCase rows in the OpSpec's errors=)")
        return
    for r in errors:
        if r.status == "failed":
            print(f"  bad input {r.id} on {r.backend}: {r.reason}")
    counts = {s: sum(r.status == s for r in errors) for s in ("passed", "failed", "skipped")}
    cases = len({r.id for r in errors})
    print(
        f"bad inputs: {cases} case{'s' * (cases != 1)}: {counts['passed']} passed, "
        f"{counts['failed']} failed, {counts['skipped']} skipped (same error class and "
        "message on every backend, inputs unchanged)"
    )


def _print_report(report: Report) -> None:
    columns = [b for b in report.backends if b not in report.unusable]
    for name, why in report.unusable.items():
        print(f"{name}: skipped, unusable here: {why}")
    for name, why in report.not_selected.items():
        print(f"{name}: not checked, unusable here: {why}")
    if columns:
        cells = {(r.id, r.backend): _cell(r) for r in report.results}
        names = [f"  {c.name}" for _, c in report.cases]
        name_width = min(max(len(n) for n in [*names, "case"]), _NAME_WIDTH)
        widths = {
            b: max([len(b)] + [len(cells[f"{m}::{c.name}", b]) for m, c in report.cases])
            for b in columns
        }
        print(_row("case", name_width, [(b, widths[b]) for b in columns]))
        module = None
        for (m, case), name in zip(report.cases, names):
            if m != module:
                print(m)
                module = m
            if len(name) > name_width:  # a long name gets a line of its own
                print(name)
                name = ""
            texts = [(cells[f"{m}::{case.name}", b], widths[b]) for b in columns]
            print(_row(name, name_width, texts))
    failed = [r for r in report.results if r.status == "failed"]
    if failed:
        print("\nfailures:")
        for r in failed:
            print(f"  {r.id} on {r.backend}: {', '.join(r.failed_checks())}")
            lines = (r.reason or "").splitlines()
            for line in lines[:_DETAIL_LINES]:
                print(f"    {line}")
            if len(lines) > _DETAIL_LINES:
                print(
                    f"    ... ({len(lines) - _DETAIL_LINES} more lines: run the op's test, "
                    "or crossgrad.testing.optable.check_*, for all of it)"
                )
    for module, trace in report.broken_modules.items():
        print(f"\ncase module {module!r} failed to import:\n{trace}")
    print(("\n" if columns or failed else "") + report.summary())
    if report.seconds:
        print("time: " + ", ".join(f"{b} {t:.1f} s" for b, t in report.seconds.items()))


_DETAIL_LINES = 6
_NAME_WIDTH = 40  # longer case names get their own line, so the columns stay narrow
_SKIP_WIDTH = 40  # a skip reason longer than this is cut in the table (--json has it all)


def _row(name: str, name_width: int, cells: list[tuple[str, int]]) -> str:
    return "  ".join([name.ljust(name_width)] + [t.ljust(w) for t, w in cells]).rstrip()


def _cell(r: CaseResult) -> str:
    """``ok    fwd 2e-16  grad 3e-10  gg ok``; a value over its tolerance ends in ``!``."""
    if r.status == "skipped":
        text = f"skip: {r.reason}"
        return text if len(text) <= _SKIP_WIDTH else text[: _SKIP_WIDTH - 3] + "..."
    parts = ["ok" if r.status == "passed" else "FAIL"]
    for check, label in (("forward", "fwd"), ("grad", "grad")):
        m = r.measurements().get(check)
        if m is not None:
            parts.append(f"{label} {_number(m)}")
        elif check in r.skipped:
            parts.append(f"{label} skip")
        else:
            parts.append("")
    if r.gradgrad is not None:
        parts.append("gg ok" if r.gradgrad.passed else "gg FAIL")
    elif "gradgrad" in r.skipped:
        parts.append("gg skip")
    widths = (4, 10, 11)
    return "  ".join([p.ljust(w) for p, w in zip(parts, widths)] + parts[3:]).rstrip()


def _number(m: Measurement) -> str:
    flag = "" if m.passed else "!"
    if m.error is None:
        return "error" + flag
    return ("0" if m.error == 0 else f"{m.error:.0e}") + flag


class _Progress:
    """A one-line progress counter on a terminal's stderr, shown only once a run has taken
    long enough for a user to wonder (a slow backend's first compilations)."""

    DELAY_S = 2.0

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.shown = False
        self.enabled = stream.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.enabled or time.monotonic() - self.start < self.DELAY_S:
            return
        self.stream.write(f"\rchecking {done}/{total}: {label[:50]:50s}")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 72 + "\r")
            self.stream.flush()


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crossgrad", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="versions, backends, BLAS and plugins")
    check_parser = commands.add_parser(
        "check",
        help="check every op on every backend against NumPy and finite differences",
        description="Run crossgrad's op table on each backend: float64 forward against the "
        "NumPy reference, gradients against central differences, second-order gradients "
        "where the case allows. Exit status 1 on any failure.",
    )
    check_parser.add_argument(
        "--backends",
        type=_names,
        metavar="NAMES",
        help="comma-separated backends (default: every usable one)",
    )
    check_parser.add_argument(
        "--ops",
        type=_names,
        metavar="NAMES",
        help="comma-separated case modules (reduce), ops (sum) or case names (sum-dim1-keepdim)",
    )
    check_parser.add_argument(
        "--plugin",
        metavar="NAME",
        help="check an installed plugin's op cases and declared bad "
        "inputs instead (entry-point name, distribution or namespace)",
    )
    check_parser.add_argument(
        "--json", action="store_true", help="print one JSON object per case and backend instead"
    )
    demo_parser = commands.add_parser(
        "demo",
        help="train a classifier on scikit-learn's handwritten digits",
        description="Train an MLP (or a CNN) on the 1797 8x8 digits bundled with scikit-learn "
        "and report the test accuracy. Needs: pip install 'crossgrad[examples]'.",
    )
    demo.add_arguments(demo_parser)
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo.main(args)
    if args.command == "info":
        return info()
    if args.command == "check":
        return check(args.backends, args.ops, args.json, args.plugin)
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
