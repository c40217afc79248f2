"""``torch.backends.cuda``: this build has no CUDA."""


def is_built() -> bool:
    return False


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError

    if name.startswith("_"):
        raise AttributeError(f"module 'torch.backends.cuda' has no attribute '{name}'")
    raise UnsupportedError(f"torch.backends.cuda.{name}")
