"""Ratios, targets and the printed table of benchmarks/engine.py.

Times are only ever compared within a round: each round samples every engine back to back on the
same workload, so the ratio of two samples from one round sees the same machine load. A ratio is
the median of the per-round ratios, with their interquartile range as a measure of the noise.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import engine_workloads as workloads

ENGINES = ("gradrepl", "torch", "numpy")


@dataclass(frozen=True)
class Target:
    label: str         # what the ratio is, as printed
    workload: str      # numerator: gradrepl on this workload
    baseline: str      # "torch" or "numpy": denominator, same workload; "scaling": gradrepl on W6;
                       # "memory": bytes per graph node, gradrepl's over torch's
    limit: float


# issue 11's targets
TARGETS = (
    Target("W1 gradrepl/torch", "W1", "torch", 0.25),
    Target("W2 gradrepl/torch", "W2", "torch", 0.35),
    Target("W4 gradrepl/numpy", "W4", "numpy", 1.03),
    Target("W5 gradrepl/torch", "W5", "torch", 0.6),
    Target("W6 gradrepl/torch", "W6", "torch", 0.3),
    Target("W6k/W6 gradrepl (10x the nodes)", "W6k", "scaling", 10.5),
    *(Target(f"{name} gradrepl/torch", name, "torch", 1.5) for name in workloads.REDUCTION_SHAPES),
    Target("memory per node gradrepl/torch", "memory", "memory", 1.0),
    # issue 9's training steps
    Target("W8 gradrepl/torch", "W8", "torch", 1.0),
    Target("W9 gradrepl/torch", "W9", "torch", 0.5),
)


def paired_ratios(numerator: list[float | None], denominator: list[float | None]) -> dict | None:
    pairs = [a / b for a, b in zip(numerator, denominator) if a is not None and b]
    if not pairs:
        return None
    pairs.sort()
    if len(pairs) >= 4:
        q1, _, q3 = statistics.quantiles(pairs, n=4, method="inclusive")
    else:
        q1, q3 = pairs[0], pairs[-1]
    return {"median": statistics.median(pairs), "q1": q1, "q3": q3, "rounds": len(pairs)}


def summarise(samples: dict) -> dict:
    """samples[workload][engine] = per-iteration seconds, one per round (None: not sampled)."""
    summary = {}
    for name, by_engine in samples.items():
        timed = {e: [s for s in v if s is not None] for e, v in by_engine.items()}
        entry = {"median_seconds": {e: statistics.median(v) for e, v in timed.items() if v},
                 "min_seconds": {e: min(v) for e, v in timed.items() if v},
                 "ratios": {}, "ratios_of_minimums": {}}
        for baseline in ("torch", "numpy"):
            if "gradrepl" in by_engine and baseline in by_engine:
                key = f"gradrepl/{baseline}"
                entry["ratios"][key] = paired_ratios(by_engine["gradrepl"], by_engine[baseline])
                fastest = entry["min_seconds"]
                if "gradrepl" in fastest and baseline in fastest:
                    # Load only ever slows a sample down: each engine's fastest sample is a
                    # second, noise-free estimate when the paired ratios' range is wide.
                    entry["ratios_of_minimums"][key] = fastest["gradrepl"] / fastest[baseline]
        summary[name] = entry
    if "W6" in samples and "W6k" in samples:
        summary["W6k/W6"] = {"scaling": {e: paired_ratios(samples["W6k"][e], samples["W6"][e])
                                         for e in samples["W6k"] if e in samples["W6"]}}
    return summary


def judge(summary: dict) -> list[dict]:
    verdicts = []
    for target in TARGETS:
        if target.workload not in summary or (target.baseline == "scaling" and "W6" not in summary):
            continue
        if target.baseline == "memory":
            verdicts.append(_judge_memory(summary["memory"], target))
            continue
        ratio = _target_ratio(summary, target)
        if ratio is None:
            status = "n/a (no W6 or W6k)" if target.baseline == "scaling" else f"n/a (no {target.baseline})"
        else:
            status = "PASS" if ratio["median"] <= target.limit else "MISS"
        verdicts.append({"target": target.label, "limit": target.limit,
                         "ratio": None if ratio is None else ratio["median"], "status": status})
    return verdicts


def node_bytes(figure: dict) -> float | None:
    """An engine's bytes per held graph node: the larger of after-build and after-backward, by
    tracemalloc where it sees everything (gradrepl), else by the process's resident memory."""
    measured = figure.get("traced") or figure.get("rss")
    return None if measured is None else max(measured["built"], measured["after_backward"])


