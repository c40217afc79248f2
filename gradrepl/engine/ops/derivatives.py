"""One row of the op table: torch's grad_fn name, a numpy forward, and a derivative per input.

A row reads like an entry of PyTorch's ``tools/autograd/derivatives.yaml``::

    MUL = Primitive("mul", "MulBackward0", forward=np.multiply, inputs=("self", "other"),
                    broadcasts=True,
                    derivatives={"self": lambda grad, other: grad * other,
                                 "other": lambda grad, self: grad * self})

Each derivative is a function whose *parameter names* say what it reads, drawn from:

- ``grad``: the gradient flowing into the op's output;
- an input's name (``self``, ``other`` ... as listed in ``inputs``): that input's value;
- ``result``: the op's output;
- a parameter's name (as listed in ``params``): a non-tensor argument (``dim``, ``exponent`` ...);
- ``<input>_shape`` (``self_shape`` ...): that input's shape, which torch keeps without saving the
  tensor (its ``self.sym_sizes()``); ``<input>_strides`` likewise its strides in elements
  (``self.sym_strides()``, which mm's backward reads to pick its layout);
- ``needs``: one bool per input, whether that input wants a gradient;
- ``F``: the backend (``backends.arrays``, or ``backends.tensors`` under ``create_graph=True``).

Those names also decide what the op *saves*, exactly as torch's code generator decides it from
the formula's text: the tensors (inputs and ``result``) named by the derivative of each input that
needs a gradient. Saved tensors drive two of torch's errors: changing one in place before backward
("modified by an inplace operation") and a second backward once they were freed. So name what
torch's formula names, even where ours does not read it (``saves=`` overrides, for rows whose
formula reads something torch does not keep).

Ops whose backward is one computation for all inputs (several outputs, a variable number of
inputs, a shared intermediate) give ``backward=`` instead: ``backward(F, grad, inputs, result,
params, needs)`` returning one gradient (or None) per input, with ``saves=`` naming what it keeps:
a tuple (kept whenever a gradient is wanted) or, like derivatives.yaml, a dict from each input to
what its formula reads (``{"self": ("mat2",), "mat2": ("self",)}``). A parameter's name or
``indices`` (a second output) may be named too: saved, so a second backward fails, but never
changed in place by a user.
"""

from __future__ import annotations

import inspect
import linecache
import os
import re
from itertools import count, product

import numpy as np

from gradrepl.engine.graph import node_class

_SPECIAL = ("F", "grad", "result", "needs")
#: make every row's lazy attributes at construction, as before they were lazy: the environment
#: variable GRADREPL_EAGER_ROWS=1 (read at import, before any row is declared) is how
#: tests/engine/test_lazy_rows.py compares the two
EAGER = os.environ.get("GRADREPL_EAGER_ROWS") == "1"
# names an op's outputs go by in ``saves=``: "result" (the first), and the second output of ops
# that return two (max(dim) saves its indices)
_OUTPUTS = ("result", "indices")


