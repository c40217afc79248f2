"""``nn.Parameter``: a leaf tensor that a Module registers as one of its weights."""

from __future__ import annotations

from gradrepl.engine.tensor import Tensor, new_tensor


class Parameter(Tensor):
    """A tensor that is a module parameter: a leaf that requires grad unless told otherwise.

    It shares memory with the tensor it is made from, as torch's does; ops on it give plain
    tensors, and ``repr`` starts with torch's ``Parameter containing:`` line.
    """

    _is_param = True

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from gradrepl.engine.factories import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Creating a Parameter from an instance of type {type(data).__name__} requires that "
                "detach() returns an instance of the same type, but return type Tensor was found "
                "instead. To use the type as a Parameter, please correct the detach() semantics "
                "defined by its __torch_dispatch__() implementation.")
        param = new_tensor(data._memory(), cls)
        if data._version_root()._inference:
            param._inference = True  # torch's Parameter is a detach(): a view, as inference as its data
        if requires_grad:
            param.requires_grad_(True)
        return param

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self) -> str:
        from gradrepl.engine.printing import format_parameter

        return format_parameter(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        from gradrepl.engine.tensor import _rebuild

        return (_rebuild_parameter, (_rebuild(self.numpy(force=True).copy(), False), self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


Parameter.__module__ = "torch.nn.parameter"
