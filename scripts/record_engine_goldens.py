"""Record real PyTorch's answers for the engine tests into tests/goldens/engine_*.json.

The cases are the ones the tests run (tests/engine/op_cases.py, scenarios.py and
autograd_scenarios.py), run here on
torch through the same helper, so a golden is exactly what the live differential test would
compare against. Run with the pinned torch (2.13) installed:

    python scripts/record_engine_goldens.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "engine"))

from op_cases import CASES  # noqa: E402
from op_helper import GOLDENS_DIR, run_case  # noqa: E402


def write(name: str, cases: dict) -> None:
    payload = {"torch_version": torch.__version__, "count": len(cases), "cases": cases}
    path = GOLDENS_DIR / name
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(cases)} cases")


def main() -> None:
    if not torch.__version__.startswith("2.13."):
        sys.exit(f"record goldens with torch 2.13, not {torch.__version__}")
    write("engine_ops.json", {c.id: run_case(torch, c) for c in CASES})
    try:
        import scenarios
    except ImportError:
        return
    write("engine_scenarios.json", {name: scenarios.run(torch, name) for name in scenarios.SCENARIOS})
    import autograd_scenarios

    write("autograd_scenarios.json",
          {name: autograd_scenarios.run(torch, name) for name in autograd_scenarios.SCENARIOS})


if __name__ == "__main__":
    main()
