"""Plugins that cannot take the program down: exits, failed patches, kernels that raise or
return the wrong thing, slow imports. Each case runs in a fresh interpreter with a timeout
(``Site.run``), so a plugin that hangs fails its test instead of the suite."""

import pytest

# A backend plugin: NumPy with some kernels replaced (a third-party backend).
_BACKEND = """
    from crossgrad.backends.numpy import NumpyBackend

    class Mine(NumpyBackend):
        name = "mine"

        def __init__(self):
            super().__init__()
            self.kernels.update({kernels})

    def crossgrad_backends():
        return [Mine()]
"""


def _backend_plugin(site, kernels: str, helpers: str = "") -> None:
    source = helpers + _BACKEND.replace("{kernels}", kernels)
    site.add("mine-dist", {"mine": "mine_plugin"}, {"mine_plugin": source}, version="0.2")


@pytest.mark.parametrize("where", ["import", "hook"])
def test_a_plugin_calling_sys_exit_is_its_own_failure_not_the_programs(site, where):
    exit_at_import = "import sys; sys.exit(3)\n" if where == "import" else ""
    source = exit_at_import + (
        "import sys\ndef crossgrad_ops():\n    sys.exit(4)\n" if where == "hook" else ""
    )
    site.add("exit-dist", {"quitter": "quitter_plugin"}, {"quitter_plugin": source})
    done = site.ok("""
        import crossgrad
        print(crossgrad.tensor([1.0, 2.0]).sum().item())
        from crossgrad.plugins import registry
        r = next(r for r in registry.plugin_records() if r.name == "quitter")
        print("RECORD", r.state, r.reason)
    """)
    assert "3.0" in done.stdout
    code = 3 if where == "import" else 4
    assert f"RECORD failed SystemExit: {code}" in done.stdout
    assert "plugin 'quitter' from exit-dist 1.0 was not loaded: SystemExit" in done.stderr


def test_ctrl_c_during_a_plugins_import_still_interrupts(site):
    site.add(
        "ki-dist", {"ki": "ki_plugin"}, {"ki_plugin": "raise KeyboardInterrupt\n"}, version="1"
    )
    done = site.run("import crossgrad; crossgrad.tensor([1.0])")
    assert done.returncode != 0 and "KeyboardInterrupt" in done.stderr


_PATCH_THEN_FAIL = """
    import crossgrad
    from crossgrad.core.function import PORTABLE_KERNELS

    PORTABLE_KERNELS["tanh"] = lambda xp, x: x * 0 + 42
    crossgrad.tanh = lambda x: "patched"
    crossgrad.Tensor.exp = lambda self: "patched"
    raise ImportError("half-installed")
"""


def test_a_plugin_that_patches_crossgrad_then_fails_leaves_no_trace(site):
    site.add("patch-dist", {"patcher": "patch_plugin"}, {"patch_plugin": _PATCH_THEN_FAIL})
    done = site.ok("""
        import math, crossgrad
        x = crossgrad.tensor([0.5], dtype=crossgrad.float64)
        assert abs(crossgrad.tanh(x).item() - math.tanh(0.5)) < 1e-12
        assert abs(x.exp().item() - math.exp(0.5)) < 1e-12
        print("clean")
    """)
    assert "clean" in done.stdout
    assert "plugin 'patcher' from patch-dist 1.0 was not loaded: ImportError" in done.stderr


def test_a_loaded_plugin_that_patches_crossgrad_at_import_is_named(site):
    source = """
        from crossgrad.core.function import PORTABLE_KERNELS

        PORTABLE_KERNELS["tanh"] = lambda xp, x: xp.tanh(x)
    """
    site.add("sneaky-dist", {"sneaky": "sneaky_plugin"}, {"sneaky_plugin": source})
    done = site.ok("from crossgrad.cli import main; main(['info'])")
    assert "changed crossgrad outside its hooks: kernel tanh" in done.stderr
    assert "WARNING: changed outside its hooks: kernel tanh" in done.stdout


def test_crossgrad_info_reports_kernels_patched_after_loading(site):
    done = site.ok("""
        import crossgrad
        crossgrad.get_backend("numpy").kernels["exp"] = lambda xp, x: xp.exp(x)
        from crossgrad.cli import main
        main(["info"])
    """)
    assert "kernels changed after the plugins loaded, outside any plugin hook: numpy:exp" in (
        done.stdout
    )


def test_crossgrad_info_reports_nothing_patched_normally(site):
    done = site.ok("from crossgrad.cli import main; main(['info'])")
    assert "changed" not in done.stdout


