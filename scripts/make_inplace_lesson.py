"""Build samples/17_inplace_on_slices.ipynb, the lesson on changing slices and views in place.

    python scripts/make_inplace_lesson.py
    PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update samples/17_inplace_on_slices.ipynb

The notebook is written with empty outputs; they are recorded from real PyTorch by the second
command, never typed. tests/replay/test_built_lessons.py checks that the committed notebook is
this script's, and the samples tests replay it on gradrepl.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import v4

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / "samples" / "17_inplace_on_slices.ipynb"
RAISES = ["raises-exception"]

# (kind, source[, tags]) in order
CELLS = [
    ("md", """# Changing slices in place

Assigning into part of a tensor, `y[0] = 10`, or changing a slice with an in-place op,
`y[1:] *= 2`, is everyday code: masking, padding, writing a row of a result. Autograd has to
follow, because the slice shares its memory with `y`. This lesson shows what PyTorch records
and what gradients come out."""),
    ("code", """import torch

x = torch.tensor([1., 2., 3., 4.], requires_grad=True)
y = x * 2
y"""),
    ("md", """## Assigning into a slice

`y[0] = 10` overwrites one element of `y`. The new `grad_fn` of `y` is `CopySlices`: the
history of `y` so far, plus the copy into its first element."""),
    ("code", """y[0] = 10
y"""),
    ("code", """print(y.grad_fn.name())
print([None if node is None else node.name() for node, _ in y.grad_fn.next_functions])"""),
    ("md", """The overwritten element no longer depends on `x[0]`, so its gradient is zero; the
others still get `d(2x)/dx = 2`."""),
    ("code", """y.sum().backward()
x.grad"""),
    ("md", """## An in-place op on a slice

`y[1:] *= x[1:]` multiplies a slice of `y` in place by values that require grad. Python
runs it as a `mul_` on the view `y[1:]`, then copies the result back into `y`."""),
    ("code", """x.grad = None
y = x * 2
y[1:] *= x[1:]
print(y)
y.sum().backward()
print(x.grad)   # 2 for x[0]; d(2x * x)/dx = 4x for the others"""),
    ("md", """## Views share memory and history

`y.t()`, `y.view(...)`, `y.diagonal()`, `y[:, 1]` are *views*: changing one changes `y`.
After the change, the view's own `grad_fn` is rebuilt from its base as an
`AsStridedBackward0`."""),
    ("code", """m = torch.arange(1., 10.).view(3, 3).requires_grad_()
y = m * 1
d = y.diagonal()
d.zero_()
print(y)
print(d.grad_fn.name(), '->', d.grad_fn.next_functions[0][0].name())"""),
    ("code", """(y ** 2).sum().backward()
m.grad   # the diagonal was zeroed: no gradient flows to it"""),
    ("code", """y = m * 1
y.t()[0].mul_(100)   # the first row of y.t() is the first column of y
y"""),
    ("md", """Every in-place change bumps a version counter, shared by a tensor and all its views."""),
    ("code", """y = m * 1
v = y[1]
print(y._version, v._version)
v.add_(1)
y[0, 0] = 0
print(y._version, v._version, v._base is y)"""),
    ("md", """## Masks and index lists

Assigning through a mask or a list of indices is not a view: PyTorch records an
`IndexPutBackward0`."""),
    ("code", """x.grad = None
y = x * x
y[y > 5] = 0
print(y)
y.sum().backward()
x.grad"""),
    ("md", """## What PyTorch forbids

A leaf that requires grad (a parameter) cannot be changed in place while autograd records,
directly or through a view: its gradient would no longer mean anything."""),
    ("code", """w = torch.ones(2, 3, requires_grad=True)
w[0] = 5""", RAISES),
    ("code", """w.t().mul_(2)""", RAISES),
    ("md", """Under `torch.no_grad()` nothing is recorded, so it is allowed: this is how weights are
initialised or updated by hand."""),
    ("code", """with torch.no_grad():
    w[0] = 5
    w[:, 1] *= 10
w"""),
    ("md", """A view made under `no_grad` cannot be changed later with grad mode on, and neither can
the outputs of ops that return several views at once, like `unbind`."""),
    ("code", """y = w * 1
with torch.no_grad():
    row = y[0]
row.mul_(2)""", RAISES),
    ("code", """first, second = y.unbind(0)
first.add_(1)""", RAISES),
    ("md", """## `detach()` and `.data`

Both share memory with the tensor. `detach()` also shares its version counter, so autograd
notices a change made through it; `.data` does not, which is why old code updates weights with
`w.data -= lr * w.grad`."""),
    ("code", """a = torch.tensor([1., 2., 3.], requires_grad=True)
e = a.exp()
e.detach().mul_(2)
print(e._version)
e.sum().backward()""", RAISES),
    ("code", """e = a.exp()
e.data.mul_(2)
print(e._version)
e.sum().backward()
a.grad   # exp's gradient is its output, which .data doubled"""),
]


def build() -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                  "name": "python3"},
                   "language_info": {"name": "python"}}
    for index, (kind, source, *tags) in enumerate(CELLS):
        if kind == "md":
            cell = v4.new_markdown_cell(source, id=f"md-{index}")
        else:
            cell = v4.new_code_cell(source, id=f"code-{index}")
            if tags:
                cell.metadata["tags"] = list(tags[0])
        nb.cells.append(cell)
    return nb


def main() -> None:
    nbformat.write(build(), str(PATH))
    print(PATH.relative_to(ROOT))
    print("now record outputs: PYTHONPATH=$PWD python -m gradrepl replay --engine torch --update",
          PATH.relative_to(ROOT))


if __name__ == "__main__":
    main()