class Primitive:
    """One differentiable op (see the module docstring for how to declare one).

    n_outputs: how many tensors the forward returns (a tuple of arrays when more than one).
    fast: for binary ops, the plain Python operator, used when numpy's result dtype is already
        torch's (see ``primitive.apply_binary``); ``fast_ints`` says it is also right for
        integer data.
    """

    __slots__ = (
        "name", "grad_fn_name", "node_class", "forward", "backward", "backward_arrays", "step", "derivatives", "inputs",
        "params", "broadcasts", "n_outputs", "fast", "fast_ints", "saves", "uses_output",
        "unary_saved", "binary_saved", "may_save_nothing", "_saved_cache", "_input_reads",
        "_declared_saves",
    )
    # Made on first use, not at import (~270 rows: generating and compiling two backwards each,
    # a node class each, and the saved-tensor tables were a sixth of ``import gradrepl.torch``).
    # A declared row is an ``_Unsettled`` until first used: reading its node class or a table
    # (``_SETTLED``) makes them all and turns it into a plain Primitive, with no ``__getattr__``
    # hook (which would cost every later attribute read ~15 ns, and CPython's specialised
    # attribute reads). Its backwards are ``_Unmade`` stand-ins that compile the real function
    # at the first call (or attribute read) and put it in their slot.
    # tests/engine/test_lazy_rows.py checks that lazily made values are what eager ones were.
    _SETTLED = ("node_class", "saves", "uses_output", "unary_saved", "binary_saved",
                "may_save_nothing")

    def __init__(self, name, grad_fn_name, forward, backward=None, *, derivatives=None,
                 inputs=("self", "other"), params=(), saves=None, broadcasts=False, n_outputs=1,
                 fast=None, fast_ints=True):
        if (backward is None) == (derivatives is None):
            raise TypeError(f"{grad_fn_name}: give either derivatives= or backward=")
        self.name = name
        self.grad_fn_name = grad_fn_name
        self.forward = forward
        self.inputs = tuple(inputs)
        self.params = tuple(params)
        self.broadcasts = broadcasts
        self.n_outputs = n_outputs
        self.fast = fast
        self.fast_ints = fast_ints
        self.derivatives = dict(derivatives or {})
        if derivatives is not None:
            self._input_reads = self._reads_from_signatures(saves)
            self.backward = _Unmade(self, "backward")
            self.backward_arrays = _Unmade(self, "backward_arrays")
        else:
            if saves is None:
                raise TypeError(f"{grad_fn_name}: a whole-op backward must declare saves=(...)")
            self._input_reads = None
            self._check_names(saves)
            self.backward = self.backward_arrays = backward
        self.step = _Unmade(self, "step")
        self._saved_cache = {}
        self._declared_saves = () if isinstance(saves, dict) else tuple(saves or ())
        self.__class__ = _Unsettled
        if EAGER:
            self.make_all()

    def make_all(self) -> None:
        """Make every lazy attribute now (what ``EAGER`` does at construction; for tests)."""
        self.node_class  # noqa: B018  (settles an _Unsettled row)
        for name in ("backward", "backward_arrays", "step"):
            value = getattr(self, name)
            if type(value) is _Unmade:
                setattr(self, name, value.made())

    def __repr__(self) -> str:
        return f"<primitive {self.name} ({self.grad_fn_name})>"

    def __call__(self, *inputs, params=()):
        from gradrepl.engine.ops.primitive import apply

        return apply(self, inputs, params)

    # -- what is saved --------------------------------------------------------------------------

    def _reads_from_signatures(self, saves) -> dict:
        """For each input with a derivative: the saved-tensor names its formula reads."""
        reads = {}
        for input_name, derivative in self.derivatives.items():
            if input_name not in self.inputs:
                raise TypeError(f"{self.grad_fn_name}: derivative for unknown input {input_name!r}")
            names = parameter_names(derivative)
            unknown = [n for n in names if n not in _SPECIAL and n not in self.inputs
                       and n not in self.params and not self._is_shape(n)]
            if unknown:
                raise TypeError(f"{self.grad_fn_name}: derivative of {input_name} reads unknown "
                                f"argument(s) {unknown}")
            tensors = tuple(n for n in names if n in self.inputs or n == "result")
            reads[input_name] = tensors if saves is None else tuple(saves)
        return reads

    def _is_shape(self, name: str) -> bool:
        """Whether ``name`` is an input's metadata (``self_shape``, ``self_strides``)."""
        return _metadata(name) is not None and _metadata(name)[0] in self.inputs

    def _check_names(self, saves) -> None:
        names = [n for group in (saves.values() if isinstance(saves, dict) else [saves])
                 for n in group]
        unknown = [n for n in names
                   if n not in self.inputs and n not in self.params and n not in _OUTPUTS]
        if unknown:
            raise TypeError(f"{self.grad_fn_name}: saves unknown name(s) {unknown}")
        if isinstance(saves, dict):
            self._input_reads = {k: tuple(v) for k, v in saves.items()}

    def saved(self, needs) -> tuple:
        """``(input indices saved, whether the result is saved, whether anything is saved)``
        when the inputs that want a gradient are ``needs``."""
        key = tuple(needs)
        hit = self._saved_cache.get(key)
        if hit is None:
            names = set()
            if self._input_reads is None:
                if any(key):
                    names.update(self._declared_saves)
            else:
                for i, wanted in enumerate(key):
                    if wanted and i < len(self.inputs):
                        names.update(self._input_reads.get(self.inputs[i], ()))
            indices = tuple(i for i, n in enumerate(self.inputs) if n in names)
            hit = self._saved_cache[key] = (indices, "result" in names, bool(names))
        return hit

    def _settle_saves(self) -> None:
        everything = self.saved((True,) * max(len(self.inputs), 1))
        #: something is saved when every input needs a gradient: a backward frees it
        self.saves = everything[2]
        #: the formula reads the output, so the node keeps it
        self.uses_output = everything[1] or any(
            "result" in parameter_names(d) for d in self.derivatives.values())
        self.unary_saved = self.saved((True,))[0]
        #: [needs_self][needs_other] -> (self is saved, other is saved): the hot path's lookup
        self.binary_saved = tuple(
            tuple((0 in self.saved((a, b))[0], 1 in self.saved((a, b))[0]) for b in (False, True))
            for a in (False, True))
        #: some inputs wanting a gradient leave nothing saved while others would save something
        self.may_save_nothing = self.saves and any(
            not self.saved(needs)[2] for needs in all_needs(max(len(self.inputs), 1)))

    def saved_names(self, needs=None) -> tuple:
        """What this op saves, in torch's words (``('self', 'result')``), for docs and tests."""
        needs = needs or (True,) * max(len(self.inputs), 1)
        indices, result, _ = self.saved(needs)
        return tuple(self.inputs[i] for i in indices) + (("result",) if result else ())


