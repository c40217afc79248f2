"""Build three lessons of a deep-learning course in ``samples/`` (24-26), then record their
outputs by running them in a Jupyter kernel on real PyTorch 2.13.

    python scripts/make_learner_lessons.py            # build, then record with nbclient
    python scripts/make_learner_lessons.py --no-record

24 is d2l's softmax regression from scratch (``y_hat[range(len(y_hat)), y]`` picks each row's
label) and the same data through a concise MLP with a ``TensorDataset``/``DataLoader`` and
``set_printoptions``; 25 custom ``autograd.Function``s (``save_for_backward``,
``needs_input_grad``, ``gradcheck``, a wrong number of gradients), ``nn.init``, parameter and
state-dict inspection, learning-rate schedules (a ``LinearLR`` warm-up into cosine decay through
``SequentialLR``) and seeding; 26 the broadcasting, shape and indexing mistakes learners make,
each cell's error the lesson. Outputs are never typed: recording needs ``nbclient``, ``ipykernel``
and torch 2.13 (``gradrepl replay --engine torch --update`` records the same outputs without a
kernel). tests/replay/test_built_lessons.py checks the committed notebooks are this script's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
from nbformat import v4

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

SOFTMAX_AND_MLP = [
    ("md", """# Softmax regression from scratch, then an MLP the concise way

A synthetic three-class problem: 96 points in 4 dimensions, labelled by the largest of three
noisy linear scores. First softmax regression written out by hand (softmax, cross-entropy by
picking each row's label, accuracy, minibatch SGD), then a small MLP with `nn`."""),
    ("code", """import torch
from torch import nn
from torch.utils.data import TensorDataset, DataLoader

torch.manual_seed(42)
num_inputs, num_outputs, n = 4, 3, 96
true_W = torch.randn(num_inputs, num_outputs)
features = torch.randn(n, num_inputs)
labels = (features @ true_W + 0.1 * torch.randn(n, num_outputs)).argmax(dim=1)
print(features[:2], labels[:10])
print(labels.bincount(), labels.dtype)"""),
    ("md", "## Softmax and cross-entropy by hand"),
    ("code", """def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition  # broadcasting: each row divided by its own sum

X = torch.normal(0, 1, (2, 5))
X_prob = softmax(X)
X_prob, X_prob.sum(1)"""),
    ("code", """W = torch.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = torch.zeros(num_outputs, requires_grad=True)

def net(X):
    return softmax(torch.matmul(X.reshape((-1, W.shape[0])), W) + b)

def cross_entropy(y_hat, y):
    return -torch.log(y_hat[range(len(y_hat)), y])

y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y])
print(cross_entropy(y_hat, y))
W"""),
    ("code", """def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())

print(accuracy(y_hat, y) / len(y))
dataset = TensorDataset(features, labels)
train_iter = DataLoader(dataset, batch_size=16, shuffle=True)
print(len(dataset), len(train_iter), dataset[0])"""),
    ("md", "## Training with minibatch SGD"),
    ("code", """def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()

lr = 0.5
for epoch in range(3):
    metric = [0.0, 0.0, 0]
    for X, y in train_iter:
        y_hat = net(X)
        l = cross_entropy(y_hat, y)
        l.sum().backward()
        sgd([W, b], lr, X.shape[0])
        metric[0] += float(l.sum()); metric[1] += accuracy(y_hat, y); metric[2] += y.numel()
    print(f'epoch {epoch + 1}, loss {metric[0] / metric[2]:f}, train acc {metric[1] / metric[2]:.3f}')
print(W, b, sep='\\n')"""),
    ("md", "## The same with `nn`: an MLP"),
    ("code", """torch.manual_seed(1)
net = nn.Sequential(nn.Flatten(), nn.Linear(num_inputs, 8), nn.ReLU(), nn.Linear(8, num_outputs))

def init_weights(m):
    if type(m) == nn.Linear:
        nn.init.normal_(m.weight, std=0.1)
        nn.init.zeros_(m.bias)

net.apply(init_weights)"""),
    ("code", """loss = nn.CrossEntropyLoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.3, momentum=0.9)
for epoch in range(3):
    total, count = 0.0, 0
    for X, y in train_iter:
        l = loss(net(X), y)
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        total += l.sum().item(); count += len(y)
    with torch.no_grad():
        correct = (net(features).argmax(1) == labels).float().mean()
    print(f'epoch {epoch + 1}: loss {total / count:.4f}, acc {correct:.3f}')
net[1].weight.grad, net[3].bias"""),
    ("md", "## How tensors print: precision, scientific notation, summaries"),
    ("code", """torch.set_printoptions(precision=2)
print(net[1].weight)
torch.set_printoptions(sci_mode=True)
print(net[3].bias.data)
torch.set_printoptions(profile='default')
print(torch.tensor([1e-5, 1.0, 1e5]), torch.tensor([123456789.0, 0.5]))
print(torch.tensor([1e-8, 2e-9]), torch.tensor([0.0001, 0.001]), torch.tensor([1e9]))
torch.tensor([[1e-10, 1.0], [float('inf'), float('nan')]])"""),
    ("code", """torch.set_printoptions(linewidth=40, precision=3)
print(torch.linspace(0, 1, 12))
torch.set_printoptions(threshold=5, edgeitems=2)
print(torch.arange(10.), torch.arange(20).reshape(4, 5))
torch.set_printoptions(profile='default')
torch.arange(2000.).reshape(40, 50) / 7"""),
]

