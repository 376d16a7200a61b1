"""assert_close: what passes, what fails, and what the failure report says."""

import re

import numpy as np
import pytest

import crossgrad
from crossgrad.testing import assert_close, default_tolerances
from crossgrad.testing.compare import DEFAULT_TOLERANCES, DEVICE_FACTORS


def test_equal_tensors_pass(backend):
    assert_close(crossgrad.tensor([1.0, 2.0]), crossgrad.tensor([1.0, 2.0]))


def test_tensor_against_numpy_list_and_scalar(backend):
    t = crossgrad.tensor([1.0, 2.0], dtype=crossgrad.float64)
    assert_close(t, np.array([1.0, 2.0]))
    assert_close(t, [1.0, 2.0])
    assert_close(crossgrad.tensor(3.0), 3.0)


def test_tensor_that_requires_grad_is_compared_by_value(backend):
    x = crossgrad.tensor([1.0], requires_grad=True)
    assert_close(x * 2.0, [2.0])


def test_values_within_float32_tolerance_pass_and_beyond_fail():
    base = np.float32(1.0)
    assert_close(np.array([base]), np.array([base + np.float32(1e-6)]))
    with pytest.raises(AssertionError, match="1 of 1 elements mismatch"):
        assert_close(np.array([base]), np.array([1.001], dtype=np.float32))


def test_float64_default_is_tighter_than_float32():
    assert_close(np.float32(1.0), np.float32(1.0 + 1e-6))
    with pytest.raises(AssertionError):
        assert_close(np.float64(1.0), np.float64(1.0 + 1e-6))


def test_the_less_precise_dtype_decides_the_tolerance():
    assert_close(np.array([1.0], dtype=np.float16), np.array([1.0004]))
    with pytest.raises(AssertionError):
        assert_close(np.array([1.0], dtype=np.float64), np.array([1.0004]))


def test_explicit_tolerances_override_the_defaults():
    assert_close(np.array([1.0]), np.array([1.1]), rtol=0.2, atol=0)
    with pytest.raises(AssertionError, match=r"rtol=0\.01"):
        assert_close(np.array([1.0]), np.array([1.1]), rtol=0.01, atol=0)


def test_only_atol_given_keeps_the_default_rtol():
    with pytest.raises(AssertionError, match=r"atol=0\.5.*rtol=1e-07"):
        assert_close(np.array([10.0]), np.array([11.0]), atol=0.5)


def test_shape_mismatch_reports_both_shapes():
    with pytest.raises(
        AssertionError, match=re.escape("actual.shape=(2, 3), expected.shape=(3, 2)")
    ):
        assert_close(np.zeros((2, 3)), np.zeros((3, 2)))


def test_scalar_and_one_element_array_differ_in_shape():
    with pytest.raises(AssertionError, match=r"actual.shape=\(1,\), expected.shape=\(\)"):
        assert_close(np.array([1.0]), 1.0)


def test_report_names_count_worst_index_values_and_differences():
    actual = np.zeros((3, 4))
    expected = np.zeros((3, 4))
    expected[0, 1] = 1e-3
    expected[2, 3] = 0.5
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, msg="forward of foo")
    text = str(info.value)
    assert text.startswith("forward of foo\n")
    assert "2 of 12 elements mismatch (16.7%)" in text
    assert "index (2, 3)" in text
    assert "actual=0.0, expected=0.5" in text
    assert "abs diff=0.5 (atol=1e-10)" in text
    assert "rel diff=1 (rtol=1e-07)" in text


def test_nan_equals_nan_only_where_both_are_nan():
    assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    with pytest.raises(AssertionError, match=r"index \(0,\): actual=nan, expected=1.0"):
        assert_close(np.array([np.nan, 1.0]), np.array([1.0, 1.0]))
    with pytest.raises(AssertionError, match=r"actual=1.0, expected=nan"):
        assert_close(np.array([1.0]), np.array([np.nan]))


def test_infinities_match_only_with_the_same_sign():
    assert_close(np.array([np.inf, -np.inf]), np.array([np.inf, -np.inf]))
    with pytest.raises(AssertionError, match="mismatch"):
        assert_close(np.array([np.inf]), np.array([-np.inf]))
    with pytest.raises(AssertionError, match=r"abs diff=inf"):
        assert_close(np.array([np.inf]), np.array([1.0]))


def test_integers_are_compared_exactly(backend):
    assert_close(crossgrad.tensor([1, 2, 3]), np.array([1, 2, 3]))
    with pytest.raises(AssertionError, match=r"actual=3, expected=4.*\n.*atol=0"):
        assert_close(crossgrad.tensor([1, 2, 3]), np.array([1, 2, 4]))


def test_bools_are_compared_exactly(backend):
    assert_close(crossgrad.tensor([True, False]), np.array([True, False]))
    with pytest.raises(AssertionError, match="actual=False, expected=True"):
        assert_close(crossgrad.tensor([True, False]), np.array([True, True]))


def test_tuples_are_compared_item_by_item():
    assert_close((np.ones(2), np.zeros(3)), (np.ones(2), np.zeros(3)))
    with pytest.raises(AssertionError, match=r"In item \[1\]:\n.*1 of 3"):
        assert_close((np.ones(2), np.zeros(3)), (np.ones(2), np.array([0.0, 0.0, 1.0])))


def test_tuples_of_different_length_fail():
    with pytest.raises(AssertionError, match=r"len\(actual\)=2, expected=1"):
        assert_close((np.ones(1), np.ones(1)), (np.ones(1),))


def test_empty_arrays_of_the_same_shape_pass():
    assert_close(np.zeros((0, 3)), np.zeros((0, 3)))


def test_default_tolerances_table():
    assert default_tolerances("float32") == DEFAULT_TOLERANCES["float32"] == (1.3e-6, 1e-5)
    assert default_tolerances(crossgrad.float16) == (1e-3, 1e-5)
    assert default_tolerances(np.dtype("float64")) == DEFAULT_TOLERANCES["float64"]
    assert default_tolerances("int64") == (0.0, 0.0)


def test_device_factor_loosens_defaults_on_accelerators():
    rtol, atol = DEFAULT_TOLERANCES["float32"]
    factor = DEVICE_FACTORS["cuda"]
    assert factor > 1
    assert default_tolerances("float32", "cuda:1") == (rtol * factor, atol * factor)
    assert default_tolerances("float32", "cpu") == (rtol, atol)
