"""``torch.autograd.Function``: ops whose forward and backward the user writes.

As in torch, the ``ctx`` a forward receives *is* the output's grad_fn: an instance of a class
made per Function (``MyExp`` -> ``MyExpBackward``, module ``torch.autograd.function``), so what
the forward stores on ``ctx`` is visible on ``y.grad_fn``. ``Function.apply`` runs the forward
without recording, then attaches that node to the outputs (torch: python_function.cpp,
THPFunction_apply and _wrap_outputs). Its backward is run by python_node.UserBackward.
"""

from __future__ import annotations

import functools
import inspect

from gradrepl.engine import grad_mode
from gradrepl.engine.graph import BACKWARD_TWICE, Node
from gradrepl.engine.ops.primitive import edge_to
from gradrepl.engine.python_node import UserBackward, attach, set_history, validate_grad
from gradrepl.engine.tensor import Tensor, new_tensor

LEAF_IN_PLACE = "a leaf Variable that requires grad has been used in an in-place operation."


class FunctionCtx:
    """What ``forward`` (or ``setup_context``) may call on ``ctx``."""

    _materialize_grads = True
    _to_save = None
    _dirty = ()
    _non_differentiable = ()

    def save_for_backward(self, *tensors) -> None:
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is "
                                f"of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        self.saved_for_forward = tensors

    def mark_dirty(self, *tensors) -> None:
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize_grads = bool(value)


FunctionCtx.__module__ = "torch.autograd.function"


class BackwardCFunction(Node, FunctionCtx):
    """The grad_fn (and ctx) of a custom Function's outputs."""

    _forward_cls = None
    _saved = None  # per saved tensor: what saved_hooks.pack kept (or None for a saved None)
    _freed = False
    _outputs_meta = ()  # per forward output: (shape, dtype) of a tensor output, else None

    def name(self) -> str:
        return type(self).__name__

    # The walker releases a node after a backward that did not retain the graph. A custom
    # Function fails only when its backward then unpacks what it saved, as torch's does.
    @property
    def _released(self) -> bool:
        return False

    def _release(self) -> None:
        if self._saved:
            self._freed = True

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(BACKWARD_TWICE)
        if self._saved is None:
            return ()
        from gradrepl.engine.saved_hooks import unpack

        return tuple(None if entry is None else _check_version(self, *unpack(entry)) for entry in self._saved)

    saved_variables = saved_tensors

    def apply(self, *grads):
        return self._forward_cls.backward(self, *grads)


BackwardCFunction.__module__ = "torch.autograd.function"


def _check_version(node, tensor: Tensor, version: int) -> Tensor:
    now = tensor._version_root()._write_count
    if now != version:
        from gradrepl.engine.dtypes import LEGACY_TYPE_NAMES

        shape = ", ".join(str(s) for s in tensor.shape)
        # torch names the tensor's grad_fn now (after the in-place op), without "Backward<k>";
        # a leaf gets no "which is" part here
        maker = tensor.grad_fn
        if maker is None:
            which = ""
        else:
            which = f", which is output {tensor._output_nr} of {maker.name().rsplit('Backward', 1)[0]},"
        from gradrepl.engine.ops.primitive import _modified_message

        hint = _modified_message(tensor, version, now).split(" Hint: ", 1)[1]
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{LEGACY_TYPE_NAMES[tensor.dtype]} [{shape}]]{which} is at version {now}; "
            f"expected version {version} instead. Hint: {hint}")
    return tensor


class FunctionMeta(type):
    """Makes ``<Name>Backward``, the class of every grad_fn this Function creates."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (BackwardCFunction,), {"_forward_cls": cls})
        backward_cls.__module__ = "torch.autograd.function"
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


FunctionMeta.__module__ = "torch.autograd.function"


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Subclass with static ``forward`` and ``backward`` (and optionally ``setup_context``),
    then call ``MyFunction.apply(...)``."""

    def __init__(self, *args, **kwargs):
        import warnings

        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.",
            DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD.")

    generate_vmap_rule = False

    @staticmethod
    def vmap(info, in_dims, *args):
        raise NotImplementedError(
            "To use autograd.Function with vmap, you must either override the vmap staticmethod or "
            "set generate_vmap_rule=True.")

    @classmethod
    def apply(cls, *args, **kwargs):
        with_setup = cls.setup_context is not Function.setup_context
        if ACTIVE_TRANSFORMS:
            _check_transform_support(cls, with_setup)
        if with_setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, {}
        ctx = cls._backward_cls()
        # torch's C++ apply counts keyword arguments as inputs too, after the positional ones
        inputs = args + tuple(kwargs.values())
        tensor_inputs = [a for a in inputs if isinstance(a, Tensor)]
        ctx._forward_inputs = inputs
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in inputs)
        executable = grad_mode.is_grad_enabled() and any(ctx.needs_input_grad)
        with grad_mode.no_grad():
            if with_setup:
                output = cls.forward(*args)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        return _wrap_outputs(ctx, args, tensor_inputs, output, executable)


