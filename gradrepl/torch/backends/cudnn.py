"""``torch.backends.cudnn``: not available without CUDA; its flags keep torch's defaults until a
lesson sets them (``deterministic = True`` in seeding boilerplate), and change nothing on the CPU."""

enabled = True
deterministic = False
benchmark = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    return None


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError

    if name.startswith("_"):
        raise AttributeError(f"module 'torch.backends.cudnn' has no attribute '{name}'")
    raise UnsupportedError(f"torch.backends.cudnn.{name}")
