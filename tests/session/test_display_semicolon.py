"""``ends_with_semicolon`` skips the tokenizer when the source has no ``;`` at all; the short
answer is checked against the tokenizer's (``_last_token_is_semicolon``) on generated sources:
code, comments, strings, unfinished strings and brackets (the tokenizer's error fallback)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gradrepl.session.display import _last_token_is_semicolon, ends_with_semicolon

_PIECES = st.sampled_from([
    "x", "1", " ", "\n", "\t", "(", ")", "[", "]", ",", "=", "+", ".", "'", '"', "'''", "#",
    "# c", "\\", "\n    ", "x.sum()", "f'{x}'", ";", "; ", ";  # c", "';'", "# ;", "print(1)",
])


@settings(max_examples=100, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join) | st.text(max_size=30))
def test_the_short_answer_is_the_tokenizers(source):
    assert ends_with_semicolon(source) == _last_token_is_semicolon(source)
    if ";" not in source:
        assert not _last_token_is_semicolon(source)


def test_semicolons_still_read_by_the_tokenizer():
    assert ends_with_semicolon("x;")
    assert ends_with_semicolon("x;  # c\n")
    assert not ends_with_semicolon("x  # ;")
    assert not ends_with_semicolon("';'")
    assert not ends_with_semicolon("x; y")
    assert ends_with_semicolon("(x;")  # the tokenizer's error: the stripped text's last char
