"""Print pyproject.toml's runtime dependencies pinned to the lowest versions it allows
(``--with-test``: and the [test] extra's tools, unpinned).

.ci/run installs these in a throwaway venv and runs a quick part of the suite there, so the
floors pyproject declares are floors that work (numpy >= 2.0: the engine relies on NEP 50
promotion, the default only from numpy 2).
"""

import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
for requirement in project["dependencies"]:
    name, floor = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement).groups()
    print(f"{name}=={floor}")
if "--with-test" in sys.argv[1:]:  # the test tools themselves as the [test] extra asks
    print("\n".join(project["optional-dependencies"]["test"]))
