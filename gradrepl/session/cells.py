"""Cell file names and source registration, as ipykernel does them.

ipykernel compiles each cell under the name ``<tmp>/ipykernel_<pid>/<murmur2 of the source>.py`` and
puts the source into ``linecache``. That name is what users see in warnings
(``/tmp/ipykernel_4242/3390876532.py:2: UserWarning: ...``) and, as a basename, in SyntaxError
messages (``invalid syntax (3390876532.py, line 1)``). Using the same scheme makes those texts
identical to Jupyter's apart from the process id, which replay normalises.
"""

from __future__ import annotations

import linecache
import os
import struct
import tempfile
from functools import lru_cache

_HASH_SEED = 0xC70F6907  # ipykernel.compiler.get_tmp_hash_seed


@lru_cache(maxsize=64)
def _WORDS(count: int) -> struct.Struct:
    return struct.Struct(f"<{count}I")


def murmur2_x86(data: str, seed: int = _HASH_SEED) -> int:
    """MurmurHash2 (32-bit) of the UTF-8 bytes of ``data``, as ipykernel.compiler computes it."""
    m = 0x5BD1E995
    raw = data.encode("utf8")
    length = len(raw)
    h = seed ^ length
    rounded_end = length & 0xFFFFFFFC
    # the 4-byte blocks as little-endian words, read at once (not four byte reads and shifts each)
    for k in _WORDS(length >> 2).unpack_from(raw):
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> 24
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = length & 0x03
    if tail:
        k = 0
        if tail == 3:
            k = raw[rounded_end + 2] << 16
        if tail >= 2:
            k |= raw[rounded_end + 1] << 8
        k |= raw[rounded_end]
        h ^= k
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def cell_directory() -> str:
    return os.path.join(tempfile.gettempdir(), f"ipykernel_{os.getpid()}")


def cell_filename(source: str) -> str:
    return os.path.join(cell_directory(), f"{murmur2_x86(source)}.py")


def register_cell_source(filename: str, source: str) -> None:
    """Make ``linecache`` (warnings, tracebacks, inspect) find a cell's lines without a file."""
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    # mtime None: linecache.checkcache never evicts the entry for a file that does not exist.
    linecache.cache[filename] = (len(source), None, lines, filename)
