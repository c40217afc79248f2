"""Running a row of the op table and recording it in the graph.

A ``Primitive`` (``derivatives.py``) is one row: torch's grad_fn name, a numpy forward and a
derivative per input. The derivatives are written once and run on two backends
(``backends.py``): on numpy arrays for an ordinary backward, and on tensors, recorded like any op,
when ``create_graph=True`` asks for gradients that can themselves be differentiated.

Arguments are split the way torch's signatures split them: ``inputs`` are the tensor arguments
(each gets an edge in ``next_functions``, even a Python number that torch wraps into a tensor,
as in ``x * 2``), ``params`` are everything else (dims, shapes, a scalar exponent).
"""

from __future__ import annotations

import linecache
import os
import types

import numpy as np

from gradrepl.engine import grad_mode
from gradrepl.engine.errors import SCALAR_INT_MAX as _SCALAR_INT_MAX
from gradrepl.engine.errors import SCALAR_INT_MIN as _SCALAR_INT_MIN
from gradrepl.engine.errors import NotAnOperand, raise_scalar_overflow
from gradrepl.engine.graph import _ZEROS, BACKWARD_TWICE, _sequence, accumulator_for
from gradrepl.engine.ops.derivatives import Primitive, all_needs, parameter_names
from gradrepl.engine.ops.layout import torch_layout
from gradrepl.engine.ops.promotion import HALF_ROWS
from gradrepl.engine.ops.stand_ins import STAND_INS
from gradrepl.engine.tensor import Tensor, _writes
from gradrepl.engine.tensor import new_tensor as _new_tensor

__all__ = ["Primitive", "apply", "apply_binary", "apply_unary", "wrap", "check_saved", "operand"]

_grad_enabled = grad_mode._enabled
_new = object.__new__
_ndarray = np.ndarray
_inference_made = grad_mode.INFERENCE_MADE  # an inference tensor exists: saves are checked


def _refuse_saved(*tensors) -> None:
    """torch's error for an inference tensor saved for backward (inference.py, loaded on need)."""
    from gradrepl.engine.inference import refuse_saved

    refuse_saved(*tensors)


def apply(prim: Primitive, inputs: tuple, params: tuple = ()) -> Tensor:
    """Run ``prim`` on ``inputs`` and, when grad mode is on and an input requires grad, record it."""
    arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
    out = prim.forward(*arrays, *params)
    return wrap(prim, out, inputs, params, arrays)


def wrap(prim: Primitive, out, inputs: tuple, params: tuple = (), arrays=None) -> Tensor:
    """Make the result tensor of an op whose forward already ran, attaching its grad_fn if needed."""
    result = _new(Tensor)
    result._data = out
    if _grad_enabled[0]:
        for x in inputs:
            if isinstance(x, Tensor) and x._requires_grad:
                if arrays is None:
                    arrays = [x._data if isinstance(x, Tensor) else x for x in inputs]
                _record(prim, result, out, inputs, params, arrays, _mixed(out, arrays))
                break
    return result


def operand(x):
    """A tensor or Python number as an op argument; numpy scalars count as Python numbers.

    An ndarray is no operand, as in torch: ``torch.add(t, a)`` is a TypeError, and an operator
    answers NotImplemented, so that ``t + a`` is numpy's ``a.__radd__(t)``: numpy's ufunc on
    ``t.__array__()``, its result wrapped back by ``Tensor.__array_wrap__`` (numpy's promotion,
    float64 for an int64 array; tensor.py), and ``a + t`` Python's TypeError."""
    if type(x) is int and not _SCALAR_INT_MIN <= x <= _SCALAR_INT_MAX:
        raise_scalar_overflow(x)
    if isinstance(x, Tensor) or type(x) in (bool, int, float):
        return x
    if isinstance(x, np.generic):  # before float: np.float64 is a float subclass
        # torch reads a numpy bool as a float scalar (int tensor + np.True_ is float32)
        return float(x) if isinstance(x, np.bool_) else x.item()
    if ARRAYS_ARE_OPERANDS[0] and isinstance(x, np.ndarray):
        return _new_tensor(x)
    raise NotAnOperand(x)


# > 0 while gradrepl's own derivative formulas run on tensors (create_graph=True: autograd's
# _formula), which mix them with numpy masks and parameters (weight * grad) as with numbers
ARRAYS_ARE_OPERANDS = [0]



