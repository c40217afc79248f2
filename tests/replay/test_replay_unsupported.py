"""A cell failing for want of a torch feature is reported as unsupported, apart from mismatches."""

import functools
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from gradrepl.cli import app
from gradrepl.replay import runner as replay_runner
from gradrepl.session import Session
from notebook_builder import code, result, stdout, write_nb


@pytest.fixture
def fake_engine(tmp_path, monkeypatch):
    """Sessions whose ``import torch`` means a small stand-in package, whatever the real engine has."""
    package = tmp_path / "pkg" / "stand_in_torch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent("""
        class UnsupportedError(AttributeError):
            def __init__(self, feature):
                self.feature = feature
                super().__init__(f"gradrepl does not support {feature} yet")
        UnsupportedError.__module__ = "gradrepl.engine.errors"
        def ones(n):
            return [1.0] * n
        def __getattr__(name):
            raise UnsupportedError("torch." + name)
    """))
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    monkeypatch.setattr(replay_runner, "Session", functools.partial(Session, torch_module="stand_in_torch"))
    yield
    sys.modules.pop("stand_in_torch", None)


def test_unsupported_feature_reported_by_name(tmp_path, fake_engine):
    path = write_nb(tmp_path / "u.ipynb", [
        code("import torch\nprint(torch.ones(2))", outputs=[stdout("[1.0, 1.0]\n")]),
        code("spectrum = torch.fft(3)", count=2),
        code("spectrum", outputs=[result("tensor([3.])")]),
        code("import torch.linalg"),
    ])
    outcome = CliRunner().invoke(app, ["replay", "--no-color", str(path)])
    assert outcome.exit_code == 1
    lines = outcome.output.splitlines()
    assert lines[0] == f"{path}  1 passed, 3 failed, 0 skipped (2 unsupported: torch.fft, torch.linalg)"
    assert "  cell 2 (In [2]): unsupported: torch.fft" in lines
    assert ("  cell 3: raised NameError: name 'spectrum' is not defined "
            "(after cell 2 (In [2]): unsupported: torch.fft)") in lines
    assert "  cell 4: unsupported: torch.linalg" in lines
    assert lines[-1] == "1 passed, 3 failed, 0 skipped (2 unsupported: torch.fft, torch.linalg)"
