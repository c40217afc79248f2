"""Where this machine's torch takes its float32 sqrt, exp, log, sin, cos and tanh from (needs torch;
docs/floats.md "CPU vendor").

    PYTHONPATH=$PWD python scripts/measure_amd_float_math.py
    PYTHONPATH=$PWD ATEN_CPU_CAPABILITY=avx2 python scripts/measure_amd_float_math.py

For each function, on 200,000 random inputs: how many of torch's results differ from the correctly
rounded value, from SLEEF's u10 algorithm (gradrepl's float_math.sleef versions, the ones torch's
Vectorized<float> calls), and between a contiguous and a strided input; and, where torch is not
correctly rounded, how far from a rounding midpoint the exact value lay. Run under both
capabilities: a result that does not move with ATEN_CPU_CAPABILITY is not SLEEF of ATen's vector
width but MKL's own code (chosen by CPU vendor).
"""

from __future__ import annotations

import numpy as np


def main():
    import torch

    from gradrepl.engine.float_math import sleef, sleef_single

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(200_000) * 3).astype(np.float32)
    positive = np.abs(x) + np.float32(1e-3)
    sleef_versions = {"exp": sleef.expf, "log": sleef_single.logf}
    print(f"capability {torch.backends.cpu.get_cpu_capability()}")
    for name, inputs, exact in [("sqrt", positive, np.sqrt), ("exp", x, np.exp),
                                ("log", positive, np.log), ("sin", x, np.sin),
                                ("cos", x, np.cos), ("tanh", x, np.tanh)]:
        ours = getattr(torch, name)(torch.from_numpy(inputs)).numpy()
        strided = getattr(torch, name)(torch.from_numpy(np.repeat(inputs, 2))[::2]).numpy()
        exact64 = exact(inputs.astype(np.float64))
        rounded = exact64.astype(np.float32)
        below = np.where(rounded.astype(np.float64) > exact64,
                         np.nextafter(rounded, np.float32(-np.inf)), rounded)
        position = (exact64 - below) / np.spacing(below).astype(np.float64)  # 0..1 ulp
        differ = ours != rounded
        line = (f"{name}: {differ.mean():.2%} differ from correctly rounded; "
                f"strided vs contiguous {np.mean(ours != strided):.2%}")
        if differ.any():
            distance = np.max(np.abs(position[differ] - 0.5))
            line += f"; exact value within {distance:.3f} ulp of a midpoint"
        if name in sleef_versions:
            line += f"; {np.mean(ours != sleef_versions[name](inputs)):.2%} differ from SLEEF u10"
        print(line)


if __name__ == "__main__":
    main()
