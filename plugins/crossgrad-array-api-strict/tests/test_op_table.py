"""crossgrad's whole op table on the array_api_strict backend.

Every row runs every check that applies to it (forward in float64 and float32, forward on
non-contiguous inputs, gradients, second-order gradients); a row the backend's
``known_gaps`` names is skipped with the reason. The gaps themselves are checked too: each
filter must still name a row, and each gapped check must still fail, so the list cannot rot.
"""

import crossgrad
import pytest
from crossgrad.testing import optable
from crossgrad.testing.consistency import known_gap, load_cases, parse_gap, select_cases

from crossgrad_array_api_strict import ArrayApiStrictBackend

NAME = "array_api_strict"
ROWS, BROKEN = load_cases()
GAPS = [
    pytest.param(key, reason, id=key)
    for key, reason in sorted(ArrayApiStrictBackend.known_gaps.items())
] or [
    pytest.param(
        None,
        None,
        id="none",
        marks=pytest.mark.skip(
            reason="no known gaps: every op-table row passes every check on array_api_strict"
        ),
    )
]


def _params() -> list:
    return [
        pytest.param(module, case, check, id=f"{module}::{case.name}-{check}")
        for module, case in ROWS
        for check in optable.applicable_checks(case)
    ]


@pytest.mark.parametrize("backend", [NAME], indirect=True)
@pytest.mark.parametrize(("module", "case", "check"), _params())
def test_op_table_row_passes(module, case, check, backend):
    reason = known_gap(module, case, backend, check)
    if reason is not None:
        pytest.skip(f"{case.name} ({check}): {reason}")
    optable.run_check(check, case)


def test_every_case_module_imports():
    assert not BROKEN, f"case modules that failed to import: {sorted(BROKEN)}"


def gapped_checks(key: str) -> list[tuple[str, object, str]]:
    """The ``(module, case, check)`` a ``known_gaps`` key names (``<filter>`` or
    ``<filter>:<check>``, as crossgrad's ``known_gap`` reads it); raises when it names no
    row."""
    selector, check = parse_gap(key)
    return [
        (module, case, c)
        for module, case in select_cases(ROWS, [selector])
        for c in optable.applicable_checks(case)
        if not check or c == check
    ]


def gap_still_fails(module: str, case, check: str) -> bool:
    """Whether ``check`` of ``case`` raises on this backend, as its known gap says."""
    with crossgrad.use_backend(NAME):
        try:
            optable.run_check(check, case)
        except Exception:  # noqa: BLE001 - any failure keeps the gap real
            return True
    return False


@pytest.mark.parametrize(("key", "reason"), GAPS)
def test_known_gap_names_an_op_table_check(key, reason):
    assert reason.strip(), f"known gap {key!r} gives no reason"
    assert gapped_checks(key), f"known gap {key!r} names no check of any row: drop it"


@pytest.mark.parametrize(("key", "reason"), GAPS)
def test_known_gap_still_fails(key, reason):
    passing = [
        f"{module}::{case.name} ({check})"
        for module, case, check in gapped_checks(key)
        if not gap_still_fails(module, case, check)
    ]
    assert not passing, f"known gap {key!r} no longer fails; remove it. Passing: {passing}"


# The two gap checks above parametrize over the real gaps (none today, see the README); these
# run them on made-up gaps, so that the checks themselves are known to work.


def test_a_filter_that_names_no_row_is_caught():
    from crossgrad.testing.consistency import UnknownNameError

    with pytest.raises(UnknownNameError):
        gapped_checks("no_such_op")
    assert [c for _, _, c in gapped_checks("elementwise::exp-0d:grad")] == ["grad"]
    assert [c for _, _, c in gapped_checks("exp-0d")] == ["forward", "float32", "grad", "gradgrad"]


def test_a_gap_on_a_passing_check_is_caught():
    (row,) = gapped_checks("exp-0d:forward")
    assert not gap_still_fails(*row)
