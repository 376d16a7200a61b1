"""The import direction of ARCHITECTURE.md, checked on the source with ast.

core imports nothing else of crossgrad; ops -> core, plugins; the Tensor surface
(_tensor.py) -> ops, core; backends -> core; plugins -> core, backends; nn, optim -> the
Tensor surface, ops, core; testing, cli -> anything. Lazy imports inside functions count too:
they are still dependencies. Imports under ``if TYPE_CHECKING:`` do not: they never run, and
they are how core and ops name the public ``Tensor`` type in annotations.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "crossgrad"

#: What each top-level part of the package may import from crossgrad (besides itself).
ALLOWED = {
    "core": set(),
    "ops": {"core", "plugins"},
    "_tensor": {"ops", "core"},
    "backends": {"core"},
    "plugins": {"core", "backends"},
    "nn": {"_tensor", "ops", "core"},
    "optim": {"_tensor", "ops", "core"},
    "utils": {"_tensor", "ops", "core"},
    "serialization": {"_tensor", "ops", "core"},
}
#: Parts that may import anything: the public surface and the tools built on it.
UNRESTRICTED = {"__init__", "autograd", "testing", "cli", "demo", "__main__"}

#: Known exceptions, each with its reason. Keep this list short and each entry explained.
EXCEPTIONS: set[tuple[str, str]] = set()


def _part(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_parts(path: Path, source: str | None = None) -> set[str]:
    """The parts of crossgrad (``core``, ``ops``, ...) the module at ``path`` imports."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names = [f"{module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "crossgrad" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if _part(p) not in UNRESTRICTED)

#: Violations found and reported to the lead, to be fixed in the core: expected failures.
KNOWN_VIOLATIONS: dict[str, str] = {}


def _module_params() -> list:
    params = []
    for p in MODULES:
        rel = str(p.relative_to(SRC))
        marks = (
            [pytest.mark.xfail(strict=True, reason=KNOWN_VIOLATIONS[rel])]
            if rel in KNOWN_VIOLATIONS
            else []
        )
        params.append(pytest.param(p, id=rel, marks=marks))
    return params


def test_the_checked_parts_exist():
    parts = {_part(p) for p in MODULES}
    assert {"core", "ops", "backends", "plugins"} <= parts


@pytest.mark.parametrize("path", _module_params())
def test_module_imports_only_what_its_layer_may(path):
    part = _part(path)
    assert part in ALLOWED, f"{part}/ is not in ARCHITECTURE.md's import rule; add it here"
    rel = str(path.relative_to(SRC))
    bad = sorted(
        p for p in _imported_parts(path) - {part} - ALLOWED[part] if (rel, p) not in EXCEPTIONS
    )
    allowed = ", ".join(sorted(ALLOWED[part])) or "nothing else of crossgrad"
    assert not bad, (
        f"{rel} imports {', '.join('crossgrad.' + b for b in bad)}, but "
        f"{part}/ may import only {allowed}"
    )


def test_import_checker_sees_lazy_relative_and_from_package_imports():
    # The checker must be able to fail: each of these imports counts.
    source = (
        "def f():\n    from crossgrad.ops import creation\n"
        "from ..nn import functional\n"
        "from crossgrad import optim\n"
        "import crossgrad.backends.numpy\n"
    )
    found = _imported_parts(SRC / "core" / "example.py", source)
    assert found == {"ops", "nn", "optim", "backends"}


def test_import_checker_skips_only_type_checking_blocks():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from crossgrad._tensor import Tensor\n"
        "if True:\n    from crossgrad import nn\n"
    )
    assert _imported_parts(SRC / "core" / "example.py", source) == {"nn"}


def test_exceptions_are_still_needed():
    for rel, part in EXCEPTIONS:
        assert part in _imported_parts(SRC / rel), f"{rel} no longer imports {part}: drop it"


def test_import_crossgrad_imports_neither_jax_nor_cupy():
    code = (
        "import sys, crossgrad; crossgrad.tensor([1.0]).sum(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib', "
        "'cupy')))"
    )
    # With the default backend: CROSSGRAD_BACKEND=jax rightly imports JAX for the tensor.
    env = {k: v for k, v in os.environ.items() if k != "CROSSGRAD_BACKEND"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"
