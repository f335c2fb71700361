"""Languages: one analyser a language, in one registry; English is `search.text`, as it was.

`analyser(code)` gives what the index and the questions of a language are analysed with:
English with `search.text` (Porter, stop words, irregular verbs, acronyms), every other
language with `languages.analysis.Analyser` set up by its entry in `languages.table`, and a
language the table does not know with the same analyser, unstemmed. `splitter(code, texts)`
gives its sentence splitter, trained on `texts` where it learns (Punkt).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from ..sentences import SentenceSplitter, leans_on_previous
from ..text import (
    NUMBER_KEY,
    WHEN_KEY,
    Analysis,
    WordArrays,
    analyse,
    analyse_texts,
    english_asked_kinds,
    tokenize,
)
from .analysis import Analyser, month_names
from .splitting import MarksSplitter, ThaiSplitter
from .table import LANGUAGES, MARKS, SCRIPT, THAI, Language

ENGLISH = "en"
# Codes of dialects and scripts that are analysed as their language (py3langid's among them).
ALIASES = {"ary": "ar", "arz": "ar", "wuu": "zh", "yue": "zh", "nb": "no", "nn": "no"}
# Sentence ends Punkt learns to split at in every language but English, besides . ? !:
# the Arabic question mark and full stop, the Devanagari danda, full-width marks.
EXTRA_END_MARKS = "\u061f\u06d4\u0964\u0965\uff01\uff1f\u3002"
_TAG = re.compile(r"[A-Za-z]{2,3}(?=$|[-_])")
_ENGLISH_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|\d[\d,.]*\d|[^\W_]+(?:['\u2019.-][^\W_]+)*")


class English:
    """English: `search.text`'s analysis and the Punkt splitter with news abbreviations."""

    code = ENGLISH
    language = Language(ENGLISH)
    when_key = WHEN_KEY
    number_key = NUMBER_KEY
    unknown_terms_count = True

    def analyse(self, text: str) -> Analysis:
        """See `text.analyse`."""
        return analyse(text)

    def analyse_texts(self, texts: list[str]) -> WordArrays:
        """See `text.analyse_texts`."""
        return analyse_texts(texts)

    def tokenize(self, text: str) -> list[str]:
        """See `text.tokenize`."""
        return tokenize(text)

    def word_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the words of `text` are (for highlighting)."""
        return [m.span() for m in _ENGLISH_WORD.finditer(text)]

    def asked_kinds(self, question: str) -> list[int]:
        """Keys of the kinds of answer a question asks for ("when…", "how many…")."""
        return english_asked_kinds(question)

    def leans_on_previous(self, text: str, continues_quote: bool) -> bool:
        """See `sentences.leans_on_previous`."""
        return leans_on_previous(text, continues_quote)


AnyAnalyser = English | Analyser


def code_of(tag: object) -> str | None:
    """The language code of a tag ("en-GB" -> "en", "pt_BR" -> "pt", "ary" -> "ar"), or None."""
    if not isinstance(tag, str):
        return None
    match = _TAG.match(tag.strip())
    if match is None:
        return None
    code = match.group().lower()
    return ALIASES.get(code, code)


@cache
def analyser(code: str | None) -> AnyAnalyser:
    """The analyser of a language; English for None."""
    code = code_of(code) or ENGLISH
    if code == ENGLISH:
        return English()
    return Analyser(LANGUAGES.get(code) or Language(code, fold=SCRIPT))


def splitter(code: str, texts: Iterable[str]) -> SentenceSplitter | MarksSplitter | ThaiSplitter:
    """A sentence splitter for one language, trained on its paragraphs where it learns."""
    if code == ENGLISH:
        return SentenceSplitter.train(texts)
    language = LANGUAGES.get(code) or Language(code)
    if language.sentences == MARKS:
        return MarksSplitter()
    if language.sentences == THAI:
        return ThaiSplitter()
    marks = "".join(dict.fromkeys(language.end_marks + EXTRA_END_MARKS))
    # Punkt gives every number one type, "##number##": where a dot makes a number an ordinal
    # ("am 7. Mai"), a number before a month name does not end a sentence.
    collocations = (
        [("##number##", month.lower()) for month in month_names(code)]
        if language.ordinal_dots
        else []
    )
    return SentenceSplitter.train(
        texts, end_marks=marks, abbreviations=(), collocations=collocations
    )


__all__ = ["ENGLISH", "Analyser", "English", "analyser", "code_of", "splitter"]
