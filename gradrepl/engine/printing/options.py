"""Print options: torch.set_printoptions and friends, rule for rule as ``torch/_tensor_str.py``.

The options live in one module-level object that the formatter reads on every print, exactly as
torch's ``PRINT_OPTS`` does, so changing an option affects every tensor printed afterwards.
"""

from __future__ import annotations

import contextlib
import math

# The option names in the order torch's dataclass declares them: get_printoptions() keeps it.
_FIELDS = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")

# profile name -> (precision, threshold, edgeitems, linewidth); sci_mode is not part of a profile.
_PROFILES = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


class PrintOptions:
    """The current options. Values are stored as given: torch validates nothing here, and a bad
    value (``precision=-1``) only fails later, when a float is formatted with it."""

    __slots__ = _FIELDS

    def __init__(self):
        self.precision, self.threshold, self.edgeitems, self.linewidth = _PROFILES["default"]
        self.sci_mode = None

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in _FIELDS}


PRINT_OPTS = PrintOptions()


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
):
    """torch.set_printoptions: a profile first, then any explicit option on top of it.

    Like torch, an unknown profile name is silently ignored, and ``sci_mode`` is always assigned:
    any call that does not pass it turns scientific notation back to automatic.
    """
    values = _PROFILES.get(profile) if isinstance(profile, str) else None
    if values is not None:
        PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = values
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current options as a dict that can be passed back to set_printoptions(**options)."""
    return PRINT_OPTS.as_dict()


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (torch._tensor_str.printoptions)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)
