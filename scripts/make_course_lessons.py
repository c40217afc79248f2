"""Build three course-style lessons in ``samples/`` (21-23) with nbformat, outputs empty.

    python scripts/make_course_lessons.py [--out samples]
    PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update samples/2[123]_*.ipynb

21 follows the shape of PyTorch's "Learning PyTorch with Examples" (a cubic fit of sin(x) by
hand, then with autograd, ``nn``, ``optim``, a custom ``nn.Module`` and a custom
``autograd.Function``); 22 a university course's data pipeline (a ``Dataset`` subclass, a
shuffling ``DataLoader``, ``StepLR``, a validation loop under ``model.eval()`` and
``torch.no_grad()``, accuracy by ``argmax``); 23 the "Tensors" tutorial (creation, indexing,
dtypes, ``cat``/``stack``, reshaping, in-place ops, the numpy bridge). Outputs are never typed:
the second command records them from real PyTorch 2.13. tests/replay/test_built_lessons.py
checks the committed notebooks are this script's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
from nbformat import v4

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

POLYNOMIAL_FIT = [
    ("md", """# Learning PyTorch with examples: fitting sin(x) with a cubic

The same problem five times: predict `y = sin(x)` on [-pi, pi] with
`y = a + b x + c x^2 + d x^3`, first with gradients written by hand, then with autograd,
then with `nn`, then with an optimizer, and last with our own `nn.Module` and our own
`autograd.Function`.

200 points on [-pi, pi]; the targets `sin(x)` are computed in double precision and rounded to
float, so that they are the correctly rounded values on every machine (float32 `sin` is MKL's in
PyTorch, and its last bits depend on the CPU)."""),
    ("code", """import math
import torch

dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 200, device=device, dtype=dtype)
y = torch.sin(x.double()).to(dtype)
print(x.shape, y.dtype, x[:3], y[-3:])"""),
    ("md", """## Tensors, gradients by hand

Forward pass, the sum of squared errors, and its gradient with respect to each coefficient
written out with the chain rule."""),
    ("code", """torch.manual_seed(0)
a = torch.randn((), device=device, dtype=dtype)
b = torch.randn((), device=device, dtype=dtype)
c = torch.randn((), device=device, dtype=dtype)
d = torch.randn((), device=device, dtype=dtype)

learning_rate = 3e-5
for t in range(500):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print(t, loss)

    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()

    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')"""),
    ("md", """## Autograd

The same loop with `requires_grad=True`: `loss.backward()` fills `a.grad` ... `d.grad`, the
update runs under `torch.no_grad()`, and the gradients are zeroed by hand."""),
    ("code", """torch.manual_seed(0)
a = torch.randn((), dtype=dtype, requires_grad=True)
b = torch.randn((), dtype=dtype, requires_grad=True)
c = torch.randn((), dtype=dtype, requires_grad=True)
d = torch.randn((), dtype=dtype, requires_grad=True)

for t in range(500):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(loss, a.grad)
print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')"""),
    ("md", """## `nn`

The polynomial is a linear layer over the features `(x, x^2, x^3)`: `x.unsqueeze(-1).pow(p)`
broadcasts to a `(200, 3)` tensor."""),
    ("code", """p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print(xx.shape, xx.dtype)

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
loss_fn = torch.nn.MSELoss(reduction='sum')
model"""),
    ("code", """learning_rate = 3e-5
for t in range(500):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())

    model.zero_grad()
    loss.backward()

    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')"""),
    ("md", """## `optim`

`RMSprop` instead of the hand-written update: `optimizer.zero_grad()`, `backward()`,
`optimizer.step()`."""),
    ("code", """torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 5e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
print(optimizer)
for t in range(500):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')"""),
    ("md", """## A custom `nn.Module`

Four `nn.Parameter`s, a `forward`, and a `string` method for the result."""),
    ("code", """class Polynomial3(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'


torch.manual_seed(0)
model = Polynomial3()
print(model)
print([name for name, _ in model.named_parameters()])
print(sum(p.numel() for p in model.parameters()))

criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=3e-5)
for t in range(500):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')"""),
    ("md", """## A custom `autograd.Function`

`y = a + b P3(c + d x)` with the Legendre polynomial `P3(x) = (5x^3 - 3x) / 2`, its forward
and backward written by hand."""),
    ("code", """class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


torch.manual_seed(0)
a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)

learning_rate = 5e-5
for t in range(500):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    loss.backward()

    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(y_pred.grad_fn, y_pred.grad_fn.next_functions[1][0].next_functions)
print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')"""),
    ("code", """P3 = LegendrePolynomial3.apply
t = torch.tensor([0.5, -0.25], dtype=torch.double, requires_grad=True)
torch.autograd.gradcheck(P3, (t,)), P3(t)"""),
]

