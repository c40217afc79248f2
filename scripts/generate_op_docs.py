"""Regenerate the lists of supported ops in README.md and docs/ops.md from the op registry.

Run after adding or changing an op: python scripts/generate_op_docs.py
(tests/engine/test_registry.py fails while either list is stale).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gradrepl.engine.ops  # noqa: E402,F401  (registers every op)
from gradrepl.engine.ops.registry_docs import replace_block, targets  # noqa: E402


def main() -> None:
    for path, block in targets(ROOT).items():
        old = path.read_text(encoding="utf-8")
        new = replace_block(old, block)
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path.relative_to(ROOT)}")
        else:
            print(f"{path.relative_to(ROOT)} is current")


if __name__ == "__main__":
    main()
