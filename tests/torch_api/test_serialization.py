"""torch.save / torch.load: PyTorch's zip format, both ways, and nothing but tensors unpickled."""

from __future__ import annotations

import io
import os
import pickle
import zipfile

import pytest

import gradrepl.torch as gt
import gradrepl.torch.nn as gnn
import gradrepl.torch.optim as goptim


def _checkpoint(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    model(torch.randn(5, 3)).sum().backward()
    opt.step()
    return model, {
        "model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3, "name": "mlp",
        "p": torch.nn.Parameter(torch.ones(2)), "i": torch.arange(4), "b": torch.tensor([True, False]),
        "d": torch.ones(2, 2, dtype=torch.float64), "s": torch.tensor(3.5), "h": torch.ones(3).half(),
        "g": torch.ones(2, requires_grad=True), "empty": torch.zeros(0, 3), "t": (1, 2.5, None),
        "size": torch.Size([2, 3]), "dtype": torch.float64, "set": {1, 2}, "complex": 1 + 2j,
    }


@pytest.mark.torch
@pytest.mark.parametrize("writer", ["gradrepl", "torch"])
def test_files_cross_load(real_torch, tmp_path, writer):
    """Each side loads what the other saved (weights_only=True) and prints it identically."""
    sides = {"gradrepl": gt, "torch": real_torch}
    reader = sides["torch" if writer == "gradrepl" else "gradrepl"]
    path = tmp_path / "ck.pt"
    model, checkpoint = _checkpoint(sides[writer])
    sides[writer].save(checkpoint, path)
    loaded = reader.load(path, weights_only=True)
    assert repr(loaded) == repr(checkpoint)
    assert str(loaded["model"]._metadata) == str(checkpoint["model"]._metadata)
    target, _ = _checkpoint(reader)
    assert repr(target.load_state_dict(loaded["model"])) == "<All keys matched successfully>"


@pytest.mark.torch
def test_saved_state_dict_loads_into_torch_module(real_torch, tmp_path):
    model, _ = _checkpoint(gt)
    gt.save(model.state_dict(), tmp_path / "sd.pt")
    twin = real_torch.nn.Sequential(real_torch.nn.Linear(3, 4), real_torch.nn.ReLU(),
                                    real_torch.nn.Linear(4, 2))
    twin.load_state_dict(real_torch.load(tmp_path / "sd.pt", weights_only=True))
    assert repr(twin[0].weight.detach()) == repr(model[0].weight.detach())


def test_round_trip_without_torch(tmp_path):
    model, checkpoint = _checkpoint(gt)
    buffer = io.BytesIO()
    gt.save(checkpoint, buffer)
    buffer.seek(0)
    loaded = gt.load(buffer)
    assert repr(loaded) == repr(checkpoint)
    assert isinstance(loaded["p"], gnn.Parameter) and loaded["g"].requires_grad
    gt.save(model.state_dict(), tmp_path / "weights.pt")
    assert zipfile.ZipFile(tmp_path / "weights.pt").namelist()[0] == "weights/data.pkl"


def test_storage_records_are_64_byte_aligned(tmp_path):
    gt.save({"a": gt.ones(3), "b": gt.arange(5)}, tmp_path / "x.pt")
    with zipfile.ZipFile(tmp_path / "x.pt") as zf:
        for info in zf.infolist():
            if "/data/" in info.filename:
                start = info.header_offset + 30 + len(info.filename) + len(info.extra)
                assert start % 64 == 0


def test_foreign_and_truncated_files_give_one_line_errors(tmp_path):
    (tmp_path / "text.pt").write_text("hello world")
    gt.save({"a": gt.ones(3)}, tmp_path / "ok.pt")
    (tmp_path / "cut.pt").write_bytes((tmp_path / "ok.pt").read_bytes()[:300])
    for name in ("text.pt", "cut.pt"):
        with pytest.raises(RuntimeError, match="failed finding central directory") as info:
            gt.load(tmp_path / name)
        assert "\n" not in str(info.value)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def test_loading_never_runs_pickled_code():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(_Evil(), protocol=2))
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed.*system"):
        gt.load(buffer)


def test_saving_code_is_refused_with_the_reason():
    from gradrepl.engine.errors import UnsupportedError

    for obj in (gnn.Linear(2, 2), {"f": len}, {"cls": int}, {"fn": lambda: 1}):
        with pytest.raises(UnsupportedError, match="save model.state_dict\\(\\) instead"):
            gt.save(obj, io.BytesIO())


def test_optimizer_state_survives_a_round_trip():
    gt.manual_seed(0)
    p = gnn.Parameter(gt.randn(3))
    opt = goptim.Adam([p], lr=0.1)
    p.grad = gt.ones(3)
    opt.step()
    buffer = io.BytesIO()
    gt.save(opt.state_dict(), buffer)
    buffer.seek(0)
    fresh = goptim.Adam([p], lr=0.1)
    fresh.load_state_dict(gt.load(buffer))
    assert repr(fresh.state_dict()) == repr(opt.state_dict())


@pytest.mark.parametrize("folder", ["missing", "missing/deeper"])
def test_saving_into_a_missing_folder_is_torchs_error(tmp_path, folder):
    # torch's file writer checks the folder itself (s-learner, session 17)
    path = tmp_path / folder / "model.pt"
    with pytest.raises(RuntimeError) as caught:
        gt.save(gt.ones(2), str(path))
    assert str(caught.value) == f"Parent directory {path.parent} does not exist."
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as theirs:
        torch.save(torch.ones(2), str(path))
    assert str(theirs.value) == str(caught.value)
