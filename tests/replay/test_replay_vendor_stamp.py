"""``--update`` stamps the CPU the new outputs were computed as in ``metadata.gradrepl``: its
vendor (``cpu_vendor``) and instruction set (``cpu_isa``) (docs/replay.md, "Samples on another
CPU"), touching no other byte; a notebook it does not rewrite keeps its stamp."""

import json

import pytest
from typer.testing import CliRunner

from gradrepl.cli import app
from gradrepl.engine.cpu_capability import ISA_VARIABLE, VENDOR_VARIABLE, clear_caches, isa, vendor
from gradrepl.replay import jsontext
from gradrepl.replay.notebooks import load
from gradrepl.replay.runner import ReplayOptions, computed_as_isa, computed_as_vendor
from notebook_builder import code, dumps_nb, build_nb, result, write_nb

runner = CliRunner()
PATH = ("metadata", "gradrepl", "cpu_vendor")


def replay(*args):
    return runner.invoke(app, ["replay", "--no-color", *map(str, args)])


def stale(tmp_path, metadata=None):
    return write_nb(tmp_path / "lesson.ipynb", [code("6 * 7", outputs=[result("41", 1)], count=1)],
                    metadata=metadata)


def stamp_of(path, key="cpu_vendor"):
    return json.loads(path.read_text())["metadata"].get("gradrepl", {}).get(key)


def test_update_stamps_this_cpus_vendor(tmp_path):
    path = stale(tmp_path)
    assert replay("--update", path).exit_code == 0
    assert stamp_of(path) == vendor() and stamp_of(path, "cpu_isa") == isa()
    assert replay(path).exit_code == 0


def test_update_keeps_the_instruction_set_the_gradrepl_engine_computed_as(tmp_path):
    """A notebook recorded on an AVX-512 CPU (or on one without) is replayed as it, and its new
    outputs are still that CPU's; one stamped with its vendor only gets this CPU's set beside it
    (what its outputs were then computed as)."""
    other = "avx2" if isa() == "avx512" else "avx512"
    path = stale(tmp_path, {"gradrepl": {"cpu_isa": other, "cpu_vendor": "GenuineIntel"}})
    assert replay("--update", path).exit_code == 0
    assert (stamp_of(path), stamp_of(path, "cpu_isa")) == ("GenuineIntel", other)
    old = stale(tmp_path, {"gradrepl": {"cpu_vendor": "GenuineIntel"}})
    assert replay("--update", old).exit_code == 0
    assert (stamp_of(old), stamp_of(old, "cpu_isa")) == ("GenuineIntel", isa())


def test_update_keeps_the_vendor_the_gradrepl_engine_computed_as(tmp_path):
    """A notebook recorded on another vendor's CPU is replayed as that vendor's torch, so the
    outputs it gets are still that vendor's."""
    other = "GenuineIntel" if vendor() != "GenuineIntel" else "AuthenticAMD"
    path = stale(tmp_path, {"gradrepl": {"cpu_vendor": other}, "kernelspec": {"name": "python3"}})
    assert replay("--update", path).exit_code == 0
    assert stamp_of(path) == other and "42" in path.read_text()


def test_real_torchs_outputs_are_this_cpus(tmp_path, monkeypatch):
    path = stale(tmp_path, {"gradrepl": {"cpu_vendor": "GenuineIntel"}})
    notebook = load(str(path))
    monkeypatch.setenv(VENDOR_VARIABLE, "AuthenticAMD")
    vendor.cache_clear()
    try:
        assert computed_as_vendor(notebook, ReplayOptions(engine="torch")) == "AuthenticAMD"
        assert computed_as_vendor(notebook, ReplayOptions()) == "GenuineIntel"
    finally:
        monkeypatch.delenv(VENDOR_VARIABLE)
        vendor.cache_clear()


def test_real_torchs_instruction_set_is_this_cpus(tmp_path, monkeypatch):
    path = stale(tmp_path, {"gradrepl": {"cpu_isa": "default", "cpu_vendor": "GenuineIntel"}})
    notebook = load(str(path))
    monkeypatch.setenv(ISA_VARIABLE, "avx2")
    clear_caches()
    try:
        assert computed_as_isa(notebook, ReplayOptions(engine="torch")) == "avx2"
        assert computed_as_isa(notebook, ReplayOptions()) == "default"
    finally:
        monkeypatch.delenv(ISA_VARIABLE)
        clear_caches()


def test_nothing_to_update_leaves_the_file_and_its_stamp_alone(tmp_path):
    path = write_nb(tmp_path / "lesson.ipynb", [code("6 * 7", outputs=[result("42", 1)], count=1)],
                    metadata={"gradrepl": {"cpu_vendor": "SomeOtherVendor"}})
    before = path.read_bytes()
    assert replay("--update", path).exit_code == 0
    assert path.read_bytes() == before


@pytest.mark.parametrize("metadata", [
    {}, {"kernelspec": {"name": "python3"}}, {"a": 1}, {"zzz": 1, "gradrepl": {"other": True}},
    {"gradrepl": {"cpu_vendor": "GenuineIntel"}}, {"gradrepl": {}},
], ids=str)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_set_member_writes_as_nbformat_would(metadata, newline):
    nb = build_nb([code("1")], metadata=dict(metadata) or None)
    nb["metadata"] = metadata
    text = dumps_nb(nb).replace("\n", newline)
    new = jsontext.replace_spans(text, jsontext.set_member(text, PATH, "AuthenticAMD",
                                                           jsontext.indent_unit(text), newline))
    stamped = json.loads(json.dumps(nb))
    stamped["metadata"].setdefault("gradrepl", {})["cpu_vendor"] = "AuthenticAMD"
    assert new == dumps_nb(stamped).replace("\n", newline)


@pytest.mark.parametrize("text", ['{"metadata": [1], "cells": []}', '{"metadata": {"gradrepl": 3}}'])
def test_set_member_leaves_what_is_not_an_object(text):
    assert jsontext.set_member(text, PATH, "AuthenticAMD", None) == []


def test_set_member_on_single_line_json():
    text = '{"cells": [], "metadata": {"kernelspec": {}}, "nbformat": 4}'
    new = jsontext.replace_spans(text, jsontext.set_member(text, PATH, "X", None))
    assert new == '{"cells": [], "metadata": {"gradrepl": {"cpu_vendor": "X"}, "kernelspec": {}}, "nbformat": 4}'