FUNCTIONS_INIT_SCHEDULES = [
    ("md", """# Custom autograd Functions, initialisation, parameters and schedules

Writing an operation's backward yourself with `torch.autograd.Function`, checking it with
`gradcheck`; initialising layers with `nn.init`; looking inside a model (`named_parameters`,
`state_dict`, `load_state_dict`); and learning-rate schedules."""),
    ("code", """import torch
import torch.nn as nn

class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result

x = torch.tensor([0.0, 1.0, -2.0], requires_grad=True)
y = Exp.apply(x)
print(y)
y.sum().backward()
print(x.grad, y.grad_fn, type(y.grad_fn).__name__)"""),
    ("code", """class MulConstant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None  # no gradient for the constant

class LinearFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias

torch.manual_seed(0)
inp = torch.randn(4, 3, dtype=torch.double, requires_grad=True)
w = torch.randn(2, 3, dtype=torch.double, requires_grad=True)
bias = torch.randn(2, dtype=torch.double, requires_grad=True)
out = LinearFunction.apply(inp, w, bias)
print(out)
print(torch.autograd.gradcheck(LinearFunction.apply, (inp, w, bias), eps=1e-6, atol=1e-4))
z = MulConstant.apply(inp, 3.0).sum()
z.backward()
inp.grad"""),
    ("md", "A backward must return one gradient per input of `forward`:"),
    ("code", """class BadGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g, g

a = torch.ones(2, requires_grad=True)
BadGrad.apply(a).sum().backward()"""),
    ("md", "## Initialisation"),
    ("code", """torch.manual_seed(0)
layer = nn.Linear(5, 3)
print(layer.weight)
print(layer.bias)
nn.init.xavier_uniform_(layer.weight)
nn.init.constant_(layer.bias, 0.1)
print(layer.weight, layer.bias, sep='\\n')
nn.init.kaiming_normal_(layer.weight, mode='fan_out', nonlinearity='relu')
print(layer.weight.std(), nn.init.calculate_gain('relu'), nn.init.calculate_gain('tanh'))
nn.init.ones_(layer.weight)
nn.init.uniform_(layer.bias, -1, 1)"""),
    ("md", "## Looking inside a model"),
    ("code", """torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
for name, param in model.named_parameters():
    print(f'{name:10s} {str(tuple(param.shape)):8s} {param.requires_grad} {param.numel()}')
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
print(model[0].weight.data[0], model[2].bias.grad)
model.state_dict()"""),
    ("code", """for name, module in model.named_modules():
    print(repr(name), type(module).__name__)
print(list(model.named_children())[0])
print(model.state_dict().keys())
model[0].weight.requires_grad_(False)
print([n for n, p in model.named_parameters() if p.requires_grad])
sd = {k: v.clone() for k, v in model.state_dict().items()}
with torch.no_grad():
    model[2].bias.fill_(1.0)
print(model[2].bias, sd['2.bias'])
print(model.load_state_dict(sd))
model[2].bias"""),
    ("code", """model.load_state_dict({'0.weight': torch.zeros(8, 4)})"""),
    ("md", "## Learning-rate schedules"),
    ("code", """torch.manual_seed(0)
net = nn.Linear(2, 1)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
lrs = []
for epoch in range(6):
    opt.step()
    lrs.append(sched.get_last_lr()[0])
    sched.step()
print(lrs)
opt = torch.optim.SGD(net.parameters(), lr=1.0)
sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
for _ in range(3):
    opt.step(); sched.step()
print(sched.get_last_lr(), opt.param_groups[0]['lr'])
opt = torch.optim.Adam(net.parameters(), lr=0.01)
sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.1)
for _ in range(4):
    opt.step(); sched.step()
print(sched.get_last_lr(), sched.state_dict())
opt"""),
    ("code", """opt = torch.optim.SGD(net.parameters(), lr=0.1)
warmup = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=3)
decay = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
sched = torch.optim.lr_scheduler.SequentialLR(opt, schedulers=[warmup, decay], milestones=[3])
lrs = []
for _ in range(8):
    opt.step(); sched.step(); lrs.append(opt.param_groups[0]['lr'])
print([round(lr, 6) for lr in lrs])
opt = torch.optim.SGD(net.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='min', factor=0.5, patience=1)
for val_loss in [1.0, 0.9, 0.95, 0.96, 0.97, 0.5]:
    sched.step(val_loss)
    print(opt.param_groups[0]['lr'], end=' ')"""),
    ("md", "## Reproducibility"),
    ("code", """torch.manual_seed(3)
a = torch.rand(3)
torch.manual_seed(3)
b = torch.rand(3)
print(torch.equal(a, b), a)
g = torch.Generator().manual_seed(3)
print(torch.rand(3, generator=g), torch.randperm(5, generator=g))
state = torch.get_rng_state()
c = torch.randn(2)
torch.set_rng_state(state)
print(torch.equal(c, torch.randn(2)), torch.initial_seed())"""),
]

