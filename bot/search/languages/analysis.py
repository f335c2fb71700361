"""The analysis of a language other than English: its words, numbers, stems and term keys.

Every term key is tagged with the language ("ru" + stem), so that the terms of two languages
never meet in the index and each language's BM25 statistics stay its own (see `bm25.Bm25`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache, cached_property
from itertools import chain

import numpy as np
import regex

from ..keys import term_key
from ..text import EXACT_MARK, KIND_MARK, NUMBER_BIT, WHEN_BIT, Analysis, WordArrays
from .table import ACCENTS, BIGRAMS, THAI, Language

TAG = "\x1f"  # between a language's code and a term in the string a key is made of
MAX_REMEMBERED_WORDS = 1_000_000


class _Digits(dict):
    """`str.translate` table: digits of every script as 0-9, worked out a character at a time.

    (Building it for all of Unicode up front took half a second at every start.)
    """

    def __missing__(self, code: int) -> int | str:
        char = chr(code)
        found: int | str = code
        if not char.isascii() and unicodedata.category(char) == "Nd":
            found = str(unicodedata.decimal(char))
        self[code] = found
        return found


_DIGITS = _Digits()
# A space of any width between digit groups ("20 000", "20\u202f000").
_SPACES = " \u00a0\u2007\u2009\u202f"
_SEPARATORS = ",'\u2019\u066c" + _SPACES
_GROUPED = {
    # decimal mark "." (English style): groups split by "," "'" "٬" or a space; Indian style
    # groups of two ("1,00,000") too
    ".": re.compile(
        rf"(?<![\d.,])\d{{1,3}}(?:[{_SEPARATORS}]\d{{2,3}})*[{_SEPARATORS}]\d{{3}}(?!\d)"
    ),
    # decimal mark ",": groups of three split by "." "," "'" or a space ("20.000", "20,000")
    ",": re.compile(rf"(?<![\d.,])\d{{1,3}}(?:[.{_SEPARATORS}]\d{{3}})+(?!\d)"),
}
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_ARABIC_DECIMAL = "\u066b"
_HAN = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0003134f"
_THAI_CHARS = r"\u0e00-\u0e7f"
_NUMBER = r"\d+(?:\.\d+)+|\d+"
_WORD_PATTERNS = {
    "words": regex.compile(_NUMBER + r"|[\p{L}\p{M}]+"),
    BIGRAMS: regex.compile(_NUMBER + rf"|[{_HAN}]+|(?:(?![{_HAN}])[\p{{L}}\p{{M}}])+"),
    THAI: regex.compile(_NUMBER + rf"|[{_THAI_CHARS}]+|(?:(?![{_THAI_CHARS}])[\p{{L}}\p{{M}}])+"),
}
_RUN = {BIGRAMS: regex.compile(rf"[{_HAN}]"), THAI: regex.compile(rf"[{_THAI_CHARS}]")}
_ARABIC_MARKS = regex.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ALEF = str.maketrans("\u0623\u0625\u0622\u0671", "\u0627\u0627\u0627\u0627")
_HEBREW_MARKS = regex.compile(r"[\u0591-\u05c7]")
_MARKS = regex.compile(r"\p{M}+")
_YEAR = re.compile(r"(?:1[0-9]{3}|20[0-9]{2})")
# Languages that write decimals with a point; the others write "3,5" and group with dots.
DECIMAL_POINT = frozenset("ar he hi ja ko ms ne ta th ur zh fa".split())
_TURKIC = frozenset({"tr", "az"})
# Flags of a word (as in `text.WordArrays`): content word, capitalised; answer kinds above.
_CONTENT, _CAPITAL, _KIND_SHIFT = 1, 2, 2


class Analyser:
    """Words, stems and term keys of one language, for sentences and questions alike."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.code = language.code
        self.prefix = language.code + TAG
        self._decimal = "." if language.code in DECIMAL_POINT else ","
        self._pattern = _WORD_PATTERNS[language.words]
        self._stem = _stemmer(language.stemmer)
        self._words: dict[str, tuple[str, int, int, int]] = {}
        # Character pairs the corpus lacks are mostly pairs across two words ("了多"), not words
        # it lacks: they do not count against a question's coverage.
        self.unknown_terms_count = language.words != BIGRAMS
        self.when_key = term_key(self.prefix + KIND_MARK + "when")
        self.number_key = term_key(self.prefix + KIND_MARK + "number")
        self._asks_when = _phrases([self.fold(p) for p in language.when], language.words)
        self._asks_how_many = _phrases([self.fold(p) for p in language.how_many], language.words)

    # --- Normalising ---

    def normalise(self, text: str) -> str:
        """NFKC; digits of every script as 0-9; no digit grouping; decimal commas as points."""
        text = unicodedata.normalize("NFKC", text)
        if not text.isascii():
            text = text.translate(_DIGITS).replace(_ARABIC_DECIMAL, ".")
        if any(ch.isdigit() for ch in text):
            grouped = _GROUPED[self._decimal]
            text = grouped.sub(lambda m: re.sub(r"\D", "", m.group()), text)
            if self._decimal == ",":
                text = _DECIMAL_COMMA.sub(".", text)
        return text

    def lower(self, word: str) -> str:
        """Lower case as the language has it (Turkish dotted and dotless i)."""
        if self.code in _TURKIC:
            word = word.replace("I", "\u0131").replace("\u0130", "i")
        return word.casefold().replace("i\u0307", "i")

    def spelling(self, word: str) -> str:
        """Drop what the script treats as optional: Arabic marks, tatweel, alef forms, ё."""
        if "\u0600" <= word[0] <= "\u06ff" or any("\u0600" <= ch <= "\u06ff" for ch in word):
            word = _ARABIC_MARKS.sub("", word).translate(_ALEF)
        elif any("\u0590" <= ch <= "\u05ff" for ch in word):
            word = _HEBREW_MARKS.sub("", word)
        return word.replace("\u0451", "\u0435")

    def fold(self, text: str) -> str:
        """A question phrase or a stem as matching sees it: lower case, spelling, accents."""
        text = self.spelling(self.lower(unicodedata.normalize("NFKC", text)))
        if self.language.fold == ACCENTS:
            text = unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", text)))
        return text

    # --- Words ---

    def split(self, text: str) -> list[str]:
        """The words of a normalised text, as written (case kept); pairs for Han or Hangul runs."""
        words = self._pattern.findall(text)
        if self.language.words == BIGRAMS:
            return list(chain.from_iterable(map(_bigrams, words)))
        if self.language.words == THAI:
            return list(chain.from_iterable(map(_thai_words, words)))
        return words

    def word_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the words of `text` are (for highlighting), in its own offsets."""
        spans = []
        for match in self._pattern.finditer(text):
            start, word = match.start(), match.group()
            if self.language.words in (BIGRAMS, THAI) and _RUN[self.language.words].match(word):
                pieces = _bigrams(word) if self.language.words == BIGRAMS else _thai_words(word)
                at = 0
                for piece in pieces:
                    found = word.find(piece, at)
                    if found < 0:
                        continue
                    spans.append((start + found, start + found + len(piece)))
                    at = found + (1 if self.language.words == BIGRAMS else len(piece))
            else:
                spans.append((start, match.end()))
        return spans

    def _word(self, word: str) -> tuple[str, int, int, int]:
        """(stem, stem key, exact key, flags) of one word as written; remembered."""
        found = self._words.get(word)
        if found is not None:
            return found
        written = self.spelling(self.lower(word)) or word  # a lone tatweel or mark: as written
        is_number = written[0].isdigit()
        if self.code == "ar" and not is_number:
            # Larkey's light10 first: NLTK's Arabic stemmer leaves many attached articles
            # and conjunctions on (measured on XQuAD ar: P@1 0.679 without, 0.705 with).
            written = _arabic_light(written)
        stem = written if is_number or self._stem is None else self._stem(written)
        if self.language.fold == ACCENTS and not stem.isascii():
            stem = unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFD", stem)))
        letter_words = self.language.words not in (BIGRAMS, THAI) or not _in_run(word)
        content = is_number or not (letter_words and len(written) == 1)
        kind = 0
        if is_number:
            kind |= NUMBER_BIT
            if _YEAR.fullmatch(written):
                kind |= WHEN_BIT
        elif stem in self._months:
            kind |= WHEN_BIT
        flags = content * _CONTENT | (word[0].isupper() and not is_number) * _CAPITAL
        if not letter_words and self.language.words == BIGRAMS:
            # A pair's own form would repeat its term: its first character stands there
            # instead, so that characters match where pairs differ.
            written = written[0]
        found = (
            stem,
            term_key(self.prefix + stem),
            term_key(self.prefix + EXACT_MARK + written),
            flags | kind << _KIND_SHIFT,
        )
        if len(self._words) >= MAX_REMEMBERED_WORDS:
            self._words.clear()
        self._words[word] = found
        return found

    @cached_property
    def _months(self) -> frozenset[str]:
        """Stems of the month names (from Babel's locale data), for the `#when` kind."""
        stems = set()
        for name in month_names(self.code):
            for word in self.split(self.normalise(name)):
                stem = self.spelling(self.lower(word))
                stems.add(stem if self._stem is None else self._stem(stem))
        folded = {self.fold(s) for s in stems} if self.language.fold == ACCENTS else stems
        return frozenset(s for s in folded if len(s) > 2)

    # --- Analysis ---

    def analyse(self, text: str) -> Analysis:
        """Normalise, split and stem a text; sentences and questions both go through here."""
        forms = [self._word(w) for w in self.split(self.normalise(text))]
        content = [f for f in forms if f[3] & _CONTENT]
        kinds = 0
        for form in forms:
            kinds |= form[3] >> _KIND_SHIFT
        capitals = self.language.capitals_are_names
        return Analysis(
            [f[0] for f in content],
            [f[1] for f in content],
            [f[2] for f in content],
            [f[1] for f in forms],
            [f[1] for f in forms[1:] if capitals and f[3] & _CAPITAL and f[3] & _CONTENT],
            forms[0][1] if forms and forms[0][3] & _CONTENT else None,
            [key for bit, key in self._kind_keys if kinds & bit],
        )

    def analyse_texts(self, texts: Sequence[str]) -> WordArrays:
        """`analyse` for many texts at once, as arrays (what building an index needs)."""
        split = [self.split(self.normalise(t)) for t in texts]
        counts = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        forms = [self._word(w) for w in chain.from_iterable(split)]
        n = len(forms)
        stem_keys = np.fromiter((f[1] for f in forms), dtype=np.int64, count=n)
        exact_keys = np.fromiter((f[2] for f in forms), dtype=np.int64, count=n)
        flags = np.fromiter((f[3] for f in forms), dtype=np.uint8, count=n)
        kinds = np.zeros(len(texts), dtype=np.uint8)
        if n:
            said = counts > 0
            first = (np.cumsum(counts) - counts)[said]
            kinds[said] = np.bitwise_or.reduceat(flags >> _KIND_SHIFT, first)
        capitalised = (flags & _CAPITAL).astype(bool)
        if not self.language.capitals_are_names:
            capitalised[:] = False
        return WordArrays(
            counts, stem_keys, exact_keys, (flags & _CONTENT).astype(bool), capitalised, kinds
        )

    def tokenize(self, text: str) -> list[str]:
        """The stems of a text's content words."""
        return self.analyse(text).stems

    @property
    def _kind_keys(self) -> tuple[tuple[int, int], ...]:
        return ((WHEN_BIT, self.when_key), (NUMBER_BIT, self.number_key))

    def asked_kinds(self, question: str) -> list[int]:
        """Keys of the kinds of answer a question asks for: a time, a number."""
        folded = self.fold(question)
        kinds = []
        if self._asks_when and self._asks_when.search(folded):
            kinds.append(self.when_key)
        if self._asks_how_many and self._asks_how_many.search(folded):
            kinds.append(self.number_key)
        return kinds

    def leans_on_previous(self, text: str, continues_quote: bool) -> bool:
        """Whether a sentence continues a quotation or opens with a word that points back."""
        if continues_quote:
            return True
        if not self.language.openers:
            return False
        first = self._pattern.search(text)
        return bool(first) and self.spelling(self.lower(first.group())) in self.language.openers


_AR_PREFIXES = (
    "\u0648\u0627\u0644",
    "\u0628\u0627\u0644",
    "\u0643\u0627\u0644",
    "\u0641\u0627\u0644",
    "\u0644\u0644",
    "\u0627\u0644",
)
_AR_SUFFIXES = (
    "\u0647\u0627",
    "\u0627\u0646",
    "\u0627\u062a",
    "\u0648\u0646",
    "\u064a\u0646",
    "\u064a\u0647",
    "\u064a\u0629",
    "\u0647",
    "\u0629",
    "\u064a",
)


def _arabic_light(word: str) -> str:
    """Larkey's light10 stem of an Arabic word: a few prefixes and suffixes off."""
    word = word.replace("\u0649", "\u064a")
    if len(word) > 3 and word[0] == "\u0648":
        word = word[1:]
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) > 1:
            word = word[len(prefix) :]
            break
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) > 1:
            word = word[: -len(suffix)]
    return word