def _judge_memory(memory: dict, target: Target) -> dict:
    mine, theirs = (node_bytes(memory.get(e, {})) for e in ("gradrepl", "torch"))
    ratio = mine / theirs if mine is not None and theirs else None
    status = "n/a (no torch)" if ratio is None else ("PASS" if ratio <= target.limit else "MISS")
    return {"target": target.label, "limit": target.limit, "ratio": ratio, "status": status}


def _target_ratio(summary: dict, target: Target) -> dict | None:
    if target.baseline == "scaling":
        return summary.get("W6k/W6", {}).get("scaling", {}).get("gradrepl")
    return summary.get(target.workload, {}).get("ratios", {}).get(f"gradrepl/{target.baseline}")


# ---------------------------------------------------------------- printing

def format_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_ratio(ratio: dict | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio['median']:.3g}x [{ratio['q1']:.3g}-{ratio['q3']:.3g}]"


def table(summary: dict, engines: list[str]) -> list[str]:
    """Median times per iteration, then gradrepl's ratios with their interquartile range."""
    baselines = [b for b in ("torch", "numpy") if "gradrepl" in engines and b in engines]
    lines = [f"{'':6}" + "".join(f"{e:>10}" for e in engines)
             + "".join(f"  {'gradrepl/' + b:>22}" for b in baselines)]
    for name in workloads.WORKLOADS:
        if name not in summary:
            continue
        entry = summary[name]
        lines.append(f"{name:6}" + "".join(f"{format_time(entry['median_seconds'].get(e)):>10}"
                                           for e in engines)
                     + "".join(f"  {format_ratio(entry['ratios'].get(f'gradrepl/{b}')):>22}"
                               for b in baselines))
    if "W6k/W6" in summary:
        scaling = summary["W6k/W6"]["scaling"]
        lines.append("W6k/W6" + "".join(f"{_short_ratio(scaling.get(e)):>10}" for e in engines)
                     + "  (10x the nodes: linear is 10x)")
    return lines


def memory_lines(memory: dict) -> list[str]:
    """Bytes per node of a held 10,000-node chain, after building it and after backward."""
    lines = ["", "memory per recorded graph node (10,000-node chain, graph held):",
             f"{'':10}{'built':>10}{'after backward':>16}   measured by"]
    for engine, figure in memory.items():
        if "error" in figure:
            lines.append(f"{engine:10}  failed: {' '.join(figure['error'])}")
            continue
        for measure, label in (("traced", "tracemalloc"), ("rss", "process RSS")):
            if measure in figure:
                f = figure[measure]
                lines.append(f"{engine:10}{f['built']:>8.0f} B{f['after_backward']:>14.0f} B   {label}")
    return lines


def _short_ratio(ratio: dict | None) -> str:
    return "-" if ratio is None else f"{ratio['median']:.3g}x"


def verdict_lines(verdicts: list[dict]) -> list[str]:
    lines = []
    for v in verdicts:
        ratio = "-" if v["ratio"] is None else f"{v['ratio']:.3g}x"
        limit = f"{v['limit']:g}x"
        lines.append(f"  {v['target']:34} {ratio:>8}   target <= {limit:6} {v['status']}")
    return lines
