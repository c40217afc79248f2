"""``import torch`` in a session resolves to the engine's namespace, scoped to that session."""

import sys
import textwrap

import pytest

from gradrepl.session import Session


@pytest.fixture
def fake_torch(tmp_path, monkeypatch):
    """A stand-in for gradrepl.torch, so these tests do not depend on the engine's progress."""
    root = tmp_path / "fake_torch_pkg"
    (root / "nn").mkdir(parents=True)
    (root / "__init__.py").write_text(textwrap.dedent("""
        class UnsupportedError(AttributeError):
            def __init__(self, feature):
                self.feature = feature
                super().__init__(f"gradrepl does not support {feature} yet")
        UnsupportedError.__module__ = "gradrepl.engine.errors"
        def tensor(x):
            return ("tensor", x)
        def __getattr__(name):
            if name == "cumsum":
                raise UnsupportedError("torch.cumsum")
            raise AttributeError(name)
    """))
    (root / "nn" / "__init__.py").write_text("LINEAR = 'linear'\n")
    (root / "nn" / "functional.py").write_text("def relu(x):\n    return 'relu'\n")
    (root / "optim.py").write_text("SGD = 'sgd'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fake_torch_pkg"
    for name in [n for n in sys.modules if n.startswith("fake_torch_pkg")]:
        del sys.modules[name]


@pytest.fixture
def session(fake_torch):
    return Session(engine="gradrepl", torch_module=fake_torch)


def value(session, source):
    result = session.run_cell(source)
    assert result.error is None, result.error
    return session.namespace


def test_import_forms_resolve_to_engine(session, fake_torch):
    ns = value(session, "import torch\nimport torch.nn as nn\nfrom torch import optim\n"
                        "import torch.nn.functional as F\nfrom torch.nn import functional\nimport torch.optim")
    assert ns["torch"].__name__ == fake_torch
    assert ns["nn"].LINEAR == "linear"
    assert ns["optim"].SGD == "sgd"
    assert ns["F"].relu(1) == "relu" and ns["functional"] is ns["F"]


def test_real_sys_modules_torch_untouched(session):
    before = sys.modules.get("torch")
    value(session, "import torch")
    assert sys.modules.get("torch") is before


def test_functions_defined_in_cells_import_the_engine_too(session, fake_torch):
    ns = value(session, "def get():\n    import torch\n    return torch\nmod = get()")
    assert ns["mod"].__name__ == fake_torch


def test_missing_submodule_is_unsupported_import_error(session):
    result = session.run_cell("import torch.fft")
    assert (result.error.ename, result.error.evalue) == ("UnsupportedError", "gradrepl does not support torch.fft yet")
    assert result.unsupported == "torch.fft"
    result = session.run_cell("from torch import linalg")
    assert result.unsupported == "torch.linalg"


def test_unsupported_error_from_engine_is_classified(session):
    result = session.run_cell("import torch\ntorch.cumsum")
    assert result.unsupported == "torch.cumsum"
    assert result.error.evalue == "gradrepl does not support torch.cumsum yet"


def test_attribute_error_on_engine_module_is_unsupported(session):
    result = session.run_cell("import torch.nn\ntorch.nn.Conv2d")
    assert result.error.ename == "AttributeError"
    assert result.unsupported == "torch.nn.Conv2d"


def test_other_imports_untouched(session):
    ns = value(session, "import json\nfrom os import path")
    assert ns["json"].__name__ == "json"


def test_engine_torch_leaves_torch_imports_alone():
    pytest.importorskip("torch")
    session = Session(engine="torch")
    result = session.run_cell("import torch.nn as nn\nnn.__name__")
    assert result.outputs[0]["data"]["text/plain"] == "'torch.nn'"


def test_unknown_engine_rejected():
    with pytest.raises(ValueError):
        Session(engine="jax")


def test_training_imports_work_in_a_gradrepl_session():
    """The real engine (not the fake): the lesson imports of torch.nn, optim and utils.data."""
    session = Session(engine="gradrepl")
    result = session.run_cell(
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "from torch import optim\nfrom torch.optim.lr_scheduler import StepLR\n"
        "from torch.utils.data import DataLoader, TensorDataset\n"
        "torch.manual_seed(0)\nmodel = nn.Linear(2, 1)\nopt = optim.SGD(model.parameters(), lr=0.1)\n"
        "model")
    assert result.error is None, result.error
    assert result.outputs[0]["data"]["text/plain"] == "Linear(in_features=2, out_features=1, bias=True)"
    missing = session.run_cell("model.fc9")
    assert missing.error.ename == "AttributeError" and missing.unsupported is None
