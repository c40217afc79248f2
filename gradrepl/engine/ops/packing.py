"""``_pack_padded_sequence``: a padded batch (seq, batch, *) into the time-major rows of a
PackedSequence, ``PackPaddedSequenceBackward0`` (aten/src/ATen/native/PackedSequence.cpp).

Step t keeps the first ``batch_sizes[t]`` sequences (those longer than t); the rows of all steps
are concatenated. The backward puts each row's gradient back where it came from and leaves the
padding's gradient zero: only copies, so it is exact.
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine.dtypes import scalar_type_name
from gradrepl.engine.ops.named_results import record_outputs
from gradrepl.engine.ops.nn_common import arrays_only
from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.tensor import new_tensor


def _check_lengths(x, lengths):
    """ATen's checks, in its words; ``x`` is already (seq, batch, *)."""
    if lengths.ndim != 1 or lengths.dtype != np.int64:
        raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f"{lengths.ndim}D cpu {scalar_type_name(lengths.dtype)} tensor")
    batch = x.shape[1]
    if lengths.shape[0] != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.shape[0]} (batch_size={batch})")
    if lengths[batch - 1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")


def batch_sizes_of(lengths):
    """How many sequences are longer than t, for t below the longest length."""
    return np.array([(lengths > t).sum() for t in range(int(lengths[0]))], dtype=np.int64)


def _backward(grad_data, inputs, out, params, needs):
    # batch_sizes is not differentiable, so the node has one output and one incoming gradient
    (x,) = inputs
    batch_sizes, batch_first = params
    grad = np.zeros(x.shape, dtype=x.dtype)
    time_major = np.swapaxes(grad, 0, 1) if batch_first else grad
    if len(batch_sizes) > time_major.shape[0]:
        # ATen's backward selects step t of the gradient for every batch size
        raise IndexError(f"select(): index {time_major.shape[0]} out of range for tensor of size "
                         f"{list(time_major.shape)} at dimension 0")
    offset = 0
    for t, size in enumerate(batch_sizes):
        time_major[t, :size] = grad_data[offset:offset + size]
        offset += size
    return (grad,)


PACK_PADDED = Primitive("_pack_padded_sequence", "PackPaddedSequenceBackward0", None,
                        arrays_only("_pack_padded_sequence", _backward), inputs=("input",),
                        params=("batch_sizes", "batch_first"), saves=("batch_sizes",),
                        n_outputs=2)


def pack_padded(input, lengths, batch_first: bool):
    """``(data, batch_sizes)`` of ``torch._VF._pack_padded_sequence``."""
    if input.numel() == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    x = np.swapaxes(input._data, 0, 1) if batch_first else input._data
    lengths_array = np.asarray(lengths._data)
    _check_lengths(x, lengths_array)
    batch_sizes = batch_sizes_of(lengths_array)
    # lengths past the padded length are not refused: ATen slices the steps, and a slice stops
    # at the end, so the data holds the rows there are (and the backward fails, see below)
    steps = batch_sizes[:x.shape[0]]
    data = np.concatenate([x[t, :size] for t, size in enumerate(steps)], axis=0)
    recorded = record_outputs(PACK_PADDED, (data, batch_sizes), (input,),
                              (batch_sizes, bool(batch_first)), differentiable=1)
    return recorded[0], new_tensor(batch_sizes)
