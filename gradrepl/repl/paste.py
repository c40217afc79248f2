"""Pasted prompts removed, as IPython's input transformers remove them: code copied from a doctest
or a README (``>>> x = 1`` / ``... ``) or from another IPython session (``In [3]: `` / ``   ...: ``)
runs as the code it shows. In a paste, the lines without a prompt are the output the example
printed and are dropped too; in what is typed they are the user's own continuation lines and kept."""

from __future__ import annotations

import re

_CLASSIC = re.compile(r"^(>>> ?|\.\.\. ?)")
_CLASSIC_FIRST = re.compile(r"^>>>( |$)")
_IPYTHON = re.compile(r"^(In \[\d+\]: ?|\s*\.\.\.: ?)")
_IPYTHON_FIRST = re.compile(r"^In \[\d+\]: ?")


def strip_prompts(text: str, drop_output: bool = False) -> str:
    """``text`` without doctest or IPython prompts; unchanged when its first line has none.
    ``drop_output`` (for pasted text) also drops the lines that have no prompt."""
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
        elif not drop_output:
            kept.append(line)
        # else: output shown after the prompt lines (`Out[3]: ...`, a doctest's result): not code
    text = "\n".join(kept)
    # a paste loses the blank lines around it; typed text keeps the empty line that closes a block
    return text.strip("\n") if drop_output else text
