"""Record real PyTorch's sums and means for tests/engine/summation_cases.py into
tests/goldens/summation.json (each value as float.hex, so the bits are kept). Run with the pinned
torch (2.13) installed, on the kind of machine the lessons were recorded on (x86-64, AVX2 or
better, torch.get_num_threads() == summation.THREADS):

    python scripts/record_summation_goldens.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "engine"))

from summation_cases import SPECS, digest, run  # noqa: E402

from gradrepl.engine.ops import summation  # noqa: E402


def main() -> None:
    if not torch.__version__.startswith("2.13."):
        sys.exit(f"record goldens with torch 2.13, not {torch.__version__}")
    if torch.get_num_threads() != summation.THREADS:
        sys.exit(f"torch runs {torch.get_num_threads()} threads; summation.THREADS is "
                 f"{summation.THREADS}")
    cases = {spec.id: digest(run(torch, spec)) for spec in SPECS}
    payload = {"torch_version": torch.__version__, "threads": summation.THREADS,
               "cpu_capability": torch.backends.cpu.get_cpu_capability(), "cases": cases}
    path = ROOT / "tests" / "goldens" / "summation.json"
    path.write_text(json.dumps(payload, indent=0, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"{path.relative_to(ROOT)}: {len(cases)} cases")


if __name__ == "__main__":
    main()
