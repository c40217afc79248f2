"""Help generated from the op registry, for the ops that have no hand-written text.

Every name the registry gives an op (``torch.ne``, ``Tensor.ne``, ``Tensor.ne_``, aliases such as
``torch.not_equal``) gets a text made of facts, each read where it is kept:

- the signature torch documents for that very name, recorded from live torch into
  ``signatures.json`` by ``scripts/record_torch_doc_signatures.py`` for *all* of torch's public
  functions and Tensor methods, so an op merged into the registry later is covered without
  re-recording (a name torch documents no signature for borrows its function's, or its
  out-of-place form's, or finally gradrepl's own);
- from the registry entry: its section, the forms it is reached by (function, method, in-place,
  aliases, operators), the grad_fn each overload records and what it saves for backward,
  whether its inputs broadcast, and whether gradrepl's function takes ``out=`` and ``dtype=``;
- a pointer to hand-written help of ops in the same section, which have examples.

Nothing is generated at import: ``lookup`` calls ``generate`` when help is asked for, so start-up
does not pay for it, and a changed registry entry changes its help at once.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
from pathlib import Path

_SIGNATURES_FILE = Path(__file__).with_name("signatures.json")

# What a section's ops have in common, in the user's words (a section without a line here is
# described by its name alone, so a new section needs no edit).
_SECTION_LINES = {
    "arithmetic": "An arithmetic op: it computes elementwise on its inputs.",
    "elementwise": "An elementwise op: it computes each element of the result from the element of "
                   "the input at the same position.",
    "comparison": "A comparison op: it compares its inputs (elementwise for the tensor-valued ones).",
    "reduction": "A reduction: it combines the elements of its input (all of them, or along dim).",
    "extrema": "An op about the smallest and largest elements, or bounds on them.",
    "shape": "A shape op: it changes how the elements are laid out, not their values.",
    "combine": "An op that combines several tensors into one.",
    "linear algebra": "A linear algebra op.",
    "neural network": "A neural network building block (torch.nn.functional uses it).",
    "copies": "An op about copies of a tensor and its place in the autograd graph.",
}


@functools.lru_cache(maxsize=1)
def recorded_signatures() -> dict[str, list[str]]:
    """torch's documented signatures, by torch name (``torch.ne``, ``torch.Tensor.ne``)."""
    with open(_SIGNATURES_FILE, encoding="utf-8") as f:
        return json.load(f)["signatures"]


def _registry():
    from gradrepl.engine.ops import registry

    return registry


def _variants() -> tuple[set, set]:
    """The torch.X and Tensor.X names the registry gives its ops, as it derives them. Kept while
    the registry holds the same entries: the completion menu looks up hundreds of names at once."""
    registry = _registry()
    key = tuple(map(id, registry.OPS.values()))
    if _VARIANTS.get("key") != key:
        _VARIANTS.update(key=key, names=(frozenset(registry.torch_functions()),
                                         frozenset(registry.tensor_methods())))
    return _VARIANTS["names"]


_VARIANTS: dict = {}


def find_op(attr: str):
    """The registry entry ``attr`` names, the op name it goes by there and whether it is in-place."""
    for entry in _registry().OPS.values():
        if attr in entry.names:
            return entry, attr, False
    if attr.endswith("_") and not attr.endswith("__"):
        for entry in _registry().OPS.values():
            if entry.inplace is not None and attr[:-1] in entry.names:
                return entry, attr[:-1], True
    return None


def generate(name: str) -> tuple[str, str] | None:
    """``(signature, text)`` for a torch name the registry gives an op, or None."""
    owner, _, attr = name.rpartition(".")
    if owner not in ("torch", "torch.Tensor"):
        return None
    found = find_op(attr)
    if found is None:
        return None
    functions, methods = _variants()
    if attr not in (functions if owner == "torch" else methods):
        return None
    entry, base, inplace = found
    signatures = _signatures(owner, attr, base, entry, inplace)
    text = _text(owner, attr, base, entry, inplace, signatures)
    return signatures[0], text


# ---------------------------------------------------------------------------------------------
# Signature


def _renamed(signature: str, attr: str) -> str:
    return re.sub(r"^\w+\(", f"{attr}(", signature)


def _signatures(owner: str, attr: str, base: str, entry, inplace: bool) -> list[str]:
    from gradrepl.torch.docs import _method_signature, _without_out

    recorded = recorded_signatures()
    if f"{owner}.{attr}" in recorded:
        return recorded[f"{owner}.{attr}"]
    if owner == "torch.Tensor" and f"torch.{attr}" in recorded:
        return [_method_signature(s, attr) for s in recorded[f"torch.{attr}"]]
    # an alias borrows its op's signature; an in-place form its op's in-place or out-of-place one
    others = (entry.name + "_", base, entry.name) if inplace else (entry.name,)
    for name in dict.fromkeys(others):
        if name != attr and f"{owner}.{name}" in recorded:
            shown = [_renamed(s, attr) for s in recorded[f"{owner}.{name}"]]
            return [_without_out(s) for s in shown] if inplace else shown
    return [_own_signature(owner, attr, entry, inplace)]


