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
