"""The per-tensor number formatter: torch's ``_Formatter``.

One formatter serves a whole tensor: it looks at every value that will be shown, picks one mode
(integers, int-mode floats, fixed or scientific floats) and one width, and every element is then
written in that mode and right-aligned to that width.

Values arrive as Python numbers (``ndarray.tolist()``), so a float32 element has already been
widened exactly to float64. Python's ``format`` rounds from that exact value, which is precisely
what torch does (it also formats ``Tensor.item()``/``tolist()`` Python floats), so float32 0.1
prints as the float64 0.100000001490116... rounded, never as a re-rounded float32.
"""

from __future__ import annotations

from math import isfinite


def format_elements(values: list, floating: bool, precision, sci_option) -> tuple[list, int]:
    """Each value as torch prints it inside a tensor, padded to the shared width; and that width.

    ``values`` are exactly the elements torch's formatter sees (the shown ones when summarising).
    The width drives line wrapping, so it is returned even though the strings are already padded.
    """
    if floating:
        strings, width = _float_strings(values, precision, sci_option)
    else:
        # integers and bools print as str(): "True"/"False", "-3"; the width counts every value
        strings = [str(v) for v in values]
        width = max(1, max(map(len, strings), default=1))
    return [s.rjust(width) for s in strings], width


def _float_strings(values: list, precision, sci_option) -> tuple[list, int]:
    # Only finite, non-zero values decide the mode and the width: zeros, nan and inf are then
    # formatted in that mode and may stick out past the width (e.g. "-0.0000" beside "1.5000").
    counted = [v for v in values if v != 0 and isfinite(v)]
    if not counted:
        # torch gives up early here, before reading sci_mode: int mode, width 1, whatever the option
        int_mode, sci_mode = True, False
    else:
        int_mode = all(v.is_integer() for v in counted)
        sci_mode = _choose_sci_mode(counted, sci_option)
    to_str = _float_writer(int_mode, sci_mode, precision)
    strings = [to_str(v) for v in values]
    width = 1
    for v, s in zip(values, strings):
        if v != 0 and isfinite(v) and len(s) > width:
            width = len(s)
    return strings, width


def _choose_sci_mode(counted: list, sci_option) -> bool:
    """Scientific notation when the magnitudes span more than 1000x or leave [1e-4, 1e8]."""
    if sci_option is not None:
        return sci_option
    magnitudes = [abs(v) for v in counted]
    largest, smallest = max(magnitudes), min(magnitudes)
    # Python float division gives inf on overflow (1e308 / 5e-324) just as torch's double does.
    return largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4


def _float_writer(int_mode: bool, sci_mode, precision):
    """The function writing one float in the chosen mode (unpadded)."""
    if sci_mode:
        spec = f".{precision}e"  # built like torch's, so a bad precision fails the same way
        return lambda v: format(v, spec)
    if int_mode:
        # the trailing dot marks a float tensor; nan and inf have no digits to mark
        return lambda v: format(v, ".0f") + "." if isfinite(v) else format(v, ".0f")
    spec = f".{precision}f"
    return lambda v: format(v, spec)
