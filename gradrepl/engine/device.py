"""torch.device: gradrepl computes on the CPU only, and says so when asked for anything else."""

from __future__ import annotations
from gradrepl.engine.c_type import TorchCType  # named as torch's C type in errors


class device(metaclass=TorchCType):
    __slots__ = ("type", "index")

    def __init__(self, type_or_device="cpu", index: int | None = None):
        if isinstance(type_or_device, device):
            type_or_device, index = type_or_device.type, type_or_device.index
        text = str(type_or_device)
        if ":" in text:
            text, _, number = text.partition(":")
            index = int(number)
        if text not in ("cpu", "cuda", "mps", "meta"):
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
                "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of "
                f"device string: {type_or_device}"
            )
        self.type = text
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))



CPU = device("cpu")


def check_device(requested) -> None:
    """Accept the CPU; refuse other devices with the error a CPU-only torch build gives."""
    if requested is None:
        return
    kind = requested.type if isinstance(requested, device) else str(requested).split(":")[0]
    if kind == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if kind != "cpu":
        device(requested)  # raises for unknown names
        raise RuntimeError(f"gradrepl computes on the CPU only; device '{requested}' is not available")
