"""``torch.autograd.functional``: jacobian, hessian, vjp, jvp, vhp and hvp of a Python function.

All are built on ``autograd.grad`` the way torch builds them (torch/autograd/functional.py), so
values, grad_fn names under ``create_graph=True`` and error messages are torch's:

- inputs are first replaced by fresh leaves (detached copies that require grad) or, under
  ``create_graph``, by views of themselves, so the result is connected to the caller's graph;
- ``jvp`` and ``hvp`` use the "double backward trick" (differentiate a vjp with respect to the
  vector) rather than forward-mode AD, as torch does;
- a tuple given for inputs or returned by ``func`` gives tuple results; a single tensor does not.

``vectorize=True`` asks torch to batch the rows through vmap; gradrepl computes the same rows one
at a time, which gives the same values.
"""

from __future__ import annotations

from gradrepl.engine import grad_mode
from gradrepl.engine.autograd import grad as autograd_grad
from gradrepl.engine.factories import zeros_like
from gradrepl.engine.tensor import Tensor

OUTPUTS = "outputs of the user-provided function"


def _tupled(value, what: str, fn: str) -> tuple[bool, tuple]:
    """(whether ``value`` was a tuple, it as a tuple), checking that it holds tensors only."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {what}"
            raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors "
                            f"but {where} has type {type(item)}.")
    return is_tuple, items


def _untupled(result, was_tuple):
    """Undo ``_tupled``: ``was_tuple`` is one flag, or (outputs, inputs) flags for nested results."""
    if isinstance(was_tuple, tuple):
        outer, inner = was_tuple
        if not inner:
            result = tuple(row[0] for row in result)
        return result if outer else result[0]
    return result if was_tuple else result[0]


def _fresh(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Inputs as the function will see them: new leaves, or views keeping the caller's graph."""
    return tuple(x.view_as(x) if create_graph and x.requires_grad
                 else x.detach().requires_grad_(need_graph) for x in inputs)


def _finish(values, create_graph: bool):
    if not create_graph:
        return tuple(_finish(v, False) if isinstance(v, tuple) else v.detach() for v in values)
    return values


def _check_v(v: tuple, like: tuple, like_is_tuple: bool) -> None:
    if len(v) != len(like):
        if like_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (vi, ref) in enumerate(zip(v, like)):
        if vi.size() != ref.size():
            where = f"Entry {i} in " if like_is_tuple else ""
            raise RuntimeError(f"{where}v has invalid size: should be {ref.size()} but got {vi.size()}.")


_NOT_REQUIRING = {
    "hessian": ("The hessian of the user-provided function with respect to input {i} is independent "
                "of the input. This is not allowed in strict mode. You should ensure that your "
                "function is thrice differentiable and that the hessian depends on the inputs."),
    "jacobian": ("While computing the hessian, found that the jacobian of the user-provided function "
                 "with respect to input {i} is independent of the input. This is not allowed in strict "
                 "mode. You should ensure that your function is twice differentiable and that the "
                 "jacobian depends on the inputs (this would be violated by a linear function for "
                 "example)."),
    "grad_inputs": ("The gradient with respect to input {i} is independent of the inputs of the "
                    "user-provided function. This is not allowed in strict mode."),
    "outputs": ("Output {i} of the user-provided function does not require gradients. The outputs "
                "must be computed in a differentiable manner from the input when running in strict "
                "mode."),
}


def _check_requires_grad(values: tuple, kind: str, strict: bool) -> None:
    if not strict:
        return
    for i, value in enumerate(values):
        if value is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                               "This is not allowed in strict mode.")
        if not value.requires_grad:
            raise RuntimeError(_NOT_REQUIRING[kind].format(i=i))


def _grad(outputs: tuple, inputs: tuple, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad; None for every input when none does."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return autograd_grad(tuple(o for o, _ in pairs), inputs, tuple(g for _, g in pairs),
                         allow_unused=True, create_graph=create_graph, retain_graph=retain_graph)


_INDEPENDENT = {
    "back": "The output of the user-provided function is independent of input {i}. This is not allowed "
            "in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. This is "
                   "not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} in "
                         "the grad_jacobian. This is not allowed in strict mode as it prevents from "
                         "using the double backward trick to replace forward mode AD.",
}


def _zeros_for_missing(grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str) -> tuple:
    result = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            which = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {which} of the user-provided function is independent of input {i}. "
                               "This is not allowed in strict mode when create_graph=True.")
        result.append(g)
    return tuple(result)


def _v_or_default(v, inputs_or_outputs, is_tuple, fn, about_inputs, create_graph):
    if v is not None:
        _, v = _tupled(v, "v", fn)
        v = _fresh(v, create_graph, need_graph=False)
        _check_v(v, inputs_or_outputs, is_tuple)
        return v
    if len(inputs_or_outputs) != 1 or inputs_or_outputs[0].nelement() != 1:
        if about_inputs:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        raise RuntimeError("The vector v can only be None if the user-provided function returns a "
                           "single Tensor with a single element.")
    return None


