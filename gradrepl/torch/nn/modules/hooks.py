"""The handle ``register_forward_hook`` and friends return: ``handle.remove()`` unregisters."""

from __future__ import annotations

import itertools

_next_id = itertools.count()


class RemovableHandle:
    """Removes one hook from the dicts it was registered in."""

    def __init__(self, hooks: dict, *extra: dict):
        self.id = next(_next_id)
        self._tables = (hooks,) + extra

    def remove(self) -> None:
        for table in self._tables:
            table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


RemovableHandle.__module__ = "torch.utils.hooks"
