"""Autograd behaviour and random numbers as transcripts: short programs run on either torch.

Each scenario takes the torch module ``T`` and ``show``, and calls ``show(x)`` for everything a
user would see: a printed tensor, a grad_fn's name, an error (``show.error(lambda: ...)`` records
its type and message), and every warning raised along the way. ``run(library, name)`` returns the
transcript as a list of strings; test_autograd_scenarios.py compares gradrepl's with torch's
(live, or recorded in tests/goldens/engine_scenarios.json by scripts/record_engine_goldens.py).
"""

from __future__ import annotations

import warnings

SCENARIOS: dict = {}
# torch raises these through TORCH_WARN_ONCE: whether a transcript shows them depends on what ran
# before in the process, so transcripts leave them out (test_autograd_behaviour.py checks them
# in a fresh process)
WARNED_ONCE_PER_PROCESS = (
    "Converting a tensor with requires_grad=True to a scalar",
    "Using backward() with create_graph=True",
)
# why a scenario still differs from torch (its test is a strict xfail), by scenario name
KNOWN: dict = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


class Show:
    """Collects what the user would see, in order, with warnings where they were raised."""

    def __init__(self, caught: list):
        self.lines: list = []
        self._caught = caught

    def _flush(self) -> None:
        for w in self._caught:
            if not str(w.message).startswith(WARNED_ONCE_PER_PROCESS):
                self.lines.append(f"{w.category.__name__}: {w.message}")
        self._caught.clear()

    def __call__(self, *values) -> None:
        self._flush()
        self.lines.append(" ".join(v if isinstance(v, str) else str(v) for v in values))

    def error(self, action) -> None:
        self._flush()
        try:
            result = action()
        except Exception as exc:  # noqa: BLE001 - the error is what is compared
            self.lines.append(f"{type(exc).__name__}: {exc}")
        else:
            self.lines.append(f"no error: {result}")
        self._flush()


def run(library, name: str) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        show = Show(caught)
        try:
            SCENARIOS[name](library, show)
        finally:
            library.set_grad_enabled(True)
            if hasattr(library, "set_default_dtype"):
                library.set_default_dtype(library.float32)
        show._flush()
    return show.lines


def name(node) -> str:
    return "None" if node is None else type(node).__name__


def edges(node) -> str:
    """next_functions as names, nested: ``MulBackward0(AccumulateGrad, None)``."""
    if node is None:
        return "None"
    inner = ", ".join(f"{edges(n)}:{nr}" for n, nr in node.next_functions)
    return f"{name(node)}({inner})"


# ---------------------------------------------------------------------------------------------
# The seed lessons, output for output

@scenario
def lesson_polynomial(T, show):
    x = T.tensor(2.0, requires_grad=True)
    y = 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1
    show(y)
    show(type(y))
    y.backward()
    show(x.grad)
    show(repr(x.grad))


@scenario
def lesson_multistep(T, show):
    x = T.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    show(x)
    y = 3 * x + 2
    show(y)
    z = 2 * y ** 2
    show(z)
    out = z.mean()
    show(out)
    out.backward()
    show(x.grad)
    show(x.grad)


@scenario
def lesson_autograd_tutorial(T, show):
    x = T.ones(2, 2, requires_grad=True)
    show(repr(x))
    y = x + 2
    show(repr(y))
    show(name(y.grad_fn))
    z = y * y * 3
    out = z.mean()
    show(z, out)
    T.manual_seed(0)
    a = T.randn(2, 2)
    a = ((a * 3) / (a - 1))
    show(a.requires_grad)
    a.requires_grad_(True)
    show(a.requires_grad)
    b = (a * a).sum()
    show(name(b.grad_fn))
    show(repr(out))
    out.backward()
    show(x.grad)


@scenario
def lesson_no_grad_and_detach(T, show):
    x = T.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    with T.no_grad():
        y = x * 2
    show(y, y.requires_grad, y.is_leaf)
    d = x.detach()
    show(d, d.requires_grad)
    show(x.requires_grad_(False))
    show(x.requires_grad_(True))


