"""Warnings that point at the user's line, not at gradrepl's internals.

torch's C++ warnings surface at the Python line that triggered them; Python's ``stacklevel`` cannot
express "the first frame outside this package", so we find that frame and warn there explicitly.
"""

from __future__ import annotations

import os
import sys
import warnings

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def warn_user(message: str, category=UserWarning) -> None:
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        warnings.warn(message, category, stacklevel=2)
        return
    module_globals = frame.f_globals
    registry = module_globals.setdefault("__warningregistry__", {})
    warnings.warn_explicit(
        message,
        category,
        frame.f_code.co_filename,
        frame.f_lineno,
        module=module_globals.get("__name__", "__main__"),
        registry=registry,
        module_globals=module_globals,
    )
