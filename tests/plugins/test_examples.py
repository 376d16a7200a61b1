"""The example plugins in plugins/, found through their real entry points once installed
(the README's install command installs both)."""

import subprocess
import sys

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
