"""Replay's one option table (gradrepl.replay.options) is what the typer command, the typer-free
command line and the pytest plugin all offer: same spellings, defaults and help."""

import math

import pytest

from gradrepl.replay import options as replay_options
from gradrepl.replay import pytest_plugin
from gradrepl.replay.options import OPTIONS, cell_time_limit, tolerance_fields


def _typer_replay_params():
    import typer

    from gradrepl import commands

    command = typer.main.get_command(commands.app).commands["replay"]
    return {param.name: param for param in command.params}


def test_the_typer_command_offers_every_option_as_declared():
    params = _typer_replay_params()
    assert set(params) - {"paths"} == set(OPTIONS)
    for field, option in OPTIONS.items():
        param = params[field]
        spellings = set(param.opts) | set(param.secondary_opts)
        declared = {half for flag in option.flags for half in flag.split("/")}
        assert spellings == declared, field
        assert param.help == option.help, field
        default = param.default.value if hasattr(param.default, "value") else param.default
        assert default == option.default, field


class _Recorder:
    def __init__(self):
        self.added = {}

    def getgroup(self, *args):
        return self

    def addoption(self, flag, **kwargs):
        self.added[flag] = kwargs


def test_the_pytest_plugin_offers_the_plugin_options_as_declared():
    recorder = _Recorder()
    pytest_plugin.pytest_addoption(recorder)
    plugin_options = [option for option in OPTIONS.values() if option.plugin]
    assert set(recorder.added) == {"--gradrepl"} | {option.plugin_flag for option in plugin_options}
    for option in plugin_options:
        added = recorder.added[option.plugin_flag]
        assert added["default"] == option.default
        assert added["help"] == option.plugin_help
        assert "--tolerance" not in added["help"]  # the plugin names its own options
        if option.value not in (None, str):
            assert added["type"] is option.value


def test_the_fast_command_line_knows_every_switch():
    from gradrepl.replay import fast_cli

    switches = [option for option in OPTIONS.values() if option.value is None]
    for option in switches:
        for flag in option.flags:
            for half in flag.split("/"):
                assert half in fast_cli._FLAGS
    assert set(fast_cli._FLAGS) == set(replay_options.switch_spellings())


@pytest.mark.parametrize("given, expected", [(None, None), (0.0, None), (math.inf, None), (2.5, 2.5)])
def test_cell_time_limit(given, expected):
    assert cell_time_limit(given) == expected


@pytest.mark.parametrize("given", [math.nan, -1.0])
def test_cell_time_limit_refuses_nan_and_negative(given):
    with pytest.raises(ValueError, match="--timeout must be a number of seconds"):
        cell_time_limit(given)


def test_tolerance_fields():
    assert tolerance_fields(False, None, None) == {"tolerance": False}
    assert tolerance_fields(False, 1e-2, None) == {"tolerance": True, "rtol": 1e-2}
    assert tolerance_fields(True, None, 0.5) == {"tolerance": True, "atol": 0.5}
