"""``torch.utils.data``: datasets, samplers and the (single-process) DataLoader."""

from gradrepl.torch.utils.data.collate import default_collate, default_convert
from gradrepl.torch.utils.data.dataloader import DataLoader
from gradrepl.torch.utils.data.dataset import (
    ConcatDataset, Dataset, Subset, TensorDataset, random_split,
)
from gradrepl.torch.utils.data.sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
)

from gradrepl.torch._naming import present_as_torch as _present_as_torch

_present_as_torch(globals())

__all__ = ["BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "RandomSampler", "Sampler",
           "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset",
           "default_collate", "default_convert", "random_split"]


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError

    if not name.startswith("_"):
        raise UnsupportedError(f"torch.utils.data.{name}")
    raise AttributeError(f"module 'torch.utils.data' has no attribute '{name}'")