@pytest.mark.parametrize(
    ("kernels", "problem"),
    [
        (
            "mul=lambda xp, a, b: xp.reshape(xp.sum(a * b), (1, 1))",
            "returned shape=(1, 1) dtype=float64, but the op gives shape=(1, 3) dtype=float64",
        ),
        (
            "mul=lambda xp, a, b: xp.astype(a * b, xp.float32)",
            "dtype=float32, but the op gives shape=(1, 3) dtype=float64",
        ),
        ("exp=lambda xp, x: [1.0, 2.0, 3.0]", "returned list [1.0, 2.0, 3.0], not an array"),
    ],
    ids=["wrong-shape", "wrong-dtype", "a-list"],
)
def test_a_backend_kernel_returning_the_wrong_thing_is_named(site, kernels, problem):
    _backend_plugin(site, kernels)
    done = site.run("""
        import crossgrad
        with crossgrad.use_backend("mine"):
            x = crossgrad.tensor([[1.0, 2.0, 3.0]], dtype=crossgrad.float64, requires_grad=True)
            y = crossgrad.tensor([[2.0]], dtype=crossgrad.float64)
            (x * y).exp().sum().backward()
    """)
    assert done.returncode == 1
    assert "crossgrad.core.errors.PluginError" in done.stderr
    assert "the 'mine' kernel from plugin 'mine' (mine-dist 0.2)" in done.stderr
    assert problem in done.stderr


def test_result_checks_can_be_switched_off(site):
    _backend_plugin(site, "mul=lambda xp, a, b: xp.astype(a * b, xp.float32)")
    done = site.ok(
        """
        import crossgrad
        with crossgrad.use_backend("mine"):
            x = crossgrad.tensor([1.0], dtype=crossgrad.float64)
            print((x * x).dtype)
        """,
        CROSSGRAD_CHECK_KERNELS="0",
    )
    assert "crossgrad.float32" in done.stdout


def test_a_kernel_that_raises_is_named_with_the_cause_chained(site):
    helpers = """
    def broken_exp(xp, x):
        raise ZeroDivisionError("kernel bug")
"""
    _backend_plugin(site, "exp=broken_exp", helpers)
    done = site.run("""
        import crossgrad
        with crossgrad.use_backend("mine"):
            try:
                crossgrad.tensor([1.0]).exp()
            except crossgrad.PluginError as e:
                print("MESSAGE", str(e).splitlines()[0])
                print("CAUSE", type(e.__cause__).__name__, e.__cause__)
    """)
    assert (
        "MESSAGE exp: the 'mine' kernel from plugin 'mine' (mine-dist 0.2) raised "
        "ZeroDivisionError: kernel bug" in done.stdout
    ), done.stderr
    assert "CAUSE ZeroDivisionError kernel bug" in done.stdout


def test_a_kernelspec_kernel_that_raises_is_named(toy):
    toy.add(
        "bad-dist",
        {"bad": "bad_plugin"},
        {
            "bad_plugin": """
                from crossgrad.plugins import KernelSpec

                def crossgrad_kernels():
                    return [KernelSpec("toy.double", "jax", "bad_kernels:double", override=True)]
            """,
            "bad_kernels": """
                def double(xp, x):
                    raise ValueError("nope")
            """,
        },
    )
    done = toy.run("""
        import crossgrad
        with crossgrad.use_backend("jax"):
            crossgrad.ops.toy.double(crossgrad.tensor([1.0]))
    """)
    assert (
        "toy.double: the 'jax' kernel from plugin 'bad' (bad-dist 1.0) raised ValueError: nope"
        in (done.stderr)
    )


def test_a_slow_plugin_is_named_at_load_and_by_info(site):
    site.add(
        "slow-dist", {"slow": "slow_plugin"}, {"slow_plugin": "import time; time.sleep(1.3)\n"}
    )
    done = site.ok("from crossgrad.cli import main; main(['info'])")
    assert "plugin 'slow' from slow-dist 1.0 took 1." in done.stderr
    row = next(line for line in done.stdout.splitlines() if line.split()[:1] == ["slow"])
    assert "ms to load)  SLOW" in row


def test_a_correct_third_party_kernel_passes_its_checks(site):
    _backend_plugin(site, "exp=lambda xp, x: xp.exp(x)")
    site.ok("""
        import math, crossgrad
        with crossgrad.use_backend("mine"):
            x = crossgrad.tensor([[0.5, 1.0]], dtype=crossgrad.float64, requires_grad=True)
            x.exp().sum().backward()
            assert abs(x.grad[0, 0].item() - math.exp(0.5)) < 1e-12
    """)
