"""The one place where the shell meets ``gradrepl.session``: opening a session with ``torch``
already imported, and registering the shell's magics."""

from __future__ import annotations


def open_session(engine: str = "gradrepl"):
    from gradrepl.session import Session

    session = Session(engine=engine)
    preimport_torch(session)
    return session


def preimport_torch(session) -> None:
    """Put ``torch`` in the namespace through the session's own import aliasing, without
    spending an execution count on it (the user's first cell is still ``In [1]``)."""
    namespace = session.namespace
    if "torch" in namespace:
        return
    exec("import torch", namespace)
