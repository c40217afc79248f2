"""Tensor's arithmetic operators on their short path: ``x * 0.5``, ``2 * x``, ``y + x``, ``x ** 2``.

A lesson's graph is 0-d and 2x3 tensors, where an op costs what Python does around numpy, not
numpy itself (a float32 scalar times a Python float is 0.04 us of a recorded op's 0.9). The
registered functions (arithmetic_functions.py) sort out every overload through several calls;
an operator first takes, in one call, the cases whose answer is already known:

- a float32/float64 tensor and a Python float or int, or an integer tensor and a Python int
  (when the op keeps integers, ``Primitive.fast_ints``): numpy's promotion (NEP 50: a Python
  number never widens a tensor of its category) is torch's, so the Python operator on the numpy
  data computes torch's value in torch's dtype;
- two tensors of one dtype, where no promotion happens at all.

A number against a float32/float64 array goes in as the 0-d array numpy would convert it to
(number_operands.py): numpy's per-call conversion cost more than the arithmetic. The node
still records the number itself.

Everything else goes to the registered function: float16 with a number (torch multiplies and
divides a half tensor by a number in float32, arithmetic.py), bool and mixed dtypes, numpy
operands, out-of-range integers and broadcasting errors (the Python operator raises, and the
general path words torch's error). ``SHORT_PATHS = False`` sends everything there;
tests/engine/test_short_paths.py checks that the two are indistinguishable.
"""

from __future__ import annotations

import numpy as np

# the generated operators' globals are this module's: they read these names (and SHORT_PATHS)
from gradrepl.engine import grad_mode
from gradrepl.engine.errors import NotAnOperand  # noqa: F401
from gradrepl.engine.ops import primitive as _primitive
from gradrepl.engine.ops.layout import torch_layout  # noqa: F401
from gradrepl.engine.ops import number_operands as _number_operands
from gradrepl.engine.ops.number_operands import operand  # noqa: F401
from gradrepl.engine.tensor import Tensor

# False forces the registered functions (the general path) for every operator
SHORT_PATHS = True

_grad_enabled = grad_mode._enabled
_new = object.__new__
_NUMBERS = (int, float)  # bool is an int, but not of these exact types
FLOATS = frozenset(np.dtype(t) for t in (np.float32, np.float64))
INTEGERS = frozenset(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint8))
_FLOAT_SCALARS = frozenset(d.type for d in FLOATS)
# the ints a torch Scalar holds (primitive.raise_scalar_overflow refuses the rest)
_INT_MIN, _INT_MAX = _primitive._SCALAR_INT_MIN, _primitive._SCALAR_INT_MAX
_ndarray = np.ndarray
_OPERANDS = _number_operands._TABLES  # dtype -> {number: its 0-d array}


