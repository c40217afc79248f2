"""Whether operations are recorded for autograd: no_grad, enable_grad, set_grad_enabled, inference_mode.

The flag lives in a one-element list read on every op, the cheapest global Python offers. Each mode
works as a context manager and as a decorator, as torch's do.

``_enabled`` says whether ops record: grad mode on and inference mode off (torch's inference mode
leaves autograd out whatever ``enable_grad`` says inside it); ``is_grad_enabled()`` reports grad
mode alone, as torch's does. Tensors made in inference mode are inference tensors
(``inference.py``).
"""

from __future__ import annotations

import functools
import inspect

_enabled = [True]  # whether ops record
_grad_mode = [True]  # torch.is_grad_enabled()
_inference = [False]  # torch.is_inference_mode_enabled()
INFERENCE_MADE = [False]  # an inference tensor was made in this process (inference.py)


def is_grad_enabled() -> bool:
    return _grad_mode[0]


def _set(mode: bool) -> None:
    _grad_mode[0] = mode = bool(mode)
    _enabled[0] = mode and not _inference[0]


class _GradMode:
    """Base for the context managers: enter sets the mode, exit restores what was there before."""

    _mode = True

    def __init__(self):
        self._previous = []

    def __enter__(self):
        self._previous.append(_grad_mode[0])
        _set(self._mode)
        return None

    def __exit__(self, *exc):
        _set(self._previous.pop())
        return False

    def __call__(self, func):
        # Used as a decorator: each call runs under a fresh instance of the same mode.
        if inspect.isclass(func):
            raise TypeError(f"{type(self).__name__} cannot decorate a class")
        make = self.clone

        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator_wrapper(*args, **kwargs):
                with make():
                    yield from func(*args, **kwargs)
            return generator_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with make():
                return func(*args, **kwargs)
        return wrapper

    def clone(self):
        return type(self)()


class _NoParamDecorator(_GradMode):
    """``@torch.no_grad`` without parentheses decorates the function itself, as torch's
    ``_NoParamDecoratorContextManager`` does: the class call returns the wrapped function."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __init__(self, orig_func=None):
        super().__init__()


class no_grad(_NoParamDecorator):
    _mode = False


class enable_grad(_NoParamDecorator):
    _mode = True


class set_grad_enabled(_GradMode):
    """Sets the mode on construction (so it works as a plain call), restores it on exit."""

    def __init__(self, mode: bool):
        super().__init__()
        self._mode = bool(mode)
        self._before_call = _grad_mode[0]
        _set(mode)

    def __enter__(self):
        self._previous.append(self._before_call)
        _set(self._mode)
        return None

    def __repr__(self) -> str:
        return f"torch.autograd.grad_mode.set_grad_enabled(mode={self._mode})"

    def clone(self):
        previous = _grad_mode[0]
        fresh = set_grad_enabled(self._mode)
        _set(previous)
        fresh._before_call = previous
        return fresh


class inference_mode(_GradMode):
    """Inference mode: no recording (grad mode off, as torch's ``InferenceMode`` guard sets it), and
    every tensor made inside is an inference tensor; ``inference_mode(False)`` turns it off and
    grad mode on. Also ``@torch.inference_mode`` with or without parentheses."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # @torch.inference_mode without parentheses

    def __init__(self, mode: bool = True):
        super().__init__()
        self.mode = mode

    def __enter__(self):
        self._previous.append((_grad_mode[0], _inference[0]))
        _set_inference(bool(self.mode))
        _set(not self.mode)
        return None

    def __exit__(self, *exc):
        grad, inference = self._previous.pop()
        _set_inference(inference)
        _set(grad)
        return False

    def clone(self):
        return type(self)(self.mode)


def _set_inference(on: bool) -> None:
    if on != _inference[0]:
        from gradrepl.engine import inference

        _inference[0] = on
        inference.marking(on)


def is_inference_mode_enabled() -> bool:
    return _inference[0]


# Shown as torch shows them: ``torch.no_grad()`` displays ``<torch.autograd.grad_mode.no_grad at 0x...>``.
for _mode_class in (no_grad, enable_grad, set_grad_enabled, inference_mode):
    _mode_class.__module__ = "torch.autograd.grad_mode"
