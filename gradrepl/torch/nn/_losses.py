"""The loss functions of ``torch.nn.functional``, argument handling as in torch's functional.py.

One-node losses run a row of ``engine/ops/nn_loss.py``; the losses torch composes from other ops
(l1_loss, kl_div, cross_entropy with probabilities or label smoothing) are composed here the same
way, so their ``grad_fn`` chains read as torch's.
"""

from __future__ import annotations

import warnings

import numpy as np

from gradrepl.engine import ops as _ops
from gradrepl.engine.ops import nn_loss as _rows
from gradrepl.engine.ops.nn_common import check_reduction
from gradrepl.engine.ops.primitive import apply
from gradrepl.engine.ops.promotion import raise_broadcast_error
from gradrepl.engine.tensor import Tensor, new_tensor
from gradrepl.engine.warn import warn_user

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
           "huber_loss", "kl_div", "l1_loss", "mse_loss", "nll_loss", "smooth_l1_loss"]


def _legacy_reduction(size_average, reduce, reduction):
    """torch's _Reduction.legacy_get_string, with its deprecation warning."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", stacklevel=3)
    return reduction


def _no_arrays(input, target):
    """torch's Python loss functions call ``target.size()`` (then ``input.size()``) first: an
    ndarray's ``size`` is an int, so a learner's numpy target fails as torch's does."""
    if isinstance(target, np.ndarray) or isinstance(input, np.ndarray):
        raise TypeError("'int' object is not callable")


def _tensor_arguments(kernel, input, target):
    """The C++ losses torch calls directly refuse an ndarray in its parser's words."""
    for position, (name, value) in enumerate((("input", input), ("target", target)), 1):
        if isinstance(value, np.ndarray):
            raise TypeError(f"{kernel}(): argument '{name}' (position {position}) must be Tensor, "
                            "not numpy.ndarray")


