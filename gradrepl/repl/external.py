"""Magics that reach outside the session: ``%run FILE.py``, ``!cmd`` and ``%pip``.

They run in the shell and in scripts (``gradrepl -c``), never in replay: a notebook in course CI must
not run shell commands, and replay records such lines as skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gradrepl.session.magics import UsageError

PIP_SENTENCE = (
    "%pip is not run by gradrepl: `torch` here is gradrepl's own engine and needs nothing installed. "
    "To install a package, run `python -m pip install NAME` in a terminal and restart gradrepl."
)


def run_file(shell, line: str) -> None:
    """``%run FILE.py``: run the file as ``__main__``, then keep its names in the session, as
    IPython does (so a lesson's helper script can define tensors the next cell uses)."""
    import shlex

    args = shlex.split(line)
    if not args:
        raise UsageError("%run needs a file name, e.g. %run lesson.py")
    path = Path(args[0])
    if not path.is_file():
        raise UsageError(f"File `{args[0]!r}` not found.")
    if path.suffix == ".ipynb":
        raise UsageError(f"%run runs Python files; use %load {args[0]} to run a notebook's cells")
    try:
        source = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {args[0]}: {exc}") from None
    namespace = shell.namespace
    # The file's own namespace, with the session's builtins so that `import torch` means the same.
    globals_ = {"__name__": "__main__", "__file__": str(path), "__builtins__": namespace["__builtins__"]}
    old_argv = sys.argv
    sys.argv = [str(path), *args[1:]]
    try:
        exec(compile(source, str(path), "exec"), globals_)
    finally:
        sys.argv = old_argv
        namespace.update({k: v for k, v in globals_.items() if not k.startswith("__")})


def _shell_command(command: str) -> subprocess.Popen:
    # The user's shell, as IPython's `!` uses it (so pipes, globs and $VARS work).
    return subprocess.Popen(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, errors="replace",
                            executable=os.environ.get("SHELL") or None)


def system(shell, command: str) -> None:
    """``!cmd``: run it in the system shell; its output is printed as it comes (and so recorded
    by ``%save``)."""
    if not command.strip():
        return None
    process = _shell_command(command)
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
    except KeyboardInterrupt:
        process.terminate()
        raise
    finally:
        process.wait()
    return None


def getoutput(shell, command: str) -> list[str]:
    """``lines = !cmd``: the output's lines, as IPython's ``getoutput`` returns them."""
    process = _shell_command(command)
    out, _ = process.communicate()
    return out.splitlines()


def pip(shell, line: str) -> None:
    print(PIP_SENTENCE)


def pwd(shell, line: str) -> str:
    return os.getcwd()


def cd(shell, line: str) -> None:
    """``%cd DIR`` (home without one), printing the new directory as IPython does."""
    target = os.path.expanduser(line.strip().strip("'\"") or "~")
    try:
        os.chdir(target)
    except OSError as error:
        raise UsageError(f"cd: {target}: {error.strerror}") from None
    print(os.getcwd())


def env(shell, line: str):
    """``%env`` (all variables), ``%env NAME`` (one) and ``%env NAME=value`` / ``%env NAME value``."""
    text = line.strip()
    if not text:
        return dict(os.environ)
    name, sep, value = text.partition("=") if "=" in text else text.partition(" ")
    if not sep:
        if name not in os.environ:
            raise UsageError(f"Environment does not have key: {name}")
        return os.environ[name]
    os.environ[name.strip()] = value.strip()
    print(f"env: {name.strip()}={value.strip()}")
    return None


def ipython_only(shell, line: str, name: str = "") -> None:
    print(f"%{name} configures IPython itself, which gradrepl is not; the line was not run.")
