"""Record real PyTorch's answers for the engine tests into tests/goldens/engine_*.json.

The cases are the ones the tests run (tests/engine/op_cases.py, scenarios.py and
autograd_scenarios.py), run here on
torch through the same helper, so a golden is exactly what the live differential test would
compare against. Run with the pinned torch (2.13) installed:

    python scripts/record_engine_goldens.py            # every golden file
    python scripts/record_engine_goldens.py --only engine_ops_shape.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "engine"))

from op_cases import CASES  # noqa: E402
from op_helper import GOLDENS_DIR, run_case  # noqa: E402


FILES = ("engine_ops.json", "engine_ops_catalogue.json", "engine_ops_shape.json",
         "engine_scenarios.json", "autograd_scenarios.json")
_ONLY: set = set(FILES)


def write(name: str, cases) -> None:
    """Record ``cases`` (a callable giving them, run only when ``name`` is wanted)."""
    import torch

    if name not in _ONLY:
        return
    cases = cases()
    payload = {"torch_version": torch.__version__, "count": len(cases), "cases": cases}
    path = GOLDENS_DIR / name
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(cases)} cases")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description="Record real PyTorch's answers for the engine tests into "
                    "tests/goldens/engine_*.json (needs torch 2.13 installed). Without options, "
                    "every golden file is recorded again.")
    parser.add_argument("--only", action="append", choices=FILES, metavar="FILE",
                        help=f"record this golden file only (repeatable; one of {', '.join(FILES)})")
    args = parser.parse_args(argv)
    _ONLY.clear()
    _ONLY.update(args.only or FILES)
    import torch

    if not torch.__version__.startswith("2.13."):
        sys.exit(f"record goldens with torch 2.13, not {torch.__version__}")
    write("engine_ops.json", lambda: {c.id: run_case(torch, c) for c in CASES})
    # issue 7's catalogue, in a file of its own (tests/engine/test_ops_catalogue.py)
    from op_cases_math import CASES as CATALOGUE
    import op_cases_reductions  # noqa: F401  (appends to CATALOGUE)

    write("engine_ops_catalogue.json", lambda: {c.id: run_case(torch, c) for c in CATALOGUE})
    import op_cases_shape  # shape, indexing and linear algebra (issue 7): a file of their own

    write("engine_ops_shape.json", lambda: {c.id: run_case(torch, c) for c in op_cases_shape.CASES})
    try:
        import scenarios
    except ImportError:
        return
    write("engine_scenarios.json",
          lambda: {name: scenarios.run(torch, name) for name in scenarios.SCENARIOS})
    import autograd_scenarios

    write("autograd_scenarios.json",
          lambda: {name: autograd_scenarios.run(torch, name) for name in autograd_scenarios.SCENARIOS})


if __name__ == "__main__":
    main()