DATA_PIPELINE = [
    ("md", """# Datasets, DataLoaders, training and validation

A course's usual pipeline on synthetic data: three clusters of points in the plane, a
`Dataset` subclass, a shuffling `DataLoader`, a small network trained with `SGD` and a
`StepLR` schedule, and a validation pass under `model.eval()` and `torch.no_grad()`."""),
    ("code", """import torch
from torch import nn
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(42)


class Blobs(Dataset):
    \"\"\"n points around each of three centres, labelled 0, 1, 2.\"\"\"

    centres = torch.tensor([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])

    def __init__(self, n_per_class, noise=0.8):
        labels = torch.arange(3).repeat_interleave(n_per_class)
        self.points = self.centres[labels] + noise * torch.randn(len(labels), 2)
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.points[idx], self.labels[idx]


train_set = Blobs(40)
val_set = Blobs(10)
print(len(train_set), len(val_set))
point, label = train_set[0]
print(point, label, point.dtype, label.dtype)"""),
    ("code", """train_loader = DataLoader(train_set, batch_size=16, shuffle=True)
val_loader = DataLoader(val_set, batch_size=8)
print(len(train_loader), len(val_loader))

xb, yb = next(iter(train_loader))
print(xb.shape, yb.shape)
print(yb)"""),
    ("code", """class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(2, 16)
        self.dropout = nn.Dropout(0.2)
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        x = torch.relu(self.hidden(x))
        x = self.dropout(x)
        return self.out(x)


model = Net()
print(model)
print(sum(p.numel() for p in model.parameters() if p.requires_grad))"""),
    ("code", """criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)


def evaluate(model, loader):
    model.eval()
    total_loss, correct, total = 0.0, 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            outputs = model(inputs)
            total_loss += criterion(outputs, targets).item() * inputs.size(0)
            predicted = outputs.argmax(dim=1)
            correct += (predicted == targets).sum().item()
            total += targets.size(0)
    return total_loss / total, correct / total


for epoch in range(4):
    model.train()
    running_loss = 0.0
    for i, (inputs, targets) in enumerate(train_loader):
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 4 == 3:
            print(f'[{epoch + 1}, {i + 1:3d}] loss: {running_loss / 4:.4f}')
            running_loss = 0.0
    val_loss, val_acc = evaluate(model, val_loader)
    print(f'epoch {epoch + 1}: lr {scheduler.get_last_lr()[0]:.4f}, '
          f'val loss {val_loss:.4f}, val accuracy {val_acc:.2%}')
    scheduler.step()"""),
    ("code", """model.eval()
with torch.no_grad():
    logits = model(val_set.points[:5])
    probs = torch.softmax(logits, dim=1)
print(model.training, logits.requires_grad)
print(probs)
print(probs.argmax(1), val_set.labels[:5])
print(optimizer.param_groups[0]['lr'], scheduler.state_dict()['last_epoch'])"""),
    ("code", """confusion = torch.zeros(3, 3, dtype=torch.long)
with torch.no_grad():
    for inputs, targets in val_loader:
        predicted = model(inputs).argmax(1)
        for t, p in zip(targets, predicted):
            confusion[t, p] += 1
confusion, confusion.diag().sum().item() / confusion.sum().item()"""),
]