# ---------------------------------------------------------------------------------------------
# The graph: grad_fn names, next_functions, leaves

@scenario
def graph_structure(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    w = T.tensor([3.0, 4.0], requires_grad=True)
    c = T.tensor([5.0, 6.0])
    y = (x * w + c).sum()
    show(edges(y.grad_fn))
    show(edges((x * 2).grad_fn), edges((2 * x).grad_fn), edges((x - 1).grad_fn))
    show(edges((1 - x).grad_fn), edges((x / 2).grad_fn), edges((2 / x).grad_fn))
    show(edges((x ** 2).grad_fn), edges((x ** w).grad_fn), edges((2 ** x).grad_fn))
    show(edges((x * c).grad_fn), edges((c * x).grad_fn), edges((-x).grad_fn))
    show(edges(x.exp().log().sin().grad_fn))
    acc = (x * w).grad_fn.next_functions[0][0]
    show(acc.variable is x, name(acc), acc.next_functions)
    show(x.grad_fn, x.is_leaf, y.is_leaf, c.is_leaf, c.requires_grad, y.requires_grad)
    show(y.grad_fn.name(), y.grad_fn.next_functions[0][1])
    z = x.unbind()
    show(edges(z[1].grad_fn), [t.grad_fn is z[0].grad_fn for t in z])


@scenario
def graph_shared_accumulator(T, show):
    x = T.tensor(3.0, requires_grad=True)
    a, b = x * 2, x * 3
    show(a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0])
    (a + b).backward()
    show(x.grad)


# ---------------------------------------------------------------------------------------------
# backward: twice, retain_graph, gradient=, inputs=

