"""The README's programs and commands, and the examples, run as written."""

import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_ci_runs_exactly_the_readme_commands():
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    commands = [b.strip() for b in _blocks("bash")][:2]
    assert len(commands) == 2
    for command in commands:
        assert command in ci_lines


def test_readme_python_blocks_run_in_order():
    namespace: dict = {}
    for block in _blocks("python"):
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["x"].item() == 3.0
    assert namespace["dx"].item() == pytest.approx(27.0)
    assert namespace["dxx"].item() == pytest.approx(18.0)


def test_autograd_basics_example_updates_x_and_zeroes_grad(capsys):
    ns = runpy.run_path(str(ROOT / "examples" / "autograd_basics.py"))
    # d/dx ((x^2 + 1)/x - 1)^2 at x = (1, 2) is (0, 2.25)
    assert ns["x"].tolist() == pytest.approx([1.0, 2.0 - 0.01 * 2.25])
    assert ns["x"].grad.tolist() == [0.0, 0.0]
    assert ns["loss"].item() == pytest.approx(3.25)


def test_custom_function_example_gives_3x_squared():
    ns = runpy.run_path(str(ROOT / "examples" / "custom_function.py"))
    assert ns["x"].grad.tolist() == pytest.approx([3.0, 12.0, 27.0])


def test_second_derivative_example():
    ns = runpy.run_path(str(ROOT / "examples" / "second_derivative.py"))
    assert ns["dy"].item() == pytest.approx(27.0)
    assert ns["d2y"].item() == pytest.approx(18.0)


def test_crossgrad_info_lists_backends_and_blas():
    out = subprocess.run(
        [sys.executable, "-m", "crossgrad.cli", "info"], capture_output=True, text=True, check=True
    ).stdout
    assert "numpy" in out and "usable" in out and "blas" in out