def _size_warning(input, target):
    if tuple(target.shape) != tuple(input.shape):
        # at the user's line, as torch's (stacklevel=2 from the F function they called)
        warn_user(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.")


def _broadcast(input, target):
    try:
        shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    except ValueError:
        raise_broadcast_error(input._data, target._data)  # torch's words
    if tuple(input.shape) != shape:
        input = _ops.expand(input, shape)
    if tuple(target.shape) != shape:
        target = _ops.expand(target, shape)
    return input, target


def _no_weight(name, weight):
    if weight is not None:
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.nn.functional.{name} with weight=")


# False: every pointwise loss through the size warning's and the broadcast's checks, which the
# tests compare the short path with
SAME_SHAPE_SHORT_PATH = True


def _pointwise(row, name, input, target, reduction, k, weight=None):
    _no_arrays(input, target)
    _no_weight(name, weight)
    if not (SAME_SHAPE_SHORT_PATH and isinstance(input, Tensor) and isinstance(target, Tensor)
            and input._data.shape == target._data.shape):
        # (short path: the same shapes warn about nothing and broadcast to themselves)
        _size_warning(input, target)
        input, target = _broadcast(input, target)
    return apply(row, (input, target), (check_reduction(reduction), float(k)))


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return _pointwise(_rows.MSE_LOSS, "mse_loss", input, target, reduction, 0.0, weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    return _pointwise(_rows.SMOOTH_L1_LOSS, "smooth_l1_loss", input, target, reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    return _pointwise(_rows.HUBER_LOSS, "huber_loss", input, target, reduction, delta, weight)


def _reduce(loss, reduction):
    if reduction == "mean":
        return _ops.mean(loss)
    if reduction == "sum":
        return _ops.sum(loss)
    return loss


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    # torch's l1_loss is composite: (input - target).abs(), then mean or sum
    _no_arrays(input, target)
    reduction = check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _no_weight("l1_loss", weight)
    _size_warning(input, target)
    input, target = _broadcast(input, target)
    return _reduce(_ops.abs(_ops.sub(input, target)), reduction)


# ---------------------------------------------------------------------------------------------
# Classification


def _check_target_dtype(target):
    if target.dtype.numpy.kind not in "iu" or target.dtype.numpy.itemsize not in (1, 8) or (
            target.dtype.numpy.itemsize == 1 and target.dtype.numpy.kind == "i"):
        from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES

        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {SCALAR_TYPE_NAMES[target.dtype]}")


def _check_nll_shapes(input, target, weight):
    """torch's nll_loss_nd checks, in its order: the batch sizes first, then each rank's own
    (a 4-D input is nll_loss2d's, a 3-D or 5-D+ one must have the target ``[N, d1, d2, ...]``),
    so that a transposed target is a shape error, never an index out of bounds."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    batch = input.shape[0] if input.dim() > 1 else 1
    target_batch = target.shape[0] if target.dim() else 1
    if input.dim() != 1 and batch != target_batch:
        raise ValueError(f"Expected input batch_size ({batch}) to match target batch_size "
                         f"({target_batch}).")
    if input.dim() <= 2 and target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() == 4:
        if target.dim() != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {target.dim()}")
        if tuple(target.shape[1:]) != tuple(input.shape[2:]):
            # (torch's message has no closing parenthesis)
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: "
                               f"{list(target.shape)}")
    elif input.dim() > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {_expected(input)}, got {list(target.shape)}")
    classes = input.shape[0 if input.dim() == 1 else 1]
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes but "
            f"got weight tensor of shape: [{', '.join(str(s) for s in weight.shape)}]")


def _expected(input):
    return str([input.shape[0], *input.shape[2:]])


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    _tensor_arguments("nll_loss_nd", input, target)
    reduction = check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _check_nll_shapes(input, target, weight)
    _check_target_dtype(target)
    w = None if weight is None else weight._data.astype(input._data.dtype, copy=False)
    params = (target._data.astype(np.int64), w, reduction, int(ignore_index))
    if input.dim() <= 2:
        return apply(_rows.NLL_LOSS, (input,), params)
    if input.dim() == 4:
        return apply(_rows.NLL_LOSS_2D, (input,), params)
    # other ranks fold into 2-d maps, as torch's nll_loss_nd does
    n, c = input.shape[0], input.shape[1]
    folded = _ops.view(_ops.contiguous(input), (n, c, 1, -1))
    flat_target = target._data.astype(np.int64).reshape(n, 1, -1)
    out = apply(_rows.NLL_LOSS_2D, (folded,), (flat_target,) + params[1:])
    return _ops.view(out, tuple(target.shape)) if reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    _tensor_arguments("cross_entropy_loss", input, target)
    reduction = check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    log_p = _ops.log_softmax(input, class_dim)
    if tuple(input.shape) == tuple(target.shape):
        return _probability_loss(log_p, target, weight, reduction, label_smoothing, class_dim)
    loss = nll_loss(log_p, target, weight, None, ignore_index, None, reduction)
    if label_smoothing <= 0.0:
        return loss
    from gradrepl.engine.ops import scalar_arith as _scaled

    smooth = _smoothing_term(log_p, target, weight, reduction, ignore_index, class_dim)
    classes = input.shape[class_dim]
    return _ops.add(_scaled.mul_scalar(loss, 1 - label_smoothing),
                    _scaled.mul_scalar(smooth, label_smoothing / classes))


def _class_weight(weight, ndim, class_dim):
    shape = [1] * ndim
    shape[class_dim] = -1
    return _ops.view(weight, tuple(shape))


def _smoothing_term(log_p, target, weight, reduction, ignore_index, class_dim):
    ignored = target._data == ignore_index
    if weight is not None:
        term = _ops.neg(_ops.sum(_ops.mul(log_p, _class_weight(weight, log_p.dim(), class_dim)),
                                 class_dim))
    else:
        term = _ops.neg(_ops.sum(log_p, class_dim))
    term = _ops.where(new_tensor(ignored), new_tensor(np.zeros((), term._data.dtype)), term) \
        if ignored.any() else term
    if reduction == "none":
        return term
    total = _ops.sum(term)
    if reduction == "sum":
        return total
    kept = target._data[~ignored].astype(np.int64)
    if weight is None:
        return _ops.div(total, new_tensor(np.asarray(kept.size, dtype=np.int64)))
    picked = new_tensor(weight._data[kept])
    return _ops.div(total, _ops.sum(picked))


def _probability_loss(log_p, target, weight, reduction, label_smoothing, class_dim):
    from gradrepl.engine.ops import scalar_arith as _scaled

    classes = log_p.shape[class_dim]
    if label_smoothing > 0.0:
        target = _ops.add(_scaled.mul_scalar(target, 1 - label_smoothing),
                          label_smoothing / classes)
    product = _ops.mul(log_p, target)
    if weight is not None:
        product = _ops.mul(product, _class_weight(weight, log_p.dim(), class_dim))
    if reduction == "none":
        return _ops.neg(_ops.sum(product, class_dim))
    total = _ops.neg(_ops.sum(product))
    if reduction == "sum":
        return total
    return _scaled.div_scalar(total, log_p.numel() // classes if log_p.numel() else 0)


def _check_same_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size.")


def _broadcast_weight(weight, shape, dtype):
    if weight is None:
        return None
    return np.broadcast_to(weight._data.astype(dtype, copy=False), shape)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    _no_arrays(input, target)
    reduction = check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _check_same_size(input, target)
    _check_binary_cross_entropy_dtypes(input, target)
    dtype = input._data.dtype
    params = (_broadcast_weight(weight, tuple(input.shape), dtype), reduction)
    return apply(_rows.BINARY_CROSS_ENTROPY, (input, target), params)


def _check_binary_cross_entropy_dtypes(input, target):
    """torch's kernel runs one TensorIterator over the loss (input's dtype), input and target,
    which must all share a dtype ('Found dtype Long but expected Float': a learner's integer
    labels), and only then dispatches on that dtype (floating types only). Both come before the
    check that the input lies in [0, 1]."""
    from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES

    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {SCALAR_TYPE_NAMES[target.dtype]} but expected "
                           f"{SCALAR_TYPE_NAMES[input.dtype]}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f'"binary_cross_entropy" not implemented for \'{SCALAR_TYPE_NAMES[input.dtype]}\'')


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    _no_arrays(input, target)
    reduction = check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    dtype = input._data.dtype
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_type_name(target)}")
    params = (_broadcast_weight(weight, input.shape, dtype),
              None if pos_weight is None else pos_weight._data.astype(dtype, copy=False),
              reduction)
    return apply(_rows.BINARY_CROSS_ENTROPY_WITH_LOGITS, (input, target), params)


def _type_name(t):
    from gradrepl.engine.dtypes import SCALAR_TYPE_NAMES

    return SCALAR_TYPE_NAMES[t.dtype]


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", stacklevel=2)
    if reduction != "batchmean":
        check_reduction(reduction)
    if log_target:
        pointwise = _ops.mul(_ops.exp(target), _ops.sub(target, input))
    else:
        pointwise = _ops.sub(_xlogy_self(target), _ops.mul(target, input))
    if reduction == "batchmean":
        total = _ops.sum(pointwise)
        return _ops.div(total, input.shape[0]) if input.dim() else total
    return _reduce(pointwise, reduction)


def _xlogy_self(target):
    """``xlogy(target, target)``: 0 where target is 0; a constant unless target needs a grad."""
    if target.requires_grad:
        from gradrepl.engine.ops.special import xlogy

        return xlogy(target, target)
    t = target._data
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(t == 0, t.dtype.type(0), t * np.log(t))
    return new_tensor(np.where(np.isnan(t), t, out).astype(t.dtype, copy=False))
