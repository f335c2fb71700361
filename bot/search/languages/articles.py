"""The languages of a corpus: each article's, a splitter each, and mixed sentences analysed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..bm25 import concatenated_ranges
from ..corpus import Article
from ..sentences import SentenceSplitter
from ..text import WordArrays
from . import ENGLISH, analyser, code_of, splitter
from .detect import article_language


class Splitter:
    """What splits paragraphs into sentences (`SentenceSplitter` and the languages' own)."""

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return (start, end) offsets of the sentences of one paragraph."""
        raise NotImplementedError

    def fingerprint(self) -> str:
        """What tells two splitters apart: those with one fingerprint split alike."""
        raise NotImplementedError


def article_languages(articles: Sequence[Article]) -> tuple[tuple[str, ...], np.ndarray]:
    """The languages of the articles (in order of appearance) and each article's, as a number.

    An article's language is its header's (`language: ru`), else the one its text is in
    (`languages.detect.article_language`), else English.
    """
    return numbered(
        code_of(article.extra.get("language")) or article_language(article.body) or ENGLISH
        for article in articles
    )


def numbered(codes: Iterable[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Distinct language codes in order of first appearance, and each one's number among them."""
    found: dict[str, int] = {}
    numbers = [found.setdefault(code, len(found)) for code in codes]
    return tuple(found) or (ENGLISH,), np.array(numbers, dtype=np.int16)


def trained_splitters(
    articles: Sequence[Article], languages: Sequence[str], language_of: np.ndarray
) -> dict[str, Splitter | SentenceSplitter]:
    """A sentence splitter for each language, trained on that language's paragraphs."""
    splitters: dict[str, Splitter | SentenceSplitter] = {}
    for number, code in enumerate(languages):
        mine = (
            articles
            if len(languages) == 1
            else [a for a, n in zip(articles, language_of.tolist(), strict=True) if n == number]
        )
        paragraphs = (
            article.body[start:end] for article in mine for start, end in article.paragraphs
        )
        splitters[code] = splitter(code, paragraphs)
    return splitters


def analyse_in_languages(texts: list[str], sentence_codes: list[str]) -> WordArrays:
    """The words of every sentence, each analysed in its language, as arrays in text order."""
    codes = set(sentence_codes)
    if len(codes) <= 1:
        return analyser(next(iter(codes), ENGLISH)).analyse_texts(texts)
    groups: dict[str, list[int]] = {}
    for i, code in enumerate(sentence_codes):
        groups.setdefault(code, []).append(i)
    done = {
        code: analyser(code).analyse_texts([texts[i] for i in ids]) for code, ids in groups.items()
    }
    order = np.concatenate([np.array(ids, dtype=np.int64) for ids in groups.values()])
    counts_in_groups = np.concatenate([done[c].counts for c in groups])
    starts_in_groups = np.cumsum(counts_in_groups) - counts_in_groups
    counts = np.zeros(len(texts), dtype=np.int64)
    counts[order] = counts_in_groups
    starts = np.zeros(len(texts), dtype=np.int64)
    starts[order] = starts_in_groups
    take = concatenated_ranges(starts, counts)

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(done[c], name) for c in groups])[take]

    kinds = np.zeros(len(texts), dtype=np.uint8)
    kinds[order] = np.concatenate([done[c].kinds for c in groups])
    return WordArrays(
        counts,
        joined("stem_keys"),
        joined("exact_keys"),
        joined("content"),
        joined("capitalised"),
        kinds,
    )
