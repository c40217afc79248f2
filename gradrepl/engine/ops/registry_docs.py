"""The lists of supported ops in README.md and docs/ops.md, rendered from the op registry.

``scripts/generate_op_docs.py`` writes them between their markers; tests/engine/test_registry.py
fails when either file is stale.
"""

from __future__ import annotations

import re
from pathlib import Path

from gradrepl.engine.ops.registry import OPS, SECTIONS

BEGIN = "<!-- ops:begin (generated from the op registry by scripts/generate_op_docs.py) -->"
END = "<!-- ops:end -->"

_SYMBOLS = {
    "__add__": "+", "__sub__": "-", "__mul__": "*", "__truediv__": "/", "__floordiv__": "//",
    "__mod__": "%", "__pow__": "**", "__matmul__": "@", "__neg__": "-x", "__abs__": "abs(x)",
    "__eq__": "==", "__ne__": "!=", "__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=",
    "__and__": "&", "__or__": "|", "__xor__": "^", "__lshift__": "<<", "__rshift__": ">>",
    "__invert__": "~",
}


def _by_section() -> dict:
    sections = {name: [] for name in SECTIONS}
    for entry in OPS.values():
        sections[entry.section].append(entry)
    return {name: entries for name, entries in sections.items() if entries}


def _operators(entry) -> list:
    return [_SYMBOLS[d] for d in entry.operators if d in _SYMBOLS]


def readme_block() -> str:
    """One line per section: each op with its aliases and operators; ``_`` marks an in-place form."""
    lines = []
    for section, entries in _by_section().items():
        words = []
        for entry in entries:
            word = "/".join(entry.names) + ("[_]" if entry.inplace else "")
            symbols = _operators(entry)
            words.append(f"{word} ({' '.join(symbols)})" if symbols else word)
        lines.append(f"- {section}: `" + "`, `".join(words) + "`")
    return "\n".join(lines)


def _variants(entry) -> str:
    forms = []
    for name in entry.names:
        if entry.in_torch:
            forms.append(f"`torch.{name}`")
        if entry.method_callable() is not None:
            forms.append(f"`Tensor.{name}`")
        if entry.inplace is not None:
            forms.append(f"`Tensor.{name}_`")
    forms += [f"`{symbol}`" for symbol in _operators(entry)]
    if entry.out:
        forms.append("`out=`")
    return ", ".join(forms)


def _saves(entry) -> str:
    saved = sorted({name for row in entry.rows + entry.inplace_rows for name in row.saved_names()})
    return ", ".join(saved) if saved else "nothing"


def ops_table() -> str:
    """docs/ops.md's reference: every op, how it is reached, what it records and saves."""
    lines = []
    for section, entries in _by_section().items():
        lines += [f"### {section}", "", "| op | reached as | grad_fn | saves |",
                  "| --- | --- | --- | --- |"]
        for entry in entries:
            grad_fns = ", ".join(entry.grad_fn_names) or "(not differentiable)"
            if entry.inplace_rows:
                grad_fns += f"; `{entry.name}_`: " + ", ".join(entry.inplace_grad_fn_names)
            lines.append(f"| `{entry.name}` | {_variants(entry)} | {grad_fns} | {_saves(entry)} |")
        lines.append("")
    return "\n".join(lines).rstrip()


def replace_block(text: str, block: str) -> str:
    """``text`` with the part between the markers replaced by ``block``."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError("the ops markers are missing")
    return pattern.sub(lambda _: f"{BEGIN}\n{block}\n{END}", text)


def targets(root: Path) -> dict:
    """Each generated file and the block it holds."""
    return {root / "README.md": readme_block(), root / "docs" / "ops.md": ops_table()}
