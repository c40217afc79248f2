"""``torch.backends`` as a CPU-only PyTorch build on Linux has it, for the device and seeding lines
lessons open with: ``"mps" if torch.backends.mps.is_available() else "cpu"``,
``torch.backends.cudnn.deterministic = True``. No GPU backend is available; the cuDNN flags can be
set and read back and change nothing, as without a GPU in torch. Any other backend is unsupported."""

from gradrepl.torch.backends import cuda, cudnn, mps  # noqa: F401


def __getattr__(name):
    from gradrepl.engine.errors import UnsupportedError

    if name.startswith("_"):
        raise AttributeError(f"module 'torch.backends' has no attribute '{name}'")
    raise UnsupportedError(f"torch.backends.{name}")
