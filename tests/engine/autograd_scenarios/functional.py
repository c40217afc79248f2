"""torch.autograd.functional: jacobian, hessian, vjp, jvp, vhp, hvp."""

from __future__ import annotations

from autograd_scenarios import KNOWN, name, scenario


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


KNOWN["functional_jvp_graph_names"] = (
    "sum(dim)'s backward formula, differentiated again, records a view (ViewBackward0) where "
    "torch's records unsqueeze (whose own backward is SqueezeBackward1): an op-table matter")
