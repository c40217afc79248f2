"""gradcheck and gradgradcheck."""

from __future__ import annotations

from autograd_scenarios import name, scenario


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


@scenario
def tutorial_custom_function_double_backward(T, show):
    # the functions of PyTorch's "Double Backward with Custom Functions" tutorial
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return grad_out * 2 * x

    class Sinh(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            expx = T.exp(x)
            expnegx = T.exp(-x)
            ctx.save_for_backward(expx, expnegx)
            return (expx - expnegx) / 2, expx, expnegx

        @staticmethod
        def backward(ctx, grad_out, _grad_out_exp, _grad_out_negexp):
            expx, expnegx = ctx.saved_tensors
            grad_input = grad_out * (expx + expnegx) / 2
            grad_input += _grad_out_exp * expx
            grad_input -= _grad_out_negexp * expnegx
            return grad_input

    class SinhBad(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            expx = T.exp(x)
            expnegx = T.exp(-x)
            ctx.expx = expx
            ctx.expnegx = expnegx
            return (expx - expnegx) / 2

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * (ctx.expx + ctx.expnegx) / 2

    class Cube(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_out):
            (x,) = ctx.saved_tensors
            return CubeBackward.apply(grad_out, x)

    class CubeBackward(T.autograd.Function):
        @staticmethod
        def forward(ctx, grad_out, x):
            ctx.save_for_backward(x, grad_out)
            return grad_out * 3 * x ** 2

        @staticmethod
        def backward(ctx, grad_out):
            x, saved_grad_out = ctx.saved_tensors
            return grad_out * 3 * x ** 2, grad_out * saved_grad_out * 6 * x

    T.manual_seed(0)
    x = T.rand(3, 3, requires_grad=True, dtype=T.double)
    show(T.autograd.gradcheck(Square.apply, x), T.autograd.gradgradcheck(Square.apply, x))
    sinh = lambda t: Sinh.apply(t)[0]
    show(T.autograd.gradcheck(sinh, x), T.autograd.gradgradcheck(sinh, x))
    show(T.autograd.gradcheck(SinhBad.apply, x))
    show.error(lambda: T.autograd.gradgradcheck(SinhBad.apply, x))
    c = T.tensor(2., requires_grad=True, dtype=T.double)
    show(T.autograd.gradcheck(Cube.apply, c), T.autograd.gradgradcheck(Cube.apply, c))
    out = Cube.apply(c)
    (g,) = T.autograd.grad(out, c, create_graph=True)
    show(out, g, name(g.grad_fn))
    show(T.autograd.grad(g, c))
