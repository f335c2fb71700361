"""The sentence index: every sentence of every article, scored with rank-bm25's BM25Okapi."""

from __future__ import annotations

import gc
import math
import os
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property, lru_cache, partial

import numpy as np

from .bm25 import Bm25, Bm25Params, concatenated_ranges
from .cite import attribute, quote_openings
from .config import SearchParams
from .corpus import Article, Corpus
from .text import (
    NUMBER_BIT,
    NUMBER_KEY,
    WHEN_BIT,
    WHEN_KEY,
    Analysis,
    SentenceSplitter,
    analyse,
    analyse_texts,
    asked_kinds,
    borrowed_key,
    borrowed_keys_of,
    pair_keys_of,
    tokenize,
)

# Only this much of a question is read; a question is a sentence or two, not an essay.
MAX_QUESTION_CHARS = 1000
# A term counts as a name when at least this share of its mid-sentence uses are capitalised.
PROPER_SHARE = 0.8
# When a question names this many things, the best few hits are reordered so that those naming
# more of them (in the sentence or next to it) come first: as many as an answer shows.
MIN_NAMES_FOR_COORDINATION = 2
COORDINATION_DEPTH = 3
# Opening words that lean on the sentence before ("He says…", "This…", "But…").
DEPENDENT_OPENERS = frozenset(
    "he she they it its his her their him them this that these those such but however and yet "
    "still also so then meanwhile instead moreover furthermore nevertheless nonetheless "
    "otherwise besides likewise".split()
)
# Articles whose credits are kept once worked out (see `_credit_article`).
CREDITED_ARTICLES_KEPT = 1024
# Corpora at least this large are analysed by one worker process per core.
PARALLEL_MIN_CHARS = 2_000_000
# A name as written: capitalised words, possibly joined by particles ("Bank of England").
_NAME_RUN = re.compile(
    r"[^\W\d_a-z][\w.'\u2019-]*(?:\s+(?:(?:of|for|the|de|du|da|di|del|der|la|le|van|von|al|bin)"
    r"\s+)*[^\W\d_a-z][\w.'\u2019-]*)*"
)
_FIRST_WORD = re.compile(r"[^\W_][\w.'\u2019]*")
_CAPITALISED = re.compile(r"(?<![\w.'\u2019])[^\W\d_a-z][\w.'\u2019]*")


@dataclass(frozen=True)
class Sentence:
    """One sentence, where it sits in its article, and whom the article credits for it."""

    id: int
    article: Article
    paragraph: int
    number: int
    start: int
    end: int
    continues_quote: bool
    # Works out the credits of the sentence's article; called only when `source` is read.
    credits: Callable[[], list[str | None]] = field(repr=False, compare=False)

    @cached_property
    def source(self) -> str | None:
        """Whom the article credits for this sentence; None for its own voice."""
        return self.credits()[self.number - 1]

    @property
    def text(self) -> str:
        """The sentence exactly as in the article body."""
        return self.article.body[self.start : self.end]

    @property
    def leans_on_previous(self) -> bool:
        """Whether a reader needs the sentence before this one to understand it."""
        return leans_on_previous(self.text, self.continues_quote)


def leans_on_previous(text: str, continues_quote: bool) -> bool:
    """Whether a sentence continues a quotation or opens with a word that points back."""
    if continues_quote:
        return True
    first = _FIRST_WORD.search(text)
    return bool(first) and first.group().lower().rstrip(".") in DEPENDENT_OPENERS


@dataclass(frozen=True)
class Hit:
    """A sentence that matches a question, its score and the question terms it holds."""

    sentence: Sentence
    score: float
    matched: frozenset[str]
    coverage: float = 1.0  # share of the question's weight the sentence holds


@dataclass(frozen=True)
class Search:
    """What a question found: its terms, names the corpus never mentions, and hits, best first."""

    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    unknown_names: tuple[str, ...] = ()


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


