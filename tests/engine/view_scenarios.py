"""In-place changes through views, as transcripts run on either torch (see scenarios.py).

Each scenario changes a view (or the base of views) in place and shows what a user would see:
values, ``grad_fn.name()`` with its ``next_functions`` (CopySlices, AsStridedBackward0 ...),
``_version``, gradients after backward, and torch's errors. test_views.py compares gradrepl's
transcripts with torch's, live or recorded in tests/goldens/engine_views.json by
scripts/record_view_goldens.py.
"""

from __future__ import annotations

import warnings

from scenarios import Show

SCENARIOS: dict = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def run(library, name: str) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        show = Show(caught)
        try:
            SCENARIOS[name](library, show)
        finally:
            library.set_grad_enabled(True)
        show._flush()
    return show.lines


def graph(node) -> str:
    """A node and what lies behind it, by torch's ``name()``: ``CopySlices(MulBackward0(...))``."""
    if node is None:
        return "None"
    inner = ", ".join(f"{graph(n)}:{nr}" for n, nr in node.next_functions)
    return f"{node.name()}({inner})"


def state(t) -> str:
    return f"{graph(t.grad_fn)} v{t._version} leaf={t.is_leaf} rg={t.requires_grad}"



# ---------------------------------------------------------------------------------------------
# t[...] = value: a copy into the view t[...]

@scenario
def setitem_number(T, show):
    x = T.tensor([[1., 2, 3], [4, 5, 6]], requires_grad=True)
    y = x * 2
    y[0] = 5
    show(y, state(y), type(y.grad_fn).__name__)
    y.sum().backward()
    show(x.grad)


@scenario
def setitem_tensor_with_grad(T, show):
    x = T.tensor([[1., 2, 3], [4, 5, 6]], requires_grad=True)
    w = T.tensor([7., 8, 9], requires_grad=True)
    y = x * 1
    y[1] = w * w
    show(y, state(y))
    (y * T.tensor([[1., 2, 3], [4, 5, 6]])).sum().backward()
    show(x.grad, w.grad)


@scenario
def setitem_broadcast_scalar_tensor(T, show):
    x = T.ones(2, 3, requires_grad=True)
    s = T.tensor(2., requires_grad=True)
    y = x * 3
    y[:, 1] = s
    show(y, state(y))
    y.pow(2).sum().backward()
    show(x.grad, s.grad)


@scenario
def setitem_column_imul(T, show):
    x = T.tensor([[1., 2, 3], [4, 5, 6]], requires_grad=True)
    y = x + 0
    y[:, 1] *= 2
    show(y, state(y))
    (y ** 2).sum().backward()
    show(x.grad)


@scenario
def setitem_mask_and_list(T, show):
    x = T.tensor([1., -2, 3, -4], requires_grad=True)
    y = x * 1
    y[y < 0] = 0.5
    show(y, state(y))
    z = x * 1
    z[[0, 2]] = T.tensor([9., 8.], requires_grad=True)
    show(z, state(z))
    (y * z).sum().backward()
    show(x.grad)


@scenario
def setitem_into_plain_tensor(T, show):
    w = T.tensor([1., 2.], requires_grad=True)
    z = T.zeros(4)
    z[1:3] = w * 3
    show(z, state(z))
    z[0] = w[1]
    show(state(z))
    (z * T.arange(4.)).sum().backward()
    show(w.grad)


@scenario
def setitem_int_tensor_casts(T, show):
    t = T.zeros(3, dtype=T.long)
    t[0] = 2.7
    t[1:] = T.tensor([5.9, -1.5])
    show(t, t._version)


@scenario
def setitem_shape_error(T, show):
    y = T.ones(3, 4, requires_grad=True) * 1
    show.error(lambda: y.__setitem__(0, T.ones(3)))
    show(y._version)


# ---------------------------------------------------------------------------------------------
# in-place ops on views

