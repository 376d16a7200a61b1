"""Plugin distributions made on disk for the loader's tests.

``site`` is a fresh directory that holds modules and ``*.dist-info`` folders with
``entry_points.txt``: what pip leaves behind, so ``importlib.metadata`` finds the plugins
through real entry points. Each test runs Python in a subprocess with that directory on
``PYTHONPATH`` (the installed example plugins load there too, as on a user's machine).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crossgrad.testing.pytest_plugin import unusable_reason


class Site:
    """A directory of plugin distributions, and a way to run Python that sees them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def add(
        self, dist: str, entry_points: dict[str, str], modules: dict[str, str], version: str = "1.0"
    ) -> None:
        """Write the distribution ``dist``: its modules and its ``crossgrad`` entry points."""
        for name, source in modules.items():
            path = self.root / (name.replace(".", "/") + ".py")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(
            "[crossgrad]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items())
        )

    def run(self, code: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run ``code`` in a fresh interpreter (warnings shown) that sees this site."""
        return self.command("-W", "always", "-c", textwrap.dedent(code), **env)

    def command(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run ``python *args`` in this site's environment."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CROSSGRAD_")}
        clean["PYTHONPATH"] = os.pathsep.join([str(self.root), clean.get("PYTHONPATH", "")])
        return subprocess.run(
            [sys.executable, *args],
            env={**clean, **env},
            capture_output=True,
            text=True,
            timeout=300,
            cwd=self.root,
        )

    def ok(self, code: str, **env: str) -> subprocess.CompletedProcess[str]:
        """:meth:`run`, asserting that it exits 0; returns it for its output."""
        done = self.run(code, **env)
        assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
        return done


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


@pytest.fixture
def needs_jax() -> None:
    """Skip, with the reason, where the JAX backend cannot run (the fresh interpreters see
    the same installation as this one)."""
    reason = unusable_reason("jax")
    if reason is not None:
        pytest.skip(reason)


#: A working op plugin: one op ``toy.double`` whose implementation module is only named.
TOY = {
    "toy_plugin": """
        from crossgrad.plugins import KernelSpec, OpSpec

        def crossgrad_ops():
            return [OpSpec("toy.double", "toy_impl:double", cases="toy_impl:CASES",
                           errors="toy_impl:ERRORS", summary="2 * x")]

        def crossgrad_kernels():
            return [KernelSpec("toy.double", "numpy", "toy_kernels:double")]
    """,
    "toy_impl": """
        import crossgrad
        from crossgrad.plugins import Op
        from crossgrad.testing import Arg, ErrorCase, OpCase

        class Double(Op):
            name = "toy.double"

            @staticmethod
            def kernel(xp, x):
                return 2 * x

            @staticmethod
            def backward(ctx, g):
                return 2 * g

        def double(x):
            '''Twice x.'''
            return Double.apply(x)

        def checked_double(x):
            if x.ndim == 0:
                raise crossgrad.ShapeError("toy.double: needs at least one dimension, "
                                           f"received x.shape={x.shape}",
                                           hint="reshape(1)")
            return Double.apply(x)

        CASES = [OpCase("double-2d", double, lambda x: 2 * x, [Arg((2, 3))]),
                 OpCase("double-1d", double, lambda x: 2 * x, [Arg((4,))])]
        ERRORS = [ErrorCase("double-0d", checked_double, [Arg(())], crossgrad.ShapeError,
                            match="toy.double")]
    """,
    "toy_kernels": """
        CALLS = []

        def double(xp, x):
            CALLS.append(1)
            return x + x
    """,
}


@pytest.fixture
def toy(site: Site) -> Site:
    site.add("toy-dist", {"toy": "toy_plugin"}, TOY, version="2.5")
    return site
