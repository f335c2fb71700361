"""Text processing: tokens for BM25 (one function for sentences and questions) and sentences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources
from itertools import pairwise

from nltk.stem.porter import PorterStemmer
from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTrainer

# Curly quotes and primes map one character to one character, so offsets survive the mapping.
QUOTES_TO_ASCII = str.maketrans(
    {
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
)
# Training Punkt is linear in text size; a few megabytes teach it all it learns.
MAX_TRAINING_CHARS = 4_000_000

_ACRONYM_DOTS = re.compile(r"\b(?:[^\W\d_]\.){2,}")
_DIGIT_GROUP = re.compile(r"(?<=\d)[,\u00a0\u202f\u2009'](?=\d{3}(?!\d))")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?!\w)", re.IGNORECASE)
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_TOKEN = re.compile(r"\d+(?:\.\d+)+|[^\W_]+")
_STEMMER = PorterStemmer()


def _read_list(name: str) -> frozenset[str]:
    text = resources.files("bot").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line)


STOP_WORDS = _read_list("stopwords.txt")


def _read_forms(name: str) -> dict[str, str]:
    text = resources.files("bot").joinpath("data").joinpath(name).read_text(encoding="utf-8")
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
    text = unicodedata.normalize("NFKC", text).translate(QUOTES_TO_ASCII)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Turn text into BM25 terms: folded, lower-case, stop words out, Porter-stemmed.

    Words written in capitals inside mixed-case text (US, WHO, U.N.) are acronyms: they are kept
    even when their lower-case form is a stop word. Numbers lose their digit grouping
    ("20,000" -> "20000"), possessives lose their "'s", hyphenated words split into their parts,
    irregular verbs become their base form ("fled" -> "flee").
    """
    return [_stem(word) for word, acronym in _words(text) if _content(word, acronym)]


def index_terms(text: str) -> list[str]:
    """All the terms BM25 indexes for a text; sentences and questions both go through here.

    The stemmed terms of `tokenize`, plus each content word as written (`=word`, so an exact
    form counts a little more than a shared stem), plus each pair of neighbouring words,
    stop words included (`stem+stem`, so a phrase of the question counts when it reappears).
    """
    words = _words(text)
    stems = [_stem(word) for word, _ in words]
    terms = [stem for stem, (w, acronym) in zip(stems, words, strict=True) if _content(w, acronym)]
    terms += [EXACT_MARK + w for w, acronym in words if _content(w, acronym)]
    terms += [f"{a}{PAIR_MARK}{b}" for a, b in pairwise(stems)]
    return terms


EXACT_MARK = "="
PAIR_MARK = "+"
KIND_MARK = "#"
_YEAR_OR_MONTH = re.compile(
    r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b|\b(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December)\b"
)
_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b",
    re.IGNORECASE,
)
_ASKS_WHEN = re.compile(
    r"\bwhen\b|\b(?:what|which)\s+(?:year|century|decade|date|month|day)\b", re.IGNORECASE
)
_ASKS_HOW_MANY = re.compile(
    r"\bhow\s+(?:many|much|long|old|far|large|big|tall|high|fast|often)\b"
    r"|\bwhat\s+(?:percentage|percent|number|amount)\b",
    re.IGNORECASE,
)


def answer_kinds(text: str) -> list[str]:
    """Kinds of answer a sentence can give: `#when` (a year or month), `#number`."""
    kinds = []
    if _YEAR_OR_MONTH.search(text):
        kinds.append(KIND_MARK + "when")
    if _NUMBER.search(text):
        kinds.append(KIND_MARK + "number")
    return kinds


def asked_kinds(question: str) -> list[str]:
    """Kinds of answer a question asks for: "when…" wants `#when`, "how many…" `#number`."""
    kinds = []
    if _ASKS_WHEN.search(question):
        kinds.append(KIND_MARK + "when")
    if _ASKS_HOW_MANY.search(question):
        kinds.append(KIND_MARK + "number")
    return kinds


def _words(text: str) -> list[tuple[str, bool]]:
    """Lower-cased words of the normalised text, each flagged if it was written as an acronym."""
    text = fold(text)
    text = _ACRONYM_DOTS.sub(lambda m: m.group().replace(".", "") + " ", text)
    text = _DIGIT_GROUP.sub("", text)
    text = _POSSESSIVE.sub("", text)
    text = _INNER_APOSTROPHE.sub("", text)
    shouting = _mostly_upper(text)
    words = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        acronym = not shouting and len(word) > 1 and word.isupper()
        words.append((word.lower(), acronym))
    return words


def _content(word: str, acronym: bool) -> bool:
    if word in STOP_WORDS and not acronym:
        return False
    return len(word) > 1 or word.isdigit()


@cache
def _stem(word: str) -> str:
    if word[0].isdigit():
        return word
    word = VERB_FORMS.get(word, word)
    return _STEMMER.stem(word, to_lowercase=False)


def _mostly_upper(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 8 and sum(ch.isupper() for ch in letters) > 0.6 * len(letters)


class SentenceSplitter:
    """NLTK Punkt, trained on the corpus itself plus a shipped list of news abbreviations.

    No downloaded NLTK data is needed. Curly quotes are mapped to straight ones before Punkt sees
    the text (one character for one), so Punkt's quote rules apply and offsets are unchanged.
    """

    def __init__(self, tokenizer: PunktSentenceTokenizer) -> None:
        self._tokenizer = tokenizer

    @classmethod
    def train(cls, texts: Iterable[str], max_chars: int = MAX_TRAINING_CHARS) -> SentenceSplitter:
        """Learn abbreviations, collocations and sentence starters from up to `max_chars`."""
        trainer = PunktTrainer()
        sample, size = [], 0
        for text in texts:
            if size >= max_chars:
                break
            sample.append(text[: max_chars - size].translate(QUOTES_TO_ASCII))
            size += len(sample[-1])
        trainer.train("\n\n".join(sample), finalize=True)
        params = trainer.get_params()
        params.abbrev_types.update(ABBREVIATIONS)
        return cls(PunktSentenceTokenizer(params))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return (start, end) offsets of the sentences of one paragraph."""
        return list(self._tokenizer.span_tokenize(text.translate(QUOTES_TO_ASCII)))
