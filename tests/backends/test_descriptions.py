"""Backends describe themselves: crossgrad outside ``backends/`` learns a backend's name, its
arrays and how to install it from its attributes, and names no backend itself."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import crossgrad
from crossgrad.backends import BUILTIN_MODULES
from crossgrad.core.function import PORTABLE_KERNELS
from crossgrad.plugins import registry

SRC = Path(__file__).resolve().parents[2] / "src" / "crossgrad"
BUILTIN = registry.builtin_backend_names()

#: Files outside backends/ that may still spell a built-in backend's name, each with why.
NAMED_ELSEWHERE = {
    "cli.py": "'numpy' is there the distribution crossgrad depends on, listed with its version",
}


def _string_constants(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module, docstrings left out (their examples may name
    backends, as the docs do)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _backend_words() -> set[str]:
    words = set(BUILTIN)
    for name in BUILTIN:
        words |= set(registry.all_backends()[name].array_modules)
    return words


def test_the_built_in_backends_are_registered_whether_or_not_installed():
    assert BUILTIN == [m.rpartition(".")[2] for m in BUILTIN_MODULES] == ["numpy", "jax", "cupy"]


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(SRC.rglob("*.py")) if p.relative_to(SRC).parts[0] != "backends"],
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_no_module_outside_backends_names_a_backend(path):
    rel = path.relative_to(SRC).as_posix()
    words = _backend_words()
    found = [
        f"line {line}: {value!r}"
        for line, value in _string_constants(path)
        if value in words or any(f"'{w}'" in value or f'"{w}"' in value for w in words)
    ]
    if rel in NAMED_ELSEWHERE:
        assert found, f"{rel} names no backend any more: drop it from NAMED_ELSEWHERE"
        return
    assert not found, (
        f"{rel} names a backend ({'; '.join(found)}); ask the registry, or read the "
        "Backend's attributes (name, array_modules, host_arrays, install_hint)"
    )


def test_the_string_finder_can_fail(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""Doc of "jax"."""\nHOMES = {"cupy": 1}\n')
    assert _string_constants(module) == [(2, "cupy")]


@pytest.mark.parametrize("name", BUILTIN)
def test_each_built_in_backend_says_what_it_is_and_how_to_install_it(name):
    backend = registry.all_backends()[name]
    assert backend.name == name and backend.requires
    assert backend.install_hint.startswith("pip install ")
    assert backend.array_modules and backend.array_modules[0] == backend.requires


def test_only_numpy_arrays_are_host_data():
    hosts = [n for n, b in registry.all_backends().items() if b.host_arrays]
    assert hosts == ["numpy"]


def test_a_numpy_array_belongs_to_the_numpy_backend_and_a_list_to_none():
    assert registry.array_backend(np.zeros(2)).name == "numpy"
    assert registry.array_backend(np.float32(1)).name == "numpy"
    assert registry.array_backend([1.0]) is None and registry.array_backend(2.0) is None


def test_an_array_of_a_library_not_imported_belongs_to_no_backend():
    # A type that claims to come from CuPy, which is not imported: recognising it must
    # neither import CuPy nor trust the name alone.
    code = (
        "import sys, crossgrad\n"
        "from crossgrad.plugins import registry\n"
        "Fake = type('ndarray', (), {'__module__': 'cupy._core'})\n"
        "print(registry.array_backend(Fake()), 'cupy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["None", "False"]


def test_an_unusable_backend_error_gives_that_backends_install_hint(monkeypatch):
    backend = registry.all_backends()["cupy"]
    monkeypatch.setattr(backend, "unavailable_reason", lambda: "no CUDA device")
    with pytest.raises(crossgrad.BackendNotFoundError) as raised:
        crossgrad.get_backend("cupy")
    assert "  cupy: unusable: no CUDA device\n" in str(raised.value)
    assert str(raised.value).endswith(f"\nhint: {backend.install_hint}, or pick a usable one")


def test_an_unknown_backend_error_says_to_check_the_name():
    with pytest.raises(
        crossgrad.BackendNotFoundError,
        match="(?s)backend 'nope' is not usable.*hint: check the name, or install the plugin",
    ):
        crossgrad.get_backend("nope")


@pytest.mark.parametrize("name", BUILTIN)
def test_every_kernel_a_built_in_backend_overrides_is_a_kernel_of_an_op(name):
    # A fresh instance: the registered one also holds the kernels plugins gave it.
    kernels = type(registry.all_backends()[name])().kernels
    unknown = sorted(set(kernels) - set(PORTABLE_KERNELS))
    assert not unknown, f"backend {name!r} overrides kernels no op has: {unknown}"
