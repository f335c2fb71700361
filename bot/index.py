"""The sentence index: every sentence of every article, scored with rank-bm25's BM25Okapi."""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Okapi

from .cite import attribute
from .config import SearchParams
from .corpus import Article, Corpus
from .text import SentenceSplitter, tokenize

# Only this much of a question is read; a question is a sentence or two, not an essay.
MAX_QUESTION_CHARS = 1000
# A term counts as a name when at least this share of its mid-sentence uses are capitalised.
PROPER_SHARE = 0.8
# Ranking prefers sentences holding more of the question's names once it names this many.
MIN_NAMES_FOR_COORDINATION = 2
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
    source: str | None
    continues_quote: bool

    @property
    def text(self) -> str:
        """The sentence exactly as in the article body."""
        return self.article.body[self.start : self.end]


@dataclass(frozen=True)
class Hit:
    """A sentence that matches a question, its BM25 score and the question terms it holds."""

    sentence: Sentence
    score: float
    matched: frozenset[str]


@dataclass(frozen=True)
class Search:
    """What a question found: its terms, names the corpus never mentions, and hits, best first."""

    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    unknown_names: tuple[str, ...] = ()


class SentenceIndex:
    """Sentences of a corpus with their citations, indexed for BM25 search."""

    def __init__(self, corpus: Corpus, splitter: SentenceSplitter, params: SearchParams) -> None:
        self.corpus = corpus
        self.params = params
        self.splitter = splitter
        self._article_of = array("i")
        self._paragraph_of = array("i")
        self._number_of = array("i")
        self._start = array("q")
        self._end = array("q")
        self._source_of = array("i")
        self._continues_quote = bytearray()
        self._first_of_article = array("i")
        documents: list[list[str]] = []
        source_ids: dict[str, int] = {}
        capitalised: Counter[str] = Counter()
        initial: Counter[str] = Counter()
        for a, article in enumerate(corpus.articles):
            self._first_of_article.append(len(self._start))
            spans = _sentence_spans(article, splitter)
            credits = attribute(article.body, spans)
            for n, ((paragraph, start, end), credit) in enumerate(
                zip(spans, credits, strict=True), start=1
            ):
                self._article_of.append(a)
                self._paragraph_of.append(paragraph)
                self._number_of.append(n)
                self._start.append(start)
                self._end.append(end)
                source = (
                    -1
                    if credit.source is None
                    else source_ids.setdefault(credit.source, len(source_ids))
                )
                self._source_of.append(source)
                self._continues_quote.append(credit.continues_quote)
                text = article.body[start:end]
                documents.append(tokenize(text))
                caps, first = _capitalised_terms(text)
                capitalised.update(caps)
                initial.update(first)
        self._sources = list(source_ids)
        self._postings = _postings(documents, params)
        frequency = Counter(term for doc in documents for term in doc)
        # Names: terms nearly always capitalised where capitals are not due to position.
        self.names = frozenset(
            term
            for term, n in capitalised.items()
            if n >= PROPER_SHARE * (frequency[term] - initial[term])
        )

    @classmethod
    def build(cls, corpus: Corpus, params: SearchParams | None = None) -> SentenceIndex:
        """Split, credit and index every sentence of `corpus`."""
        splitter = SentenceSplitter.train(
            article.body[start:end]
            for article in corpus.articles
            for start, end in article.paragraphs
        )
        return cls(corpus, splitter, params or SearchParams())

    def __len__(self) -> int:
        return len(self._start)

    @property
    def articles(self) -> tuple[Article, ...]:
        """The indexed articles, in corpus order."""
        return self.corpus.articles

    def article(self, article_id: str) -> Article | None:
        """Return the article with this id, or None."""
        return next((a for a in self.corpus.articles if a.id == article_id), None)

    def sentence(self, i: int) -> Sentence:
        """Return sentence `i` of the whole index."""
        source = self._source_of[i]
        return Sentence(
            id=i,
            article=self.corpus.articles[self._article_of[i]],
            paragraph=self._paragraph_of[i],
            number=self._number_of[i],
            start=self._start[i],
            end=self._end[i],
            source=self._sources[source] if source >= 0 else None,
            continues_quote=bool(self._continues_quote[i]),
        )

    def sentences_of(self, article: Article) -> list[Sentence]:
        """Every sentence of one article, in order."""
        a = self.corpus.articles.index(article)
        first = self._first_of_article[a]
        last = self._first_of_article[a + 1] if a + 1 < len(self._first_of_article) else len(self)
        return [self.sentence(i) for i in range(first, last)]

    def neighbour(self, sentence: Sentence, step: int) -> Sentence | None:
        """The sentence `step` places away in the same paragraph, or None."""
        i = sentence.id + step
        if not 0 <= i < len(self) or self._article_of[i] != self._article_of[sentence.id]:
            return None
        return self.sentence(i) if self._paragraph_of[i] == sentence.paragraph else None

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every sentence for these query terms, as rank_bm25's get_scores."""
        scores = np.zeros(len(self))
        for term, count in Counter(terms).items():
            if posting := self._postings.get(term):
                scores[posting.ids] += count * posting.weights
        return scores

    def search(self, question: str, k: int) -> Search:
        """Return up to `k` sentences that answer `question`, best first.

        A hit must score above 0, and its matched terms must carry at least `min_coverage` of
        the question's weight (summed idf of its distinct terms; a term the corpus lacks weighs
        as much as the rarest one). A question that names something (a capitalised word) the
        corpus never mentions finds nothing. When a question names two or more things the
        corpus knows, sentences naming more of them rank first.
        """
        question = question[:MAX_QUESTION_CHARS]
        terms = tuple(tokenize(question))
        unknown = self._unknown_names(question)
        if not terms or unknown or not any(t in self._postings for t in terms):
            return Search(terms, (), unknown)
        distinct = list(dict.fromkeys(terms))
        known = [t for t in distinct if t in self._postings]
        names = [t for t in known if t in self.names]
        total_weight = sum(self._idf(t) for t in distinct)
        coverage = np.zeros(len(self))
        named = np.zeros(len(self))
        for term in known:
            posting = self._postings[term]
            coverage[posting.ids] += self._idf(term)
            if term in names:
                named[posting.ids] += 1
        scores = self.scores(list(terms))
        floor = self.params.min_coverage * total_weight - 1e-9
        candidates = np.flatnonzero((scores > 0) & (coverage >= floor))
        if len(names) >= MIN_NAMES_FOR_COORDINATION:
            order = np.lexsort((-scores[candidates], -named[candidates]))
        else:
            order = np.argsort(-scores[candidates], kind="stable")
        hits = []
        for i in candidates[order[:k]]:
            found = frozenset(t for t in known if self._postings[t].holds(int(i)))
            hits.append(Hit(self.sentence(int(i)), float(scores[i]), found))
        return Search(terms, tuple(hits))

    def _idf(self, term: str) -> float:
        if posting := self._postings.get(term):
            return max(posting.idf, 0.0)
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
            if terms and not any(t in self._postings for t in terms):
                unknown.append(word)
        return tuple(dict.fromkeys(unknown))


