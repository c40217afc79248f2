"""Building test notebooks in code (nbval's ``build_nb`` idea) instead of keeping opaque fixtures.

    path = write_nb(tmp_path / "a.ipynb", [
        md("# Title"),
        code("print(1)", outputs=[stdout("1\\n")]),
        code("1 / 0", tags=["raises-exception"], outputs=[error("ZeroDivisionError", "division by zero")]),
    ])
"""

from __future__ import annotations

import json
from pathlib import Path


def stdout(text: str) -> dict:
    return {"name": "stdout", "output_type": "stream", "text": text.splitlines(True)}


def stderr(text: str) -> dict:
    return {"name": "stderr", "output_type": "stream", "text": text.splitlines(True)}


def result(text: str, count: int | None = None) -> dict:
    return {"data": {"text/plain": text.splitlines(True)}, "execution_count": count, "metadata": {},
            "output_type": "execute_result"}


def error(ename: str, evalue: str) -> dict:
    return {"ename": ename, "evalue": evalue, "output_type": "error", "traceback": [f"{ename}: {evalue}"]}


def code(source: str, outputs=None, count=None, tags=None, metadata=None, cell_id=None) -> dict:
    meta = dict(metadata or {})
    if tags:
        meta["tags"] = list(tags)
    cell = {"cell_type": "code", "execution_count": count, "metadata": meta, "outputs": list(outputs or []),
            "source": source.splitlines(True)}
    if cell_id:
        cell["id"] = cell_id
    return cell


def md(source: str, cell_id=None, attachments=None) -> dict:
    cell = {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(True)}
    if cell_id:
        cell["id"] = cell_id
    if attachments:
        cell["attachments"] = attachments
    return cell


def build_nb(cells: list, metadata=None, minor: int = 5) -> dict:
    for index, cell in enumerate(cells):
        if isinstance(cell, str):
            cells[index] = cell = code(cell)
        if minor >= 5:
            cell.setdefault("id", f"cell-{index}")
    return {"cells": cells, "metadata": metadata or {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                     "language": "python"}},
            "nbformat": 4, "nbformat_minor": minor}


def dumps_nb(nb: dict) -> str:
    """Exactly as nbformat/Jupyter write a notebook file."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_nb(path, cells: list, **kwargs) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_nb(build_nb(cells, **kwargs)), encoding="utf-8")
    return path
