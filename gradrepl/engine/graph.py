"""The recorded graph: one ``Node`` (a tensor's ``grad_fn``) per op that needs a gradient.

Each node knows its primitive (which holds the backward formula), the inputs it was called with,
and ``next_functions``: one ``(node, output_nr)`` edge per tensor input, where the node is the
input's own grad_fn, its ``AccumulateGrad`` if it is a leaf that requires grad, or None.

Node classes are made per grad_fn name (``MulBackward0`` ...) so that ``type(y.grad_fn).__name__``,
``repr`` and Jupyter's display show what PyTorch shows; their module is ``builtins`` as in torch.
"""

from __future__ import annotations

import itertools
import weakref

# torch runs ready nodes latest-created first; the counter gives every node its place in that order.
_sequence = itertools.count()

# torch's wording, raised when a graph whose saved tensors were freed is walked again.
BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


# the _output_nrs of nearly every node; a node with more inputs than this writes its own
_ZEROS = (0,) * 32


class SeveralOutputs(int):
    """The creation number of a node whose op has several outputs (``Node._multi``): an int,
    ordered as any, whose type tells the walk to keep a gradient slot per output."""

    __slots__ = ()


class Node:
    """A grad_fn. Subclasses only carry torch's name; all behaviour is here.

    Attributes most nodes never change are class-level defaults, so recording an op writes only
    what it must (this is the engine's hottest path).
    """

    # next_functions, kept as two parallel tuples so that recording an op builds no (node, nr)
    # pair per input (one object fewer per input for the allocator and the cyclic collector):
    _next = ()  # per input: the node its gradient goes to (None: no edge)
    _output_nrs = _ZEROS  # per input: which output of that node (zeros, unless set: zip stops first)
    _primitive = None
    _inputs = ()  # the op's arguments: tensors and Python scalars, in call order
    _arrays = ()  # the same as numpy data, as the forward saw them (what backward formulas read)
    _needs = ()  # per input: whether a gradient is wanted (it has an edge)
    _params = ()  # non-tensor arguments (dims, shapes ...), passed to the backward formula
    _out = None  # the forward result's array, for formulas that use it; None once released
    _versions = None  # per input: its version when saved (None: not saved), for in-place checks
    _saved_nothing = False  # the op saves tensors, but none for the inputs that needed a grad here
    _epoch = 0  # tensor._writes when recorded (versions cannot have changed if it still is)
    # the row's step of the plain walk (derivatives._compile_step), written by the recording
    # of an ordinary node; None: the walk runs the node through the full _node_grads (an
    # accumulator, hooks, several outputs, mixed dtypes, a node recorded elsewhere). One read
    # tells the walk both whether a node is plain and what to call: a read of a node whose
    # class changes from node to node is the generic lookup in CPython 3.11, ~200 instructions
    _step = None
    _mixed = False  # some input's dtype differs from the output's: cast gradients back (sets _special too)
    _sequence_nr = 0
    _pre_hooks = None  # (output_nr, fn) pairs: tensor hooks on one output; (None, fn): node pre-hooks
    _retained = None  # (output_nr, weakref to tensor) pairs: non-leaf tensors that retain_grad
    _hooks = None
    _metadata = None
    _output_check = None  # set when a saved output is written in place: raises torch's error

    def __init__(self):
        self._sequence_nr = next(_sequence)

    @property
    def _multi(self) -> bool:
        """Whether the op has several outputs (unbind): its incoming grads are a list, one slot
        per output. Told by the type of its creation number (``SeveralOutputs``), which the
        walk reads anyway for every node a gradient reaches: one read instead of two."""
        return type(self._sequence_nr) is SeveralOutputs

    @_multi.setter
    def _multi(self, value: bool) -> None:
        # written after the node is numbered (a later numbering would drop the mark)
        if not value:
            raise ValueError("a node's _multi flag is never cleared")
        self._sequence_nr = SeveralOutputs(self._sequence_nr)

    @property
    def _special(self) -> bool:
        """Whether the walk runs this node through the full _node_grads (it has no step)."""
        return self._step is None

    @_special.setter
    def _special(self, value: bool) -> None:
        # hooks, several outputs, mixed dtypes: written after the recording gave the node its
        # step, which the walk would otherwise call; a node never becomes plain again
        if not value:
            raise ValueError("a node's _special flag is never cleared")
        self._step = None

    @property
    def next_functions(self) -> tuple:
        """torch's ``(node, output_nr)`` pair per input, built when asked for."""
        return tuple(zip(self._next, self._output_nrs))

    @next_functions.setter
    def next_functions(self, edges) -> None:
        raise AttributeError(f"attribute 'next_functions' of '{type(self).__name__}' objects is "
                             "not writable")

    def _set_edges(self, edges) -> None:
        """Set next_functions from ``(node, output_nr)`` pairs (views, custom Functions)."""
        self._next = tuple([fn for fn, _ in edges])
        if len(edges) > len(_ZEROS) or any(nr for _, nr in edges):
            self._output_nrs = tuple([nr for _, nr in edges])

    @property
    def _released(self) -> bool:
        """Whether backward has freed what this node saved (see ``_release``)."""
        return self._arrays is None

    def _release(self) -> None:
        """Free what the node saved, as torch frees saved tensors after a backward without
        retain_graph: its inputs and their data (which keep the graph's intermediate tensors
        alive) and its output. Only attributes every recorded node already has are written:
        a new attribute would give each node its own dict, 200+ bytes per node (the instances
        of a class share one table of attribute names while they set the same ones)."""
        self._arrays = None
        self._inputs = ()
        if self._out is not None:
            self._out = None

    def name(self) -> str:
        # torch's hand-written C++ nodes (AccumulateGrad, CopySlices ...) keep their namespace in
        # name(); the generated ones (MulBackward0) do not
        return self._name_prefix + type(self).__name__

    _name_prefix = ""

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    @property
    def requires_grad(self) -> bool:
        return True

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node's backward."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        self._special = True
        return _RemovableHandle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node's backward, after the tensor hooks, and may
        replace the grads (output number None: it sees all of them)."""
        return self._add_pre_hook(None, fn)

    def _add_pre_hook(self, output_nr: int, hook):
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._special = True
        entry = (output_nr, hook)
        self._pre_hooks.append(entry)
        return _RemovableHandle(self._pre_hooks, entry)

    def __call__(self, *grads):
        from gradrepl.engine.autograd import call_node

        return call_node(self, grads)

    def __dir__(self):
        from gradrepl.engine.saved_attributes import saved_names

        # the engine's own _saved_nothing is no torch attribute
        from gradrepl.engine.saved_attributes import raw_saved_names

        own = {n for n in super().__dir__() if not n.startswith(("_saved_", "_raw_saved_"))}
        return sorted(own | {f"_saved_{n}" for n in saved_names(self)}
                      | {f"_raw_saved_{n}" for n in raw_saved_names(self)})


def _saved_property(name: str, raw: bool = False) -> property:
    """``grad_fn._saved_<name>`` (engine/saved_attributes.py), or ``_raw_saved_<name>``.
    Properties, not a class-wide ``__getattr__``: that would take every attribute read of the
    backward walk off CPython's specialised path (tensor_methods.py measured it for tensors)."""
    attribute = f"_raw_saved_{name}" if raw else f"_saved_{name}"

    def read(node):
        from gradrepl.engine.saved_attributes import raw_saved_attribute, saved_attribute

        found = (raw_saved_attribute if raw else saved_attribute)(node, name)
        if found is None:
            raise AttributeError(f"'{type(node).__name__}' object has no attribute '{attribute}'")
        return found[0]
    read.__name__ = attribute
    return property(read)


