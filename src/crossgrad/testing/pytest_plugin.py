"""The pytest plugin: a ``backend`` fixture that runs a test once per crossgrad backend.

A test that takes ``backend`` runs on every backend (ids are the backend names), with the
test body inside ``crossgrad.use_backend(backend)``; the fixture's value is the name. A
backend that is not usable here is skipped with the reason, so ``pytest -ra`` says why.

Narrow the list with ``--backends=numpy,jax`` or ``CROSSGRAD_TEST_BACKENDS=numpy,jax`` (the
option wins). Installing crossgrad registers this plugin with pytest (a ``pytest11`` entry
point), so any project's tests can take ``backend``; ``-p no:crossgrad.testing.pytest_plugin``
turns it off. Where plugin autoloading is disabled (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), list it
in the top-level ``conftest.py``: ``pytest_plugins = ["crossgrad.testing.pytest_plugin"]``.

>>> backend_names()[:3]
['numpy', 'jax', 'cupy']
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

import pytest

import crossgrad
from crossgrad.plugins import registry

__all__ = [
    "ENV_VAR",
    "BackendUnavailable",
    "backend_names",
    "unusable_reason",
    "selected_backends",
    "skip_without_dtype",
    "backend",
]

ENV_VAR = "CROSSGRAD_TEST_BACKENDS"
_SELECTED = pytest.StashKey[list[str]]()


def backend_names() -> list[str]:
    """Every backend name a test can be run on: crossgrad's own, then registered plugins'.

    crossgrad's own backends register whether or not their library is installed, so each
    gets its tests, and a missing one shows up as a skip with its reason instead of silently
    running nothing.
    """
    return list(dict.fromkeys([*registry.builtin_backend_names(), *registry.all_backends()]))


def unusable_reason(name: str) -> str | None:
    """Why backend ``name`` cannot run here, or None when it can."""
    found = registry.all_backends().get(name)
    if found is None:
        return f"backend {name!r} is not installed (no crossgrad plugin registers it)"
    why = found.unavailable_reason()
    return None if why is None else f"backend {name!r} is unusable: {why}"


def skip_without_dtype(dtype: crossgrad.DType) -> None:
    """Skip the running test, with the reason, when the current backend cannot hold
    ``dtype`` (a backend on the array API standard alone has no float16)."""
    current = crossgrad.get_backend()
    if not current.has_dtype(dtype):
        pytest.skip(f"backend {current.name!r} has no {dtype.name}")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("crossgrad")
    group.addoption(
        "--backends",
        default=None,
        metavar="NAMES",
        help=f"comma-separated crossgrad backends to run `backend` tests on "
        f"(default: all; also ${ENV_VAR})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SELECTED] = _selected(config)


def _selected(config: pytest.Config) -> list[str]:
    valid = backend_names()
    spec = config.getoption("backends", None)
    source = "--backends"
    if spec is None:
        spec, source = os.environ.get(ENV_VAR), ENV_VAR
    if spec is None or not spec.strip():
        return valid
    wanted = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in valid]
    if unknown:
        raise pytest.UsageError(
            f"{source}: unknown crossgrad backend(s): {', '.join(map(repr, unknown))}. "
            f"Valid names: {', '.join(valid)}"
        )
    return list(dict.fromkeys(wanted))


def selected_backends(config: pytest.Config) -> list[str]:
    """The backends this run's ``backend`` tests run on (``--backends``, usable or not)."""
    return config.stash.get(_SELECTED, None) or backend_names()


def pytest_report_header(config: pytest.Config) -> str:
    parts = []
    for name in config.stash.get(_SELECTED, []):
        why = unusable_reason(name)
        parts.append(f"{name} (usable)" if why is None else f"{name} (skipped)")
    return "crossgrad backends: " + ", ".join(parts)


@pytest.hookimpl(trylast=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # trylast: the backend comes after the test's own parameters in the id (`exp-numpy`).
    if "backend" in metafunc.fixturenames and not _parametrized_by_test(metafunc):
        names = selected_backends(metafunc.config)
        metafunc.parametrize("backend", names, ids=names, indirect=True)


def _parametrized_by_test(metafunc: pytest.Metafunc) -> bool:
    """Whether the test pins its backends itself with ``@pytest.mark.parametrize``."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if "backend" in names:
            return True
    return False


class BackendUnavailable(pytest.skip.Exception):  # type: ignore[name-defined]
    """The skip of a test whose backend cannot run here."""


def _backend_fixture(request: pytest.FixtureRequest) -> Iterator[str]:
    """The name of the backend this test runs on; the test body runs inside
    ``crossgrad.use_backend(name)``. Unusable backends skip with the reason."""
    name = getattr(request, "param", None) or crossgrad.get_backend().name
    why = unusable_reason(name)
    if why is not None:
        raise BackendUnavailable(why)
    with crossgrad.use_backend(name):
        yield name


backend = pytest.fixture(name="backend")(_backend_fixture)
_SKIP_LOCATION = (__file__, _backend_fixture.__code__.co_firstlineno)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # pytest reports a fixture's skip at each test's own line, so `-ra` would list every
    # test of an absent backend; pointing them all at the fixture folds them into one line
    # per backend and reason.
    if (
        report.skipped
        and call.excinfo is not None
        and call.excinfo.errisinstance(BackendUnavailable)
        and isinstance(report.longrepr, tuple)
    ):
        report.longrepr = (*_SKIP_LOCATION, f"Skipped: {call.excinfo.value}")
    return report