class _Unsettled(Primitive):
    """A declared row not used yet (see ``Primitive._SETTLED``)."""

    __slots__ = ()

    def __getattr__(self, name):
        if name not in Primitive._SETTLED:
            raise AttributeError(f"'Primitive' object has no attribute '{name}'")
        self.node_class = node_class(self.grad_fn_name)
        self._settle_saves()
        self.__class__ = Primitive
        return getattr(self, name)


class _Unmade:
    """A row's backward before its first use: the first call (or read of an attribute such as
    ``source``) generates and compiles it, puts it in the row's slot and forwards to it. A row
    declared with another's ``row.backward`` keeps this stand-in, one extra call deep."""

    __slots__ = ("row", "attribute")

    def __init__(self, row: Primitive, attribute: str):
        self.row, self.attribute = row, attribute

    def made(self):
        function = getattr(self.row, self.attribute)
        if function is self:
            make = _MAKERS[self.attribute]
            function = make(self.row)
            setattr(self.row, self.attribute, function)
        elif type(function) is _Unmade:
            return function.made()
        return function

    def __call__(self, *args):
        return self.made()(*args)

    def __getattr__(self, name):
        return getattr(self.made(), name)


def _compile(prim: Primitive, arrays_only: bool = False):
    """The row's backward as one plain function, generated once so each call costs what a
    hand-written backward would: unpack the inputs, call each wanted derivative, reduce a
    broadcast gradient to its input's shape.

    ``arrays_only``: the variant an ordinary backward (numpy gradients) calls, ``backward_arrays``.
    It is the same function with what only the tensor backend needs taken out (the ``F is
    arrays`` test) and ``sum_to``'s shape test inlined, since a gradient that already has its
    input's shape, nearly every one, then costs no call (``backends.arrays.sum_to`` makes the
    same test first). tests/engine/test_short_paths.py compares the two."""
    from gradrepl.engine.ops.backends import arrays

    names = prim.inputs
    namespace = {"arrays": arrays, "sum_to": arrays.sum_to, "_shape": np.shape,
                 "_strides": element_strides}
    uses = set()
    calls = []
    for i, name in enumerate(names):
        derivative = prim.derivatives.get(name)
        if derivative is None:
            calls.append("None")  # not differentiable with respect to this input
            continue
        namespace[f"d_{name}"] = derivative
        arguments = []
        for arg in parameter_names(derivative):
            uses.add(arg)
            if prim._is_shape(arg):
                source, kind = _metadata(arg)
                uses.add(source)
                local = f"{kind}({source})"
            elif prim.broadcasts and arg in names:
                local = f"{arg}_c"
            else:
                local = f"_{arg}" if arg in prim.params else arg
            arguments.append(local)
        call = f"d_{name}({', '.join(arguments)})"
        if prim.broadcasts and not arrays_only:
            call = f"F.sum_to({call}, {name})"
        calls.append(call)
    lines = ["def backward(F, grad, inputs, result, params, needs):"]
    if prim.broadcasts or uses & set(names):
        lines.append(f"    {', '.join(names)}, = inputs")
    for i, param in enumerate(prim.params):
        if param in uses:
            lines.append(f"    _{param} = params[{i}]")
    read = [n for n in names if n in uses and any(
        n in parameter_names(d) for d in prim.derivatives.values())]
    if prim.broadcasts and read:
        # torch's formulas compute in the result's dtype (int64 / half is half); numpy would
        # promote mixed operands its own way (int64 / half is float64)
        indent = "    " if arrays_only else "        "
        if not arrays_only:
            lines.append("    if F is arrays:")
        lines.append(f"{indent}dtype = grad.dtype")
        for name in read:
            lines.append(f"{indent}{name}_c = {name} if getattr({name}, 'dtype', dtype) == dtype "
                         f"else {name}.astype(dtype)")
        if not arrays_only:
            lines.append("    else:")
            lines.append(f"        {', '.join(n + '_c' for n in read)}, = {', '.join(read)},")
    if arrays_only and prim.broadcasts:
        for i, (name, call) in enumerate(zip(names, calls)):
            if call == "None":
                lines.append(f"    g{i} = None")
                continue
            lines.append(f"    g{i} = {call}" if len(names) == 1 else f"    g{i} = {call} if needs[{i}] else None")
            lines.append(f"    if g{i} is not None and g{i}.shape != {name}.shape:")
            lines.append(f"        g{i} = sum_to(g{i}, {name})")
        lines.append(f"    return ({''.join(f'g{i}, ' for i in range(len(names)))})")
    else:
        if len(names) != 1:
            calls = [c if c == "None" else f"({c} if needs[{i}] else None)" for i, c in enumerate(calls)]
        lines.append(f"    return ({', '.join(calls)},)")
    source = "\n".join(lines)
    suffix = " (arrays)" if arrays_only else ""
    exec(compile(source, f"<backward of {prim.grad_fn_name}{suffix}>", "exec"), namespace)
    backward = namespace["backward"]
    backward.__qualname__ = f"{prim.grad_fn_name}.backward"
    backward.source = source
    return backward