_FLOAT_KINDS = frozenset("efd")
_HALF = np.dtype(np.float16)
_NUMBER_TYPES = (float, int, bool)
# numpy scalar type -> the stand-in a binary node that saves neither input keeps of it; the
# switch of this short path: tests/engine/test_stand_ins.py makes it {} to compare the nodes that
# keep the numpy scalars themselves (a dict, not a flag: one global read less per node)
_STAND_INS = STAND_INS
# False: apply_binary always runs the row's forward (the general path), never the Python
# operator (tests/engine/test_short_paths.py compares the two)
SHORT_PATHS = True


def apply_binary(prim: Primitive, a: Tensor, b) -> Tensor:
    """``prim(a, b)`` for a tensor ``a`` and a tensor or Python number ``b``: the hot path.

    When numpy's own promotion already gives torch's dtype (same dtypes, or a Python number that
    does not raise the category), the Python operator on numpy scalars/arrays is used directly:
    it is ten times cheaper than a ufunc call on the numpy scalars 0-d results are kept as.
    """
    ad = a._data
    if isinstance(b, Tensor):
        bd = b._data
        requires = a._requires_grad or b._requires_grad
        same = ad.dtype is bd.dtype or ad.dtype == bd.dtype
    elif type(b) in _NUMBER_TYPES:
        if type(b) is int and not _SCALAR_INT_MIN <= b <= _SCALAR_INT_MAX:
            raise_scalar_overflow(b)
        bd = b
        requires = a._requires_grad
        # float16 times a number is computed in float32 (promotion.half_by_one_value)
        char = ad.dtype.char
        same = char != "e" and (type(b) is not float or char in _FLOAT_KINDS)
    elif isinstance(b, np.generic):
        return apply_binary(prim, a, operand(b))
    else:
        return NotImplemented  # Python then tries the other operand, or raises its TypeError
    out = None
    if same and SHORT_PATHS and prim.fast is not None and (
            prim.fast_ints or ad.dtype.char in _FLOAT_KINDS):
        try:
            out = prim.fast(ad, bd)
        except (ValueError, TypeError, OverflowError):
            out = None  # the generic forward raises torch's error or handles the corner case
    mixed = out is None
    if mixed:
        out = prim.forward(ad, bd)
        mixed = _mixed(out, (ad, bd))
        if getattr(out, "dtype", None) == _HALF:
            prim = HALF_ROWS.get(prim, prim)  # float16 by one value: torch's float32 products
    # a view, perhaps expanded: torch's layout for the result (ops/layout.py). Only an array
    # can need one (torch_layout returns anything else as it is), and the type test costs less
    # than the _base reads (a class-level default CPython 3.11 reads by the generic lookup)
    if type(out) is _ndarray and (a._base is not None
                                  or isinstance(b, Tensor) and b._base is not None):
        out = torch_layout(out, ad, bd)
    result = _new(Tensor)
    result._data = out
    if requires and _grad_enabled[0]:
        _record_binary(prim, result, out, a, b, ad, bd, mixed)
    return result


# a recorded result's output number, Tensor's class default written into the tensor itself:
# the next op's recording reads it (the edge's output number), and a read of a class default
# is the generic lookup in CPython 3.11 (~200 instructions) where a read of an instance value
# specialises (a write costs a tenth of that)
_OUTPUT_NR = "result._output_nr = 0"


