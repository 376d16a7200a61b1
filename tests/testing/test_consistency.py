"""The consistency suite behind `crossgrad check`: case selection, skips, and the report."""

import numpy as np
import pytest

import crossgrad
from crossgrad.testing import Arg, OpCase
from crossgrad.testing.consistency import (
    UnknownNameError,
    check_case,
    check_consistency,
    load_cases,
    select_cases,
)

ROWS, BROKEN = load_cases()


def _names(rows):
    return [case.name for _, case in rows]


def test_every_case_module_loads_in_catalogue_order():
    assert not BROKEN
    modules = list(dict.fromkeys(m for m, _ in ROWS))
    assert modules[:2] == ["elementwise", "reduce"]


def test_an_op_name_selects_its_cases_but_not_longer_op_names():
    names = _names(select_cases(ROWS, ["exp"]))
    assert "exp" in names and "exp-0d" in names
    assert "expm1" not in names


def test_a_module_name_and_a_qualified_name_select_cases():
    assert {m for m, _ in select_cases(ROWS, ["linalg"])} == {"linalg"}
    assert _names(select_cases(ROWS, ["reduce::sum-all"])) == ["sum-all"]


def test_selection_keeps_table_order_without_duplicates():
    names = _names(select_cases(ROWS, ["sum-all", "exp", "exp-0d"]))
    assert names.index("exp") < names.index("sum-all")
    assert names.count("exp-0d") == 1


def test_a_filter_that_selects_nothing_is_an_error():
    with pytest.raises(UnknownNameError, match="'nosuchop' matches no op case"):
        select_cases(ROWS, ["nosuchop"])


def test_skip_data_skips_the_case_or_one_check():
    whole = OpCase("w", crossgrad.exp, np.exp, [Arg((2,))], skips={"numpy": "known gap"})
    result = check_case("m", whole, "numpy")
    assert (result.status, result.reason) == ("skipped", "known gap")
    one = OpCase("o", crossgrad.exp, np.exp, [Arg((2,))], skips={"*:gradgrad": "slow"})
    result = check_case("m", one, "numpy")
    assert result.status == "passed"
    assert result.gradgrad is None and result.skipped == {"gradgrad": "slow"}
    assert result.to_dict()["gradgrad"]["status"] == "skipped"


def test_an_op_that_raises_is_a_failure_not_a_crash():
    def broken(x):
        raise RuntimeError("kernel exploded")

    result = check_case("m", OpCase("boom", broken, np.exp, [Arg((2,))]), "numpy")
    assert result.status == "failed"
    assert "forward" in result.failed_checks()
    assert "RuntimeError: kernel exploded" in result.reason


def test_report_counts_and_summarises():
    report = check_consistency(backends=["numpy"], ops=["exp-0d", "sum-all"])
    assert report.ok
    assert report.summary() == "2 cases x 1 backend: 2 passed, 0 failed, 0 skipped"
    assert set(report.seconds) == {"numpy"}


def test_unknown_backend_is_an_error_listing_the_valid_names():
    with pytest.raises(UnknownNameError, match=r"'nosuch'.*Valid names: .*numpy"):
        check_consistency(backends=["nosuch"], ops=["exp"])
