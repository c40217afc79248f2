"""The Tensor class: a numpy array plus the autograd state PyTorch keeps beside it.

Only what every tensor has lives here: data, requires_grad, grad, grad_fn, versions, hooks and
conversions. The ops are attached as methods by ``tensor_methods.py``, from the op modules in
``ops/``, so that each op is defined in one place.

Data is a numpy ndarray, or a numpy scalar for 0-d results (numpy returns those from 0-d
arithmetic and they are several times cheaper; a scalar is turned into a 0-d array the moment
anything needs to share or write its memory).
"""

from __future__ import annotations

import numpy as np

from gradrepl.engine import dtypes
from gradrepl.engine.size import Size
from gradrepl.engine.warn import warn_user, warn_user_once

_NP_TO_DTYPE = {d.numpy: d for d in dtypes.ALL}

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be "
    "populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the "
    "non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information. (Triggered internally at "
    "/__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)"
)


FLOAT_OF_GRAD_WARNING = (
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
    "Consider using tensor.detach() first. (Triggered internally at "
    "/__w/pytorch/pytorch/torch/csrc/autograd/generated/python_variable_methods.cpp:822.)"
)


class Tensor:
    """A multi-dimensional array that records the operations applied to it for autograd."""

    # Defaults on the class keep creating a tensor to three attribute writes (see new_tensor).
    grad_fn = None
    _requires_grad = False
    _grad = None
    _accumulator = None  # weak reference to this leaf's AccumulateGrad node
    _base = None  # the tensor whose memory this view shares
    _storage_base = None  # the same, for a .data alias, which has a version counter of its own
    _write_count = 0  # bumped by every in-place change; lives on the base for views
    _view_kind = None  # how this differentiable view was made (views.py); None: not a view
    _view_op = None  # the grad_fn name of the op that made a restricted view, for torch's error
    _positions = None  # a view's element positions in its root, computed on first need (views.py)
    _views = None  # on a root: weak references to its views, whose history follows the root's
    _views_limit = 64  # views.track prunes dead references when the list reaches this length
    _output_nr = 0
    _retains_grad = False
    _hooks = None
    _post_accumulate_hooks = None
    _is_param = False
    _inference = False  # made in inference mode (inference.py); read on a view's root
    __array_priority__ = 1000  # numpy defers to our reflected operators: ndarray * tensor -> tensor

    def __new__(cls, *args, **kwargs):
        # torch.Tensor(...) is the legacy constructor: data, or sizes of an uninitialised tensor.
        from gradrepl.engine.factories import legacy_new

        return legacy_new(cls, dtypes.get_default_dtype(), args, kwargs)

    # -----------------------------------------------------------------------------------------
    # Basic attributes

    @property
    def dtype(self) -> dtypes.dtype:
        return _NP_TO_DTYPE[self._data.dtype]

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    @property
    def device(self):
        from gradrepl.engine.device import CPU

        return CPU

    is_cuda = False
    is_cpu = True
    is_sparse = False
    is_quantized = False
    is_meta = False
    is_complex = staticmethod(lambda: False)

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def get_device(self) -> int:
        return -1

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def _wrap_dim(self, dim: int) -> int:
        return wrap_dim(dim, self._data.ndim)

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in np.asarray(self._data).strides)
        return strides if dim is None else strides[self._wrap_dim(dim)]

    def is_contiguous(self, memory_format=None) -> bool:
        # numpy's flag follows torch's rule: a strided vector (x[::2]) or an expanded one is not
        # contiguous, and the strides of size-1 dims do not count
        data = self._data
        return type(data) is not np.ndarray or bool(data.flags.c_contiguous)

    def data_ptr(self) -> int:
        return self._memory().__array_interface__["data"][0]

    def storage_offset(self) -> int:
        base = self._storage_base if self._storage_base is not None else self._version_root()
        if base is self:
            return 0
        return (self.data_ptr() - base.data_ptr()) // self._data.itemsize

    # -----------------------------------------------------------------------------------------
    # Autograd state

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    def _is_view(self) -> bool:
        return self._view_kind is not None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        # the setter's message differs from requires_grad_()'s in torch too
        self._set_requires_grad(value, "only Tensors of floating point and complex dtype can require gradients")

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self._set_requires_grad(
            requires_grad, "only Tensors of floating point dtype can require gradients"
        )
        return self

    def _set_requires_grad(self, value: bool, int_message: str) -> None:
        value = bool(value)
        if self.grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use a "
                    "computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(int_message)
        if value and self._version_root()._inference:
            from gradrepl.engine import grad_mode, inference

            if not grad_mode._inference[0]:
                raise RuntimeError(inference.REQUIRES_GRAD_MESSAGE)
        self._requires_grad = value

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warn_user(NON_LEAF_GRAD_WARNING, UserWarning)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value.dtype is not self.dtype:
                raise RuntimeError(_grad_dtype_message(value.dtype, self.dtype))
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                    f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return  # leaves keep their grad anyway
        from gradrepl.engine.hooks import add_retain_grad_hook

        add_retain_grad_hook(self)
        self._retains_grad = True

    def register_hook(self, hook):
        """hook(grad) runs when this tensor's gradient is computed and may return a replacement."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from gradrepl.engine.hooks import add_tensor_hook

        return add_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor) runs after backward has accumulated into this leaf's ``.grad``."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from gradrepl.engine.graph import _RemovableHandle

        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = []
        self._post_accumulate_hooks.append(hook)
        return _RemovableHandle(self._post_accumulate_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if gradient is None and retain_graph is None and create_graph is False and inputs is None:
            # the common call, set up in one step (the module read as a global once imported)
            (_autograd_module or _autograd()).backward_root(self)
        else:
            _autograd().backward((self,), gradient, retain_graph, create_graph, inputs=inputs)

    @property
    def data(self) -> "Tensor":
        # the same memory as detach(), but torch gives .data its own version counter: changes made
        # through it (w.data -= lr * w.grad) are invisible to autograd's in-place checks
        result = self.detach()
        result._storage_base, result._base = result._base, None
        if result._storage_base._inference:
            result._inference = 1  # inference, with a version counter of its own (its views have none)
        return result

    @data.setter
    def data(self, value: "Tensor") -> None:
        # torch swaps the storage underneath, leaving autograd history alone.
        self._data = value._data
        self._base = value._base

    @property
    def _version(self) -> int:
        """torch's version counter: in-place changes so far, shared by a tensor and its views."""
        root = self._version_root()
        if root._inference and (root._inference is True or root is not self):
            from gradrepl.engine.inference import VERSION_MESSAGE

            raise RuntimeError(VERSION_MESSAGE)
        return root._write_count

    def _version_root(self) -> "Tensor":
        return self._base if self._base is not None else self

    def _bump_version(self) -> None:
        root = self._version_root()
        root._write_count += 1
        _writes[0] += 1
        if root._inference and (root._inference is True or root is not self):
            # the change is made; torch refuses it after, unless this is a .data alias (inference.py)
            from gradrepl.engine import grad_mode, inference

            if not grad_mode._inference[0]:
                raise RuntimeError(inference.INPLACE_MESSAGE)

    def is_inference(self) -> bool:
        """Whether this is an inference tensor (made in ``torch.inference_mode``, or a view of one)."""
        return bool(self._version_root()._inference)

    # -----------------------------------------------------------------------------------------
    # Memory: numpy scalars become shared 0-d arrays on demand

    def _memory(self) -> np.ndarray:
        """The data as an ndarray that others may share and write into."""
        data = self._data
        if type(data) is not np.ndarray:
            data = self._data = np.array(data)
        return data

    # -----------------------------------------------------------------------------------------
    # Conversions to Python and numpy

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item() if self._data.ndim == 0 else self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._memory()

    def __array__(self, dtype=None):  # no copy=: torch's signature, and numpy warns as for it
        if self._requires_grad:
            # np.array(x), plt.plot(x): torch goes through numpy(), which refuses tensors needing grad
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        data = np.asarray(self._data)
        return data if dtype is None else data.astype(dtype, copy=False)

    def __array_wrap__(self, array):
        """A numpy ufunc's result on a tensor, as a tensor again (``np.sin(t)``, and ``t + a``
        of an ndarray, which numpy computes: ops/primitive.operand). torch's own rule: a bool
        result becomes uint8. Its one-argument signature is torch's too, so numpy warns as it
        warns for torch ('__array_wrap__ must accept context and return_scalar ...')."""
        from gradrepl.engine.factories import from_numpy

        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return from_numpy(array)

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item() if self._data.ndim else self._data.item()

    def __float__(self) -> float:
        if self._requires_grad:  # torch warns for float() only, and before any size error
            warn_user_once(FLOAT_OF_GRAD_WARNING, UserWarning)
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._scalar())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            how_many = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {how_many} is ambiguous")
        return bool(self._scalar())

    def __complex__(self) -> complex:
        return complex(self._scalar())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self) -> str:
        from gradrepl.engine.printing import format_tensor

        return format_tensor(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (np.array(self._data), self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                "because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001"
            )
        copy = new_tensor(np.array(self._data), type(self))
        copy._requires_grad = self._requires_grad
        if self._grad is not None:
            copy._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = copy
        return copy

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        if dtype is None:
            return dtypes.LEGACY_TYPE_NAMES[self.dtype]
        if isinstance(dtype, str):
            if dtype.startswith("torch.cuda."):
                raise RuntimeError(_NO_CUDA_LIBRARY)
            by_name = {name: d for d, name in dtypes.LEGACY_TYPE_NAMES.items()}
            if dtype not in by_name:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = by_name[dtype]
        elif not isinstance(dtype, dtypes.dtype):
            dtype = getattr(dtype, "dtype", dtype)
        return self.to(dtype)


_NO_CUDA_LIBRARY = (
    "Cannot initialize CUDA without ATen_cuda library. PyTorch splits its backend into two shared "
    "libraries: a CPU library and a CUDA library; this error has occurred because you are trying "
    "to use some CUDA functionality, but the CUDA library has not been loaded by the dynamic "
    "linker for some reason.  The CUDA library MUST be loaded, EVEN IF you don't directly use any "
    "symbols from the CUDA library! One common culprit is a lack of -Wl,--no-as-needed in your "
    "link arguments; many dynamic linkers will delete dynamic library dependencies if you don't "
    "depend on any of their symbols.  You can check if this has occurred by using ldd on your "
    "binary to see if there is a dependency on *_cuda.so library.")


def _autograd():
    """The autograd module, imported on first use (it imports this module)."""
    global _autograd_module
    if _autograd_module is None:
        from gradrepl.engine import autograd

        _autograd_module = autograd
    return _autograd_module


_autograd_module = None


def _rebuild(data, requires_grad):
    t = new_tensor(data)
    t._requires_grad = requires_grad
    return t


Tensor.__module__ = "torch"

_object_new = object.__new__

# How many in-place writes the process has made: a node recorded when this was the same as now
# cannot have had its saved tensors changed, so backward skips its version checks.
_writes = [0]


def new_tensor(data, cls=Tensor) -> Tensor:
    """The engine's constructor: wraps ``data`` (taken as is, not copied) in a fresh tensor."""
    t = _object_new(cls)
    t._data = data
    return t


def data_of(x):
    """A tensor's numpy data, or ``x`` itself (a Python number, an array) when it is no tensor."""
    return x._data if isinstance(x, Tensor) else x


def wrap_dim(dim: int, ndim: int) -> int:
    """A dim given as negative or positive, checked and made positive, with torch's error."""
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return dim + ndim if dim < 0 else dim


def _grad_dtype_message(grad_dtype, tensor_dtype) -> str:
    # torch names the assigned gradient's dtype by its C++ type and the tensor's by its ScalarType.
    cpp_type = dtypes.CPP_TYPE_NAMES[grad_dtype.name]
    scalar_type = dtypes.SCALAR_TYPE_NAMES[tensor_dtype]
    return (f"attempting to assign a gradient with dtype '{cpp_type}' to a tensor with "
            f"grad_dtype '{scalar_type}'. The gradient must match the tensor's grad_dtype (defaults to the "
            "tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, or None to "
            "allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
            "may break downstream systems that assume they match.")
