"""``%whos``: IPython's table of the user's names, with a tensor's shape, dtype and requires_grad."""

from __future__ import annotations


def describe_value(value: object) -> str:
    """The Data/Info column: a tensor's facts, a container's length, else the value's short repr."""
    if hasattr(value, "shape") and hasattr(value, "requires_grad") and hasattr(value, "dtype"):
        return f"{value.shape}, {value.dtype}, requires_grad={value.requires_grad}"
    if isinstance(value, (list, tuple, dict, set)):
        return f"n={len(value)}"
    if callable(value) or type(value).__name__ == "module":
        name = getattr(value, "__name__", "")
        return f"<{type(value).__name__} {name}>" if name else repr(value)
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 50 else text[:47] + "..."


def whos_table(items: list[tuple[str, object]]) -> str:
    rows = [(name, type(value).__name__, describe_value(value)) for name, value in items]
    name_width = max(len("Variable"), *(len(r[0]) for r in rows)) + 3
    type_width = max(len("Type"), *(len(r[1]) for r in rows)) + 3
    header = f"{'Variable':<{name_width}}{'Type':<{type_width}}Data/Info"
    lines = [header, "-" * (len(header) + 5)]
    lines += [f"{n:<{name_width}}{t:<{type_width}}{d}" for n, t, d in rows]
    return "\n".join(lines)
