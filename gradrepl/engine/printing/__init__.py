"""Tensor printing, byte for byte like PyTorch's ``torch/_tensor_str.py``.

``options`` holds the print options, ``formatter`` writes the numbers of one tensor, ``layout``
summarises and nests them, ``tensor_str`` adds the ``tensor(...)`` frame and suffixes.
"""

from gradrepl.engine.printing.options import get_printoptions, printoptions, set_printoptions
from gradrepl.engine.printing.tensor_str import format_parameter, format_tensor

__all__ = [
    "format_parameter",
    "format_tensor",
    "get_printoptions",
    "printoptions",
    "set_printoptions",
]
