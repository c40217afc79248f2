"""Build ``samples/``: the five seed lessons as notebooks, plus lessons on what the seeds only mention.

    python scripts/make_samples.py [--seeds ../shared/seeds] [--out samples]
    gradrepl replay --engine torch --update samples/     # record the outputs from real PyTorch

The notebooks are written with empty outputs; outputs are never typed by hand but recorded from real
PyTorch with the second command. Existing notebooks are overwritten.

A seed lesson is the text of a rendered notebook: ``In [n]:`` headers, each followed by the cell's
code, then what it printed, then markdown until the next header. Paragraphs (separated by blank lines)
after a header are code while they parse as Python and do not look like printed output; markdown
headings (``## ...``) end the code too. ``seed_outputs`` keeps what each seed shows under a cell so
tests can check the recorded outputs against the seeds.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}

SEED_NAMES = {
    "000": "01_backprop_one_and_many_steps",
    "001": "02_backprop_with_explanations",
    "002": "03_autograd_tutorial",
    "003": "04_pytorch_gradients",
    "004": "05_pytorch_gradients_plain",
}

_HEADER = re.compile(r"^In \[(?:\d+|None| *)\]:\s*$")
# What printed values look like in the seeds: tensors, torch types, grad_fn objects, plain values.
_OUTPUT_START = re.compile(r"^(tensor\(|torch\.|<\w+ (?:object )?at 0x|Parameter containing|True$|False$|None$|\d|\[|\(|\{)")


# --- parsing seed lessons ----------------------------------------------------------------------------

def _paragraphs(lines: list[str]) -> list[str]:
    text = "\n".join(lines).strip("\n")
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()] if text else []


def _is_code(paragraph: str) -> bool:
    if _OUTPUT_START.match(paragraph):
        return False
    if all(line.lstrip().startswith("##") for line in paragraph.splitlines()):
        return False  # a markdown heading, not a comment
    try:
        ast.parse(paragraph)
    except SyntaxError:
        return False
    return True


def parse_seed(text: str) -> list[dict]:
    """Cells as dicts: {"type": "code", "source", "seed_output"} or {"type": "markdown", "source"}."""
    cells: list[dict] = []
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if _HEADER.match(line):
            blocks.append([])
        else:
            blocks[-1].append(line)
    preamble, code_blocks = blocks[0], blocks[1:]
    _add_markdown(cells, _paragraphs(preamble))
    for block in code_blocks:
        paragraphs = _paragraphs(block)
        code = [paragraphs.pop(0)] if paragraphs else [""]
        while paragraphs and _is_code(paragraphs[0]):
            code.append(paragraphs.pop(0))
        output = paragraphs.pop(0) if paragraphs and _OUTPUT_START.match(paragraphs[0]) else ""
        cells.append({"type": "code", "source": "\n\n".join(code).rstrip(), "seed_output": output})
        _add_markdown(cells, paragraphs)
    return cells


def _add_markdown(cells: list[dict], paragraphs: list[str]) -> None:
    if paragraphs:
        cells.append({"type": "markdown", "source": "\n\n".join(paragraphs)})


# --- new lessons ---------------------------------------------------------------------------------------

def md(text: str) -> dict:
    return {"type": "markdown", "source": text.strip("\n")}


def code(text: str, tags: tuple[str, ...] = ()) -> dict:
    return {"type": "code", "source": text.strip("\n"), "tags": list(tags)}


RAISES = ("raises-exception",)

NEW_LESSONS = {
    "06_requires_grad_": [
        md("""
# Switching tracking on and off: `requires_grad_`

A tensor made from data does not track operations. `.requires_grad_()` switches tracking on
*in place* (the trailing underscore marks in-place methods) and returns the tensor itself.
"""),
        code("""
import torch

a = torch.tensor([1.0, 2.0, 3.0])
a.requires_grad
"""),
        code("""
a.requires_grad_()
"""),
        md("Operations on `a` are now recorded: the result has a `grad_fn`."),
        code("""
b = (a * a).sum()
print(b)
print(b.grad_fn)
"""),
        code("""
b.backward()
a.grad
"""),
        md("Pass `False` to switch tracking off again. Later results no longer have a `grad_fn`."),
        code("""
a.requires_grad_(False)
c = (a * a).sum()
print(c.requires_grad, c.grad_fn)
"""),
        md("""
Only *leaf* tensors (made by you, not by an operation) can change the flag. Trying it on a result
of an operation is an error:
"""),
        code("""
