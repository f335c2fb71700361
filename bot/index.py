"""The sentence index: every sentence of every article, scored with rank-bm25's BM25Okapi."""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .bm25 import Bm25
from .cite import attribute
from .config import SearchParams
from .corpus import Article, Corpus
from .text import (
    EXACT_MARK,
    PAIR_MARK,
    SentenceSplitter,
    answer_kinds,
    asked_kinds,
    index_terms,
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
# Prefix of the terms a sentence borrows from the sentence its opening pronoun leans on.
ANTECEDENT_MARK = "^"
# Opening words that lean on the sentence before ("He says…", "This…", "But…").
DEPENDENT_OPENERS = frozenset(
    "he she they it its his her their him them this that these those such but however and yet "
    "still also so then meanwhile instead moreover furthermore nevertheless nonetheless "
    "otherwise besides likewise".split()
)
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
    source: str | None
    continues_quote: bool

    @property
    def text(self) -> str:
        """The sentence exactly as in the article body."""
        return self.article.body[self.start : self.end]

    @property
    def leans_on_previous(self) -> bool:
        """Whether a reader needs the sentence before this one to understand it."""
        if self.continues_quote:
            return True
        first = _FIRST_WORD.search(self.text)
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


class SentenceIndex:
    """Sentences of a corpus with their citations, indexed for BM25 search.

    Each sentence is a BM25 document of its `index_terms` (stems, exact words, word pairs) plus
    the stems of the sentence its opening pronoun leans on, marked apart. A sentence's score is
    its own BM25Okapi score plus a weighted share of the BM25Okapi scores of its paragraph and
    its article for the same question terms; every one of these comes from rank-bm25's model.
    """

    def __init__(self, corpus: Corpus, splitter: SentenceSplitter, params: SearchParams) -> None:
        self.corpus = corpus
        self.params = params
        self.splitter = splitter
        self._article_of = array("i")
        self._paragraph_of = array("i")  # 1-based number within the article
        self._paragraph_id = array("i")  # 0-based over the whole corpus
        self._number_of = array("i")
        self._start = array("q")
        self._end = array("q")
        self._source_of = array("i")
        self._continues_quote = bytearray()
        self._first_of_article = array("i")
        documents: list[list[str]] = []
        paragraphs: list[list[str]] = []
        articles: list[list[str]] = []
        source_ids: dict[str, int] = {}
        self._sources: list[str] = []
        capitalised: Counter[str] = Counter()
        initial: Counter[str] = Counter()
        frequency: Counter[str] = Counter()
        for a, article in enumerate(corpus.articles):
            self._first_of_article.append(len(self._start))
            articles.append([])
            spans = _sentence_spans(article, splitter)
            credits = attribute(article.body, spans)
            previous: list[str] = []
            for n, ((paragraph, start, end), credit) in enumerate(
                zip(spans, credits, strict=True), start=1
            ):
                if n == 1 or paragraph != self._paragraph_of[-1]:
                    paragraphs.append([])
                    previous = []
                self._article_of.append(a)
                self._paragraph_of.append(paragraph)
                self._paragraph_id.append(len(paragraphs) - 1)
                self._number_of.append(n)
                self._start.append(start)
                self._end.append(end)
                if credit.source is None:
                    self._source_of.append(-1)
                else:
                    if credit.source not in source_ids:
                        source_ids[credit.source] = len(self._sources)
                        self._sources.append(credit.source)
                    self._source_of.append(source_ids[credit.source])
                self._continues_quote.append(credit.continues_quote)
                text = article.body[start:end]
                terms = index_terms(text)
                stems = [t for t in terms if t[0] != EXACT_MARK and PAIR_MARK not in t]
                paragraphs[-1].extend(terms)
                articles[-1].extend(stems)
                sentence = self.sentence(len(self._start) - 1, article)
                own_terms = terms + answer_kinds(text)
                if sentence.leans_on_previous:
                    own_terms += [ANTECEDENT_MARK + t for t in previous]
                documents.append(own_terms)
                previous = stems
                frequency.update(stems)
                caps, first = _capitalised_terms(text)
                capitalised.update(caps)
                initial.update(first)
        fit = {"k1": params.k1, "b": params.b, "epsilon": params.epsilon}
        self._bm25 = Bm25.fit(documents, **fit)
        self._paragraphs = Bm25.fit(paragraphs, **fit) if params.paragraph_weight else None
        self._articles = Bm25.fit(articles, **fit) if params.article_weight else None
        self._paragraph_ids = np.frombuffer(self._paragraph_id, dtype=np.int32)
        self._article_ids = np.frombuffer(self._article_of, dtype=np.int32)
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

    def sentence(self, i: int, article: Article | None = None) -> Sentence:
        """Return sentence `i` of the whole index."""
        source = self._source_of[i]
        return Sentence(
            id=i,
            article=article or self.corpus.articles[self._article_of[i]],
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
        if not 0 <= i < len(self) or self._paragraph_id[i] != self._paragraph_id[sentence.id]:
            return None
        return self.sentence(i)

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
        stems = tuple(tokenize(question))
        distinct = list(dict.fromkeys(stems))
        known = [t for t in distinct if t in self._bm25]
        if not known:
            return Search(stems, (), self._unknown_names(question))
        coverage = np.zeros(len(self))
        for term in known:
            coverage[self._bm25.postings[term].ids] += self._idf(term)
        total = sum(self._idf(t) for t in distinct)
        weights = self._query_weights(question)
        kinds = {kind: self.params.kind_weight for kind in asked_kinds(question)}
        own = self._bm25.scores({**weights, **kinds})
        floor = self.params.min_coverage * total - 1e-9
        if not (coverage[own > 0] >= floor).any():
            return Search(stems, (), self._unknown_names(question))
        candidates = np.flatnonzero(own > 0)
        scores = own[candidates]
        if self._paragraphs is not None:
            field = self._paragraphs.scores(weights)[self._paragraph_ids[candidates]]
            scores = scores + self.params.paragraph_weight * field
        if self._articles is not None:
            field = self._articles.scores(weights)[self._article_ids[candidates]]
            scores = scores + self.params.article_weight * field
        order = np.argsort(-scores, kind="stable")
        names = self._question_names(question)
        if len(names) >= MIN_NAMES_FOR_COORDINATION:
            top = order[:COORDINATION_DEPTH]
            named = self._named_nearby(names)[candidates[top]]
            order[: len(top)] = top[np.argsort(-named, kind="stable")]
        hits = []
        for j in order[:k]:
            i = int(candidates[j])
            found = frozenset(t for t in known if self._bm25.postings[t].holds(i))
            share = float(coverage[i] / total) if total else 0.0
            hits.append(Hit(self.sentence(i), float(scores[j]), found, share))
        return Search(stems, tuple(hits))

    def _query_weights(self, question: str) -> dict[str, float]:
        """Weight of each of the question's index terms, its antecedent twins included."""
        kinds = {
            EXACT_MARK: self.params.exact_weight,
            PAIR_MARK: self.params.pair_weight,
        }
        weights: Counter[str] = Counter()
        for term in index_terms(question):
            if term[0] == EXACT_MARK:
                weights[term] += kinds[EXACT_MARK]
            elif PAIR_MARK in term:
                weights[term] += kinds[PAIR_MARK]
            else:
                weights[term] += 1.0
                weights[ANTECEDENT_MARK + term] += self.params.antecedent_weight
        return {t: w for t, w in weights.items() if w}

    def _question_names(self, question: str) -> list[frozenset[str]]:
        """The distinct things a question names: runs of capitalised words the corpus knows."""
        groups = []
        for run in _NAME_RUN.finditer(question):
            terms = frozenset(t for t in tokenize(run.group()) if t in self.names)
            if terms and terms not in groups:
                groups.append(terms)
        return groups

    def _named_nearby(self, names: list[frozenset[str]]) -> np.ndarray:
        """For every sentence, how many of the named things it or its paragraph neighbours hold."""
        count = np.zeros(len(self))
        for group in names:
            ids = np.unique(np.concatenate([self._bm25.postings[t].ids for t in group]))
            near = np.zeros(len(self), dtype=bool)
            near[ids] = True
            for step in (-1, 1):
                j = ids + step
                inside = (j >= 0) & (j < len(self))
                j, source = j[inside], ids[inside]
                near[j[self._paragraph_ids[j] == self._paragraph_ids[source]]] = True
            count += near
        return count

    def _idf(self, term: str) -> float:
        idf = self._bm25.idf(term)
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


def _sentence_spans(article: Article, splitter: SentenceSplitter) -> list[tuple[int, int, int]]:
    result = []
    for number, (p_start, p_end) in enumerate(article.paragraphs, start=1):
        spans = splitter.spans(article.body[p_start:p_end])
        result.extend((number, p_start + s, p_start + e) for s, e in spans)
    return result


def _capitalised_terms(sentence: str) -> tuple[list[str], list[str]]:
    """Terms of the sentence's capitalised words after its first, and of its first word."""
    words = list(_CAPITALISED.finditer(sentence))
    first = _FIRST_WORD.search(sentence)
    later = [m.group() for m in words if first is None or m.start() > first.start()]
    return tokenize(" ".join(later)), tokenize(first.group()) if first else []