@scenario
def view_add_(T, show):
    x = T.arange(6.).requires_grad_()
    y = x * 1
    v = y.view(2, 3)
    v.add_(1)
    show(y, state(y), state(v), v._base is y, v._is_view(), y._is_view())
    (y * y).sum().backward()
    show(x.grad)


@scenario
def select_mul_(T, show):
    x = T.arange(1., 7.).view(2, 3).detach().requires_grad_()
    y = x.exp()
    v = y[1]
    v.mul_(v.detach() * 0 + 3)
    show(state(y), state(v))
    show.error(lambda: y.sum().backward())  # exp saved its output, which changed


@scenario
def view_of_view_mul_(T, show):
    x = T.arange(12.).view(3, 4).detach().requires_grad_()
    y = x * 2
    v = y[1][1:3]
    v.mul_(T.tensor([10., 100.]))
    show(y, state(v), v._base is y)
    (y * y).sum().backward()
    show(x.grad)


@scenario
def transpose_mul_(T, show):
    x = T.arange(6.).view(2, 3).detach().requires_grad_()
    y = x + 1
    y.t().mul_(2)
    show(y, state(y))
    y.sum().backward()
    show(x.grad)


@scenario
def diagonal_zero_(T, show):
    x = T.arange(9.).view(3, 3).detach().requires_grad_()
    y = x * 1
    d = y.diagonal()
    d.zero_()
    show(y, state(y), state(d))
    (y * y).sum().backward()
    show(x.grad)
    show(T.ones(2, 3, requires_grad=True).diagonal(1), T.ones(2, 3).diagonal(-1))


@scenario
def unsqueeze_fill_(T, show):
    x = T.tensor([1., 2., 3.], requires_grad=True)
    y = x.sin()
    y.unsqueeze(0).fill_(1)
    show(y, state(y))
    show.error(lambda: y.sum().backward())
    z = x * 1
    z.unsqueeze(0)[0, 1:].fill_(2)
    (z * z).sum().backward()
    show(z, x.grad)


@scenario
def view_gets_value_that_requires_grad(T, show):
    w = T.tensor([1., 2.], requires_grad=True)
    z = T.zeros(3)
    v = z[1:]
    show(state(z), state(v))
    v.copy_(w * 2)
    show(z, state(z), state(v))
    z.sum().backward()
    show(w.grad)


@scenario
def base_changed_views_follow(T, show):
    x = T.ones(2, 3, requires_grad=True)
    y = x * 1
    a, b = y[0], y.t()
    y.mul_(3)
    show(state(a), state(b))
    with T.no_grad():
        y.add_(1)
    show(state(a), y._version, a._version)
    (a.sum() + b.sum()).backward()
    show(x.grad)


@scenario
def several_changes_one_base(T, show):
    x = T.arange(4.).requires_grad_()
    y = x * 1
    y[0] = 10
    y[1:3].mul_(x[1:3])
    y[3] += y[0]
    show(y, state(y), y._version)
    y.sum().backward()
    show(x.grad)


@scenario
def copy_into_tensor(T, show):
    x = T.ones(2, 3, requires_grad=True)
    w = T.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y.copy_(w)
    show(y, state(y))
    z = x * 1
    z.copy_(w.double())
    show(state(z))
    (y.sum() + z.sum()).backward()
    show(x.grad, w.grad)


# ---------------------------------------------------------------------------------------------
# torch's errors

@scenario
def leaf_errors(T, show):
    x = T.ones(2, 3, requires_grad=True)
    show.error(lambda: x.mul_(2))
    show.error(lambda: x.__setitem__(0, 1.0))
    show.error(lambda: x.t().mul_(2))
    show.error(lambda: x.view(6).add_(1))
    show.error(lambda: x.diagonal().zero_())
    show.error(lambda: x[[0]].mul_(2))  # a copy, not a view: allowed
    with T.no_grad():
        x[0] = 5
        x.t().mul_(2)
    show(x, x._version)


