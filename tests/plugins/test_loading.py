"""Loading plugins through real entry points: discovery, laziness, isolation of broken
plugins, clashes, and the environment's controls. Each case runs in a fresh interpreter."""

import textwrap

import pytest


def with_records(code: str) -> str:
    """``code``, then a print of each plugin's record, one ``RECORD ...`` line each."""
    return textwrap.dedent(code) + textwrap.dedent("""
        from crossgrad.plugins import registry
        for r in registry.plugin_records():
            print("RECORD", r.name, r.distribution, r.version, r.state, "|", r.reason)
    """)


@pytest.mark.usefixtures("needs_jax")
def test_a_plugin_op_is_found_through_its_entry_point_and_runs_its_kernels(toy):
    done = toy.ok("""
        import crossgrad, sys
        x = crossgrad.tensor([1.0, 2.0], requires_grad=True)
        y = crossgrad.ops.toy.double(x)
        y.sum().backward()
        assert y.tolist() == [2.0, 4.0] and x.grad.tolist() == [2.0, 2.0]
        assert sys.modules["toy_kernels"].CALLS == [1], "the plugin's NumPy kernel ran"
        with crossgrad.use_backend("jax"):  # no JAX kernel: the portable one runs
            assert crossgrad.ops.toy.double(crossgrad.tensor([3.0])).tolist() == [6.0]
        from crossgrad.plugins import registry
        r = next(r for r in registry.plugin_records() if r.name == "toy")
        print(r.distribution, r.version, r.state, r.ops, r.kernels)
    """)
    assert "toy-dist 2.5 loaded ['toy.double'] ['numpy:toy.double']" in done.stdout
    assert "Warning" not in done.stderr


def test_plugins_load_lazily_and_their_code_on_first_use_of_an_op(toy):
    toy.ok("""
        import sys
        import crossgrad
        assert "toy_plugin" not in sys.modules, "import crossgrad loads no plugin"
        crossgrad.tensor([1.0]).exp()
        assert "toy_plugin" in sys.modules, "the first backend use loads the plugins"
        assert dir(crossgrad.ops.toy) == ["double"] and "toy" in dir(crossgrad.ops)
        assert "toy_impl" not in sys.modules and "toy_kernels" not in sys.modules
        crossgrad.ops.toy.double(crossgrad.tensor([1.0]))
        assert "toy_impl" in sys.modules and "toy_kernels" in sys.modules
    """)


def test_crossgrad_info_lists_each_plugin_with_what_it_registered(toy):
    done = toy.ok("from crossgrad.cli import main; main(['info'])")
    lines = done.stdout.splitlines()
    row = next(line for line in lines if line.split()[:1] == ["toy"])
    assert row.split()[:4] == ["toy", "toy-dist", "2.5", "loaded"]
    assert row.split()[5:] == ["ms", "to", "load)"]
    assert "      op toy.double: 2 * x" in lines
    assert "      kernels on numpy: toy.double" in lines
    assert any(line.split()[:1] == ["crossgrad.ops.catalogue"] for line in lines)


