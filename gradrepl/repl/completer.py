"""Completion of names, attributes and ``torch.`` members from the live namespace.

Like IPython's evaluation-based completion, ``x.`` completes from the object ``x`` really is, but
safely: only plain dotted names are looked up (``x.grad_fn.``), never calls or subscripts, so
pressing Tab cannot run user code beyond attribute access.
"""

from __future__ import annotations

import builtins
import keyword
import re
import warnings
from typing import Callable, Iterable, Mapping

from prompt_toolkit.completion import Completer, Completion

# The dotted name being typed at the cursor: `torch.nn.Lin`, `x.`, `x.gr`, `pri`.
_DOTTED_TAIL = re.compile(r"(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?\.?$")
MISSING = object()


def resolve_dotted(path: str, namespace: Mapping[str, object]) -> object:
    """The object a plain dotted name refers to, or MISSING. Evaluates nothing but getattr."""
    head, *rest = path.split(".")
    obj = namespace.get(head, MISSING)
    if obj is MISSING:
        obj = getattr(builtins, head, MISSING)
    for name in rest:
        if obj is MISSING:
            break
        try:
            with warnings.catch_warnings():
                # e.g. `.grad` of a non-leaf warns; completing must stay silent.
                warnings.simplefilter("ignore")
                obj = getattr(obj, name)
        except Exception:
            return MISSING
    return obj


def attribute_names(obj: object) -> list[str]:
    try:
        return sorted(set(dir(obj)))
    except Exception:
        return []


def _owner_and_prefix(text_before_cursor: str, namespace: Mapping[str, object]):
    match = _DOTTED_TAIL.search(text_before_cursor)
    word = match.group() if match else ""
    owner, dot, _ = word.rpartition(".")
    return (resolve_dotted(owner, namespace) if dot and owner else MISSING), bool(dot)


def candidates(text_before_cursor: str, namespace: Mapping[str, object]) -> tuple[int, list[str]]:
    """(length of the word being replaced, sorted candidate words) for the text before the cursor."""
    match = _DOTTED_TAIL.search(text_before_cursor)
    word = match.group() if match else ""
    if not word or (match.start() > 0 and text_before_cursor[match.start() - 1] in ".)]'\""):
        # Nothing typed, or the attribute of a call, subscript or literal: that would need evaluating.
        return 0, []
    owner, dot, prefix = word.rpartition(".")
    if dot:
        obj = resolve_dotted(owner, namespace) if owner else MISSING
        if obj is MISSING:
            return 0, []
        names = attribute_names(obj)
    else:
        names = sorted(set(namespace) | set(dir(builtins)) | set(keyword.kwlist))
    # Private names only when asked for with a leading underscore, as IPython does.
    show_private = prefix.startswith("_")
    words = [n for n in names if n.startswith(prefix) and (show_private or not n.startswith("_"))]
    return len(prefix), words


class NamespaceCompleter(Completer):
    """Completions with their kind or signature as display meta (shown under the menu for the
    selected one); functions and methods are marked with ``()`` in the menu."""

    def __init__(self, get_namespace: Callable[[], Mapping[str, object]]):
        self._get_namespace = get_namespace

    def get_completions(self, document, complete_event) -> Iterable[Completion]:
        from gradrepl.repl.completion_meta import describe_candidate

        try:
            namespace = self._get_namespace()
        except Exception:
            namespace = {}
        text = document.text_before_cursor
        length, words = candidates(text, namespace)
        owner, is_attribute = _owner_and_prefix(text, namespace) if words else (MISSING, False)
        for word in words:
            kind, meta = describe_candidate(word, owner if is_attribute else MISSING, namespace)
            display = f"{word}()" if kind == "callable" else word
            # meta is computed only for the candidate shown (prompt_toolkit calls it lazily)
            yield Completion(word, start_position=-length, display=display, display_meta=meta)
