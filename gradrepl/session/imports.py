"""``import torch`` inside a session means ``gradrepl.torch``, and only inside that session.

Each session namespace gets its own ``__builtins__`` dict whose ``__import__`` sends ``torch`` and
``torch.*`` to ``gradrepl.torch`` and its submodules. ``sys.modules['torch']`` is never touched, so a
real PyTorch imported elsewhere in the process (a test comparing against it, ``--engine torch`` in
another session) stays real. Code in ordinary modules keeps the ordinary ``__import__``. The same hook gives cells the session's
own ``IPython.display`` (see ``ipython_display.py``).
"""

from __future__ import annotations

import builtins
import importlib

TORCH = "torch"


class UnsupportedError(ModuleNotFoundError):
    """``import torch.X`` for a module gradrepl does not have. It bears the name, words and
    ``feature`` of the engine's UnsupportedError, so a learner meets one error for every missing
    feature; it is an ImportError so that ``try: import torch.nn except ImportError:`` works."""

    def __init__(self, feature: str):
        super().__init__(f"gradrepl does not support {feature} yet", name=feature)
        self.feature = feature
        self.gradrepl_unsupported = feature


def unsupported_module_error(name: str) -> ModuleNotFoundError:
    """The ImportError a session raises for ``torch.X`` modules gradrepl does not have."""
    return UnsupportedError(name)


class SessionImporter:
    """An ``__import__`` replacement mapping ``torch[.X]`` onto ``target[.X]`` (when ``target`` is
    set) and answering ``from M import ...`` with the session's own module for each M in ``modules``.
    """

    def __init__(self, target: str | None = "gradrepl.torch", modules: dict | None = None):
        self.target = target
        self.modules = modules or {}
        self._real_import = builtins.__import__

    def __call__(self, name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and fromlist and name in self.modules:
            return self.modules[name]
        if level == 0 and self.target and (name == TORCH or name.startswith(TORCH + ".")):
            return self._import_torch(name, fromlist)
        return self._real_import(name, globals, locals, fromlist, level)

    def _load(self, torch_name: str):
        """The module behind ``torch_name`` ("torch.nn" -> gradrepl.torch.nn)."""
        module_name = self.target + torch_name[len(TORCH):]
        try:
            return importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and (module_name == error.name or module_name.startswith(error.name + ".")):
                raise unsupported_module_error(torch_name) from None
            raise

    def _import_torch(self, name: str, fromlist):
        top = self._load(TORCH)
        # Import each dotted prefix so that ``torch.nn.functional`` also binds ``torch.nn``.
        parts = name.split(".")
        for depth in range(2, len(parts) + 1):
            self._load(".".join(parts[:depth]))
        if not fromlist:
            return top
        module = self._load(name)
        for attr in fromlist:
            if attr == "*" or hasattr(module, attr):
                continue
            # ``from torch import optim``: a submodule not yet imported, as _handle_fromlist does.
            self._load(f"{name}.{attr}")
        return module


def session_builtins(target: str | None, modules: dict | None = None) -> dict:
    """A ``__builtins__`` dict for a session namespace; torch aliasing when ``target`` is set."""
    namespace_builtins = dict(builtins.__dict__)
    if target is not None or modules:
        namespace_builtins["__import__"] = SessionImporter(target, modules)
    if target is not None and target.startswith("gradrepl."):
        from gradrepl.session.torch_print import make_print

        namespace_builtins["print"] = make_print()
    return namespace_builtins