TENSOR_BASICS = [
    ("md", """# Tensors

Creating tensors, their shapes and dtypes, indexing and slicing, joining and reshaping, in-place
operations, and the bridge to numpy."""),
    ("code", """import torch
import numpy as np

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_data, x_data.dtype)
print(x_np, x_np.dtype)"""),
    ("code", """x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \\n {x_ones} \\n")

torch.manual_seed(0)
x_rand = torch.rand_like(x_data, dtype=torch.float)
print(f"Random Tensor: \\n {x_rand} \\n")

shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Random Tensor: \\n {rand_tensor} \\n")
print(f"Ones Tensor: \\n {ones_tensor} \\n")
print(f"Zeros Tensor: \\n {zeros_tensor}")"""),
    ("code", """print(torch.arange(5), torch.arange(1, 4, 0.5))
print(torch.linspace(0, 1, steps=5))
print(torch.full((2, 2), 7), torch.full((2,), 0.5))
print(torch.eye(3, dtype=torch.int32))
print(torch.zeros(2, 3, dtype=torch.float64))
print(torch.empty(3, 0).shape, torch.tensor(3.5), torch.tensor([True, False]))
torch.randint(0, 10, (3, 4)), torch.randn(2, 2, dtype=torch.double)"""),
    ("code", """tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
print(tensor.size(), tensor.size(1), tensor.ndim, tensor.dim(), tensor.numel())
print(tensor.stride(), tensor.is_contiguous(), tensor.T.is_contiguous(), tensor.T.stride())"""),
    ("md", "## Indexing and slicing"),
    ("code", """tensor = torch.arange(1., 17.).reshape(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
print(tensor[1:3, 1:3])
print(tensor[::2, ::-1] if False else tensor[::2, 1::2])
print(tensor[[0, 2], [1, 3]], tensor[tensor > 10])
tensor[:, 1] = 0
print(tensor)"""),
    ("code", """t = torch.arange(24).view(2, 3, 4)
print(t[1, 2], t[1, 2, 3], t[1, 2, 3].item())
print(t[:, None, 0].shape, t[..., 1:].shape, t[-1, -1, -2:])
mask = t % 5 == 0
print(mask.dtype, mask.sum(), t.masked_fill(~mask, -1)[0])"""),
    ("md", "## Dtypes"),
    ("code", """i = torch.tensor([1, 2, 3])
f = i.float()
print(i.dtype, f.dtype, i.double().dtype, f.long().dtype, f.half(), i.to(torch.int8).dtype)
print(torch.tensor([1.7, -1.7, 2.5]).int(), torch.tensor([0, 1, 2]).bool())
print(i / 2, i // 2, (i / 2).dtype, (i * 1.5).dtype, (i + True).dtype)
print(i.type(torch.float64), f.type(), torch.tensor([1, 2], dtype=torch.uint8) - 3)
print(torch.get_default_dtype(), torch.tensor(1).dtype, torch.tensor(1.).dtype, torch.tensor(1j).dtype if False else torch.tensor(1e10).dtype)"""),
    ("md", "## Joining tensors"),
    ("code", """a = torch.ones(2, 3)
b = torch.zeros(2, 3)
print(torch.cat([a, b, a], dim=1))
print(torch.cat((a, b)).shape, torch.cat((a, b), 1).shape)
print(torch.stack([a, b]).shape, torch.stack([a, b], dim=2).shape)
print(torch.hstack([a, b]).shape, torch.vstack([a, b]).shape)
torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], dim=1)"""),
    ("md", "## Reshaping"),
    ("code", """x = torch.arange(12)
print(x.view(3, 4))
print(x.reshape(2, -1).shape, x.view(-1, 2, 3).shape)
y = x.view(3, 4).t()
print(y.is_contiguous(), y.contiguous().view(12))
print(y.reshape(12))
z = torch.zeros(1, 3, 1, 2)
print(z.squeeze().shape, z.squeeze(0).shape, z.unsqueeze(-1).shape, z.flatten().shape)
print(torch.rand(2, 3, 4).permute(2, 0, 1).shape, torch.rand(2, 3, 4).transpose(0, 2).shape)
print(x.chunk(3), x.split(5))"""),
    ("code", """x.view(5, 2)"""),
    ("md", "## Arithmetic and in-place operations"),
    ("code", """tensor = torch.ones(4, 4)
tensor[:, 1] = 0
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
z1 = tensor * tensor
z2 = tensor.mul(tensor)
print(y1, torch.equal(y1, y3), torch.equal(z1, z2))
agg = tensor.sum()
agg_item = agg.item()
print(agg, agg_item, type(agg_item))"""),
    ("code", """print(f"{tensor} \\n")
tensor.add_(5)
print(tensor)
tensor.mul_(2).sub_(1)
print(tensor[0], tensor.clamp_(max=10)[0])
t = torch.zeros(3)
t.copy_(torch.tensor([1, 2, 3]))
t.fill_(2.5), t.zero_(), t.dtype"""),
    ("md", "## Bridge with NumPy\n\nA tensor on the CPU and the numpy array made from it share memory."),
    ("code", """t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")
print(type(n), n.dtype, n.shape)"""),
    ("code", """n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
c = torch.tensor(n)
n[0] = 100
print(t, c)
print(torch.as_tensor(n).dtype, torch.from_numpy(np.arange(3, dtype=np.int32)))
a = torch.arange(6.).reshape(2, 3)
print(a.numpy().tolist(), a.tolist(), a[0].numpy(), a.T.numpy().flags['C_CONTIGUOUS'])"""),
]

LESSONS = {
    "21_learning_pytorch_with_examples": POLYNOMIAL_FIT,
    "22_dataset_dataloader_validation": DATA_PIPELINE,
    "23_tensor_basics": TENSOR_BASICS,
}

# Cells whose error is the lesson: replay records and compares it (nbval's tag).
RAISING = {"x.view(5, 2)"}


def build(cells) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    for index, (kind, source) in enumerate(cells):
        if kind == "md":
            nb.cells.append(v4.new_markdown_cell(source, id=f"md-{index}"))
        else:
            cell = v4.new_code_cell(source, id=f"code-{index}")
            if source in RAISING:
                cell.metadata["tags"] = ["raises-exception"]
            nb.cells.append(cell)
    return nb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=SAMPLES)
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for name, cells in LESSONS.items():
        path = out / f"{name}.ipynb"
        nbformat.write(build(cells), str(path))
        print(path)
    print("now record outputs: PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update",
          " ".join(str(out / f"{name}.ipynb") for name in LESSONS))


if __name__ == "__main__":
    main()
