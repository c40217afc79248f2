"""Autograd beyond backward() as transcripts: custom Functions, autograd.functional, gradcheck,
hooks and the graph API, anomaly mode, torch.func.

Same shape as scenarios.py (each takes the torch module ``T`` and ``show``); kept apart so that
its goldens (tests/goldens/autograd_scenarios.json, scripts/record_engine_goldens.py) are too.
Reprs that carry a memory address are shown through ``addressless``.
"""

from __future__ import annotations

import re
import warnings

from scenarios import Show, edges, name

SCENARIOS: dict = {}
KNOWN: dict = {}  # why a scenario still differs from torch (a strict xfail), by name


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def run(library, scenario_name: str) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        show = Show(caught)
        try:
            SCENARIOS[scenario_name](library, show)
        finally:
            library.set_grad_enabled(True)
            library.autograd.set_detect_anomaly(False)
        show._flush()
    return [_first_line_of_anomaly_warning(addressless(line)) for line in show.lines]


def addressless(text: str) -> str:
    return re.sub(r" at 0x[0-9a-f]+", " at 0x...", text)


def _first_line_of_anomaly_warning(line: str) -> str:
    # torch's anomaly warning goes on with the forward call's traceback (file paths), which
    # gradrepl does not record (docs/autograd.md): compare its first line
    if line.startswith("UserWarning: Error detected in "):
        return line.split("\n", 1)[0]
    return line


# ---------------------------------------------------------------------------------------------
# torch.autograd.Function


def _exp_function(T):
    class MyExp(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, k=2):
            y = x.exp() * k
            ctx.save_for_backward(y)
            ctx.k = k
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y, None

    return MyExp


@scenario
def function_basics(T, show):
    MyExp = _exp_function(T)
    x = T.tensor([1., 2.], requires_grad=True)
    y = MyExp.apply(x, 3)
    show(y)
    show(repr(y.grad_fn), type(y.grad_fn).__module__, y.grad_fn.name(), edges(y.grad_fn))
    show(y.grad_fn.k, y.grad_fn.needs_input_grad, y.grad_fn.metadata)
    show(y.grad_fn.saved_tensors)
    y.sum().backward()
    show(x.grad)
    show.error(lambda: y.sum().backward())
    show.error(lambda: y.grad_fn.saved_tensors)
    with T.no_grad():
        show(MyExp.apply(x))
    show(MyExp.apply(T.tensor([1.])))
    show(MyExp.apply(x=x, k=1))
    show(MyExp._backward_cls, MyExp._backward_cls.__mro__[1])


