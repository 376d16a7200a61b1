"""Threads sharing crossgrad state: gradient accumulation into one leaf and the random
generators. Each stress test is bounded (a fixed number of steps) and starts its threads
through a barrier so they really run at once."""

import os
import subprocess
import sys
import threading
from collections.abc import Callable

import numpy as np

import crossgrad as cg

THREADS = 8


def _run_together(work: Callable[[int], None]) -> None:
    """Run ``work(i)`` in THREADS threads released at once; re-raise the first failure."""
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def body(i: int) -> None:
        try:
            start.wait()
            work(i)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            failures.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread did not finish in 120 s"
    if failures:
        raise failures[0]


def test_concurrent_backward_into_one_leaf_loses_no_gradient(backend):
    x = cg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    steps = 100

    def work(_: int) -> None:
        with cg.use_backend(backend):
            for _ in range(steps):
                (x * 1.0).sum().backward()

    _run_together(work)
    assert x.grad.tolist() == [THREADS * steps] * 3


def test_concurrent_backward_with_create_graph_loses_no_gradient(backend):
    x = cg.tensor([2.0], requires_grad=True)
    steps = 20

    def work(_: int) -> None:
        with cg.use_backend(backend):
            for _ in range(steps):
                (x * x).sum().backward(create_graph=True)

    _run_together(work)
    assert x.grad.tolist() == [4.0 * THREADS * steps]
    assert x.grad.requires_grad


def test_retained_gradients_accumulate_exactly_under_threads(backend):
    x = cg.tensor([1.0, 1.0], requires_grad=True)
    y = x * 2.0
    y.retain_grad()
    steps = 50

    def work(_: int) -> None:
        with cg.use_backend(backend):
            for _ in range(steps):
                y.sum().backward(retain_graph=True)

    _run_together(work)
    assert y.grad.tolist() == [THREADS * steps] * 2
    assert x.grad.tolist() == [2.0 * THREADS * steps] * 2


def test_threads_drawing_random_numbers_never_get_the_same_draw(backend):
    draws: list[list[float]] = [[] for _ in range(THREADS)]

    def work(i: int) -> None:
        with cg.use_backend(backend):
            for _ in range(100):
                draws[i].extend(cg.rand(3, dtype=cg.float64).tolist())

    _run_together(work)
    values = np.concatenate(draws)
    assert values.size == THREADS * 300
    assert np.unique(values).size == values.size


def test_threads_drawing_after_manual_seed_reproduce_the_single_threaded_multiset(backend):
    """Seeded draws are split among threads in some order, but together they are exactly
    the numbers one thread would have drawn."""
    cg.manual_seed(7)
    expected = [cg.randn(2, dtype=cg.float64).tolist() for _ in range(THREADS * 20)]
    cg.manual_seed(7)
    draws: list[list[list[float]]] = [[] for _ in range(THREADS)]

    def work(i: int) -> None:
        with cg.use_backend(backend):
            for _ in range(20):
                draws[i].append(cg.randn(2, dtype=cg.float64).tolist())

    _run_together(work)
    got = sorted(d for per_thread in draws for d in per_thread)
    assert got == sorted(expected)


_FIRST_TENSORS = """
import threading, crossgrad
start = threading.Barrier({threads})
made = [None] * {threads}
def work(i):
    start.wait()
    made[i] = crossgrad.tensor([float(i)])
threads = [threading.Thread(target=work, args=(i,)) for i in range({threads})]
for t in threads: t.start()
for t in threads: t.join()
print(len({{id(t._backend) for t in made}}), crossgrad.cat(made).sum().item())
"""


def test_threads_making_their_first_tensors_at_once_share_one_backend_object(backend):
    """Each run is a fresh process, where the registry is not loaded yet."""
    script = _FIRST_TENSORS.format(threads=THREADS)
    env = {**os.environ, "CROSSGRAD_BACKEND": backend}
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["1", str(float(sum(range(THREADS))))]
