"""Time crossgrad against the reference workloads in ../shared/bench, in one run, as ratios.

    python bench/compare.py [--rounds 3] [--reps 30] [--only chain,mlp,cnn,mem]
                            [--backends numpy,jax] [--bench-dir DIR]

Each (framework, workload) pair runs in its own process, interleaved round by round, so
drift on a shared machine hits every column alike; the figure is the median over rounds
of each process's median step time (or its peak memory growth for ``mem``). The anchors
(PyTorch CPU, NumPy by hand, HIPS autograd, mygrad) must be importable by the Python that
runs this script: they are measuring tools, not crossgrad dependencies (see docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The anchors each workload is compared with (those of anchor_workloads.py that exist).
ANCHORS = {
    "chain": ["numpy-by-hand", "jax-by-hand", "torch", "autograd", "mygrad"],
    "mlp": ["numpy-by-hand", "torch", "jax-jit", "autograd", "mygrad"],
    "cnn": ["torch", "jax-jit"],
    "mem": ["numpy-by-hand", "torch"],
}
# Ratio columns: every figure is divided by each of these anchors' figures.
BASES = ["torch", "numpy-by-hand", "jax-by-hand", "jax-jit"]


def measure(bench_dir: Path, args: list[str], env: dict[str, str]) -> float | None:
    """Run one workload process and return its figure, or None if it failed."""
    try:
        out = subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            cwd=bench_dir,
        )
    except subprocess.TimeoutExpired:
        return None
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        print(
            f"  ! {' '.join(args)} failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr
        )
        return None
    return float(lines[-1].split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--only", default="chain,mlp,mem")
    parser.add_argument(
        "--backends",
        default="numpy",
        help="crossgrad backends to time, comma-separated (numpy, jax)",
    )
    parser.add_argument("--bench-dir", type=Path, default=ROOT.parent / "shared" / "bench")
    args = parser.parse_args()
    if not (args.bench_dir / "anchor_workloads.py").exists():
        parser.error(f"no reference workloads in {args.bench_dir}; pass --bench-dir")
    workloads = args.only.split(",")

    jobs: list[tuple[str, str, list[str], dict[str, str]]] = []
    env = dict(os.environ)
    for wl in workloads:
        reps = [] if wl == "mem" else [str(args.reps)]
        for fw in ANCHORS[wl]:
            jobs.append((fw, wl, ["anchor_workloads.py", fw, wl, *reps], env))
        for backend in args.backends.split(","):
            jobs.append(
                (
                    f"crossgrad-{backend}",
                    wl,
                    ["crossgrad_workloads.py", wl, *reps],
                    dict(env, CROSSGRAD_BACKEND=backend),
                )
            )

    figures: dict[tuple[str, str], list[float]] = {(f, w): [] for f, w, _, _ in jobs}
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
        for fw, wl, cmd, job_env in jobs:
            value = measure(args.bench_dir, cmd, job_env)
            if value is not None:
                figures[(fw, wl)].append(value)

    med = {k: statistics.median(v) for k, v in figures.items() if v}
    header = "".join(f"{'vs ' + b:>17s}" for b in BASES)
    print(f"\n{'workload':8s} {'framework':18s} {'figure':>12s}{header}")
    for fw, wl, _, _ in jobs:
        value = med.get((fw, wl))
        if value is None:
            print(f"{wl:8s} {fw:18s} {'n/a':>12s}")
            continue
        shown = f"{value:9.1f} MB" if wl == "mem" else f"{value * 1e3:9.3f} ms"
        ratios = ""
        for anchor in BASES:
            base = med.get((anchor, wl))
            ratios += f"{(f'{value / base:.2f}x' if base else '-'):>17s}"
        print(f"{wl:8s} {fw:18s} {shown:>12s}{ratios}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
