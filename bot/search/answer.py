"""Answers: hits grown into passages a reader understands alone, merged and never repeated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .corpus import Article
from .index import Hit, Sentence, SentenceIndex

NOT_COVERED = "The briefing does not cover this."
EMPTY_QUESTION = "Ask a question about the briefing, in a few words."
NO_WORDS = f"{NOT_COVERED} The question has no words to search for; ask in a few plain words."
MAX_PASSAGE_SENTENCES = 4
# Passages after the first must hold at least this share of the relevance floor's weight.
SHOWN_SHARE = 0.5


@dataclass(frozen=True)
class Passage:
    """Consecutive sentences of one paragraph shown together, ranked by their best hit."""

    rank: int
    score: float  # the matched sentence's: fused with the semantic stage, else BM25
    sentences: tuple[Sentence, ...]
    matched: Sentence
    bm25: float = 0.0  # the matched sentence's BM25 score with its fields
    semantic: float | None = None  # its similarity with the question, when semantic
    coverage: float = 1.0  # the share of the question's weight it holds

    @property
    def article(self) -> Article:
        return self.matched.article

    @property
    def paragraph(self) -> int:
        return self.matched.paragraph

    @property
    def text(self) -> str:
        """The passage exactly as in the article, from its first sentence to its last."""
        return self.article.body[self.sentences[0].start : self.sentences[-1].end]

    @property
    def source(self) -> str | None:
        """Whom the article credits for the matched sentence; None for its own voice."""
        return self.matched.source

    @property
    def credits(self) -> tuple[str | None, ...]:
        """Whom the article credits for each sentence, in order; None for its own voice."""
        return tuple(sentence.source for sentence in self.sentences)

    @property
    def sources(self) -> tuple[str, ...]:
        """Everyone the passage's sentences are credited to, the matched sentence's first."""
        found = [self.matched.source] + [s.source for s in self.sentences]
        return tuple(dict.fromkeys(s for s in found if s))


@dataclass(frozen=True)
class Answer:
    """Passages for a question, or a message saying why there are none."""

    question: str
    passages: tuple[Passage, ...]
    terms: frozenset[str] = frozenset()
    message: str | None = None
    more: bool = False
    offset: int = 0
    partial: str | None = None  # one line: part of the index could not be searched


def answer(question: str, index: SentenceIndex, k: int = 3, offset: int = 0) -> Answer:
    """Find the best passages for `question`; skip the first `offset` (for "more" pages).

    Returns:
        An Answer with up to `k` passages, `more` set when further passages exist, and a
        `message` instead of passages when the briefing does not cover the question.
    """
    question = question.strip()
    if not question:
        return Answer(question, (), message=EMPTY_QUESTION)
    wanted = offset + k + 1
    # Expanding and merging can fold several hits into one passage; fetch generously.
    search = index.search(index.query(question), k=3 * wanted + 5)
    terms, partial = frozenset(search.terms), search.partial
    if search.unknown_names:
        names = ", ".join(f"\u201c{name}\u201d" for name in search.unknown_names[:3])
        message = f"{NOT_COVERED} It never mentions {names}."
        return Answer(question, (), terms, message=message, partial=partial)
    if not search.terms:
        return Answer(question, (), message=NO_WORDS)
    # Beyond the best hit, show only sentences that hold a fair share of the question.
    shown = SHOWN_SHARE * index.params.min_coverage
    close = index.params.semantic_floor
    hits = [
        hit
        for n, hit in enumerate(search.hits)
        if n == 0 or hit.coverage >= shown or (hit.semantic is not None and hit.semantic >= close)
    ]
    passages = build_passages(index, hits, limit=wanted)
    if not passages:
        return Answer(question, (), terms, message=NOT_COVERED, partial=partial)
    page = passages[offset : offset + k]
    return Answer(
        question,
        tuple(page),
        terms,
        message=None if page else "There are no more passages for this question.",
        more=len(passages) > offset + k,
        offset=offset,
        partial=partial,
    )


def build_passages(index: SentenceIndex, hits: Sequence[Hit], limit: int) -> list[Passage]:
    """Grow hits into passages, best first: add needed context, merge neighbours, no repeats."""
    groups: list[_Group] = []
    for hit in hits:
        if len(groups) >= limit:
            break
        s = hit.sentence.id
        if any(g.first <= s <= g.last for g in groups):
            continue
        first, last = _context(index, hit.sentence)
        same = [g for g in groups if _same_paragraph(g.hit.sentence, hit.sentence)]
        for g in same:
            if first <= g.last and last >= g.first:  # overlap: keep the new part only
                first, last = (g.last + 1, last) if s > g.last else (first, g.first - 1)
        for g in same:
            size = max(g.last, last) - min(g.first, first) + 1
            if (first == g.last + 1 or last == g.first - 1) and size <= MAX_PASSAGE_SENTENCES:
                g.first, g.last = min(g.first, first), max(g.last, last)
                break
        else:
            groups.append(_Group(first, last, hit))
    return [
        Passage(
            rank=rank,
            score=g.hit.score,
            sentences=tuple(index.sentence(i) for i in range(g.first, g.last + 1)),
            matched=g.hit.sentence,
            bm25=g.hit.bm25,
            semantic=g.hit.semantic,
            coverage=g.hit.coverage,
        )
        for rank, g in enumerate(groups, start=1)
    ]


def _context(index: SentenceIndex, sentence: Sentence) -> tuple[int, int]:
    """First and last sentence ids of the passage a hit on `sentence` needs."""
    first = last = sentence.id
    if sentence.leans_on_previous and (before := index.neighbour(sentence, -1)):
        first = before.id
    if sentence.text.rstrip().endswith(":") and (after := index.neighbour(sentence, 1)):
        last = after.id
    return first, last


def _same_paragraph(a: Sentence, b: Sentence) -> bool:
    return a.article is b.article and a.paragraph == b.paragraph


@dataclass
class _Group:
    first: int
    last: int
    hit: Hit
