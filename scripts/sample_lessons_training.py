"""The training lessons of samples/ (torch.nn, torch.optim, torch.utils.data, torch.save), kept
apart from make_samples.py so each file stays readable; make_samples.py adds them to NEW_LESSONS."""

from __future__ import annotations


def lessons(md, code, raises) -> dict:
    return {
        "12_nn_module_and_state_dict": [
            md("""
# Modules, parameters and state dicts

`nn.Linear` holds its weight and bias as `Parameter`s, drawn from the seeded generator.
"""),
            code("""
import torch
import torch.nn as nn

torch.manual_seed(0)
layer = nn.Linear(3, 2)
layer
"""),
            code("""
layer.weight
"""),
            code("""
[(name, p.shape) for name, p in layer.named_parameters()]
"""),
            md("On a batch, the output records one `addmm`; on a single sample a view of it."),
            code("""
x = torch.randn(4, 3)
out = layer(x)
print(out)
print(layer(x[0]).grad_fn)
"""),
            md("Modules nest; `repr` shows the tree, `state_dict` every tensor by its path."),
            code("""
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        return self.head(self.body(x))

net = Net()
net
"""),
            code("""
net.state_dict()
"""),
            code("""
net.head.missing
""", raises),
            md("A state dict saved with `torch.save` loads back into a fresh model."),
            code("""
import os, tempfile

path = os.path.join(tempfile.mkdtemp(), "net.pt")
torch.save(net.state_dict(), path)
fresh = Net()
print(torch.equal(fresh.head.weight, net.head.weight))
print(fresh.load_state_dict(torch.load(path)))
print(torch.equal(fresh.head.weight, net.head.weight))
"""),
            code("""
fresh.load_state_dict({"head.weight": torch.zeros(1, 4)})
""", raises),
        ],
        "13_training_loop_sgd_dataloader": [
            md("""
# A training loop: `nn.Linear`, `SGD`, a `DataLoader` and a scheduler

Data from a line with noise; the loader shuffles it with the seeded generator.
"""),
            code("""
import torch
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(42)
x = torch.linspace(-1, 1, 32).unsqueeze(1)
y = 2 * x + 0.5 + 0.1 * torch.randn(32, 1)
loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
[batch_y.shape for _, batch_y in loader]
"""),
            code("""
model = nn.Linear(1, 1)
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
optimizer
"""),
            code("""
for epoch in range(4):
    for batch_x, batch_y in loader:
        optimizer.zero_grad()
        loss = ((model(batch_x) - batch_y) ** 2).mean()
        loss.backward()
        optimizer.step()
    scheduler.step()
    print(epoch, round(loss.item(), 4), scheduler.get_last_lr())
"""),
            code("""
model.weight, model.bias
"""),
            code("""
optimizer.state_dict()["param_groups"]
"""),
        ],
    }