PITFALLS = [
    ("md", """# Broadcasting and indexing pitfalls

Shapes that broadcast and shapes that do not, the mistakes learners make with indexing, in-place
updates and dtypes, and the errors PyTorch answers them with."""),
    ("code", """import torch
a = torch.arange(3).reshape(3, 1)
b = torch.arange(2).reshape(1, 2)
print(a + b)
print(torch.broadcast_shapes((3, 1), (1, 2)), (a + b).shape)
x = torch.ones(3)
print(x + torch.ones(3, 1))  # (3,) and (3, 1) broadcast to (3, 3), often by mistake"""),
    ("code", """torch.ones(3) + torch.ones(4)"""),
    ("code", """torch.ones(2, 3) @ torch.ones(2, 3)"""),
    ("code", """torch.ones(2, 3).view(4)"""),
    ("md", "## Indexing out of range"),
    ("code", """x = torch.arange(6).reshape(2, 3)
x[2]"""),
    ("code", """x[:, 3]"""),
    ("code", """x[torch.tensor([0, 5])]"""),
    ("md", "## In-place updates"),
    ("code", """y = torch.zeros(3)
y += torch.ones(3, 1)"""),
    ("code", """w = torch.ones(3, requires_grad=True)
w += 1"""),
    ("code", """w.numpy()"""),
    ("md", "## Dtypes and shapes that do not fit"),
    ("code", """torch.tensor([1, 2, 3]).mean()"""),
    ("code", """torch.cat([torch.ones(2, 3), torch.ones(3, 2)])"""),
    ("code", """torch.stack([torch.ones(2), torch.ones(3)])"""),
    ("code", """torch.tensor([[1, 2], [3]])"""),
    ("code", """torch.tensor(2 ** 63)"""),
    ("md", "## Gradients"),
    ("code", """torch.ones(2, 2).backward()"""),
    ("code", """t = torch.tensor([1., 2.], requires_grad=True)
(t * 2).sum().backward()
(t * 2).sum().backward()
print(t.grad)  # gradients accumulate
loss = (t ** 2).sum()
loss.backward()
loss.backward()"""),
    ("md", "## Losses and layers"),
    ("code", """torch.manual_seed(0)
torch.nn.functional.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2, 3]))"""),
    ("code", """torch.nn.functional.cross_entropy(torch.randn(4, 3), torch.tensor([0., 1., 2., 1.]))"""),
    ("code", """torch.manual_seed(1337)
logits = torch.randn(3, 4, 10)  # (batch, time, vocabulary), as a language model gives them
targets = torch.randint(0, 10, (3, 4))
print(torch.nn.functional.cross_entropy(logits.view(3 * 4, 10), targets.view(3 * 4)))
torch.nn.functional.cross_entropy(logits, targets)  # the classes must be dim 1"""),
    ("code", """torch.nn.Linear(3, 2)(torch.ones(4, 2))"""),
    ("md", "## Indexing that works"),
    ("code", """x = torch.arange(12).reshape(3, 4)
print(x[x > 5], x[:, [0, -1]], x[[0, 2]][:, 1])
print(x[1:, None].shape, x[..., None, :].shape, x[[True, False, True]])
print(x[range(3), [0, 1, 2]], x[(0, 2), 1:], x[[]].shape)
print(x.gather(1, torch.tensor([[0], [3], [1]])))
y = x.clone(); y[y % 2 == 0] = -1; y"""),
    ("code", """v = torch.tensor([1., 2., 3.])
print(v.unsqueeze(0) - v.unsqueeze(1))
print((v[:, None] * v[None, :]).sum(), torch.outer(v, v).trace())
m = torch.ones(2, 3)
print(m.sum(0), m.sum(1), m.sum(0, keepdim=True).shape, m / m.sum(0))
m / m.sum(1)"""),
    ("code", """m / m.sum(1, keepdim=True)"""),
    ("code", """z = torch.zeros(4)
z[[0, 0, 1]] += 1  # a repeated index is written once
print(z)
z.index_add_(0, torch.tensor([0, 0, 1]), torch.ones(3))  # index_add_ accumulates
print(z)
print(torch.tensor(3) / 2, torch.tensor(7) // -2, torch.tensor(-7) % 3, 7 // torch.tensor(2.))
print(torch.tensor([1, 2]) == torch.tensor([1., 2.]), (torch.tensor([0.1]) * 3) == 0.3)
torch.zeros(3, dtype=torch.int64) + 0.5, torch.tensor([250], dtype=torch.uint8) + 10"""),
]