x = torch.tensor(2.0, requires_grad=True)
y = x * 3
y.requires_grad_(False)
""", RAISES),
        md("Integer tensors cannot require gradients at all: gradients are only defined for floating point."),
        code("""
n = torch.tensor([1, 2, 3])
n.requires_grad_()
""", RAISES),
    ],
    "07_no_grad": [
        md("""
# Evaluating without building a graph: `torch.no_grad`

Inside `with torch.no_grad():` results are not recorded, even when the inputs require gradients.
This saves memory when you only evaluate, and it is how parameters are updated by hand.
"""),
        code("""
import torch

w = torch.tensor([0.5, -1.0], requires_grad=True)
x = torch.tensor([2.0, 3.0])

y = (w * x).sum()
print(y)
"""),
        code("""
with torch.no_grad():
    y_eval = (w * x).sum()
print(y_eval)
print(y_eval.requires_grad)
"""),
        md("`torch.is_grad_enabled()` tells you which mode you are in."),
        code("""
print(torch.is_grad_enabled())
with torch.no_grad():
    print(torch.is_grad_enabled())
print(torch.is_grad_enabled())
"""),
        md("A result made under `no_grad` has no `grad_fn`, so it cannot be back-propagated:"),
        code("""
y_eval.backward()
""", RAISES),
        md("`no_grad` also works as a decorator, and `torch.set_grad_enabled(flag)` switches by a condition."),
        code("""
@torch.no_grad()
def evaluate(w, x):
    return (w * x).sum()

print(evaluate(w, x))

training = False
with torch.set_grad_enabled(training):
    z = w * 2
print(z.requires_grad)
"""),
        md("Tensors you *create* with `requires_grad=True` inside `no_grad` still require gradients."),
        code("""
with torch.no_grad():
    fresh = torch.ones(2, requires_grad=True)
    doubled = fresh * 2
print(fresh.requires_grad, doubled.requires_grad)
"""),
        md("The classic use: a manual gradient-descent step must not itself be recorded."),
        code("""
loss = ((w * x).sum() - 1.0) ** 2
loss.backward()
print(w.grad)

with torch.no_grad():
    w -= 0.01 * w.grad
print(w)
"""),
    ],
    "08_detach": [
        md("""
# Cutting a tensor out of the graph: `detach`

`.detach()` returns a tensor with the same values that does not require gradients and has no
history. Gradients do not flow back through it.
"""),
        code("""
import torch

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x ** 2
d = y.detach()
print(y)
print(d)
print(d.requires_grad, d.grad_fn, d.is_leaf)
"""),
        md("A detached tensor shares its data with the original: changing one changes the other."),
        code("""
d[0] = 100.0
print(y)
"""),
        md("Use `.clone()` as well when you need an independent copy."),
        code("""
safe = y.detach().clone()
safe[1] = -1.0
print(y)
print(safe)
"""),
        md("Detaching treats part of a computation as a constant: here only the first factor gets a gradient."),
        code("""
a = torch.tensor(3.0, requires_grad=True)
out = a * a.detach()
out.backward()
print(out)
print(a.grad)
"""),
        md("Compare with the ordinary product, whose derivative is `2a`:"),
        code("""
b = torch.tensor(3.0, requires_grad=True)
(b * b).backward()
b.grad
"""),
    ],
    "09_autograd_grad_and_backward": [
        md("""
# `torch.autograd.grad` and `torch.autograd.backward`

`tensor.backward()` accumulates gradients into the `.grad` of every leaf. The functions in
`torch.autograd` give finer control.

## `torch.autograd.grad`: gradients returned, not stored
"""),
        code("""
import torch

x = torch.tensor(2.0, requires_grad=True)
y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
(dy_dx,) = torch.autograd.grad(y, x)
print(dy_dx)
print(x.grad)
"""),
        md("With several inputs you get one gradient per input, in order."),
        code("""
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, 4.0], requires_grad=True)
loss = (a * b).sum()
torch.autograd.grad(loss, [a, b])
"""),
        md("""
`create_graph=True` records the gradient computation itself, so you can differentiate again:
the second derivative of `y` is `24x^2 + 6x + 6`, which is 114 at `x = 2`.
"""),
        code("""
x = torch.tensor(2.0, requires_grad=True)
y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
(first,) = torch.autograd.grad(y, x, create_graph=True)
(second,) = torch.autograd.grad(first, x)
print(first)
print(second)
"""),
        md("For a non-scalar output, pass `grad_outputs`: the vector the Jacobian is multiplied by."),
        code("""
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = v * v
torch.autograd.grad(w, v, grad_outputs=torch.ones(3))
"""),
        md("""
