"""Text processing: tokens for BM25 (one function for sentences and questions) and sentences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

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
    ("20,000" -> "20000"), possessives lose their "'s", hyphenated words split into their parts.
    """
    text = fold(text)
    text = _ACRONYM_DOTS.sub(lambda m: m.group().replace(".", "") + " ", text)
    text = _DIGIT_GROUP.sub("", text)
    text = _POSSESSIVE.sub("", text)
    text = _INNER_APOSTROPHE.sub("", text)
    shouting = _mostly_upper(text)
    terms = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        acronym = not shouting and len(word) > 1 and word.isupper()
        word = word.lower()
        if word in STOP_WORDS and not acronym:
            continue
        if len(word) == 1 and not word.isdigit():
            continue
        terms.append(_stem(word))
    return terms


@cache
def _stem(word: str) -> str:
    if word[0].isdigit():
        return word
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