def _own_signature(owner: str, attr: str, entry, inplace: bool) -> str:
    """gradrepl's parameters, for a name torch documents no signature for (``torch.dropout``)."""
    function = entry.inplace if inplace else (entry.function if owner == "torch" else entry.method_callable())
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return f"{attr}(...)"
    if owner == "torch.Tensor" and parameters:
        parameters = parameters[1:]  # the tensor itself
    shown = []
    star = False
    for p in parameters:
        if p.kind is p.KEYWORD_ONLY and not star:
            shown.append("*")
            star = True
        text = ("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "") + p.name
        if p.default is not p.empty:
            default = repr(p.default)
            text += "=" + (default if not default.startswith("<") else "...")
        shown.append(text)
    return f"{attr}({', '.join(shown)}) -> Tensor"


# ---------------------------------------------------------------------------------------------
# Text


def _forms(entry) -> list[str]:
    functions, methods = _variants()
    forms = []
    for name in entry.names:
        forms += [f"torch.{n}" for n in (name, name + "_") if n in functions]
        forms += [f"Tensor.{n}" for n in (name, name + "_") if n in methods]
    return forms


def _operators(entry) -> list[str]:
    from gradrepl.engine.ops.registry_docs import _SYMBOLS

    return [_SYMBOLS[d] for d in entry.operators if d in _SYMBOLS]


def _autograd_lines(entry, inplace: bool = False) -> list[str]:
    rows = entry.inplace_rows if inplace and entry.inplace_rows else entry.rows
    if not rows:
        return ["Autograd:    no backward of its own: its result either does not require grad or "
                "gets\n             the grad_fn of the ops it is computed with"]
    lines = []
    for row in rows:
        saved = ", ".join(row.saved_names()) or "nothing"
        wanted = [name for name in row.inputs if name in row.derivatives] if row.derivatives else list(row.inputs)
        gradient = f"; gradient for {', '.join(wanted)}" if wanted else "; no gradient"
        lines.append(f"grad_fn=<{row.grad_fn_name}>{gradient}; saves {saved} for backward")
    labels = ["Autograd:    "] + ["             "] * (len(lines) - 1)
    return [label + line for label, line in zip(labels, lines)]


def _keyword_lines(entry, owner: str, attr: str, inplace: bool, torch_signature: str) -> list[str]:
    function = entry.inplace if inplace else entry.function
    try:
        accepted = set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return []
    lines = []
    if not inplace and owner == "torch":
        if entry.out or "out" in accepted:
            lines.append("out=:        accepted: the result is written into the given tensor")
        elif "out=" in torch_signature:
            lines.append("out=:        not supported by gradrepl yet")
    if "dtype" in accepted:
        lines.append("dtype=:      accepted: the op computes in, and returns, that dtype")
    return lines


def _see_also(entry, owner: str) -> str | None:
    from gradrepl.torch.docs import entries

    hand_written = entries()
    related = [f"torch.{other.name}?" for other in _registry().OPS.values()
               if other.section == entry.section and other is not entry
               and f"torch.{other.name}" in hand_written][:3]
    if not related:
        return None
    return f"See also:    {', '.join(related)} (same section, with examples)"


def _text(owner: str, attr: str, base: str, entry, inplace: bool, signatures: list[str]) -> str:
    rows = entry.inplace_rows if inplace and entry.inplace_rows else entry.rows
    records = f"; records grad_fn=<{rows[0].grad_fn_name}>" if rows else ""
    section = entry.section
    kind = ("an " if section[:1] in "aeiou" else "a ") + section + " op"
    if inplace:
        head = f"In-place {base}: {kind} written into this tensor{records}."
    elif base != entry.name:
        head = f"Alias of {entry.name}: {kind}{records}."
    else:
        head = f"{attr}: {kind}{records}."
    lines = [_SECTION_LINES.get(section, f"An op of the {section} section.")]
    if len(signatures) > 1:
        lines.append("Overloads:   " + "\n             ".join(signatures))
    lines.append("Forms:       " + ", ".join(_forms(entry)))
    operators = _operators(entry)
    if operators:
        lines.append("Operators:   " + " ".join(operators))
    if any(row.broadcasts for row in rows):
        lines.append("Broadcasts:  its tensor inputs broadcast against each other")
    lines += _autograd_lines(entry, inplace)
    lines += _keyword_lines(entry, owner, attr, inplace, signatures[0])
    see_also = _see_also(entry, owner)
    if see_also:
        lines.append(see_also)
    lines.append("(Generated from gradrepl's op registry: this op has no hand-written help yet.)")
    return head + "\n\n" + "\n".join(lines)
