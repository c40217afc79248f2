"""``torch.nn.utils.rnn``: PackedSequence and the functions that make and undo one, as
torch/nn/utils/rnn.py and ATen's PackedSequence.cpp build them, so the graphs are torch's:
``PackPaddedSequenceBackward0`` (after ``IndexSelectBackward0`` when sorting), and for
``pad_packed_sequence`` and ``pad_sequence`` a filled tensor written slice by slice with
``copy_`` (``CopySlices``).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from gradrepl.engine import ops
from gradrepl.engine.ops.packing import pack_padded
from gradrepl.engine.tensor import Tensor, new_tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]

_Fields = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices",
                                         "unsorted_indices"])


class PackedSequence(_Fields):
    """The rows of a batch of sequences, time step by time step (``data``), with how many
    sequences take part in each step (``batch_sizes``)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), ...)
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs):
        return self

    def _as(self, name):
        from gradrepl.engine import dtypes

        return self.to(dtype=getattr(dtypes, name))

    def double(self):
        return self._as("float64")

    def float(self):
        return self._as("float32")

    def half(self):
        return self._as("float16")

    def long(self):
        return self._as("int64")

    def int(self):
        return self._as("int32")

    def short(self):
        return self._as("int16")

    def char(self):
        return self._as("int8")

    def byte(self):
        return self._as("uint8")

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation):
    if permutation is None:
        return None
    inverse = np.empty_like(permutation._data)
    inverse[permutation._data] = np.arange(permutation._data.size, dtype=inverse.dtype)
    return new_tensor(inverse)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    if not isinstance(lengths, Tensor):
        lengths = new_tensor(np.asarray(lengths, dtype=np.int64))
    else:
        lengths = lengths.to(dtype=_int64())
    sorted_indices = None
    if not enforce_sorted:
        from gradrepl.engine.ops.sorting import sort

        lengths, sorted_indices = sort(lengths, descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = pack_padded(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def _int64():
    from gradrepl.engine.dtypes import int64

    return int64


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    max_seq_length = sequence.batch_sizes.size(0)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_seq_length}")
        max_seq_length = total_length
    padded, lengths = _pad_packed(sequence.data, sequence.batch_sizes, batch_first,
                                  padding_value, max_seq_length)
    if sequence.unsorted_indices is not None:
        batch_dim = 0 if batch_first else 1
        return (padded.index_select(batch_dim, sequence.unsorted_indices),
                lengths[sequence.unsorted_indices])
    return padded, lengths


def _pad_packed(data, batch_sizes, batch_first, padding_value, total_length):
    """ATen's _pad_packed_sequence: each run of steps with one batch size is one view of the
    data copied into the filled output."""
    from gradrepl.engine.factories import full

    sizes = [int(b) for b in batch_sizes._data]
    trailing = tuple(data.shape[1:])
    output = full((total_length, sizes[0]) + trailing, padding_value, dtype=data.dtype)
    lengths = np.empty(sizes[0], dtype=np.int64)
    offset, previous, start = 0, sizes[0], 0
    for i in range(len(sizes) + 1):
        size = sizes[i] if i < len(sizes) else 0
        if size != previous:
            count = previous * (i - start)
            # a slice, which stops at the end of the data as ATen's does: a malformed
            # PackedSequence then fails in view, in torch's words
            rows = data[offset:offset + count].view((i - start, previous) + trailing)
            output.narrow(0, start, i - start).narrow(1, 0, previous).copy_(rows)
            offset += count
            start = i
        lengths[size:previous] = i
        previous = size
    if batch_first:
        output = ops.transpose(output, 0, 1)
    return output, new_tensor(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    from collections.abc import Iterable

    from gradrepl.engine.factories import full

    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg of "
                           f"type: {type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    longest = max(s.size(0) for s in sequences)
    lead = (len(sequences), longest) if batch_first else (longest, len(sequences))
    out = full(lead + tuple(sequences[0].shape[1:]), padding_value, dtype=sequences[0].dtype)
    for i, seq in enumerate(sequences):
        length = seq.size(0)
        start = longest - length if padding_side == "left" else 0
        # ATen's out.select(0, i).narrow(...) / out.narrow(...).select(1, i)
        if batch_first:
            out[i].narrow(0, start, length).copy_(seq)
        else:
            out.narrow(0, start, length)[:, i].copy_(seq)
    return out


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    index = new_tensor(np.arange(padded_sequences.shape[1], dtype=np.int64))
    return [seq[index < length] for seq, length in zip(padded_sequences, lengths, strict=True)]


def pack_sequence(sequences, enforce_sorted=True):
    lengths = new_tensor(np.array([v.size(0) for v in sequences], dtype=np.int64))
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
