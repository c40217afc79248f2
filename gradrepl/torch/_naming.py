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
