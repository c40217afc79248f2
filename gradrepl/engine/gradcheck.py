"""``torch.autograd.gradcheck`` and ``gradgradcheck``: backward checked against finite differences.

The rule is torch's slow (default) mode (torch/autograd/gradcheck.py): for every input that
requires grad and every element of it, the numerical derivative is the central difference
``(f(x + eps) - f(x - eps)) / (2 eps)``, written into the input's memory in place; the analytical
Jacobian comes from one ``autograd.grad`` per output element with a one-hot grad_output. Both
are (input numel x output numel) matrices and must agree within ``atol + rtol * |numerical|``,
else ``GradcheckError`` prints both, as torch does. Then the backward must give zero gradients
for zero grad_outputs ("backward not multiplied by grad_output").

Not implemented: fast_mode, check_forward_ad, check_batched_grad (they raise UnsupportedError).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.autograd import grad as autograd_grad
from gradrepl.engine.tensor import Tensor, new_tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


GradcheckError.__module__ = "torch.autograd.gradcheck"


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None) -> bool:
    if not (check_forward_ad or check_backward_ad):
        raise AssertionError("Expected at least one of check_forward_ad or check_backward_ad to be True")
    for flag, what in ((fast_mode, "fast_mode=True"), (check_forward_ad, "check_forward_ad=True"),
                       (check_batched_grad, "check_batched_grad=True"),
                       (check_batched_forward_grad, "check_batched_forward_grad=True")):
        if flag:
            from gradrepl.engine.errors import UnsupportedError

            raise UnsupportedError(f"torch.autograd.gradcheck({what})")
    try:
        return _check(func, inputs, eps, atol, rtol, check_grad_dtypes)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    return tuple(x) if isinstance(x, list) else (x,)


def _differentiable(outputs) -> tuple:
    return tuple(o for o in _as_tuple(outputs) if o.requires_grad)


def _check(func, inputs, eps, atol, rtol, check_grad_dtypes) -> bool:
    inputs = _as_tuple(inputs)
    _check_inputs(inputs)
    func_out = _as_tuple(func(*inputs))
    outputs = _differentiable(func_out)
    wrt = [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    numerical = [_numerical_jacobian(func, inputs, i, x, func_out, eps) for i, x in wrt]
    if not outputs:
        for per_output in numerical:
            for jac in per_output:
                if np.count_nonzero(jac._data):
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    # numerical[input][output] -> by output, keeping the outputs that require grad
    by_output = [col for o, col in zip(func_out, zip(*numerical)) if o.requires_grad]
    diff_inputs = [x for _, x in wrt]
    for i, out in enumerate(outputs):
        analytical = _analytical_jacobian(diff_inputs, out, check_grad_dtypes)
        for j, (a, n) in enumerate(zip(analytical, by_output[i])):
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                                     f"numerical:{n}\nanalytical:{a}\n")
    _check_zero_grad_outputs(outputs, diff_inputs)
    return True


def _check_inputs(inputs: tuple) -> None:
    found = False
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        if x.dtype is not dtypes.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or "
                          "complex. This check will likely fail if all the inputs are not of double "
                          "precision floating point or complex. ", UserWarning, stacklevel=4)
        if not all(st > 0 or sz <= 1 for st, sz in zip(x.stride(), x.size())):
            raise RuntimeError(f"The {i}th input has a dimension with stride 0. gradcheck only supports "
                               "inputs that are non-overlapping to be able to compute the numerical "
                               "gradients correctly. You should call .contiguous on the input before "
                               "passing it to gradcheck.")
        found = True
    if not found:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of "
                         "them have requires_grad=True.")


def _numerical_jacobian(func, inputs: tuple, index: int, x: Tensor, func_out: tuple, eps) -> list:
    """Per float output: a (x.numel(), output.numel()) tensor of central differences."""
    from gradrepl.engine.factories import zeros

    memory = x._memory()  # perturbed in place, through x's own memory, as torch perturbs x.data
    float_outputs = [o for o in func_out if isinstance(o, Tensor) and o.is_floating_point()]
    jacobians = [zeros((x.numel(), o.numel()), dtype=o.dtype) for o in float_outputs]
    for d_idx, idx in enumerate(itertools.product(*[range(n) for n in memory.shape])):
        orig = memory[idx].copy()
        memory[idx] = _scalar_op(orig, eps, np.subtract)
        before = _outputs(func, inputs)
        memory[idx] = _scalar_op(orig, eps, np.add)
        after = _outputs(func, inputs)
        memory[idx] = orig
        for k, (a, b) in enumerate(zip(before, after)):
            _check_same_dtype_and_shape(a, b, eps, idx)
            jacobians[k]._data[d_idx] = ((b - a) / (2 * eps)).detach().reshape(-1)._data
    return jacobians


def _scalar_op(value, eps, op):
    # torch computes x[idx] -/+ eps as a 0-d tensor of x's dtype minus a Python float
    return op(np.asarray(value), eps, dtype=value.dtype)


def _outputs(func, inputs) -> list:
    return [o.clone() for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor) and o.is_floating_point()]


def _check_same_dtype_and_shape(a, b, eps, idx) -> None:
    where = f"on index {idx} "
    if a.shape != b.shape:
        raise AssertionError(f"Expected `func` to return outputs with the same shape when inputs are "
                             f"perturbed {where}by {eps}, but got: shapes {a.shape} and {b.shape}.")
    if a.dtype is not b.dtype:
        raise AssertionError(f"Expected `func` to return outputs with the same dtype when inputs are "
                             f"perturbed {where}by {eps}, but got: dtypes {a.dtype} and {b.dtype}.")


def _analytical_jacobian(diff_inputs: list, output: Tensor, check_grad_dtypes: bool) -> list:
    """Per input: a (input.numel(), output.numel()) tensor whose column j is d output[j] / d input."""
    columns = [np.zeros((x.numel(), output.numel()), dtype=x._data.dtype) for x in diff_inputs]
    one_hot = np.zeros(output.numel(), dtype=output._data.dtype)
    sizes_ok = types_ok = True
    for j in range(output.numel()):
        one_hot[:] = 0
        one_hot[j] = 1
        grad_output = new_tensor(one_hot.reshape(output._data.shape).copy())
        grads = autograd_grad(output, diff_inputs, grad_output, retain_graph=True, allow_unused=True)
        for col, g, x in zip(columns, grads, diff_inputs):
            if g is None:
                continue
            if g.size() != x.size():
                sizes_ok = False
                continue
            if g.dtype is not x.dtype:
                types_ok = False
            col[:, j] = np.asarray(g._data).reshape(-1)
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    return [new_tensor(c) for c in columns]


def _allclose(a: Tensor, b: Tensor, rtol, atol) -> bool:
    dtype = np.promote_types(a._data.dtype, b._data.dtype)
    x, y = np.asarray(a._data, dtype), np.asarray(b._data, dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.all(np.abs(x - y) <= atol + rtol * np.abs(y)))


def _check_zero_grad_outputs(outputs: tuple, diff_inputs: list) -> None:
    from gradrepl.engine.factories import zeros_like

    grads = autograd_grad(outputs, diff_inputs, [zeros_like(o) for o in outputs], allow_unused=True)
    for g, x in zip(grads, diff_inputs):
        if g is None:
            continue
        if np.count_nonzero(g._data):
            raise GradcheckError("backward not multiplied by grad_output")
        if g.dtype is not x.dtype:
            raise GradcheckError("grad is incorrect type")
        if g.size() != x.size():
            raise GradcheckError("grad is incorrect size")


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False) -> bool:
    """gradcheck of the function that maps (inputs, grad_outputs) to the input gradients."""
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        # torch draws them with torch.testing.make_tensor: uniform in [-1, 1), from the global generator
        from gradrepl.engine.factories import empty

        outputs = _differentiable(func(*inputs))
        grad_outputs = tuple(empty(tuple(o.shape), dtype=o.dtype).uniform_(-1, 1).requires_grad_(True)
                             for o in outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n = len(grad_outputs)
    wanted = {i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad}

    def input_gradients(*args):
        xs = args[:-n] if n else args
        outputs = _differentiable(func(*xs))
        diff = tuple(x for i, x in enumerate(xs) if i in wanted)
        grads = autograd_grad(outputs, diff, args[len(args) - n:], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(input_gradients, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad, check_grad_dtypes=check_grad_dtypes,
                     check_batched_grad=check_batched_grad, fast_mode=fast_mode,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev)


for _fn in (gradcheck, gradgradcheck):
    _fn.__module__ = "torch.autograd.gradcheck"
