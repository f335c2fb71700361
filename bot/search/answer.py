"""Answers: hits grown into passages a reader understands alone, merged and never repeated."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .corpus import Article
from .hits import Hit, Sentence
from .index import SentenceIndex
from .languages import ENGLISH
from .languages.names import language_name


def N_(message: str) -> str:
    """Mark a message of the bot's own for translation; the edges translate it."""
    return message


# The core's messages, in English: the edges translate them (`bot.i18n`), so each is a
# message id of the catalogs in `bot/locale/`, with its values in braces.
NOT_COVERED = N_("The briefing does not cover this.")
EMPTY_QUESTION = N_("Ask a question about the briefing, in a few words.")
NO_WORDS = N_(
    "The briefing does not cover this. The question has no words to search for; ask in a "
    "few plain words."
)
NEVER_MENTIONS = N_("The briefing does not cover this. It never mentions {names}.")
NO_MORE = N_("There are no more passages for this question.")
ELSEWHERE = N_("The briefing has no articles in {language}. From its articles in {languages}:")
NOT_ELSEWHERE = N_(
    "The briefing has no articles in {language}, and its articles in {languages} do not "
    "cover this."
)
# Said with an answer when part of a sharded index could not be searched (`bot/cluster`).
PARTIAL = N_(
    "Partial answer: {missing} of the archive's {count} shards did not reply, so some "
    "passages may be missing."
)
# Values that are language codes, named in the reader's language when shown.
LANGUAGE_VALUES = ("language", "languages")


@dataclass(frozen=True)
class Notice:
    """A message of the bot's own: its English text (the message id) and the values it takes.

    `names` are quoted as the reader's language quotes; `language` and `languages` are codes,
    shown as language names in the reader's language.
    """

    text: str
    values: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)

    def english(self) -> str:
        """The message in English."""
        values = dict(self.values)
        if "names" in values:
            values["names"] = ", ".join(f"\u201c{n}\u201d" for n in values["names"])
        for key in LANGUAGE_VALUES:
            if key in values:
                codes = values[key]
                names = [
                    language_name(c, ENGLISH)
                    for c in (codes if isinstance(codes, tuple) else (codes,))
                ]
                values[key] = (
                    names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
                )
        return self.text.format(**values)


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
    def language(self) -> str:
        """The language of the passage's article."""
        return self.matched.language

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
    """Passages for a question, or a notice saying why there are none.

    `language` is the language the question is written in. A notice comes with passages when
    the briefing has no article in that language and they come from its other languages.
    """

    question: str
    passages: tuple[Passage, ...]
    terms: frozenset[str] = frozenset()
    notice: Notice | None = None
    more: bool = False
    offset: int = 0
    language: str = ENGLISH
    partial: Notice | None = None  # one line: part of the index could not be searched (`PARTIAL`)

    @property
    def message(self) -> str | None:
        """The notice in English, if there is one."""
        return self.notice.english() if self.notice else None

    @property
    def elsewhere(self) -> bool:
        """Whether the passages come from articles in other languages than the question's."""
        return any(p.language != self.language for p in self.passages)


def answer(question: str, index: SentenceIndex, k: int = 3, offset: int = 0) -> Answer:
    """Find the best passages for `question`; skip the first `offset` (for "more" pages).

    Returns:
        An Answer with up to `k` passages, `more` set when further passages exist, and a
        `message` instead of passages when the briefing does not cover the question.
    """
    question = question.strip()
    if not question:
        return Answer(question, (), notice=Notice(EMPTY_QUESTION))
    wanted = offset + k + 1
    # Expanding and merging can fold several hits into one passage; fetch generously.
    search = index.search(index.query(question), k=3 * wanted + 5)
    terms, partial = frozenset(search.terms), search.partial
    language = search.language
    others = tuple(code for code in index.languages if code != language)
    if search.unknown_names and not search.elsewhere:
        names = Notice(NEVER_MENTIONS, {"names": tuple(search.unknown_names[:3])})
        return Answer(question, (), terms, names, language=language, partial=partial)
    if not search.terms:
        return Answer(question, (), notice=Notice(NO_WORDS), language=language, partial=partial)
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
        notice = Notice(NOT_COVERED)
        if search.elsewhere:
            notice = Notice(NOT_ELSEWHERE, {"language": language, "languages": others})
        return Answer(question, (), terms, notice, language=language, partial=partial)
    page = passages[offset : offset + k]
    notice = None if page else Notice(NO_MORE)
    if page and search.elsewhere:
        shown = tuple(dict.fromkeys(p.language for p in page))
        notice = Notice(ELSEWHERE, {"language": language, "languages": shown})
    return Answer(
        question,
        tuple(page),
        terms,
        notice,
        more=len(passages) > offset + k,
        offset=offset,
        language=language,
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
