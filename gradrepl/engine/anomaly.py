"""Anomaly detection switches, accepted and remembered but not acted on.

torch's in-place error message tells learners to call ``torch.autograd.set_detect_anomaly(True)``;
gradrepl's backward already names the failing op, so the switches only record the mode (and
``detect_anomaly`` warns as torch does) so that following the hint never fails.
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
