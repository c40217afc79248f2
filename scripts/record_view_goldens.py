"""Record real PyTorch's transcripts of the in-place-through-views scenarios into
tests/goldens/engine_views.json (tests/engine/view_scenarios.py). Run with torch 2.13 installed:

    python scripts/record_view_goldens.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "engine"))

import view_scenarios  # noqa: E402


def main() -> None:
    if not torch.__version__.startswith("2.13."):
        sys.exit(f"record goldens with torch 2.13, not {torch.__version__}")
    cases = {name: view_scenarios.run(torch, name) for name in view_scenarios.SCENARIOS}
    payload = {"torch_version": torch.__version__, "count": len(cases), "cases": cases}
    path = ROOT / "tests" / "goldens" / "engine_views.json"
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
