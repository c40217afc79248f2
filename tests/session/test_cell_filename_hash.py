"""session.cells.murmur2_x86 reads the source's 4-byte blocks with struct: the same hash as
ipykernel's byte-by-byte MurmurHash2, on generated sources (any length, any character)."""

from hypothesis import given, settings, strategies as st

from gradrepl.session.cells import murmur2_x86


def murmur2_bytewise(data: str, seed: int = 0xC70F6907) -> int:
    """ipykernel.compiler.murmur2_x86's arithmetic, one byte read at a time."""
    m = 0x5BD1E995
    raw = data.encode("utf8")
    length = len(raw)
    h = seed ^ length
    rounded_end = length & 0xFFFFFFFC
    for i in range(0, rounded_end, 4):
        k = raw[i] | (raw[i + 1] << 8) | (raw[i + 2] << 16) | (raw[i + 3] << 24)
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


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.integers(0, 2**32 - 1))
def test_the_hash_is_the_bytewise_one(source, seed):
    assert murmur2_x86(source, seed) == murmur2_bytewise(source, seed)
    assert murmur2_x86(source) == murmur2_bytewise(source)


def test_known_cell_names():
    # ipykernel.compiler.murmur2_x86(source, get_tmp_hash_seed()) on ipykernel 6 (the cell file
    # names tracebacks and warnings recorded in notebooks show)
    known = {"": 3990065800, "a": 2167009006, "ab": 2805137849, "abc": 3350977461, "abcd": 804720481,
             "print(1)\n": 3089598676, "x = torch.ones(3)\nx.sum()": 2332934067, "é∂😀": 3501942713}
    for source, name in known.items():
        assert murmur2_x86(source) == murmur2_bytewise(source) == name
