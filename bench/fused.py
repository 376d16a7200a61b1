"""Time the fused ops of plugins/crossgrad-fused against what they replace, as ratios.

    python bench/fused.py [--backends numpy,jax] [--rounds 5] [--reps 50]

Per op, one forward and backward step on (256, 1024) float32 inputs: the fused op, the same
computation composed of crossgrad's own ops, and PyTorch CPU's (``torch.nn.functional``'s
``rms_norm``, ``silu(gate) * up``, ``cross_entropy``) when torch is importable. The figure is
the best round's mean step time. Needs the plugin installed (the README's install command
does it); torch is a measuring tool here, not a dependency.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import crossgrad
import crossgrad.nn.functional as F

SHAPE = (256, 1024)


def best_time(step: Callable[[], None], rounds: int, reps: int) -> float:
    """The best round's mean time of ``step`` in ms, after a warm-up."""
    for _ in range(5):
        step()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            step()
        best = min(best, (time.perf_counter() - start) / reps)
    return best * 1e3


def crossgrad_steps(backend: str) -> dict[str, dict[str, Callable[[], None]]]:
    """Per op, the fused and the composed step on ``backend``."""
    rng = np.random.default_rng(0)
    with crossgrad.use_backend(backend):
        x = crossgrad.tensor(rng.standard_normal(SHAPE).astype(np.float32), requires_grad=True)
        up = crossgrad.tensor(rng.standard_normal(SHAPE).astype(np.float32), requires_grad=True)
        w = crossgrad.ones(SHAPE[1], requires_grad=True)
        target = crossgrad.tensor(rng.integers(0, SHAPE[1], SHAPE[0]))
    fused = crossgrad.ops.fused
    return {
        "rms_norm": {
            "fused": lambda: fused.rms_norm(x, w).sum().backward(),
            "composed": lambda: (
                (x * crossgrad.rsqrt((x * x).mean(-1, keepdim=True) + 1e-6) * w).sum().backward()
            ),
        },
        "swiglu": {
            "fused": lambda: fused.swiglu(x, up).sum().backward(),
            "composed": lambda: (F.silu(x) * up).sum().backward(),
        },
        "softmax_cross_entropy": {
            "fused": lambda: fused.softmax_cross_entropy(x, target).backward(),
            "composed": lambda: F.cross_entropy(x, target).backward(),
        },
    }


def torch_steps() -> dict[str, Callable[[], None]]:
    """Per op, PyTorch CPU's step, or nothing when torch is not importable."""
    try:
        import torch
    except ImportError:
        return {}
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal(SHAPE).astype(np.float32), requires_grad=True)
    up = torch.tensor(rng.standard_normal(SHAPE).astype(np.float32), requires_grad=True)
    w = torch.ones(SHAPE[1], requires_grad=True)
    target = torch.tensor(rng.integers(0, SHAPE[1], SHAPE[0]))
    tf = torch.nn.functional
    return {
        "rms_norm": lambda: tf.rms_norm(x, (SHAPE[1],), w, 1e-6).sum().backward(),
        "swiglu": lambda: (tf.silu(x) * up).sum().backward(),
        "softmax_cross_entropy": lambda: tf.cross_entropy(x, target).backward(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="numpy,jax")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reps", type=int, default=50)
    args = parser.parse_args()
    torch_figures = {
        op: best_time(step, args.rounds, args.reps) for op, step in torch_steps().items()
    }
    print(
        f"{'op':22s} {'backend':8s} {'fused':>9s} {'composed':>9s} {'torch':>9s} "
        f"{'vs composed':>12s} {'vs torch':>9s}"
    )
    for backend in args.backends.split(","):
        for op, steps in crossgrad_steps(backend).items():
            fused = best_time(steps["fused"], args.rounds, args.reps)
            composed = best_time(steps["composed"], args.rounds, args.reps)
            torch_ms = torch_figures.get(op)
            torch_cell = f"{torch_ms:7.3f}ms" if torch_ms else f"{'-':>9s}"
            ratio = f"{fused / torch_ms:8.2f}x" if torch_ms else f"{'-':>9s}"
            print(
                f"{op:22s} {backend:8s} {fused:7.3f}ms {composed:7.3f}ms {torch_cell} "
                f"{fused / composed:11.2f}x {ratio}"
            )


if __name__ == "__main__":
    main()
