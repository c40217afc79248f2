"""Help texts for the torch names lessons use, kept apart from the code they describe.

One table, keyed by torch name (``torch.sum``, ``torch.Tensor.backward``), gives each name its
documented signature, a description in our own words and a short example; the example's output is
recorded from real PyTorch (``examples.json``, written by ``scripts/record_doc_examples.py``). A
Tensor method shares the entry of the torch function of the same name, and an in-place method
(``add_``) the entry of its out-of-place form, so each fact is written once.

``attach(torch)`` puts the texts on the objects as ``__doc__`` (for ``help()`` and ``inspect``); it
runs once, after the torch namespace is built, whatever builds it (the op registry included).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from gradrepl.torch.docs import autograd, creation, ops, tensor

_EXAMPLES_FILE = Path(__file__).with_name("examples.json")


@functools.lru_cache(maxsize=1)
def entries() -> dict[str, tuple]:
    table: dict[str, tuple] = {}
    for module in (creation, autograd, ops, tensor):
        table.update(module.DOCS)
    return table


@functools.lru_cache(maxsize=1)
def recorded_outputs() -> dict[str, str]:
    """What each entry's example prints on real PyTorch, by torch name."""
    with open(_EXAMPLES_FILE, encoding="utf-8") as f:
        return json.load(f)


@dataclass(frozen=True)
class Doc:
    name: str  # the torch name asked for: torch.Tensor.add_
    signature: str  # torch's documented signature, without the owner: add_(other, *, alpha=1) -> Tensor
    text: str
    example: str | None
    example_of: str  # the entry the example (and its recorded output) belongs to

    def example_output(self) -> str:
        return recorded_outputs().get(self.example_of, "")

    def render(self) -> str:
        """The docstring: description, then the example as a doctest with its recorded output."""
        parts = [self.text]
        if self.example:
            lines = self.example.split("\n")
            shown = ["    >>> " + lines[0]] + ["    ... " + line if line[:1].isspace() else "    >>> " + line
                                              for line in lines[1:]]
            output = self.example_output().rstrip("\n")
            if output:
                shown += ["    " + line if line else "" for line in output.split("\n")]
            parts.append("Example:\n" + "\n".join(shown))
        return "\n\n".join(parts)


def _method_signature(function_signature: str, name: str) -> str:
    """``sum(input, dim=None) -> Tensor`` as the method ``sum(dim=None) -> Tensor``."""
    match = re.match(r"^(\w+)\((?:input|self)(?:, )?(.*)$", function_signature)
    if not match:
        return function_signature
    # A method writes into its own tensor or returns a new one: it has no out= argument.
    rest = re.sub(r",?\s*\bout=None", "", match.group(2))
    rest = re.sub(r"(^|, )\*\)", ")", rest)
    return f"{name}({rest}"


def lookup(name: str) -> Doc | None:
    """The help for a torch name, or None when there is none."""
    table = entries()
    if name in table:
        signature, text, example = table[name]
        return Doc(name, signature, text, example, name)
    owner, _, attr = name.rpartition(".")
    if owner != "torch.Tensor":
        return None
    function = table.get(f"torch.{attr}")
    if function is not None:
        signature, text, example = function
        return Doc(name, _method_signature(signature, attr), text, example, f"torch.{attr}")
    if attr.endswith("_") and not attr.endswith("__"):
        base = lookup(f"torch.Tensor.{attr[:-1]}")
        if base is not None:
            signature = re.sub(r"^\w+\(", f"{attr}(", base.signature)
            text = f"In-place version of {attr[:-1]}(): the result is written into this tensor.\n\n{base.text}"
            return Doc(name, signature, text, base.example, base.example_of)
    return None


def documented_names() -> list[str]:
    return sorted(entries())


def _resolve(torch_module, name: str):
    obj = torch_module
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def attach(torch_module) -> None:
    """Set ``__doc__`` on every documented object of ``torch_module``. A function that is both
    ``torch.X`` and ``Tensor.X`` keeps the ``torch.X`` text (torch functions are attached first)."""
    done: set[int] = set()
    for name in sorted(entries(), key=lambda n: n.startswith("torch.Tensor.")):
        try:
            obj = _resolve(torch_module, name)
        except AttributeError:
            continue
        if id(obj) in done:
            continue
        if name.startswith("torch.Tensor."):
            # properties live on the class; getattr on it gives the property object itself
            obj = torch_module.Tensor.__dict__.get(name.rsplit(".", 1)[1], obj)
        doc = lookup(name)
        try:
            obj.__doc__ = f"{doc.signature}\n\n{doc.render()}"
        except (AttributeError, TypeError):
            continue  # a builtin or a dtype instance: help() still finds it through lookup()
        done.add(id(obj))
