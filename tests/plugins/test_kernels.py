"""What a plugin author gets from ``crossgrad.plugins``: every type, dtype and error a backend
or kernel needs, and the portable kernels to build on."""

import numpy as np
import pytest

import crossgrad
import crossgrad.plugins
from crossgrad.core import dtypes, errors
from crossgrad.core.function import PORTABLE_KERNELS
from crossgrad.plugins import get_portable_kernel


def test_crossgrad_plugins_exports_the_types_dtypes_and_errors_a_plugin_needs():
    exported = set(crossgrad.plugins.__all__)
    assert {"Backend", "Op", "OpSpec", "KernelSpec", "DType", "dtypes"} <= exported
    assert crossgrad.plugins.dtypes is dtypes and crossgrad.plugins.DType is dtypes.DType
    for name in ("CrossgradError", "DTypeError", "ShapeError", "PluginError"):
        assert getattr(crossgrad.plugins, name) is getattr(errors, name)


def test_get_portable_kernel_gives_the_kernel_a_backend_runs_without_its_own():
    assert get_portable_kernel("scatter_add") is PORTABLE_KERNELS["scatter_add"]
    xp = crossgrad.get_backend("numpy").xp
    assert get_portable_kernel("exp")(xp, np.zeros(2)).tolist() == [1.0, 1.0]


def test_get_portable_kernel_of_a_misspelled_name_suggests_the_closest():
    with pytest.raises(KeyError, match="no portable kernel is called 'scater_add'. Did you mean"):
        get_portable_kernel("scater_add")
