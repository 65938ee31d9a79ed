"""Text to integer sequences: a word tokenizer with a vocabulary, and sequence padding."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from re import _compiler, _parser
from re import _constants as _const
from typing import Any, Self

import numpy as np

__all__ = ["Tokenizer", "pad_sequences"]


class Tokenizer:
    r"""Split texts into words and map them to integer ids through a learned vocabulary.

    Id 0 is the padding token and id 1 the unknown token; the vocabulary words follow,
    most frequent first (ties in order of first appearance).

    Parameters
    ----------
    max_size : int, optional
        Keep at most this many ids in total (including padding and unknown).
    min_freq : int
        Keep only words seen at least this many times in ``fit``.
    lower : bool
        Lower-case texts before splitting.
    pattern : str
        Regular expression of a word; the default keeps letters, digits and inner
        apostrophes, and drops punctuation and HTML line breaks. Python's ``re`` backtracks, so
        some patterns take exponential time on an ordinary text (``(a+)+x`` on a long run of
        ``a``); a pattern (yours, or one read back by :meth:`load_state_dict`) is refused with a
        ``ValueError`` when it has a backreference, or repeats a group (``*``, ``+``,
        ``{m,n}``) that is not *delimited*: a repeated group must start with a character (or a
        short list of them) that none of the group's own repeats can match and must hold only
        characters, character classes and their repeats — ``(?:'[a-z]+)*`` is fine,
        ``(?:[a-z]+)*`` and ``(?:a|ab)+`` are not. Repeated single characters and classes
        (``\w+``, ``[a-z']*``) and alternation outside a repeat (``\w+|[^\w\s]``) are fine,
        except that two variable repeats in one sequence must not be able to share a
        character: a pattern is refused when some character can be matched by both repeats and
        by everything between them, groups, alternatives, optional parts and lookarounds
        included (``\w*\w*!``, ``\w+\s*\w+``, ``\w*a\w*``, ``\w*(?:xy)?\w*!``,
        ``(?:xx)*x*!``: a run of ``n`` letters splits in ``n^k`` ways among ``k`` such repeats, polynomial time of any
        degree); ``[a-z]+[0-9]*``, ``\d+\.\d+`` and ``\w+'\w+`` are fine.
    pad_token, unk_token : str
        Names of ids 0 and 1.

    Attributes
    ----------
    word_index : dict[str, int]
        Word -> id.
    index_word : list[str]
        Id -> word.

    Examples
    --------
    >>> tok = Tokenizer().fit(["the cat sat", "the dog"])
    >>> tok.transform(["the cat ran"])
    [[2, 3, 1]]
    >>> tok.inverse_transform([[2, 3, 1]])
    ['the cat <unk>']
    """

    def __init__(
        self,
        *,
        max_size: int | None = None,
        min_freq: int = 1,
        lower: bool = True,
        pattern: str = r"[^\W_]+(?:'[^\W_]+)*",
        pad_token: str = "<pad>",
        unk_token: str = "<unk>",
    ) -> None:
        if max_size is not None and max_size < 2:
            raise ValueError(
                f"Tokenizer: max_size must be >= 2 (padding and unknown ids); got {max_size}"
            )
        if min_freq < 1:
            raise ValueError(f"Tokenizer: min_freq must be >= 1; got {min_freq}")
        self.max_size = max_size
        self.min_freq = min_freq
        self.lower = lower
        self.pattern = pattern
        self.pad_token = pad_token
        self.unk_token = unk_token
        self._regex = _compile_pattern(pattern, "Tokenizer")
        self.index_word: list[str] = []
        self.word_index: dict[str, int] = {}
        self.word_counts: dict[str, int] = {}

    @property
    def pad_id(self) -> int:
        """Id of the padding token (0)."""
        return 0

    @property
    def unk_id(self) -> int:
        """Id of the unknown token (1)."""
        return 1

    def __len__(self) -> int:
        """Vocabulary size, including the padding and unknown tokens."""
        return len(self.index_word)

    def tokenize(self, text: str) -> list[str]:
        """Split one text into words (lower-cased if ``lower``)."""
        if not isinstance(text, str):
            raise TypeError(f"Tokenizer: expected a string; got {type(text).__name__}")
        text = re.sub(r"<br\s*/?>", " ", text)
        if self.lower:
            text = text.lower()
        return self._regex.findall(text)

    def fit(self, texts: Iterable[str]) -> Self:
        """Build the vocabulary from ``texts``; returns ``self``."""
        if isinstance(texts, str):
            raise TypeError("Tokenizer.fit: expected a list of texts, got a single string")
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(self.tokenize(text))
        self.word_counts = dict(counts)
        # Counter.most_common keeps first-appearance order among equal counts.
        words = [w for w, c in counts.most_common() if c >= self.min_freq]
        words = [w for w in words if w not in (self.pad_token, self.unk_token)]
        if self.max_size is not None:
            words = words[: self.max_size - 2]
        self.index_word = [self.pad_token, self.unk_token, *words]
        self.word_index = {w: i for i, w in enumerate(self.index_word)}
        return self

    def _check_fitted(self) -> None:
        if not self.index_word:
            raise RuntimeError("Tokenizer is not fitted yet: call Tokenizer.fit(texts) first")

    def transform(self, texts: Iterable[str]) -> list[list[int]]:
        """Map each text to its list of word ids (unknown words -> ``unk_id``)."""
        self._check_fitted()
        if isinstance(texts, str):
            raise TypeError("Tokenizer.transform: expected a list of texts, got a single string")
        get = self.word_index.get
        return [[get(w, 1) for w in self.tokenize(t)] for t in texts]

    def fit_transform(self, texts: Sequence[str]) -> list[list[int]]:
        """``fit(texts)`` then ``transform(texts)``."""
        return self.fit(texts).transform(texts)

    def inverse_transform(self, sequences: Iterable[Iterable[int]]) -> list[str]:
        """Map id sequences back to space-joined words, skipping padding."""
        self._check_fitted()
        n = len(self.index_word)
        out = []
        for seq in sequences:
            words = []
            for i in np.asarray(seq, dtype=np.int64).reshape(-1).tolist():
                if not 0 <= i < n:
                    raise ValueError(f"Tokenizer: id {i} is outside the vocabulary [0, {n})")
                if i != 0:
                    words.append(self.index_word[i])
            out.append(" ".join(words))
        return out

    def state_dict(self) -> dict[str, Any]:
        """Configuration and vocabulary, as JSON-able values."""
        return {
            "class": "Tokenizer",
            "max_size": self.max_size,
            "min_freq": self.min_freq,
            "lower": self.lower,
            "pattern": self.pattern,
            "pad_token": self.pad_token,
            "unk_token": self.unk_token,
            "index_word": list(self.index_word),
        }

    def load_state_dict(self, state: dict[str, Any]) -> Self:
        """Restore what :meth:`state_dict` returned; returns ``self``.

        Everything is checked before anything is set (a state read back from a file may have
        been edited): the types of the settings, and a vocabulary ``index_word`` of distinct
        strings starting with the padding and unknown tokens, within ``max_size``; a word
        listed twice would silently map to its last id."""
        if not isinstance(state, dict):
            raise TypeError(
                f"Tokenizer.load_state_dict: expected a dict, got {type(state).__name__}"
            )
        new = {k: state.get(k, getattr(self, k)) for k in _SETTINGS}
        for key, (kinds, what) in _SETTINGS.items():
            v = new[key]
            if not isinstance(v, kinds) or (isinstance(v, bool) and bool not in kinds):
                raise ValueError(f"Tokenizer.load_state_dict: {key} must be {what}, got {v!r}")
        if (new["max_size"] is not None and new["max_size"] < 2) or new["min_freq"] < 1:
            raise ValueError(
                f"Tokenizer.load_state_dict: expected max_size >= 2 (or None) and min_freq >= 1, "
                f"got {new['max_size']} and {new['min_freq']}"
            )
        regex = _compile_pattern(new["pattern"], "Tokenizer.load_state_dict")
        words = state.get("index_word")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError("Tokenizer.load_state_dict: index_word must be a list of strings")
        specials = [new["pad_token"], new["unk_token"]]
        if words and words[:2] != specials:
            raise ValueError(
                f"Tokenizer.load_state_dict: index_word must start with the padding and unknown "
                f"tokens {specials}, got {words[:2]}"
            )
        if new["max_size"] is not None and len(words) > new["max_size"]:
            raise ValueError(
                f"Tokenizer.load_state_dict: {len(words)} words in index_word, more than "
                f"max_size={new['max_size']}"
            )
        word_index = {w: i for i, w in enumerate(words)}
        if len(word_index) != len(words):
            twice = [w for w, n in Counter(words).items() if n > 1]
            raise ValueError(
                f"Tokenizer.load_state_dict: index_word lists {len(twice)} word(s) more than "
                f"once: {twice[:5]}"
            )
        for key in _SETTINGS:
            setattr(self, key, new[key])
        self._regex = regex
        self.index_word = list(words)
        self.word_index = word_index
        return self


def _compile_pattern(pattern: str, who: str) -> re.Pattern:
    """``pattern`` compiled, or a ``ValueError`` naming ``who`` when it is not a regular
    expression or can backtrack catastrophically (see :func:`_backtracks`)."""
    try:
        parsed = _parser.parse(pattern)
        regex = re.compile(pattern)
    except re.error as e:
        raise ValueError(f"{who}: pattern {pattern!r} is not a regular expression ({e})") from None
    why = _backtracks(parsed, parsed.state.flags)
    if why:
        raise ValueError(
            f"{who}: pattern {pattern!r} can take exponential or polynomial time on ordinary "
            f"text: it has {why}. Expected repeats of characters or classes (\\w+, [a-z']*) "
            "that share no character with the next variable repeat, or repeated groups that "
            "start with a delimiter none of their repeats can match, e.g. (?:'[a-z]+)*"
        )
    return regex


_ATOMS = (_const.LITERAL, _const.NOT_LITERAL, _const.IN, _const.ANY)
_REPEATS = (_const.MAX_REPEAT, _const.MIN_REPEAT, _const.POSSESSIVE_REPEAT)


def _items(sub: Any) -> list:
    """The items of a parsed subpattern, with a group holding everything unwrapped."""
    items = list(sub)
    while len(items) == 1 and items[0][0] is _const.SUBPATTERN:
        items = list(items[0][1][3])
    return items


def _backtracks(sub: Any, flags: int) -> str | None:
    """What in the parsed pattern ``sub`` can make matching take exponential time, or None:
    a backreference, a repeated group that is not delimited (see :func:`_undelimited`), or two
    variable repeats that can share a character (see :func:`_overlapping_repeats`)."""
    return _structure(sub, flags) or _overlaps(sub, flags)


def _overlaps(sub: Any, flags: int) -> str | None:
    """:func:`_overlapping_repeats` of ``sub`` and of every subpattern in it."""
    why = _overlapping_repeats(sub, flags)
    for op, av in sub:
        for s in _children(op, av):
            why = why or _overlaps(s, flags)
    return why


def _structure(sub: Any, flags: int) -> str | None:
    """A backreference or an undelimited repeated group in ``sub``, or None."""
    for op, av in sub:
        if op in (_const.GROUPREF, _const.GROUPREF_EXISTS):
            return "a backreference"
        if op in _REPEATS and av[1] > 1:
            body = _items(av[2])
            if not (len(body) == 1 and body[0][0] in _ATOMS):
                why = _undelimited(av[2], body, flags)
                if why:
                    return why
        for s in _children(op, av):
            why = _structure(s, flags)
            if why:
                return why
    return None


@functools.cache
def _bmp() -> str:
    """The characters a class is tested on: the Basic Multilingual Plane, surrogates left out."""
    return "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000)


def _charset(sub: Any, item: tuple, flags: int) -> frozenset[str]:
    """The characters (of the BMP) that one parsed atom matches."""
    key = (repr(item), flags)
    if key not in _CHARSETS:  # (findall would give the text of the pattern's groups)
        if len(_CHARSETS) > 256:
            _CHARSETS.clear()
        one = _compiler.compile(_parser.SubPattern(sub.state, [item]), flags)
        _CHARSETS[key] = _bmp_set() - frozenset(one.sub("", _bmp()))
    return _CHARSETS[key]


_CHARSETS: dict[tuple[str, int], frozenset[str]] = {}


@functools.cache
def _bmp_set() -> frozenset[str]:
    return frozenset(_bmp())


class _Shared(Exception):  # noqa: N818 - an answer, not an error: how a pattern splits a run
    """Two variable parts of a pattern can take turns at a run of one character."""


def _overlapping_repeats(sub: Any, flags: int) -> str | None:
    """Why the sequence ``sub`` splits a text in polynomially many ways, or None: a variable
    repeat (``\\w*``, ``[a-z]{1,9}``, a repeated group) after an earlier one, when some
    character can be matched by both and by everything between them — items, groups,
    alternatives, optional parts and lookarounds alike (see :func:`_scan`)."""
    try:
        _scan(sub, frozenset(), flags)
    except _Shared as e:
        return str(e)
    return None


def _scan(sub: Any, live: frozenset[str], flags: int) -> frozenset[str]:
    """The characters ``c`` for which an earlier variable repeat may have stopped anywhere in a
    run of ``c`` that the items of ``sub`` continue (``live``: those before ``sub``);
    :class:`_Shared` when a variable repeat in ``sub`` can take a ``c`` of ``live`` too."""
    for op, av in sub:
        if op in _ATOMS:
            live &= _charset(sub, (op, av), flags)
        elif op is _const.SUBPATTERN:
            live = _scan(av[3], live, flags)
        elif op is _const.ATOMIC_GROUP:
            live = _scan(av, live, flags)
        elif op is _const.BRANCH:
            live = frozenset().union(*(_scan(alt, live, flags) for alt in av[1]))
        elif op in _REPEATS:
            live = _scan_repeat(av, live, flags)
        elif op not in (_const.AT, _const.ASSERT, _const.ASSERT_NOT):  # zero-width: kept
            live = frozenset()
    return live


def _scan_repeat(av: Any, live: frozenset[str], flags: int) -> frozenset[str]:
    """:func:`_scan` of one repeat ``{lo,hi}`` of ``body``."""
    lo, hi, body = av
    if hi == 0:
        return live
    items = _items(body)
    new: frozenset[str] = frozenset()
    if len(items) == 1 and items[0][0] in _ATOMS:
        new = cs = _charset(body, items[0], flags)
        if lo == hi:  # a fixed count: one character of cs at a time
            return live & cs
        out = cs
    else:  # a group: the run goes through it, once or again and again
        if lo != hi and hi > 1:
            new = _run_chars(body, flags)  # a run of c it can take in any number of turns
        out = _scan(body, live, flags)
        while hi > 1 and (more := out | _scan(body, out, flags)) != out:
            out = more
    if hi > 1 and live & new:
        raise _Shared(f"two variable repeats in a row that can both match {min(live & new)!r}")
    return out | new | (live if lo == 0 else frozenset())


def _run_chars(sub: Any, flags: int) -> frozenset[str]:
    """The characters ``c`` for which ``sub`` may match a run of ``c`` only (at least these:
    the characters that every part it cannot skip can match, and some part can)."""
    each: frozenset[str] | None = None
    some: frozenset[str] = frozenset()
    for op, av in sub:
        if op in _ATOMS:
            r = _charset(sub, (op, av), flags)
        elif op is _const.SUBPATTERN:
            r = _run_chars(av[3], flags)
        elif op is _const.ATOMIC_GROUP:
            r = _run_chars(av, flags)
        elif op is _const.BRANCH:
            r = frozenset().union(*(_run_chars(alt, flags) for alt in av[1]))
        elif op in _REPEATS:
            r = _run_chars(av[2], flags) if av[1] else frozenset()
        else:  # anchors, lookarounds: zero-width
            r = frozenset()
        some |= r
        if _parser.SubPattern(sub.state, [(op, av)]).getwidth()[0] > 0:
            each = r if each is None else each & r
    return some if each is None else some & each


def _children(op: Any, av: Any) -> list:
    """The parsed subpatterns inside one parsed item."""
    if op is _const.SUBPATTERN:
        return [av[3]]
    if op is _const.ATOMIC_GROUP:
        return [av]
    if op in (_const.ASSERT, _const.ASSERT_NOT):
        return [av[1]]
    if op is _const.BRANCH:
        return list(av[1])
    return [av[2]] if op in _REPEATS else []


def _undelimited(sub: Any, body: list, flags: int) -> str | None:
    """Why the repeated group ``body`` (parsed items) may split a text in exponentially many
    ways, or None: it must start with one character of a short list (the delimiter), then hold
    only characters, classes, anchors and their repeats, none of which repeats can match a
    delimiter character."""
    shown = "a repeated group"
    if sub.getwidth()[0] == 0:
        return f"{shown} that can match the empty string"
    delims = _chars(body[0])
    if delims is None:
        return f"{shown} that does not start with a delimiter character"
    for op, av in body[1:]:
        if op in _REPEATS:
            inner = _items(av[2])
            if not (len(inner) == 1 and inner[0][0] in _ATOMS):
                return f"{shown} inside a repeated group"
            if av[0] == av[1]:
                continue
            one = _compiler.compile(_parser.SubPattern(sub.state, inner), flags | re.IGNORECASE)
            if any(one.fullmatch(chr(c)) for c in delims):
                return f"{shown} whose own repeat can match its first character"
        elif op is _const.BRANCH:
            return f"{shown} holding alternatives (a|b)"
        elif not (op in _ATOMS or op is _const.AT):
            return f"{shown} holding a nested group or lookaround"
    return None


def _chars(item: tuple) -> list[int] | None:
    """The character codes a parsed item matches when it is a literal or a short list of them
    (``[-']``, ``[a-z]``), else None."""
    op, av = item
    if op is _const.LITERAL:
        return [av]
    if op is not _const.IN:
        return None
    codes: list[int] = []
    for kind, v in av:
        if kind is _const.LITERAL:
            codes.append(v)
        elif kind is _const.RANGE and v[1] - v[0] < 256:
            codes.extend(range(v[0], v[1] + 1))
        else:
            return None
    return codes


#: the settings of a Tokenizer state, the types they may have, and how to say it
_SETTINGS: dict[str, tuple[tuple[type, ...], str]] = {
    "max_size": ((int, type(None)), "an int or None"),
    "min_freq": ((int,), "an int"),
    "lower": ((bool,), "true or false"),
    "pattern": ((str,), "a string"),
    "pad_token": ((str,), "a string"),
    "unk_token": ((str,), "a string"),
}


def pad_sequences(
    sequences: Iterable[Sequence[Any]],
    maxlen: int | None = None,
    *,
    dtype: Any = np.int64,
    padding: str = "pre",
    truncating: str = "pre",
    value: float = 0,
) -> np.ndarray:
    """Pad (and truncate) sequences to one length, like Keras's ``pad_sequences``.

    Parameters
    ----------
    sequences : iterable of sequences
        ``N`` lists (or arrays) of ids or numbers, of any lengths.
    maxlen : int, optional
        Output length ``T`` (default: the longest sequence).
    dtype : numpy dtype
        Output dtype.
    padding : {"pre", "post"}
        Pad at the start or at the end.
    truncating : {"pre", "post"}
        Drop the start or the end of sequences longer than ``maxlen``.
    value : float
        Padding value.

    Returns
    -------
    numpy.ndarray
        ``(N, T)`` array (``(N, T, ...)`` if the elements are arrays).

    Examples
    --------
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
    [[2, 3], [0, 4]]
    >>> pad_sequences([[1, 2, 3], [4]], padding="post", truncating="post").tolist()
    [[1, 2, 3], [4, 0, 0]]
    """
    if padding not in ("pre", "post"):
        raise ValueError(f"pad_sequences: padding must be 'pre' or 'post'; got {padding!r}")
    if truncating not in ("pre", "post"):
        raise ValueError(f"pad_sequences: truncating must be 'pre' or 'post'; got {truncating!r}")
    seqs = [np.asarray(s) for s in sequences]
    for i, s in enumerate(seqs):
        if s.ndim == 0:
            raise ValueError(f"pad_sequences: sequence {i} is a scalar ({s!r}), not a sequence")
    lengths = [len(s) for s in seqs]
    if maxlen is None:
        maxlen = max(lengths, default=0)
    if maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be >= 0; got {maxlen}")
    trailing = next((s.shape[1:] for s in seqs if len(s)), ())
    out = np.full((len(seqs), maxlen, *trailing), value, dtype=dtype)
    for i, s in enumerate(seqs):
        if not len(s) or maxlen == 0:
            continue
        if s.shape[1:] != trailing:
            raise ValueError(
                f"pad_sequences: sequence {i} has elements of shape {s.shape[1:]}, "
                f"expected {trailing}"
            )
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, maxlen - len(kept) :] = kept
    return out
