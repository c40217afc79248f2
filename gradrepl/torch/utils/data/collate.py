"""``default_collate``: a list of samples into one batch, as torch's DataLoader builds it."""

from __future__ import annotations

import collections.abc

import numpy as np

from gradrepl.engine.tensor import Tensor

_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
          "found {}")


def default_collate(batch):
    from gradrepl.engine import factories, ops
    from gradrepl.engine.dtypes import float64

    elem = batch[0]
    if isinstance(elem, Tensor):
        return ops.stack(list(batch), 0)
    if isinstance(elem, np.ndarray) and elem.dtype.kind in "biuf":
        return ops.stack([factories.as_tensor(b) for b in batch], 0)
    if isinstance(elem, np.generic):
        return factories.as_tensor(np.array(batch))
    if isinstance(elem, bool) or isinstance(elem, int):
        return factories.tensor(batch)
    if isinstance(elem, float):
        return factories.tensor(batch, dtype=float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple keeps its type
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        # torch returns a list for tuples too ("backwards compatibility")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data):
    """What a DataLoader without batching applies: numpy arrays become tensors, the rest stays."""
    from gradrepl.engine import factories

    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        return factories.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data