@scenario
def no_grad_view_errors(T, show):
    x = T.ones(2, 3, requires_grad=True)
    y = x * 1
    with T.no_grad():
        v = y[0]
    show(v, v.requires_grad, v.is_leaf, v.grad_fn)
    show.error(lambda: v.mul_(2))
    with T.no_grad():
        v.mul_(2)
    show(y, y._version)


@scenario
def multi_output_view_errors(T, show):
    x = T.ones(2, 3, requires_grad=True)
    y = x * 1
    a, b = y.unbind(0)
    show.error(lambda: a.mul_(2))
    show.error(lambda: b.zero_())
    with T.no_grad():
        a.mul_(2)
    show(y)


# ---------------------------------------------------------------------------------------------
# detach() and .data

@scenario
def detach_shares_version(T, show):
    x = T.tensor([1., 2., 3.], requires_grad=True)
    d = x.detach()
    d.add_(1)
    show(x, x._version, d._version, d._is_view())
    e = x.exp()
    e.detach().mul_(2)
    show(e._version)
    show.error(lambda: e.sum().backward())


@scenario
def data_has_own_version(T, show):
    x = T.tensor([1., 2., 3.], requires_grad=True)
    e = x.exp()
    e.data.mul_(2)
    show(e, e._version, e.data._version)
    e.sum().backward()
    show(x.grad)
    x.data[0] = 10
    show(x, x._version)


# ---------------------------------------------------------------------------------------------
# backward again, and gradients of gradients through CopySlices

@scenario
def backward_twice_through_copy_slices(T, show):
    x = T.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y[0] = 7.0
    y.sum().backward()
    show(x.grad)
    show.error(lambda: y.sum().backward())  # CopySlices lets go of what it wraps, always
    s = x * 2
    s.mul_(s)  # the other operand is s itself, saved before the change
    show.error(lambda: s.sum().backward())
    z = x * 1
    z[1:].mul_(x[1:])  # mul_ saved both operands
    z.sum().backward()
    show(x.grad)
    show.error(lambda: z.sum().backward())
    w = x * 1
    w[:2].mul_(x[:2])
    w.sum().backward(retain_graph=True)
    w.sum().backward()
    show(x.grad)


@scenario
def create_graph_through_copy_slices(T, show):
    x = T.tensor([1., 2., 3.], requires_grad=True)
    y = x * 1
    y[1:] = x[1:] ** 3
    y[0].mul_(x[2])
    (g,) = T.autograd.grad(y.sum(), x, create_graph=True)
    show(g, g.grad_fn is not None)
    g.sum().backward()
    show(x.grad)
    z = x * 1
    z[0] *= z[2]  # mul_ saved z[2], a view that the write into z[0] then changed
    show.error(lambda: T.autograd.grad(z.sum(), x, create_graph=True))


@scenario
def saved_view_changed_later(T, show):
    x = T.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = x * 1
    v = y[0]
    p = v * v  # saves v
    v.add_(1)
    show(state(y), v._version)
    show.error(lambda: p.sum().backward())
    q = y[1].exp()  # saves its output, not y
    y[1, 0] = 0
    q.sum().backward()
    show(x.grad)


@scenario
def saved_output_of_inplace_on_view(T, show):
    x = T.ones(2, 3, requires_grad=True)
    y = x * 1
    v = y[0]
    v.exp_()  # exp_ saves its output: the view
    v.mul_(2)
    show.error(lambda: y.sum().backward())
    y = x * 1
    y[0].sigmoid_()
    y[1].mul_(2)  # another part of the same memory: the shared version counter moved too
    show.error(lambda: y.sum().backward())
    y = x * 1
    y[0].exp_()
    y.sum().backward()
    show(x.grad)


@scenario
def restricted_views_of_views(T, show):
    x = T.ones(2, 3, requires_grad=True)
    y = x * 1
    with T.no_grad():
        v = y[0]
    w = v[1:]  # made with grad mode on, from a view made under no_grad
    show(w.requires_grad)
    show.error(lambda: w.mul_(2))
    a, b = y.unbind(0)
    show.error(lambda: a[1:].mul_(2))  # named by the op that made the view of the output
    with T.no_grad():
        c, d = y.unbind(0)
    show.error(lambda: d.mul_(2))  # made under no_grad: that error wins


