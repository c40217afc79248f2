"""autograd.grad and backward options; anomaly mode."""

from __future__ import annotations

from autograd_scenarios import scenario


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
