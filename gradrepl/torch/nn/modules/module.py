"""``nn.Module``: registration of parameters, buffers and submodules, calling with hooks, walking
the tree, train/eval, and ``repr`` exactly as torch prints it.

State dicts live in ``state.py``; this module keeps the bookkeeping every model needs.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

from gradrepl.engine.tensor import Tensor
from gradrepl.torch.nn.modules.hooks import RemovableHandle
from gradrepl.torch.nn.modules.state import StateDictMixin
from gradrepl.torch.nn.parameter import Parameter


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first (blank lines stay empty), for a child's repr."""
    first, *rest = text.split("\n")
    if not rest:
        return text
    return "\n".join([first] + [" " * spaces + line if line.strip() else "" for line in rest])


_TABLES = ("_parameters", "_buffers", "_modules")  # torch's __getattr__ looks in this order
_ABSENT = object()


class _Table(dict):
    """A module's ``_parameters``, ``_buffers`` or ``_modules``: a dict, and the authority on what
    the module holds, whose every change is mirrored into its owner's instance ``__dict__``.

    torch finds ``model.weight`` in ``Module.__getattr__``, after the ordinary lookup has failed;
    on CPython 3.11 that failure (an AttributeError made and its message formatted, then a Python
    call) costs a few thousand instructions per read. With the value also in the instance
    ``__dict__`` the ordinary lookup finds it. The mirror holds what ``__getattr__`` would return
    (the first of ``_parameters``, ``_buffers``, ``_modules`` naming it) and nothing else: not a
    name the class defines (there the class attribute wins, as in torch), nor over an attribute
    set on the instance itself (which wins in torch too). A module whose tables are replaced or
    shared (``copy.copy``) keeps no mirror and reads through ``__getattr__`` as before."""

    __slots__ = ("_owner", "_names")

    def __init__(self, *args, **kwargs):
        self._owner = None  # weakref.ref to the module mirroring this table, or None
        self._names = None  # the names mirrored now (a set the module's three tables share)
        dict.__init__(self, *args, **kwargs)

    def __setitem__(self, name, value) -> None:
        owner = self._owner
        module = owner() if owner is not None else None
        if module is None:
            dict.__setitem__(self, name, value)
            return
        before = _lookup(module.__dict__, name)
        dict.__setitem__(self, name, value)
        _remirror(module, name, before, self._names)

    def __delitem__(self, name) -> None:
        owner = self._owner
        module = owner() if owner is not None else None
        if module is None:
            dict.__delitem__(self, name)
            return
        before = _lookup(module.__dict__, name)
        dict.__delitem__(self, name)
        _remirror(module, name, before, self._names)

    def pop(self, name, *default):
        if name not in self:
            return dict.pop(self, name, *default)
        value = dict.__getitem__(self, name)
        del self[name]
        return value

    def popitem(self):
        if not self:
            return dict.popitem(self)
        name = next(reversed(self))
        value = dict.__getitem__(self, name)
        del self[name]
        return name, value

    def clear(self) -> None:
        for name in list(self):
            del self[name]

    def update(self, *args, **kwargs) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def setdefault(self, name, default=None):
        if name not in self:
            self[name] = default
        return dict.__getitem__(self, name)

    def __ior__(self, other):
        self.update(other)
        return self

    def __reduce_ex__(self, protocol):
        return dict, (dict(self),)  # pickles and deep copies hold torch's plain dict


# torch's tables are plain dicts: `type(model._parameters)` prints as theirs does
_Table.__module__, _Table.__name__, _Table.__qualname__ = "builtins", "dict", "dict"


def _lookup(d: dict, name: str):
    """What ``Module.__getattr__`` finds for ``name`` in a module's tables (``d`` its __dict__)."""
    for key in _TABLES:
        table = d.get(key)
        if table is not None and name in table:
            return table[name]
    return _ABSENT


