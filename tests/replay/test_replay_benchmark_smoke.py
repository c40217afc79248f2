"""benchmarks/replay_samples.py in its quickest form: one round of gradrepl on a one-notebook
folder, nbval skipped saying why when its interpreter is missing. Times nothing it asserts on."""

import json
import subprocess
import sys

from notebook_builder import code, stdout, write_nb
from program import ROOT


def test_the_replay_benchmark_runs_and_skips_nbval_politely(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    write_nb(folder / "n.ipynb", [code("print(1)", outputs=[stdout("1\n")])])
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "replay_samples.py"), str(folder),
                           "--rounds", "1", "--runners", "gradrepl,nbval", "--nbval-python", str(tmp_path / "none"),
                           "--json", str(tmp_path / "r.json")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nbval skipped:" in done.stderr and "lacks nbval, ipykernel, torch" in done.stderr
    saved = json.loads((tmp_path / "r.json").read_text())
    [row] = saved["runners"]
    assert row["runner"] == "gradrepl" and row["exit_codes"] == [0] and len(row["walls_s"]) == 1
    assert row["cpu_median_s"] > 0 and "nbval" in saved["skipped"]
