"""torch.utils.data: batches in torch's order after manual_seed, collation, random_split."""

from __future__ import annotations

import pytest

import gradrepl.torch as gt
from gradrepl.torch.utils.data import (
    DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split,
)


def _loader_lesson(torch):
    data = torch.utils.data
    torch.manual_seed(0)
    X = torch.arange(40.).view(20, 2)
    y = torch.arange(20)
    ds = data.TensorDataset(X, y)
    print(len(ds), ds[3])
    loader = data.DataLoader(ds, batch_size=6, shuffle=True)
    for epoch in range(2):
        for xb, yb in loader:
            print(yb.tolist(), xb.shape)
    print(len(loader), len(data.DataLoader(ds, batch_size=6, drop_last=True)))
    print([b[1].tolist() for b in data.DataLoader(ds, batch_size=7, shuffle=True, drop_last=True)])
    g = torch.Generator().manual_seed(42)
    print([b[1].tolist() for b in data.DataLoader(ds, batch_size=5, shuffle=True, generator=g)])
    print([b[1].tolist() for b in data.DataLoader(ds, batch_size=8)])
    print(torch.rand(2))  # the loaders above drew from the default generator as torch's do
    a, b = data.random_split(ds, [0.75, 0.25])
    print(len(a), len(b), a.indices, b.indices)
    a, b = data.random_split(range(10), [3, 7], generator=torch.Generator().manual_seed(1))
    print(list(a), list(b))

    class Records(data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": float(i), "i": i, "t": torch.tensor([i, i]), "pair": (i, float(i))}

    for batch in data.DataLoader(Records(), batch_size=2):
        print(batch)
    print(next(iter(data.DataLoader(list(range(100)), batch_size=300, shuffle=True)))[:20])
    print(list(data.DataLoader(list(range(5)), batch_size=None)))
    print(torch.randn(3))


@pytest.mark.torch
def test_dataloader_matches_torch(same_output):
    same_output(_loader_lesson)


@pytest.mark.torch
@pytest.mark.parametrize("n,batch", [(1, 1), (17, 4), (128, 32), (1000, 64)])
def test_shuffled_order_matches_torch_for_many_sizes(real_torch, n, batch):
    orders = []
    for torch in (real_torch, gt):
        from importlib import import_module

        data = import_module("torch.utils.data" if torch is real_torch else "gradrepl.torch.utils.data")
        torch.manual_seed(n)
        loader = data.DataLoader(list(range(n)), batch_size=batch, shuffle=True)
        orders.append([b.tolist() for epoch in range(3) for b in loader])
    assert orders[1] == orders[0]


def test_unshuffled_batches_in_order_with_drop_last():
    ds = TensorDataset(gt.arange(10))
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=4)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=4, drop_last=True)] == [
        [0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_is_a_permutation_and_seeded():
    gt.manual_seed(0)
    first = [i for b in DataLoader(list(range(50)), batch_size=7, shuffle=True) for i in b.tolist()]
    gt.manual_seed(0)
    again = [i for b in DataLoader(list(range(50)), batch_size=7, shuffle=True) for i in b.tolist()]
    assert sorted(first) == list(range(50)) and first == again


def test_default_collate_shapes_and_types():
    batch = default_collate([(gt.ones(2), 1, 0.5), (gt.zeros(2), 2, 1.5)])
    assert isinstance(batch, list) and batch[0].shape == (2, 2)
    assert batch[1].dtype == gt.int64 and batch[2].dtype == gt.float64


def test_random_split_partitions_the_dataset():
    gt.manual_seed(0)
    parts = random_split(list(range(10)), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(i for p in parts for i in p) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(list(range(10)), [3, 3])


def test_subset_and_dataset_base():
    assert Subset(list("abcdef"), [5, 0])[0] == "f"
    with pytest.raises(NotImplementedError):
        Dataset()[0]