def _class_has(cls, name: str) -> bool:
    return any(name in vars(klass) for klass in cls.__mro__)


def _remirror(module, name: str, before, names: set) -> None:
    """Bring the mirror of ``name`` up to date after a change of the tables; ``before`` is what
    they held for it before the change, ``names`` the names mirrored."""
    d = module.__dict__
    current = d.get(name, _ABSENT)
    if current is not _ABSENT and not (current is before and name in names):
        names.discard(name)
        return  # the instance's own attribute, which the tables do not shadow
    after = _lookup(d, name)
    if after is _ABSENT or _class_has(type(module), name):
        if current is not _ABSENT:
            del d[name]
        names.discard(name)
    else:
        d[name] = after
        names.add(name)


def _mirrors(module) -> bool:
    """Whether the module's three tables are all mirrored into its __dict__."""
    d = module.__dict__
    for key in _TABLES:
        table = d.get(key)
        if not isinstance(table, _Table) or table._owner is None or table._owner() is not module:
            return False
    return True


def _mirrored_names(module) -> list:
    d = module.__dict__
    return [name for name in d["_parameters"]._names if name in d and d[name] is _lookup(d, name)]


def _drop_mirror(module) -> None:
    """Remove the mirror and let the tables go: the module reads through __getattr__ from now."""
    if not _mirrors(module):
        return
    d = module.__dict__
    for name in _mirrored_names(module):
        d.pop(name, None)
    for key in _TABLES:
        d[key]._owner = d[key]._names = None


def _adopt(module) -> None:
    """Mirror the module's tables if they are plain dicts or tables nobody mirrors."""
    d = module.__dict__
    for key in _TABLES:
        table = d.get(key)
        if type(table) is dict:  # from a pickle or a deep copy: a table reduces to a dict
            d[key] = _Table(table)
        elif not (isinstance(table, _Table) and (table._owner is None or table._owner() is None)):
            return  # replaced by another mapping, or shared with a live module (copy.copy)
    owner, names = weakref.ref(module), set()
    for key in _TABLES:
        d[key]._owner, d[key]._names = owner, names
    # each name once: a name in two tables (a Parameter put in _buffers too) mirrors what
    # __getattr__ finds first; a second pass would take that mirror for the instance's own
    for name in dict.fromkeys(name for key in _TABLES for name in d[key]):
        _remirror(module, name, _ABSENT, names)