BROKEN = {
    "raises-on-import": (
        {"broken_plugin": "raise ImportError('needs libfoo 3')"},
        "ImportError: needs libfoo 3",
    ),
    "entry-point-target-missing": ({}, "No module named 'broken_plugin'"),
    "unknown-hook": (
        {"broken_plugin": "def crossgrad_optimizers():\n    return []\n"},
        "unknown hook(s) crossgrad_optimizers",
    ),
    "hook-with-arguments": (
        {"broken_plugin": "def crossgrad_ops(config):\n    return []\n"},
        "PluginValidationError: Plugin 'broken' for hook 'crossgrad_ops'",
    ),
    "returns-not-a-list": (
        {"broken_plugin": "def crossgrad_ops():\n    return 'x.y'\n"},
        "crossgrad_ops() returned 'x.y', not a list of OpSpec",
    ),
    "returns-wrong-items": (
        {"broken_plugin": "def crossgrad_kernels():\n    return [{}]\n"},
        "not a list of KernelSpec",
    ),
    "op-without-namespace": (
        {
            "broken_plugin": """
        from crossgrad.plugins import OpSpec
        def crossgrad_ops():
            return [OpSpec("Double", abs)]
    """
        },
        "an op named 'Double'",
    ),
    "claims-a-built-in-namespace": (
        {
            "broken_plugin": """
        from crossgrad.plugins import OpSpec
        def crossgrad_ops():
            return [OpSpec("linalg.solve2", abs)]
    """
        },
        "namespace 'linalg', which belongs to crossgrad's own ops",
    ),
    "claims-a-built-in-backend": (
        {
            "broken_plugin": """
        from crossgrad.backends.numpy import NumpyBackend
        def crossgrad_backends():
            return [NumpyBackend()]
    """
        },
        "claims backend 'numpy', built into crossgrad",
    ),
    "replaces-a-built-in-kernel-undeclared": (
        {
            "broken_plugin": """
        from crossgrad.plugins import KernelSpec
        def crossgrad_kernels():
            return [KernelSpec("tanh", "numpy", lambda xp, x: x)]
    """
        },
        "kernel numpy:tanh is for crossgrad's op, not this plugin's",
    ),
    "kernel-of-a-misspelled-built-in-op": (
        {
            "broken_plugin": """
        from crossgrad.plugins import KernelSpec
        def crossgrad_kernels():
            return [KernelSpec("tahn", "jax", lambda xp, x: x, override=True)]
    """
        },
        "KernelSpec('tahn', 'jax'): no op of crossgrad or of a loaded plugin has a kernel "
        "'tahn'. Did you mean tan, tanh?",
    ),
    "kernel-of-a-misspelled-own-op": (
        {
            "broken_plugin": """
        from crossgrad.plugins import KernelSpec, OpSpec
        def crossgrad_ops():
            return [OpSpec("mine.double", abs, kernels=("mine.double_backward",))]
        def crossgrad_kernels():
            return [KernelSpec("mine.double_backwrad", "numpy", lambda xp, x: x)]
    """
        },
        "KernelSpec('mine.double_backwrad', 'numpy'): no op of crossgrad or of a loaded plugin "
        "has a kernel 'mine.double_backwrad'. Did you mean mine.double_backward",
    ),
    "backend-overrides-a-misspelled-kernel": (
        {
            "broken_plugin": """
        from crossgrad.plugins import Backend
        class Mine(Backend):
            name = "mine"
            def __init__(self):
                super().__init__()
                self.kernels.update(scater_add=lambda xp, t, i, v: t)
        def crossgrad_backends():
            return [Mine()]
    """
        },
        "backend 'mine' overrides: no op of crossgrad or of a loaded plugin has a kernel "
        "'scater_add'. Did you mean scatter_add",
    ),
    "op-declares-a-kernel-outside-its-namespace": (
        {
            "broken_plugin": """
        from crossgrad.plugins import OpSpec
        def crossgrad_ops():
            return [OpSpec("mine.double", abs, kernels=("double_backward",))]
    """
        },
        "op 'mine.double': kernels=('double_backward',)",
    ),
}


