"""Tokenizer vocabulary and pad_sequences (Keras semantics)."""

import json

import numpy as np
import pytest

from deepgrad.data import Tokenizer, pad_sequences

TEXTS = [
    "The movie was great, GREAT fun!<br /><br />I'd see it again.",
    "the plot was thin",
    "great cast; the end",
]


def test_vocabulary_order_special_tokens_and_unknowns():
    tok = Tokenizer().fit(TEXTS)
    assert tok.index_word[:2] == ["<pad>", "<unk>"]
    assert tok.index_word[2:4] == ["the", "great"]  # 4 and 3 occurrences
    assert "br" not in tok.word_index  # HTML line breaks are not words
    assert "i'd" in tok.word_index
    assert tok.transform(["the xyz great"]) == [[2, 1, 3]]
    assert len(tok) == len(tok.word_index)


def test_min_freq_and_max_size():
    tok = Tokenizer(min_freq=2).fit(TEXTS)
    assert tok.index_word == ["<pad>", "<unk>", "the", "great", "was"]
    small = Tokenizer(max_size=4).fit(TEXTS)
    assert len(small) == 4
    assert small.transform(["was great"]) == [[1, 3]]
    with pytest.raises(ValueError, match="max_size must be >= 2"):
        Tokenizer(max_size=1)


def test_round_trip_and_state():
    tok = Tokenizer().fit(TEXTS)
    seqs = tok.transform(["the plot was great"])
    assert tok.inverse_transform(seqs) == ["the plot was great"]
    assert tok.inverse_transform(pad_sequences(seqs, 6)) == ["the plot was great"]
    state = json.loads(json.dumps(tok.state_dict()))
    again = Tokenizer().load_state_dict(state)
    assert again.transform(TEXTS) == tok.transform(TEXTS)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        # a word twice mapped to its last id, silently: 'the' came back as the second one
        ({"index_word": ["<pad>", "<unk>", "the", "cat", "the"]}, r"more than once: \['the'\]"),
        ({"index_word": ["<pad>", "<unk>", 3]}, "index_word must be a list of strings"),
        ({"index_word": [["x"]]}, "list of strings"),  # was TypeError: unhashable type
        ({"index_word": "abc"}, "list of strings"),  # was a vocabulary of letters
        ({"index_word": None}, "list of strings"),  # a missing key was a KeyError
        ({"index_word": ["the", "<pad>", "<unk>"]}, r"start with the padding and unknown"),
        ({"max_size": 3}, "more than max_size=3"),
        ({"lower": "false"}, "lower must be true or false, got 'false'"),  # truthy: lowered
        ({"min_freq": 0}, "min_freq >= 1"),
        ({"max_size": True}, "max_size must be an int or None"),
        ({"pattern": "(["}, r"pattern '\(\[' is not a regular expression"),  # was re.error
        ({"pad_token": 0}, "pad_token must be a string"),
    ],
)
def test_load_state_dict_refuses_a_broken_state(change, match):
    tok = Tokenizer().fit(TEXTS)
    state = {**json.loads(json.dumps(tok.state_dict())), **change}
    fresh = Tokenizer(lower=False)
    with pytest.raises(ValueError, match=f"Tokenizer.load_state_dict: .*{match}"):
        fresh.load_state_dict(state)
    assert fresh.index_word == [] and fresh.lower is False  # nothing was set


def test_tokenizer_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        Tokenizer().transform(["a"])
    with pytest.raises(TypeError, match="single string"):
        Tokenizer().fit("just one text")
    tok = Tokenizer().fit(TEXTS)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        tok.inverse_transform([[999]])


