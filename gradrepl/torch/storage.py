"""``torch.storage``: the storage classes (gradrepl/engine/storage.py)."""

from gradrepl.engine.storage import TypedStorage, UntypedStorage

__all__ = ["TypedStorage", "UntypedStorage"]
