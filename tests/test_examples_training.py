"""The training examples run on every backend and reach their metric."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run_example(name: str, backend: str) -> str:
    env = {**os.environ, "CROSSGRAD_BACKEND": backend}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _number(pattern: str, text: str) -> float:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in the output:\n{text}"
    return float(found.group(1))


def test_linear_regression_recovers_the_known_weights(backend):
    out = _run_example("linear_regression.py", backend)
    assert _number(r"max weight error ([\d.]+)", out) < 0.01
    assert _number(r"bias error ([\d.]+)", out) < 0.01


def test_two_layer_bce_separates_the_moons(backend):
    out = _run_example("two_layer_bce.py", backend)
    assert _number(r"training accuracy ([\d.]+)%", out) > 95.0


def test_examples_fail_on_an_unknown_backend():
    with pytest.raises(AssertionError, match="no-such-backend"):
        _run_example("linear_regression.py", "no-such-backend")


def test_lstm_sequence_learns_the_sign_of_the_sum(backend):
    out = _run_example("lstm_sequence.py", backend)
    assert _number(r"test accuracy ([\d.]+)%", out) > 85.0


def test_cnn_adam_finds_the_quadrant(backend):
    out = _run_example("cnn_adam.py", backend)
    assert _number(r"test accuracy ([\d.]+)%", out) > 90.0


def test_typed_training_example_learns_the_blobs_and_restores_the_model(backend):
    out = _run_example("typed_training.py", backend)
    accuracy = _number(r"\ntest accuracy ([\d.]+)%", out)
    assert accuracy > 90.0
    assert _number(r"restored model test accuracy ([\d.]+)%", out) == accuracy
