"""``torch.inference_mode`` and inference tensors against live torch: which tensors are inference
tensors (made inside, views of them, never views of normal tensors), grad and inference mode
flags (``enable_grad`` and ``inference_mode(False)`` inside), the decorator forms, and torch's
refusals outside the mode: in-place changes (made, then refused), ``requires_grad``, saving for
backward, ``_version``; ``.data`` of an inference tensor keeps a counter of its own."""

from __future__ import annotations

import numpy as np
import pytest

import gradrepl.torch as gtorch

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _recorder():
    """(outcomes, tr): tr(f) appends f()'s repr, or its exception's type and words."""
    out = []

    def tr(f):
        try:
            out.append(repr(f()))
        except Exception as e:  # noqa: BLE001 (compared with torch's, whatever it is)
            out.append(f"{type(e).__name__}: {e}")

    return out, tr


def _outcomes(torch):
    out, tr = _recorder()

    w = torch.ones(2, requires_grad=True)
    n = torch.ones(3)
    with torch.inference_mode():
        x = torch.ones(3)
        xv, xd = n.view(3), n.detach()
        tr(lambda: (torch.is_inference_mode_enabled(), torch.is_grad_enabled()))
        tr(lambda: (x.is_inference(), (w * 2).is_inference(), (w * 2).requires_grad,
                    xv.is_inference(), xd.is_inference(), n[:2].is_inference()))
        tr(lambda: xv._version)
        tr(lambda: x._version)
        tr(lambda: (x.add_(0), x.is_inference()))
        tr(lambda: (n.mul_(1), n.is_inference(), n._version))
        with torch.enable_grad():
            tr(lambda: (torch.is_grad_enabled(), (w * 2).grad_fn, (w * 2).requires_grad))
        with torch.inference_mode(False):
            tr(lambda: (torch.is_inference_mode_enabled(), torch.is_grad_enabled(),
                        torch.ones(1).is_inference(), (w * 2).grad_fn is not None))
        with torch.no_grad():
            tr(lambda: torch.ones(1).is_inference())
        torch.manual_seed(0)
        lin = torch.nn.Linear(2, 2)
    with torch.no_grad():
        with torch.inference_mode(False):
            tr(lambda: torch.is_grad_enabled())
        tr(lambda: torch.is_grad_enabled())
    tr(lambda: (torch.is_inference_mode_enabled(), torch.is_grad_enabled(), x))
    tr(lambda: x.add_(1))
    tr(lambda: x)  # changed, then refused
    tr(lambda: x.requires_grad_(False))
    tr(lambda: x.requires_grad_())
    tr(lambda: setattr(x, "requires_grad", True))
    tr(lambda: torch.nn.Parameter(x))
    tr(lambda: torch.nn.Parameter(x, requires_grad=False).is_inference())
    tr(lambda: w * x[:2])
    tr(lambda: w + x[:2])
    tr(lambda: x[:2] * w)
    tr(lambda: x[:2] - w)
    tr(lambda: (x[:2].is_inference(), x.detach().is_inference(), x.clone().is_inference(),
                (x + 0).is_inference(), x.view(3, 1).is_inference(), x.t().is_inference(),
                x.reshape(3).is_inference(), x.float().is_inference(), x.double().is_inference()))
    tr(lambda: x.zero_())
    tr(lambda: x.copy_(n))
    tr(lambda: n.copy_(x))
    tr(lambda: exec("s[0] = 5", {"s": x}))
    tr(lambda: exec("s += 1", {"s": x}))
    tr(lambda: x[:2].add_(1))
    tr(lambda: (xv.add_(1), xv._version, xd.add_(1)))
    d = x.data
    tr(lambda: (d.is_inference(), d._version, d.add_(1), d._version))
    tr(lambda: d[:1].add_(1))
    tr(lambda: d.requires_grad_())
    tr(lambda: torch.mul(x[:2], w))
    tr(lambda: w.exp() * x[:2])
    tr(lambda: torch.nn.functional.mse_loss(w, x[:2]))
    tr(lambda: torch.mm(w.view(1, 2), x[:2].view(2, 1)))
    tr(lambda: w / x[:2])
    tr(lambda: x[:2] ** w)
    tr(lambda: w @ x[:2])
    tr(lambda: (lin.weight.is_inference(), lin(torch.ones(2))))
    tr(lambda: lin(torch.ones(2, requires_grad=True)))
    tr(lambda: torch.sum(n, 0, out=x[0]))

    class Times(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(b)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.saved_tensors[0], None

    tr(lambda: Times.apply(w, x[:2]))  # saved while recording: refused
    tr(lambda: (Times.apply(x[:2], w), Times.apply(x[:2], x[:2])))  # not saved / not recording

    @torch.inference_mode()
    def f(a):
        return a * 2, torch.is_inference_mode_enabled(), torch.is_grad_enabled()

    @torch.inference_mode
    def g(a):
        return a * 2

    @torch.inference_mode(mode=False)
    def h(a):
        return a * 2

    tr(lambda: (f(w), g(w), g(w).is_inference(), h(w), h(w).is_inference()))
    tr(lambda: (torch.inference_mode().mode, torch.inference_mode(False).mode,
                torch.is_inference(g(w)), torch.is_inference_mode_enabled(),
                torch.is_grad_enabled()))
    return out


def test_inference_tensors_match_torch():
    assert _outcomes(gtorch) == _outcomes(torch)


EXPRESSIONS = [
    "x[0]", "x[[0, 1]]", "x[x > 0]", "x.T", "x.mean()", "x.max(0).indices", "x.softmax(1)",
    "x.view(-1)", "F.cross_entropy(x, torch.tensor([0, 1]))", "x.sort(1)[0]", "torch.stack([x, x])",
    "x.float()", "x.double()", "x @ x.t()", "x.sum(0)", "x * 2", "2 + x", "x ** 2", "x / x",
    "x.exp()", "-x", "x > 0", "torch.where(x > 0, x, 0.)", "x.expand(3, 2, 2)", "x.chunk(2)[0]",
    "x.unbind()[0]", "F.relu(x)", "torch.zeros(2)", "torch.arange(3)", "torch.rand(2)",
    "torch.tensor(3.)", "torch.from_numpy(np.ones(2))", "x.new_zeros(2)", "x.clone()",
    "x.detach()", "lin(x)", "x.norm()", "x.cumsum(0)", "x.masked_fill(x > 0, 0.)",
    "torch.einsum('ij,jk->ik', x, x)", "x.addmm(x, x)", "x.half()", "x.sum()",
    "x.expand(3, 2, 2) @ x", "x @ x.expand(3, 2, 2)", "x[None] @ x[0]", "x[0] @ x.expand(3, 2, 2)",
]


def _made_inside(torch):
    torch.manual_seed(0)
    normal = torch.tensor([[1., -2.], [3., 4.]])
    lin = torch.nn.Linear(2, 2)
    seen = []
    for expression in EXPRESSIONS:
        for x in (normal, None):  # a normal tensor's views stay normal; an inference one's not
            with torch.inference_mode():
                x = torch.tensor([[1., -2.], [3., 4.]]) if x is None else x
                made = eval(expression, {"torch": torch, "F": torch.nn.functional, "x": x,
                                         "np": np, "lin": lin})
                seen.append((expression, made.is_inference()))
    return seen


def test_what_inference_mode_makes_matches_torch():
    assert _made_inside(gtorch) == _made_inside(torch)


def _gradients_inside(torch):
    """Gradients computed in inference mode: inference tensors, except where torch's gradient is
    the caller's normal gradient (autograd.grad hands it back) or a view of it that a backward
    made (AccumulateGrad keeps it); what the caller still holds, AccumulateGrad copies."""
    out, tr = _recorder()

    given = torch.ones(2)
    graphs = {"sum": lambda x: (x.sum(), None), "view": lambda x: (x.view(2), given),
              "add": lambda x: (x + 1, given), "mul": lambda x: (x * 3, given),
              "batched": lambda x: ((x.view(1, 1, 2) @ torch.ones(2, 3)).sum(), None)}
    for make in graphs.values():
        for how in ("backward", "grad", "own_gradient"):
            x = torch.tensor([1., 2.], requires_grad=True)
            y, g = make(x)
            with torch.inference_mode():
                if how == "grad":
                    result = torch.autograd.grad(y, x, g)[0]
                else:
                    y.backward(torch.ones(y.shape) if how == "own_gradient" and g is not None
                               else g)
                    result = x.grad
            tr(lambda: (result, result.is_inference(), result.requires_grad))
    x = torch.tensor([1., 2.], requires_grad=True)
    loss = (x * x).sum()
    with torch.inference_mode():
        loss.backward(retain_graph=True)
    tr(lambda: loss.backward(retain_graph=True))  # onto an inference .grad: changed, then refused
    tr(lambda: (x.grad, x.grad.is_inference()))
    x.grad = None
    loss.backward(retain_graph=True)
    with torch.inference_mode():
        loss.backward(retain_graph=True)  # onto a normal .grad, in place
        tr(lambda: (x.grad, x.grad.is_inference()))
        created = torch.autograd.grad(loss, x, create_graph=True)[0]
    tr(lambda: (created, created.requires_grad, created.grad_fn, created.is_inference()))
    seen = []
    h = torch.tensor([1., 2.], requires_grad=True)
    m = h * 2
    m.retain_grad()
    m.register_hook(lambda g: seen.append(g.is_inference()))
    total = (m * m).sum()
    with torch.inference_mode():
        total.backward()
    tr(lambda: (seen, m.grad.is_inference(), h.grad.is_inference()))
    return out


def test_gradients_made_in_inference_mode_match_torch():
    assert _gradients_inside(gtorch) == _gradients_inside(torch)


def test_every_constructor_alias_marks_inference_tensors():
    """A module of the engine with its own alias of object.__new__ (the engine's constructors)
    has it swapped in inference mode without being listed anywhere."""
    import sys
    import types

    from gradrepl.engine import inference
    from gradrepl.engine.tensor import Tensor

    module = types.ModuleType("gradrepl.engine._constructor_probe")
    module._new = object.__new__
    sys.modules[module.__name__] = module
    try:
        with gtorch.inference_mode():
            made = module._new(Tensor)
            made._data = np.ones(2, np.float32)
            assert made.is_inference()
        assert module._new is object.__new__
        assert "_new" in inference.constructors()[module.__name__]
    finally:
        del sys.modules[module.__name__]
        inference._CONSTRUCTORS.pop(module.__name__, None)
