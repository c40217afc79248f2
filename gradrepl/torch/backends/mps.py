"""``torch.backends.mps``: Apple's GPU, never available on this build."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError

    if name.startswith("_"):
        raise AttributeError(f"module 'torch.backends.mps' has no attribute '{name}'")
    raise UnsupportedError(f"torch.backends.mps.{name}")
