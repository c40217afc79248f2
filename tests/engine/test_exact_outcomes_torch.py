"""Outcomes session 16 (r-exact) brought in line with torch 2.13, run against live torch: the
grad_fn of every div form, ``_version`` counts of gradients and in-place changes, and saved
attributes. Each case is source text; its repr (object addresses masked) or error must match."""

import re

import pytest

import gradrepl.torch as gtorch
import saved_attribute_calls

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

SETUP = ("x = torch.tensor([1., 2.], requires_grad=True); "
         "w = torch.tensor([3., 4.], requires_grad=True); ")

DIV = [
    "torch.div(x, w, rounding_mode=None).grad_fn", "x.div(w, rounding_mode=None).grad_fn",
    "x.div(2, rounding_mode=None).grad_fn", "x.div(w, rounding_mode='floor').grad_fn",
    "x.div(2, rounding_mode='trunc').grad_fn", "x.div(2).grad_fn", "x.div(w).grad_fn",
    "torch.true_divide(x, w).grad_fn", "torch.true_divide(x, 2).grad_fn",
    "torch.divide(x, w, rounding_mode=None).grad_fn", "torch.divide(x, 2, rounding_mode='floor').grad_fn",
    "torch.floor_divide(x, w).grad_fn", "(x // w).grad_fn", "(2 / x).grad_fn", "(2 // x).grad_fn",
    "torch.div(2, x).grad_fn", "torch.div(2, x, rounding_mode=None).grad_fn",
    "torch.div(2, x).sum().backward(); x.grad", "torch.div(2, x).grad_fn._saved_self",
    "torch.div(2, torch.tensor([1, 2]))", "torch.div(2, torch.tensor([True, False]))",
    "torch.div(2.5, x.half())", "2.5 / x.half()", "torch.div(2, 3)", "torch.div(2, 3, rounding_mode=None)",
    "y = x * 1; y.div_(w, rounding_mode=None); y.grad_fn", "y = x * 1; y.div_(2, rounding_mode=None); y.grad_fn",
    "y = x * 1; y.div_(2, rounding_mode='floor'); y.grad_fn", "y = x * 1; y.div_(w); y.grad_fn",
    "y = x * 1; y.true_divide_(w); y.grad_fn", "y = x * 1; y.floor_divide_(w); y.grad_fn",
    "y = x * 1; y /= 2; y.grad_fn", "y = x * 1; y //= 2; y.grad_fn",
    "y = x * 1; y.divide_(w, rounding_mode=None); y.grad_fn",
    "torch.div(x, w, rounding_mode=None).grad_fn._saved_other",
    "torch.div(x, w, rounding_mode=None).grad_fn._saved_self",
    "torch.div(x, w.detach(), rounding_mode=None).grad_fn._saved_self",
    "torch.div(x, 2, rounding_mode=None).grad_fn._saved_other",
    "torch.div(x, 2.5, rounding_mode=None).grad_fn._saved_other",
    "torch.div(x, w, rounding_mode=None).grad_fn._saved_rounding_mode",
    "torch.div(x, w, rounding_mode='floor').grad_fn._saved_rounding_mode",
    "[k for k in dir(torch.div(x, w, rounding_mode=None).grad_fn) if k.startswith('_saved')]",
    "torch.div(x, w, rounding_mode=None).sum().backward(); (x.grad, w.grad)",
    "torch.div(x.half(), 3, rounding_mode=None).sum().backward(); x.grad",
    "torch.div(x.double(), w, rounding_mode=None)",
    "torch.div(torch.tensor([1, 2]), 2, rounding_mode=None)",
    "torch.div(x, w, rounding_mode=None).grad_fn.next_functions",
    "torch.div(x, 2, rounding_mode=None).grad_fn.next_functions",
    "torch.div(x, w, rounding_mode=None, out=torch.empty(2))",
    "o = torch.empty(2); torch.div(x.detach(), w.detach(), rounding_mode=None, out=o); o",
    "torch.div(x, w, rounding_mode='bad')",
]

