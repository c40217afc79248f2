"""Pasted prompts removed, as IPython's input transformers remove them: code copied from a doctest
or a README (``>>> x = 1`` / ``... ``) or from another IPython session (``In [3]: `` / ``   ...: ``)
runs as the code it shows. Lines without a prompt (the output the example printed) are dropped
too once the first line had one, since they are not code."""

from __future__ import annotations

import re

_CLASSIC = re.compile(r"^(>>> ?|\.\.\. ?)")
_CLASSIC_FIRST = re.compile(r"^>>>( |$)")
_IPYTHON = re.compile(r"^(In \[\d+\]: ?|\s*\.\.\.: ?)")
_IPYTHON_FIRST = re.compile(r"^In \[\d+\]: ?")


def strip_prompts(text: str) -> str:
    """``text`` without doctest or IPython prompts; unchanged when its first line has none."""
    lines = text.split("\n")
    first = next((line for line in lines if line.strip()), "")
    if _CLASSIC_FIRST.match(first):
        prompt = _CLASSIC
    elif _IPYTHON_FIRST.match(first):
        prompt = _IPYTHON
    else:
        return text
    kept = []
    for line in lines:
        match = prompt.match(line)
        if match:
            kept.append(line[match.end():])
        elif not line.strip():
            kept.append("")
        # else: output shown after the prompt lines (`Out[3]: ...`, a doctest's result): not code
    return "\n".join(kept).strip("\n")
