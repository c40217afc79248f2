"""Errors the engine raises besides PyTorch's own (which use Python's built-in exception types).

``UnsupportedError`` marks the edge of what gradrepl implements: the session and replay report it as
"unsupported: torch.X" rather than as a mismatch, so lesson authors know what to ask for.
"""


class UnsupportedError(AttributeError, NotImplementedError):
    """A torch feature that gradrepl does not implement yet.

    It is an AttributeError so that ``hasattr(torch, "fft")`` stays False and ``getattr`` defaults
    work, and a NotImplementedError because that is what it means. ``feature`` is the user-facing
    name, e.g. ``"torch.fft"`` or ``"Tensor.cumsum"``.
    """

    def __init__(self, feature: str, detail: str = ""):
        self.feature = feature
        message = f"gradrepl does not support {feature} yet"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
        # AttributeError's name/obj are left unset so Python does not append "Did you mean" hints.
