"""Anomaly detection: ``set_detect_anomaly`` / ``detect_anomaly`` and the NaN check they turn on.

While the mode is on (with ``check_nan``), backward checks every gradient a node returns and
stops at the first NaN with torch's error, naming the node (``Function 'SqrtBackward0' returned
nan values in its 0th output.``). Any error raised while running a node (that one, an in-place
modification, a failing hook) is preceded by torch's "Error detected in ..." warning. torch's
warning also carries the traceback of the forward call that made the node; gradrepl does not
record forward tracebacks, so its warning stops after the first line.
"""

from __future__ import annotations

_state = {"enabled": False, "check_nan": True}

_WARNING = ("Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.")


def is_anomaly_enabled() -> bool:
    return _state["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    return _state["check_nan"]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    _state["enabled"], _state["check_nan"] = bool(enabled), bool(check_nan)


class _AnomalyMode:
    """Restores the previous mode on exit, as a context manager or decorator."""

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return func(*args, **kwargs)
        return wrapper

    def __enter__(self):
        set_anomaly_enabled(*self._args)
        return None

    def __exit__(self, *exc) -> None:
        set_anomaly_enabled(*self._previous)


class set_detect_anomaly(_AnomalyMode):
    """Takes effect when called (a plain statement works too) and undoes it on leaving a ``with``."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._previous = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        self._args = (mode, check_nan)
        set_anomaly_enabled(mode, check_nan)


class detect_anomaly(_AnomalyMode):
    def __init__(self, check_nan: bool = True):
        from gradrepl.engine.warn import warn_user

        self._previous = (is_anomaly_enabled(), is_anomaly_check_nan_enabled())
        self._args = (True, check_nan)
        warn_user(_WARNING)


for _cls in (set_detect_anomaly, detect_anomaly):
    _cls.__module__ = "torch.autograd.anomaly_mode"


def check_nan(node, grads) -> None:
    """torch's anomaly-mode check on what one node's backward returned (engine.cpp)."""
    import numpy as np

    for i, g in enumerate(grads):
        if g is None:
            continue
        data = getattr(g, "_data", g)
        if np.asarray(data).dtype.kind == "f" and np.isnan(data).any():
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")


def warn_error_detected(node) -> None:
    """The warning torch gives in anomaly mode before any error from running ``node``; torch's
    goes on with the forward call's traceback, which gradrepl does not record."""
    from gradrepl.engine.warn import warn_user

    warn_user(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n"
              " (Triggered internally at /__w/pytorch/pytorch/torch/csrc/autograd/"
              "python_anomaly_mode.cpp:122.)")
