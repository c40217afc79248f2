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
    where = dict(module=module_globals.get("__name__", "__main__"), registry=registry)
    try:
        warnings.warn_explicit(message, category, frame.f_code.co_filename, frame.f_lineno,
                               module_globals=module_globals, **where)
    except ImportError:
        # `python -c` code: __main__'s loader is the builtin importer, which linecache cannot ask
        # for source, so warn without the module's globals
        warnings.warn_explicit(message, category, frame.f_code.co_filename, frame.f_lineno,
                               **where)


_warned: set = set()


def warn_user_once(message: str, category=UserWarning) -> None:
    """A warning torch raises with TORCH_WARN_ONCE: once per process, whatever the filters."""
    if message in _warned:
        return
    _warned.add(message)
    warn_user(message, category)