def binary_recording(row=None, *, a="a", b="b", other_is_tensor=None, a_requires=None,
                     mixed=None, switches="") -> list:
    """The source lines that record a binary node, for the facts known where they run; the one
    description of that recording, from which ``_record_binary`` (the general path's, nothing
    known) and each Python operator's own recording (operators.py: its row, whether the other
    operand is a tensor, no mixed dtypes) are generated.

    They read the locals ``prim``, ``result``, ``out``, ``ad``, ``bd``, the operands (named by
    ``a`` and ``b``) and, unless ``mixed`` is given, ``mixed``; the names of ``RECORDING_NAMES``,
    and the switches ``SHORT_PATHS`` and ``_STAND_INS`` (tests rebind them) through ``switches``,
    the prefix that reaches this module's globals ("" here, a module name elsewhere). With a
    settled ``row`` its facts are constants: ``node_class`` is then read as a name (the row's
    node class), and the code takes only the branches the row can take, in the same order of
    writes (a node's attributes are written in one order, so that its dict shares its keys)."""
    known = row is not None
    lines = ["node = _new(node_class)" if known else "node = _new(prim.node_class)",
             "node._primitive = prim",
             "node._step = prim.step"]
    if not known:
        lines += ["if prim.uses_output:", "    node._out = out"]
    elif row.uses_output:
        lines.append("node._out = out")
    if mixed is None:
        lines += ["if mixed:", "    node._mixed = node._special = True"]
    elif mixed:
        lines.append("node._mixed = node._special = True")
    # need_a and need_b, whether each input wants a gradient, are the ints 1 and 0 (not True
    # and False): they index the rows' tables (_NEEDS_TWO, binary_saved), and CPython 3.11
    # specialises a tuple's subscript by an exact int only (a bool's is the generic one)
    # the edges (next_functions) as the nodes alone: an output number other than 0 (an output
    # of unbind, split ...) is rare and written only then
    # the leaf's live accumulator, read without a call (accumulator_for makes one if none)
    accumulator = ["ref = {a}._accumulator",
                   "fn_a = ref() if ref is not None else None",
                   "if fn_a is None:",
                   "    fn_a = accumulator_for({a})"]
    lines += ["fn_a = {a}.grad_fn", "if fn_a is not None:"]
    if a_requires:  # a requires grad (known where this runs): a gradient reaches it
        need_a = "1"
        lines += ["    nr_a = {a}._output_nr", "else:"] + _indent(accumulator) + ["    nr_a = 0"]
    else:
        need_a = "need_a"
        lines += ["    need_a = 1", "    nr_a = {a}._output_nr", "elif {a}._requires_grad:"] \
            + _indent(accumulator) + ["    need_a, nr_a = 1, 0", "else:",
                                      "    fn_a, need_a, nr_a = None, 0, 0"]
    # torch saves only what the derivatives of the inputs that need a gradient read: x * w
    # with only x requiring grad keeps w, and x may then change in place
    keep = ["node._inputs = ({a}, {b})", "node._arrays = (ad, bd)"]
    version = "({x}._write_count if {x}._base is None else {x}._base._write_count)"
    save = ["node._versions = (",
            f"    {version.format(x='{a}')} if save_a else None,",
            f"    {version.format(x='{b}')} if save_b else None,",
            ")", "node._epoch = _writes[0]",
            "if _inference_made[0]:",
            "    _refuse_saved({a} if save_a else None, {b} if save_b else None)"] + keep
    if known:
        keeps_nothing = row in _KEEPS_NOTHING or _learn(row)
        # not mixed and this row's derivatives read only what it saves: the test left is the switch
        keeping = (f"not {switches}SHORT_PATHS" if keeps_nothing else "True") \
            if mixed is False else None
    else:
        keeping = None
    if keeping is None:
        keeping = f"mixed or not {switches}SHORT_PATHS or " \
            "(prim not in _KEEPS_NOTHING and not _learn(prim))"
    tensor = [
        "fn_b = {b}.grad_fn",
        "if fn_b is not None:",
        "    need_b = 1",
        "    if {b}._output_nr or nr_a:",
        "        node._output_nrs = (nr_a, {b}._output_nr)",
        "elif {b}._requires_grad:",
        "    ref = {b}._accumulator",
        "    fn_b = ref() if ref is not None else None",
        "    if fn_b is None:",
        "        fn_b = accumulator_for({b})",
        "    need_b = 1",
        "    if nr_a:",
        "        node._output_nrs = (nr_a, 0)",
        "else:",
        "    need_b = 0",
        "    if nr_a:",
        "        node._output_nrs = (nr_a, 0)",
    ]
    stand_in_both = [
        "node._inputs = _NOT_KEPT  # see _reads_only_saved",
        # nothing saved: keep no value either, only a shared stand-in (stand_ins.py)
        f"meta = {switches}_STAND_INS.get(type(ad))",
        "node._arrays = meta.both if meta is not None and type(bd) is type(ad) else (ad, bd)",
    ]
    # what the row saves for each (need_a, need_b) a node can have
    saves = {row.binary_saved[x][y] for x, y in ((0, 1), (1, 0), (1, 1))} if known else ()
    if saves == {(False, False)}:
        saving = "False"  # it saves nothing, whichever inputs need a gradient
    else:
        tensor.append(f"save_a, save_b = prim.binary_saved[{need_a}][need_b]")
        saving = "save_a or save_b"
    tensor += _branches([(saving, save), (keeping, keep), (None, stand_in_both)])
    # a Python number (x * 2): only a's version can matter
    number = ["fn_b, need_b = None, 0" if other_is_tensor is None else "fn_b = None",
              "if nr_a:", "    node._output_nrs = (nr_a, 0)"]
    save_first = [f"node._versions = ({version.format(x='{a}')[1:-1]}, None)",
                  "node._epoch = _writes[0]", "if _inference_made[0]:",
                  "    _refuse_saved({a})"] + keep
    stand_in_first = [
        "node._inputs = _NOT_KEPT  # the number is in _arrays too",
        # a is not saved: keep no value of it either, only a shared stand-in (stand_ins.py)
        f"meta = {switches}_STAND_INS.get(type(ad))",
        "node._arrays = (ad, bd) if meta is None else (meta, bd)",
    ]
    number += _branches([(str(row.binary_saved[1][0][0]) if known else "prim.binary_saved[1][0][0]",
                          save_first), (keeping, keep), (None, stand_in_first)])
    if other_is_tensor is None:
        lines += ["if isinstance({b}, Tensor):"] + _indent(tensor) + ["else:"] + _indent(number)
    else:
        lines += tensor if other_is_tensor else number
    need_b = "0" if other_is_tensor is False else "need_b"
    if not known:
        lines += [f"if prim.may_save_nothing and not prim.saved((({need_a}, {need_b})))[2]:",
                  "    node._saved_nothing = True"]
    elif row.may_save_nothing:
        if need_a == "1" and need_b == "0":
            if not row.saved((True, False))[2]:
                lines.append("node._saved_nothing = True")
        else:
            lines += [f"if not prim.saved((({need_a}, {need_b})))[2]:",
                      "    node._saved_nothing = True"]
    lines += ["node._next = (fn_a, fn_b)",
              f"node._needs = _NEEDS_TWO[{need_a}][{need_b}]",
              "node._sequence_nr = next(_sequence)",
              "result._requires_grad = True",
              "result.grad_fn = node",
              _OUTPUT_NR]
    return [line.format(a=a, b=b) for line in lines]


