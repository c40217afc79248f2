"""What ``gradrepl replay`` loads before the first notebook runs: neither pydantic (typer's value
conversion, short-pathed in gradrepl/cli_values.py) nor, without colour, rich."""

import subprocess
import sys

from notebook_builder import code, stdout, write_nb
from program import program_env

PROGRAM = """
import sys
sys.argv = ['gradrepl', 'replay', *sys.argv[1:]]
from gradrepl.cli import main
try:
    main()
except SystemExit as stop:
    print(stop.code, sorted(name for name in ('pydantic', 'rich') if name in sys.modules))
"""


def replay_modules(*args):
    completed = subprocess.run([sys.executable, "-c", PROGRAM, *map(str, args)], capture_output=True, text=True,
                               env=program_env())
    return completed.stdout.splitlines()[-1], completed


def test_replay_without_colour_loads_neither_pydantic_nor_rich(tmp_path):
    path = write_nb(tmp_path / "n.ipynb", [code("print(1)", outputs=[stdout("1\n")])])
    last, completed = replay_modules("--no-color", "-j", "1", "--timeout", "30", path)
    assert last == "0 []", completed.stdout + completed.stderr


def test_replay_in_colour_uses_rich(tmp_path):
    path = write_nb(tmp_path / "n.ipynb", [code("print(1)", outputs=[stdout("1\n")])])
    last, completed = replay_modules("--color", path)
    assert last == "0 ['rich']", completed.stdout + completed.stderr
