"""Datasets and batching, as ``torch.utils.data``: Dataset, TensorDataset, DataLoader.

Shuffling uses a NumPy ``Generator``, never a backend's generator, so the order of samples
is the same on every backend. ``DataLoader(..., generator=7)`` (an int seed or a
``numpy.random.Generator``) makes one loader reproducible; without one, loaders draw from
this module's generator, which ``seed(n)`` resets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeGuard, TypeVar, overload

import numpy as np

from crossgrad._tensor import Tensor
from crossgrad.core.errors import ShapeError
from crossgrad.ops.creation import as_tensor, tensor
from crossgrad.ops.shape import stack

__all__ = [
    "Dataset",
    "TensorDataset",
    "Subset",
    "DataLoader",
    "default_collate",
    "random_split",
    "seed",
]

_default_rng = np.random.default_rng()

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)
#: What a DataLoader yields per batch (the collate function's result).
_Batch = TypeVar("_Batch")


def seed(value: int) -> None:
    """Reset the generator that loaders and ``random_split`` use when given none.

    >>> seed(0); a = random_split(range(5), [3, 2])[0].indices
    >>> seed(0); a == random_split(range(5), [3, 2])[0].indices
    True
    """
    global _default_rng
    _default_rng = np.random.default_rng(value)


def _rng(generator: np.random.Generator | int | None) -> np.random.Generator:
    if generator is None:
        return _default_rng
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"generator: expected a numpy.random.Generator, an int seed or None, "
        f"received {type(generator).__name__}\n"
        f"hint: pass generator=numpy.random.default_rng(seed) or generator=seed"
    )


class Dataset(Generic[_T_co]):
    """A map-style dataset: ``dataset[i]`` for ``i`` in ``range(len(dataset))``.

    Subclasses define ``__getitem__`` and ``__len__``; ``Dataset[T]`` is one whose samples
    are ``T``s.
    """

    def __getitem__(self, index: int) -> _T_co:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are tuples of the tensors' rows: ``dataset[i] == (t[i] for t in tensors)``.

    >>> import crossgrad
    >>> ds = TensorDataset(crossgrad.zeros(4, 2), crossgrad.arange(4))
    >>> len(ds), ds[1][1].item()
    (4, 1)
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ShapeError(
                "TensorDataset: expected at least one tensor, received none",
                hint="pass the tensors: TensorDataset(inputs, targets)",
            )
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset: tensors[{i}] is a {type(t).__name__}, "
                    f"not a Tensor\nhint: convert it with crossgrad.tensor(...)"
                )
            if t.ndim == 0:
                raise ShapeError(
                    f"TensorDataset: tensors[{i}] is 0-d and has no samples: tensors[{i}].shape=()",
                    hint="give each tensor a first dim that indexes the samples",
                )
        sizes = [t.shape[0] for t in tensors]
        if any(s != sizes[0] for s in sizes):
            shapes = ", ".join(f"tensors[{i}].shape={t.shape}" for i, t in enumerate(tensors))
            raise ShapeError(
                f"TensorDataset: all tensors must have the same first dim "
                f"(the number of samples): {shapes}",
                hint="pass one row per sample in every tensor",
            )
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset[_T_co]):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset[_T_co] | Sequence[_T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, index: int) -> _T_co:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors (and NumPy arrays) are stacked along a new dim 0; Python numbers become a tensor
    (float -> float64, int -> int64, bool -> bool); tuples, lists and dicts are collated
    field by field; strings stay a list.

    >>> import crossgrad
    >>> out = default_collate([{"x": crossgrad.zeros(2), "y": 1}, {"x": crossgrad.ones(2), "y": 0}])
    >>> out["x"].shape, out["y"].tolist()
    ((2, 2), [1, 0])
    """
    if not batch:
        raise ValueError(
            "default_collate: received an empty batch\nhint: give the loader a non-empty dataset"
        )
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch))
    if isinstance(first, np.ndarray):
        return as_tensor(np.stack(batch))
    if isinstance(first, (bool, np.bool_)):
        return tensor([bool(b) for b in batch])
    if isinstance(first, (int, np.integer)):
        return tensor([int(b) for b in batch])
    if isinstance(first, (float, np.floating)):
        return tensor([float(b) for b in batch], dtype="float64")
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        sizes = {len(sample) for sample in batch}
        if len(sizes) != 1:
            raise ShapeError(
                f"default_collate: samples have different numbers of fields: "
                f"lengths={sorted(sizes)}",
                hint="return the same number of fields from every sample",
            )
        fields = [default_collate(list(column)) for column in zip(*batch)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(
        f"default_collate: cannot batch samples of type {type(first).__name__}\n"
        f"hint: return tensors, numbers, or tuples/lists/dicts of them, or pass "
        f"a collate_fn"
    )


class DataLoader(Generic[_Batch]):
    """Iterate over a dataset in batches, optionally shuffled.

    Each pass shuffles anew when ``shuffle=True``, drawing from ``generator`` (an int seed
    or a ``numpy.random.Generator``; None uses the module's generator, see ``seed``). A
    ``TensorDataset`` with the default collate is batched by indexing its tensors with the
    batch's indices, without building each sample.

    >>> import crossgrad
    >>> ds = TensorDataset(crossgrad.arange(10).reshape(5, 2), crossgrad.arange(5))
    >>> loader = DataLoader(ds, batch_size=2, shuffle=True, generator=0)
    >>> len(loader), [y.shape for _, y in loader]
    (3, [(2,), (2,), (1,)])
    >>> sorted(sum((y.tolist() for _, y in loader), []))
    [0, 1, 2, 3, 4]
    """

    # What the batches are, for type checkers: the default collate stacks the tensors of
    # a dataset of tensor tuples (a TensorDataset) into a tuple of tensors; a collate_fn's
    # result is a batch.
    @overload
    def __init__(
        self: DataLoader[tuple[Tensor, ...]],
        dataset: Dataset[tuple[Tensor, ...]],
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: None = None,
        generator: np.random.Generator | int | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self: DataLoader[Any],
        dataset: Dataset[Any] | Sequence[Any],
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: None = None,
        generator: np.random.Generator | int | None = None,
    ) -> None: ...

    @overload
    def __init__(
        self,
        dataset: Dataset[Any] | Sequence[Any],
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        *,
        collate_fn: Callable[[list[Any]], _Batch],
        generator: np.random.Generator | int | None = None,
    ) -> None: ...

    def __init__(
        self,
        dataset: Dataset[Any] | Sequence[Any],
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(
                f"DataLoader: batch_size must be a positive int, received "
                f"batch_size={batch_size!r}\nhint: pass batch_size=1 or more"
            )
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self._generator = None if generator is None else _rng(generator)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._generator if self._generator is not None else _default_rng
        return rng.permutation(n)

    def __iter__(self) -> Iterator[_Batch]:
        order = self._order()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._batch(order[start : start + self.batch_size])

    def _batch(self, indices: np.ndarray) -> Any:
        if self.collate_fn is None and _plain_tensor_dataset(self.dataset):
            if not self.shuffle:  # consecutive rows: a slice is a view, not a gather
                rows = slice(int(indices[0]), int(indices[-1]) + 1)
                return tuple(t[rows] for t in self.dataset.tensors)
            return tuple(t[as_tensor(indices, backend=t.backend)] for t in self.dataset.tensors)
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)


def _plain_tensor_dataset(dataset: object) -> TypeGuard[TensorDataset]:
    """Whether ``dataset`` is a TensorDataset whose samples are its tensors' rows."""
    return (
        isinstance(dataset, TensorDataset)
        and type(dataset).__getitem__ is TensorDataset.__getitem__
    )


def random_split(
    dataset: Dataset[_T] | Sequence[_T],
    lengths: Sequence[int | float],
    generator: np.random.Generator | int | None = None,
) -> list[Subset[_T]]:
    """Split ``dataset`` into disjoint random subsets of the given lengths.

    ``lengths`` are sample counts summing to ``len(dataset)``, or fractions summing to 1;
    fractions are floored and the remainder handed out one by one from the first subset,
    as in PyTorch.

    >>> parts = random_split(range(10), [0.7, 0.3], generator=0)
    >>> [len(p) for p in parts], sorted(parts[0].indices + parts[1].indices) == list(range(10))
    ([7, 3], True)
    """
    n = len(dataset)
    counts = _split_counts(n, list(lengths))
    order = _rng(generator).permutation(n).tolist()
    subsets: list[Subset[_T]] = []
    offset = 0
    for count in counts:
        subsets.append(Subset(dataset, order[offset : offset + count]))
        offset += count
    return subsets


def _split_counts(n: int, lengths: list[int | float]) -> list[int]:
    is_fractions = any(isinstance(x, float) for x in lengths)
    if is_fractions and math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1.0 + 1e-9:
        if any(x < 0 for x in lengths):
            raise ValueError(
                f"random_split: fractions must not be negative: "
                f"lengths={lengths}\nhint: pass fractions in [0, 1] summing to 1"
            )
        counts = [math.floor(n * frac) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    if is_fractions or any(not isinstance(x, int) or x < 0 for x in lengths):
        raise ValueError(
            f"random_split: lengths must be non-negative ints summing to "
            f"len(dataset)={n}, or fractions summing to 1: lengths={lengths}\n"
            f"hint: pass e.g. [{n - n // 5}, {n // 5}] or [0.8, 0.2]"
        )
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: lengths sum to {sum(lengths)}, but "
            f"len(dataset)={n}: lengths={lengths}\n"
            f"hint: make the lengths add up to {n}, or pass fractions"
        )
    return [int(x) for x in lengths]