## `torch.autograd.backward`: several outputs at once

It accumulates into `.grad` like `tensor.backward()`, for a list of outputs, each with its own
gradient.
"""),
        code("""
p = torch.tensor([1.0, 2.0], requires_grad=True)
out1 = (p * 2).sum()
out2 = (p ** 2).sum()
torch.autograd.backward([out1, out2])
p.grad
"""),
        code("""
q = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
r = q * 3
torch.autograd.backward(r, grad_tensors=torch.tensor([1.0, 0.1, 0.01]))
q.grad
"""),
    ],
    "10_gradient_accumulation_and_zero_": [
        md("""
# Gradients accumulate: `zero_()`

Each call to `backward()` *adds* to `.grad`. This is deliberate (it lets you sum gradients over
several batches), but it means you must reset gradients between steps.
"""),
        code("""
import torch

x = torch.tensor(2.0, requires_grad=True)
for step in range(3):
    y = 3 * x ** 2
    y.backward()
    print(step, x.grad)
"""),
        md("Reset in place with `zero_()`, or set `.grad` to `None`:"),
        code("""
x.grad.zero_()
print(x.grad)

y = 3 * x ** 2
y.backward()
print(x.grad)
"""),
        code("""
x.grad = None
print(x.grad)
"""),
        md("""
A graph is freed by `backward()`, so calling it twice on the same result fails ...
"""),
        code("""
z = x * x
z.backward()
z.backward()
""", RAISES),
        md("... unless the first call keeps the graph with `retain_graph=True`; the gradients then add up."),
        code("""
x.grad = None
z = x * x
z.backward(retain_graph=True)
z.backward()
x.grad
"""),
        md("""
## Putting it together: gradient descent by hand

Fit `w` so that `w * 3` is close to `6`. Each step computes the loss, back-propagates, updates `w`
without recording the update, and zeroes the gradient.
"""),
        code("""
w = torch.tensor(0.0, requires_grad=True)
for step in range(5):
    loss = (w * 3 - 6) ** 2
    loss.backward()
    with torch.no_grad():
        w -= 0.05 * w.grad
    w.grad.zero_()
    print(f"step {step}: loss {loss.item():.4f}, w {w.item():.4f}")
"""),
        md("Accumulating on purpose: two half-batches give the same gradient as the whole batch."),
        code("""
data = torch.tensor([1.0, 2.0, 3.0, 4.0])
w = torch.tensor(1.0, requires_grad=True)
(w * data).sum().backward()
whole = w.grad.clone()

w.grad.zero_()
(w * data[:2]).sum().backward()
(w * data[2:]).sum().backward()
print(whole, w.grad)
"""),
    ],
    "11_custom_functions_jacobians_hooks": [
        md("""
# Beyond `backward()`: custom Functions, Jacobians and hooks

A `torch.autograd.Function` is an op whose forward *and* backward you write yourself. Both are
static methods; `ctx` carries what the backward needs from the forward.
"""),
        code("""
import torch

class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = x.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result

x = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
y = Exp.apply(x)
print(y)
print(y.grad_fn.name(), y.grad_fn.next_functions[0][0].name())
"""),
        code("""
y.sum().backward()
x.grad
"""),
        md("Use it through `apply` only: calling the class is the pre-2018 style, and torch refuses it."),
        code("""
Exp()(x)
""", RAISES),
        md("The saved tensors are freed by `backward()`, like those of any op:"),
        code("""
y.sum().backward()
""", RAISES),
        md("""
`gradcheck` compares the backward with finite differences (in float64) and says where they differ.
This backward forgets the factor 2 of `x ** 2`:
"""),
        code("""
class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * x

inputs = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(Exp.apply, (inputs,)))
print(torch.autograd.gradcheck(Square.apply, (inputs,), raise_exception=False))
"""),
        code("""
torch.autograd.gradcheck(Square.apply, (inputs,))
""", RAISES),
        md("""
A backward written with differentiable ops can be differentiated again (`create_graph=True`):
the second derivative of `exp` is `exp`.
"""),
        code("""
x = torch.tensor([0.0, 1.0], requires_grad=True)
(dx,) = torch.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
(d2x,) = torch.autograd.grad(dx.sum(), x)
print(dx)
print(d2x)
"""),
        md("""
## Jacobians and Hessians

`torch.autograd.functional` differentiates a whole function. A tensor input gives a tensor; a
tuple of inputs gives a tuple, one entry per input.
"""),
        code("""
from torch.autograd.functional import hessian, hvp, jacobian, vjp

