"""--update never changes a byte it should keep, whatever the notebook's content and JSON style."""

import ast
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradrepl.replay import jsontext
from gradrepl.replay.notebooks import load
from gradrepl.replay.results import ReplayOptions
from gradrepl.replay.runner import replay_notebook
from gradrepl.replay.update import updated_text
from notebook_builder import build_nb, code, md, stdout

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
metadata = st.dictionaries(st.sampled_from(["a", "tags", "ü", "collapsed"]),
                           st.one_of(text, st.integers(), st.lists(text, max_size=2)), max_size=3)


@st.composite
def code_cells(draw):
    value = draw(text)
    state = draw(st.sampled_from(["fresh", "stale", "never run"]))
    outputs = {"fresh": [stdout(value + "\n")], "stale": [stdout("old\n")], "never run": []}[state]
    count = None if state == "never run" else draw(st.integers(1, 99))
    cell = code(f"print({value!r})", outputs=outputs, count=count)
    cell["metadata"] = draw(metadata)
    return cell, state


@st.composite
def notebooks(draw):
    cells, states = [], []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            cell = md(draw(text) or "x")
            cell["metadata"] = draw(metadata)
            cells.append(cell)
            states.append("markdown")
        else:
            cell, state = draw(code_cells())
            cells.append(cell)
            states.append(state)
    nb = build_nb(cells, metadata=draw(metadata), minor=draw(st.sampled_from([4, 5])))
    style = {"indent": draw(st.sampled_from([1, 2, 4, None])), "sort_keys": draw(st.booleans()),
             "ensure_ascii": draw(st.booleans())}
    return nb, states, style


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notebooks())
def test_update_keeps_every_byte_of_unchanged_cells(tmp_path, case):
    nb, states, style = case
    path = tmp_path / "nb.ipynb"
    original = json.dumps(nb, **style) + ("\n" if style["indent"] else "")
    path.write_text(original, encoding="utf-8")
    notebook = load(str(path))
    report = replay_notebook(notebook, ReplayOptions())
    new = updated_text(notebook, report)
    if all(state in ("markdown", "fresh") for state in states):
        assert new is None
        return
    old_cells, new_cells = jsontext.cell_members(original), jsontext.cell_members(new)
    old_spans = [(min(s for s, _, _ in m.values()), max(e for _, _, e in m.values())) for m in old_cells]
    new_spans = [(min(s for s, _, _ in m.values()), max(e for _, _, e in m.values())) for m in new_cells]
    # Everything around the cells, and every cell that needed no change, is byte-identical.
    assert new[:new_spans[0][0]] == original[:old_spans[0][0]]
    assert new[new_spans[-1][1]:] == original[old_spans[-1][1]:]
    for state, (old_start, old_end), (new_start, new_end) in zip(states, old_spans, new_spans):
        if state in ("markdown", "fresh"):
            assert new[new_start:new_end] == original[old_start:old_end]
    # And the changed cells hold what was produced.
    data = json.loads(new)
    for state, cell in zip(states, data["cells"]):
        if state in ("stale", "never run"):
            assert "".join(cell["outputs"][0]["text"]) == ast.literal_eval("".join(cell["source"])[6:-1]) + "\n"