LESSONS = {
    "24_softmax_regression_and_mlp": SOFTMAX_AND_MLP,
    "25_custom_functions_init_schedules": FUNCTIONS_INIT_SCHEDULES,
    "26_broadcasting_indexing_pitfalls": PITFALLS,
}



def _raises(name: str, source: str) -> bool:
    """Cells whose error is the lesson (nbval's raises-exception tag): the kernel goes on past
    them when recording, and replay compares their errors."""
    if name == "25_custom_functions_init_schedules":
        return source.startswith(("class BadGrad", "model.load_state_dict({"))
    if name == "26_broadcasting_indexing_pitfalls":
        return not source.startswith(("import torch", "z = torch.zeros(4)", "x = torch.arange(12)")) \
            and source != "m / m.sum(1, keepdim=True)"
    return False


def build(name: str) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    for index, (kind, source) in enumerate(LESSONS[name]):
        if kind == "md":
            nb.cells.append(v4.new_markdown_cell(source, id=f"md-{index}"))
        else:
            cell = v4.new_code_cell(source, id=f"code-{index}")
            if _raises(name, source):
                cell.metadata["tags"] = ["raises-exception"]
            nb.cells.append(cell)
    return nb


def record(path: Path) -> None:
    """Run the notebook in a python3 Jupyter kernel (real PyTorch) and keep its outputs."""
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120, record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    # the kernel's own language_info (its Python version) would change with the recording machine
    nb.metadata["language_info"] = {"name": "python"}
    # the CPU the outputs were computed on, as `gradrepl replay --update` stamps it
    from gradrepl.engine.cpu_capability import isa, vendor
    nb.metadata["gradrepl"] = {"cpu_isa": isa(), "cpu_vendor": vendor()}
    nbformat.write(nb, str(path))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=SAMPLES)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in LESSONS:
        path = args.out / f"{name}.ipynb"
        nbformat.write(build(name), str(path))
        if not args.no_record:
            record(path)
        print(path)


if __name__ == "__main__":
    main()
