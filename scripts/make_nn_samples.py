"""Build issue 9's training lessons in ``samples/`` (14-16, 18, 19) with nbformat, outputs empty.

    python scripts/make_nn_samples.py [--out samples]
    PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update samples/1[4-689]_*.ipynb

(Saving and loading a state dict is samples/12, a training loop with SGD and a DataLoader 13.)

Outputs are never typed: the second command records them from real PyTorch 2.13. The lessons print
what a learner looks at (module reprs, losses with ``.item()`` at a few checkpoints, trained
weights) and stay where gradrepl matches PyTorch bit for bit (docs/nn.md, "Numerics").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
from nbformat import v4

ROOT = Path(__file__).resolve().parent.parent


def md(text: str):
    return v4.new_markdown_cell(text.strip("\n"))


def code(text: str):
    return v4.new_code_cell(text.strip("\n"))


def raising(text: str):
    """A cell whose error is the lesson: replay records and compares it (nbval's tag)."""
    cell = code(text)
    cell.metadata["tags"] = ["raises-exception"]
    return cell


LINEAR_REGRESSION = [
    md("""
# Linear regression: by hand, then with `nn.Linear`, `MSELoss` and `SGD`

Data from a known line, `y = 2x + 1` plus a little noise, and a model that has to find it.
"""),
    code("""
import torch

torch.manual_seed(0)
x = torch.linspace(0, 1, 20).unsqueeze(1)
y = 2 * x + 1 + 0.1 * torch.randn(20, 1)
print(x.shape, y.shape)
"""),
    md("## By hand\nTwo leaf tensors, the mean squared error, `backward`, and an update under `no_grad`."),
    code("""
w = torch.zeros(1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.5

for step in range(201):
    loss = ((x * w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad.zero_()
    b.grad.zero_()
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.6f}")
"""),
    code("""
print(w, b)
"""),
    md("## With `torch.nn`\nThe same model as a module: `nn.Linear(1, 1)` holds `weight` and `bias` as parameters."),
    code("""
torch.manual_seed(0)
model = torch.nn.Linear(1, 1)
model
"""),
    code("""
for name, p in model.named_parameters():
    print(name, p)
"""),
    code("""
loss_fn = torch.nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

for step in range(201):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 50 == 0:
        print(f"step {step:3d}  loss {loss.item():.6f}")
"""),
    code("""
print(model.weight)
print(model.bias)
"""),
    md("A prediction carries the graph of the model's last operation:"),
    code("""
model(torch.tensor([[0.5]]))
"""),
]

CLASSIFIER = [
    md("""
# A small classifier: `Sequential`, `CrossEntropyLoss`, `Adam`, a `DataLoader` and a scheduler

Three clusters of points in the plane, one per class.
"""),
    code("""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
centres = torch.tensor([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
labels = torch.tensor([0, 1, 2] * 40)
points = centres[labels] + 0.7 * torch.randn(120, 2)
dataset = TensorDataset(points, labels)
loader = DataLoader(dataset, batch_size=16, shuffle=True)
print(len(dataset), len(loader))
"""),
    code("""
xb, yb = next(iter(loader))
print(xb.shape, yb)
"""),
    code("""
model = nn.Sequential(
    nn.Linear(2, 16),
    nn.ReLU(),
    nn.Linear(16, 3),
)
model
"""),
    code("""
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
print(scheduler.get_last_lr())
"""),
    code("""
for epoch in range(15):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    scheduler.step()
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1:2d}  mean loss {total / len(dataset):.4f}  lr {scheduler.get_last_lr()[0]}")
"""),
    md("Accuracy on the training points, evaluated without building a graph:"),
    code("""
with torch.no_grad():
    predicted = model(points).argmax(dim=1)
print((predicted == labels).float().mean())
"""),
    code("""
logits = model(torch.tensor([[0.0, 2.0], [2.0, -1.0]]))
print(logits.argmax(dim=1))
print(logits.grad_fn)
"""),
]

SMALL_CNN = [
    md("""
# A small CNN: forward and backward on random images

Two convolutions, max pooling and a linear head, on a batch of four 1x8x8 "images".
"""),
    code("""
import torch
from torch import nn

torch.manual_seed(0)
cnn = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=3, padding=1),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(4, 8, kernel_size=3),
    nn.ReLU(),
    nn.Flatten(),
    nn.Linear(8 * 2 * 2, 3),
)
cnn
"""),
    code("""
images = torch.randn(4, 1, 8, 8)
targets = torch.tensor([0, 2, 1, 2])
out = images
for layer in cnn:
    out = layer(out)
    print(f"{type(layer).__name__:10s} {tuple(out.shape)}")
"""),
    code("""
logits = cnn(images)
logits
"""),
    code("""
loss = nn.functional.cross_entropy(logits, targets)
loss.backward()
print(loss)
"""),
    md("Every parameter now holds a gradient of its own shape:"),
    code("""
for name, p in cnn.named_parameters():
    print(f"{name:10s} {str(tuple(p.shape)):14s} grad {tuple(p.grad.shape)}")
"""),
    code("""
cnn[0].bias.grad
"""),
    md("Max pooling keeps one input position per 2x2 window, and only those receive gradient:"),
    code("""
pooled = cnn[2](cnn[1](cnn[0](images)))
print(pooled.shape, pooled.grad_fn)
"""),
]

SEQUENCES = [
    md("""
# Sequences: `nn.LSTM`, `nn.GRU`, packed batches and circular padding

A two-layer LSTM over a batch of two sequences of five 3-feature steps.
"""),
    code("""
import torch
from torch import nn

torch.manual_seed(0)
lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, batch_first=True)
print(lstm)
for name, p in lstm.named_parameters():
    print(f"{name:14s} {tuple(p.shape)}")
"""),
    code("""
x = torch.randn(2, 5, 3)
out, (h_n, c_n) = lstm(x)
print(out.shape, h_n.shape, c_n.shape)
print(out.grad_fn, h_n.grad_fn)
out[:, -1]
"""),
    md("The last step of the top layer is the top layer's final hidden state:"),
    code("""
torch.equal(out[:, -1], h_n[-1])
"""),
    md("""
Sequences of different lengths: pack the padded batch so that the LSTM stops each sequence at
its own length, then pad the result back.
"""),
    code("""
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

packed = pack_padded_sequence(x, lengths=[5, 2], batch_first=True)
print(packed.batch_sizes)
packed_out, (h, c) = lstm(packed)
padded, lengths = pad_packed_sequence(packed_out, batch_first=True)
print(lengths)
padded[1]
"""),
    md("A bidirectional GRU reads the sequence both ways; a linear head classifies it:"),
    code("""
gru = nn.GRU(3, 4, bidirectional=True, batch_first=True)
head = nn.Linear(8, 2)
logits = head(gru(x)[0][:, -1])
loss = nn.functional.cross_entropy(logits, torch.tensor([0, 1]))
loss.backward()
print(f"loss {loss.item():.4f}")
print(gru.weight_hh_l0_reverse.grad.shape)
"""),
    md("Circular padding wraps the sequence around, as for periodic signals:"),
    code("""
conv = nn.Conv1d(1, 1, kernel_size=3, padding=1, padding_mode="circular", bias=False)
print(conv)
signal = torch.arange(6.0).reshape(1, 1, 6)
print(nn.functional.pad(signal, (1, 1), mode="circular"))
"""),
]

GRADIENTS_OF_GRADIENTS = [
    md("""
# Gradients of gradients: a gradient penalty and a Newton step

A WGAN-GP critic is penalised when the norm of its gradient with respect to its input strays
from 1. The penalty is a function of a gradient, so the gradient is taken with
`create_graph=True` and differentiated again.
"""),
    code("""
import torch
from torch import nn

torch.manual_seed(0)
critic = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Linear(8, 8), nn.Hardtanh(),
                       nn.Linear(8, 1))
real, fake = torch.randn(4, 2), torch.randn(4, 2) * 2
alpha = torch.rand(4, 1)
mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
score = critic(mixed)
grads, = torch.autograd.grad(score, mixed, torch.ones_like(score), create_graph=True)
grads
"""),
    code("""
penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean()
loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
loss.backward()
print(penalty)
critic[0].weight.grad
"""),
    md("Without `create_graph=True` the gradient is a constant, and nothing flows back through it:"),
    raising("""
g, = torch.autograd.grad(critic(mixed).sum(), mixed)
g.norm().backward()
"""),
    md("""
`torch.autograd.functional` builds whole Jacobians and Hessians the same way. Newton's method
steps by the Hessian's inverse applied to the gradient (in double precision: float32's
`torch.linalg.solve` rounds as MKL's LAPACK does, which gradrepl does not reproduce yet):
"""),
    code("""
from torch.autograd.functional import hessian, jacobian

def f(w):
    return (w[0] - 1) ** 4 + (w[0] - 2 * w[1]) ** 2

w = torch.tensor([0.0, 3.0], dtype=torch.float64)
for step in range(4):
    g, H = jacobian(f, w), hessian(f, w)
    w = w - torch.linalg.solve(H, g)
    print(step, w, f"{f(w).item():.6g}")
H
"""),
    md("A small CNN with circular padding and batch normalisation, trained for three steps:"),
    code("""
torch.manual_seed(1)
net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, padding_mode="circular"), nn.BatchNorm2d(4),
                    nn.ReLU6(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3))
x, y = torch.randn(6, 1, 6, 6), torch.tensor([0, 1, 2, 0, 1, 2])
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
for epoch in range(3):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    print(epoch, f"{loss.item():.6f}")
net[1].running_mean, net[1].num_batches_tracked
"""),
]

LESSONS = {
    "14_linear_regression": LINEAR_REGRESSION,
    "15_classifier": CLASSIFIER,
    "16_small_cnn": SMALL_CNN,
    "18_sequences_lstm": SEQUENCES,
    "19_gradients_of_gradients": GRADIENTS_OF_GRADIENTS,
}


def build(cells) -> nbformat.NotebookNode:
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(notebook.cells):
        cell.id = f"{cell.cell_type[:4]}-{index}"  # stable ids: rebuilding changes nothing
    nbformat.validate(notebook)
    return notebook


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "samples")
    args = parser.parse_args()
    for name, cells in LESSONS.items():
        path = args.out / f"{name}.ipynb"
        nbformat.write(build(cells), path)
        print(path)


if __name__ == "__main__":
    main()
