"""``gradrepl.torch``: the torch-compatible namespace (inside gradrepl, ``import torch`` is this).

Thin re-exports of the engine under torch's names. A name real PyTorch has and gradrepl does not
raises ``UnsupportedError`` saying so; any other missing name is an ordinary AttributeError.
"""

from gradrepl import engine as _engine  # noqa: F401  (attaches the ops to Tensor)
from gradrepl.engine import dtypes as _dtypes
from gradrepl.engine.anomaly import (
    is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled,
)
from gradrepl.engine.device import device, get_default_device, set_default_device
from gradrepl.engine.type_info import finfo, iinfo
from gradrepl.engine.dtypes import (
    bool_ as bool,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from gradrepl.engine.errors import UnsupportedError as _UnsupportedError
from gradrepl.engine.factories import (
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
    LongTensor, ShortTensor, arange, as_tensor, empty, empty_like, eye, from_numpy, full,
    full_like, linspace, logspace, ones, ones_like, tensor, zeros, zeros_like,
)
from gradrepl.engine.grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
    set_grad_enabled,
)
from gradrepl.engine.printing import set_printoptions
from gradrepl.engine.random import (
    Generator, default_generator, initial_seed, manual_seed, normal, rand, rand_like, randint,
    randn, randn_like, randperm, seed,
)
from gradrepl.engine.size import Size
from gradrepl.engine.threads import (
    get_num_interop_threads, get_num_threads, set_num_interop_threads, set_num_threads,
)
from gradrepl.engine.tensor import Tensor
from gradrepl.torch import autograd, cuda, func, linalg, return_types  # noqa: F401
from gradrepl.torch.func import vmap  # noqa: F401  (torch.vmap is torch.func.vmap)

from gradrepl.engine.ops import registry as _registry

# torch.add, torch.exp, torch.exp_, torch.absolute ...: generated from the op registry
globals().update(_registry.torch_functions())

__version__ = "2.13.0+gradrepl"

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def numel(input) -> int:
    return input.numel()


def is_inference(input) -> bool:
    return input.is_inference()


def result_type(tensor1, tensor2):
    return _dtypes.result_type(tensor1, tensor2)


def get_rng_state():
    from gradrepl.engine.random import get_rng_state as _get

    return _get()


def set_rng_state(state):
    from gradrepl.engine.random import set_rng_state as _set

    return _set(state)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True):
    """torch.save in PyTorch's own zip format (see serialization.py)."""
    from gradrepl.torch.serialization import save as _save

    return _save(obj, f, pickle_protocol=pickle_protocol)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **kwargs):
    """torch.load of PyTorch's zip format; only what a state dict needs is ever unpickled."""
    from gradrepl.torch.serialization import load as _load

    return _load(f, map_location=map_location, weights_only=weights_only)


# torch imports these with itself; here they load on first use, keeping `import torch` light
_LAZY_SUBMODULES = ("nn", "optim", "utils", "serialization", "backends", "storage")


def __getattr__(name):
    from gradrepl.engine.torch_names import TORCH_MEMBERS

    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"gradrepl.torch.{name}")
    if name in ("TypedStorage", "UntypedStorage"):
        from gradrepl.engine import storage

        return getattr(storage, name)

    if name in TORCH_MEMBERS:
        raise _UnsupportedError(f"torch.{name}")
    raise AttributeError(f"module 'torch' has no attribute '{name}'")


def _attach_help() -> None:
    # Last, so that every function and method above (however it was built) gets its help text.
    from gradrepl.torch.docs import attach

    attach(__import__(__name__, fromlist=["_"]))


_attach_help()
