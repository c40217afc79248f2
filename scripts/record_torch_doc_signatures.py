"""Record the documented signature of every public torch function and Tensor method.

Facts only, never torch's prose: for each name, the signature lines its docstring starts an
overload with (``ne(input, other, *, out=None) -> Tensor``), or, for a Python function without
one, the parameters ``inspect`` reports (names and defaults, no annotations). Generated help
(gradrepl/torch/docs/generated.py) reads them, so an op merged later into the registry gets its
signature without re-recording.

Run with torch 2.13 installed: python scripts/record_torch_doc_signatures.py
Writes gradrepl/torch/docs/signatures.json (annotated signatures written plainly: name=default).
"""

import inspect
import json
import pathlib
import re

import torch


def documented(name: str, obj) -> list:
    """The overload lines of ``obj``'s docstring that start with ``name(``."""
    pattern = re.compile(rf"^\s*(?:\.\. function:: )?({re.escape(name)}\(.*\)(?:\s*->\s*.+)?)\s*$")
    found = []
    for line in (getattr(obj, "__doc__", None) or "").splitlines():
        match = pattern.match(line)
        line = match and plain(match.group(1).rstrip(":"))
        if line and line not in found:
            found.append(line)
    return found


def _top_level_split(text: str) -> list:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "[(" and 1 or (char in "])" and -1 or 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return parts + ([current.strip()] if current.strip() else [])


def plain(signature: str) -> str:
    """One style for all: ``abs(input: Tensor, *, out: Optional[Tensor])``, as some of torch's
    docstrings write it, becomes ``abs(input, *, out=None)``, as the others do."""
    match = re.match(r"^(\w+)\((.*)\)(\s*->.*)?$", signature)
    if not match or ":" not in match.group(2):
        return signature
    params = []
    for param in _top_level_split(match.group(2)):
        name, colon, annotation = param.partition(":")
        if not colon:
            params.append(param)
        elif "=" in annotation:
            params.append(f"{name.strip()}={annotation.split('=', 1)[1].strip()}")
        else:
            params.append(f"{name.strip()}=None" if name.strip() == "out" else name.strip())
    return f"{match.group(1)}({', '.join(params)}){match.group(3) or ''}"


def introspected(name: str, obj) -> list:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    plain = signature.replace(
        parameters=[p.replace(annotation=inspect.Parameter.empty) for p in signature.parameters.values()],
        return_annotation=inspect.Signature.empty)
    return [f"{name}{plain}"]


def signatures(owner, prefix: str) -> dict:
    recorded = {}
    for name in sorted(dir(owner)):
        if name.startswith("_"):
            continue
        try:
            obj = getattr(owner, name)
        except Exception:
            continue
        if inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
            continue
        lines = documented(name, obj) or introspected(name, obj)
        if lines:
            recorded[f"{prefix}.{name}"] = lines
    return recorded


if __name__ == "__main__":
    recorded = {"torch_version": torch.__version__.split("+")[0],
                "signatures": {**signatures(torch, "torch"), **signatures(torch.Tensor, "torch.Tensor")}}
    out = pathlib.Path(__file__).resolve().parent.parent / "gradrepl" / "torch" / "docs" / "signatures.json"
    out.write_text(json.dumps(recorded, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(recorded['signatures'])} names to {out}")
