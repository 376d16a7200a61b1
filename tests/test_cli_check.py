"""`crossgrad check`: the op table on each backend, as a table, JSON and an exit status."""

import json
import subprocess
import sys

import pytest

import crossgrad
from crossgrad.cli import main


def test_check_passes_and_prints_a_row_per_case_and_a_summary(capsys):
    status = main(["check", "--backends", "numpy", "--ops", "exp,sum-all"])
    out = capsys.readouterr().out
    assert status == 0
    assert "numpy" in out.splitlines()[0]
    assert any(line.split()[:2] == ["exp", "ok"] for line in out.splitlines())
    assert any(line.split()[:2] == ["sum-all", "ok"] for line in out.splitlines())
    assert "expm1" not in out  # `exp` selects exp and exp-*, not other ops starting with exp
    assert "5 cases x 1 backend: 5 passed, 0 failed, 0 skipped" in out


def test_a_wrong_kernel_fails_the_check_and_names_the_case(capsys, monkeypatch):
    numpy_backend = crossgrad.get_backend("numpy")
    monkeypatch.setitem(numpy_backend.kernels, "exp", lambda xp, x: xp.exp(x) * 1.01)
    status = main(["check", "--backends", "numpy", "--ops", "exp"])
    out = capsys.readouterr().out
    assert status != 0
    rows = [line.split() for line in out.splitlines()]
    assert ["exp", "FAIL", "fwd", "2e-02!"] == next(r for r in rows if r[:1] == ["exp"])[:4]
    assert "elementwise::exp on numpy: forward" in out
    assert "Values are not close" in out
    assert "failed" in out.splitlines()[-2] and " 0 failed" not in out


def test_a_wrong_backward_kernel_fails_the_grad_check(capsys, monkeypatch):
    numpy_backend = crossgrad.get_backend("numpy")
    monkeypatch.setitem(
        numpy_backend.kernels, "tanh_backward", lambda xp, g, y: g * (1 - y * y) * 1.01
    )
    status = main(["check", "--backends", "numpy", "--ops", "elementwise::tanh"])
    out = capsys.readouterr().out
    assert status == 1
    row = next(line.split() for line in out.splitlines() if line.split()[:1] == ["tanh"])
    assert row[:3] == ["tanh", "FAIL", "fwd"] and row[5].endswith("!")
    assert "elementwise::tanh on numpy: grad" in out
    assert "Jacobian mismatch" in out


def test_json_lists_one_object_per_case_and_backend(capsys):
    status = main(["check", "--backends", "numpy", "--ops", "exp-0d,sum-int", "--json"])
    results = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [(r["id"], r["backend"], r["status"]) for r in results] == [
        ("elementwise::exp-0d", "numpy", "passed"),
        ("reduce::sum-int", "numpy", "passed"),
    ]
    assert results[0]["grad"]["status"] == "passed"
    assert 0 < results[0]["grad"]["max_abs_error"] < 1e-6
    assert results[1]["grad"]["status"] is None  # integer input: no gradient to check


def test_unknown_backend_exits_2_listing_the_valid_names(capsys):
    status = main(["check", "--backends", "numpy,nosuch", "--ops", "exp"])
    err = capsys.readouterr().err
    assert status == 2
    assert "unknown crossgrad backend(s): 'nosuch'" in err
    assert "numpy" in err.split("Valid names:")[1]


def test_an_op_filter_that_selects_nothing_exits_2_with_close_names(capsys):
    status = main(["check", "--backends", "numpy", "--ops", "expp"])
    err = capsys.readouterr().err
    assert status == 2
    assert "'expp' matches no op case" in err
    assert "exp" in err.split("Close op names:")[1]


def test_a_named_unusable_backend_is_shown_as_skipped_with_the_reason(capsys, monkeypatch):
    numpy_backend = crossgrad.get_backend("numpy")
    monkeypatch.setattr(numpy_backend, "unavailable_reason", lambda: "broken on purpose")
    status = main(["check", "--backends", "numpy", "--ops", "exp-0d"])
    out = capsys.readouterr().out
    assert status == 0
    assert "numpy: skipped, unusable here: broken on purpose" in out
    assert "1 case x 1 backend: 0 passed, 0 failed, 1 skipped" in out


def test_the_console_command_runs_the_check():
    done = subprocess.run(
        [sys.executable, "-m", "crossgrad.cli", "check", "--backends", "numpy", "--ops", "tanh"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "tanh-3d" in done.stdout
    assert "0 failed" in done.stdout.splitlines()[-2]
    assert done.stderr == ""


@pytest.mark.parametrize("argv", [["check", "--help"], ["info"]])
def test_the_other_commands_still_work(argv, capsys):
    try:
        status = main(argv)
    except SystemExit as e:  # --help exits through argparse
        status = e.code
    assert status == 0
    assert capsys.readouterr().out