# x.grad._version and other version counters (engine/grad_versions.py)
VERSIONS = [
    'x.sum().backward(); x.grad._version',
    'x.sum().backward(); x.sum().backward(); x.grad._version',
    '(x*x).sum().backward(); x.grad._version',
    '(x*2).sum().backward(); x.grad._version',
    '(x*2).sum().backward(); (x*2).sum().backward(); x.grad._version',
    '(x*2).sum().backward(); x.grad.zero_(); x.grad._version',
    '(x*2+x).sum().backward(); x.grad._version',
    '(x+x*2).sum().backward(); x.grad._version',
    '(x*2+x*3).sum().backward(); x.grad._version',
    '(x*2+x*3+x*4).sum().backward(); x.grad._version',
    '(x+x).sum().backward(); x.grad._version',
    '(x*x*x).sum().backward(); x.grad._version',
    '(x.exp()*x).sum().backward(); x.grad._version',
    '((x+w)*x).sum().backward(); (x.grad._version, w.grad._version)',
    '((x*w)+(x*w)).sum().backward(); (x.grad._version, w.grad._version)',
    '(x*w*x*w).sum().backward(); (x.grad._version, w.grad._version)',
    'z = x + 0; (z*z).sum().backward(); x.grad._version',
    'z = x * 1; (z*z).sum().backward(); x.grad._version',
    'z = x * 1; (z*z*z).sum().backward(); x.grad._version',
    '(x.sin() + x.cos()).sum().backward(); x.grad._version',
    '(x.sin() * x.cos()).mean().backward(); x.grad._version',
    'x.mean().backward(); x.grad._version',
    '(x * x).mean().backward(); x.grad._version',
    'x.backward(torch.ones(2)); x.grad._version',
    '(x+1).backward(torch.ones(2)); x.grad._version',
    '(x*1).backward(torch.ones(2)); x.grad._version',
    'g = torch.ones(2); x.view(2).backward(g); x.grad._version',
    'x.exp().sum().backward(); x.grad._version',
    'a = torch.tensor([[1., 2.],[3,4]], requires_grad=True); (a@a).sum().backward(); a.grad._version',
    'a = torch.tensor([[1., 2.],[3,4]], requires_grad=True); (a@w).sum().backward(); (a.grad._version, w.grad._version)',
    'a = torch.tensor([[1., 2.],[3,4]], requires_grad=True); (a * a.t()).sum().backward(); a.grad._version',
    'a = torch.tensor([[1., 2.],[3,4]], requires_grad=True); a.t().sum().backward(); a.grad._version',
    'a = torch.tensor([[1., 2.],[3,4]], requires_grad=True).t(); a.retain_grad(); a.sum().backward(); a.grad._version',
    's = torch.tensor(2.0, requires_grad=True); y = 2*s**4 + s**3 + 3*s**2 + 5*s + 1; y.backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); y = 2*s**4 + s**3 + 3*s**2 + 5*s + 1; y.backward(); y = 2*s**4 + s**3 + 3*s**2 + 5*s + 1; y.backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); s.backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); s.backward(torch.tensor(3.)); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s*s).backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s*3).backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s+3).backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s*s+s).backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s+s*s).backward(); s.grad._version',
    'torch.autograd.grad((x*x).sum(), x)[0]._version',
    'torch.autograd.grad(x.sum(), x)[0]._version',
    'torch.autograd.grad((x*2).sum(), x)[0]._version',
    'torch.autograd.grad((x*2+x*3).sum(), x)[0]._version',
    'torch.autograd.grad((x*x).sum(), x, create_graph=True)[0]._version',
    '(x*x).sum().backward(create_graph=True); x.grad._version',
    '(x*x).sum().backward(create_graph=True); (x*x).sum().backward(create_graph=True); x.grad._version',
    'x.sum().backward(); x.grad.add_(1); x.grad._version',
    'x.sum().backward(); x.grad.data._version',
    'x.grad = torch.zeros(2); x.sum().backward(); x.grad._version',
    'y = x * 1; y.retain_grad(); y.sum().backward(); y.grad._version',
    'y = x * 1; y.retain_grad(); (y*y).sum().backward(); y.grad._version',
    'y = x * 1; y.retain_grad(); (y*y).sum().backward(); x.grad._version',
    'x.register_hook(lambda g: g * 2); (x*x).sum().backward(); x.grad._version',
    'x.register_hook(lambda g: None); (x*x).sum().backward(); x.grad._version',
    'x.sum().backward(inputs=[x]); x.grad._version',
    '(x*x).sum().backward(inputs=[x]); x.grad._version',
    'm = torch.nn.Linear(2, 1); m(torch.ones(3, 2)).sum().backward(); (m.weight.grad._version, m.bias.grad._version)',
    'm = torch.nn.Linear(2, 1); m(torch.ones(3, 2)).sum().backward(); m(torch.ones(3, 2)).sum().backward(); (m.weight.grad._version, m.bias.grad._version)',
    'm = torch.nn.Linear(2, 1); ((m(torch.ones(3, 2)) - 1) ** 2).mean().backward(); (m.weight.grad._version, m.bias.grad._version)',
    'm = torch.nn.Linear(2, 3); torch.nn.functional.cross_entropy(m(torch.ones(4, 2)), torch.tensor([0, 1, 2, 0])).backward(); (m.weight.grad._version, m.bias.grad._version)',
    'm = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)); torch.nn.functional.mse_loss(m(torch.ones(4, 2)), torch.zeros(4, 1)).backward(); [p.grad._version for p in m.parameters()]',
    'p = torch.nn.Parameter(torch.ones(2)); opt = torch.optim.SGD([p], lr=0.1); p.sum().backward(); opt.step(); (p._version, p.grad._version)',
    'p = torch.nn.Parameter(torch.ones(2)); opt = torch.optim.SGD([p], lr=0.1, momentum=0.9); p.sum().backward(); opt.step(); opt.step(); (p._version, p.grad._version)',
    'p = torch.nn.Parameter(torch.ones(2)); opt = torch.optim.Adam([p], lr=0.1); p.sum().backward(); opt.step(); opt.step(); (p._version, p.grad._version)',
    'p = torch.nn.Parameter(torch.ones(2)); opt = torch.optim.SGD([p], lr=0.1); p.sum().backward(); opt.zero_grad(set_to_none=False); p.grad._version',
    'p = torch.nn.Parameter(torch.ones(2)); opt = torch.optim.SGD([p], lr=0.1); (p*p).sum().backward(); opt.zero_grad(set_to_none=False); (p*p).sum().backward(); p.grad._version',
    'x.half().sum().backward(); x.grad._version',
    '(x.double()*x.double()).sum().backward(); x.grad._version',
    'x[0].backward(); x.grad._version',
    '(x[0]*x[1]).backward(); x.grad._version',
    '(x[0]+x[1]).backward(); x.grad._version',
    'torch.stack([x, x]).sum().backward(); x.grad._version',
    'torch.cat([x*2, x*3]).sum().backward(); x.grad._version',
    'x.expand(3, 2).sum().backward(); x.grad._version',
    '(x.unsqueeze(0) * w.unsqueeze(1)).sum().backward(); x.grad._version',
    'x.relu().sum().backward(); x.grad._version',
    '(x ** 2).sum().backward(); x.grad._version',
    '(x.sigmoid() * x.tanh()).sum().backward(); x.grad._version',
    '((x+w)*3 + x*5).sum().backward(); (x.grad._version, w.grad._version)',
    'y = (x + w) * 3; (y + x * 5 + w * 2).sum().backward(); (x.grad._version, w.grad._version)',
    'y = x * 3; z = y + y; (z * x).sum().backward(); x.grad._version',
    'y = x * 3; (y * y + y).sum().backward(); x.grad._version',
    'y = x * 3; a, b = y.unbind(); (a * b).backward(); x.grad._version',
    'a, b = x.unbind(); (a * b + a).backward(); x.grad._version',
    'a, b = x.split(1); (a * b + a).sum().backward(); x.grad._version',
    'a, b = (x*2).chunk(2); (a * b * a).sum().backward(); x.grad._version',
    '(x * w + x * w * 2).sum().backward(); (x.grad._version, w.grad._version)',
    '(x.view(2, 1) * x.view(1, 2)).sum().backward(); x.grad._version',
    '(x.unsqueeze(1) + x.unsqueeze(0)).pow(2).sum().backward(); x.grad._version',
    '(x * w).sum().backward(); (x*x).sum().backward(); (x.grad._version, w.grad._version)',
    'y = x * w; y.retain_grad(); (y * y + y).sum().backward(); (y.grad._version, x.grad._version)',
    'x.register_hook(lambda g: g * 2); (x*x*x).sum().backward(); x.grad._version',
    'x.register_hook(lambda g: g * 2); x.sum().backward(); x.grad._version',
    'torch.autograd.grad((x*x*x).sum(), [x, w], allow_unused=True)[0]._version',
    'torch.autograd.grad((x*w + x).sum(), [x, w])[1]._version',
    'torch.autograd.grad((x*w*w).sum(), [x, w])[1]._version',
    'torch.autograd.grad((x*x).sum(), x, retain_graph=True)[0]._version',
    's = torch.tensor(2.0, requires_grad=True); t = torch.tensor(3.0, requires_grad=True); (s*t + s*s*t).backward(); (s.grad._version, t.grad._version)',
    's = torch.tensor(2.0, requires_grad=True); (s.exp() + s.sin() + s.cos()).backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s*s).backward(torch.tensor(2.)); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s+s).backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); y = s*s; (y+y).backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s*s).backward(); s.grad.zero_(); (s*s).backward(); s.grad._version',
    's = torch.tensor(2.0, requires_grad=True); (s*s*s).backward(create_graph=True); s.grad._version',
    'xs = torch.linspace(0, 1, 5); p = torch.zeros(2, requires_grad=True); ((p[0]*xs + p[1] - xs) ** 2).mean().backward(); p.grad._version',
    'xs = torch.linspace(0, 1, 5); a = torch.tensor(0., requires_grad=True); b = torch.tensor(0., requires_grad=True); ((a*xs + b - xs) ** 2).mean().backward(); (a.grad._version, b.grad._version)',
    'm = torch.nn.Linear(3, 2); torch.nn.functional.cross_entropy(m(torch.ones(4, 3)), torch.tensor([0, 1, 1, 0])).backward(); [p.grad._version for p in m.parameters()]',
    'm = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)); ((m(torch.ones(5, 2)) - 1) ** 2).mean().backward(); [p.grad._version for p in m.parameters()]',
    'm = torch.nn.Linear(2, 2); y = m(torch.ones(3, 2)); (y * y + m(torch.zeros(3, 2))).sum().backward(); [p.grad._version for p in m.parameters()]',
    'e = torch.nn.Embedding(4, 2); e(torch.tensor([0, 1, 0])).sum().backward(); e.weight.grad._version',
    'c = torch.nn.Conv2d(1, 2, 2); c(torch.ones(1, 1, 3, 3)).sum().backward(); [p.grad._version for p in c.parameters()]',
    'r = torch.nn.RNN(2, 3); r(torch.ones(4, 1, 2))[0].sum().backward(); [p.grad._version for p in r.parameters()]',
    'a = torch.tensor([[1., 2.],[3,4]], requires_grad=True); (a.t() * a).sum().backward(); (a.grad._version, a.grad.stride())',
    'a = torch.ones(2, 3).t().requires_grad_(); (a * a).sum().backward(); (a.grad._version, a.grad.stride())',
    'a = torch.ones(3).expand(2, 3).requires_grad_(); (a * 2).sum().backward(); a.grad._version',
    'a = torch.ones(3).expand(2, 3).requires_grad_(); a.sum().backward(); a.grad._version',
    '(x.double() * 2).sum().backward(); x.grad._version',
    'x.half().pow(2).sum().backward(); x.grad._version',
    '(x * torch.tensor(2., dtype=torch.float64)).sum().backward(); x.grad._version',
    '(x + w.double()).sum().backward(); (x.grad._version, w.grad._version)',
    'torch.where(x > 1, x * 2, x * 3).sum().backward(); x.grad._version',
    'x.clamp(0, 1.5).sum().backward(); x.grad._version',
    '(x * 2).max().backward(); x.grad._version',
    'torch.nn.functional.softmax(x, 0)[0].backward(); x.grad._version',
    'torch.nn.functional.mse_loss(x, w).backward(); (x.grad._version, w.grad._version)',
    'torch.nn.functional.mse_loss(x * 1, w * 1).backward(); (x.grad._version, w.grad._version)',
    '(x.sum() * w.sum()).backward(); (x.grad._version, w.grad._version)',
    'x.norm().backward(); x.grad._version',
    '(x @ w).backward(); (x.grad._version, w.grad._version)',
    '(x @ x).backward(); x.grad._version',
    'torch.dot(x, x).backward(); x.grad._version',
    'x = torch.tensor([1., 2.]); x.add_(1); x._version',
    'x = torch.tensor([1., 2.]); x[0] = 1; x._version',
    'x = torch.tensor([1., 2.]); y = x[0]; y.add_(1); x._version',
    'x = torch.tensor([1., 2.]); x.data.add_(1); x._version',
    'x = torch.tensor([1., 2.]); x.data = torch.zeros(2); x._version',
    'x = torch.tensor([1., 2.]); x += 1; x *= 2; x._version',
    'x = torch.tensor([1., 2.]); x.zero_(); x.fill_(2); x._version',
    'x = torch.tensor([1., 2.]); x.copy_(torch.ones(2)); x._version',
    'x = torch.tensor([1., 2.]); x.detach().add_(1); x._version',
    'x = torch.tensor([1., 2.]); x.t_(); x._version',
    'x = torch.tensor([1., 2.]); x.unsqueeze_(0); x._version',
    'x = torch.tensor([1., 2.]); x.requires_grad_(); x._version',
    'x = torch.tensor([1., 2.]); torch.add(x, 1, out=x); x._version',
    'x = torch.tensor([1., 2.]); x.clamp_(0, 1); x._version',
    'x = torch.tensor([1., 2.]); x.uniform_(); x._version',
    'x = torch.tensor([1., 2.]); torch.nn.init.zeros_(x); x._version',
    'x = torch.tensor([1., 2.]); torch.nn.init.normal_(x); x._version',
    'x = torch.tensor([1., 2.]); x[torch.tensor([True, False])] = 3; x._version',
    'x = torch.tensor([1., 2.]); x[[0]] = 3; x._version',
    'x = torch.tensor([1., 2.]); y = x.view(2); y.add_(1); (x._version, y._version)',
]
# still different (docs/autograd.md, r-exact): strict xfails
VERSIONS_KNOWN = [
    'g = torch.ones(2); g.add_(1); x.view(2).backward(g); x.grad._version',
    'a = torch.tensor([[1., 2.],[3,4]], requires_grad=True); (a.t()@a).sum().backward(); a.grad._version',
    '(x*5 + (x+w)*3).sum().backward(); (x.grad._version, w.grad._version)',
    'a = torch.tensor([[1., 2.],[3,4]], requires_grad=True); (a @ a.t()).sum().backward(); a.grad._version',
]