def _branches(cases) -> list:
    """``if``/``elif``/``else`` over ``(test, lines)`` pairs (test None: the ``else``), with the
    tests that are the constants ``True`` or ``False`` resolved here."""
    out, opened = [], False
    for test, body in cases:
        if test == "False":
            continue
        if test is None or test == "True":
            out += (["else:"] + _indent(body)) if opened else body
            return out
        out += [("elif " if opened else "if ") + test + ":"] + _indent(body)
        opened = True
    return out


def _indent(lines, by: str = "    ") -> list:
    return [by + line for line in lines]


# the module-level names a recording reads (besides the switches)
RECORDING_NAMES = ("_new", "accumulator_for", "_writes", "_sequence", "_NOT_KEPT", "_NEEDS_TWO",
                   "_NEEDS_ONE", "_KEEPS_NOTHING", "_learn", "Tensor", "_grad_enabled", "_ndarray",
                   "torch_layout", "_inference_made", "_refuse_saved")


def generated(lines: list, namespace: dict, constants: dict):
    """The function whose source is ``lines`` (its ``def`` line first), compiled with
    ``namespace`` as its globals (a module's own, so that it reads that module's switches as the
    module's code does) inside a factory whose arguments are ``constants``, which it reads as
    closure cells. Its file name is ``<generated NAME>`` in this package's directory: tracebacks
    and warnings (``warn.warn_user``, ``session.errors``) count its frames as gradrepl's own,
    and linecache holds its source for them."""
    name = lines[0][len("def "):lines[0].index("(")]
    filename = os.path.join(os.path.dirname(__file__), f"<generated {name}>")
    source = "\n".join(lines) + "\n"
    factory_source = f"def factory({', '.join(constants)}):\n" + "".join(
        "    " + line + "\n" for line in lines) + f"    return {name}\n"
    code = next(c for c in compile(factory_source, filename, "exec").co_consts
                if isinstance(c, types.CodeType))
    function = types.FunctionType(code, namespace)(**constants)
    function.source = source
    linecache.cache[filename] = (len(factory_source), None, factory_source.splitlines(True),
                                 filename)
    return function