def _sentence_spans(article: Article, splitter: SentenceSplitter) -> list[tuple[int, int, int]]:
    result = []
    for number, (p_start, p_end) in enumerate(article.paragraphs, start=1):
        spans = splitter.spans(article.body[p_start:p_end])
        result.extend((number, p_start + s, p_start + e) for s, e in spans)
    return result


def _capitalised_terms(sentence: str) -> tuple[list[str], list[str]]:
    """Terms of the sentence's capitalised words after its first, and of its first word."""
    words = [m for m in _CAPITALISED.finditer(sentence)]
    first = _FIRST_WORD.search(sentence)
    later = [m.group() for m in words if first is None or m.start() > first.start()]
    return tokenize(" ".join(later)), tokenize(first.group()) if first else []


@dataclass(frozen=True)
class _Posting:
    """The sentences holding one term (ascending ids), its BM25 weight in each, and its idf."""

    ids: np.ndarray
    weights: np.ndarray
    idf: float

    def holds(self, i: int) -> bool:
        j = int(np.searchsorted(self.ids, i))
        return j < len(self.ids) and int(self.ids[j]) == i


def _postings(documents: list[list[str]], params: SearchParams) -> dict[str, _Posting]:
    """Per-term postings with weights taken from rank_bm25's fitted BM25Okapi model."""
    if not any(documents):
        return {}
    model = BM25Okapi(documents, k1=params.k1, b=params.b, epsilon=params.epsilon)
    lengths = np.array(model.doc_len, dtype=float)
    norm = model.k1 * (1 - model.b + model.b * lengths / model.avgdl)
    ids: dict[str, list[int]] = {}
    tfs: dict[str, list[int]] = {}
    for i, freqs in enumerate(model.doc_freqs):
        for term, tf in freqs.items():
            ids.setdefault(term, []).append(i)
            tfs.setdefault(term, []).append(tf)
    postings = {}
    for term, doc_ids in ids.items():
        where = np.array(doc_ids, dtype=np.int64)
        tf = np.array(tfs[term], dtype=float)
        idf = model.idf[term]
        postings[term] = _Posting(where, idf * tf * (model.k1 + 1) / (tf + norm[where]), idf)
    return postings
