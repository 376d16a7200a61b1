"""The example plugins in plugins/, found through their real entry points once installed
(the README's install command installs both)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from crossgrad.plugins import registry


def _record(name: str):
    found = [r for r in registry.plugin_records() if r.name == name]
    if not found:
        pytest.skip(
            f"the example plugin {name!r} is not installed: "
            f"pip install -e ./plugins/crossgrad-{name.replace('_', '-')}"
        )
    return found[0]


def test_the_fused_plugin_registers_its_ops_and_kernels():
    record = _record("fused")
    assert (record.distribution, record.state, record.conflicts) == (
        "crossgrad-fused",
        "loaded",
        [],
    )
    ops = ["fused.rms_norm", "fused.swiglu", "fused.softmax_cross_entropy"]
    assert record.ops == ops
    kernels = [f"{b}:{op}" for op in ops for b in ("jax", "cupy")]
    kernels += [f"jax:{op}_backward" for op in ops]  # the chain-rule steps, jitted
    assert sorted(record.kernels) == sorted(kernels)
    assert not record.builtin


def test_crossgrad_info_and_check_show_the_fused_plugin():
    _record("fused")
    info = subprocess.run(
        [sys.executable, "-m", "crossgrad.cli", "info"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "      op fused.swiglu: silu(gate) * up, the SwiGLU feed-forward activation" in info
    assert (
        "      kernels on cupy: fused.rms_norm, fused.swiglu, fused.softmax_cross_entropy" in info
    )
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "crossgrad.cli",
            "check",
            "--plugin",
            "fused",
            "--backends",
            "numpy",
        ],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.splitlines()[-1].startswith("bad inputs: ")
    assert " 0 failed" in check.stdout.splitlines()[-1]


def test_the_array_api_strict_plugin_adds_a_backend():
    record = _record("array_api_strict")
    assert (record.distribution, record.state) == ("crossgrad-array-api-strict", "loaded")
    assert record.backends == ["array_api_strict"]
    assert "array_api_strict" in registry.all_backends()


EXAMPLES = Path(__file__).resolve().parents[2] / "plugins"


def _crossgrad_imports(path: Path) -> list[tuple[int, str]]:
    """Each ``crossgrad...`` module a file imports (lazy imports inside functions too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return [(line, name) for line, name in found if name.split(".")[0] == "crossgrad"]


def _uses_internals(path: Path) -> list[str]:
    return [
        f"{path.relative_to(EXAMPLES)}:{line}: {name}"
        for line, name in _crossgrad_imports(path)
        if name.startswith("crossgrad.core.") or name == "crossgrad.core"
    ]


@pytest.mark.parametrize(
    "path",
    sorted(EXAMPLES.glob("*/*/**/*.py")),
    ids=lambda p: str(p.relative_to(EXAMPLES)),
)
def test_the_example_plugins_import_nothing_from_crossgrad_core(path):
    bad = _uses_internals(path)
    assert not bad, (
        f"{', '.join(bad)}: crossgrad.core is internal; a plugin imports what it needs "
        "from crossgrad, crossgrad.plugins or crossgrad.testing"
    )


def test_the_internals_check_sees_every_kind_of_import(tmp_path):
    plugin = tmp_path / "plugin" / "src" / "p.py"
    plugin.parent.mkdir(parents=True)
    plugin.write_text(
        "import crossgrad.core.dtypes\n"
        "from crossgrad.core import errors\n"
        "from crossgrad.plugins import Backend\n"
        "def f():\n    from crossgrad.core.function import PORTABLE_KERNELS\n"
    )
    found = [name for _, name in _crossgrad_imports(plugin)]
    assert found == [
        "crossgrad.core.dtypes",
        "crossgrad.core.errors",
        "crossgrad.plugins.Backend",
        "crossgrad.core.function.PORTABLE_KERNELS",
    ]