_record_binary = generated(
    ["def _record_binary(prim, result, out, a, b, ad, bd, mixed):",
     '    """The recording of a binary node, nothing known (binary_recording)."""']
    + _indent(binary_recording()), globals(), {})


def unary_application(row=None, *, a="a", arguments=None) -> list:
    """The source lines that run a one-input row and record its node (``apply_unary``'s body,
    ending with the result in ``result``), for the facts known where they run; the one
    description from which ``apply_unary`` (nothing known) and the operators ``x ** 2``, ``1 - x``
    and ``-x`` (operators.py: their row, and their parameters as the source of a tuple,
    ``arguments``) are generated. They read the locals ``prim``, the input (named by ``a``) and,
    unless ``arguments`` is given, ``params``; with a settled ``row``, ``forward`` and
    ``node_class`` as names (the row's), and the names of ``RECORDING_NAMES``."""
    known = row is not None
    if arguments is None:
        forward, params = "prim.forward(ad, *params)", "params"
    else:
        extra = arguments[1:-1].rstrip(",")  # "(other,)": "other"; "()": ""
        call = ", ".join(["ad", extra] if extra else ["ad"])
        forward = f"forward({call})" if known else f"prim.forward({call})"
        params = arguments
    lines = [
        "ad = {a}._data",
        f"out = {forward}",
        "if type(out) is _ndarray and {a}._base is not None:  # a view: torch's layout",
        "    out = torch_layout(out, ad)",
        "result = _new(Tensor)",
        "result._data = out",
        "if {a}._requires_grad and _grad_enabled[0]:",
    ]
    node = ["node = _new(node_class)" if known else "node = _new(prim.node_class)",
            "node._primitive = prim",
            "node._step = prim.step",
            "node._inputs = ({a},)",
            "node._arrays = (ad,)"]
    if arguments is None:
        node += ["if params:", "    node._params = params"]
    elif arguments != "()":
        node.append(f"node._params = {params}")
    if not known:
        node += ["if prim.uses_output:", "    node._out = out"]
    elif row.uses_output:
        node.append("node._out = out")
    node += [
        # two numpy scalars of one type (0-d data) are of one dtype: no dtype read (two reads
        # by the generic lookup and a comparison of dtypes)
        "if (type(out) is _ndarray or type(out) is not type(ad)) and out.dtype != ad.dtype:",
        "    node._mixed = node._special = True",
        "fn = {a}.grad_fn",
        "if fn is None:",
        # the leaf's live accumulator, read without a call (accumulator_for makes one if none)
        "    ref = {a}._accumulator",
        "    fn = ref() if ref is not None else None",
        "    node._next = (accumulator_for({a}) if fn is None else fn,)",
        "else:",
        "    node._next = (fn,)",
        "    if {a}._output_nr:",
        "        node._output_nrs = ({a}._output_nr,)",
        "node._needs = _NEEDS_ONE",
    ]
    versions = ["node._versions = ({a}._write_count if {a}._base is None "
                "else {a}._base._write_count,)", "node._epoch = _writes[0]",
                "if _inference_made[0]:", "    _refuse_saved({a})"]
    if not known:
        node += ["if prim.unary_saved:"] + _indent(versions)
    elif row.unary_saved:
        node += versions
    node += ["node._sequence_nr = next(_sequence)",
             "result._requires_grad = True",
             "result.grad_fn = node",
             _OUTPUT_NR]
    return [line.format(a=a) for line in lines + _indent(node)]


apply_unary = generated(
    ["def apply_unary(prim, a, params=()):",
     '    """``prim(a, *params)`` for one tensor argument, recorded without the general loop '
     '(unary_application)."""'] + _indent(unary_application()) + ["    return result"],
    globals(), {})