_IDENTITY_CODE = (lambda grad: grad).__code__.co_code
# inputs that are Python numbers (x * 2): never cast, and read without a getattr that misses
_NUMBERS = frozenset({float, int, bool})


def _is_identity(derivative) -> bool:
    """``lambda grad: grad``: the derivative of add, sub's self ..., inlined as ``grad``."""
    code = getattr(derivative, "__code__", None)
    return code is not None and code.co_code == _IDENTITY_CODE and code.co_argcount == 1 \
        and code.co_varnames[0] == "grad"


def _compile_arrays(prim: Primitive):
    """The row's backward for an ordinary backward walk (numpy gradients): what ``_compile``
    generates with ``F is arrays`` taken, and made cheaper per call without changing a bit: each
    input's cast to the gradient's dtype, and its derivative, only when that input needs a
    gradient; an identity derivative inlined; sum_to's shape test inlined (a gradient already of
    its input's shape, nearly every one, costs no call; ``backends.arrays.sum_to`` makes the same
    test first). tests/engine/test_short_paths.py compares it with ``_compile``'s."""
    namespace, body = _arrays_body(prim)
    lines = ["def backward(F, grad, inputs, result, params, needs):"] + body
    source = "\n".join(lines)
    exec(compile(source, f"<backward of {prim.grad_fn_name} (arrays)>", "exec"), namespace)
    backward = namespace["backward"]
    backward.__qualname__ = f"{prim.grad_fn_name}.backward"
    backward.source = source
    return backward


