"""``from IPython.display import display, clear_output`` inside a session.

Notebooks import these by habit. IPython is not a gradrepl dependency, and where it is installed its
``display`` prints to stdout when no IPython shell is running, which would not match the recorded
``display_data``. So a session answers imports of ``IPython.display`` (and ``IPython.core.display``)
with this small module bound to the session: ``display`` and ``clear_output`` behave as in a kernel,
and the rich display classes exist with IPython's plain-text form (``<IPython.core.display.HTML
object>``), which is all a text-only replay can show of them.
"""

from __future__ import annotations

import types
from typing import Callable

MODULE_NAMES = ("IPython.display", "IPython.core.display")


class DisplayObject:
    """A stand-in for IPython's rich display classes: holds the data, shows IPython's text/plain."""

    def __init__(self, data=None, url=None, filename=None, metadata=None, **kwargs):
        self.data, self.url, self.filename, self.metadata = data, url, filename, metadata

    def __repr__(self) -> str:
        return f"<IPython.core.display.{type(self).__name__} object>"


_RICH_CLASSES = ("HTML", "Markdown", "Latex", "Math", "SVG", "JSON", "Javascript", "Image", "Pretty", "Code")


def make_module(display: Callable, clear_output: Callable[[bool], None]) -> types.ModuleType:
    module = types.ModuleType("IPython.display", __doc__)
    module.display = display
    module.clear_output = lambda wait=False: clear_output(wait)
    module.DisplayObject = DisplayObject
    for name in _RICH_CLASSES:
        setattr(module, name, type(name, (DisplayObject,), {"__module__": "IPython.core.display"}))
    return module