@scenario
def retain_grad_and_hooks_across_in_place(T, show):
    x = T.ones(2, 3, requires_grad=True)
    y = x * 1
    v = y[0]
    v.retain_grad()
    y.retain_grad()
    v.mul_(2)  # y's retained grad is now its CopySlices output's
    (y * T.arange(6.).view(2, 3)).sum().backward()
    show(v.grad, y.grad)
    z = x[0] * 1
    z.retain_grad()
    z.register_hook(lambda g: show("hook", g))  # stays on the node before the change
    z.mul_(3)
    (z * 2).sum().backward()
    show(z.grad, z.retains_grad)


@scenario
def expanded_views(T, show):
    show.error(lambda: T.ones(3).expand(2, 3).add_(1))
    y = T.ones(3, requires_grad=True) * 1
    show.error(lambda: y.expand(2, 3).mul_(2))
    z = T.zeros(1)
    e = z.expand(3)
    e[0] = 1.0  # one element: no overlap, and it writes z
    show(z, e, z._version)
    w = T.tensor([[1.], [2.]], requires_grad=True)
    u = w * 1
    u.expand(2, 3)[:, 0].mul_(10)  # a column of the expanded view is u itself
    show(u, state(u))
    u.sum().backward()
    show(w.grad)


@scenario
def detach_changes_a_saved_leaf(T, show):
    x = T.tensor([1., 2., 3.], requires_grad=True)
    w = T.tensor([1., 2., 3.], requires_grad=True)
    y = (x * w).sum()  # saves x and w
    x.detach().add_(1)
    show(x, x._version)
    show.error(lambda: y.backward())  # a leaf: torch names no op
    y = x * 1
    z = y[0] * y[1]
    y.detach()[2] = 7  # another element, but the version counter is shared
    show(y._version)
    show.error(lambda: z.backward())


@scenario
def index_put_values(T, show):
    x = T.ones(3, requires_grad=True)
    w = T.tensor(2., requires_grad=True)
    y = x * 1
    y[y > 0] = w
    show(graph(y.grad_fn))
    y = x * 1
    y[T.tensor([True, False, True])] = T.tensor([3.], requires_grad=True)  # viewed to 0-d
    show(graph(y.grad_fn))
    y = x * 1
    y[[0, 2]] = T.tensor([[1., 2.]], requires_grad=True)
    show(y, graph(y.grad_fn))
    d = T.ones(3, dtype=T.float64)
    for index, value in [([0, 1], T.tensor([1., 2.])), ([0], T.tensor(1.)), (d > 0, T.tensor([5.])),
                         (d > 0, T.tensor(4)), ([0, 1], T.tensor([1, 2]))]:
        show.error(lambda: d.__setitem__(index, value))
    show(d)


@scenario
def using_a_no_grad_view(T, show):
    x = T.ones(2, 3, requires_grad=True)
    y = x * 1
    with T.no_grad():
        v = y[0]
    u = v * 2  # recorded, but the gradient stops at v
    show(u, graph(u.grad_fn), v.is_leaf, u.is_leaf)
    w = v[1:]
    show(w, graph(w.grad_fn), w.is_leaf)
    (u.sum() + w.exp().sum()).backward()
    show(x.grad)


@scenario
def view_that_is_a_leaf(T, show):
    a = T.arange(1., 10.)
    m = a.view(3, 3).requires_grad_()  # a leaf, and a view of a
    show(m._is_view(), m.is_leaf, m._base is a)
    show.error(lambda: m.mul_(2))
    show.error(lambda: m[0].mul_(2))
    show.error(lambda: m.t().mul_(2))
    (m.diagonal() * 2).sum().backward()
    show(m.grad)
