"""Building an index: sentences analysed (in worker processes when big), models fitted."""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..config import SearchParams
from .bm25 import Bm25, Bm25Params, concatenated_ranges
from .corpus import Article, Corpus
from .credits import quote_openings
from .keys import borrowed_keys_of, pair_keys_of
from .languages import ENGLISH, analyser
from .languages.articles import (
    Splitter,
    analyse_in_languages,
    article_languages,
    trained_splitters,
)
from .sentences import SentenceSplitter
from .text import NUMBER_BIT, WHEN_BIT

# A term counts as a name when at least this share of its mid-sentence uses are capitalised.
PROPER_SHARE = 0.8
# Corpora at least this large are analysed by one worker process per core.
PARALLEL_MIN_CHARS = 2_000_000
# What each article is split and analysed with: the splitter of each language, the languages,
# and each article's language (a number into them).
Languages = tuple[dict[str, Splitter | SentenceSplitter], tuple[str, ...], np.ndarray]


def _empty(dtype: type) -> Callable[[], np.ndarray]:
    return lambda: np.zeros(0, dtype=dtype)


@dataclass
class _Part:
    """What analysing some articles gives: sentence places and term keys, in compact arrays."""

    paragraph: np.ndarray = field(default_factory=_empty(np.int32))
    start: np.ndarray = field(default_factory=_empty(np.int64))
    end: np.ndarray = field(default_factory=_empty(np.int64))
    continues: np.ndarray = field(default_factory=_empty(np.uint8))
    sentences_per_article: np.ndarray = field(default_factory=_empty(np.int64))
    # Term keys, sentence after sentence, each kind with its count per sentence.
    stems: np.ndarray = field(default_factory=_empty(np.int64))
    stem_counts: np.ndarray = field(default_factory=_empty(np.int64))
    exact: np.ndarray = field(default_factory=_empty(np.int64))
    exact_counts: np.ndarray = field(default_factory=_empty(np.int64))
    pairs: np.ndarray = field(default_factory=_empty(np.int64))  # neighbouring words' pairs
    pair_counts: np.ndarray = field(default_factory=_empty(np.int64))
    own: np.ndarray = field(default_factory=_empty(np.int64))  # answer kinds, borrowed stems
    own_counts: np.ndarray = field(default_factory=_empty(np.int64))
    capitalised: np.ndarray = field(default_factory=_empty(np.int64))  # mid-sentence capitals
    initial: np.ndarray = field(default_factory=_empty(np.int64))  # sentences' first words


@dataclass(frozen=True)
class NameCounts:
    """What names are found from: each stem's uses, mid-sentence capitals and sentence starts.

    Keys are ascending and distinct in each table. Counts of parts of a corpus add up to the
    corpus's (`bot/cluster` sums its shards').
    """

    stems: np.ndarray
    uses: np.ndarray
    capitalised: np.ndarray
    capitalised_uses: np.ndarray
    initial: np.ndarray
    initial_uses: np.ndarray

    def names(self) -> frozenset[int]:
        """Stem keys nearly always capitalised where capitals are not due to position."""
        keys, counts = self.capitalised, self.capitalised_uses

        def count_of(table_keys: np.ndarray, table_counts: np.ndarray) -> np.ndarray:
            at = np.clip(np.searchsorted(table_keys, keys), 0, max(len(table_keys) - 1, 0))
            found = (table_keys[at] == keys) if len(table_keys) else np.zeros(len(keys), bool)
            return np.where(found, table_counts[at] if len(table_keys) else 0, 0)

        mid_uses = count_of(self.stems, self.uses) - count_of(self.initial, self.initial_uses)
        return frozenset(keys[counts >= PROPER_SHARE * mid_uses].tolist())


@dataclass(frozen=True)
class Built:
    """What a build gives the index: sentence places as arrays, name keys, BM25 models."""

    arrays: dict[str, np.ndarray]
    names: frozenset[int]
    models: dict[str, Bm25 | None]
    name_counts: NameCounts | None = None