def binary(prim, general):
    """``tensor <op> other`` for a row with a Python operator (``Primitive.fast``); ``general``
    is the registered function, called as ``general(tensor, other)`` (torch puts the tensor
    first for ``2 * x`` and ``2 + x`` too, so one operator serves both sides).

    The operator is generated for its row, with the row's recording in it (one call per op
    instead of two: ``primitive.binary_recording`` with the row's facts, whether the other operand
    is a tensor, and no mixed dtypes, as constants), and a code object of its own: CPython 3.11
    specialises attribute reads and writes per code object, and the nodes this one writes are
    all of its row's class. ``source`` holds the generated text."""
    with_int = FLOATS | INTEGERS if prim.fast_ints else FLOATS
    # same-dtype tensors: float16 too (torch computes half op half in float and rounds once,
    # as numpy does); bool and integers only where the op keeps integers
    same = FLOATS | {np.dtype(np.float16)} | (
        INTEGERS | {np.dtype(np.bool_)} if prim.fast_ints else frozenset())
    constants = {
        "prim": prim, "general": general, "fast": prim.fast, "with_int": with_int,
        "int_scalars": frozenset(d.type for d in with_int), "same": same,
        # the same for 0-d data, by the numpy scalars' types: a type hashes by its address, a
        # dtype is hashed afresh on every lookup (~0.1 us, a tenth of the whole op)
        "same_scalars": frozenset(d.type for d in same), "node_class": prim.node_class,
        **{name: getattr(_primitive, name) for name in _primitive.RECORDING_NAMES}}

    def recording(other_is_tensor):
        # with a number, self requires grad (tested just before)
        return _primitive.binary_recording(prim, a="self", b="other", mixed=False,
                                           other_is_tensor=other_is_tensor,
                                           a_requires=not other_is_tensor,
                                           switches="_primitive.")

    lines = [
        f"def short_{prim.name}(self, other):",
        "    if SHORT_PATHS:",
        "        ad = self._data",
        "        kind = type(other)",
        "        if kind is float or kind is int:",
        # 0-d data is a numpy scalar (tensor.py), whose type says its dtype for less than
        # reading .dtype does
        "            data_type = type(ad)",
        "            if kind is float:",
        # an array's dtype read once (the generic lookup), for the test and the operand
        "                known = data_type in _FLOAT_SCALARS or (",
        "                    data_type is _ndarray and (dtype := ad.dtype) in FLOATS)",
        "            else:",
        # an int no Scalar holds: the general path raises torch's OverflowError
        "                known = _INT_MIN <= other <= _INT_MAX and (data_type in int_scalars or (",
        "                    data_type is _ndarray and (dtype := ad.dtype) in with_int))",
        "            if known:",
        "                bd = other",
        "                try:",
        # a number against an array: the 0-d array numpy would convert it to
        "                    if data_type is _ndarray:",
        # number_operands.operand's kept conversion looked up here, without its call (it
        # is called for a number not kept yet, or with its switch off)
        "                        table = _OPERANDS.get(dtype) if _number_operands.SHORT_PATHS else None",
        "                        kept = table.get(bd) if table is not None else None",
        "                        out = fast(ad, operand(bd, dtype) if kept is None else kept)",
        "                    else:",
        "                        out = fast(ad, bd)",
        "                except (ValueError, TypeError, OverflowError):",
        "                    return general(self, other)  # it raises torch's error, or handles the case",
        # a view, perhaps expanded: torch's layout. Only an array can need one: with numpy
        # scalars alone (0-d data) the result is one, which torch_layout returns as it is, so
        # the test of the type already known costs the 0-d ops nothing more and spares them the
        # _base reads (a class-level default: the generic lookup, which CPython 3.11 does not
        # specialise)
        "                if data_type is _ndarray and self._base is not None:",
        "                    out = torch_layout(out, ad, bd)",
        "                result = _new(Tensor)",
        "                result._data = out",
        "                if _grad_enabled[0] and self._requires_grad:",
        *_primitive._indent(recording(False), " " * 20),
        "                return result",
        "        elif kind is Tensor:",
        "            bd = other._data",
        "            data_type = type(ad)",
        "            known = data_type is type(bd) and data_type in same_scalars",
        "            if not known:  # arrays, or scalars of two dtypes",
        "                dtype = ad.dtype",
        "                known = dtype is bd.dtype and dtype in same",
        "                data_type = _ndarray  # an array among them: the view test below",
        "            if known:",
        "                try:",
        "                    out = fast(ad, bd)",
        "                except (ValueError, TypeError, OverflowError):",
        "                    return general(self, other)",
        "                if data_type is _ndarray and (self._base is not None",
        "                                              or other._base is not None):",
        "                    out = torch_layout(out, ad, bd)",
        "                result = _new(Tensor)",
        "                result._data = out",
        "                if _grad_enabled[0] and (self._requires_grad or other._requires_grad):",
        *_primitive._indent(recording(True), " " * 20),
        "                return result",
        "    try:",
        "        return general(self, other)",
        "    except NotAnOperand:",
        "        return NotImplemented  # Python then tries the other side, or raises its TypeError",
    ]
    operator = _primitive.generated(lines, globals(), constants)
    operator.__qualname__ = operator.__name__
    return operator


def _unary_constants(prim, general) -> dict:
    return {"prim": prim, "general": general, "forward": prim.forward,
            "node_class": prim.node_class,
            **{name: getattr(_primitive, name) for name in _primitive.RECORDING_NAMES}}


def with_number(prim, general):
    """``tensor <op> number`` recorded as a one-input row with the number as its parameter
    (``x ** 2``, ``1 - x``): the registered function's own first choice, without its calls;
    generated for its row, with the row's forward and recording in it (see binary)."""
    lines = [f"def short_{prim.name}(self, other):",
             "    kind = type(other)",
             "    if SHORT_PATHS and (kind is float or kind is int and _INT_MIN <= other <= _INT_MAX):",
             *_primitive._indent(_primitive.unary_application(
                 prim, a="self", arguments="(other,)"), " " * 8),
             "        return result",
             "    try:",
             "        return general(self, other)",
             "    except NotAnOperand:",
             "        return NotImplemented  # Python then tries the other side, or raises its TypeError"]
    operator = _primitive.generated(lines, globals(), _unary_constants(prim, general))
    operator.__qualname__ = operator.__name__
    return operator


def unary(prim, general):
    """``-x``: the one-input row, recorded directly (generated, see with_number)."""
    lines = [f"def short_{prim.name}(self):",
             "    if SHORT_PATHS:",
             *_primitive._indent(_primitive.unary_application(prim, a="self", arguments="()"),
                                 " " * 8),
             "        return result",
             "    return general(self)"]
    operator = _primitive.generated(lines, globals(), _unary_constants(prim, general))
    operator.__qualname__ = operator.__name__
    return operator
