"""What a search returns: sentences where they sit, the hits that match, and the search."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from .corpus import Article
from .languages import ENGLISH, analyser

if TYPE_CHECKING:
    from .answer import Notice


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
    language: str = ENGLISH

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
        return analyser(self.language).leans_on_previous(self.text, self.continues_quote)


@dataclass(frozen=True)
class Hit:
    """A sentence that matches a question, its score and the question terms it holds."""

    sentence: Sentence
    score: float  # the fused score with the semantic stage, else the BM25 score
    matched: frozenset[str]
    coverage: float = 1.0  # share of the question's weight the sentence holds
    bm25: float = 0.0  # BM25 with the paragraph and article fields (0: no question term)
    semantic: float | None = None  # cosine similarity with the question, when semantic


@dataclass(frozen=True)
class Search:
    """What a question found: its terms, names the corpus never mentions, and hits, best first.

    `language` is the language the question is written in; `elsewhere` says that the briefing
    has no article in it, and that the hits come from its articles in other languages.
    """

    terms: tuple[str, ...]
    hits: tuple[Hit, ...]
    unknown_names: tuple[str, ...] = ()
    language: str = ENGLISH
    elsewhere: bool = False
    # Said to the reader when part of the index could not be searched (a shard that is down).
    partial: Notice | None = None