Function.__module__ = "torch.autograd.function"


# The torch.func transforms running now, innermost last ("grad", "vmap"): torch lets a Function
# run under them only when it is written for them.
ACTIVE_TRANSFORMS: list = []

_EXTENDING_FUNC = "https://pytorch.org/docs/main/notes/extending.func.html"


def _check_transform_support(cls, with_setup: bool) -> None:
    if not with_setup:
        raise RuntimeError(
            "In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, jacrev, "
            f"...), it must override the setup_context staticmethod. For more details, please see {_EXTENDING_FUNC}")
    if "vmap" in ACTIVE_TRANSFORMS and not cls.generate_vmap_rule and cls.vmap is Function.vmap:
        raise RuntimeError(
            f"You tried to vmap over {cls.__name__}, but it does not have vmap support. Please override "
            "and implement the vmap staticmethod or set generate_vmap_rule=True. For more details, "
            f"please see {_EXTENDING_FUNC}")


def _wrap_outputs(ctx, args: tuple, tensor_inputs: list, output, executable: bool):
    is_tuple = isinstance(output, tuple)
    outputs = output if is_tuple else (output,)
    input_ids = {id(t) for t in tensor_inputs}
    dirty = {id(t) for t in ctx._dirty}
    non_diff = {id(t) for t in ctx._non_differentiable}
    edges = tuple(edge_to(t) for t in tensor_inputs) if executable else None
    for t in ctx._dirty:
        t._bump_version()  # torch counts marking dirty as one more in-place change
    wrapped = []
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            wrapped.append(out)
            continue
        if executable and id(out) in dirty:
            if out.grad_fn is None and out._requires_grad:
                raise RuntimeError(LEAF_IN_PLACE)
        elif id(out) in input_ids:
            out = _alias(out)  # torch returns an unchanged input as a view of it
        if executable and id(out) not in non_diff:
            set_history(out, ctx, i)
        wrapped.append(out)
    if executable:
        ctx._outputs_meta = tuple((tuple(o.shape), o.dtype) if isinstance(o, Tensor) else None
                                  for o in outputs)
        attach(ctx, UserBackward(ctx, len(outputs), _call_backward), tensor_inputs, edges)
        if ctx._to_save is not None:
            from gradrepl.engine.inference import refuse_saved

            refuse_saved(*ctx._to_save)
    _save(ctx)
    return tuple(wrapped) if is_tuple else wrapped[0]


def _alias(tensor: Tensor) -> Tensor:
    alias = new_tensor(tensor._memory())
    alias._base = tensor._version_root()
    return alias


def _save(ctx) -> None:
    if ctx._to_save is None:
        return
    from gradrepl.engine.saved_hooks import pack

    ctx._saved = tuple(None if t is None else pack(t) for t in ctx._to_save)
    ctx._to_save = None


def _call_backward(ctx, grads: list) -> list:
    """Run the user's backward on the incoming grads; one checked gradient per tensor input."""
    cls = ctx._forward_cls
    if ctx._materialize_grads:
        from gradrepl.engine.factories import zeros

        grads = [g if g is not None or meta is None else zeros(meta[0], dtype=meta[1])
                 for g, meta in zip(grads, ctx._outputs_meta)]
    result = _user_backward(cls)(ctx, *grads)
    result = result if isinstance(result, tuple) else (result,)
    n_inputs = len(ctx.needs_input_grad)
    if len(result) > n_inputs and all(r is None for r in result[n_inputs:]):
        result = result[:n_inputs]  # extra Nones are allowed
    name = ctx.name()
    if len(result) != n_inputs:
        raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                           f"(expected {n_inputs}, got {len(result)})")
    grads_out = []
    for i, (r, inp) in enumerate(zip(result, ctx._forward_inputs)):
        if not isinstance(inp, Tensor):
            if r is not None:
                raise RuntimeError(f"function {name} returned a gradient different than None at "
                                   f"position {i + 1}, but the corresponding forward input was not a Variable")
            continue
        if r is not None and not isinstance(r, Tensor):
            raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
        grads_out.append(None if r is None else validate_grad(name, len(grads_out), r, inp))
    return grads_out


def _user_backward(cls):
    if cls.backward is not Function.backward and cls.vjp is not Function.vjp:
        if cls.vjp is not cls.backward:
            raise RuntimeError("Implementing both 'backward' and 'vjp' for a custom Function is not "
                               "allowed. You should only implement one of them.")
    return cls.vjp if cls.vjp is not Function.vjp else cls.backward


def once_differentiable(fn):
    """The backward runs without recording; differentiating its result again raises torch's error."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not grad_mode.is_grad_enabled():
            return outputs
        if not any(isinstance(a, Tensor) and a._requires_grad for a in args):
            return outputs
        from gradrepl.engine.python_node import delayed_error

        return delayed_error(outputs, "trying to differentiate twice a function that was marked "
                                      "with @once_differentiable")
    return wrapper


once_differentiable.__module__ = "torch.autograd.function"
