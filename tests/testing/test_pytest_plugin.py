"""The pytest plugin: the backend fixture, its skips, and narrowing the backend list."""

import pytest

from crossgrad.backends.base import Backend
from crossgrad.plugins import registry
from crossgrad.testing import pytest_plugin

CONFTEST = 'pytest_plugins = ["crossgrad.testing.pytest_plugin"]\n'

TESTS = """
import crossgrad

def test_runs_inside_use_backend(backend):
    assert crossgrad.get_backend().name == backend
    assert crossgrad.zeros(1).backend == backend
"""


class Project:
    """A pytester project using the plugin; runs in-process without slow unrelated plugins."""

    def __init__(self, pytester):
        self.pytester = pytester
        self.makepyfile = pytester.makepyfile

    def runpytest(self, *args):
        return self.pytester.runpytest("-p", "no:hypothesispytest", "-p", "no:cacheprovider", *args)


@pytest.fixture
def project(pytester, monkeypatch):
    monkeypatch.delenv(pytest_plugin.ENV_VAR, raising=False)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_one=TESTS)
    return Project(pytester)


@pytest.fixture
def only_numpy_installed(monkeypatch):
    """Unregister every backend but NumPy (pytester runs in this process, so the registry is
    shared), so skips of absent backends are tested whether or not JAX, CuPy or a backend
    plugin are here."""
    for name in list(registry.all_backends()):
        if name != "numpy":
            monkeypatch.delitem(registry.all_backends(), name)


class Broken(Backend):
    name = "broken"

    def unavailable_reason(self):
        return "needs a quantum computer"


def test_fixture_runs_on_every_known_backend_with_ids(project, only_numpy_installed):
    result = project.runpytest("-v", "-ra")
    result.stdout.fnmatch_lines(
        [
            "*test_runs_inside_use_backend?numpy? PASSED*",
            "*test_runs_inside_use_backend?jax? SKIPPED*",
            "*test_runs_inside_use_backend?cupy? SKIPPED*",
        ]
    )
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] *backend 'jax' is not installed*"])
    result.assert_outcomes(passed=1, skipped=2)


def test_unusable_registered_backend_is_skipped_with_its_reason(project, monkeypatch):
    monkeypatch.setitem(registry.all_backends(), "broken", Broken())
    result = project.runpytest("-ra", "--backends=numpy,broken")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*backend 'broken' is unusable: needs a quantum*"])


def test_skips_of_one_backend_fold_into_one_line(project, only_numpy_installed):
    project.makepyfile(test_two=TESTS)
    result = project.runpytest("-ra", "--backends=jax")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["SKIPPED [[]2[]] *pytest_plugin.py:*: backend 'jax' is not*"])


def test_backends_option_narrows_the_list(project):
    result = project.runpytest("-v", "--backends=numpy")
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*jax*")


def test_env_var_narrows_the_list(project, monkeypatch):
    monkeypatch.setenv(pytest_plugin.ENV_VAR, "numpy")
    result = project.runpytest("-v")
    result.assert_outcomes(passed=1)


def test_option_wins_over_env_var(project, monkeypatch, only_numpy_installed):
    monkeypatch.setenv(pytest_plugin.ENV_VAR, "numpy")
    result = project.runpytest("-v", "--backends=cupy")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*[[]cupy[]] SKIPPED*"])


def test_unknown_backend_name_is_a_usage_error_listing_valid_names(project):
    result = project.runpytest("--backends=numpy,nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--backends: unknown crossgrad backend(s): 'nope'. Valid names: numpy, jax, cupy*"]
    )


def test_unknown_backend_in_env_var_names_the_env_var(project, monkeypatch):
    monkeypatch.setenv(pytest_plugin.ENV_VAR, "tpu")
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{pytest_plugin.ENV_VAR}: unknown*'tpu'*"])


def test_backend_id_comes_after_the_tests_own_parameters(project):
    project.makepyfile(
        test_params="""
        import pytest

        @pytest.mark.parametrize("n", [1, 2])
        def test_p(n, backend):
            pass
    """
    )
    result = project.runpytest("-v", "--backends=numpy", "test_params.py")
    result.stdout.fnmatch_lines(["*test_p[[]1-numpy[]] PASSED*", "*test_p[[]2-numpy[]] PASSED*"])


def test_a_test_may_pin_its_backends_itself(project):
    project.makepyfile(
        test_pinned="""
        import crossgrad
        import pytest

        @pytest.mark.parametrize("backend", ["numpy"], indirect=True)
        def test_pinned(backend):
            assert crossgrad.get_backend().name == "numpy"
    """
    )
    result = project.runpytest("-v", "test_pinned.py")
    result.stdout.fnmatch_lines(["*test_pinned[[]numpy[]] PASSED*"])
    result.assert_outcomes(passed=1)


def test_report_header_lists_the_backends(project, only_numpy_installed):
    result = project.runpytest("--backends=numpy,jax")
    result.stdout.fnmatch_lines(["crossgrad backends: numpy (usable), jax (skipped)"])


def test_tests_without_the_fixture_are_not_parametrised(project):
    project.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = project.runpytest("-v", "test_plain.py")
    result.stdout.fnmatch_lines(["*test_plain.py::test_plain PASSED*"])


def test_backend_names_start_with_the_known_ones():
    assert pytest_plugin.backend_names()[:3] == ["numpy", "jax", "cupy"]
    assert pytest_plugin.unusable_reason("numpy") is None
    assert "not installed" in pytest_plugin.unusable_reason("no-such-backend")


def _entry_point_names():
    import importlib.metadata

    return [
        ep.name
        for ep in importlib.metadata.entry_points(group="pytest11")
        if ep.value == "crossgrad.testing.pytest_plugin"
    ]


def test_installing_crossgrad_registers_the_plugin_under_its_module_name():
    # Under any other name, a conftest's `pytest_plugins = [<module>]` would register it twice.
    assert _entry_point_names() == ["crossgrad.testing.pytest_plugin"]


def test_a_project_without_conftest_gets_the_fixture(pytester, monkeypatch):
    monkeypatch.delenv(pytest_plugin.ENV_VAR, raising=False)
    pytester.makepyfile(test_one=TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "--backends", "numpy")
    result.assert_outcomes(passed=1)
