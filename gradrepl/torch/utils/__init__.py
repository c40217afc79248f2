"""``torch.utils``: gradrepl has ``torch.utils.data``."""


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError

    if name == "data":
        import importlib

        return importlib.import_module("gradrepl.torch.utils.data")
    if not name.startswith("_"):
        raise UnsupportedError(f"torch.utils.{name}")
    raise AttributeError(f"module 'torch.utils' has no attribute '{name}'")
