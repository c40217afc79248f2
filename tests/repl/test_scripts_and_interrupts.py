"""Scripts and the shell on the real program: Python's exit codes, encodings, notebooks refused,
an unusable history file, and Ctrl-C in a real terminal (issue 12)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "replay"))
from program import environment, run  # noqa: E402

PEP_263 = "but no encoding declared; see https://peps.python.org/pep-0263/ for details"


@pytest.mark.parametrize("code, status, stderr", [
    ("import sys; sys.exit(3)", 3, ""),
    ("import sys; sys.exit()", 0, ""),
    ("import sys; sys.exit(None)", 0, ""),
    ("import sys; sys.exit('bye')", 1, "bye\n"),
    ("import sys; sys.exit(True)", 1, ""),
    ("import sys; sys.exit(256)", 0, ""),
    ("raise SystemExit(-1)", 255, ""),
    ("print('ok')", 0, ""),
])
def test_exit_codes_follow_python_in_c_run_and_stdin(tmp_path, code, status, stderr):
    script = tmp_path / "s.py"
    script.write_text(code + "\n")
    for completed in (run("-c", code), run("run", script), run(input=code.encode())):
        assert (completed.returncode, completed.stderr) == (status, stderr), completed
        assert "Traceback" not in completed.stdout


def test_an_exception_exits_1_with_its_traceback():
    completed = run("-c", "1/0")
    assert completed.returncode == 1
    assert completed.stderr.splitlines()[-1] == "ZeroDivisionError: division by zero"


def test_a_script_with_a_utf8_bom_runs_as_python_runs_it(tmp_path):
    script = tmp_path / "bom.py"
    script.write_bytes(b"\xef\xbb\xbfprint('with a BOM')\n")
    for completed in (run("run", script), run(input=script.read_bytes())):
        assert (completed.returncode, completed.stdout, completed.stderr) == (0, "with a BOM\n", "")


def test_a_coding_cookie_is_honoured(tmp_path):
    script = tmp_path / "latin.py"
    script.write_bytes(b"# -*- coding: latin-1 -*-\nprint('caf\xe9')\n")
    assert run("run", script).stdout == "café\n"


def test_non_utf8_code_is_one_line_as_in_python(tmp_path):
    script = tmp_path / "bad.py"
    script.write_bytes(b"print(1)\n\xff\n")
    completed = run("run", script)
    assert (completed.returncode, completed.stdout) == (1, "")
    assert completed.stderr == f"SyntaxError: Non-UTF-8 code starting with '\\xff' in file {script} on line 2, {PEP_263}\n"
    script.write_bytes(b"x = '\xff'\n")  # on the first line, where tokenize reads the coding cookie
    assert run(script).stderr == f"SyntaxError: Non-UTF-8 code starting with '\\xff' in file {script} on line 1, {PEP_263}\n"
    piped = run(input=b"print(1)\n\xff\n")
    assert piped.returncode == 1
    assert piped.stderr == f"SyntaxError: Non-UTF-8 code starting with '\\xff' in file <stdin> on line 2, {PEP_263}\n"
    import subprocess

    argv = subprocess.run([sys.executable, "-m", "gradrepl", "-c", b"print(1)\xff"], capture_output=True,
                          env=environment())
    assert argv.returncode == 1
    assert argv.stderr == b"gradrepl: cannot run the -c code: it is not UTF-8 text (character 9)\n"


def test_run_refuses_a_notebook(tmp_path):
    notebook = tmp_path / "lesson.ipynb"
    notebook.write_text("{}")
    completed = run("run", notebook)
    assert completed.returncode == 2
    assert completed.stderr == (f"gradrepl run: {notebook} is a notebook, not a Python file; to check it "
                                f"against its recorded outputs: gradrepl replay {notebook}\n")


# --- in a real terminal -------------------------------------------------------------------------

pexpect = pytest.importorskip("pexpect")
_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[=>()][0-9A-B]?)")


def spawn(tmp_path, xdg):
    env = environment(XDG_DATA_HOME=str(xdg), TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
    return pexpect.spawn(sys.executable, ["-m", "gradrepl"], env=env, encoding="utf-8", timeout=30,
                         dimensions=(40, 200), cwd=str(tmp_path))


def test_an_unusable_history_file_falls_back_to_memory_with_one_warning(tmp_path):
    xdg = tmp_path / "xdg"
    (xdg / "gradrepl" / "history").mkdir(parents=True)  # a directory where the file should be
    shell = spawn(tmp_path, xdg)
    try:
        shell.expect(r"In \[1\]: ")
        for count, line in enumerate(["x = 41", "x + 1", "x + 2"], start=1):
            shell.send(line + "\r")
            shell.expect(rf"In \[{count + 1}\]: ")
        shell.send("\x1b[A\r")  # the up arrow still recalls the last line (from memory)
        shell.expect(r"Out\[4\]: 43")
        shell.send("exit\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    screen = _ESCAPES.sub("", shell.before or "")
    everything = _ESCAPES.sub("", shell.logfile_read.getvalue()) if shell.logfile_read else screen
    assert "Unhandled exception" not in everything


def test_history_warning_is_given_once(tmp_path):
    import io

    xdg = tmp_path / "xdg"
    (xdg / "gradrepl" / "history").mkdir(parents=True)
    shell = spawn(tmp_path, xdg)
    shell.logfile_read = io.StringIO()
    try:
        shell.expect(r"In \[1\]: ")
        for count in range(1, 4):
            shell.send(f"{count} * 2\r")
            shell.expect(rf"Out\[{count}\]: {count * 2}")
        shell.send("exit\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    text = _ESCAPES.sub("", shell.logfile_read.getvalue())
    assert text.count("cannot use the history file") == 1
    assert "this session's history is kept in memory only" in text
    assert "Unhandled exception" not in text


def test_three_quick_ctrl_c_always_stop_a_busy_loop_and_the_counter_never_skips(tmp_path):
    import io

    shell = spawn(tmp_path, tmp_path / "xdg")
    shell.logfile_read = io.StringIO()
    try:
        shell.expect(r"In \[1\]: ")
        shell.send("1 + 1\r")  # waits for the engine to load, so the presses below meet the loop
        shell.expect(r"Out\[1\]: 2")
        for attempt in range(6):
            count = 2 * attempt + 2
            shell.send("for i in __import__('itertools').count(): i or print('loop' + 'ing')\r")
            shell.expect("looping")  # printed by the cell, not echoed: the loop has started
            for _ in range(3):
                shell.send("\x03")
                time.sleep(0.005 * attempt)
            shell.expect("KeyboardInterrupt", timeout=10)
            time.sleep(0.2)
            shell.send(f"print('alive', {attempt})\r")
            shell.expect(rf"alive {attempt}", timeout=10)  # the loop stopped: the shell answers
            shell.expect(rf"In \[{count + 2}\]: ")
        shell.send("exit\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    text = _ESCAPES.sub("", shell.logfile_read.getvalue())
    counts = [int(n) for n in re.findall(r"In \[(\d+)\]", text)]
    assert sorted(set(counts)) == list(range(1, 15))  # 1, 2, ... 14: none skipped


def test_sigint_is_blocked_in_the_shells_background_threads(tmp_path):
    shell = spawn(tmp_path, tmp_path / "xdg")
    try:
        shell.expect(r"In \[1\]: ")
        shell.send("import torch; torch.ones(2).sum()\r")  # the engine (and numpy's threads) loaded
        shell.expect(r"Out\[1\]: tensor\(2\.\)")
        tasks = Path(f"/proc/{shell.pid}/task")
        if not tasks.exists():
            pytest.skip("needs /proc")
        blocked = {}
        for task in tasks.iterdir():
            status = (task / "status").read_text()
            mask = int(re.search(r"SigBlk:\s*([0-9a-f]+)", status).group(1), 16)
            blocked[int(task.name)] = bool(mask & (1 << (2 - 1)))  # SIGINT is signal 2
        shell.send("exit\r")
        shell.expect(pexpect.EOF)
    finally:
        shell.close(force=True)
    main = shell.pid
    assert blocked[main] is False
    others = {tid: is_blocked for tid, is_blocked in blocked.items() if tid != main}
    assert others and all(others.values()), others