def test_pad_sequences_like_keras():
    seqs = [[1, 2, 3, 4], [5], []]
    np.testing.assert_array_equal(pad_sequences(seqs), [[1, 2, 3, 4], [0, 0, 0, 5], [0, 0, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(seqs, maxlen=2), [[3, 4], [0, 5], [0, 0]])
    np.testing.assert_array_equal(
        pad_sequences(seqs, maxlen=2, padding="post", truncating="post"),
        [[1, 2], [5, 0], [0, 0]],
    )
    np.testing.assert_array_equal(
        pad_sequences(seqs, maxlen=3, value=-1, truncating="post"),
        [[1, 2, 3], [-1, -1, 5], [-1, -1, -1]],
    )
    out = pad_sequences([[0.5, 1.5]], maxlen=3, dtype=np.float32)
    assert out.dtype == np.float32 and out.tolist() == [[0.0, 0.5, 1.5]]
    vec = pad_sequences([np.ones((2, 3)), np.ones((1, 3))], maxlen=2, dtype=np.float32)
    assert vec.shape == (2, 2, 3)
    with pytest.raises(ValueError, match="padding must be"):
        pad_sequences(seqs, padding="middle")
    with pytest.raises(ValueError, match="scalar"):
        pad_sequences([3, [1]])


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"(a+)+x", "a repeated group that does not start with a delimiter character"),
        (r"(?:\w+)*$", "a repeated group that does not start with a delimiter character"),
        (r"(?:a|ab)+x", r"a repeated group holding alternatives \(a\|b\)"),
        (r"(x*)*y", "a repeated group that can match the empty string"),
        (r"(?:'.?)*x", "a repeated group whose own repeat can match its first character"),
        (r"(?:a\w+)+!", "a repeated group whose own repeat can match its first character"),
        (r"(?:'(?:a+)+)*", "a repeated group inside a repeated group"),
        (r"(?=(a+)+x)", "a repeated group that does not start"),  # inside a lookahead
        (r"(\w+)\s\1", "a backreference"),
        # polynomial: a run of n letters splits n^k ways among k repeats that share letters
        (r"\w*\w*\w*\w*\w*\w*!", "two variable repeats in a row that can both match '0'"),
        (r"\w+\s*\w+!", "two variable repeats in a row that can both match '0'"),
        (r"[a-z]+a[a-z]+!", "two variable repeats in a row that can both match 'a'"),
        (r"(?i)[A-Z]*[a-z]{1,50}!", "two variable repeats in a row that can both match 'A'"),
        (r"(?:'\w*\w*)*", "two variable repeats in a row"),  # inside a group
        # through groups, alternatives, optional parts and lookarounds between the repeats
        (r"\w*(?:xy)?\w*!", "two variable repeats in a row that can both match '0'"),
        (r"\w*(x)\w*!", "two variable repeats in a row that can both match 'x'"),
        (r"\w*(?:x|yz)\w*!", "two variable repeats in a row that can both match 'x'"),
        (r"\w*(?=x)\w*!", "two variable repeats in a row that can both match '0'"),
        (r"\w*(?:x\w*)?!", "two variable repeats in a row that can both match 'x'"),
        (r"(?:xx)*x*!", "two variable repeats in a row that can both match 'x'"),
        (r"(?:'\w+)*\w*!", "two variable repeats in a row that can both match '0'"),
    ],
)
def test_patterns_that_backtrack_catastrophically_are_refused(tmp_path, pattern, why):
    """A saved state's pattern is run on every text: (a+)+x took 2**n steps on a run of n
    letters ('a' * 40 ran for hours), from a JSON file of a few bytes. The same rule holds for
    a pattern given in code."""
    path = tmp_path / "tok.json"
    state = {**Tokenizer().fit(TEXTS).state_dict(), "pattern": pattern}
    path.write_text(json.dumps(state))
    fresh = Tokenizer()
    match = rf"Tokenizer.load_state_dict: pattern .* can take exponential or polynomial time .*: it has {why}"
    with pytest.raises(ValueError, match=match):
        fresh.load_state_dict(json.loads(path.read_text()))
    assert fresh.pattern == Tokenizer().pattern and fresh.index_word == []  # nothing was set
    with pytest.raises(ValueError, match=rf"Tokenizer: pattern .*: it has {why}"):
        Tokenizer(pattern=pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"[^\W_]+(?:'[^\W_]+)*",  # the default
        r"\w+|[^\w\s]",  # words or single punctuation marks
        r"[a-z]+(?:[-'][a-z]+)*",  # hyphenated words
        r"\d+(?:\.\d+)?|\w+",
        r"(?:ab)+",  # a repeated group without choices
        r"(?i)[a-z']{2,}",
        r"[a-z]+[0-9]*",  # repeats of disjoint classes
        r"\d+\.\d+|\w+'\w+",  # separated by a character neither repeats
        r"[a-z]{3}[a-z]+",  # a fixed count before a repeat
        r"([a-z]+)-([0-9]+)",  # capturing groups between disjoint repeats
        r"[a-z]+(?:'s)?[0-9]*",  # an optional group between disjoint repeats
    ],
)
def test_delimited_patterns_are_accepted(pattern):
    tok = Tokenizer(pattern=pattern).fit(["Half-baked ideas, don't 3.14 abab"])
    again = Tokenizer().load_state_dict(json.loads(json.dumps(tok.state_dict())))
    assert again.pattern == pattern
    assert again.tokenize("well-known don't") == tok.tokenize("well-known don't")
