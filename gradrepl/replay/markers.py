"""nbval's per-cell markers, in one table: comments like ``# NBVAL_SKIP`` and tags like ``nbval-skip``.

Each row names a marker by its comment; the tag is derived mechanically (``NBVAL_IGNORE_OUTPUT`` ->
``nbval-ignore-output``), as nbval does. Extra tags other tools use for the same meaning
(``raises-exception`` from nbclient/nbsphinx, ``skip-execution`` from nbclient) are listed per row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Marker:
    attribute: str  # the CellMarkers field it sets
    comment: str
    extra_tags: tuple[str, ...] = ()

    @property
    def tags(self) -> tuple[str, ...]:
        return (self.comment.lower().replace("_", "-"),) + self.extra_tags


MARKERS = (
    Marker("check_output", "NBVAL_CHECK_OUTPUT"),
    Marker("ignore_output", "NBVAL_IGNORE_OUTPUT"),
    Marker("raises_exception", "NBVAL_RAISES_EXCEPTION", ("raises-exception",)),
    Marker("skip", "NBVAL_SKIP", ("skip-execution",)),
)


@dataclass
class CellMarkers:
    check_output: bool = False
    ignore_output: bool = False
    raises_exception: bool = False
    skip: bool = False


def _comments(source: str):
    """Whole-line comments, without the ``#``: nbval's rule for where a marker may be written."""
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("#"):
            yield line.lstrip("#").strip()


def cell_markers(cell: dict, source: str) -> CellMarkers:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    tags = {tag for tag in tags if isinstance(tag, str)} if isinstance(tags, list) else set()
    comments = set(_comments(source))
    markers = CellMarkers()
    for marker in MARKERS:
        if marker.comment in comments or tags.intersection(marker.tags):
            setattr(markers, marker.attribute, True)
    return markers
