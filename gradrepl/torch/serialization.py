"""``torch.save`` and ``torch.load`` in PyTorch's own file format.

The file is an uncompressed zip archive whose records sit under one folder (the file's stem, or
``archive`` for a file object): ``data.pkl`` (the pickle), ``.format_version``,
``.storage_alignment``, ``byteorder``, ``data/<key>`` (each storage's raw little-endian bytes,
aligned to 64 bytes as torch aligns them), ``version`` and ``.data/serialization_id``. Real
PyTorch 2.13 loads these files with ``weights_only=True``, and gradrepl loads PyTorch's.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import struct
import zipfile

from gradrepl.torch._torch_pickle import WeightsUnpickler, dumps_state

_ALIGNMENT = 64
_NOT_A_ZIP = ("PytorchStreamReader failed reading zip archive: failed finding central directory. This "
              "is an internal miniz error. If you are seeing this error, there is a high likelihood "
              "that your checkpoint file is corrupted. This can happen if the checkpoint was not "
              "saved properly, was transferred incorrectly, or the file was modified after saving.")


def _archive_name(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _write_record(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """A stored record whose data starts on a 64-byte boundary (padded in the extra field)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header_end = zf.fp.tell() + 30 + len(name.encode("utf-8")) + 4
    padding = (-header_end) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", padding) + b"Z" * padding
    zf.writestr(info, data)


def save(obj, f, pickle_protocol: int = 2) -> None:
    data_pkl, storages = dumps_state(obj, pickle_protocol)
    prefix = _archive_name(f)
    records = [("data.pkl", data_pkl), (".format_version", b"1"), (".storage_alignment", b"64"),
               ("byteorder", b"little")]
    records += [(f"data/{key}", raw) for key, raw in storages.items()]
    serial = int.from_bytes(hashlib.sha1(data_pkl).digest()[:16], "little")
    records += [("version", b"3\n"), (".data/serialization_id", f"{serial:040d}"[:40].encode())]
    own_file = isinstance(f, (str, os.PathLike))
    stream = _open_for_writing(f) if own_file else f
    try:
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as zf:
            for name, data in records:
                _write_record(zf, f"{prefix}/{name}", data)
    finally:
        if own_file:
            stream.close()


def _open_for_writing(path):
    try:
        return open(path, "wb")
    except FileNotFoundError:
        # torch's file writer checks the folder first, in its own words
        parent = os.path.dirname(os.fspath(path))
        if parent and not os.path.exists(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.") from None
        raise


def _check_map_location(map_location) -> None:
    if map_location is None:
        return
    text = str(map_location) if not callable(map_location) else "cpu"
    if isinstance(map_location, dict) or text not in ("cpu", "cpu:0"):
        from gradrepl.engine.errors import UnsupportedError

        raise UnsupportedError(f"torch.load with map_location={map_location!r}",
                               "gradrepl has only the CPU")


def load(f, map_location=None, weights_only: bool = True):
    _check_map_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as stream:
            return _load_stream(io.BytesIO(stream.read()))
    return _load_stream(f)


def _load_stream(stream):
    start = stream.tell() if hasattr(stream, "tell") else 0
    try:
        zf = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        stream.seek(start)
        head = stream.read(2)
        if head[:1] == b"\x80":  # a bare pickle: torch's legacy (pre-1.6) format
            from gradrepl.engine.errors import UnsupportedError

            raise UnsupportedError("torch.load of the legacy (pre-1.6) file format") from None
        raise RuntimeError(_NOT_A_ZIP) from None
    with zf:
        names = zf.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pickles:
            raise RuntimeError("PytorchStreamReader failed locating file data.pkl: file not found")
        prefix = pickles[0][: -len("data.pkl")]

        def read_record(name: str) -> bytes:
            try:
                return zf.read(prefix + name)
            except KeyError:
                raise RuntimeError(
                    f"PytorchStreamReader failed locating file {name}: file not found") from None
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise RuntimeError(f"PytorchStreamReader failed reading file {name}: {error}") from None

        unpickler = WeightsUnpickler(io.BytesIO(read_record("data.pkl")), read_record)
        try:
            return unpickler.load()
        except (EOFError, pickle.UnpicklingError) as error:
            if isinstance(error, pickle.UnpicklingError) and "Weights only" in str(error):
                raise
            raise pickle.UnpicklingError(f"Weights only load failed: {error}") from None