def build(
    corpus: Corpus,
    params: SearchParams,
    progress: Callable[[int], None] | None = None,
    languages: Languages | None = None,
    workers: int | None = None,
) -> Built:
    """Split and analyse every sentence of `corpus`, then fit the BM25 models.

    Args:
        corpus: the articles.
        params: BM25 and ranking settings.
        progress: called with the number of articles done since the last call.
        languages: what the articles are split and analysed with: a sentence splitter for
            each language, trained on a whole corpus this one is part of (a shard's), the
            languages and each article's (`languages.articles`); by default worked out from
            this corpus.
        workers: analysis processes at most (default one a core, at most 8).
    """
    if languages is None:
        codes, language_of = article_languages(corpus.articles)
        splitters = trained_splitters(corpus.articles, codes, language_of)
        languages = (splitters, codes, language_of)
    parts = _analyse_all(corpus.articles, languages, progress, workers)
    return _assemble(params, parts, languages[1], languages[2])


def _assemble(
    params: SearchParams,
    parts: list[_Part],
    languages: tuple[str, ...] = (ENGLISH,),
    language_of: np.ndarray | None = None,
) -> Built:
    """Join the parts' arrays into the index's, and fit its models."""

    def joined(name: str, dtype: type) -> np.ndarray:
        chunks = [np.asarray(getattr(p, name), dtype=dtype) for p in parts]
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=dtype)

    per_article = joined("sentences_per_article", np.int64)
    n = int(per_article.sum())
    paragraph_of = joined("paragraph", np.int32)
    article_of = np.repeat(np.arange(len(per_article), dtype=np.int32), per_article)
    new_paragraph = np.ones(n, dtype=bool)
    if n:
        new_paragraph[1:] = (article_of[1:] != article_of[:-1]) | (
            paragraph_of[1:] != paragraph_of[:-1]
        )
    paragraph_id = (np.cumsum(new_paragraph) - 1).astype(np.int32)
    first_of_article = np.concatenate(([0], np.cumsum(per_article)[:-1])).astype(np.int64)
    arrays = {
        "article_of": article_of,
        "paragraph_of": paragraph_of,
        "paragraph_id": paragraph_id,
        "start": joined("start", np.int64),
        "end": joined("end", np.int64),
        "continues_quote": joined("continues", np.uint8),
        "first_of_article": first_of_article,
    }
    if language_of is None:
        language_of = np.zeros(len(per_article), dtype=np.int16)
    arrays["language_of_article"] = language_of
    arrays["languages"] = np.array(languages)
    capitalised = np.concatenate([p.capitalised for p in parts])
    initial = np.concatenate([p.initial for p in parts])
    models, frequency = _fit_models(
        parts, params, paragraph_id, article_of, n, len(per_article), language_of
    )
    counts = NameCounts(
        *frequency,  # every stem key, ascending, and how often it is used
        *np.unique(capitalised, return_counts=True),
        *np.unique(initial, return_counts=True),
    )
    return Built(arrays, counts.names(), models, counts)


