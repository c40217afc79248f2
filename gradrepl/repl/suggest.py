"""``did you mean`` for a mistyped name, found among the names the user could have meant.

Python's own REPL adds "Did you mean: 'torch'?" to a NameError or AttributeError; Jupyter on
Python 3.11 does not, and gradrepl keeps Jupyter's message, so the suggestion is a hint line
instead. The candidates come from the error's own words (``name 'torhc'``, ``module 'torch.nn'``,
``'Tensor' object``) looked up in the shell's namespace; a name a lesson imports under a
customary alias (``nn``, ``F``, ``np``) gets the import it needs.
"""

from __future__ import annotations

import builtins
import re

from gradrepl.repl.completer import MISSING, resolve_dotted

# Names lessons use after an import the learner may not have typed yet.
IMPORTS = {
    "nn": "import torch.nn as nn",
    "F": "import torch.nn.functional as F",
    "optim": "import torch.optim as optim",
    "np": "import numpy as np",
    "math": "import math",
    "DataLoader": "from torch.utils.data import DataLoader",
    "TensorDataset": "from torch.utils.data import TensorDataset",
    "Dataset": "from torch.utils.data import Dataset",
}

_NAME = re.compile(r"^name '(?P<name>\w+)' is not defined$")
_MODULE_ATTRIBUTE = re.compile(r"^module '(?P<owner>[\w.]+)' has no attribute '(?P<name>\w+)'$")
_OBJECT_ATTRIBUTE = re.compile(r"^'(?P<type>\w+)' object has no attribute '(?P<name>\w+)'$")
_CLASS_ATTRIBUTE = re.compile(r"^type object '(?P<type>\w+)' has no attribute '(?P<name>\w+)'$")
# where a class named in an error is looked for when the namespace has none of that name
_CLASS_HOMES = ("torch", "torch.nn", "torch.optim", "torch.utils.data")


def suggestion(ename: str, evalue: str, namespace) -> str | None:
    """The hint for a NameError or AttributeError on a mistyped name, or None."""
    if namespace is None:
        return None
    if ename == "NameError" and (match := _NAME.match(evalue)):
        name = match["name"]
        if name in IMPORTS:
            return f"`{name}` is not imported yet: {IMPORTS[name]}"
        return _did_you_mean(name, list(namespace) + dir(builtins))
    if ename != "AttributeError":
        return None
    if match := _MODULE_ATTRIBUTE.match(evalue):
        owner = resolve_dotted(match["owner"], namespace)
        return None if owner is MISSING else _did_you_mean(match["name"], dir(owner))
    if match := _OBJECT_ATTRIBUTE.match(evalue):
        value = _value_of_type(match["type"], namespace)
        return None if value is MISSING else _did_you_mean(match["name"], dir(value))
    if match := _CLASS_ATTRIBUTE.match(evalue):
        cls = _class_named(match["type"], namespace)
        return None if cls is MISSING else _did_you_mean(match["name"], dir(cls))
    return None


def _value_of_type(type_name: str, namespace):
    """A value of that type among the user's names (its attributes include a layer's parameters),
    else the class itself (``model(x).gard``: a Tensor no name holds)."""
    for value in list(namespace.values()):
        if type(value).__name__ == type_name:
            return value
    return _class_named(type_name, namespace)


def _class_named(type_name: str, namespace):
    found = namespace.get(type_name, MISSING)
    if isinstance(found, type):
        return found
    for home in _CLASS_HOMES:
        found = resolve_dotted(f"{home}.{type_name}", namespace)
        if isinstance(found, type):
            return found
    return MISSING


def _did_you_mean(name: str, candidates) -> str | None:
    best = closest(name, candidates)
    return f"did you mean `{best}`?" if best is not None else None


def closest(name: str, candidates) -> str | None:
    """The candidate a typo of ``name`` most likely was: fewest edits (a swap of two neighbours is
    one edit, a change of case none), at most one edit in three letters and none in a name of
    three letters or fewer; None if there is none."""
    if not name:
        return None
    private = name.startswith("_")
    allowed = max(1, len(name) // 3) if len(name) > 3 else 0  # `opt` is not a typo of `oct`
    ranked = []
    for candidate in set(candidates):
        if candidate == name or not isinstance(candidate, str) or (candidate.startswith("_") and not private):
            continue
        if abs(len(candidate) - len(name)) > allowed:
            continue
        distance = _edits(name.lower(), candidate.lower())
        if distance <= allowed:
            ranked.append((distance, candidate.lower() != name.lower(), abs(len(candidate) - len(name)), candidate))
    return min(ranked)[-1] if ranked else None


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], previous2[j - 2] + 1)
        previous2, previous = previous, row
    return previous[-1]
