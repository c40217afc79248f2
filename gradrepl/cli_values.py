"""Command-line values converted without pydantic where they are plain.

typer (from 0.2x) converts every non-flag value through a pydantic TypeAdapter: importing pydantic
and building the adapters for ``gradrepl replay``'s options costs about 60 ms of CPU on every run,
a tenth of replaying the sample lessons. Most values are plain (a path, ``8``, ``0.001``,
``torch``), and for those the result is known without pydantic. ``install`` gives each parameter
of a click command made by typer a short path for exactly those values; anything else (``inf``,
``1_000``, ``-1``, a wrong choice, a value below its minimum) goes to typer's own conversion,
which gives the same value or the same error it always did. A property test checks the two
paths against each other (tests/test_cli_values.py).

With a typer that has no such conversion (``get_runtime_param``), nothing is installed.
"""

from __future__ import annotations

import enum
import re
import typing

# Plain numbers only: a sign, a leading zero, an underscore, a space, ``1.``, ``.5``, ``inf`` or a
# huge exponent go to typer, whose rules for them are its own.
_INTEGER = re.compile(r"0|[1-9][0-9]{0,17}")
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,15})?(?:[eE][+-]?[0-9]{1,2})?")


class _NotPlain(Exception):
    """The value is not one the short path is sure about: typer converts it."""


def _optional_of(annotation):
    """``X`` for ``Optional[X]``, the annotation itself otherwise."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Union and len(args) == 2 and type(None) in args:
        return next(arg for arg in args if arg is not type(None))
    return annotation


def _converter(annotation, minimum, maximum):
    """A function converting one plain value for ``annotation`` (raising _NotPlain otherwise), or
    None when the annotation is not one the short path knows."""
    annotation = _optional_of(annotation)
    if annotation is str or annotation is bool:  # a bool arrives as one from a flag, or is None
        def convert(value):
            if type(value) is annotation:
                return value
            raise _NotPlain
    elif annotation is int or annotation is float:
        pattern = _INTEGER if annotation is int else _DECIMAL

        def convert(value):
            if isinstance(value, str) and pattern.fullmatch(value):
                number = annotation(value)
            elif type(value) is annotation:  # a default
                number = value
            else:
                raise _NotPlain
            if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
                raise _NotPlain  # typer words the error
            return number
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        by_value = {member.value: member for member in annotation if isinstance(member.value, str)}

        def convert(value):
            if isinstance(value, annotation):
                return value
            if isinstance(value, str) and value in by_value:  # exactly a choice, whatever the case rule
                return by_value[value]
            raise _NotPlain
    else:
        return None
    return convert


class _ShortPath:
    """Stands in for typer's runtime conversion of one parameter (its ``coerce``)."""

    def __init__(self, convert, many: bool, typer_conversion):
        self.convert, self.many, self.typer_conversion = convert, many, typer_conversion

    def coerce(self, value, param, ctx):
        if value is None:
            return () if self.many else None
        if ctx is not None and ctx.token_normalize_func is not None:
            return self.typer_conversion().coerce(value, param=param, ctx=ctx)
        try:
            if self.many:
                if isinstance(value, (list, tuple)):
                    return [self.convert(item) for item in value]
                raise _NotPlain
            return self.convert(value)
        except _NotPlain:
            return self.typer_conversion().coerce(value, param=param, ctx=ctx)


def _plain_settings(parameter_info) -> bool:
    """No custom parser, clamping or path checks: typer's conversion is then the type's alone."""
    return (getattr(parameter_info, "parser", None) is None and getattr(parameter_info, "click_type", None) is None
            and not getattr(parameter_info, "clamp", False) and not getattr(parameter_info, "exists", False)
            and not getattr(parameter_info, "resolve_path", False) and not getattr(parameter_info, "allow_dash", False)
            and getattr(parameter_info, "path_type", None) is None)


def install(command) -> None:
    """Give each parameter of ``command`` (a click command made by typer) the short path, and its
    ``--help`` option, which click makes on first use."""
    for param in command.params:
        _install_on(param)
    make_help_option = getattr(command, "get_help_option", None)
    if make_help_option is None:
        return

    def get_help_option(ctx):
        option = make_help_option(ctx)
        if option is not None:
            _install_on(option)
        return option

    command.get_help_option = get_help_option


def _install_on(param) -> None:
    typer_conversion = getattr(param, "get_runtime_param", None)
    info = getattr(param, "type_descriptor", None)
    if typer_conversion is None or info is None or "get_runtime_param" in vars(param):  # none, or done
        return
    annotation = info.annotation
    many = param.multiple or param.nargs == -1
    if many:
        if typing.get_origin(annotation) is not list:
            return
        (annotation,) = typing.get_args(annotation)
    parameter_info = info.parameter_info
    if not _plain_settings(parameter_info):
        return
    convert = _converter(annotation, getattr(parameter_info, "min", None), getattr(parameter_info, "max", None))
    if convert is not None:
        short_path = _ShortPath(convert, many, typer_conversion)
        param.get_runtime_param = lambda: short_path