@scenario
def backward_twice(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    show(x.grad)
    show.error(lambda: y.backward())
    e = (x.exp()).sum()
    e.backward()
    show.error(lambda: e.backward())


@scenario
def backward_twice_without_saved_tensors(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()  # add and sum save nothing: walking the graph twice is allowed
    show(x.grad)
    z = (x * 2).sum()  # mul by a number saves only the number
    z.backward()
    show.error(lambda: z.backward())
    show(x.grad)


@scenario
def backward_retain_graph(T, show):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x ** 3).sum()
    y.backward(retain_graph=True)
    show(x.grad)
    y.backward(retain_graph=True)
    show(x.grad)
    y.backward()
    show(x.grad)
    show.error(lambda: y.backward())


@scenario
def backward_with_gradient(T, show):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * x
    y.backward(gradient=T.tensor([[1.0, 0.1], [0.01, 0.001]]))
    show(x.grad)
    z = x * 3
    show.error(lambda: z.backward(T.ones(3)))
    show.error(lambda: (x * 2).backward(T.ones(2, 2, dtype=T.float64)))
    show(x.grad)


@scenario
def backward_errors(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    show.error(lambda: (x * 2).backward())
    show.error(lambda: T.tensor([1.0, 2.0]).backward())
    show.error(lambda: T.tensor(1.0).backward())
    show.error(lambda: T.tensor([1, 2], requires_grad=True))
    show.error(lambda: T.tensor([1, 2]).requires_grad_())
    show.error(lambda: T.ones(2, dtype=T.long, requires_grad=True))
    show.error(lambda: T.arange(3, requires_grad=True))
    y = x * 2
    show.error(lambda: y.requires_grad_(False))
    show.error(lambda: x.numpy())
    show.error(lambda: (x * 2).sum().item() + float(x))
    show.error(lambda: bool(x))
    show.error(lambda: int(x))


@scenario
def backward_inputs(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    w = T.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    y.backward(inputs=[x], retain_graph=True)
    show(x.grad, w.grad)
    y.backward(inputs=w)
    show(x.grad, w.grad)
    h = x * 2
    (h * w).sum().backward(inputs=[h])
    show(h.grad, x.grad)
    show.error(lambda: (x * w).sum().backward(inputs=[]))


@scenario
def autograd_backward_function(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    a, b = (x * 2).sum(), (x ** 2).sum()
    T.autograd.backward([a, b])
    show(x.grad)
    c = x * 3
    T.autograd.backward(c, T.tensor([1.0, -1.0]))
    show(x.grad)


# ---------------------------------------------------------------------------------------------
# torch.autograd.grad and higher-order derivatives

@scenario
def autograd_grad(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    w = T.tensor([3.0, 4.0], requires_grad=True)
    u = T.tensor([5.0], requires_grad=True)
    y = (x * w).sum()
    gx, gw = T.autograd.grad(y, [x, w], retain_graph=True)
    show(gx, gw, x.grad, w.grad)
    show(T.autograd.grad(y, x, retain_graph=True))
    show.error(lambda: T.autograd.grad(y, [x, u], retain_graph=True))
    show(T.autograd.grad(y, [x, u], allow_unused=True, retain_graph=True))
    show(T.autograd.grad(y, [u], allow_unused=True, materialize_grads=True, retain_graph=True))
    z = x * x
    show(T.autograd.grad(z, x, grad_outputs=T.tensor([1.0, 10.0])))
    show.error(lambda: T.autograd.grad((x * 2).sum(), T.tensor([1.0])))
    show.error(lambda: T.autograd.grad(x * 2, x))


def _derivatives(T, show, f, at, order=3):
    x = T.tensor(at, requires_grad=True)
    y = f(x)
    show(y)
    for _ in range(order):
        (y,) = T.autograd.grad(y, x, create_graph=True)
        show(y)


@scenario
def higher_order_polynomial(T, show):
    _derivatives(T, show, lambda x: 2 * x ** 4 + x ** 3 + 3 * x ** 2 + 5 * x + 1, 2.0, order=5)


@scenario
def higher_order_sin(T, show):
    _derivatives(T, show, lambda x: x.sin(), 0.5, order=4)


@scenario
def higher_order_exp(T, show):
    _derivatives(T, show, lambda x: (x * 2).exp(), 0.3)


@scenario
def higher_order_tanh(T, show):
    _derivatives(T, show, lambda x: x.tanh(), 0.7)


@scenario
def higher_order_mixed(T, show):
    _derivatives(T, show, lambda x: (x.sigmoid() * x.cos() + x.sqrt() / x).log(), 1.3)


@scenario
def higher_order_names(T, show):
    for op in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs"):
        x = T.tensor([0.7, 1.3], requires_grad=True)
        y = getattr(x, op)()
        (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = T.autograd.grad(g.sum(), x, create_graph=True)
        show(op, g, h)


@scenario
def higher_order_constant_gradient(T, show):
    x = T.tensor([0.7, -1.3], requires_grad=True)
    (g,) = T.autograd.grad((-x).sum(), x, create_graph=True)
    show(g, g.requires_grad)
    show.error(lambda: T.autograd.grad(g.sum(), x))
    (g,) = T.autograd.grad((x * 3).sum(), x, create_graph=True)
    show(g, g.requires_grad)
    (g,) = T.autograd.grad((x * x).sum(), x, create_graph=True)
    show(g, T.autograd.grad(g.sum(), x))


@scenario
def higher_order_vector(T, show):
    x = T.tensor([0.5, 1.5, -2.0], requires_grad=True)
    y = (x ** 3 * x.exp()).sum()
    (g,) = T.autograd.grad(y, x, create_graph=True)
    show(g)
    (h,) = T.autograd.grad(g.sum(), x, create_graph=True)
    show(h)
    h.sum().backward()
    show(x.grad)


@scenario
def create_graph_backward(T, show):
    x = T.tensor(1.5, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    show(x.grad)
    g = x.grad
    x.grad = None
    g.backward()
    show(x.grad)


# ---------------------------------------------------------------------------------------------
# retain_grad, hooks, .grad of a non-leaf

@scenario
def non_leaf_grad(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y.sum()
    z.backward()
    show(y.grad)
    show(y.is_leaf, y.retains_grad)


@scenario
def retain_grad(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    show(y.grad, y.retains_grad, x.grad)
    x.retain_grad()
    show(x.retains_grad)
    show.error(lambda: T.tensor([1.0]).retain_grad())


@scenario
def hooks(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: g * 10)
    y = x * 3
    y.register_hook(lambda g: seen.append(g.clone()))
    y.register_hook(lambda g: g + 1)
    y.sum().backward()
    show(x.grad, seen)
    handle.remove()
    x.grad.zero_()
    (x * 3).sum().backward()
    show(x.grad)
    show.error(lambda: T.tensor([1.0]).register_hook(lambda g: g))


@scenario
def accumulation(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        (x * x).sum().backward()
        show(x.grad)
    g = x.grad
    x.grad.zero_()
    show(x.grad, g)
    (x * 5).sum().backward()
    show(x.grad, g is x.grad)
    x.grad = None
    (x * 7).sum().backward()
    show(x.grad)


# ---------------------------------------------------------------------------------------------
# Grad modes

@scenario
def grad_modes(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    with T.no_grad():
        show((x * 2).requires_grad, T.is_grad_enabled())
        with T.enable_grad():
            show((x * 2).requires_grad, T.is_grad_enabled())
        z = T.zeros(2, requires_grad=True)
        show(z, z.requires_grad, T.tensor([1.0], requires_grad=True))
    show(T.is_grad_enabled())
    with T.set_grad_enabled(False):
        show((x * 2).requires_grad)
    show(T.is_grad_enabled())
    T.set_grad_enabled(False)
    show((x * 2).requires_grad, T.is_grad_enabled())
    T.set_grad_enabled(True)
    with T.inference_mode():
        show((x * 2).requires_grad, T.is_grad_enabled())
    with T.inference_mode(False):
        show((x * 2).requires_grad)

    @T.no_grad()
    def doubled(t):
        return t * 2

    @T.enable_grad()
    def tripled(t):
        return t * 3

    @T.inference_mode()
    def halved(t):
        return t / 2

    show(doubled(x).requires_grad, halved(x).requires_grad, T.is_grad_enabled())
    with T.no_grad():
        show(tripled(x).requires_grad, T.is_grad_enabled())
    with T.no_grad():
        y = x * 2
    show(y, y.grad_fn)


@scenario
def no_grad_updates(T, show):
    w = T.tensor([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        loss = ((w * 3 - 1) ** 2).sum()
        loss.backward()
        with T.no_grad():
            w -= 0.01 * w.grad
        w.grad.zero_()
        show(w, loss)


# ---------------------------------------------------------------------------------------------
# In-place changes and autograd

@scenario
def inplace_errors(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)

    def leaf_add():
        x.add_(1)
    show.error(leaf_add)

    def leaf_iadd():
        nonlocal x
        x += 1
    show.error(leaf_iadd)
    a = x * 1
    b = a * a
    a.mul_(2)
    show.error(lambda: b.sum().backward())
    c = x * 1
    d = c * 2  # only the number was saved: changing c is fine
    c.add_(5)
    d.sum().backward()
    show(x.grad, c, name(c.grad_fn))


@scenario
def inplace_modified_output(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # exp saves its output for backward
    y.add_(1)
    show.error(lambda: y.sum().backward())
    s = x.sigmoid()
    s[0] = 5.0
    show.error(lambda: s.sum().backward())
    t = x.tanh()
    with T.no_grad():
        t.mul_(2)
    show.error(lambda: t.sum().backward())
    a = x * 1
    b = a * a
    a.add_(2)
    show.error(lambda: b.sum().backward())
    e = x.exp()
    f = e * e
    e.sin_()
    show.error(lambda: f.sum().backward())
    r = x.sqrt()
    r.add_(1)
    r.add_(1)
    show.error(lambda: T.autograd.grad(r.sum(), x))


@scenario
def inplace_versions(T, show):
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    show(y._version)
    y.mul_(2)
    y += 1
    show(y._version, name(y.grad_fn))
    y.sum().backward()
    show(x.grad)
    with T.no_grad():
        x.mul_(2)
    show(x, x._version)


@scenario
def detach_and_requires_grad(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    show(d, d.requires_grad, d.is_leaf, d.grad_fn)
    d[0] = 100.0
    show(y)
    z = x * 3
    z.detach_()
    show(z, z.requires_grad, z.grad_fn, z.is_leaf)
    w = T.tensor([1.0, 2.0])
    show(w.requires_grad_(), w.is_leaf)
    v = x[0:1]
    show.error(lambda: v.detach_())
    show(x.data, x.data.requires_grad)


@scenario
def clone_and_copy(T, show):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    show(c)
    (c * c).sum().backward()
    show(x.grad)
    t = T.tensor(x)
    show(t, t.requires_grad)


@scenario
def long_chain(T, show):
    x = T.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 0.999 + x * 0.001
    show(y)
    y.backward()
    show(x.grad)


# ---------------------------------------------------------------------------------------------
# Random numbers after manual_seed

def _random(T, show, make):
    T.manual_seed(0)
    t = make()
    show(t)
    show(t.tolist())


for _n in range(1, 41):
    def _randn(T, show, n=_n):
        _random(T, show, lambda: T.randn(n))
    SCENARIOS[f"randn_{_n}"] = _randn

    def _rand(T, show, n=_n):
        _random(T, show, lambda: T.rand(n))
    SCENARIOS[f"rand_{_n}"] = _rand

RANDOM = {
    "randn_2x3": lambda T: T.randn(2, 3), "randn_f64": lambda T: T.randn(5, dtype=T.float64),
    "randn_f64_20": lambda T: T.randn(20, dtype=T.float64), "randn_4x8": lambda T: T.randn(4, 8),
    "rand_f64": lambda T: T.rand(4, dtype=T.float64), "rand_2x2": lambda T: T.rand(2, 2),
    "randint": lambda T: T.randint(0, 10, (6,)), "randint_high_only": lambda T: T.randint(5, (2, 3)),
    "randint_negative": lambda T: T.randint(-5, 5, (8,)), "randint_big": lambda T: T.randint(0, 2 ** 40, (3,)),
    "randperm_5": lambda T: T.randperm(5), "randperm_20": lambda T: T.randperm(20),
    "normal_small": lambda T: T.empty(5).normal_(), "normal_mean_std": lambda T: T.empty(7).normal_(2.0, 0.5),
    "normal_large": lambda T: T.empty(24).normal_(-1.0, 3.0), "uniform": lambda T: T.empty(6).uniform_(),
    "uniform_range": lambda T: T.empty(6).uniform_(-2.0, 3.0), "uniform_f64": lambda T: T.empty(4, dtype=T.float64).uniform_(-1, 1),
    "rand_like": lambda T: T.rand_like(T.zeros(3)), "randn_like": lambda T: T.randn_like(T.zeros(2, 2)),
}
for _name, _make in RANDOM.items():
    SCENARIOS[f"random_{_name}"] = lambda T, show, make=_make: _random(T, show, lambda: make(T))


@scenario
def random_sequence(T, show):
    T.manual_seed(42)
    show(T.randn(3), T.rand(2), T.randn(1), T.randn(1), T.randint(0, 100, (3,)), T.randperm(4))
    T.manual_seed(42)
    show(T.randn(3))
    show(T.initial_seed())
    T.manual_seed(7)
    show(T.randn(2, 2) @ T.randn(2))


@scenario
def random_seed_lesson_model(T, show):
    T.manual_seed(1)
    w = T.empty(3, 2).uniform_(-1 / 2 ** 0.5, 1 / 2 ** 0.5)
    show(w)
    show(w.tolist())
