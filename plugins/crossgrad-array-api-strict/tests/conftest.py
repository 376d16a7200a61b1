"""Every test here needs the array_api_strict backend: where it cannot run, each skips with
the reason."""

import pytest
from crossgrad.testing.pytest_plugin import unusable_reason


@pytest.fixture(autouse=True)
def _needs_the_backend() -> None:
    reason = unusable_reason("array_api_strict")
    if reason is not None:
        pytest.skip(reason)
