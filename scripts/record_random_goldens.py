"""Record torch's random normals into tests/goldens/random.json, bit for bit.

Two kinds of case:
- ``normals``: what ``torch.randn(n)`` or ``torch.empty(n).normal_(mean, std)`` returns right after
  ``torch.manual_seed(seed)``, for float32 and float64, sizes on both sides of 16 and of multiples
  of 16 (the vectorised kernel recomputes the last 16 values when n is not a multiple).
- ``kernel``: the float32 uniforms ``torch.rand(16 * blocks)`` draws after a seed, and the normals
  ``torch.randn(16 * blocks)`` makes from the very same uniforms, so that the Box-Muller kernel
  (vector_math's log, sincos and fma) can be checked without going through the generator.

Values are stored as hex bit patterns (8 digits for float32, 16 for float64, space-separated),
never as decimal text. Run with the pinned torch (2.13) installed:

    python scripts/record_random_goldens.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parent.parent / "tests" / "goldens" / "random.json"

SEEDS = [0, 1, 42, 2024, 2**32 - 1, 2**32 + 5]
SIZES = [1, 2, 15, 16, 17, 23, 32, 40, 64, 100]
MEAN_STD = [(0.0, 1.0), (-3.0, 0.37)]
KERNEL_SEEDS = range(4)
KERNEL_BLOCKS = 32


def hex_bits(values: torch.Tensor) -> str:
    """The values' bit patterns in hex, space-separated: 8 digits for float32, 16 for float64."""
    array = values.detach().numpy()
    unsigned = {4: np.uint32, 8: np.uint64}[array.itemsize]
    width = 2 * array.itemsize
    return " ".join(format(int(b), f"0{width}x") for b in array.view(unsigned).ravel())


def normals_cases() -> list[dict]:
    cases = []
    for seed in SEEDS:
        for n in SIZES:
            for dtype in ("float32", "float64"):
                for mean, std in MEAN_STD:
                    torch.manual_seed(seed)
                    if (mean, std) == (0.0, 1.0):
                        op, values = "randn", torch.randn(n, dtype=getattr(torch, dtype))
                    else:
                        op = "normal_"
                        values = torch.empty(n, dtype=getattr(torch, dtype)).normal_(mean, std)
                    cases.append({"op": op, "seed": seed, "n": n, "dtype": dtype,
                                  "mean": mean, "std": std, "bits": hex_bits(values)})
    return cases


def kernel_cases() -> list[dict]:
    cases = []
    for seed in KERNEL_SEEDS:
        n = 16 * KERNEL_BLOCKS
        torch.manual_seed(seed)
        uniforms = torch.rand(n)
        torch.manual_seed(seed)
        normals = torch.randn(n)
        cases.append({"seed": seed, "uniforms": hex_bits(uniforms), "normals": hex_bits(normals)})
    return cases


def main() -> None:
    goldens = {
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "normals": normals_cases(),
        "kernel": kernel_cases(),
    }
    OUT.write_text(json.dumps(goldens, indent=1) + "\n")
    print(f"wrote {len(goldens['normals'])} normal cases and {len(goldens['kernel'])} kernel cases "
          f"to {OUT}")


if __name__ == "__main__":
    main()
