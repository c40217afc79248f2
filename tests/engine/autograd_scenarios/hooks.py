"""Hooks, node names and torch.autograd.graph."""

from __future__ import annotations

from autograd_scenarios import addressless, name, scenario


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


@scenario
def gradient_edges(T, show):
    G = T.autograd.graph

    class Double(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = T.tensor([1., 2.], requires_grad=True)
    show(addressless(repr(G.get_gradient_edge(Double.apply(x)))))
    show(addressless(repr(G.get_gradient_edge(x * 2))))
    show(addressless(repr(G.get_gradient_edge(x))))


@scenario
def prehook_order_and_multi_output_nodes(T, show):
    x = T.ones(2, requires_grad=True)
    p, q = (x * 2).unbind()
    node = p.grad_fn
    node.register_prehook(lambda go: show("node pre-hook", go))
    p.register_hook(lambda g: show("tensor hook p", g) or g * 10)
    q.register_hook(lambda g: show("tensor hook q", g))
    p.retain_grad()
    node.register_prehook(lambda go: show("second node pre-hook", go) or (go[0] + 1, go[1]))
    (p * 3 + q).backward()
    show(x.grad, p.grad)

    def bad(grad_outputs):
        return (grad_outputs[0],)

    pair = (x * 2).unbind()
    pair[0].grad_fn.register_prehook(bad)
    show.error(lambda: (pair[0] + pair[1]).backward())
    z = x * 2
    z.grad_fn.register_prehook(lambda go: (go[0] * 5,))
    z.register_hook(lambda g: show("z tensor hook", g))
    x.grad = None
    z.sum().backward()
    show(x.grad)
    accumulator = z.grad_fn.next_functions[0][0]
    accumulator.register_prehook(lambda go: show("accumulator pre-hook", go) or (go[0] * 0,))
    x.register_hook(lambda g: show("x hook", g) or g + 1)
    x.grad = None
    (x * 1).sum().backward()
    show(x.grad)


@scenario
def multi_grad_hooks(T, show):
    G = T.autograd.graph
    x = T.tensor([1., 2.], requires_grad=True)
    y = T.tensor([3., 4.], requires_grad=True)
    a = x * 2
    b = y * 3
    handle = G.register_multi_grad_hook((a, b), lambda grads: show("all", grads))
    show(type(handle).__name__)
    (a.sum() + b.sum()).backward(retain_graph=True)
    a.sum().backward(retain_graph=True)
    T.autograd.grad(b.sum(), y, retain_graph=True)
    handle.remove()
    (a.sum() + b.sum()).backward(retain_graph=True)
    handle = G.register_multi_grad_hook((a, b, x), lambda g: show("any", g), mode="any")
    (a.sum() * 2 + b.sum()).backward(retain_graph=True)
    (a.sum() * 3).backward(retain_graph=True)
    handle.remove()
    G.register_multi_grad_hook((x, y), lambda grads: show("leaves", grads))
    (x * y).sum().backward()
    show.error(lambda: G.register_multi_grad_hook((x,), print, mode="some"))