def _reads_only_saved(prim) -> bool:
    """Whether a binary row's derivatives read no input tensor it does not save, whichever
    inputs want a gradient (true of every row whose saves follow its formulas, as torch's code
    generator derives them; not of a whole-op ``backward=`` or a ``saves=`` that leaves out
    something the formula reads). A node of such a row that saves no input keeps neither input
    (``_NOT_KEPT``), as torch's node keeps only what it saves: the tensor between two ops of a
    chain then dies when the user lets go of it, not with the graph. The formulas on tensors
    (``create_graph``) read an input they do not save only for its shape, which its array in
    ``_arrays`` gives (``formula_inputs``); mixed-dtype nodes keep their inputs, whose dtypes
    the casts back read."""
    names = prim.inputs
    derivatives = prim.derivatives or {}
    if len(names) != 2 or not derivatives:
        return False
    for needs in all_needs(2):
        saved = {names[i] for i in prim.saved(needs)[0]}
        for name, wanted in zip(names, needs):
            derivative = derivatives.get(name)
            if wanted and derivative is not None and \
                    any(arg in names and arg not in saved for arg in parameter_names(derivative)):
                return False
    return True


# the rows _reads_only_saved has answered for: a set, since the hot path asks only "is it one
# of those that may keep nothing" (a set lookup costs less than a dict subclass's __missing__)
_KEEPS_NOTHING: set = set()
_ASKED: set = set()


def _learn(prim) -> bool:
    """_reads_only_saved(prim), remembered; called while prim is not known to keep nothing."""
    if prim in _ASKED:
        return False
    _ASKED.add(prim)
    if _reads_only_saved(prim):
        _KEEPS_NOTHING.add(prim)
        return True
    return False


_NOT_KEPT = (None, None)  # the inputs of a binary node that keeps neither


def formula_inputs(node) -> tuple:
    """The inputs a backward formula on tensors (``create_graph=True``) gets: the node's kept
    tensors, and for an input it did not keep (``_reads_only_saved``), its array, which the formula
    reads only for its shape."""
    inputs = node._inputs
    if inputs is _NOT_KEPT:
        return node._arrays
    if any(x is None for x in inputs):  # a CopySlices node wrapping one (views.rebase)
        inputs = tuple([a if x is None else x for x, a in zip(inputs, node._arrays)])
    return inputs


_NEEDS_ONE = (True,)
# shared (need_a, need_b) tuples: one fewer object per recorded op for the collector to track
_NEEDS_TWO = (((False, False), (False, True)), ((True, False), (True, True)))


def _mixed(out, arrays) -> bool:
    """Whether some input's dtype differs from the output's, so gradients need a cast back."""
    dtype = getattr(out, "dtype", None)
    for x in arrays:
        d = getattr(x, "dtype", None)
        if d is not None and d != dtype:
            return True
    return False


def _record(prim, result: Tensor, out, inputs: tuple, params: tuple, arrays, mixed: bool) -> None:
    node = _new(prim.node_class)
    node._primitive = prim
    node._step = prim.step
    node._inputs = inputs
    node._arrays = arrays
    if params:
        node._params = params
    if prim.uses_output:
        node._out = out
    if mixed:
        node._mixed = node._special = True
    if len(inputs) == 1 and SHORT_PATHS:
        _record_one(prim, node, result, inputs[0])  # short path: a view, most one-input ops
        return
    nodes, needs = [], []
    for x in inputs:
        fn = x.grad_fn if isinstance(x, Tensor) else None
        if fn is not None:
            if x._output_nr:  # an output of unbind, split ...: keep the output numbers
                node._output_nrs = tuple([edge_to(x)[1] for x in inputs])
        elif isinstance(x, Tensor) and x._requires_grad:
            fn = accumulator_for(x)
        nodes.append(fn)
        needs.append(fn is not None)
    if len(nodes) > len(_ZEROS):
        node._output_nrs = tuple([edge_to(x)[1] for x in inputs])
    node._next = tuple(nodes)
    node._needs = tuple(needs)
    # numbered after the edges: a leaf's accumulator made just above must come first
    node._sequence_nr = next(_sequence)
    saved, _, frees = prim.saved(node._needs)
    if saved:
        node._versions = tuple([
            (x if x._base is None else x._base)._write_count
            if i in saved and isinstance(x, Tensor) else None for i, x in enumerate(inputs)])
        node._epoch = _writes[0]
        if _inference_made[0]:
            _refuse_saved(*[x for i, x in enumerate(inputs) if i in saved])
    if prim.saves and not frees:
        node._saved_nothing = True
    result._requires_grad = True
    result.grad_fn = node


