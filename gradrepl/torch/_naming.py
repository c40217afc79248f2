"""Classes print under torch's module paths (``<class 'torch.nn.modules.linear.Linear'>``,
``<torch.utils.data.dataloader.DataLoader object at 0x...>``), as they do in real PyTorch.

gradrepl's torch/ tree mirrors torch's own layout, so the path is gradrepl's with the
``gradrepl.`` prefix dropped; the few classes torch keeps elsewhere say so explicitly.
"""

from __future__ import annotations


def present_as_torch(namespace: dict, exceptions: dict | None = None) -> None:
    """Rename the module of every gradrepl class in ``namespace`` (a package's globals())."""
    exceptions = exceptions or {}
    for name, value in namespace.items():
        if isinstance(value, type) and value.__module__.startswith("gradrepl.torch."):
            value.__module__ = exceptions.get(name, value.__module__[len("gradrepl."):])


def name_inits_as_torch(namespace: dict, owners: dict) -> None:
    """Python names a class's ``__init__`` by its qualified name in its argument errors
    (``Conv2d.__init__() missing 1 required positional argument: 'kernel_size'``, ``_DropoutNd.
    __init__() got an unexpected keyword argument 'pp'``): ``owners`` gives, for the classes whose
    ``__init__`` torch defines on another class than gradrepl does, torch's class. An inherited
    ``__init__`` is copied first, so that the base and its other subclasses keep their names."""
    import types

    for name, owner in owners.items():
        cls = namespace[name]
        init = cls.__dict__.get("__init__")
        if init is None:
            base = cls.__init__
            init = types.FunctionType(base.__code__, base.__globals__, "__init__", base.__defaults__,
                                      base.__closure__)
            init.__kwdefaults__, init.__doc__ = base.__kwdefaults__, base.__doc__
            init.__dict__.update(base.__dict__)
            cls.__init__ = init
        init.__qualname__ = f"{owner}.__init__"
