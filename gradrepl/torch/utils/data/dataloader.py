"""DataLoader: batches from a dataset in torch's order (single process).

Each ``iter(loader)`` draws one 64-bit value from the loader's generator first (torch's worker
base seed, drawn even with no workers), and a shuffling sampler draws its own seed at the first
batch: both matter for every random number drawn afterwards.
"""

from __future__ import annotations

from gradrepl.engine.tensor import Tensor
from gradrepl.torch.utils.data.collate import default_collate, default_convert
from gradrepl.torch.utils.data.dataset import TensorDataset
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
            dataset = loader.dataset
            if (TENSOR_ROWS and type(dataset) is TensorDataset
                    and loader.collate_fn is default_collate):
                batch = _tensor_rows(dataset.tensors, index)
                if batch is not None:
                    return batch
            return loader.collate_fn([dataset[i] for i in index])
        return loader.collate_fn(loader.dataset[index])


# False: every batch of a TensorDataset is its samples stacked (the tests compare the two)
TENSOR_ROWS = True


def _tensor_rows(tensors, index):
    """``default_collate([dataset[i] for i in index])`` for a TensorDataset: the list of each
    tensor's rows ``index`` stacked, taken as one gather ``t[index]`` (a batch of 16 rows of two
    tensors: ~40 us instead of ~350 us for 32 selects and two stacks). The same values, bit for
    bit (both copy), shape, dtype and strides, and no graph. None where the stack must
    decide: an index that is not a plain int in range (its error is the select's), an empty
    batch, or a tensor that requires grad (the stack's grad_fn), has strides other than C order's
    or is not a plain Tensor."""
    if not index or type(index) is not list:
        return None
    for t in tensors:  # strides exactly C order's (is_contiguous overlooks size-1 dims')
        if type(t) is not Tensor or t.requires_grad or t.stride() != _c_strides(t.shape):
            return None
    rows = len(tensors[0])
    for i in index:
        if type(i) is not int or not 0 <= i < rows:
            return None
    return [t[index] for t in tensors]


def _c_strides(shape) -> tuple:
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


_SingleProcessDataLoaderIter.__module__ = "torch.utils.data.dataloader"