def _arrays_body(prim: Primitive) -> tuple:
    """``_compile_arrays``' function body (reading ``grad``, ``inputs``, ``result``, ``params``
    and ``needs``, returning the gradients' tuple) and the globals it needs."""
    from gradrepl.engine.ops.backends import arrays

    names = prim.inputs
    namespace = {"sum_to": arrays.sum_to, "_shape": np.shape, "_strides": element_strides,
                 "_NUMBERS": _NUMBERS, "_SCALARS": _scalar_types(), "_ndarray": np.ndarray,
                 "_INT_FLOAT": (int, float)}
    uses, branches = set(), []
    for i, name in enumerate(names):
        derivative = prim.derivatives.get(name)
        if derivative is None:
            branches.append(None)  # not differentiable with respect to this input
            continue
        namespace[f"d_{name}"] = derivative
        arguments, casts = [], []
        for arg in parameter_names(derivative):
            uses.add(arg)
            if prim._is_shape(arg):
                source, kind = _metadata(arg)
                uses.add(source)
                # an array's own shape without np.shape's Python call (a wrapper that reads it)
                arguments.append(f"({source}.shape if type({source}) is _ndarray else _shape({source}))"
                                 if kind == "_shape" else f"{kind}({source})")
            elif prim.broadcasts and arg in names:
                # torch's formulas compute in the result's dtype (int64 / half is half); numpy
                # would promote mixed operands its own way (int64 / half is float64)
                casts.append(f"{arg}_c = {arg} if type({arg}) in _NUMBERS or getattr({arg}, "
                             f"'dtype', grad.dtype) == grad.dtype else {arg}.astype(grad.dtype)")
                arguments.append(f"{arg}_c")
            else:
                arguments.append(f"_{arg}" if arg in prim.params else arg)
        call = "grad" if _is_identity(derivative) else f"d_{name}({', '.join(arguments)})"
        inline = getattr(derivative, "inline", None)
        if inline is not None and call != "grad":
            # the derivative's own inline form (arithmetic._grad_times_other): its common case
            # without the call, the call otherwise
            call = inline.format(call=call, **dict(zip(parameter_names(derivative), arguments)))
            namespace.update(getattr(derivative, "inline_names", {}))
        body = casts + [f"g{i} = {call}"]
        if prim.broadcasts:
            # a numpy scalar (or a node's stand-in for one) has shape (): a gradient and an
            # input that are both such need no shape test (two reads by the generic lookup);
            # nor does an input beside a Python number (x * 3: the output, and so the
            # gradient, has the tensor's shape, and a derivative by the number keeps it)
            beside = f"type({names[1 - i]}) not in _NUMBERS and " if len(names) == 2 else ""
            body += [f"if g{i} is not None and {beside}(type(g{i}) not in _SCALARS or type({name}) "
                     f"not in _SCALARS) and g{i}.shape != {name}.shape:",
                     f"    g{i} = sum_to(g{i}, {name})"]
        branches.append(body)
    lines = []
    if prim.broadcasts or uses & set(names):
        lines.append(f"    {', '.join(names)}, = inputs")
    for i, param in enumerate(prim.params):
        if param in uses:
            lines.append(f"    _{param} = params[{i}]")
    for i, body in enumerate(branches):
        if body is None:
            lines.append(f"    g{i} = None")
        elif len(names) == 1:
            lines += ["    " + line for line in body]
        else:
            lines.append(f"    if needs[{i}]:")
            lines += ["        " + line for line in body]
            lines.append("    else:")
            lines.append(f"        g{i} = None")
    lines.append(f"    return ({''.join(f'g{i}, ' for i in range(len(names)))})")
    return namespace, lines


def _scalar_types() -> frozenset:
    """The types whose every value has shape (): numpy's scalars (a 0-d tensor's data) and
    the stand-in a node keeps for one (stand_ins.py)."""
    from gradrepl.engine.ops.stand_ins import STAND_INS, ScalarMetadata

    return frozenset(t for t in set(np.sctypeDict.values()) if issubclass(t, np.generic)) \
        | {ScalarMetadata}


