"""torch.device: gradrepl computes on the CPU only, and says so when asked for anything else."""

from __future__ import annotations
from gradrepl.engine.c_type import TorchCType  # named as torch's C type in errors


class device(metaclass=TorchCType):
    __slots__ = ("type", "index")

    def __init__(self, type_or_device="cpu", index: int | None = None):
        if isinstance(type_or_device, int) and not isinstance(type_or_device, bool):
            raise RuntimeError(NO_ACCELERATOR)  # a bare index means "the accelerator"
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
        # torch compares devices only: torch.device("cpu") == "cpu" is False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))



CPU = device("cpu")


NO_ACCELERATOR = "Cannot access accelerator device when none is available."
NO_CUDA = "Torch not compiled with CUDA enabled"
NO_MPS = "PyTorch is not linked with support for mps devices"
# a CPU-only torch build has no MPS kernels: creating a tensor there fails in its dispatcher
# (torch goes on to list every backend the op is registered for; gradrepl keeps the first line)
NO_MPS_KERNEL = (
    "Could not run 'aten::empty.memory_format' with arguments from the 'MPS' backend. This could "
    "be because the operator doesn't exist for this backend, or was omitted during the "
    "selective/custom build process (if using custom build). If you are a Facebook employee "
    "using PyTorch on mobile, please visit https://fburl.com/ptmfixes for possible resolutions. "
    "'aten::empty.memory_format' is only available for these backends: [CPU, Meta, "
    "QuantizedCPU, QuantizedMeta, MkldnnCPU, SparseCPU, SparseMeta, SparseCsrCPU, "
    "SparseCsrMeta, BackendSelect, Python, FuncTorchDynamicLayerBackMode, Functionalize, "
    "Named, Conjugate, Negative, ZeroTensor, ADInplaceOrView, AutogradOther, AutogradCPU, "
    "AutogradCUDA, AutogradHIP, AutogradXLA, AutogradMPS, AutogradIPU, AutogradXPU, "
    "AutogradHPU, AutogradVE, AutogradLazy, AutogradMTIA, AutogradMAIA, AutogradPrivateUse1, "
    "AutogradPrivateUse2, AutogradPrivateUse3, AutogradMeta, AutogradNestedTensor, Tracer, "
    "AutocastCPU, AutocastMTIA, AutocastMAIA, AutocastXPU, AutocastMPS, AutocastCUDA, "
    "FuncTorchBatched, BatchedNestedTensor, FuncTorchVmapMode, Batched, VmapMode, "
    "FuncTorchGradWrapper, PythonTLSSnapshot, FuncTorchDynamicLayerFrontMode, PreDispatch, "
    "PythonDispatcher].")

# torch.set_default_device: None (the CPU) or what was asked for, checked when a tensor is made
_default = [None]


def set_default_device(requested) -> None:
    """torch accepts any device type here and fails only when a tensor is created on it."""
    _default[0] = None if requested is None else device(requested)


def get_default_device() -> device:
    current = _default[0]
    if current is None:
        return CPU
    if current.type == "cuda":
        raise AssertionError(NO_CUDA)
    return current


def check_device(requested, creating: bool = False) -> None:
    """Accept the CPU; refuse other devices with the error a CPU-only torch build gives.

    ``creating``: a factory making a new tensor, which also honours set_default_device and
    fails on MPS in torch's dispatcher rather than in its device check."""
    if requested is None:
        if not creating or _default[0] is None:
            return
        requested = _default[0]
    if isinstance(requested, int) and not isinstance(requested, bool):
        raise RuntimeError(NO_ACCELERATOR)
    kind = requested.type if isinstance(requested, device) else str(requested).split(":")[0]
    if kind == "cpu":
        return
    if kind == "cuda":
        raise AssertionError(NO_CUDA)
    if kind == "mps":
        if creating:
            raise NotImplementedError(NO_MPS_KERNEL)
        raise RuntimeError(NO_MPS)
    device(requested)  # raises for unknown names
    raise RuntimeError(f"gradrepl computes on the CPU only; device '{requested}' is not available")
