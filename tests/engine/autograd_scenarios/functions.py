"""torch.autograd.Function: both styles, ctx, saved tensors, dirty and non-differentiable outputs, misuse."""

from __future__ import annotations

from autograd_scenarios import edges, name, scenario


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
def function_saved_input_changed_by_a_builtin(T, show):
    class SavesInput(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x

    x = T.ones(2, requires_grad=True)
    y = x * 2
    z = SavesInput.apply(y)
    y.add_(1)
    show.error(lambda: z.sum().backward())
    y = x * 2
    z = SavesInput.apply(y)
    with T.no_grad():
        y.mul_(3)
    show.error(lambda: z.sum().backward())