def _record_one(prim, node, result: Tensor, x) -> None:
    """The rest of ``_record`` for a node of one input, without its lists."""
    fn = None
    if isinstance(x, Tensor):
        fn = x.grad_fn
        if fn is not None:
            if x._output_nr:
                node._output_nrs = (x._output_nr,)
        elif x._requires_grad:
            fn = accumulator_for(x)
    node._next = (fn,)
    node._needs = needs = _NEEDS_ONE if fn is not None else _NEEDS_NONE
    node._sequence_nr = next(_sequence)
    saved, _, frees = prim.saved(needs)
    if saved:
        node._versions = ((x if x._base is None else x._base)._write_count
                          if 0 in saved and isinstance(x, Tensor) else None,)
        node._epoch = _writes[0]
        if _inference_made[0] and 0 in saved:
            _refuse_saved(x)
    if prim.saves and not frees:
        node._saved_nothing = True
    result._requires_grad = True
    result.grad_fn = node


_NEEDS_NONE = (False,)
_NO_EDGE = (None, 0)


def edge_to(x) -> tuple:
    """The ``(node, output_nr)`` pair through which gradient reaches input ``x``."""
    if isinstance(x, Tensor):
        if x.grad_fn is not None:
            return (x.grad_fn, x._output_nr)
        if x._requires_grad:
            return (accumulator_for(x), 0)
    return (None, 0)


# the nodes whose backward unpacks its saved ``other`` before ``self`` (torch's generated code
# follows the order the formulas name them), so that when both were changed in place torch
# names ``other``: measured on torch 2.13 with both operands changed (other twice)
OTHER_CHECKED_FIRST = frozenset({
    "MulBackward0", "DivBackward0", "DivBackward2", "PowBackward1", "MaximumBackward0",
    "MinimumBackward0", "FmaxBackward0", "FminBackward0", "Atan2Backward0", "HypotBackward0",
    "FmodBackward1", "RemainderBackward1", "LinalgCrossBackward0", "MmBackward0", "MvBackward0",
    "BmmBackward0", "XlogyBackward0", "LogaddexpBackward0", "Logaddexp2Backward0",
    "VdotBackward0",
})


def check_saved(node) -> None:
    """Raise torch's errors when a node's saved tensors were freed or changed in place since."""
    if node._released:
        raise RuntimeError(BACKWARD_TWICE)
    if node._output_check is not None:
        node._output_check()  # the output this node saved was changed in place (inplace.py)
    versions = node._versions
    if versions:
        pairs = zip(node._inputs, versions)
        if len(versions) == 2 and node.name() in OTHER_CHECKED_FIRST:
            pairs = reversed(list(pairs))
        for tensor, saved in pairs:
            if saved is not None:
                now = (tensor if tensor._base is None else tensor._base)._write_count
                if now != saved:
                    raise RuntimeError(_modified_message(tensor, saved, now))


def _modified_message(tensor: Tensor, saved: int, now: int, producer_node=None) -> str:
    from gradrepl.engine.dtypes import LEGACY_TYPE_NAMES

    shape = ", ".join(str(s) for s in tensor.shape)
    if tensor.grad_fn is not None or producer_node is not None:
        # torch names the op by its grad_fn without the "Backward<k>" tail: for a saved output,
        # the node that saved it
        # torch names the node without "Backward" and a trailing overload 0: ExpBackward0 is
        # "Exp", PowBackward2 "Pow2"
        name = (producer_node or tensor.grad_fn).name()
        producer = name[:-len("Backward0")] if name.endswith("Backward0") \
            else name.replace("Backward", "", 1)
        whose = f", which is output {tensor._output_nr} of {producer},"
    else:
        whose = ""  # a leaf (changed under no_grad, or through detach()): torch names nothing
    from gradrepl.engine.anomaly import is_anomaly_enabled

    if is_anomaly_enabled():
        # torch then also warns with the forward call's traceback, which gradrepl does not keep
        hint = ("the backtrace further above shows the operation that failed to compute its "
                "gradient. The variable in question was changed in there or anywhere later. "
                "Good luck!")
    else:
        hint = ("enable anomaly detection to find the operation that failed to compute its "
                "gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [{LEGACY_TYPE_NAMES[tensor.dtype]} [{shape}]]{whose} is at version "
        f"{now}; expected version {saved} instead. Hint: {hint}"
    )
