"""pytest plugin: ``pytest --gradrepl`` collects notebooks and reports their cells as test items.

It must import cheaply: pytest loads it in every run of every project where gradrepl is installed.
"""


def pytest_addoption(parser):
    group = parser.getgroup("gradrepl", "replay notebooks with gradrepl")
    group.addoption("--gradrepl", action="store_true", default=False,
                    help="collect .ipynb files and check each code cell's outputs with gradrepl")
