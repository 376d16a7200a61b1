"""The ``crossgrad`` command: ``crossgrad info``."""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import sys
from collections.abc import Sequence


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def info() -> int:
    """Print versions, backends (usable or not, and why), the BLAS in use, and plugins."""
    import crossgrad
    from crossgrad.plugins import registry

    print(f"crossgrad {crossgrad.__version__} on Python {platform.python_version()} "
          f"({platform.system()} {platform.machine()})")
    for dist in ("numpy", "pluggy", "array-api-compat"):
        print(f"  {dist:18s} {_version(dist)}")
    default = registry.get_backend()
    print("\nbackends:")
    for name, backend in sorted(registry.all_backends().items()):
        reason = backend.unavailable_reason()
        mark = "*" if backend is default else " "
        if reason is None:
            details = ", ".join(f"{k} {v}" for k, v in backend.info().items())
            print(f" {mark} {name:8s} usable      {details}")
        else:
            print(f" {mark} {name:8s} unusable    {reason}")
    print("  (* = default: set CROSSGRAD_BACKEND or call crossgrad.set_backend to change it)")
    print("\nplugins:")
    for record in registry.plugin_records():
        line = f"  {record.name:28s} {record.distribution} {record.version}  {record.state}"
        print(line + (f": {record.reason}" if record.reason else ""))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crossgrad", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("info", help="versions, backends, BLAS and plugins")
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    parser.error(f"unknown command {args.command!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