class SentenceIndex:
    """Sentences of a corpus with their citations, indexed for BM25 search.

    Each sentence is a BM25 document of its terms from `text.analyse` (stems, exact words, word
    pairs), the kinds of answer it holds (`#when`, `#number`), and the stems of the sentence its
    opening pronoun leans on, marked apart (`text.borrowed_key`). A sentence's score is its own
    BM25Okapi score plus a weighted share of the BM25Okapi scores of its paragraph and of its
    article for the same question terms; every one of these is rank-bm25's formula (see
    `bm25.Bm25`).
    """

    def __init__(
        self,
        corpus: Corpus,
        params: SearchParams,
        arrays: dict[str, np.ndarray],
        names: frozenset[int],
        models: dict[str, Bm25 | None],
    ) -> None:
        self.corpus = corpus
        self.params = params
        self._article_of = arrays["article_of"]
        self._paragraph_of = arrays["paragraph_of"]  # 1-based within the article
        self._paragraph_id = arrays["paragraph_id"]  # 0-based over the corpus
        self._start = arrays["start"]
        self._end = arrays["end"]
        self._continues_quote = arrays["continues_quote"]
        self._first_of_article = arrays["first_of_article"]
        self.names = names
        # Whom each sentence is credited to is worked out per article when first cited.
        self._credits = lru_cache(maxsize=CREDITED_ARTICLES_KEPT)(self._credit_article)
        self._bm25 = models["sentences"]
        self._paragraphs = models["paragraphs"]
        self._articles = models["articles"]
        self._positions = {article.id: a for a, article in enumerate(corpus.articles)}

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything the index holds besides the corpus, as named arrays (see `store`)."""
        arrays = {
            "article_of": self._article_of,
            "paragraph_of": self._paragraph_of,
            "paragraph_id": self._paragraph_id,
            "start": self._start,
            "end": self._end,
            "continues_quote": self._continues_quote,
            "first_of_article": self._first_of_article,
            "names": np.array(sorted(self.names), dtype=np.int64),
        }
        models = {
            "sentences": self._bm25,
            "paragraphs": self._paragraphs,
            "articles": self._articles,
        }
        for name, model in models.items():
            if model is not None:
                arrays.update({f"{name}.{k}": v for k, v in model.arrays().items()})
        return arrays

    @classmethod
    def from_arrays(
        cls, corpus: Corpus, params: SearchParams, arrays: dict[str, np.ndarray]
    ) -> SentenceIndex:
        """Rebuild an index from `arrays()` and the corpus it was built from."""
        models: dict[str, Bm25 | None] = {}
        for name in ("sentences", "paragraphs", "articles"):
            prefix = f"{name}."
            own = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            models[name] = Bm25.from_arrays(own) if own else None
        if models["sentences"] is None:
            raise ValueError("no sentence model in the saved index")
        names = frozenset(int(k) for k in arrays["names"])
        return cls(corpus, params, arrays, names, models)

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        params: SearchParams | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> SentenceIndex:
        """Split, credit and index every sentence of `corpus`.

        Args:
            corpus: the articles.
            params: BM25 and ranking settings.
            progress: called with the number of articles done since the last call.
        """
        params = params or SearchParams()
        splitter = SentenceSplitter.train(
            article.body[start:end]
            for article in corpus.articles
            for start, end in article.paragraphs
        )
        parts = _analyse_all(corpus.articles, splitter, progress)
        return cls._from_parts(corpus, params, parts)

    @classmethod
    def _from_parts(
        cls, corpus: Corpus, params: SearchParams, parts: list[_Part]
    ) -> SentenceIndex:
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
        capitalised = np.concatenate([p.capitalised for p in parts])
        initial = np.concatenate([p.initial for p in parts])
        models, frequency = _fit_models(
            parts, params, paragraph_id, article_of, n, len(per_article)
        )
        names = _names(capitalised, initial, frequency)
        return cls(corpus, params, arrays, names, models)

    def __len__(self) -> int:
        return len(self._start)

    @property
    def articles(self) -> tuple[Article, ...]:
        """The indexed articles, in corpus order."""
        return self.corpus.articles

    def article(self, article_id: str) -> Article | None:
        """Return the article with this id, or None."""
        a = self._positions.get(article_id)
        return None if a is None else self.corpus.articles[a]

    def sentence(self, i: int, article: Article | None = None) -> Sentence:
        """Return sentence `i` of the whole index."""
        a = int(self._article_of[i])
        return Sentence(
            id=i,
            article=article or self.corpus.articles[a],
            paragraph=int(self._paragraph_of[i]),
            number=i - int(self._first_of_article[a]) + 1,
            start=int(self._start[i]),
            end=int(self._end[i]),
            continues_quote=bool(self._continues_quote[i]),
            credits=partial(self._credits, a),
        )

    def _credit_article(self, a: int) -> list[str | None]:
        """Whom the article credits for each of its sentences (see `cite.attribute`)."""
        first = int(self._first_of_article[a])
        last = int(self._first_of_article[a + 1]) if a + 1 < len(self.articles) else len(self)
        spans = [
            (int(p), int(s), int(e))
            for p, s, e in zip(
                self._paragraph_of[first:last],
                self._start[first:last],
                self._end[first:last],
                strict=True,
            )
        ]
        return [c.source for c in attribute(self.corpus.articles[a].body, spans)]

    def sentences_of(self, article: Article) -> list[Sentence]:
        """Every sentence of one article, in order."""
        a = self._positions[article.id]
        first = int(self._first_of_article[a])
        last = int(self._first_of_article[a + 1]) if a + 1 < len(self.articles) else len(self)
        return [self.sentence(i, article) for i in range(first, last)]

    def neighbour(self, sentence: Sentence, step: int) -> Sentence | None:
        """The sentence `step` places away in the same paragraph, or None."""
        i = sentence.id + step
        if not 0 <= i < len(self) or self._paragraph_id[i] != self._paragraph_id[sentence.id]:
            return None
        return self.sentence(i, sentence.article)

    def is_name(self, text: str) -> bool:
        """Whether every content word of `text` is one the corpus writes as a name."""
        keys = analyse(text).stem_keys
        return bool(keys) and set(keys) <= self.names

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every sentence document for these terms, as rank_bm25's get_scores."""
        return self._bm25.scores(terms)

    def search(self, question: str, k: int) -> Search:
        """Return up to `k` sentences that answer `question`, best first.

        A hit must hold a question term. The question is covered only if some sentence holds
        at least `min_coverage` of the question's weight (summed idf of its distinct stems; a
        stem the corpus lacks weighs as much as the rarest one); otherwise there are no hits.
        When the question names two or more things the corpus knows as names, the best
        `COORDINATION_DEPTH` hits are reordered so that those naming more of them (counting
        the sentences next to them) come first.
        """
        question = question[:MAX_QUESTION_CHARS]
        analysis = analyse(question)
        stems = tuple(analysis.stems)
        stem_of = dict(zip(analysis.stem_keys, analysis.stems, strict=True))
        known = [key for key in stem_of if key in self._bm25]
        if not known:
            return Search(stems, (), self._unknown_names(question))
        idf = {key: self._idf(key) for key in stem_of}
        total = sum(idf.values()) or 1.0
        share = {key: idf[key] / total for key in known}
        weights = self._query_weights(analysis)
        kinds = {kind: self.params.kind_weight for kind in asked_kinds(question)}
        own = self._bm25.scores({**weights, **kinds})
        candidates = np.flatnonzero(own > 0)
        floor = self.params.min_coverage - 1e-9
        # With no negative idf, every sentence holding a known stem is a candidate: when one
        # stem alone weighs enough, some candidate is covered and no sentence need be counted.
        if self._bm25.idf_floor < 0 or max(share.values()) < floor:
            coverage = np.zeros(len(self))
            for key in known:
                coverage[self._bm25.postings(key)] += share[key]
            if not len(candidates) or coverage[candidates].max() < floor:
                return Search(stems, (), self._unknown_names(question))
        scores = own[candidates]
        if self._paragraphs is not None:
            field = self._paragraphs.scores(weights)[self._paragraph_id[candidates]]
            scores = scores + self.params.paragraph_weight * field
        if self._articles is not None:
            field = self._articles.scores(weights)[self._article_of[candidates]]
            scores = scores + self.params.article_weight * field
        order = _top(scores, k)
        names = self._question_names(question)
        if len(names) >= MIN_NAMES_FOR_COORDINATION and len(order):
            top = order[:COORDINATION_DEPTH]
            named = np.array([self._named_nearby(names, int(candidates[j])) for j in top])
            order[: len(top)] = top[np.argsort(-named, kind="stable")]
        hits = []
        for j in order:
            i = int(candidates[j])
            held = [key for key in known if self._bm25.holds(key, i)]
            covered = sum(share[key] for key in held)  # as `coverage` sums, in the same order
            found = frozenset(stem_of[key] for key in held)
            hits.append(Hit(self.sentence(i), float(scores[j]), found, float(covered)))
        return Search(stems, tuple(hits))

    def _query_weights(self, analysis: Analysis) -> dict[int, float]:
        """Weight of each of the question's term keys, borrowed twins of its stems included."""
        weights: Counter[int] = Counter()
        for key in analysis.stem_keys:
            weights[key] += 1.0
            weights[borrowed_key(key)] += self.params.antecedent_weight
        for key in analysis.exact_keys:
            weights[key] += self.params.exact_weight
        for key in analysis.pair_keys:
            weights[key] += self.params.pair_weight
        return {key: w for key, w in weights.items() if w}

    def _question_names(self, question: str) -> list[frozenset[int]]:
        """The distinct things a question names: runs of capitalised words the corpus knows."""
        groups = []
        for run in _NAME_RUN.finditer(question):
            keys = frozenset(k for k in analyse(run.group()).stem_keys if k in self.names)
            if keys and keys not in groups:
                groups.append(keys)
        return groups

    def _named_nearby(self, names: list[frozenset[int]], i: int) -> int:
        """How many of the named things sentence `i` or its paragraph neighbours hold."""
        near = [i] + [
            j
            for j in (i - 1, i + 1)
            if 0 <= j < len(self) and self._paragraph_id[j] == self._paragraph_id[i]
        ]
        return sum(any(self._bm25.holds(key, j) for key in group for j in near) for group in names)

    def _idf(self, term: str | int) -> float:
        idf = self._bm25.idf_of(term)
        if idf is not None:
            return max(idf, 0.0)
        # rank_bm25's idf for a term in no sentence: log((N - 0 + 0.5) / (0 + 0.5)).
        return math.log(len(self) + 0.5) - math.log(0.5)

    def _unknown_names(self, question: str) -> tuple[str, ...]:
        """Capitalised words of the question (not its first) whose terms the corpus lacks."""
        words = question.split()
        if sum(w[:1].isupper() for w in words) > 0.6 * len(words):
            return ()  # Title Case or shouting: capitals say nothing
        unknown = []
        for match in _CAPITALISED.finditer(question):
            if match.start() == len(question) - len(question.lstrip()):
                continue
            word = match.group().strip(".'\u2019-")
            terms = tokenize(word)
            if terms and not any(t in self._bm25 for t in terms):
                unknown.append(word)
        return tuple(dict.fromkeys(unknown))