def _single_output(outputs: tuple, is_tuple: bool, fn: str) -> None:
    if is_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {fn} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn} should contain a "
                           "single element")


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _tupled(inputs, "inputs", "vjp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _tupled(func(*inputs), OUTPUTS, "vjp")
        _check_requires_grad(outputs, "outputs", strict)
        v = _v_or_default(v, outputs, outputs_tuple, "vjp", False, create_graph)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        result = _zeros_for_missing(_grad(outputs, inputs, v, create_graph), inputs, strict,
                                    create_graph, "back")
    return (_untupled(_finish(outputs, create_graph), outputs_tuple),
            _untupled(_finish(result, create_graph), inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _tupled(inputs, "inputs", "jvp")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        v = _v_or_default(v, inputs, inputs_tuple, "jvp", True, create_graph)
        outputs_tuple, outputs = _tupled(func(*inputs), OUTPUTS, "jvp")
        _check_requires_grad(outputs, "outputs", strict)
        # the double backward trick: u -> J^T u is linear in u; its vjp with v is J v
        u = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _grad(outputs, inputs, u, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with grad_mode.set_grad_enabled(True if create_graph else grad_mode.is_grad_enabled()):
        result = _zeros_for_missing(_grad(grad_inputs, u, v, create_graph), outputs, strict,
                                    create_graph, "back_trick")
    return (_untupled(_finish(outputs, create_graph), outputs_tuple),
            _untupled(_finish(result, create_graph), outputs_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If '
                             'your function has more outputs than inputs, "forward-mode" tends to be more '
                             'performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError("torch.autograd.functional.jacobian(strategy='forward-mode')",
                               "forward-mode AD")
    with grad_mode.enable_grad():
        inputs_tuple, inputs = _tupled(inputs, "inputs", "jacobian")
        inputs = _fresh(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _tupled(func(*inputs), OUTPUTS, "jacobian")
        _check_requires_grad(outputs, "outputs", strict)
        if vectorize and strict:
            raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` "
                               "are not supported together. Please either set `strict=False` or "
                               "`vectorize=False`.")
        rows = tuple(_jacobian_of_output(i, out, inputs, create_graph, strict)
                     for i, out in enumerate(outputs))
    return _untupled(_finish(rows, create_graph), (outputs_tuple, inputs_tuple))


def _jacobian_of_output(i: int, out: Tensor, inputs: tuple, create_graph: bool, strict: bool) -> tuple:
    """d out / d input for every input: one autograd.grad per element of ``out``."""
    from gradrepl.engine.ops.combine import stack

    per_input = [[] for _ in inputs]
    flat = out.reshape(-1)
    for j in range(out.nelement()):
        row = _grad((flat[j],), inputs, retain_graph=True, create_graph=create_graph)
        for k, (g, x) in enumerate(zip(row, inputs)):
            if g is None:
                if strict:
                    raise RuntimeError(f"Output {i} of the user-provided function is independent of "
                                       f"input {k}. This is not allowed in strict mode.")
                g = zeros_like(x)
            elif strict and create_graph and not g.requires_grad:
                raise RuntimeError(f"The jacobian of the user-provided function is independent of input "
                                   f"{i}. This is not allowed in strict mode when create_graph=True.")
            per_input[k].append(g)
    return tuple(stack(rows, dim=0).view(tuple(out.size()) + tuple(x.size()))
                 for rows, x in zip(per_input, inputs))


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    inputs_tuple, inputs = _tupled(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*xs):
        out = func(*xs)
        is_tuple, outs = _tupled(out, OUTPUTS, "hessian")
        _check_requires_grad(outs, "outputs", strict)
        _single_output(outs, is_tuple, "hessian")
        return out.squeeze()

    def gradient(*xs):
        jac = jacobian(scalar_func, xs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
                      strategy=outer_jacobian_strategy)
    return _untupled(result, (inputs_tuple, inputs_tuple))


def _first_derivative(func, inputs, v, create_graph, strict, fn):
    """The shared start of vhp and hvp: fresh inputs, checked v, outputs and their gradient."""
    inputs_tuple, inputs = _tupled(inputs, "inputs", fn)
    inputs = _fresh(inputs, create_graph, need_graph=True)
    v = _v_or_default(v, inputs, inputs_tuple, fn, True, create_graph)
    outputs_tuple, outputs = _tupled(func(*inputs), OUTPUTS, fn)
    _check_requires_grad(outputs, "outputs", strict)
    _single_output(outputs, outputs_tuple, fn)
    jac = _grad(outputs, inputs, create_graph=True)
    _check_requires_grad(jac, "jacobian", strict)
    return inputs_tuple, inputs, v, outputs_tuple, outputs, jac


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    with grad_mode.enable_grad():
        inputs_tuple, inputs, v, outputs_tuple, outputs, jac = _first_derivative(
            func, inputs, v, create_graph, strict, "vhp")
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        result = _zeros_for_missing(_grad(jac, inputs, v, create_graph), inputs, strict,
                                    create_graph, "double_back")
    return (_untupled(_finish(outputs, create_graph), outputs_tuple),
            _untupled(_finish(result, create_graph), inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    with grad_mode.enable_grad():
        inputs_tuple, inputs, v, outputs_tuple, outputs, jac = _first_derivative(
            func, inputs, v, create_graph, strict, "hvp")
        u = tuple(zeros_like(x, requires_grad=True) for x in inputs)
        double_back = _grad(jac, inputs, u, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
    with grad_mode.set_grad_enabled(create_graph or grad_mode.is_grad_enabled()):
        result = _zeros_for_missing(_grad(double_back, u, v, create_graph), inputs, strict,
                                    create_graph, "double_back_trick")
    return (_untupled(_finish(outputs, create_graph), outputs_tuple),
            _untupled(_finish(result, create_graph), inputs_tuple))


for _fn in (vjp, jvp, jacobian, hessian, vhp, hvp):
    _fn.__module__ = "torch.autograd.functional"