def f(x):
    return x ** 2 + x.sin()

x = torch.tensor([0.0, 1.0, 2.0])
jacobian(f, x)
"""),
        code("""
def g(x, y):
    return x * y.exp()

jacobian(g, (torch.tensor([1.0, 2.0]), torch.tensor([0.0, 1.0])))
"""),
        code("""
def energy(x):
    return (x ** 3).sum() + x[0] * x[1]

hessian(energy, torch.tensor([1.0, 2.0]))
"""),
        code("""
print(vjp(f, x, torch.ones(3)))
print(hvp(energy, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0])))
"""),
        md("""
## Hooks

A tensor hook sees (and may replace) the gradient flowing into that tensor. `register_hook` returns
a handle whose `remove()` takes the hook out again.
"""),
        code("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x * 3
handle = y.register_hook(lambda grad: print("grad of y:", grad) or grad * 10)
y.sum().backward()
print(x.grad)

handle.remove()
x.grad = None
(x * 3).sum().backward()
print(x.grad)
"""),
        md("""
Nodes of the graph have hooks too: a pre-hook sees the gradients coming in, a hook sees both the
gradients going out and coming in. A leaf can also be told when its `.grad` has been updated.
"""),
        code("""
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = (x * x).sum()
y.grad_fn.register_prehook(lambda grad_outputs: print("into", y.grad_fn.name(), grad_outputs))
mul_node = y.grad_fn.next_functions[0][0]
mul_node.register_hook(lambda grad_inputs, grad_outputs: print("out of", mul_node.name(), grad_inputs))
x.register_post_accumulate_grad_hook(lambda leaf: print("x.grad is now", leaf.grad))
y.backward()
"""),
        md("`saved_tensors_hooks` sees what a Function saves for its backward, as it is saved and used:"),
        code("""
def pack(tensor):
    print("saving", tensor)
    return tensor

def unpack(tensor):
    print("using", tensor)
    return tensor

x = torch.tensor([1.0, 2.0], requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    y = Square.apply(x)
y.sum().backward()
x.grad
"""),
        md("""
## `torch.func`

The same derivatives as function transforms: `grad(f)` is a new function that returns the
gradient, and `vmap` maps a function over a batch dimension.
"""),
        code("""
from torch.func import grad, jacrev, vmap

def loss(w):
    return (w.sin() * w).sum()

w = torch.tensor([0.5, 1.0, 1.5])
print(grad(loss)(w))
print(grad(grad(lambda t: t ** 3))(torch.tensor(2.0)))
print(vmap(grad(loss))(torch.stack([w, 2 * w])))
print(jacrev(torch.sin)(w))
"""),
    ],
}


def _training_lessons() -> dict:
    """The torch.nn / optim / data lessons, from the module beside this script."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "sample_lessons_training", Path(__file__).resolve().parent / "sample_lessons_training.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lessons(md, code, RAISES)


NEW_LESSONS.update(_training_lessons())


# --- writing notebooks ----------------------------------------------------------------------------------

def notebook(cells: list[dict]) -> dict:
    nb_cells = []
    for index, cell in enumerate(cells):
        source = cell["source"].splitlines(True)
        if cell["type"] == "markdown":
            nb_cells.append({"cell_type": "markdown", "id": f"md-{index}", "metadata": {}, "source": source})
        else:
            metadata = {"tags": cell["tags"]} if cell.get("tags") else {}
            nb_cells.append({"cell_type": "code", "execution_count": None, "id": f"code-{index}",
                             "metadata": metadata, "outputs": [], "source": source})
    return {"cells": nb_cells, "metadata": {"kernelspec": KERNELSPEC,
                                            "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def seed_lessons(seeds: Path) -> dict[str, list[dict]]:
    lessons = {}
    for path in sorted(seeds.glob("*.txt")):
        prefix = path.name[:3]
        if prefix in SEED_NAMES:
            lessons[SEED_NAMES[prefix]] = parse_seed(path.read_text(encoding="utf-8"))
    return lessons


def write(out: Path, lessons: dict[str, list[dict]]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, cells in lessons.items():
        path = out / f"{name}.ipynb"
        path.write_text(json.dumps(notebook(cells), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    parser.add_argument("--out", type=Path, default=ROOT / "samples")
    args = parser.parse_args()
    lessons = {**seed_lessons(args.seeds), **NEW_LESSONS}
    for path in write(args.out, lessons):
        print(path)
    print("now record outputs: gradrepl replay --engine torch --update", args.out)


if __name__ == "__main__":
    main()