@cache
def month_names(code: str) -> frozenset[str]:
    """The month names of a language, full and abbreviated, from Babel's locale data."""
    try:
        from babel import Locale, UnknownLocaleError

        locale = Locale.parse(code)
    except (ImportError, ValueError, UnknownLocaleError):
        return frozenset()
    names = set()
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            names.update(n.rstrip(".") for n in locale.months[context][width].values())
    return frozenset(names)


def _phrases(phrases: list[str], words: str) -> re.Pattern | None:
    """A pattern finding any of the phrases, as whole words where the script has spaces."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    if words in (BIGRAMS, THAI):
        return re.compile(alternatives)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _in_run(word: str) -> bool:
    return bool(_RUN[BIGRAMS].match(word) or _RUN[THAI].match(word))


def _bigrams(word: str) -> list[str]:
    """Overlapping pairs of a Han, Kana or Hangul run (a lone character stays); others whole."""
    if len(word) < 2 or not _RUN[BIGRAMS].match(word):
        return [word]
    return [word[i : i + 2] for i in range(len(word) - 1)]


def _thai_words(word: str) -> list[str]:
    """Thai runs cut into words by PyThaiNLP's dictionary segmenter (newmm); others whole."""
    if not _RUN[THAI].match(word):
        return [word]
    from pythainlp.tokenize import word_tokenize

    return [w for w in word_tokenize(word, engine="newmm", keep_whitespace=False) if w.strip()]


def _stemmer(name: str | None) -> Callable[[str], str] | None:
    """A stemming function: NLTK's Snowball stemmer, or the snowballstemmer package's."""
    if name is None:
        return None
    source, _, algorithm = name.partition(":")
    if source == "nltk":
        from nltk.stem.snowball import SnowballStemmer

        return SnowballStemmer(algorithm).stem
    import snowballstemmer

    return snowballstemmer.stemmer(algorithm).stemWord