@scenario
def function_misuse(T, show):
    MyExp = _exp_function(T)
    x = T.tensor([1., 2.], requires_grad=True)
    show.error(lambda: MyExp(x))
    show.error(lambda: MyExp()(x))
    show.error(lambda: MyExp.forward(None, x))

    def fn(forward, backward):
        return type("Fn", (T.autograd.Function,), {"forward": staticmethod(forward),
                                                   "backward": staticmethod(backward)})
    show.error(lambda: fn(lambda ctx, x: x * 2, lambda ctx, g: (g, g)).apply(x).sum().backward())
    show.error(lambda: fn(lambda ctx, x: x * 2, lambda ctx, g: g[:1]).apply(x).sum().backward())
    show.error(lambda: fn(lambda ctx, x: x * 2, lambda ctx, g: "no").apply(x).sum().backward())
    show.error(lambda: fn(lambda ctx, x: x.sum(), lambda ctx, g: g).apply(x).backward())
    show.error(lambda: fn(lambda ctx, x: x * 2, lambda ctx, g: (g, None, None)).apply(x).sum().backward())
    show(x.grad)
    show.error(lambda: (fn(lambda ctx, x: x * 2, lambda ctx, g: g.double()).apply(x).sum().backward(),
                        x.grad))
    show.error(lambda: fn(lambda ctx, x: x * 2, lambda ctx, g: g.expand(3, 2)).apply(x).sum().backward())
    show(x.grad)
    show.error(lambda: fn(lambda ctx, x: ctx.save_for_backward(x, None, 3), lambda ctx, g: g).apply(x))

    class NoBackward(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2
    show.error(lambda: NoBackward.apply(x).sum().backward())

    class NoForward(T.autograd.Function):
        pass
    show.error(lambda: NoForward.apply(x))


@scenario
def function_setup_context_and_double_backward(T, show):
    class Cube(T.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

    x = T.tensor([1., 2.], requires_grad=True)
    y = Cube.apply(x)
    show(y)
    (gx,) = T.autograd.grad(y.sum(), x, create_graph=True)
    show(gx, edges(gx.grad_fn))
    gx.sum().backward()
    show(x.grad)
    show(T.autograd.grad(Cube.apply(x).sum(), x, retain_graph=True))


@scenario
def function_once_differentiable(T, show):
    from_module = T.autograd.function

    class Once(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        @from_module.once_differentiable
        def backward(ctx, g):
            show("grad mode inside", T.is_grad_enabled(), g.requires_grad)
            return g * 2

    x = T.tensor([1., 2.], requires_grad=True)
    y = Once.apply(x)
    (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
    show(g)
    y = Once.apply(x)
    (g,) = T.autograd.grad(y, x, T.ones(2, requires_grad=True), create_graph=True)
    show(g, repr(g.grad_fn), g.grad_fn.name(), edges(g.grad_fn))
    show.error(lambda: g.sum().backward())


@scenario
def function_dirty_and_non_differentiable(T, show):
    class Dirty(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = T.tensor([1., 2.], requires_grad=True)
    show.error(lambda: Dirty.apply(x))
    show(x)
    a = x.clone()
    b = Dirty.apply(a)
    show(a, b is a, name(a.grad_fn), a._version)
    b.sum().backward()
    show(x.grad)
    c = T.ones(2)
    Dirty.apply(c)
    show(c._version, c.grad_fn)

    class ArgMax(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(x, idx)
            return x.max(), idx

        @staticmethod
        def backward(ctx, grad_value, grad_index):
            show("grad for the index", grad_index)
            x, idx = ctx.saved_tensors
            out = T.zeros_like(x)
            out[idx] = grad_value
            return out

    x.grad = None
    v, i = ArgMax.apply(x)
    show(v, i, i.requires_grad, i.grad_fn)
    v.backward()
    show(x.grad)


@scenario
def function_materialize_and_non_tensor_io(T, show):
    def two_outputs(materialize):
        class Two(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x.clone(), x.clone()

            @staticmethod
            def backward(ctx, g1, g2):
                show("backward got", g1, g2)
                return g1
        return Two

    x = T.tensor([1., 2.], requires_grad=True)
    for materialize in (False, True):
        p, q = two_outputs(materialize).apply(x)
        show(p.grad_fn is q.grad_fn, edges(p.grad_fn), q.grad_fn.metadata)
        p.sum().backward()

    class Mixed(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, n, s, w=None):
            show("needs", ctx.needs_input_grad)
            return x * n, s + "!", 7

        @staticmethod
        def backward(ctx, g, g2, g3):
            show("backward got", g, g2, g3)
            return g * 2, 1.0, None

    c = T.tensor([1., 2.])
    r = Mixed.apply(x, 2, "hi")
    show(r, edges(r[0].grad_fn))
    show.error(lambda: r[0].sum().backward())
    show(edges(Mixed.apply(c, 2, "hi", x)[0].grad_fn))
    show(Mixed.apply(x, 2, s="hi")[1])

    class Ident(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    z = Ident.apply(x)
    show(z, z is x, z._base is x, name(z.grad_fn))
    w = x.detach().clone()
    show(Ident.apply(w), Ident.apply(w) is w)

    def returning(value):
        return type("R", (T.autograd.Function,), {
            "forward": staticmethod(lambda ctx, x: value(x)),
            "backward": staticmethod(lambda ctx, g: g)})
    show(returning(lambda x: [x * 2]).apply(x), returning(lambda x: 5).apply(x))


@scenario
def function_saved_tensor_versions(T, show):
    class Saves(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class SavesInput(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    x = T.tensor([1., 2.], requires_grad=True)
    y = Saves.apply(x)
    with T.no_grad():
        y.add_(1)
    show.error(lambda: y.sum().backward())
    y = SavesInput.apply(x)
    with T.no_grad():
        x.add_(1)
    show.error(lambda: y.sum().backward())
    with T.no_grad():
        x.sub_(1)
    show.error(lambda: y.grad_fn.saved_tensors)
    z = SavesInput.apply(x)
    z.sum().backward(retain_graph=True)
    z.sum().backward()
    show(x.grad)
    show.error(lambda: z.sum().backward())

    class NoSaves(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, g):
            return g * 3
    z = NoSaves.apply(x)
    z.sum().backward()
    z.sum().backward()  # nothing saved: a second backward is fine
    show(x.grad)


# ---------------------------------------------------------------------------------------------
# torch.autograd.functional


def _inputs(T):
    T.manual_seed(0)
    return T.rand(2, 2, dtype=T.float64), T.rand(2), T.rand(2)


@scenario
def functional_jacobian(T, show):
    F = T.autograd.functional
    x, a, b = _inputs(T)
    show(F.jacobian(lambda x: x.exp().sum(dim=1), x))
    jac = F.jacobian(lambda x: x.exp().sum(dim=1), x, create_graph=True)
    show(jac, name(jac.grad_fn))
    show(F.jacobian(lambda x, y: 2 * x.exp() + 3 * y, (a, b)))
    show(F.jacobian(lambda x, y: (x * y, x.sum(), y ** 2), (a, b)))
    show(F.jacobian(lambda x: (x.sin(), x.cos()), a))
    show(F.jacobian(lambda x, y: x * 2, (a, b)))
    show.error(lambda: F.jacobian(lambda x, y: x * 2, (a, b), strict=True))
    show.error(lambda: F.jacobian(lambda x: x * 2, a, create_graph=True, strict=True))
    show.error(lambda: F.jacobian(lambda x: x * 2, a, vectorize=True, strict=True))
    show(F.jacobian(lambda x: x ** 2, a, vectorize=True))
    show.error(lambda: F.jacobian(lambda x: x * 2, [a]))
    show.error(lambda: F.jacobian(lambda x: x * 2, (a, 3)))
    show.error(lambda: F.jacobian(lambda x: 3, a))
    show.error(lambda: F.jacobian(lambda x: x, a, strategy="sideways"))
    w = T.tensor([1., 2.], requires_grad=True)
    j = F.jacobian(lambda x: x * w, a, create_graph=True)
    show(j, name(j.grad_fn))
    show(F.jacobian(lambda x: x * w, a))
    show(F.jacobian(lambda x: x.sum(), T.tensor(3.)))


@scenario
def functional_hessian(T, show):
    F = T.autograd.functional
    x, a, b = _inputs(T)
    show(F.hessian(lambda x: x.pow(3).sum(), x))
    h = F.hessian(lambda x: x.pow(3).sum(), x, create_graph=True)
    show(h, name(h.grad_fn))
    show(F.hessian(lambda x, y: (2 * x.pow(2) + 3 * y.pow(2)).sum(), (a, b)))
    show(F.hessian(lambda x, y: (x * y).sum(), (a, b)))
    show.error(lambda: F.hessian(lambda x: x * 2, a))
    show.error(lambda: F.hessian(lambda x: (x.sum(), x.sum()), a))
    show.error(lambda: F.hessian(lambda x: x.sum() * 2, a, strict=True))
    show.error(lambda: F.hessian(lambda x, y: (x ** 2).sum(), (a, b), strict=True))


@scenario
def functional_products(T, show):
    F = T.autograd.functional
    x, a, b = _inputs(T)
    v = T.ones(2, dtype=T.float64)
    show(F.vjp(lambda x: x.exp().sum(dim=1), x, v))
    show(F.vjp(lambda x: x.exp().sum(dim=1), x, v, create_graph=True))
    show(F.vjp(lambda x, y: 2 * x + 3 * y, (a, b), T.ones(2)))
    show(F.vjp(lambda x: x.sum(), a))
    show.error(lambda: F.vjp(lambda x: x * 2, a))
    show.error(lambda: F.vjp(lambda x: x * 2, a, T.ones(3)))
    show.error(lambda: F.vjp(lambda x: (x, x), a, (T.ones(2),)))
    show.error(lambda: F.vjp(lambda x: (x, x), a, (T.ones(2), T.ones(3))))
    show.error(lambda: F.vjp(lambda x: x.detach(), a, T.ones(2), strict=True))
    show(F.vjp(lambda x: x.detach(), a, T.ones(2)))
    show(F.jvp(lambda x: x.exp().sum(dim=1), x, T.ones(2, 2, dtype=T.float64)))
    out, tangent = F.jvp(lambda x: x.exp().sum(dim=1), x, T.ones(2, 2, dtype=T.float64), create_graph=True)
    show(out, tangent.detach(), tangent.requires_grad)
    show(F.jvp(lambda x, y: 2 * x + 3 * y, (a, b), (T.ones(2), T.ones(2))))
    show(F.jvp(lambda x: x ** 3, T.tensor(2.)))
    show.error(lambda: F.jvp(lambda x: x * 2, a))
    show.error(lambda: F.jvp(lambda x: x * 0 + 1, a, T.ones(2), strict=True))
    cube = lambda x: x.pow(3).sum()
    show(F.vhp(cube, x, T.ones(2, 2, dtype=T.float64)))
    show(F.vhp(cube, x, T.ones(2, 2, dtype=T.float64), create_graph=True))
    show(F.hvp(cube, x, T.ones(2, 2, dtype=T.float64)))
    show(F.hvp(cube, x, T.ones(2, 2, dtype=T.float64), create_graph=True))
    adder = lambda x, y: (2 * x.pow(2) + 3 * y.pow(2)).sum()
    show(F.vhp(adder, (a, b), (T.zeros(2), T.ones(2))))
    show(F.hvp(adder, (a, b), (T.zeros(2), T.ones(2))))
    show.error(lambda: F.vhp(lambda x: x * 2, a, T.ones(2)))
    show.error(lambda: F.hvp(cube, a))
    show.error(lambda: F.hvp(lambda x: x.sum(), a, T.ones(2), strict=True))
    show(F.hvp(lambda x: x.sum(), a, T.ones(2)))


@scenario
def functional_jvp_graph_names(T, show):
    F = T.autograd.functional
    x, a, b = _inputs(T)
    _, tangent = F.jvp(lambda x: x.exp().sum(dim=1), x, T.ones(2, 2, dtype=T.float64), create_graph=True)
    show(name(tangent.grad_fn))


KNOWN["functional_jvp_graph_names"] = (
    "sum(dim)'s backward formula, differentiated again, records a view (ViewBackward0) where "
    "torch's records unsqueeze (whose own backward is SqueezeBackward1): an op-table matter")


# ---------------------------------------------------------------------------------------------
# gradcheck and gradgradcheck


@scenario
def gradcheck_passes_and_fails(T, show):
    gc = T.autograd.gradcheck
    T.manual_seed(0)
    x = T.randn(3, dtype=T.double, requires_grad=True)
    w = T.randn(2, 3, dtype=T.double, requires_grad=True)
    show(gc(lambda x: (x.sin() * x).sum(), (x,)))
    show(gc(lambda w, x: (w @ x).tanh(), (w, x), eps=1e-6, atol=1e-4))
    show(gc(lambda x, k: x * k, (x, 3)))

    class BadSquare(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # forgot the factor 2

    class Constant(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return T.ones_like(g) * 2

    show.error(lambda: gc(BadSquare.apply, (x,)))
    show(gc(BadSquare.apply, (x,), raise_exception=False))
    show.error(lambda: gc(Constant.apply, (x,)))
    show.error(lambda: gc(lambda x: x * 2, (x.detach(),)))
    show.error(lambda: gc(lambda x: x * 2, (x.float(),)))
    show.error(lambda: gc(lambda x: x * 2, (x.detach().float().requires_grad_(),), atol=1e-2, rtol=1e-2))
    show.error(lambda: gc(lambda x: x.detach() * 2, (x,)))
    show(gc(lambda x: (x.detach() * 0, x * 2), (x,)))
    show.error(lambda: gc(lambda x: x * 2, (T.ones(1, dtype=T.double).expand(3).requires_grad_(),)))
    show(gc(lambda x: x.exp(), x, eps=1e-3, atol=1e-2))


@scenario
def gradgradcheck_cases(T, show):
    T.manual_seed(1)
    x = T.randn(3, dtype=T.double, requires_grad=True)
    show(T.autograd.gradgradcheck(lambda x: (x ** 3).sum(), (x,)))
    show(T.autograd.gradgradcheck(lambda x: x.sin() * x, (x,)))
    show(T.randn(2))  # gradgradcheck drew its grad_outputs from the global generator

    class OnceCube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x.detach() ** 2  # not differentiable in x: the second derivative is lost

    show.error(lambda: T.autograd.gradgradcheck(OnceCube.apply, (x,)))
    show(T.autograd.gradgradcheck(lambda x: x * 2, (x,), (T.ones(3, dtype=T.double),)))


# ---------------------------------------------------------------------------------------------
# Hooks and the graph API


@scenario
def node_hooks(T, show):
    x = T.tensor([1., 2.], requires_grad=True)
    y = x * 2
    z = y.sum()
    h1 = y.grad_fn.register_hook(lambda gi, go: show("post", gi, go))
    y.grad_fn.register_prehook(lambda go: show("pre", go))
    h3 = z.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    show(type(h1), addressless(repr(h1)))
    z.backward(retain_graph=True)
    show(x.grad)
    h3.remove()
    h1.remove()
    h1.remove()  # removing twice is harmless
    z.backward(retain_graph=True)
    show(x.grad)
    h4 = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0, None))
    x.grad = None
    z.backward(retain_graph=True)
    show(x.grad)
    h4.remove()
    y.grad_fn.register_hook(lambda gi, go: (1, 2, 3))
    show.error(lambda: z.backward(retain_graph=True))


@scenario
def accumulator_hooks(T, show):
    x = T.tensor([1., 2.], requires_grad=True)
    y = x * 2
    acc = y.grad_fn.next_functions[0][0]
    show(repr(acc), acc.name(), acc.variable is x, acc.next_functions, acc.metadata)
    x.register_hook(lambda g: show("tensor hook", g))
    ha = acc.register_hook(lambda gi, go: show("accumulator post", gi, go))
    hp = acc.register_prehook(lambda go: show("accumulator pre", go))
    hq = x.register_post_accumulate_grad_hook(lambda p: show("post accumulate", p, p.grad))
    show(type(hq))
    (y * 3).sum().backward()
    show(x.grad)
    ha.remove()
    hp.remove()
    hq.remove()
    (x * 1).sum().backward()
    show(x.grad)
    x.register_post_accumulate_grad_hook(lambda p: show("post accumulate again", p.grad))
    show(T.autograd.grad((x * 5).sum(), x))  # autograd.grad accumulates nothing: no hook
    w = T.tensor(1., requires_grad=True)
    (x.sum() * w).backward(inputs=[w])
    show(x.grad, w.grad)
    show.error(lambda: y.register_post_accumulate_grad_hook(lambda p: None))
    show.error(lambda: T.ones(2).register_post_accumulate_grad_hook(lambda p: None))
    show.error(lambda: T.ones(2).register_hook(lambda p: None))


@scenario
def graph_node_api(T, show):
    G = T.autograd.graph
    x = T.tensor([1., 2.], requires_grad=True)
    y = (x * 2).exp()
    y.grad_fn.metadata["k"] = 1
    show(y.grad_fn.metadata, G.Node, isinstance(y.grad_fn, G.Node))
    show(isinstance(y.grad_fn.next_functions[0][0].next_functions[0][0], G.Node))
    show(issubclass(type(y.grad_fn), G.Node), isinstance(x, G.Node))
    show.error(lambda: G.Node())
    show(y.grad_fn.requires_grad if hasattr(y.grad_fn, "requires_grad") else "-")
    edge = G.get_gradient_edge(y)
    show(type(edge).__name__, name(edge.node), edge.output_nr, name(G.get_gradient_edge(x).node))
    show.error(lambda: G.get_gradient_edge(T.ones(1)))
    show(G.saved_tensors_hooks, G.save_on_cpu, G.disable_saved_tensors_hooks)
    with G.save_on_cpu():
        d = (x * x).sum()
    d.backward()
    with G.save_on_cpu(pin_memory=True):
        pass
    show(x.grad)
    a = T.ones(2)
    G.increment_version(a)
    show(a._version)


@scenario
def node_names(T, show):
    x = T.tensor([1., 2., 3.], requires_grad=True)
    m = T.ones(2, 3, requires_grad=True)
    outputs = [x + 1, x - 1, 1 - x, x * 2, x / 2, 2 / x, x ** 2, x ** x, 2 ** x, -x, x.sum(), x.sum(0),
               x.mean(), x.max(), x.exp(), x.log(), x.tanh(), x.sigmoid(), x.relu(), x.sqrt(),
               x.abs(), x.sin(), x.cos(), x[0], x[0:2], x[[0, 1]], x.view(3, 1), x.unsqueeze(0),
               x.clone(), x.double(), m @ x, m.t(), m.T, m.transpose(0, 1), m.softmax(1),
               m.log_softmax(1), x.clamp(min=0), x.norm(), x.std(), x.var(), T.stack([x, x]),
               T.cat([x, x]), T.where(x > 1, x, x * 0), x.expand(2, 3), x.prod(), x.cumsum(0)]
    show([o.grad_fn.name() for o in outputs])
    show([name(o.grad_fn) for o in outputs])
    show(sorted({n.name() for o in outputs for n, _ in o.grad_fn.next_functions if n is not None}))


@scenario
def saved_tensors_hooks_on_functions(T, show):
    G = T.autograd.graph

    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    def pack(t):
        show("pack", t)
        return t.detach() * 1

    def unpack(t):
        show("unpack", t)
        return t

    x = T.tensor([1., 2.], requires_grad=True)
    with G.saved_tensors_hooks(pack, unpack):
        y = Square.apply(x)
    y.sum().backward()
    show(x.grad)
    with G.saved_tensors_hooks(lambda t: "packed", lambda p: p):
        y = Square.apply(x)
    show.error(lambda: y.sum().backward())
    with G.disable_saved_tensors_hooks("no hooks here"):
        show.error(lambda: G.saved_tensors_hooks(pack, unpack).__enter__())


# ---------------------------------------------------------------------------------------------
# autograd.grad and backward options


@scenario
def grad_options(T, show):
    grad = T.autograd.grad
    x = T.tensor([1., 2.], requires_grad=True)
    w = T.tensor(3., requires_grad=True)
    show(grad(x * 2, x, grad_outputs=T.tensor([1., 3.])))
    show(grad([(x * 2).sum(), (x ** 2).sum()], [x], grad_outputs=[T.tensor(1.), T.tensor(2.)]))
    show(grad((x * 2).sum(), [x, w], allow_unused=True))
    show(grad((x * 2).sum(), [x, w], materialize_grads=True))
    g = grad((x ** 2).sum(), [x, w], materialize_grads=True, create_graph=True)
    show(g, g[1].requires_grad)
    show.error(lambda: grad((x * 2).sum(), [x, w], allow_unused=False, materialize_grads=True))
    show.error(lambda: grad((x * 2).sum(), [x, w]))
    show.error(lambda: grad(x * 2, x))
    show.error(lambda: grad(x * 2, x, grad_outputs=T.ones(3)))
    show(grad(x * 2, x, grad_outputs=[T.ones(2), T.ones(2)]))
    show.error(lambda: grad(x * 2, x, grad_outputs=[1.0, 2.0]))
    show.error(lambda: grad((x * 2).sum(), x, is_grads_batched=True))
    show(grad(x * 2, x, grad_outputs=T.eye(2), is_grads_batched=True))
    show(grad((x ** 2, x.sum()), x, grad_outputs=(T.eye(2), T.ones(2)), is_grads_batched=True))
    show.error(lambda: grad(x * 2, x, grad_outputs=T.ones(2, 3), is_grads_batched=True))
    show.error(lambda: grad((x * 2).sum(), T.ones(2)))
    show.error(lambda: grad(T.ones(2).sum(), x))
    show(grad((x * 2).sum(), x, grad_outputs=T.tensor(1, dtype=T.int64)))
    show(grad(x * 2, x, grad_outputs=T.tensor([1., 3.], dtype=T.float64)))
    show(grad((x * w).sum(), {"x": x, "w": w}))
    show(grad((x * 2).sum(), x, only_inputs=False))


@scenario
def backward_inputs(T, show):
    a = T.tensor(1., requires_grad=True)
    b = T.tensor(2., requires_grad=True)
    (a * b).backward(inputs=[a])
    show(a.grad, b.grad)
    (a * b).backward(inputs=a)
    show(a.grad, b.grad)
    show.error(lambda: (a * b).backward(inputs=[]))
    c = a * 3
    (c * b).backward(inputs=[c])
    show(c.grad, a.grad)
    show.error(lambda: (a * b).backward(inputs=[T.ones(1)]))
    show.error(lambda: (a * b).backward(inputs=[T.ones(1, requires_grad=True)]))
    show(a.grad, b.grad)
    show(T.autograd.grad(a * b, [a, b], T.tensor(2.)))
    show.error(lambda: T.autograd.grad(a * b, [a], grad_outputs=T.ones(1)))
    y = T.ones(2, requires_grad=True) * 2
    y.backward(T.tensor([1, 1]))
    x = T.ones(2, requires_grad=True)
    (x * 2).backward(T.tensor([True, False]))
    show(x.grad)


# ---------------------------------------------------------------------------------------------
# Anomaly mode


@scenario
def anomaly_nan_detection(T, show):
    x = T.tensor([0., 1.], requires_grad=True)
    with T.autograd.detect_anomaly():
        show.error(lambda: (x.sqrt() * 0).sum().backward())
        show.error(lambda: (x / x).sum().backward())
    with T.autograd.set_detect_anomaly(True):
        show.error(lambda: (x.log() * x).sum().backward())
        show.error(lambda: T.autograd.grad((x.sqrt() * 0).sum(), x))
        show.error(lambda: (x * 2).sum().backward())
    show(x.grad)
    with T.autograd.set_detect_anomaly(True, check_nan=False):
        show.error(lambda: (x.sqrt() * 0).sum().backward())
    show(x.grad)
    show.error(lambda: (x.sqrt() * 0).sum().backward())  # off again: no check
    show(x.grad)

    class NanGrad(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    with T.autograd.detect_anomaly():
        show.error(lambda: NanGrad.apply(x).sum().backward())
        w = T.tensor([float("nan")], requires_grad=True)
        show.error(lambda: (w * 2).sum().backward())
        show.error(lambda: w.sum().backward(T.tensor(float("nan"))))
        a = T.tensor([1.0], requires_grad=True)
        show.error(lambda: (a * float("inf") * 0).sum().backward())


# ---------------------------------------------------------------------------------------------
# torch.func


@scenario
def func_transforms(T, show):
    from_func = T.func
    x = T.tensor([1., 2., 3.])
    f = lambda x: (x.sin() * x).sum()
    show(from_func.grad(f)(x))
    show(from_func.grad(from_func.grad(lambda x: x ** 3))(T.tensor(2.)))
    show(from_func.grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(x, x + 1))
    show(from_func.grad(lambda x, y: (x * y).sum(), argnums=1)(x, x + 1))
    show(from_func.grad(lambda x: ((x ** 2).sum(), x.mean()), has_aux=True)(x))
    show(from_func.grad_and_value(f)(x))
    show.error(lambda: from_func.grad(lambda x: x * 2)(x))
    show.error(lambda: from_func.grad(lambda x: (x.sum(), 1))(x))
    show.error(lambda: from_func.grad(f, argnums=2)(x))
    show.error(lambda: from_func.grad(lambda x: x.sum())(T.tensor([1, 2])))
    out, fn = from_func.vjp(lambda x: x.exp(), x)
    show(out, fn(T.ones(3)))
    out, fn = from_func.vjp(lambda x, y: x * y, x, x)
    show(fn(T.ones(3)))
    show(from_func.jacrev(lambda x: x.sin())(x))
    show(from_func.jacrev(lambda x, y: x * y, argnums=(0, 1))(x, x))
    show(from_func.jacrev(lambda x: (x.sin(), x.sum()))(x))
    w = T.tensor([1., 2., 3.], requires_grad=True)
    show(from_func.grad(lambda x: (x * w).sum())(x))
    show(from_func.grad(lambda x: (x ** 2 * w).sum())(x))
    show(from_func.grad(lambda x: x.sum())(T.ones(2, requires_grad=True)))
    show(from_func.grad(lambda x: (x ** 2).sum())(T.ones(2, requires_grad=True)))


@scenario
def func_vmap(T, show):
    vmap, grad = T.func.vmap, T.func.grad
    x = T.tensor([1., 2., 3.])
    f = lambda x: (x.sin() * x).sum()
    show(vmap(lambda v: (v * x).sum())(T.eye(3)))
    show(vmap(grad(f))(T.stack([x, x * 2])))
    show(vmap(lambda a, b: a * b, in_dims=(0, None))(T.eye(3), x))
    show(vmap(lambda a: a.sum(0), in_dims=1)(T.arange(6.).view(2, 3)))
    show(vmap(lambda a: (a, a * 2))(x))
    show(vmap(lambda a: a * 2, out_dims=1)(T.ones(2, 3)))
    show(T.vmap(T.dot)(T.ones(2, 3), T.ones(2, 3)))
    show.error(lambda: vmap(lambda a, k: a * k)(x, 2))
    show(vmap(lambda a, k: a * k, in_dims=(0, None))(x, 2))
    show.error(lambda: vmap(lambda a, b: a + b)(T.ones(2), T.ones(3)))
    show.error(lambda: vmap(lambda a: a)(T.tensor(1.)))
    show.error(lambda: vmap(lambda a: 1)(x))
    show.error(lambda: vmap(lambda a, k: a * k, in_dims=(0, 0))(x, 2))


@scenario
def func_with_custom_functions(T, show):
    func = T.func

    class CtxStyle(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    class SetupStyle(T.autograd.Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x

    class WithVmapRule(SetupStyle):
        generate_vmap_rule = True

    show.error(lambda: func.grad(lambda x: CtxStyle.apply(x).sum())(T.ones(2)))
    show(func.grad(lambda x: SetupStyle.apply(x).sum())(T.tensor([1., 2.])))
    show.error(lambda: func.vmap(SetupStyle.apply)(T.ones(2)))
    show(func.vmap(WithVmapRule.apply)(T.tensor([1., 2.])))
    show(func.vmap(func.grad(lambda x: WithVmapRule.apply(x).sum()))(T.ones(2, 2)))
    show(func.jacrev(SetupStyle.apply)(T.tensor([1., 2.])))
    show(CtxStyle.apply(T.tensor([3.])))  # outside any transform both styles work


@scenario
def anomaly_other_errors(T, show):
    x = T.ones(2, requires_grad=True)
    with T.autograd.set_detect_anomaly(True):
        y = x * 2
        z = y * y
        y.add_(1)
        show.error(lambda: z.sum().backward())
        y = x * 2
        y.register_hook(lambda g: 1 / 0)
        show.error(lambda: y.sum().backward())
        a = x.clone()
        a.sum().backward()
        show.error(lambda: a.sum().backward())
        show(x.grad)


@scenario
def function_in_graphs(T, show):
    class Scale(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(x, w)
            show("needs", ctx.needs_input_grad)
            return x * w

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            show("saved", x, w)
            return g * w, (g * x).sum(0, keepdim=True)

    x = T.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
    w = T.tensor([[0.5, -1., 2.]], requires_grad=True)
    y = Scale.apply(x, w)
    y.retain_grad()
    y.register_hook(lambda g: show("hook on output", g))
    (y * y).sum().backward()
    show(x.grad, w.grad, y.grad)
    show(Scale.apply(x, w.detach()).grad_fn.next_functions)

    class Broadcast(T.autograd.Function):
        @staticmethod
        def forward(ctx, w):
            return w * 1

        @staticmethod
        def backward(ctx, g):
            return g.expand(2, 3)  # broadcast: summed back to w's shape

    w.grad = None
    Broadcast.apply(w).sum().backward()
    show(w.grad)

    class Outer(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            inner = Scale.apply(x, T.ones(1, 3))
            show("inner grad_fn under forward", inner.grad_fn, inner.requires_grad)
            ctx.save_for_backward(inner)
            return inner * 3

        @staticmethod
        def backward(ctx, g):
            (inner,) = ctx.saved_tensors
            return g * 3

    out = Outer.apply(x)
    show(out, name(out.grad_fn))

    class ArgMax(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return idx

        @staticmethod
        def backward(ctx, g):
            return None

    show.error(lambda: ArgMax.apply(x).float().sum().backward())

    class ViewOut(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[0]

        @staticmethod
        def backward(ctx, g):
            out = T.zeros(2, 3)
            out[0] = g
            return out

    v = ViewOut.apply(x)
    show(v, name(v.grad_fn))
    x.grad = None
    v.sum().backward()
    show(x.grad)

    class ListInput(T.autograd.Function):
        @staticmethod
        def forward(ctx, tensors):
            return tensors[0] * 2

        @staticmethod
        def backward(ctx, g):
            return None

    show(ListInput.apply([x, x]))


@scenario
def functional_connected_to_the_caller(T, show):
    F = T.autograd.functional
    x = T.tensor([1., 2.], requires_grad=True)
    jac = F.jacobian(lambda t: t ** 3, x, create_graph=True)
    show(jac, name(jac.grad_fn))
    jac.sum().backward()
    show(x.grad)
    x.grad = None
    jac = F.jacobian(lambda t: t ** 3, x)
    show(jac, jac.requires_grad)
    v = T.tensor([1., -1.], requires_grad=True)
    out, g = F.vjp(lambda t: t.sin(), x, v, create_graph=True)
    show(out, g)
    g.sum().backward()
    show(x.grad, v.grad)
    h = F.hessian(lambda t: (t ** 4).sum(), x, create_graph=True)
    show(h, name(h.grad_fn))
    out, hv = F.hvp(lambda t: (t ** 4).sum(), x, v, create_graph=True)
    show(out, hv)
    with T.no_grad():
        show(F.jacobian(lambda t: t * 2, x))
        show(F.vjp(lambda t: t * 2, x, T.ones(2)))
