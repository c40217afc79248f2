"""DataLoader: batches from a dataset in torch's order (single process).

Each ``iter(loader)`` draws one 64-bit value from the loader's generator first (torch's worker
base seed, drawn even with no workers), and a shuffling sampler draws its own seed at the first
batch: both matter for every random number drawn afterwards.
"""

from __future__ import annotations

from gradrepl.torch.utils.data.collate import default_collate, default_convert
from gradrepl.torch.utils.data.sampler import (
    BatchSampler, RandomSampler, SequentialSampler,
)


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.generator = generator
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None
                                         else default_convert)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    def __iter__(self):
        from gradrepl.engine.random import _gen

        indices = iter(self.batch_sampler if self._auto_collation else self.sampler)
        _gen(self.generator).random64(1)  # torch's _base_seed, drawn on every iter()
        return _SingleProcessDataLoaderIter(self, indices)

    def __len__(self) -> int:
        return len(self.batch_sampler if self._auto_collation else self.sampler)


class _SingleProcessDataLoaderIter:
    """The iterator over batches (named as torch names it: its repr shows in lessons)."""

    def __init__(self, loader: DataLoader, indices):
        self._loader = loader
        self._indices = indices

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self):
        loader = self._loader
        index = next(self._indices)
        if loader._auto_collation:
            return loader.collate_fn([loader.dataset[i] for i in index])
        return loader.collate_fn(loader.dataset[index])


_SingleProcessDataLoaderIter.__module__ = "torch.utils.data.dataloader"
