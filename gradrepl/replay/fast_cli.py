"""``gradrepl replay`` without typer, for the plain command lines CI and the benchmark use.

Importing typer and building the command costs about 94 M instructions (~40 ms of CPU on the
Intel machine), as much as a dozen small notebooks' replay. ``parse`` reads a replay command line
made only of notebook paths, the flags that take no value, and ``--jobs N`` / ``-j N`` with N a
plain positive number, and builds the request typer would build from it. Anything else (help, a
value to convert, ``--``, combined short flags, a ``.py`` path, no path at all, an unknown
option) returns None and goes to typer, which gives its own conversions and messages.
``tests/replay/test_replay_fast_cli.py`` checks the two against each other on generated argv.
"""

from __future__ import annotations

import errno
import re
import sys

from gradrepl.replay.options import OPTIONS, switch_spellings

# spelling -> (ReplayRequest or ReplayOptions field, value), from replay's one option table: the
# last of --color/--no-color wins, as in click
_FLAGS = switch_spellings()
_JOBS = OPTIONS["jobs"].flags
_JOBS_EQUALS = _JOBS[0] + "="
_PLAIN_NUMBER = re.compile(r"[1-9][0-9]{0,5}")


def parse(argv: list[str]):
    """The ReplayRequest for ``gradrepl replay ARGV``, or None when typer must parse it."""
    values = {field: OPTIONS[field].default for field, _ in _FLAGS.values()}
    values["jobs"] = OPTIONS["jobs"].default
    paths: list[str] = []
    args = iter(argv)
    for arg in args:
        if arg in _FLAGS:
            name, value = _FLAGS[arg]
            values[name] = value
        elif arg in _JOBS or arg.startswith(_JOBS_EQUALS):
            number = arg[len(_JOBS_EQUALS):] if arg.startswith(_JOBS_EQUALS) else next(args, "")
            if not _PLAIN_NUMBER.fullmatch(number):
                return None
            values["jobs"] = int(number)
        elif arg.startswith("-") or arg.endswith(".py") or not arg:
            return None  # an option typer converts or refuses, `--`, `-`, a Python file
        else:
            paths.append(arg)
    if not paths:
        return None
    from gradrepl.replay.command import ReplayRequest
    from gradrepl.replay.results import ReplayOptions

    options = ReplayOptions(engine="gradrepl", timeout=None, tolerance=values["tolerance"],
                            compare_stderr=values["compare_stderr"], lax=values["lax"], sanitizers=(),
                            fail_fast=values["fail_fast"])
    return ReplayRequest(paths=paths, options=options, update=values["update"], json_path=None,
                         junit_path=None, html_path=None, jobs=values["jobs"], verbose=values["verbose"],
                         color=values["color"])


def main(argv: list[str]) -> None:
    """Run ``gradrepl replay ARGV`` if ``parse`` takes it, exiting as typer's command would
    (its status; Ctrl-C outside the replay 130; end of input "Aborted!" and 1; a closed pipe 1);
    return (to typer) if not."""
    request = parse(argv)
    if request is None:
        return
    from gradrepl.replay.command import run

    try:
        status = run(request)
    except EOFError:
        sys.stderr.write("\nAborted!\n")
        sys.stderr.flush()
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as error:
        if error.errno != errno.EPIPE:
            raise
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)
        sys.stderr = PacifyFlushWrapper(sys.stderr)
        sys.exit(1)
    sys.exit(status)
