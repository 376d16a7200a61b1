"""crossgrad.utils.data: Dataset, TensorDataset, DataLoader, default_collate, random_split."""

from collections import namedtuple

import numpy as np
import pytest

import crossgrad
from crossgrad.core.errors import ShapeError
from crossgrad.utils import data
from crossgrad.utils.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return {"x": crossgrad.tensor([float(i), float(i * i)]), "i": i, "name": f"s{i}"}

    def __len__(self):
        return self.n


def _pairs(n=10):
    x = crossgrad.arange(2 * n, dtype=crossgrad.float32).reshape(n, 2)
    return TensorDataset(x, crossgrad.arange(n))


def test_tensor_dataset_returns_rows_of_each_tensor(backend):
    ds = _pairs(5)
    x, y = ds[3]
    assert len(ds) == 5 and x.tolist() == [6.0, 7.0] and y.item() == 3
    assert x.backend == backend


def test_tensor_dataset_rejects_tensors_of_different_lengths():
    with pytest.raises(ShapeError, match=r"same first dim.*tensors\[1\]\.shape=\(3,\)"):
        TensorDataset(crossgrad.zeros(4, 2), crossgrad.zeros(3))


def test_tensor_dataset_rejects_0d_tensors_and_no_tensors():
    with pytest.raises(ShapeError, match=r"tensors\[0\] is 0-d"):
        TensorDataset(crossgrad.tensor(1.0))
    with pytest.raises(ShapeError, match="at least one tensor"):
        TensorDataset()


def test_base_dataset_requires_getitem_and_len():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


def test_loader_batches_in_order_without_shuffle(backend):
    batches = list(DataLoader(_pairs(5), batch_size=2))
    assert [y.tolist() for _, y in batches] == [[0, 1], [2, 3], [4]]
    assert batches[0][0].tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert batches[0][0].backend == backend


@pytest.mark.parametrize("drop_last, expected", [(False, [4, 4, 2]), (True, [4, 4])])
def test_loader_len_and_last_batch_follow_drop_last(drop_last, expected):
    loader = DataLoader(_pairs(10), batch_size=4, drop_last=drop_last)
    assert len(loader) == len(expected)
    assert [len(y) for _, y in loader] == expected


def test_shuffle_with_one_seed_gives_one_order_and_covers_every_sample(backend):
    def orders(seed):
        loader = DataLoader(_pairs(10), batch_size=3, shuffle=True, generator=seed)
        return [sum((y.tolist() for _, y in loader), []) for _ in range(2)]

    first, second = orders(7)
    assert orders(7) == [first, second]
    assert sorted(first) == list(range(10)) and first != list(range(10))
    assert second != first  # each pass draws a new order
    assert orders(8)[0] != first


def test_shuffle_keeps_inputs_and_targets_paired(backend):
    for x, y in DataLoader(_pairs(10), batch_size=4, shuffle=True, generator=1):
        assert x[:, 0].tolist() == [2.0 * v for v in y.tolist()]


def test_module_seed_makes_loaders_without_generator_reproducible():
    def order():
        return [y.item() for _, y in DataLoader(_pairs(6), shuffle=True)]

    data.seed(3)
    first = order()
    data.seed(3)
    assert order() == first


def test_loader_accepts_a_numpy_generator():
    a = DataLoader(_pairs(8), shuffle=True, generator=np.random.default_rng(5))
    b = DataLoader(_pairs(8), shuffle=True, generator=5)
    assert [y.item() for _, y in a] == [y.item() for _, y in b]


def test_fast_path_matches_collating_each_sample(backend):
    ds = _pairs(9)

    class Slow(TensorDataset):
        def __getitem__(self, i):
            return super().__getitem__(i)

    fast = DataLoader(ds, batch_size=4, shuffle=True, generator=2)
    slow = DataLoader(Slow(*ds.tensors), batch_size=4, shuffle=True, generator=2)
    for (fx, fy), (sx, sy) in zip(fast, slow, strict=True):
        assert fx.tolist() == sx.tolist() and fy.tolist() == sy.tolist()
        assert fx.dtype == sx.dtype and fy.dtype == sy.dtype


def test_collate_of_dicts_stacks_tensors_and_keeps_strings(backend):
    (batch,) = DataLoader(Squares(3), batch_size=3)
    assert batch["x"].shape == (3, 2) and batch["x"].backend == backend
    assert batch["i"].tolist() == [0, 1, 2] and batch["i"].dtype == crossgrad.int64
    assert batch["name"] == ["s0", "s1", "s2"]


def test_collate_of_tuples_lists_and_namedtuples():
    Point = namedtuple("Point", "x y")
    out = default_collate([(crossgrad.zeros(2), 1.5), (crossgrad.ones(2), 2.5)])
    assert isinstance(out, tuple) and out[0].shape == (2, 2)
    assert out[1].dtype == crossgrad.float64 and out[1].tolist() == [1.5, 2.5]
    lists = default_collate([[True, 1], [False, 2]])
    assert isinstance(lists, list) and lists[0].dtype == crossgrad.bool_
    point = default_collate([Point(1, 2), Point(3, 4)])
    assert isinstance(point, Point) and point.x.tolist() == [1, 3]


def test_collate_rejects_ragged_samples_and_unknown_types():
    with pytest.raises(ShapeError, match="different numbers of fields"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object()])


def test_custom_collate_fn_receives_the_samples():
    loader = DataLoader(Squares(4), batch_size=2, collate_fn=lambda s: [d["i"] for d in s])
    assert list(loader) == [[0, 1], [2, 3]]


def test_loader_rejects_bad_batch_size_and_generator():
    with pytest.raises(ValueError, match="batch_size=0"):
        DataLoader(_pairs(), batch_size=0)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(_pairs(), generator="seed")


@pytest.mark.parametrize(
    "lengths, sizes",
    [
        ([7, 3], [7, 3]),
        ([0.5, 0.5], [5, 5]),
        ([0.33, 0.33, 0.34], [4, 3, 3]),
        ([0.1, 0.9], [1, 9]),
    ],
)
def test_random_split_sizes_and_disjoint_cover(lengths, sizes):
    parts = random_split(range(10), lengths, generator=0)
    assert [len(p) for p in parts] == sizes
    assert all(isinstance(p, Subset) for p in parts)
    everything = sum((p.indices for p in parts), [])
    assert sorted(everything) == list(range(10))


def test_random_split_is_reproducible_with_a_seed():
    assert (
        random_split(range(20), [10, 10], generator=4)[0].indices
        == random_split(range(20), [10, 10], generator=4)[0].indices
    )


def test_random_split_subset_reads_through_to_the_dataset():
    ds = _pairs(6)
    part = random_split(ds, [4, 2], generator=0)[1]
    _, y = part[0]
    assert y.item() == part.indices[0]


@pytest.mark.parametrize(
    "lengths, message",
    [
        ([5, 4], "lengths sum to 9, but len\\(dataset\\)=10"),
        ([0.5, 0.4], "fractions summing to 1"),
        ([-1, 11], "non-negative ints"),
    ],
)
def test_random_split_rejects_lengths_that_do_not_add_up(lengths, message):
    with pytest.raises(ValueError, match=message):
        random_split(range(10), lengths)
