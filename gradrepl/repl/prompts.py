"""The prompts: IPython's ``In [n]:`` / ``Out[n]:`` or, with ``--classic``, Python's ``>>>``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PromptStyle:
    classic: bool = False

    def in_prompt(self, count: int) -> str:
        return ">>> " if self.classic else f"In [{count}]: "

    def continuation(self, width: int) -> str:
        """The prompt of a cell's second and later lines, as wide as the first prompt."""
        if self.classic:
            return "... "
        return "...: ".rjust(width)

    def out_prompt(self, count: int) -> str:
        return "" if self.classic else f"Out[{count}]: "

    @property
    def blank_line_between_cells(self) -> bool:
        return not self.classic
