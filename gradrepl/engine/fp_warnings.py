"""numpy's floating-point warnings, silenced for gradrepl's own code only.

torch never warns on overflow or division by zero (it gives inf/nan); numpy warns on such
results unless told not to. Rather than ``np.seterr(all="ignore")`` for the whole process (a
library must leave its host's numpy as it found it), or ``np.errstate`` around every op (about
2 us each, as much as a small op itself), one warnings filter ignores the RuntimeWarnings numpy
raises from gradrepl's modules: numpy attributes a warning to the module that called it, so the
host's own numpy code still warns. The session, which swaps in its own filter list for a cell,
includes ``FILTER`` in it too.
"""

from __future__ import annotations

import re
import warnings

FILTER = ("ignore", None, RuntimeWarning, re.compile(r"gradrepl\."), 0)


def install() -> None:
    if FILTER not in warnings.filters:
        warnings.filters.insert(0, FILTER)
        warnings._filters_mutated()  # as filterwarnings does: cached decisions are stale now
