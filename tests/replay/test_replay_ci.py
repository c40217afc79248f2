"""Where course CI lives (docs/ci.md): the pre-commit hook, the GitHub Actions workflow and the
``pytest --gradrepl -n auto`` recipe, each run for real as far as a machine without GitHub allows."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from notebook_builder import code, result, stdout, write_nb
from program import ROOT, program_env

DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.S)


def console_example(starting: str) -> tuple[str, str]:
    for block in blocks("console"):
        command, _, output = block.partition("\n")
        if command.startswith("$ ") and starting in command:
            return command[2:], output
    raise AssertionError(f"docs/ci.md has no console example running {starting!r}")


def lesson(path: Path, recorded: str = "tensor(12.)") -> Path:
    return write_nb(path, [
        code("import torch\nx = torch.tensor(2.0, requires_grad=True)\n(x ** 3).backward()", count=1),
        code("x.grad", count=2, outputs=[result(recorded)]),
    ])


def git(*args, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=gradrepl tests", "-c", "user.email=tests@gradrepl.invalid",
                    "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True)


# --- pre-commit --------------------------------------------------------------------------------------

def hook_repository(directory: Path) -> tuple[Path, str]:
    """This checkout's package as a hook repository: what a course's config points pre-commit at."""
    directory.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, directory / name)
    shutil.copytree(ROOT / "gradrepl", directory / "gradrepl", ignore=shutil.ignore_patterns("__pycache__"))
    git("init", "-q", cwd=directory)
    git("add", "-A", cwd=directory)
    git("commit", "-q", "-m", "gradrepl", cwd=directory)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True, check=True)
    return directory, rev.stdout.strip()


def offline_environment(home: Path) -> dict:
    """As docs/ci.md says for machines without network: the hook's virtualenv sees the packages
    already installed and builds gradrepl without an isolated (downloaded) setuptools."""
    env = program_env(PRE_COMMIT_HOME=str(home), VIRTUALENV_SYSTEM_SITE_PACKAGES="1", PIP_NO_INDEX="1",
                      PIP_NO_BUILD_ISOLATION="0")
    env.pop("PYTHONPATH")  # the hook must run the gradrepl pre-commit installed, not this checkout
    return env


def test_hooks_file_declares_gradrepl_replay():
    (hook,) = HOOKS
    assert hook["id"] == "gradrepl-replay" and hook["entry"] == "gradrepl replay"
    assert hook["language"] == "python" and hook["types"] == ["jupyter"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pre_commit_runs_the_hook_on_a_course_repository(tmp_path):
    pytest.importorskip("pre_commit")
    hooks, rev = hook_repository(tmp_path / "gradrepl")
    course = tmp_path / "course"
    course.mkdir()
    git("init", "-q", cwd=course)
    (documented,) = [b for b in blocks("yaml") if "gradrepl-replay" in b]
    config = documented.replace("https://github.com/<owner>/gradrepl", str(hooks)).replace("v0.1.0", rev)
    (course / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    lesson(course / "lessons" / "cubes.ipynb")
    git("add", "-A", cwd=course)
    env = offline_environment(tmp_path / "pre-commit-home")

    def pre_commit(*args):
        return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=course, env=env,
                              capture_output=True, text=True, timeout=600)

    command, output = console_example("pre-commit run")
    assert shlex.split(command)[-3:] == ["pre-commit", "run", "--all-files"]
    passing = pre_commit("run", "--all-files")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert output.strip() in passing.stdout

    lesson(course / "lessons" / "cubes.ipynb", recorded="tensor(13.)")  # code changed, output not re-recorded
    git("add", "-A", cwd=course)
    failing = pre_commit("run")  # as `git commit` runs it: the staged notebooks
    assert failing.returncode == 1, failing.stdout
    assert "gradrepl replay....." in failing.stdout and "Failed" in failing.stdout
    assert "-tensor(13.)" in failing.stdout and "+tensor(12.)" in failing.stdout
    assert "1 passed, 1 failed, 0 skipped" in failing.stdout  # the closing line of this checkout's replay

    (course / "notes.txt").write_text("no notebook here\n")
    git("add", "notes.txt", cwd=course)
    git("checkout", "-q", "--", ".", cwd=course)
    git("reset", "-q", cwd=course)
    git("add", "notes.txt", cwd=course)
    untouched = pre_commit("run")
    assert untouched.returncode == 0 and "(no files to check)Skipped" in untouched.stdout, untouched.stdout


# --- GitHub Actions ----------------------------------------------------------------------------------

def workflow() -> dict:
    (text,) = [b for b in blocks("yaml") if "jobs:" in b]
    return yaml.safe_load(text)


def test_workflow_is_a_github_actions_workflow():
    flow = workflow()
    assert set(flow[True]) == {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    steps = flow["jobs"]["replay"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    upload = steps[uses.index("actions/upload-artifact")]
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"


def run_steps(course: Path, bin_dir: Path) -> list[subprocess.CompletedProcess]:
    """Each `run:` step of the workflow in bash, as the runner does, but with `gradrepl` meaning this
    checkout. Installing is skipped: it would need the network and replace the machine's gradrepl."""
    done = []
    for step in workflow()["jobs"]["replay"]["steps"]:
        if "run" not in step or "pip install" in step["run"]:
            continue
        env = program_env(**{k: str(v) for k, v in step.get("env", {}).items()})
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
        done.append(subprocess.run(["bash", "-e", "-c", step["run"]], cwd=course, env=env, capture_output=True,
                                   text=True, timeout=300))
    return done


