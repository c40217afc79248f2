"""The one place where the shell meets ``gradrepl.session``: opening a session with ``torch``
already imported, and registering the shell's magics."""

from __future__ import annotations


def open_session(engine: str = "gradrepl"):
    from gradrepl.session import Session
    from gradrepl.session.process import own_process

    own_process()  # the shell and scripts own their process
    session = Session(engine=engine)
    session.preload()
    preimport_torch(session)
    return session


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
