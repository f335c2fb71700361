"""Text analysis: the BM25 terms of a text, one function for sentences and questions alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import chain, pairwise

import numpy as np
import regex
from nltk.stem.porter import PorterStemmer

from .keys import pair_key, term_key

# Curly quotes and primes map one character to one character, so offsets survive the mapping.
_STRAIGHT_QUOTES = {
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2033": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u02bc": "'",
    "\u2039": "'",
    "\u203a": "'",
}

# Each pattern starts with a literal character (or a set), which `re` finds fast in long texts.
_ACRONYM_DOTS = re.compile(r"\b(?:[^\W\d_]\.){2,}")
# The first dot of an acronym: where `_ACRONYM_DOTS` matches, one character earlier.
_ACRONYM_FIRST_DOT = re.compile(r"\.(?<=\b[^\W\d_]\.)(?=[^\W\d_]\.)")
_DIGIT_GROUP = re.compile(r"[,\u00a0\u202f\u2009'](?<=\d[,\u00a0\u202f\u2009'])(?=\d{3}(?!\d))")
# "Assad's" and "the Jameses'" lose their possessive marks.
_POSSESSIVE = re.compile(r"'(?:s\b(?<=\w's)|(?<=s')(?!\w))", re.IGNORECASE)
EXACT_MARK = "="
_INNER_APOSTROPHE = re.compile(r"'(?<=\w')(?=\w)")
_TOKEN = re.compile(r"\d+(?:\.\d+)+|[^\W_]+")
_MAYBE_DECIMAL = re.compile(r"[0-9]\.[0-9]")
_DECIMAL_POINT = re.compile(r"(?<=[0-9])\.(?=[0-9])")
# Every ASCII character that is not a letter or digit separates words (as `_TOKEN` has it).
_ASCII_SEPARATORS = str.maketrans(
    {chr(c): " " for c in range(128) if not chr(c).isalnum() and c != 0}
)
_STEMMER = PorterStemmer()
# Word as written -> what `_form` says of it; bounded, so a huge corpus or a stream of odd
# questions cannot grow it forever.
_FORMS: dict[str, tuple[str, int, int, bool, bool, int, bool]] = {}
MAX_REMEMBERED_WORDS = 1_000_000
_COMBINING = regex.compile(r"\p{Mn}+")
_SHOUT_HINT = re.compile(r"[^\W\d_a-z]{3}")
_SHOUT_ASCII = re.compile(r"[A-Z]{3}")
_ASCII_UPPER = bytes(range(65, 91))
_ASCII_LOWER = bytes(range(97, 123))
_UPPER = regex.compile(r"\p{Lu}")
_LOWER = regex.compile(r"\p{Ll}")


def _data(name: str) -> str:
    """A shipped word list (`bot/search/data/`)."""
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def _read_list(name: str) -> frozenset[str]:
    text = _data(name)
    lines = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line)


STOP_WORDS = _read_list("stopwords.txt")


def _read_forms(name: str) -> dict[str, str]:
    text = _data(name)
    forms = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].lower().split()
        for form in words[1:]:
            forms.setdefault(form, words[0])
    return forms


VERB_FORMS = _read_forms("irregular_verbs.txt")
ABBREVIATIONS = _read_list("abbreviations.txt")


def fold(text: str) -> str:
    """Fold compatibility forms, curly quotes and accents to their plain forms (case kept)."""
    if text.isascii():  # nothing to fold: no curly quotes, no accents
        return text
    text = straight_quotes(unicodedata.normalize("NFKC", text))
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def straight_quotes(text: str) -> str:
    """Curly quotes and primes as straight ones, one character for one (offsets unchanged)."""
    if text.isascii():
        return text
    for curly, straight in _STRAIGHT_QUOTES.items():
        if curly in text:
            text = text.replace(curly, straight)
    return text


@dataclass(frozen=True, slots=True)
class Analysis:
    """The BM25 terms of one text as stable keys, and which words had a capital."""

    stems: list[str]  # content words, stemmed (stop words and single letters left out)
    stem_keys: list[int]  # their keys
    exact_keys: list[int]  # keys of the content words as written: "=word"
    word_keys: list[int]  # stem keys of every word, stop words included, for word pairs
    capitalised: list[int]  # stem keys of capitalised content words after the first word
    first: int | None  # stem key of the first word, if it is a content word
    kinds: list[int]  # kinds of answer the text can give: `#when` (a year or month), `#number`

    @property
    def pair_keys(self) -> list[int]:
        """Keys of each pair of neighbouring words (see `pair_key`)."""
        return [pair_key(a, b) for a, b in pairwise(self.word_keys)]


def analyse(text: str) -> Analysis:
    """Normalise, split and stem a text in one pass; sentences and questions both go through here.

    Words written in capitals inside mixed-case text (US, WHO, U.N.) are acronyms: they are kept
    even when their lower-case form is a stop word. Numbers lose their digit grouping
    ("20,000" -> "20000"), possessives lose their "'s", hyphenated words split into their parts,
    irregular verbs become their base form ("fled" -> "flee"). Besides the stems, a text's BM25
    terms are its content words as written (so an exact form counts a little more than a shared
    stem) and each pair of neighbouring words, stop words included (so a phrase of the question
    counts when it reappears).
    """
    text = _normalise(text)
    shouting = _mostly_upper(text)
    words = _split_words(text)
    forms = list(map(_FORMS.get, words))
    if None in forms:
        forms = [form or _form(word) for form, word in zip(forms, words, strict=True)]
    keep = 4 if shouting else 3  # which "is a content word" flag applies
    content = [form for form in forms if form[keep]]
    kinds = 0
    for kind in [form[5] for form in forms if form[5]]:
        kinds |= kind
    head = forms[0] if forms else None
    return Analysis(
        [form[0] for form in content],
        [form[1] for form in content],
        [form[2] for form in content],
        [form[1] for form in forms],
        [form[1] for form in forms[1:] if form[6] and form[keep]],
        head[1] if head and head[keep] else None,
        [key for bit, key in _KIND_KEYS if kinds & bit],
    )


def _normalise(text: str) -> str:
    """Fold, undot acronyms, drop digit grouping, possessives and inner apostrophes.

    Every change is local to a word, so normalising texts joined by `_JOINER` equals
    normalising each alone (`analyse_texts` relies on it).
    """
    text = fold(text)
    if "." in text:
        text = _undot_acronyms(text)
    text = _DIGIT_GROUP.sub("", text)
    if "'" in text:
        text = _INNER_APOSTROPHE.sub("", _POSSESSIVE.sub("", text))
    return text


# Flags of a word in `_WordTable`: content word, content word in shouting text, capitalised;
# its answer kinds (WHEN_BIT, NUMBER_BIT) sit above them.
_CONTENT, _CONTENT_SHOUTING, _CAPITALISED, _KIND_SHIFT = 1, 2, 4, 3
_SEPARATOR = "\x1f"  # ASCII unit separator: never part of a word
_JOINER = f" {_SEPARATOR} "


class _WordTable:
    """Every distinct word as written gets a number; its facts from `_form` sit in arrays."""

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self.ids: dict[str, int] = {}
        self.stem_keys = np.zeros(0, dtype=np.int64)
        self.exact_keys = np.zeros(0, dtype=np.int64)
        self.flags = np.zeros(0, dtype=np.uint8)

    def numbers(self, words: list[str]) -> np.ndarray:
        """The number of each word, adding words not seen before."""
        ids = list(map(self.ids.get, words))
        if None in ids:
            if len(self.ids) >= MAX_REMEMBERED_WORDS:  # bounded: start afresh
                self._clear()
                ids = [None] * len(words)
            ids = [self._add(w) if i is None else i for i, w in zip(ids, words, strict=True)]
        return np.array(ids, dtype=np.int64)

    def _add(self, word: str) -> int:
        found = self.ids.get(word)
        if found is not None:
            return found
        n = len(self.ids)
        if n == len(self.flags):
            size = max(1024, 2 * n)
            self.stem_keys = np.resize(self.stem_keys, size)
            self.exact_keys = np.resize(self.exact_keys, size)
            self.flags = np.resize(self.flags, size)
        _stem, stem_key, exact_key, content, content_shouting, kind, capital = _FORMS.get(
            word
        ) or _form(word)
        self.stem_keys[n], self.exact_keys[n] = stem_key, exact_key
        self.flags[n] = (
            content * _CONTENT
            | content_shouting * _CONTENT_SHOUTING
            | capital * _CAPITALISED
            | kind << _KIND_SHIFT
        )
        self.ids[word] = n
        return n


_WORDS = _WordTable()


@dataclass(frozen=True)
class WordArrays:
    """The words of many texts as `analyse` sees them, as arrays in text order."""

    counts: np.ndarray  # int64: words of each text
    stem_keys: np.ndarray  # int64 per word, stop words included (`Analysis.word_keys`)
    exact_keys: np.ndarray  # int64 per word
    content: np.ndarray  # bool per word: a content word of its text
    capitalised: np.ndarray  # bool per word: written with a capital first letter
    kinds: np.ndarray  # uint8 per text: WHEN_BIT | NUMBER_BIT, as `analyse` finds them


def analyse_texts(texts: Sequence[str]) -> WordArrays:
    """`analyse` for many texts at once, as arrays: the cost per word is NumPy's, not Python's.

    A test checks that it agrees with `analyse` text by text.
    """
    joined = _normalise(_JOINER.join(texts))
    normalised = joined.split(_SEPARATOR) if texts else []
    if len(normalised) != len(texts):  # a text holds the separator itself: one by one
        normalised = [_normalise(text) for text in texts]
        joined = _JOINER.join(normalised)
    split = list(map(_split_words, normalised))
    counts = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    words = list(chain.from_iterable(split))
    ids = _WORDS.numbers(words)
    flags = _WORDS.flags[ids]
    content = (flags & _CONTENT).astype(bool)
    if _SHOUT_HINT.search(joined):  # some text may be written in capitals
        shouting = np.fromiter(map(_mostly_upper, normalised), dtype=bool, count=len(texts))
        shouting_content = (flags & _CONTENT_SHOUTING).astype(bool)
        content = np.where(np.repeat(shouting, counts), shouting_content, content)
    kinds = np.zeros(len(texts), dtype=np.uint8)
    if len(words):
        said = counts > 0
        first = (np.cumsum(counts) - counts)[said]
        kinds[said] = np.bitwise_or.reduceat(flags >> _KIND_SHIFT, first)
    return WordArrays(
        counts,
        _WORDS.stem_keys[ids],
        _WORDS.exact_keys[ids],
        content,
        (flags & _CAPITALISED).astype(bool),
        kinds,
    )


def tokenize(text: str) -> list[str]:
    """Turn text into BM25 terms: folded, lower-case, stop words out, Porter-stemmed."""
    return analyse(text).stems


def _form(word: str) -> tuple[str, int, int, bool, bool, int, bool]:
    """Everything about one word as written that analysis needs; remembered.

    (stem, stem key, exact key, content word?, content word when the text shouts?, answer
    kinds, capitalised?). A stop word or a single letter is not a content word, unless it is
    written in capitals (US, WHO) in a text that does not shout.
    """
    lower = word.lower()
    if lower[0].isdigit():
        stem = lower
    else:
        stem = _STEMMER.stem(VERB_FORMS.get(lower, lower), to_lowercase=False)
    dropped = lower in STOP_WORDS or (len(lower) == 1 and not lower.isdigit())
    kind = 0
    if lower in NUMBER_WORDS or any(ch.isdigit() for ch in lower):
        kind |= NUMBER_BIT
    if _YEAR.fullmatch(lower) or (lower in MONTHS and word[0].isupper()):
        kind |= WHEN_BIT
    form = (
        stem,
        term_key(stem),
        term_key(EXACT_MARK + lower),
        not dropped or (len(word) > 1 and word.isupper()),
        not dropped,
        kind,
        word[0].isupper(),
    )
    if len(_FORMS) < MAX_REMEMBERED_WORDS:
        _FORMS[word] = form
    return form


KIND_MARK = "#"
WHEN_KEY = term_key(KIND_MARK + "when")
NUMBER_KEY = term_key(KIND_MARK + "number")
WHEN_BIT, NUMBER_BIT = 1, 2  # a month counts only when capitalised ("May", not "may")
_KIND_KEYS = ((WHEN_BIT, WHEN_KEY), (NUMBER_BIT, NUMBER_KEY))
MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)
NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred thousand million billion dozen half".split()
)
_YEAR = re.compile(r"(?:1[0-9]{3}|20[0-9]{2})s?")
_ASKS_WHEN = re.compile(
    r"\bwhen\b|\b(?:what|which)\s+(?:year|century|decade|date|month|day)\b", re.IGNORECASE
)
_ASKS_HOW_MANY = re.compile(
    r"\bhow\s+(?:many|much|long|old|far|large|big|tall|high|fast|often)\b"
    r"|\bwhat\s+(?:percentage|percent|number|amount)\b",
    re.IGNORECASE,
)


def english_asked_kinds(question: str) -> list[int]:
    """Keys of the kinds of answer a question asks for: "when…" `#when`, "how many…" `#number`."""
    kinds = []
    if _ASKS_WHEN.search(question):
        kinds.append(WHEN_KEY)
    if _ASKS_HOW_MANY.search(question):
        kinds.append(NUMBER_KEY)
    return kinds


def _split_words(text: str) -> list[str]:
    """The words and numbers of a normalised text (`_TOKEN`), quickly when it is ASCII."""
    if not text.isascii():
        return _TOKEN.findall(text)
    decimals = _MAYBE_DECIMAL.search(text) is not None
    if decimals:
        text = _DECIMAL_POINT.sub("\x00", text)
    words = text.translate(_ASCII_SEPARATORS).split()
    if decimals:  # rare: let the full pattern cut "1.13bn" into "1.13" and "bn"
        words = [p for w in words for p in _TOKEN.findall(w.replace("\x00", "."))]
    return words


def _undot_acronyms(text: str) -> str:
    """Acronyms lose their dots ("U.S." -> "US "), as `_ACRONYM_DOTS.sub` would, found fast."""
    pieces = []
    done = 0
    for dot in _ACRONYM_FIRST_DOT.finditer(text):
        if dot.start() - 1 < done:  # inside the acronym just replaced
            continue
        acronym = _ACRONYM_DOTS.match(text, dot.start() - 1)
        if acronym is None:  # cannot happen: the first dot implies a match
            continue
        pieces += (text[done : acronym.start()], acronym.group().replace(".", ""), " ")
        done = acronym.end()
    return "".join(pieces) + text[done:] if pieces else text


def _mostly_upper(text: str) -> bool:
    if text.isascii():
        if not _SHOUT_ASCII.search(text):
            return False
        raw = text.encode("ascii")
        upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
        letters = upper + len(raw) - len(raw.translate(None, _ASCII_LOWER))
    elif not _SHOUT_HINT.search(text):
        return False
    else:
        upper = len(_UPPER.findall(text))
        letters = upper + len(_LOWER.findall(text))
    return letters >= 8 and upper > 0.6 * letters