def _fit_models(
    parts: Sequence[_Part],
    params: SearchParams,
    paragraph_id: np.ndarray,
    article_of: np.ndarray,
    n_sentences: int,
    n_articles: int,
    language_of: np.ndarray,
) -> tuple[dict[str, Bm25 | None], tuple[np.ndarray, np.ndarray]]:
    """The BM25 models of the sentences, and from them those of the paragraphs and articles.

    Each language's documents get their own BM25 statistics (see `Bm25.from_terms`). Also
    returns every stem key with its number of uses. The parts' arrays are released as they
    are gathered, to keep the peak memory low.
    """
    bm25 = Bm25Params(params.k1, params.b, params.epsilon)

    def take(keys: str, counts: str) -> tuple[np.ndarray, np.ndarray]:
        """One kind of term keys of all parts, with the sentence each belongs to."""
        joined = np.concatenate([getattr(p, keys) for p in parts])
        sizes = np.concatenate([getattr(p, counts) for p in parts])
        for part in parts:
            setattr(part, keys, np.zeros(0, dtype=np.int64))
            setattr(part, counts, np.zeros(0, dtype=np.int64))
        return joined, np.repeat(np.arange(n_sentences, dtype=np.int32), sizes)

    streams = [take("pairs", "pair_counts"), take("exact", "exact_counts")]
    stems, stem_doc = take("stems", "stem_counts")
    stem_keys, stem_uses = np.unique(stems, return_counts=True)
    article_lengths = np.bincount(article_of[stem_doc], minlength=n_articles)
    streams.append((stems, stem_doc))
    del stems, stem_doc
    own, own_doc = take("own", "own_counts")
    own_keys = np.unique(own)
    shared_lengths = sum(np.bincount(doc, minlength=n_sentences) for _, doc in streams)
    lengths = shared_lengths + np.bincount(own_doc, minlength=n_sentences)
    streams.append((own, own_doc))
    del own, own_doc
    total = sum(len(k) for k, _ in streams)
    keys, docs = np.empty(total, dtype=np.int64), np.empty(total, dtype=np.int32)
    at = 0
    while streams:  # copy stream by stream, freeing each as it goes
        k, d = streams.pop(0)
        keys[at : at + len(k)], docs[at : at + len(k)] = k, d
        at += len(k)
        del k, d
    several = bool(len(language_of)) and int(language_of.min()) != int(language_of.max())
    sentence_groups = language_of[article_of] if several else None
    sentences = Bm25.from_terms(keys, docs, lengths, bm25, sentence_groups)
    del keys, docs
    # The two regroupings only read the sentence model: each runs in its own thread.
    regrouped = {}
    with ThreadPoolExecutor(2) as pool:
        if params.paragraph_weight:
            n_paragraphs = int(paragraph_id[-1]) + 1 if n_sentences else 0
            paragraph_lengths = np.bincount(
                paragraph_id, weights=shared_lengths, minlength=n_paragraphs
            ).astype(np.int64)
            paragraph_groups = None
            if sentence_groups is not None:
                paragraph_groups = np.zeros(n_paragraphs, dtype=np.int16)
                paragraph_groups[paragraph_id] = sentence_groups
            regrouped["paragraphs"] = pool.submit(
                sentences.regrouped,
                ~np.isin(sentences.keys, own_keys),
                paragraph_id,
                paragraph_lengths,
                bm25,
                paragraph_groups,
            )
        if params.article_weight:
            regrouped["articles"] = pool.submit(
                sentences.regrouped,
                np.isin(sentences.keys, stem_keys),
                article_of,
                article_lengths,
                bm25,
                language_of if several else None,
            )
    models: dict[str, Bm25 | None] = {"sentences": sentences, "paragraphs": None, "articles": None}
    models.update((name, future.result()) for name, future in regrouped.items())
    return models, (stem_keys, stem_uses)


# --- Analysing articles (in worker processes for big corpora) ---

_WORK: tuple[Sequence[Article], Languages] | None = None


