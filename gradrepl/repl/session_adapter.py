"""The one place where the shell meets ``gradrepl.session``: opening a session with ``torch``
already imported, the magics registered and unknown magics made errors (as in IPython: replay,
which records them as skipped, opens its sessions elsewhere)."""

from __future__ import annotations

# Magics a script (`gradrepl -c`, piped stdin, `gradrepl FILE.py`) has too: those that need no shell.
SCRIPT_MAGICS = ("who", "whos", "lsmagic", "history", "hist", "graph", "run", "pip", "pwd", "cd", "env", "!", "!!",
                 "?", "reset", "load_ext", "reload_ext", "unload_ext", "autoreload", "config")


class ScriptShell:
    """What the magics need from a shell, for code run without one."""

    def __init__(self, session):
        self.session = session
        self.initial_names = set(session.namespace)
        self.cells = []

    @property
    def namespace(self) -> dict:
        return self.session.namespace

    def ask(self, question: str) -> str:
        return ""

    def input_history(self):
        return list(enumerate(self.session.history, start=1))


def open_session(engine: str = "gradrepl"):
    from gradrepl.repl.magics import MAGICS
    from gradrepl.session import Session

    session = Session(engine=engine)
    session.magics.strict = True
    session.preload()
    preimport_torch(session)
    script = ScriptShell(session)
    register_magics(session, {name: MAGICS[name] for name in SCRIPT_MAGICS}, script)
    install_help(session, script)
    return session


def install_help(session, shell) -> None:
    """``help(obj)`` shows gradrepl's help texts (and pages them), not pydoc's dump of internals."""
    from gradrepl.repl.help import make_help

    builtins = session.namespace.get("__builtins__")
    if isinstance(builtins, dict):  # the session's own builtins (not the interpreter's module)
        builtins["help"] = make_help(shell)


def preimport_torch(session) -> None:
    """Put ``torch`` in the namespace through the session's own import aliasing, without
    spending an execution count on it (the user's first cell is still ``In [1]``)."""
    namespace = session.namespace
    if "torch" in namespace:
        return
    # exec in the namespace, so the import goes through the session's own __import__ (aliasing).
    exec("import torch", namespace)


def register_magics(session, magics: dict, shell) -> None:
    """Each shell magic ``func(shell, line)`` becomes the session magic ``%name line``."""

    def bind(func):
        return lambda line: func(shell, line)

    for name, func in magics.items():
        session.register_magic(name, bind(func))