def test_workflow_steps_replay_the_lessons_and_write_the_reports(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "gradrepl"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m gradrepl "$@"\n')
    shim.chmod(0o755)
    course = tmp_path / "course"
    lesson(course / "lessons" / "cubes.ipynb")
    (replay,) = run_steps(course, bin_dir)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "\x1b[" in replay.stdout and replay.stdout.rstrip().endswith("2 passed, 0 failed, 0 skipped\x1b[0m")
    assert {p.name for p in (course / "reports").iterdir()} == {"replay.xml", "replay.html"}

    lesson(course / "lessons" / "cubes.ipynb", recorded="tensor(13.)")
    shutil.rmtree(course / "reports")
    (replay,) = run_steps(course, bin_dir)
    assert replay.returncode == 1  # the job fails ...
    assert {p.name for p in (course / "reports").iterdir()} == {"replay.xml", "replay.html"}  # ... with reports


# --- pytest -n auto ----------------------------------------------------------------------------------

def test_pytest_xdist_recipe_replays_each_notebook_on_one_worker(tmp_path):
    pytest.importorskip("xdist")
    command, _ = console_example("pytest --gradrepl")
    args = shlex.split(command)
    assert args[:4] == ["pytest", "--gradrepl", "-n", "auto"]
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    samples = sorted((ROOT / "samples").glob("*.ipynb"))[:4]
    for notebook in samples:
        shutil.copy(notebook, lessons)
    cells = sum(cell["cell_type"] == "code" for nb in samples for cell in json.loads(nb.read_text())["cells"])
    write_nb(lessons / "stale.ipynb", [code("print(2 + 2)", outputs=[stdout("5\n")]), code("%who_ls")])
    run = subprocess.run([sys.executable, "-m", *args, "-p", "no:cacheprovider", "-p", "no:benchmark", "-v", "-rs"],
                         cwd=tmp_path, env=program_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stdout
    assert "scheduling tests via LoadFileScheduling" in run.stdout
    assert re.search(r"created: \d+/\d+ workers", run.stdout)
    assert "stale.ipynb::cell_1" in run.stdout and "+4" in run.stdout
    assert re.search(rf"= 1 failed, {cells} passed, 1 skipped in ", run.stdout), run.stdout[-2000:]
