"""Fuzzing the real program with generated hostile notebooks (issue 12).

Files are mutated at random places (values swapped for nulls, numbers, huge integers, deep nesting,
lone surrogates, wrong types; text truncated) and cells are drawn from a list of hostile code. One
``gradrepl replay --update --json`` run over all of them must exit 2 naming each unusable file in
one line and touching none; a second run over the files it accepted must exit 0 or 1. Neither may
print a traceback, and no byte of a notebook other than its outputs and execution counts may change.
The seed is fixed so a failure reproduces; each run takes a few seconds.
"""

from __future__ import annotations

import copy
import json
import random

import pytest

from notebook_builder import build_nb, code, dumps_nb, error, md, result, stdout
from program import run

HOSTILE_SOURCES = [
    "import os; os._exit(0)",
    "import os; os._exit(3)",
    "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
    "import os; os.chdir('/')",
    "globals().clear()",
    "del In",
    "import builtins; builtins.print = None",
    "import sys; sys.setrecursionlimit(50)",
    "class E(Exception):\n    def __str__(self): raise RuntimeError\nraise E",
    "print('\\udcff')",
    "print('=' * 50000)",
    "import sys; sys.exit(4)",
    "raise KeyboardInterrupt",
    "input()",
    # a thread printing forever, starting after its cell ended: in no cell, never on the terminal
    "import threading, time\nthreading.Thread(target=lambda: time.sleep(0.1) or [print('la' + 'te') or "
    "time.sleep(0.01) for _ in range(10**6)], daemon=False).start()",
    "def f(): f()\nf()",
    "import torch\ntorch.manual_seed(1); torch.randn(3)",
    "x = 1\nx",
    "%timeit -n1 1",
    "!echo shell",
]

ODD_VALUES = [None, 5, -1.5, True, "x", [], {}, [[[[[[[[[[]]]]]]]]]], "\udcff", ["a", 1], {"a": None}]


def lesson(rng: random.Random) -> dict:
    cells = [md("# A lesson\n\nwith *markdown*", cell_id="intro")]
    for index in range(rng.randint(1, 5)):
        source = rng.choice(HOSTILE_SOURCES) if rng.random() < 0.6 else f"print({index})"
        outputs = rng.choice([[], [stdout(f"{index}\n")], [result("1", 1)], [error("ValueError", "v")]])
        cells.append(code(source, outputs=outputs, count=rng.choice([None, index + 1]),
                          tags=rng.choice([None, ["raises-exception"], ["nbval-ignore-output"]])))
    return build_nb(cells, metadata={"kernelspec": {"name": "python3"}, "custom": {"ünïcode": "é"}})


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, prefix + (index,))


def mutated(rng: random.Random, nb: dict) -> str:
    """The notebook's text with one hostile change."""
    kind = rng.random()
    if kind < 0.1:
        text = dumps_nb(nb)
        return text[:rng.randrange(len(text))]  # a truncated download
    if kind < 0.15:
        return dumps_nb(nb).replace('"nbformat": 4', '"nbformat": ' + "9" * 5000)  # a huge integer
    nb = copy.deepcopy(nb)
    path = rng.choice([p for p in _paths(nb) if p])
    target = nb
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = copy.deepcopy(rng.choice(ODD_VALUES))
    return json.dumps(nb, indent=1, ensure_ascii=rng.random() < 0.5)


def without_outputs(text: str):
    """What --update must leave alone: all but the outputs, counts and the CPU stamp."""
    nb = json.loads(text)
    for cell in nb.get("cells", []):
        if isinstance(cell, dict):
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    stamp = nb.get("metadata", {}).get("gradrepl") if isinstance(nb.get("metadata"), dict) else None
    if isinstance(stamp, dict):
        stamp.pop("cpu_vendor", None)
        stamp.pop("cpu_isa", None)
        if not stamp:
            del nb["metadata"]["gradrepl"]
    return nb


@pytest.mark.parametrize("seed", [12, 1212, 7])
def test_hostile_notebooks_never_crash_replay_or_lose_a_byte(tmp_path, seed):
    rng = random.Random(seed)
    files = {}
    for number in range(24):
        nb = lesson(rng)
        text = mutated(rng, nb) if number % 2 else dumps_nb(nb)
        path = tmp_path / f"nb{number:02}.ipynb"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        files[path] = path.read_bytes()

    everything = run("replay", "--update", "--timeout", "5", "--json", tmp_path / "r.json", *files, timeout=120)
    assert "Traceback" not in everything.stdout + everything.stderr
    assert everything.returncode == 2, everything.stdout
    refused = [line for line in everything.stdout.splitlines() if line.startswith("error: ")]
    assert len(refused) == len(everything.stdout.splitlines())  # nothing ran: only the one-line errors
    assert all(path.read_bytes() == before for path, before in files.items())
    named = {line.split(": ")[1] for line in refused}
    usable = [path for path in files if str(path) not in named]
    assert len(usable) >= 12  # every unmutated lesson at least

    accepted = run("replay", "--update", "--jobs", "2", "--timeout", "5", "--json", tmp_path / "r.json",
                   "--junit-xml", tmp_path / "r.xml", *usable, timeout=180)
    output = accepted.stdout + accepted.stderr
    assert "Traceback" not in output and "late" not in output
    assert accepted.returncode in (0, 1), output
    report = json.loads((tmp_path / "r.json").read_text())
    assert [n["path"] for n in report["notebooks"]] == [str(p) for p in usable]
    for path in usable:
        before, after = files[path].decode("utf-8"), path.read_text(encoding="utf-8")
        if after != before:
            assert without_outputs(after) == without_outputs(before), path
