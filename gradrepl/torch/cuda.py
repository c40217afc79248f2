"""``torch.cuda`` as a CPU-only PyTorch build has it: lessons open with
``device = "cuda" if torch.cuda.is_available() else "cpu"``, which must pick the CPU, not fail.
Anything that would need a GPU raises the AssertionError such a build raises."""

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def manual_seed(seed) -> None:
    """Silently ignored without CUDA, as in torch."""


def manual_seed_all(seed) -> None:
    """Silently ignored without CUDA, as in torch."""


def _needs_cuda(*args, **kwargs):
    raise AssertionError(_NOT_COMPILED)


current_device = get_device_name = get_device_properties = synchronize = _needs_cuda


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError

    if name.startswith("_"):
        raise AttributeError(f"module 'torch.cuda' has no attribute '{name}'")
    raise UnsupportedError(f"torch.cuda.{name}")
