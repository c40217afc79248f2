"""torch.func transforms."""

from __future__ import annotations

from autograd_scenarios import scenario


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
