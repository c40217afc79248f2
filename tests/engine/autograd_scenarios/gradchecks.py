"""gradcheck and gradgradcheck."""

from __future__ import annotations

from autograd_scenarios import scenario


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