def _compile_step(prim: Primitive):
    """The row's step of the plain backward walk (autograd._run_plain): what the walk did for a
    node of this row (the checks of its saved state, the reads of what its backward takes, the
    backward itself, the release of what it saved), as one function generated for the row.

    CPython 3.11 specialises an attribute read per code object and guards it on the object's
    exact type; the walk meets a node class per row, so its own reads of a node's attributes
    all took the generic lookup. Here each read sees one row's nodes (one class), and what the
    row's facts decide is decided when the step is made: a row that saves nothing (``saves``
    False) never has ``_versions`` set (recording sets it only for a saved input, inplace.py's
    guard only for a saved output), so its step reads neither that nor ``_saved_nothing``
    (set only where ``may_save_nothing``); a row whose formula reads no output reads no
    ``_out``. tests/engine/test_short_paths.py compares the walk with the general one."""
    from gradrepl.engine.graph import BACKWARD_TWICE
    from gradrepl.engine.ops.backends import arrays
    from gradrepl.engine.ops.primitive import check_saved
    from gradrepl.engine.tensor import _writes

    if prim.derivatives:
        namespace, body = _arrays_body(prim)
        words = set(re.findall(r"\w+", "\n".join(body)))
        reads_params, reads_needs = "params" in words, "needs" in words
    else:
        backward = prim.backward_arrays
        if type(backward) is _Unmade:
            backward = backward.made()
        namespace = {"backward": backward, "arrays": arrays}
        body = ["    return backward(arrays, grad, inputs, result, params, needs)"]
        reads_params = reads_needs = True
    # F: the backend a derivative may take (numpy arrays here, as backward_arrays is given)
    namespace.update(F=arrays, BACKWARD_TWICE=BACKWARD_TWICE, check_saved=check_saved,
                     _writes=_writes, _count=count)
    lines = ["def step(node, grad, release):",
             "    inputs = node._arrays",
             "    if inputs is None:  # Node._released: a release frees the saved arrays",
             "        raise RuntimeError(BACKWARD_TWICE)"]
    if prim.saves:
        lines += ["    if node._versions is not None and node._epoch != _writes[0]:",
                  "        check_saved(node)  # something was written in place since"]
    if prim.uses_output:
        lines.append("    result = node._out")
    elif not prim.derivatives:
        lines.append("    result = None")
    if reads_params:
        lines.append("    params = node._params")
    if reads_needs:
        lines.append("    needs = node._needs")
    # the gradients, then Node._release inlined (when the pass does not retain), then the
    # edges: (next node, its gradient, the edge's position), what the walk iterates (an edge
    # to None left out where the step unpacks the edges: the walk would skip it)
    last = body[-1]
    assert last.startswith("    return ")
    grads = last[len('    return '):]
    if prim.derivatives:
        # (g0, g1, ): the gradients are locals by now; their tuple is built only where
        # zip needs it
        lines += body[:-1]
    else:
        lines += body[:-1] + [f"    grads = {grads}"]
        grads = "grads"
    if prim.saves:
        test = "release and not node._saved_nothing" if prim.may_save_nothing else "release"
        lines += [f"    if {test}:",
                  "        node._arrays = None",
                  "        node._inputs = ()"]
        if prim.uses_output:
            lines += ["        if result is not None:",
                      "            node._out = None"]
    n = len(prim.inputs)
    if prim.derivatives and 1 <= n <= 4:
        # a node has an edge per input, nearly always: unpacked here, without zip's three
        # iterators (a zip per node was ~6% of W1); zip's pairing, which stops at the
        # shorter, otherwise
        nexts = "".join(f"n{i}, " for i in range(n))
        edges = "".join(f"(n{i}, g{i}, {i}), " for i in range(n))
        lines += ["    nexts = node._next",
                  f"    if len(nexts) == {n}:",
                  f"        {nexts}= nexts"]
        if n == 2:
            # an input without an edge (a Python number, a tensor that wants no gradient)
            # is left out: the walk skips an edge to None anyway (one tuple and one turn of
            # its loop fewer, for every `x * 3` and `y + 1`)
            lines += ["        if n1 is None:",
                      "            return ((n0, g0, 0), )",
                      "        if n0 is None:",
                      "            return ((n1, g1, 1), )"]
        lines += [f"        return ({edges})",
                  f"    return zip(nexts, {grads}, _count())"]
    else:
        lines.append(f"    return zip(node._next, {grads}, _count())")
    source = "\n".join(lines)
    # in this package's directory, its source in linecache: the shell's tracebacks and
    # warn.warn_user count its frames as gradrepl's own (a second backward raises in it)
    filename = os.path.join(os.path.dirname(__file__), f"<walk step of {prim.grad_fn_name}>")
    exec(compile(source, filename, "exec"), namespace)
    linecache.cache[filename] = (len(source), None, (source + "\n").splitlines(True), filename)
    step = namespace["step"]
    step.__qualname__ = f"{prim.grad_fn_name}.step"
    step.source = source
    return step


_MAKERS = {"backward": _compile, "backward_arrays": _compile_arrays, "step": _compile_step}


_STAR_ARGS = 0x04 | 0x08  # CO_VARARGS | CO_VARKEYWORDS: a signature with *args or **kwargs


def parameter_names(function) -> tuple:
    """The names of ``function``'s parameters, what ``inspect.signature(function).parameters``
    lists, read straight from its code object for a plain function or lambda (inspect's
    general route costs ~25 us per call, and every row reads each derivative's names)."""
    code = getattr(function, "__code__", None)
    if (type(function) is not _FUNCTION or code.co_flags & _STAR_ARGS
            or "__wrapped__" in function.__dict__ or "__signature__" in function.__dict__):
        return tuple(inspect.signature(function).parameters)
    return code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]


_FUNCTION = type(parameter_names)


def _metadata(name: str):
    """(input name, accessor) for ``<input>_shape`` / ``<input>_strides``, else None."""
    for suffix in ("_shape", "_strides"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[:-len(suffix)], suffix
    return None


def element_strides(x) -> tuple:
    """An array's (or tensor's) strides in elements, as torch counts them."""
    data = getattr(x, "_data", x)
    return tuple(step // data.itemsize for step in data.strides)


def all_needs(n: int):
    """Every combination of which inputs want a gradient (for tests and docs)."""
    return [needs for needs in product((False, True), repeat=n) if any(needs)]
