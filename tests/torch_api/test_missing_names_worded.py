"""A name torch has and gradrepl lacks is "not supported yet"; any other is a typo, worded as
torch words its AttributeError (never naming gradrepl's modules), in the namespaces lessons
reach into: torch.nn.init, torch.optim, torch.optim.lr_scheduler."""

import importlib

import pytest

from gradrepl.engine.errors import UnsupportedError

CASES = [  # (module, a name torch 2.13 has that gradrepl does not, a typo)
    ("torch.nn.init", "sparse_", "kaiming_unifrom_"),
    ("torch.optim", "ASGD", "Adamm"),
    ("torch.optim.lr_scheduler", "CyclicLR", "StepRL"),
]


@pytest.mark.parametrize("module, missing, typo", CASES)
def test_missing_name_is_unsupported(module, missing, typo):
    namespace = importlib.import_module(f"gradrepl.{module}")
    with pytest.raises(UnsupportedError, match=f"gradrepl does not support {module}.{missing} yet"):
        getattr(namespace, missing)


@pytest.mark.parametrize("module, missing, typo", CASES)
def test_typo_is_torchs_attribute_error(module, missing, typo):
    namespace = importlib.import_module(f"gradrepl.{module}")
    with pytest.raises(AttributeError) as caught:
        getattr(namespace, typo)
    assert not isinstance(caught.value, UnsupportedError)
    assert str(caught.value) == f"module '{module}' has no attribute '{typo}'"


@pytest.mark.torch
@pytest.mark.parametrize("module, missing, typo", CASES)
def test_names_hold_for_live_torch(module, missing, typo):
    pytest.importorskip("torch")
    real = importlib.import_module(module)
    assert hasattr(real, missing)
    with pytest.raises(AttributeError) as caught:
        getattr(real, typo)
    assert str(caught.value) == f"module '{module}' has no attribute '{typo}'"
