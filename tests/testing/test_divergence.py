"""locate_divergence: the first op where two backends disagree, with its source line."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import crossgrad
import crossgrad.nn.functional as F
from crossgrad.plugins import registry
from crossgrad.testing import locate_divergence

# The planted backends (`plant`) and `mlp_data` come from tests/conftest.py.


def model(x: Any, w1: Any, b1: Any, w2: Any, b2: Any, target: Any) -> Any:
    h = F.relu(F.linear(x, w1, b1))
    h = crossgrad.tanh(F.linear(h, w2, b2))
    return F.cross_entropy(h * 2.0, target)


def line_of(fn: Any, text: str) -> int:
    """The line number of the line of ``fn`` containing ``text``."""
    lines, start = inspect.getsourcelines(fn)
    (offset,) = [i for i, line in enumerate(lines) if text in line]
    return start + offset


def wrong_tanh(xp: Any, x: Any) -> Any:
    return np.tanh(x) * (1 + 1e-3)  # 0.1% off: far beyond float32 tolerance


def wrong_relu_backward(xp: Any, g: Any, y: Any) -> Any:
    return g * (y >= 0)  # `>=` for `>`: lets the gradient through where relu gave 0


OTHER_BACKENDS = [n for n in registry.all_backends() if n != "numpy"]


@pytest.mark.parametrize("other", OTHER_BACKENDS)
def test_backends_agree_on_a_correct_model(other, mlp_data):
    why = registry.all_backends()[other].unavailable_reason()
    if why is not None:
        pytest.skip(f"backend {other!r} is unusable: {why}")
    report = locate_divergence(model, *mlp_data, backends=("numpy", other))
    assert not report.found and not report
    assert report.first is None
    assert str(report).startswith(
        f"no divergence between numpy and {other}: 10 ops agree forward, "
    )


def test_planted_forward_bug_is_located_at_its_op_and_line(plant, mlp_data):
    planted = plant("numpy-planted", tanh=wrong_tanh)
    report = locate_divergence(model, *mlp_data, backends=("numpy", planted))
    assert report.found
    first = report.first
    assert (first.kind, first.op.name, first.what) == ("forward", "tanh", "output 0")
    assert first.op.source.file == __file__
    assert first.op.source.line == line_of(model, "crossgrad.tanh(")
    assert first.op.source.code == "h = crossgrad.tanh(F.linear(h, w2, b2))"
    # Lockstep: the ops after tanh get numpy's values, so none of them is blamed.
    assert [d.op.name for d in report.divergences if d.kind == "forward"] == ["tanh"]
    assert [op.name for op in report.ops[: first.op.index]] == [
        "permute",
        "matmul",
        "add",
        "relu",
        "permute",
        "matmul",
        "add",
    ]
    va, vb = first.values
    assert vb == pytest.approx(va * 1.001, rel=1e-6)
    assert first.shape == (8, 3) and first.dtype == "float32"


def test_planted_forward_bug_report_reads_as_one_line_per_fact(plant, mlp_data):
    planted = plant("numpy-planted", tanh=wrong_tanh)
    text = str(locate_divergence(model, *mlp_data, backends=("numpy", planted)))
    line = line_of(model, "crossgrad.tanh(")
    head = text.splitlines()[0]
    assert head.startswith("first divergence (numpy vs numpy-planted): op 'tanh' #7 at ")
    assert head.endswith(
        f"test_divergence.py:{line} `h = crossgrad.tanh(F.linear(h, w2, b2))`:"
        " forward output 0 differs"
    )
    assert "shape (8, 3) float32:" in text and "numpy=" in text and "numpy-planted=" in text


def test_planted_backward_bug_is_located_at_the_op_whose_backward_is_wrong(plant, mlp_data):
    planted = plant("numpy-badgrad", relu_backward=wrong_relu_backward)
    report = locate_divergence(model, *mlp_data, backends=("numpy", planted))
    assert [d.kind for d in report.divergences] == ["backward"]  # the forward agrees
    first = report.first
    assert first.op.name == "relu"
    assert first.op.source.line == line_of(model, "F.relu(")
    # relu's backward computes the gradient of its input: the output of linear's add.
    assert first.what == "gradient of the output of 'add' #2"
    a, b = first.values
    assert a == 0.0 and b != 0.0
    assert "backward of op 'relu' #3 at " in str(report)


def test_value_read_by_two_ops_names_both_as_suspects(plant):
    def f(x: Any) -> Any:
        return (F.relu(x) * x.exp()).sum()

    planted = plant("numpy-badgrad", relu_backward=wrong_relu_backward)
    x = np.array([-1.0, 0.5, 2.0], np.float32)
    first = locate_divergence(f, x, backends=("numpy", planted)).first
    assert first.what == "gradient of input 0"
    assert [op.name for op in first.ops] == ["relu", "exp"]


def test_different_op_sequences_are_reported_as_a_structural_divergence(plant):
    def f(x: Any) -> Any:
        y = x.exp() if x.backend == "numpy" else x.sin()
        return y.sum()

    planted = plant("numpy-other")
    report = locate_divergence(f, np.ones(2, np.float32), backends=("numpy", planted))
    assert report.first.kind == "structure"
    assert report.first.what == "op #0 is 'sin' on numpy-other but 'exp' on numpy"


def test_integer_inputs_are_constants_and_their_ops_compared_exactly(plant):
    def f(x: Any, idx: Any) -> Any:
        return (x * (idx + 1)).sum()

    report = locate_divergence(f, np.ones(3, np.float32), np.arange(3), backends=("numpy", "numpy"))
    assert not report
    assert report.n_grads == 3  # x, x * (idx + 1) and the sum; idx + 1 has none


def test_unknown_backend_raises_backend_not_found():
    with pytest.raises(crossgrad.BackendNotFoundError, match="backend 'nope' is not usable"):
        locate_divergence(lambda t: t.sum(), np.ones(2), backends=("numpy", "nope"))


def test_backends_must_be_a_pair():
    with pytest.raises(ValueError, match="backends must name two backends"):
        locate_divergence(lambda t: t.sum(), np.ones(2), backends=("numpy",))


def test_observer_is_removed_even_when_the_function_raises():
    from crossgrad.core import function

    def f(t: Any) -> Any:
        t.exp()
        raise RuntimeError("model bug")

    with pytest.raises(RuntimeError, match="model bug"):
        locate_divergence(f, np.ones(2), backends=("numpy", "numpy"))
    assert function.OBSERVERS == []


def test_docs_worked_examples_run_and_print_what_the_page_shows(capsys):
    doc = Path(__file__).resolve().parents[2] / "docs" / "cross-backend.md"
    text = doc.read_text()
    namespace: dict[str, Any] = {}
    backends = registry.all_backends()
    try:
        for match in re.finditer(r"```python\n(.*?)```", text, flags=re.S):
            # Padded to its line in the page, so the reported source lines point into it.
            padding = "\n" * text.count("\n", 0, match.start(1))
            exec(compile(padding + match.group(1), str(doc), "exec"), namespace)
    finally:
        backends.pop("numpy-planted", None)
    out = capsys.readouterr().out
    assert "\nPASSED\n" in out
    assert "FAILED: 6 row(s) on numpy-planted" in out
    assert (
        "first divergence (numpy vs numpy-planted): op 'tanh' #4 at " in out
        and "`logits = F.linear(crossgrad.tanh(h), w2, b2)`: forward output 0 differs" in out
    )


def test_by_default_the_reference_is_compared_with_the_first_other_usable_backend(monkeypatch):
    monkeypatch.setattr(registry, "usable_backends", lambda: ["numpy", "numpy2"])
    with pytest.raises(crossgrad.BackendNotFoundError, match="backend 'numpy2' is not usable"):
        locate_divergence(lambda t: t.sum(), np.ones(2))
    monkeypatch.setattr(registry, "usable_backends", lambda: ["numpy"])
    with pytest.raises(
        crossgrad.BackendNotFoundError, match="locate_divergence: no backend but numpy is usable"
    ):
        locate_divergence(lambda t: t.sum(), np.ones(2))
