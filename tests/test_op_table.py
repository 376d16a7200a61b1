"""The op table: every OpCase row of crossgrad.testing.cases, checked on every backend.

Per row and backend: forward in float64 and float32 against the NumPy reference, forward on
non-contiguous inputs, gradients against central differences, and second-order gradients.
Ids read ``<module>::<case>-<backend>``; known gaps are ``skips`` data in the rows.
"""

import pytest

from crossgrad.testing import optable
from crossgrad.testing.consistency import known_gap, load_cases

# The same rows, in the same order, as `crossgrad check` runs.
_CASES, BROKEN = load_cases()
ROWS = [(f"{module}::{case.name}", case) for module, case in _CASES]
MODULE_OF = {id(case): module for module, case in _CASES}


def _params(check: str) -> list:
    return [
        pytest.param(case, id=row_id)
        for row_id, case in ROWS
        if check in optable.applicable_checks(case)
    ]


def _skip_if_known_gap(case, backend: str, check: str) -> None:
    reason = known_gap(MODULE_OF[id(case)], case, backend, check)
    if reason is not None:
        pytest.skip(f"{case.name} on {backend} ({check}): {reason}")


@pytest.mark.parametrize("case", _params("forward"))
def test_forward_float64_matches_reference(case, backend):
    _skip_if_known_gap(case, backend, "forward")
    optable.check_forward(case)


@pytest.mark.parametrize("case", _params("float32"))
def test_forward_float32_matches_reference(case, backend):
    _skip_if_known_gap(case, backend, "float32")
    optable.check_float32(case)


@pytest.mark.parametrize("case", _params("noncontiguous"))
def test_forward_on_noncontiguous_inputs_matches_reference(case, backend):
    _skip_if_known_gap(case, backend, "noncontiguous")
    optable.check_noncontiguous(case)


@pytest.mark.parametrize("case", _params("grad"))
def test_gradients_match_finite_differences(case, backend):
    _skip_if_known_gap(case, backend, "grad")
    optable.check_grad(case)


@pytest.mark.parametrize("case", _params("gradgrad"))
def test_second_order_gradients_match_finite_differences(case, backend):
    _skip_if_known_gap(case, backend, "gradgrad")
    optable.check_gradgrad(case)


@pytest.mark.parametrize("module", sorted(BROKEN) or [pytest.param(None, id="all")])
def test_case_module_imports(module):
    if module is not None:
        pytest.fail(
            f"tests/op_cases/{module}.py failed to import:\n{BROKEN[module]}", pytrace=False
        )


def test_case_ids_are_unique():
    ids = [row_id for row_id, _ in ROWS]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"op cases with the same module::name: {duplicates}"


def test_table_has_rows_for_the_elementwise_ops():
    assert sum(row_id.startswith("elementwise::") for row_id, _ in ROWS) >= 20