def _analyse_all(
    articles: Sequence[Article],
    splitter: Languages,
    progress: Callable[[int], None] | None,
    workers: int | None = None,
) -> list[_Part]:
    """Analyse every article, in chunks, with a worker process per core when it pays.

    Worker processes are forked only from the main thread: forking a process while other
    threads run can copy a lock one of them holds. A rebuild in a thread (`/reload`) analyses
    in its own thread, more slowly, while the old index keeps answering.
    """
    global _WORK
    if not articles:
        return [_Part()]
    size = sum(len(a.body) for a in articles)
    chunk = max(1, min(500, len(articles) // 64 or 1))
    ranges = [(lo, min(lo + chunk, len(articles))) for lo in range(0, len(articles), chunk)]
    workers = workers or min(os.cpu_count() or 1, 8)
    parts = []
    main_thread = threading.current_thread() is threading.main_thread()
    if size >= PARALLEL_MIN_CHARS and workers > 1 and main_thread and "fork" in _start_methods():
        import multiprocessing

        _WORK = (articles, splitter)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for (lo, hi), part in zip(ranges, pool.imap(_analyse_range, ranges), strict=True):
                    parts.append(part)
                    if progress:
                        progress(hi - lo)
        finally:
            _WORK = None
        return parts
    for lo, hi in ranges:
        parts.append(_analyse_articles(articles, lo, hi, splitter))
        if progress:
            progress(hi - lo)
    return parts


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods() if sys.platform != "win32" else []


def _analyse_range(bounds: tuple[int, int]) -> _Part:
    if _WORK is None:
        raise RuntimeError("worker started without work")
    articles, splitter = _WORK
    return _analyse_articles(articles, bounds[0], bounds[1], splitter)


def _analyse_articles(articles: Sequence[Article], lo: int, hi: int, work: Languages) -> _Part:
    """Split and analyse articles [lo, hi) into compact arrays of places and term keys."""
    # Analysis makes many short-lived lists and no cycles: the cycle collector only costs time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        splitters, languages, language_of = work
        codes = [languages[n] for n in language_of[lo:hi].tolist()]
        return _analyse(articles[lo:hi], splitters, codes)
    finally:
        if collecting:
            gc.enable()


def _analyse(
    articles: Sequence[Article],
    splitters: dict[str, Splitter | SentenceSplitter],
    codes: Sequence[str],
) -> _Part:
    """Split the articles into sentences, then analyse all their words at once (`analyse_texts`).

    Each article is split and analysed in its language (`codes`). A sentence's own terms are
    its answer kinds and, when it leans on the sentence before in its paragraph ("He says…"),
    that sentence's stems as borrowed keys.
    """
    paragraphs: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    opens: list[bool] = []
    texts: list[str] = []
    per_article: list[int] = []
    for article, code in zip(articles, codes, strict=True):
        body = article.body
        spans = []
        splitter = splitters[code]
        for number, (p_start, p_end) in enumerate(article.paragraphs, start=1):
            spans.extend(
                (number, p_start + s, p_start + e) for s, e in splitter.spans(body[p_start:p_end])
            )
        per_article.append(len(spans))
        opens += quote_openings(body, spans)
        paragraphs += [number for number, _, _ in spans]
        starts += [start for _, start, _ in spans]
        ends += [end for _, _, end in spans]
        texts += [body[start:end] for _, start, end in spans]
    n = len(texts)
    sentence_codes = [
        code for code, count in zip(codes, per_article, strict=True) for _ in range(count)
    ]
    words = analyse_in_languages(texts, sentence_codes)
    sentence_of = np.repeat(np.arange(n), words.counts)
    same = sentence_of[1:] == sentence_of[:-1]  # word pairs never cross sentences
    content = words.content
    stems = words.stem_keys[content]
    stem_counts = np.bincount(sentence_of[content], minlength=n)
    first = np.cumsum(words.counts) - words.counts
    heads = first[words.counts > 0]
    capitalised = content & words.capitalised
    capitalised[heads] = False  # a capital that opens a sentence says nothing
    paragraph = np.array(paragraphs, dtype=np.int32)
    article = np.repeat(np.arange(len(per_article)), per_article)
    follows = np.zeros(n, dtype=bool)  # the sentence before is in the same paragraph
    follows[1:] = (article[1:] == article[:-1]) & (paragraph[1:] == paragraph[:-1])
    follows[1:] &= stem_counts[:-1] > 0
    leaners = {code: analyser(code).leans_on_previous for code in set(codes)}
    leaning = np.array(
        [
            i
            for i in np.flatnonzero(follows).tolist()
            if leaners[sentence_codes[i]](texts[i], opens[i])
        ],
        dtype=np.int64,
    )
    lent = stem_counts[leaning - 1]  # stems of the sentences leaned on
    borrowed = stems[concatenated_ranges(np.cumsum(stem_counts)[leaning - 1] - lent, lent)]
    when = np.flatnonzero(words.kinds & WHEN_BIT)
    number = np.flatnonzero(words.kinds & NUMBER_BIT)
    own_of = np.concatenate((when, number, np.repeat(leaning, lent)))
    if len(set(codes)) <= 1:
        kind_of = analyser(codes[0] if codes else ENGLISH)
        when_keys = np.full(len(when), kind_of.when_key, dtype=np.int64)
        number_keys = np.full(len(number), kind_of.number_key, dtype=np.int64)
    else:
        when_keys = np.array([analyser(sentence_codes[i]).when_key for i in when.tolist()])
        number_keys = np.array([analyser(sentence_codes[i]).number_key for i in number.tolist()])
    own = np.concatenate(
        (when_keys.astype(np.int64), number_keys.astype(np.int64), borrowed_keys_of(borrowed))
    )
    return _Part(
        paragraph=paragraph,
        start=np.array(starts, dtype=np.int64),
        end=np.array(ends, dtype=np.int64),
        continues=np.array(opens, dtype=np.uint8),
        sentences_per_article=np.array(per_article, dtype=np.int64),
        stems=stems,
        stem_counts=stem_counts,
        exact=words.exact_keys[content],
        exact_counts=stem_counts,
        pairs=pair_keys_of(words.stem_keys[:-1][same], words.stem_keys[1:][same]),
        pair_counts=np.maximum(words.counts - 1, 0),
        own=own[np.argsort(own_of, kind="stable")],
        own_counts=np.bincount(own_of, minlength=n),
        capitalised=words.stem_keys[capitalised],
        initial=words.stem_keys[heads[content[heads]]],
    )