# the names torch's formulas save that gradrepl's rows answer (saved_attributes._names)
_TENSORS_SAVED = ("self", "other", "result", "exponent", "mat2", "vec", "tensor", "base", "weight",
                  "target", "input", "index", "mask")
for _name in _TENSORS_SAVED + (
        "alpha", "dim", "min", "max", "rounding_mode", "keepdim", "dim0", "dim1", "dims",
        "reduction", "self_sym_sizes", "self_sym_numel", "self_sym_strides", "mat2_sym_sizes",
        "mat2_sym_strides"):
    setattr(Node, f"_saved_{_name}", _saved_property(_name))
for _name in _TENSORS_SAVED:
    setattr(Node, f"_raw_saved_{_name}", _saved_property(_name, raw=True))


class AccumulateGrad(Node):
    """The sink for a leaf that requires grad: adds the incoming gradient into ``variable.grad``."""

    _name_prefix = "torch::autograd::"  # no _step: the walk accumulates it itself

    def __init__(self, variable):
        # Node.__init__ inlined: a leaf's accumulator is made anew by each forward whose
        # previous graph has died (two per step of a lesson's nn.Linear)
        self._sequence_nr = next(_sequence)
        self.variable = variable


AccumulateGrad.__module__ = "builtins"


def accumulator_for(leaf) -> AccumulateGrad:
    """The leaf's AccumulateGrad, made once and then shared while any graph still holds it.

    The tensor keeps only a weak reference so a leaf does not keep its accumulator (and with it
    itself) alive: the graphs that use it do.
    """
    ref = leaf._accumulator
    node = ref() if ref is not None else None
    if node is None:
        if leaf._view_kind == "no_grad":
            # a view made under no_grad of a tensor that requires grad: torch says it requires
            # grad and records the ops on it, but its gradient goes nowhere (a (None, 0) edge)
            return None
        # AccumulateGrad(leaf) without the call of its __init__ (the same writes, in its
        # order): a lesson's fresh leaf makes one per forward
        node = _new(AccumulateGrad)
        node._sequence_nr = next(_sequence)
        node.variable = leaf
        leaf._accumulator = _weak(node)
    return node


_new = object.__new__
_weak = weakref.ref
_classes: dict[str, type] = {}


# the nodes torch writes by hand in C++ rather than generating from derivatives.yaml
_CPP_NODES = frozenset({"CopySlices", "CopyBackwards"})


def node_class(name: str) -> type:
    """The Node subclass named ``name``, created once."""
    cls = _classes.get(name)
    if cls is None:
        attributes = {"_name_prefix": "torch::autograd::", "printed_name": name} \
            if name in _CPP_NODES else {}
        cls = type(name, (Node,), attributes)
        cls.__module__ = "builtins"
        _classes[name] = cls
    return cls


class _RemovableHandle:
    """What register_hook returns: ``handle.remove()`` takes the hook out again."""

    def __init__(self, hooks: list, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# Displayed as torch's: <torch.utils.hooks.RemovableHandle at 0x...>
_RemovableHandle.__module__ = "torch.utils.hooks"
_RemovableHandle.__name__ = _RemovableHandle.__qualname__ = "RemovableHandle"
