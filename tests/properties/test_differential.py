"""Random op programs (crossgrad.testing.fuzz) on every backend: forward values against the
NumPy float64 reference, gradients against PyTorch where it is installed (else against
central differences of the reference), and every backend against crossgrad's NumPy one.

The ``ci`` hypothesis profile (the default) draws a fixed set of programs; run more with
``pytest tests/properties --hypothesis-profile=long``, or outside pytest with
``python -m crossgrad.testing.fuzz --programs 10000 --backends numpy,jax``.
"""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossgrad.testing import fuzz

try:
    import torch
except ImportError:
    torch = None

DOCS = Path(__file__).resolve().parents[2] / "docs" / "differences.md"


class _Hypothesis:
    """The draws ``fuzz.generate`` makes, through hypothesis (so failures shrink)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


def _assert_agrees(program: fuzz.Program, backend: str) -> None:
    found = fuzz.check(program, backend, torch)
    assert not found, f"program:\n{program}\n" + "\n".join(str(d) for d in found)


@given(data=st.data())
def test_random_programs_agree(backend, data):
    _assert_agrees(fuzz.generate(_Hypothesis(data), edge=False), backend)


@given(data=st.data())
def test_random_programs_with_zeros_infinities_and_nans_agree(backend, data):
    _assert_agrees(fuzz.generate(_Hypothesis(data), edge=True), backend)


def test_pytorch_is_there_to_compare_gradients_with():
    if torch is None:
        pytest.skip(
            "PyTorch is not installed: the differential tests compare gradients with "
            "central differences of the NumPy reference instead"
        )


def test_every_intentional_difference_is_documented():
    text = DOCS.read_text()
    for difference in fuzz.INTENTIONAL:
        assert difference.name in text, f"{difference.name!r} is missing from {DOCS.name}"


def test_the_checks_find_a_planted_bug(backend, monkeypatch):
    """A wrong gradient in one op is found (the suite can fail)."""
    program = fuzz.Program(
        [fuzz.np.array([0.5, -1.5, 2.0])], [fuzz.Step("tanh", (0,)), fuzz.Step("exp", (1,))]
    )
    assert fuzz.check(program, backend, torch) == []
    broken = dict(fuzz.OPS)
    broken["tanh"] = fuzz.OpKind(
        "tanh", 1, lambda m, x: x * 1.0, fuzz.OPS["tanh"].reference, fuzz.OPS["tanh"].params
    )
    monkeypatch.setattr(fuzz, "OPS", broken)
    found = fuzz.check(program, backend, torch)
    assert any(d.check == "forward" and d.op == "tanh" for d in found)