# saved attributes torch keeps beside the tensors: sizes, alpha, _raw_saved_* (engine/saved_attributes.py)
SAVED = [
    "m = torch.ones(2, 2, requires_grad=True); y = x + w; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x + 2; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x - w; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = torch.add(x, w, alpha=2); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = torch.sub(x, w, alpha=3); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x * w; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x / w; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.sum(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.mean(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.sum(0); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.view(2, 1); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.exp(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x ** 2; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.pow(w); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = torch.ones(2, 2) @ x; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = m @ m; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = m.t() @ m; [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.relu(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.sigmoid(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.tanh(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.expand(3, 2); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.max(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.log(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.sqrt(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.abs(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = torch.nn.functional.mse_loss(x, w); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = torch.nn.functional.mse_loss(x, w, reduction='sum'); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = torch.dot(x, w); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = m.sum(1); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = m.mean(0); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = x.squeeze(); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = (x.detach() * w); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    "m = torch.ones(2, 2, requires_grad=True); y = (x * 2); [(k, repr(getattr(y.grad_fn, k))) for k in dir(y.grad_fn) if k.startswith(('_saved', '_raw_saved'))]",
    'y = x.sum(); y.backward(); (y.grad_fn._saved_self_sym_sizes, y.grad_fn._raw_saved_self if False else 0)',
    'y = x * w; y.sum().backward(); y.grad_fn._raw_saved_self',
    'y = x.mean(); y.backward(); (y.grad_fn._saved_self_sym_sizes, y.grad_fn._saved_self_sym_numel)',
    'y = x + w; y.sum().backward(); y.grad_fn._saved_alpha',
    'type((x * w).grad_fn._raw_saved_self)',
    '(x * w).grad_fn._raw_saved_exponent',
    'x.sum().grad_fn._saved_self_sym_strides',
    'm = torch.ones(3, 2).t().requires_grad_(); y = m @ torch.ones(3, 4); (y.grad_fn._saved_self_sym_strides, y.grad_fn._saved_mat2_sym_strides)',
    "m = torch.ones(2, 3, requires_grad=True); y = torch.ones(2, 3) @ m.t(); (y.grad_fn._saved_self_sym_sizes, y.grad_fn._saved_mat2_sym_sizes, y.grad_fn._saved_mat2_sym_strides)",
]

