"""Memory per recorded graph node: a 10,000-node scalar chain, measured in a fresh process.

    python benchmarks/engine_memory.py ENGINE [--gradrepl-path DIR]     (ENGINE: gradrepl or torch)

Prints one JSON line: bytes per node while the graph is held (after it is built, and again after
``backward()`` has freed what the nodes saved), by two measures:
  traced  tracemalloc's count of Python and numpy allocations: everything gradrepl allocates, and
          nothing of torch's (its nodes and tensors are C++ objects), so it is given for gradrepl;
  rss     the growth of the process's resident memory, the only measure that sees torch's C++
          heap. It moves in whole pages, and only grows where freed memory is not being reused,
          so the process warms up on a short chain (lazily built tables) and then measures a
          fresh one.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tracemalloc

NODES = 10_000  # the W6k chain: a mul and an add per pair
CHAIN_X = 0.75


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def build_chain(torch, nodes: int = NODES):
    x = torch.tensor(CHAIN_X, requires_grad=True)
    y = x
    for _ in range(nodes // 2):
        y = y * 0.5
        y = y + x
    return x, y


def snapshot(traced: bool) -> tuple[int, int]:
    gc.collect()
    return (tracemalloc.get_traced_memory()[0] if traced else 0), resident_bytes()


def measure(torch, traced: bool) -> dict:
    """Bytes per node: graph built, then after backward (the graph still held by ``y``)."""
    x, y = build_chain(torch, 100)  # warm up: lazily built tables (memory it frees is reused)
    y.backward()
    del x, y
    if traced:
        tracemalloc.start()
    base = snapshot(traced)
    x, y = build_chain(torch)
    built = snapshot(traced)
    y.backward()
    after_backward = snapshot(traced)
    del x, y
    freed = snapshot(traced)
    result = {"nodes": NODES}
    for i, measure_name in enumerate(("traced", "rss")):
        if measure_name == "traced" and not traced:
            continue
        result[measure_name] = {
            "built": (built[i] - base[i]) / NODES,
            "after_backward": (after_backward[i] - base[i]) / NODES,
            "after_del": (freed[i] - base[i]) / NODES,
        }
    return result


def main(argv: list[str]) -> int:
    engine = argv[0]
    if "--gradrepl-path" in argv:
        sys.path.insert(0, argv[argv.index("--gradrepl-path") + 1])
    if engine == "torch":
        import torch
    else:
        import gradrepl.torch as torch
    # RSS first, in its own pass: tracemalloc's own bookkeeping would show in the RSS.
    rss = measure(torch, traced=False)
    result = {"engine": engine, **rss}
    if engine != "torch":
        result["traced"] = measure(torch, traced=True)["traced"]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
