"""The conformance kit: a plugin's few-line test file and `crossgrad check --plugin`."""

import pytest

TEST_FILE = """
from crossgrad.testing.conformance import conformance_tests

TestToy = conformance_tests("toy")
"""

# A planted bug: the plugin's NumPy kernel is wrong by 1e-3 (JAX runs the right portable one).
WRONG_KERNEL = """
def double(xp, x):
    return 2.002 * x
"""


def _pytest(site, *args):
    (site.root / "test_toy_conformance.py").write_text(TEST_FILE)
    return site.command(
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfs", "test_toy_conformance.py", *args
    )


@pytest.mark.usefixtures("needs_jax")
def test_a_plugins_three_line_test_file_runs_every_check_on_every_backend(toy):
    done = _pytest(toy, "--backends=numpy,jax")
    assert done.returncode == 0, done.stdout + done.stderr
    # 2 cases x (forward, float32, grad, gradgrad) x 2 backends, the 2-D case's
    # noncontiguous check x 2 backends, 2 agreement checks, 1 declared bad input,
    # loaded-without-conflicts and every-op-has-cases.
    assert "23 passed" in done.stdout.splitlines()[-1]


@pytest.mark.usefixtures("needs_jax")
def test_the_kit_fails_a_wrong_kernel_and_names_the_case_and_backend(toy):
    (toy.root / "toy_kernels.py").write_text(WRONG_KERNEL)
    done = _pytest(toy, "--backends=numpy,jax")
    assert done.returncode == 1
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    assert any("test_forward[toy.double::double-2d-numpy]" in line for line in failed)
    assert any("test_backends_agree[toy.double::double-1d]" in line for line in failed)
    assert not any("-jax]" in line for line in failed)


@pytest.mark.usefixtures("needs_jax")
def test_the_kit_fails_an_error_that_differs_between_backends(toy):
    impl = toy.root / "toy_impl.py"
    impl.write_text(
        impl.read_text().replace(
            'f"received x.shape={x.shape}"', 'f"received x.shape={x.shape} on {x.backend}"'
        )
    )
    done = _pytest(toy, "--backends=numpy,jax", "-k", "error_parity")
    assert done.returncode == 1
    assert (
        "jax raised ShapeError: 'toy.double: needs at least one dimension, received "
        "x.shape=() on jax" in done.stdout
    )
    assert "but numpy raised ShapeError: " in done.stdout
    assert "the same bad input must give the same class and message on every backend" in done.stdout


@pytest.mark.usefixtures("needs_jax")
def test_crossgrad_check_plugin_runs_the_cases_and_the_bad_inputs(toy):
    done = toy.command(
        "-m", "crossgrad.cli", "check", "--plugin", "toy-dist", "--backends", "numpy,jax"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "toy.double" in lines
    assert "2 cases x 2 backends: 4 passed, 0 failed, 0 skipped" in lines
    assert lines[-1].startswith("bad inputs: 1 case: 2 passed, 0 failed, 0 skipped")


def test_crossgrad_check_plugin_exits_1_on_a_wrong_kernel(toy):
    (toy.root / "toy_kernels.py").write_text(WRONG_KERNEL)
    done = toy.command("-m", "crossgrad.cli", "check", "--plugin", "toy", "--backends", "numpy")
    assert done.returncode == 1
    assert "toy.double::double-2d on numpy: forward" in done.stdout


def test_crossgrad_check_plugin_names_the_installed_plugins_for_an_unknown_name(toy):
    done = toy.command("-m", "crossgrad.cli", "check", "--plugin", "nope")
    assert done.returncode == 2
    assert "no installed crossgrad plugin is called 'nope'" in done.stderr
    assert "toy (toy-dist 2.5, loaded)" in done.stderr


def test_crossgrad_check_plugin_json_has_the_cases_and_the_bad_inputs(toy):
    import json

    done = toy.command(
        "-m", "crossgrad.cli", "check", "--plugin", "toy", "--backends", "numpy", "--json"
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["id"], r["status"]) for r in rows] == [
        ("toy.double::double-2d", "passed"),
        ("toy.double::double-1d", "passed"),
        ("toy.double::double-0d", "passed"),
    ]
    assert rows[-1]["kind"] == "error" and rows[-1]["raised"] == "ShapeError"