# backward's gradients checked in torch's order (_make_grads, then the engine)
ROOTS = [
    'x = torch.tensor([1., 2.]); x.sum().backward(torch.ones(2))',
    'x = torch.tensor([1., 2.]); x.backward(torch.ones(3))',
    'x = torch.tensor([1., 2.]); x.backward()',
    'x = torch.tensor([1., 2.]); x.sum().backward()',
    'x = torch.tensor([1., 2.], requires_grad=True); x.backward()',
    'x = torch.tensor([1., 2.], requires_grad=True); torch.autograd.backward([x.sum(), torch.ones(2)], [None, torch.ones(3)])',
    'x = torch.tensor([1., 2.], requires_grad=True); torch.autograd.backward([torch.ones(2), x.sum()], [torch.ones(2), torch.ones(2)])',
    'x = torch.tensor([1., 2.], requires_grad=True); torch.autograd.grad(torch.ones(2).sum(), x, torch.ones(2))',
    'x = torch.tensor([1., 2.], requires_grad=True); torch.autograd.grad(torch.ones(2), x)',
    'x = torch.tensor([1., 2.], requires_grad=True); torch.autograd.grad(x, x)',
    'x = torch.tensor([1., 2.], requires_grad=True); x.backward(torch.ones(2, dtype=torch.int64)); x.grad',
    'x = torch.tensor([1., 2.]); x.backward(torch.ones(2, dtype=torch.int64))',
    'x = torch.tensor([1., 2.], requires_grad=True); x.backward([1., 2., 3.])',
    'x = torch.tensor([1., 2.], requires_grad=True); x.sum().backward(2.0); x.grad',
    'x = torch.tensor([1., 2.], requires_grad=True); (x*2).backward(torch.ones(3))',
    'x = torch.tensor([1., 2.], requires_grad=True); x.backward([torch.ones(2), torch.ones(2)]); x.grad',
    'x = torch.tensor([1., 2.], requires_grad=True); x.backward((torch.ones(2),)); x.grad',
    'x = torch.tensor([1., 2.], requires_grad=True); torch.autograd.backward(x, torch.ones(2)); x.grad',
    'x = torch.tensor([1., 2.], requires_grad=True); torch.autograd.backward([x, x.sum()], [torch.ones(2)]); x.grad',
    'x = torch.tensor([1., 2.], requires_grad=True); torch.autograd.backward([x], [torch.ones(2), None]); x.grad',
    'x = torch.tensor([1., 2.], requires_grad=True); x.sum().backward(torch.tensor(2.)); x.grad',
    'x = torch.tensor([1., 2.], requires_grad=True); x.sum().backward(None); x.grad',
    'torch.set_grad_enabled(False); x = torch.tensor([1., 2.], requires_grad=True); r = None; x.sum().backward(torch.ones(2))',
]


def outcome(torch, code: str) -> str:
    """saved_attribute_calls' outcome after this file's SETUP, object addresses masked."""
    return re.sub(r" at 0x[0-9a-f]+", " at 0x", saved_attribute_calls.outcome(torch, code, SETUP))


@pytest.mark.parametrize("code", DIV)
def test_div_forms_match_torch(code):
    assert outcome(gtorch, code) == outcome(torch, code)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("code", VERSIONS)
def test_versions_match_torch(code):
    assert outcome(gtorch, code) == outcome(torch, code)


@pytest.mark.xfail(strict=True, reason="torch's refcounts and accumulator order, not followed")
@pytest.mark.parametrize("code", VERSIONS_KNOWN)
def test_versions_still_different(code):
    assert outcome(gtorch, code) == outcome(torch, code)


@pytest.mark.parametrize("code", SAVED)
def test_saved_attributes_match_torch(code):
    assert outcome(gtorch, code) == outcome(torch, code)


@pytest.mark.parametrize("code", ROOTS)
def test_backward_gradient_checks_match_torch(code):
    try:
        assert outcome(gtorch, code) == outcome(torch, code)
    finally:
        gtorch.set_grad_enabled(True)
        torch.set_grad_enabled(True)