def _names(
    capitalised: np.ndarray, initial: np.ndarray, frequency: tuple[np.ndarray, np.ndarray]
) -> frozenset[int]:
    """Stem keys nearly always capitalised where capitals are not due to position: names."""
    keys, counts = np.unique(capitalised, return_counts=True)
    stems, uses = frequency  # every stem key, ascending, and how often it is used

    def count_of(table_keys: np.ndarray, table_counts: np.ndarray) -> np.ndarray:
        at = np.clip(np.searchsorted(table_keys, keys), 0, max(len(table_keys) - 1, 0))
        found = (table_keys[at] == keys) if len(table_keys) else np.zeros(len(keys), bool)
        return np.where(found, table_counts[at] if len(table_keys) else 0, 0)

    first_keys, first_counts = np.unique(initial, return_counts=True)
    mid_uses = count_of(stems, uses) - count_of(first_keys, first_counts)
    return frozenset(keys[counts >= PROPER_SHARE * mid_uses].tolist())


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` best scores, best first, without sorting all of them."""
    if k <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    best = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
    # Ties broken by position, as a stable sort of every score would.
    return best[np.lexsort((best, -scores[best]))]


def _fit_models(
    parts: Sequence[_Part],
    params: SearchParams,
    paragraph_id: np.ndarray,
    article_of: np.ndarray,
    n_sentences: int,
    n_articles: int,
) -> tuple[dict[str, Bm25 | None], tuple[np.ndarray, np.ndarray]]:
    """The BM25 models of the sentences, and from them those of the paragraphs and articles.

    Also returns every stem key with its number of uses. The parts' arrays are released as they
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
    sentences = Bm25.from_terms(keys, docs, lengths, bm25)
    del keys, docs
    # The two regroupings only read the sentence model: each runs in its own thread.
    regrouped = {}
    with ThreadPoolExecutor(2) as pool:
        if params.paragraph_weight:
            n_paragraphs = int(paragraph_id[-1]) + 1 if n_sentences else 0
            paragraph_lengths = np.bincount(
                paragraph_id, weights=shared_lengths, minlength=n_paragraphs
            ).astype(np.int64)
            regrouped["paragraphs"] = pool.submit(
                sentences.regrouped,
                ~np.isin(sentences.keys, own_keys),
                paragraph_id,
                paragraph_lengths,
                bm25,
            )
        if params.article_weight:
            regrouped["articles"] = pool.submit(
                sentences.regrouped,
                np.isin(sentences.keys, stem_keys),
                article_of,
                article_lengths,
                bm25,
            )
    models: dict[str, Bm25 | None] = {"sentences": sentences, "paragraphs": None, "articles": None}
    models.update((name, future.result()) for name, future in regrouped.items())
    return models, (stem_keys, stem_uses)


# --- Analysing articles (in worker processes for big corpora) ---

_WORK: tuple[Sequence[Article], SentenceSplitter] | None = None


def _analyse_all(
    articles: Sequence[Article],
    splitter: SentenceSplitter,
    progress: Callable[[int], None] | None,
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
    workers = min(os.cpu_count() or 1, 8)
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
        parts.append(_analyse_articles(articles[lo:hi], splitter))
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
    return _analyse_articles(articles[bounds[0] : bounds[1]], splitter)


def _analyse_articles(articles: Sequence[Article], splitter: SentenceSplitter) -> _Part:
    """Split and analyse some articles into compact arrays of places and term keys."""
    # Analysis makes many short-lived lists and no cycles: the cycle collector only costs time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _analyse(articles, splitter)
    finally:
        if collecting:
            gc.enable()


def _analyse(articles: Sequence[Article], splitter: SentenceSplitter) -> _Part:
    """Split the articles into sentences, then analyse all their words at once (`analyse_texts`).

    A sentence's own terms are its answer kinds and, when it leans on the sentence before in
    its paragraph ("He says…"), that sentence's stems as borrowed keys.
    """
    paragraphs: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    opens: list[bool] = []
    texts: list[str] = []
    per_article: list[int] = []
    for article in articles:
        body = article.body
        spans = []
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
    words = analyse_texts(texts)
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
    leaning = np.array(
        [i for i in np.flatnonzero(follows).tolist() if leans_on_previous(texts[i], opens[i])],
        dtype=np.int64,
    )
    lent = stem_counts[leaning - 1]  # stems of the sentences leaned on
    borrowed = stems[concatenated_ranges(np.cumsum(stem_counts)[leaning - 1] - lent, lent)]
    when = np.flatnonzero(words.kinds & WHEN_BIT)
    number = np.flatnonzero(words.kinds & NUMBER_BIT)
    own_of = np.concatenate((when, number, np.repeat(leaning, lent)))
    own = np.concatenate(
        (
            np.full(len(when), WHEN_KEY, dtype=np.int64),
            np.full(len(number), NUMBER_KEY, dtype=np.int64),
            borrowed_keys_of(borrowed),
        )
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
