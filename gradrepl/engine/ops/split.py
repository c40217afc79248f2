"""``unsafe_chunk``: equal pieces along a dim as one node with several outputs
(``UnsafeSplitBackward0``), what ATen's LSTM and GRU cells split their gates with. The backward
concatenates the pieces' gradients (zeros for a piece that got none)."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.backends import arrays
from gradrepl.engine.ops.primitive import Primitive, wrap
from gradrepl.engine.ops.registry import register
from gradrepl.engine.tensor import new_tensor, wrap_dim


def _unsafe_split_backward(F, grads, inputs, out, params, needs):
    dim, size = params
    shape = list(np.shape(inputs[0]))
    pieces = []
    for i, g in enumerate(grads):
        part = list(shape)
        part[dim] = min(size, shape[dim] - i * size)
        pieces.append(g if g is not None else F.zeros(tuple(part), inputs[0]))
    if F is arrays:
        return (np.concatenate([np.asarray(p) for p in pieces], axis=dim),)
    from gradrepl.engine.ops.combine import cat

    return (cat(list(pieces), dim),)


def unsafe_chunk(tensor, chunks: int, dim: int = 0) -> tuple:
    """``chunk`` as one UnsafeSplitBackward0 node with several outputs."""
    dim = wrap_dim(dim, tensor.ndim)
    length = tensor.shape[dim]
    size = -(-length // chunks)
    memory = tensor._data
    parts = [np.array(memory[(slice(None),) * dim + (slice(start, start + size),)])
             for start in range(0, length, size)]
    prim = Primitive("unsafe_split", "UnsafeSplitBackward0", None, _unsafe_split_backward,
                     inputs=("self",), params=("dim", "split_size"), saves=(),
                     n_outputs=len(parts))
    first = wrap(prim, parts[0], (tensor,), (dim, size))
    node = first.grad_fn
    if node is not None:
        node._multi = node._special = True
    results = [first]
    for i, part in enumerate(parts[1:], start=1):
        result = new_tensor(part)
        if node is not None:
            result._requires_grad = True
            result.grad_fn = node
            result._output_nr = i
        results.append(result)
    return tuple(results)


register("unsafe_chunk", unsafe_chunk, section="shape")
