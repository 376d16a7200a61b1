"""Doctests show the output of the default backend, NumPy, whatever CROSSGRAD_BACKEND says.

Their printed reprs name any other backend (``backend='jax'``), so under
``CROSSGRAD_BACKEND=jax`` they run on NumPy; the tests in ``tests/`` cover every backend.
"""

import pytest


@pytest.fixture(autouse=True)
def _doctests_on_numpy(request):
    if isinstance(request.node, pytest.DoctestItem):
        import crossgrad

        with crossgrad.use_backend("numpy"):
            yield
    else:
        yield
