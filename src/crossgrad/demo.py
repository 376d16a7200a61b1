"""``crossgrad demo``: train a classifier on scikit-learn's bundled handwritten digits.

The 1797 8x8 images of ``sklearn.datasets.load_digits`` ship with scikit-learn, so the demo
runs offline. They are scaled to [0, 1] and split 80/20 by a permutation seeded with a fixed
seed, so every run is scored on the same test images. The model is initialised on the NumPy
backend from ``--seed`` and then moved to ``--backend``, and batches are shuffled by a NumPy
generator, so every backend starts from the same weights and sees the same batches: their
accuracies differ only by floating-point rounding.

scikit-learn, matplotlib (``--plot``) and tqdm are the ``examples`` extra:
``pip install 'crossgrad[examples]'``.

>>> parser = argparse.ArgumentParser()
>>> add_arguments(parser)
>>> args = parser.parse_args(["--epochs", "1", "--no-progress"])
>>> args.model, args.epochs, args.batch_size
('mlp', 1, 32)
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from types import ModuleType
from typing import Any

import numpy as np

from crossgrad.backends import DEFAULT, REFERENCE

__all__ = [
    "DemoError",
    "MissingExtraError",
    "add_arguments",
    "load_data",
    "build_model",
    "run",
    "main",
]

_EXTRA_HINT = "pip install 'crossgrad[examples]'"
_TEST_FRACTION = 0.2
# The split's own seed: --seed varies the weights and the batches, never the test set, so
# runs with different seeds compare.
SPLIT_SEED = 0


class DemoError(Exception):
    """The demo cannot run as asked (the CLI prints it and exits with status 2)."""


class MissingExtraError(DemoError, ImportError):
    """A package of the ``examples`` extra (scikit-learn, matplotlib, tqdm) is missing."""


def _require(module: str, package: str, why: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingExtraError(
            f"crossgrad demo: {why} needs {package}, which is not "
            f"installed ({e})\nhint: {_EXTRA_HINT}"
        ) from e


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options to ``parser`` (the ``crossgrad demo`` subcommand's parser)."""
    parser.add_argument(
        "--model",
        choices=("mlp", "cnn"),
        default="mlp",
        help="mlp: 64-128-10 with ReLU (default); cnn: two 3x3 convolutions "
        "and a max pool (needs crossgrad.nn.Conv2d)",
    )
    parser.add_argument(
        "--backend", default=None, help="array backend (default: $CROSSGRAD_BACKEND, else numpy)"
    )
    parser.add_argument("--epochs", type=_positive_int, default=30, help="default: 30")
    parser.add_argument("--batch-size", type=_positive_int, default=32, help="default: 32")
    parser.add_argument(
        "--lr",
        type=float,
        default=3e-3,
        help="Adam's initial learning rate, annealed to 0 over the epochs "
        "on a cosine (default: 0.003)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the initial weights and the shuffling; the train/test "
        "split is fixed (default: 0)",
    )
    parser.add_argument(
        "--plot",
        metavar="PNG",
        default=None,
        help="save the loss and accuracy per epoch to this image",
    )
    parser.add_argument(
        "--save",
        metavar="PATH",
        default=None,
        help="save the trained model's state_dict here (safetensors, load it with crossgrad.load)",
    )
    parser.add_argument(
        "--no-progress", dest="progress", action="store_false", help="no progress bar on stderr"
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive int, received {text!r}")
    return value


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(x_train, y_train, x_test, y_test)``: float32 images in [0, 1] of shape
    (n, 64) and int64 labels, split 80/20 by a permutation drawn from ``seed``."""
    datasets = _require("sklearn.datasets", "scikit-learn", "the digits data set")
    digits = datasets.load_digits()
    x = (digits.data / 16.0).astype(np.float32)  # pixels are 0..16
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = round(len(x) * _TEST_FRACTION)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def build_model(kind: str) -> Any:
    """Return the ``mlp`` or ``cnn`` classifier of 64-pixel images into 10 classes.

    Raises:
        DemoError: for ``cnn`` when ``crossgrad.nn`` has no Conv2d or MaxPool2d.
    """
    from crossgrad import nn

    if kind == "mlp":
        return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    if kind == "cnn":
        missing = [name for name in ("Conv2d", "MaxPool2d") if not hasattr(nn, name)]
        if missing:
            raise DemoError(
                f"crossgrad demo: --model cnn needs crossgrad.nn.Conv2d and "
                f"MaxPool2d, and this crossgrad lacks {', '.join(missing)}\n"
                f"hint: use --model mlp"
            )
        return nn.Sequential(
            nn.Unflatten(1, (1, 8, 8)),
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(32 * 4 * 4, 10),
        )
    raise DemoError(f"crossgrad demo: unknown model {kind!r}; valid choices: mlp, cnn")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train and evaluate as ``args`` say (the options of ``add_arguments``).

    Prints a line per epoch and a final summary to stdout.

    Returns:
        ``{"accuracy", "seconds", "backend", "history"}``: the final test accuracy in [0, 1],
        the wall time of loading, training and evaluating, the backend's name, and per epoch
        ``{"epoch", "loss", "accuracy"}`` (mean train loss, test accuracy).

    Raises:
        MissingExtraError: scikit-learn, tqdm or (with ``plot``) matplotlib is missing.
        DemoError: ``model="cnn"`` without Conv2d.
        BackendNotFoundError: ``backend`` names no installed backend.
    """
    tqdm = _require("tqdm", "tqdm", "the progress bar").tqdm
    if args.plot:
        _require("matplotlib", "matplotlib", "--plot")
    import crossgrad
    from crossgrad import nn
    from crossgrad.optim import Adam
    from crossgrad.optim.lr_scheduler import CosineAnnealingLR
    from crossgrad.utils.data import DataLoader, TensorDataset

    start = time.perf_counter()
    backend = args.backend or os.environ.get("CROSSGRAD_BACKEND") or DEFAULT
    backend_name = crossgrad.get_backend(backend).name
    x_train, y_train, x_test, y_test = load_data(SPLIT_SEED)
    with crossgrad.use_backend(REFERENCE):  # the same initial weights on every backend
        crossgrad.manual_seed(args.seed)
        model = build_model(args.model)
    model.to(backend_name)
    train = TensorDataset(
        crossgrad.tensor(x_train, backend=backend_name),
        crossgrad.tensor(y_train, backend=backend_name),
    )
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, generator=args.seed)
    inputs = crossgrad.tensor(x_test, backend=backend_name)
    optimizer = Adam(model.parameters(), lr=args.lr)
    # annealing to zero settles the weights, so the last epoch's accuracy varies little
    scheduler = CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, seen = 0.0, 0
        bar = tqdm(
            loader,
            desc=f"epoch {epoch}/{args.epochs}",
            leave=False,
            unit="batch",
            file=sys.stderr,
            disable=None if args.progress else True,
        )
        for x, y in bar:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            seen += len(y)
        bar.close()
        scheduler.step()
        accuracy = _accuracy(model, inputs, y_test)
        history.append({"epoch": epoch, "loss": total / seen, "accuracy": accuracy})
        print(
            f"epoch {epoch:3d}  train loss {total / seen:.4f}  test accuracy {accuracy:.1%}",
            flush=True,
        )
    seconds = time.perf_counter() - start
    print(f"test accuracy {history[-1]['accuracy']:.1%} ({backend_name} backend, {seconds:.1f} s)")
    if args.save:
        crossgrad.save(model.state_dict(), args.save)
        print(f"saved the model's state_dict to {args.save}")
    if args.plot:
        _plot(history, args.plot, f"{args.model} on digits, {backend_name} backend")
        print(f"saved the training curves to {args.plot}")
    return {
        "accuracy": history[-1]["accuracy"],
        "seconds": seconds,
        "backend": backend_name,
        "history": history,
    }


def _accuracy(model: Any, inputs: Any, labels: np.ndarray) -> float:
    import crossgrad

    model.eval()
    with crossgrad.no_grad():
        predicted = np.asarray(model(inputs).argmax(dim=1).numpy())
    return float((predicted == labels).mean())


def _plot(history: list[dict[str, float]], path: str, title: str) -> None:
    matplotlib = _require("matplotlib", "matplotlib", "--plot")
    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, [h["loss"] for h in history], marker="o")
    left.set(xlabel="epoch", ylabel="train loss", yscale="log")
    right.plot(epochs, [100 * h["accuracy"] for h in history], marker="o", color="tab:green")
    right.set(xlabel="epoch", ylabel="test accuracy (%)")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(args: argparse.Namespace) -> int:
    """Run the demo for the CLI: 0 on success, 2 when the extra is missing or an option is
    unusable (the message goes to stderr)."""
    from crossgrad.core.errors import BackendNotFoundError

    try:
        run(args)
    except (DemoError, BackendNotFoundError) as e:
        print(e, file=sys.stderr)
        return 2
    return 0