class Module(StateDictMixin):
    """Base class of every layer and model."""

    training: bool
    _version = 1
    # read by the session: `model.fc3` failing is the user's mistake, not a missing torch feature
    _missing_attributes_are_user_errors = True

    def __init__(self, *args, **kwargs) -> None:
        if kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                            f"'{next(iter(kwargs))}'")
        if args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but "
                            f"{len(args) + 1} were given")
        set_ = object.__setattr__
        if "_parameters" in self.__dict__:  # __init__ again: the old tables' mirror goes
            _drop_mirror(self)
        owner, names = weakref.ref(self), set()
        set_(self, "training", True)
        set_(self, "_parameters", _owned_table(owner, names))
        set_(self, "_buffers", _owned_table(owner, names))
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", _owned_table(owner, names))
        set_(self, "_forward_pre_hooks", OrderedDict())
        set_(self, "_forward_pre_hooks_with_kwargs", {})
        set_(self, "_forward_hooks", OrderedDict())
        set_(self, "_forward_hooks_with_kwargs", {})

    # -----------------------------------------------------------------------------------------
    # Calling

    def forward(self, *input):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                            f"but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    _call_impl = __call__

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        return self._add_hook(self._forward_pre_hooks, self._forward_pre_hooks_with_kwargs, hook,
                              prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        return self._add_hook(self._forward_hooks, self._forward_hooks_with_kwargs, hook, prepend,
                              with_kwargs)

    @staticmethod
    def _add_hook(hooks: OrderedDict, with_kwargs_set: dict, hook, prepend, with_kwargs):
        handle = RemovableHandle(hooks, with_kwargs_set)
        hooks[handle.id] = hook
        if with_kwargs:
            with_kwargs_set[handle.id] = True
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    # -----------------------------------------------------------------------------------------
    # Registration

    def register_parameter(self, name: str, param) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_name(name, "parameter name", self._parameters)
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_type_name(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, compute "
                "the value in the forward() method.")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {type(name).__name__}")
        self._check_name(name, "buffer name", self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_type_name(tensor)}' object to buffer '{name}' "
                "(torch Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module) -> None:
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_type_name(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {type(name).__name__}")
        self._check_name(name, "module name", self._modules)
        self._modules[name] = module

    register_module = add_module

    def _check_name(self, name: str, what: str, table: dict) -> None:
        if "." in name:
            raise KeyError(f'{what} can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError(f'{what} can\'t be empty string ""')
        if hasattr(self, name) and name not in table:
            raise KeyError(f"attribute '{name}' already exists")

    def get_submodule(self, target: str) -> "Module":
        module = self
        for item in target.split(".") if target else []:
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    # -----------------------------------------------------------------------------------------
    # Attributes: parameters, buffers and submodules live in their own tables

    def __getattr__(self, name: str):
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            if table in d and name in d[table]:
                return d[table][name]
        from gradrepl.engine.torch_names import MODULE_MEMBERS

        if name in MODULE_MEMBERS:  # torch's Module has it, gradrepl's not yet
            from gradrepl.engine.errors import UnsupportedError

            raise UnsupportedError(f"nn.Module.{name}")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, "_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_type_name(value)}' as parameter '{name}' "
                    "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if "_modules" not in d:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, "_modules")
            d["_modules"][name] = value
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_type_name(value)}' as child module '{name}' "
                    "(torch.nn.Module or None expected)")
            d["_modules"][name] = value
        elif "_buffers" in d and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_type_name(value)}' as buffer '{name}' "
                    "(torch.nn.Buffer, torch.Tensor or None expected)")
            d["_buffers"][name] = value
        else:
            if name in _TABLES:  # a table replaced: read through __getattr__ from now on
                _drop_mirror(self)
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """torch's remove_from before an assignment: ``name`` leaves the instance's own
        attributes and every table but ``keep``, the one it is assigned into (where it stays
        until replaced: register_parameter's name check sees it there)."""
        d = self.__dict__
        d.pop(name, None)
        for table in _TABLES:
            if table != keep:
                d[table].pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __delattr__(self, name: str) -> None:
        for table in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(table, {}):
                del self.__dict__[table][name]
                self._non_persistent_buffers_set.discard(name)
                return
        if name in _TABLES:
            _drop_mirror(self)
        object.__delattr__(self, name)

    def __dir__(self):
        # torch's list, duplicates kept: the class's names, the instance's (not the mirror),
        # then the parameters', submodules' and buffers' names
        mirrored = set(_mirrored_names(self)) if _mirrors(self) else ()
        keys = dir(type(self)) + [key for key in self.__dict__ if key not in mirrored]
        keys += list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(key for key in keys if not key[0].isdigit())

    def __getstate__(self):
        # torch's state: the tables, not the mirror of their entries
        d = self.__dict__
        if not _mirrors(self):
            return d
        mirrored = set(_mirrored_names(self))
        return {key: value for key, value in d.items() if key not in mirrored}

    def __setstate__(self, state) -> None:
        self.__dict__.update(state)
        _adopt(self)

    # -----------------------------------------------------------------------------------------
    # Walking the tree

    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (module_prefix + ("." if module_prefix else "") + name, value)

    def parameters(self, recurse: bool = True):
        if not self._modules:
            # short path: a module without children (nn.Linear) yields its own parameters, as
            # the walk below would, without the walk's generators and names
            seen = set()
            for param in self._parameters.values():
                if param is not None and id(param) not in seen:
                    seen.add(id(param))
                    yield param
            return
        if not recurse:
            for _, param in self.named_parameters(recurse=False):
                yield param
            return
        # the walk named_parameters makes (modules in pre-order, each once; parameters each
        # once, None skipped), without the names it would build and drop
        seen = set()
        for module in self._unnamed_modules(set()):
            for param in module._parameters.values():
                if param is not None and id(param) not in seen:
                    seen.add(id(param))
                    yield param

    def _unnamed_modules(self, memo):
        """``named_modules()``'s modules (remove_duplicate) without their names."""
        if id(self) in memo:
            return
        memo.add(id(self))
        yield self
        for module in self._modules.values():
            if module is not None:
                yield from module._unnamed_modules(memo)

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        if memo is None:
            memo = set()
        if id(self) in memo and remove_duplicate:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub_prefix, remove_duplicate)

    # -----------------------------------------------------------------------------------------
    # Modes and bulk changes

    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self.parameters():
            if param._grad is None:
                continue
            if set_to_none:
                param._grad = None
            else:
                if param._grad.grad_fn is not None:
                    param._grad = param._grad.detach()
                param._grad.zero_()

    def apply(self, fn) -> "Module":
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply_to_tensors(self, convert) -> "Module":
        """Replace every parameter's and buffer's data by ``convert(tensor)``, as ``.to`` does."""
        from gradrepl.engine.grad_mode import no_grad

        for module in self.modules():
            with no_grad():
                for param in module._parameters.values():
                    if param is not None:
                        new = convert(param)
                        if new is not param:
                            param.data = new
                        if param._grad is not None:
                            param._grad = convert(param._grad)
                for name, buf in module._buffers.items():
                    if buf is not None:
                        module._buffers[name] = convert(buf)
        return self

    def to(self, *args, **kwargs) -> "Module":
        from gradrepl.engine.device import check_device
        from gradrepl.engine.dtypes import dtype as dtype_class

        dtype = kwargs.get("dtype")
        for arg in list(args) + [kwargs.get("device")]:
            if isinstance(arg, dtype_class):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype = arg.dtype
            elif arg is not None:
                check_device(arg)
        if dtype is None:
            return self
        if not dtype.is_floating_point:
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype={dtype}")
        return self._apply_to_tensors(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self) -> "Module":
        from gradrepl.engine.dtypes import float32

        return self._apply_to_tensors(lambda t: t.to(float32) if t.is_floating_point() else t)

    def double(self) -> "Module":
        from gradrepl.engine.dtypes import float64

        return self._apply_to_tensors(lambda t: t.to(float64) if t.is_floating_point() else t)

    def half(self) -> "Module":
        from gradrepl.engine.dtypes import float16

        return self._apply_to_tensors(lambda t: t.to(float16) if t.is_floating_point() else t)

    def cpu(self) -> "Module":
        return self

    def cuda(self, device=None) -> "Module":
        from gradrepl.engine.device import check_device

        check_device("cuda")  # fails as on a CPU-only torch build
        return self

    def type(self, dst_type) -> "Module":
        return self._apply_to_tensors(lambda t: t.type(dst_type))

    # -----------------------------------------------------------------------------------------
    # Printing

    def extra_repr(self) -> str:
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_addindent(repr(module), 2)}"
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


def _owned_table(owner, names: set) -> _Table:
    table = _Table()
    table._owner, table._names = owner, names
    return table


def _type_name(value) -> str:
    """How torch names a value's type in assignment errors: legacy names for tensors."""
    if isinstance(value, Tensor):
        from gradrepl.engine.dtypes import LEGACY_TYPE_NAMES

        return LEGACY_TYPE_NAMES[value.dtype]
    return f"{type(value).__module__}.{type(value).__qualname__}" \
        if type(value).__module__ != "builtins" else type(value).__name__


Module.__module__ = "torch.nn.modules.module"
