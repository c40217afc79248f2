"""Record what each help example prints on real PyTorch into gradrepl/torch/docs/examples.json.

Run it where torch is installed, after adding or changing an example:

    PYTHONPATH=$PWD python scripts/record_doc_examples.py

Each example runs as one notebook cell in a fresh session on real torch; its streams and final value
are kept as the cell shows them. tests/repl/test_help.py checks that gradrepl prints the same.
"""

from __future__ import annotations

import json
from pathlib import Path

from gradrepl.session import Session
from gradrepl.torch.docs import _EXAMPLES_FILE, entries


def cell_text(outputs: list[dict]) -> str:
    parts = []
    for output in outputs:
        kind = output["output_type"]
        if kind == "stream":
            parts.append(output["text"])
        elif kind == "execute_result":
            parts.append(output["data"]["text/plain"] + "\n")
        elif kind == "error":
            raise SystemExit(f"example raised {output['ename']}: {output['evalue']}")
    return "".join(parts)


def run_example(engine: str, code: str) -> str:
    session = Session(engine=engine)
    session.run_cell("import torch")
    return cell_text(session.run_cell(code).outputs)


def main() -> None:
    recorded = {}
    for name, (_, _, example) in sorted(entries().items()):
        if example:
            recorded[name] = run_example("torch", example)
    Path(_EXAMPLES_FILE).write_text(json.dumps(recorded, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"recorded {len(recorded)} examples in {_EXAMPLES_FILE}")


if __name__ == "__main__":
    main()
