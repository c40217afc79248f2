"""embedding (EmbeddingBackward0) and the trilinear product under F.bilinear (TrilinearBackward0)."""

from __future__ import annotations

import numpy as np

from gradrepl.engine.ops.nn_common import twice
from gradrepl.engine.ops.primitive import Primitive
from gradrepl.engine.tensor import data_of


def _embedding_forward(weight, indices, padding_idx):
    return weight[indices]


def _embedding_backward(g, inputs, out, params, needs):
    (weight,) = inputs
    indices, padding_idx = params
    grad = np.zeros(weight.shape, dtype=weight.dtype)
    np.add.at(grad, indices.reshape(-1), np.asarray(g, dtype=weight.dtype).reshape(
        -1, weight.shape[1]))
    if padding_idx is not None:
        grad[padding_idx] = 0  # the padding row gets no gradient
    return (grad,)


def _dense_backward_forward(g, indices, padding_idx, num_weights):
    weight = np.empty((num_weights, np.shape(g)[-1]), dtype=np.result_type(g))
    return _embedding_backward(g, (weight,), None, (indices, padding_idx), (True,))[0]


def _dense_double_backward(F, grad, indices, padding_idx):
    # embedding_dense_double_backward: grad's rows picked again, the padding row's uses zeroed
    picked = F.index(grad, indices)
    if padding_idx is None or not (indices == padding_idx).any():
        return picked
    return F.where(np.expand_dims(indices == padding_idx, -1), F.zeros((), picked), picked)


# embedding_dense_backward(grad_output, indices, num_weights, padding_idx, ...): only grad_output
# is a tensor input; the weight is not (its second derivative is undefined, not zero)
EMBEDDING_DENSE_BACKWARD = Primitive(
    "embedding_dense_backward", "EmbeddingDenseBackwardBackward0", _dense_backward_forward,
    inputs=("grad_output",), params=("indices", "padding_idx", "num_weights"),
    derivatives={"grad_output": lambda F, grad, indices, padding_idx:
                 _dense_double_backward(F, grad, indices, padding_idx)},
    saves=("indices",))


def _embedding_recorded(F, g, inputs, out, params, needs):
    indices, padding_idx = params
    return (F.apply(EMBEDDING_DENSE_BACKWARD, (g,),
                    (indices, padding_idx, np.shape(inputs[0])[0])),)


# torch saves the indices (here a parameter: an integer tensor never takes a gradient)
EMBEDDING = Primitive("embedding", "EmbeddingBackward0", _embedding_forward,
                      twice(_embedding_backward, _embedding_recorded), inputs=("weight",),
                      params=("indices", "padding_idx"), saves=("indices",))


def _bilinear_forward(x1, x2, w):
    # out[n, o] = sum_ij x1[n, i] w[o, i, j] x2[n, j], summed in float64 and rounded once
    out = np.einsum("ni,oij,nj->no", x1.astype(np.float64), w.astype(np.float64),
                    x2.astype(np.float64))
    return out.astype(np.result_type(x1, x2, w))


def _bilinear_backward(g, inputs, out, params, needs):
    x1, x2, w = inputs
    g64 = np.asarray(g).astype(np.float64)
    a, b, c = (v.astype(np.float64) for v in (x1, x2, w))
    return (np.einsum("no,oij,nj->ni", g64, c, b).astype(x1.dtype) if needs[0] else None,
            np.einsum("no,ni,oij->nj", g64, a, c).astype(x2.dtype) if needs[1] else None,
            np.einsum("no,ni,nj->oij", g64, a, b).astype(w.dtype) if needs[2] else None)


# Under create_graph=True each gradient is itself a trilinear product, recorded (torch's
# _trilinear_backward calls _trilinear): out[n, p] = sum_qr a[n, q] W[p, q, r] b[n, r] gives the
# inputs' gradients with the weight's dims permuted, and the weight's gradient is its own row.

def _trilinear(F, a, b, w, dims):
    return F.apply(TRILINEAR, (a, b, F.permute(w, dims)))


def _weight_grad_forward(g, x1, x2):
    # w[o, i, j] = sum_n g[n, o] x1[n, i] x2[n, j], summed in float64 and rounded once
    out = np.einsum("no,ni,nj->oij", *(v.astype(np.float64) for v in (g, x1, x2)))
    return out.astype(np.result_type(g, x1, x2))


TRILINEAR_WEIGHT = Primitive(
    "_trilinear", "TrilinearBackward0", _weight_grad_forward, inputs=("grad_output", "i1", "i2"),
    derivatives={
        "grad_output": lambda F, grad, i1, i2: F.apply(TRILINEAR, (i1, i2, grad)),
        "i1": lambda F, grad, grad_output, i2: _trilinear(F, grad_output, i2, grad, (1, 0, 2)),
        "i2": lambda F, grad, grad_output, i1: _trilinear(F, grad_output, i1, grad, (2, 0, 1))},
    saves=("grad_output", "i1", "i2"))


def _bilinear_recorded(F, g, inputs, out, params, needs):
    x1, x2, w = inputs
    view = F.reshape
    return (view(_trilinear(F, x2, g, w, (1, 2, 0)), np.shape(data_of(x1))) if needs[0] else None,
            view(_trilinear(F, x1, g, w, (2, 1, 0)), np.shape(data_of(x2))) if needs[1] else None,
            F.apply(TRILINEAR_WEIGHT, (g, x1, x2)) if needs[2] else None)


# each input's gradient reads the other two (derivatives.yaml: wrap_opt_if on the others' masks)
TRILINEAR = Primitive("_trilinear", "TrilinearBackward0", _bilinear_forward,
                      twice(_bilinear_backward, _bilinear_recorded), inputs=("i1", "i2", "i3"),
                      saves={"i1": ("i2", "i3"), "i2": ("i1", "i3"), "i3": ("i1", "i2")})
