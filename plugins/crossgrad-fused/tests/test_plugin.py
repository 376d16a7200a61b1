"""The entry point registers the three ops and their kernels by reference, imports nothing
heavy, and every reference it holds resolves; the ops' docstring examples run."""

import doctest
import subprocess
import sys

import crossgrad
from crossgrad.plugins import get_portable_kernel
from crossgrad.plugins.specs import resolve

import crossgrad_fused.ops
from crossgrad_fused import plugin

OPS = ["fused.rms_norm", "fused.swiglu", "fused.softmax_cross_entropy"]


def test_entry_point_imports_no_array_library_and_no_op_code():
    code = (
        "import sys, crossgrad_fused.plugin as p; p.crossgrad_ops(); p.crossgrad_kernels(); "
        "print(sorted(m for m in ('jax', 'cupy', 'crossgrad_fused.ops', "
        "'crossgrad_fused.jax_kernels', 'crossgrad_fused.cupy_kernels') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ops_are_declared_with_cases_and_errors():
    specs = plugin.crossgrad_ops()
    assert [s.name for s in specs] == OPS
    for spec in specs:
        assert callable(resolve(spec.function, spec.name))
        assert len(resolve(spec.cases, spec.name)) >= 4
        assert len(resolve(spec.errors, spec.name)) >= 3
        assert spec.summary


def test_kernels_are_declared_by_reference_for_ops_and_jax_backward_steps():
    specs = plugin.crossgrad_kernels()
    expected = [(op, b) for op in OPS for b in ("jax", "cupy")]
    expected += [(op + "_backward", "jax") for op in OPS]  # CuPy runs the portable ones
    assert sorted((s.op, s.backend) for s in specs) == sorted(expected)
    assert all(isinstance(s.kernel, str) and not s.override for s in specs)


def test_each_op_declares_its_backward_kernel_and_its_code_defines_it():
    for spec in plugin.crossgrad_ops():
        assert spec.kernels == (spec.name + "_backward",)
        for name in (spec.name, *spec.kernels):
            assert callable(get_portable_kernel(name))  # crossgrad_fused.ops is imported


def test_docstring_examples_run():
    # The examples show NumPy's reprs, whatever CROSSGRAD_BACKEND says.
    with crossgrad.use_backend("numpy"):
        result = doctest.testmod(crossgrad_fused.ops, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 3
    assert result.failed == 0