@pytest.mark.parametrize("modules, reason", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_plugin_is_a_warning_naming_its_distribution_and_crossgrad_works(
    site, modules, reason
):
    site.add("broken-dist", {"broken": "broken_plugin"}, modules, version="0.3")
    done = site.ok(
        with_records("""
        import crossgrad
        x = crossgrad.tensor([0.5], dtype=crossgrad.float64, requires_grad=True)
        crossgrad.tanh(x).sum().backward()
        assert abs(x.grad.item() - (1 - crossgrad.tanh(x).item() ** 2)) < 1e-12
        assert crossgrad.ops.linalg.matmul is crossgrad.matmul
    """)
    )
    # The warning points at the user's line that first needed a backend, not into crossgrad.
    assert (
        "<string>:3: PluginWarning: crossgrad: plugin 'broken' from broken-dist 0.3 was "
        "not loaded" in done.stderr
    )
    assert reason in done.stderr
    record = next(line for line in done.stdout.splitlines() if "RECORD broken " in line)
    assert record.startswith("RECORD broken broken-dist 0.3 failed |") and reason in record


@pytest.mark.parametrize(
    "case",
    ["raises-on-import", "claims-a-built-in-namespace", "kernel-of-a-misspelled-built-in-op"],
)
def test_strict_mode_turns_a_broken_plugin_into_an_error(site, case):
    modules, reason = BROKEN[case]
    site.add("broken-dist", {"broken": "broken_plugin"}, modules, version="0.3")
    done = site.run("import crossgrad; crossgrad.tensor([1.0])", CROSSGRAD_STRICT_PLUGINS="1")
    assert done.returncode == 1
    assert "PluginError: plugin 'broken' from broken-dist 0.3 failed to load" in done.stderr
    assert reason in done.stderr


def _op_plugin(module: str, *names: str) -> dict[str, str]:
    specs = ", ".join(f"OpSpec({n!r}, lambda x: x * {i + 2})" for i, n in enumerate(names))
    return {
        module: f"from crossgrad.plugins import OpSpec\n"
        f"def crossgrad_ops():\n    return [{specs}]\n"
    }


def test_two_plugins_claiming_one_op_make_it_raise_naming_both(site):
    site.add(
        "first-dist",
        {"first": "first_plugin"},
        _op_plugin("first_plugin", "shared.op", "shared.only_first"),
    )
    site.add(
        "second-dist",
        {"second": "second_plugin"},
        _op_plugin("second_plugin", "shared.op", "other.only_second"),
    )
    done = site.ok("""
        import crossgrad
        x = crossgrad.tensor([1.0])
        assert crossgrad.ops.shared.only_first(x).tolist() == [3.0]
        assert crossgrad.ops.other.only_second(x).tolist() == [3.0]
        try:
            crossgrad.ops.shared.op(x)
        except crossgrad.PluginError as e:
            print("RAISED", e)
    """)
    both = (
        "op 'shared.op' is claimed by both plugin 'first' (first-dist 1.0) and plugin "
        "'second' (second-dist 1.0)"
    )
    assert f"RAISED {both}" in done.stdout
    assert "hint: uninstall one, or block one with CROSSGRAD_BLOCK_PLUGINS=second" in done.stdout
    assert f"PluginWarning: crossgrad: {both}" in done.stderr
    strict = site.run("import crossgrad; crossgrad.tensor([1.0])", CROSSGRAD_STRICT_PLUGINS="1")
    assert strict.returncode == 1 and both in strict.stderr


@pytest.mark.usefixtures("needs_jax")
def test_a_declared_kernel_override_replaces_a_built_in_kernel(site):
    site.add(
        "fast-tanh",
        {"fast_tanh": "fast_tanh_plugin"},
        {
            "fast_tanh_plugin": """
        from crossgrad.plugins import KernelSpec
        def crossgrad_kernels():
            return [KernelSpec("tanh", "numpy", "fast_tanh_plugin:tanh", override=True)]
        def tanh(xp, x):
            return xp.tanh(x) + 1000  # visibly this kernel
    """
        },
    )
    done = site.ok("""
        import crossgrad
        assert crossgrad.tanh(crossgrad.tensor([0.0])).tolist() == [1000.0]
        with crossgrad.use_backend("jax"):  # only the NumPy kernel is replaced
            assert crossgrad.tanh(crossgrad.tensor([0.0])).tolist() == [0.0]
        from crossgrad.cli import main; main(["info"])
    """)
    assert "      overrides on numpy: tanh" in done.stdout.splitlines()


def test_two_overrides_of_one_kernel_make_it_raise_naming_both(site):
    for dist in ("one", "two"):
        site.add(
            f"{dist}-dist",
            {dist: f"{dist}_plugin"},
            {
                f"{dist}_plugin": """
            from crossgrad.plugins import KernelSpec
            def crossgrad_kernels():
                return [KernelSpec("exp", "numpy", lambda xp, x: x, override=True)]
        """
            },
        )
    done = site.ok("""
        import crossgrad
        try:
            crossgrad.exp(crossgrad.tensor([0.0]))
        except crossgrad.PluginError as e:
            print("RAISED", e)
        assert crossgrad.tanh(crossgrad.tensor([0.0])).tolist() == [0.0]
    """)
    assert (
        "RAISED kernel replacement 'numpy:exp' is claimed by both plugin 'one' "
        "(one-dist 1.0) and plugin 'two' (two-dist 1.0)" in done.stdout
    )


def test_a_kernel_named_by_a_missing_module_fails_on_first_call_naming_the_plugin(site):
    site.add(
        "half-dist",
        {"half": "half_plugin"},
        {
            "half_plugin": """
        from crossgrad.plugins import KernelSpec, OpSpec
        def crossgrad_ops():
            return [OpSpec("half.op", "half_plugin:op")]
        def crossgrad_kernels():
            return [KernelSpec("half.op", "numpy", "half_missing:op")]
        from crossgrad.plugins import Op
        class Half(Op):
            name = "half.op"
            kernel = staticmethod(lambda xp, x: x / 2)
        op = Half.apply
    """
        },
    )
    done = site.ok("""
        import crossgrad
        try:
            crossgrad.ops.half.op(crossgrad.tensor([1.0]))
        except crossgrad.PluginError as e:
            print("RAISED", e)
    """)
    assert (
        "RAISED kernel numpy:half.op of plugin 'half' (half-dist 1.0): cannot load "
        "'half_missing:op': ModuleNotFoundError"
    ) in done.stdout


def test_disabling_autoload_loads_the_built_ins_only(toy):
    done = toy.ok(
        with_records("""
        import sys, crossgrad
        crossgrad.tensor([1.0])
        assert "toy_plugin" not in sys.modules
        try:
            crossgrad.ops.toy
        except AttributeError as e:
            print("RAISED", type(e).__name__, e)
    """),
        CROSSGRAD_DISABLE_PLUGIN_AUTOLOAD="1",
    )
    assert (
        "RECORD toy toy-dist 2.5 disabled | CROSSGRAD_DISABLE_PLUGIN_AUTOLOAD is set" in done.stdout
    )
    assert "RECORD crossgrad.backends.numpy crossgrad" in done.stdout
    assert (
        "RAISED OpNotFoundError crossgrad.ops has no op namespace 'toy'\nplugin 'toy' "
        "(toy-dist 2.5) provides it but is disabled"
    ) in done.stdout


@pytest.mark.parametrize(
    "variable, value, state",
    [
        ("CROSSGRAD_PLUGINS", "other", "blocked | not named in CROSSGRAD_PLUGINS"),
        ("CROSSGRAD_PLUGINS", "toy", "loaded |"),
        ("CROSSGRAD_PLUGINS", "other,toy-dist", "loaded |"),  # a distribution's name works too
        ("CROSSGRAD_BLOCK_PLUGINS", "toy", "blocked | named in CROSSGRAD_BLOCK_PLUGINS"),
        ("CROSSGRAD_BLOCK_PLUGINS", "toy-dist", "blocked | named in CROSSGRAD_BLOCK_PLUGINS"),
        ("CROSSGRAD_BLOCK_PLUGINS", " Toy_Dist", "blocked | named in CROSSGRAD_BLOCK_PLUGINS"),
        ("CROSSGRAD_BLOCK_PLUGINS", "other", "loaded |"),
    ],
)
def test_allow_and_block_lists_apply_before_anything_is_imported(toy, variable, value, state):
    done = toy.ok(
        with_records("""
        import sys, crossgrad
        crossgrad.tensor([1.0])
        print("IMPORTED", "toy_plugin" in sys.modules)
    """),
        **{variable: value},
    )
    assert f"RECORD toy toy-dist 2.5 {state}" in done.stdout
    assert f"IMPORTED {state.startswith('loaded')}" in done.stdout


def test_a_blocked_plugins_namespace_error_says_it_is_blocked(toy):
    done = toy.ok(
        """
        import crossgrad
        assert not hasattr(crossgrad.ops, "toy")
        try:
            crossgrad.ops.toy.double
        except crossgrad.PluginError as e:
            print("RAISED", e)
    """,
        CROSSGRAD_BLOCK_PLUGINS="toy",
    )
    assert (
        "plugin 'toy' (toy-dist 2.5) provides it but is blocked: named in CROSSGRAD_BLOCK_PLUGINS"
    ) in done.stdout


def test_a_missing_op_names_the_namespace_ops_and_the_closest_name(toy):
    done = toy.ok("""
        import crossgrad
        try:
            crossgrad.ops.toy.doubel
        except AttributeError as e:
            print("RAISED", type(e).__name__, e)
        try:
            crossgrad.ops.nosuch
        except AttributeError as e:
            print("RAISED", type(e).__name__, e)
    """)
    assert (
        "RAISED OpNotFoundError crossgrad.ops.toy has no op 'doubel'; its ops (from "
        "toy-dist 2.5): double. Did you mean double?"
    ) in done.stdout
    assert (
        "RAISED OpNotFoundError crossgrad.ops has no op namespace 'nosuch'\nno installed "
        "plugin registers it: install the package that provides it"
    ) in done.stdout


def test_a_plugin_op_cannot_take_a_built_in_kernel_name():
    import crossgrad
    from crossgrad.core.function import PORTABLE_KERNELS
    from crossgrad.plugins import Op

    before = PORTABLE_KERNELS["tanh"]
    with pytest.raises(
        crossgrad.PluginError,
        match="kernel name 'tanh' of .*Shadow.kernel is "
        "already the portable kernel of crossgrad.ops.elementwise",
    ):

        class Shadow(Op):
            name = "tanh"

            @staticmethod
            def kernel(xp, x):
                return x

    assert PORTABLE_KERNELS["tanh"] is before


def test_a_misspelled_kernel_of_a_built_in_backend_breaks_loading_loudly(site):
    done = site.run("""
        import crossgrad
        from crossgrad.backends.numpy import NumpyBackend
        from crossgrad.plugins import registry
        init = NumpyBackend.__init__
        def misspelled(self):
            init(self)
            self.kernels["max_pool2d_scater"] = self.kernels.pop("max_pool2d_scatter")
        NumpyBackend.__init__ = misspelled
        registry.reload()
    """)
    assert done.returncode == 1
    assert (
        "PluginError: backend 'numpy' overrides: no op of crossgrad or of a loaded plugin has "
        "a kernel 'max_pool2d_scater'. Did you mean max_pool2d_scatter"
    ) in done.stderr
