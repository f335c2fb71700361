"""A question analysed once: the `Query` that every stage of a search reads."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .text import NUMBER_KEY, WHEN_KEY, analyse

# Only this much of a question is read; a question is a sentence or two, not an essay.
MAX_QUESTION_CHARS = 1000
# A name as written: capitalised words, possibly joined by particles ("Bank of England").
_NAME_RUN = re.compile(
    r"[^\W\d_a-z][\w.'\u2019-]*(?:\s+(?:(?:of|for|the|de|du|da|di|del|der|la|le|van|von|al|bin)"
    r"\s+)*[^\W\d_a-z][\w.'\u2019-]*)*"
)
_CAPITALISED = re.compile(r"(?<![\w.'\u2019])[^\W\d_a-z][\w.'\u2019]*")
_ASKS_WHEN = re.compile(
    r"\bwhen\b|\b(?:what|which)\s+(?:year|century|decade|date|month|day)\b", re.IGNORECASE
)
_ASKS_HOW_MANY = re.compile(
    r"\bhow\s+(?:many|much|long|old|far|large|big|tall|high|fast|often)\b"
    r"|\bwhat\s+(?:percentage|percent|number|amount)\b",
    re.IGNORECASE,
)
# Above this share of capitalised words a question is Title Case or shouting: capitals say
# nothing about names.
TITLE_CASE_SHARE = 0.6


@dataclass(frozen=True)
class Query:
    """Everything the search needs from a question, worked out once from its text.

    The index weighs the terms, checks the name runs against the names it knows and the
    capitalised words against its vocabulary; no stage reads the question text again.
    """

    question: str  # as read: at most MAX_QUESTION_CHARS characters
    stems: tuple[str, ...]  # content words, stemmed, in order
    stem_keys: tuple[int, ...]
    exact_keys: tuple[int, ...]  # content words as written ("=word")
    pair_keys: tuple[int, ...]  # neighbouring words, stop words included
    kinds: tuple[int, ...]  # keys of the kinds of answer asked for: `#when`, `#number`
    # The question's unit vector from the semantic stage's model, when there is one.
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)

    # A search needs one of the next two, depending on whether the question is covered: each
    # is worked out when first read, once.
    @cached_property
    def name_runs(self) -> tuple[frozenset[int], ...]:
        """Stem keys of each run of capitalised words ("Bank of England"), in order."""
        return tuple(
            frozenset(analyse(run.group()).stem_keys) for run in _NAME_RUN.finditer(self.question)
        )

    @cached_property
    def capitalised(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Capitalised words but the first, with their terms: what the briefing may never mention.

        Empty when the question is Title Case or shouting, where capitals say nothing.
        """
        return _capitalised_words(self.question)

    @classmethod
    def parse(
        cls, question: str, encode: Callable[[Sequence[str]], np.ndarray] | None = None
    ) -> Query:
        """Analyse a question: its terms, the kinds of answer it asks for, its names.

        Args:
            question: the question as asked.
            encode: the semantic stage's model (texts to unit vectors), if any.
        """
        question = question[:MAX_QUESTION_CHARS]
        analysis = analyse(question)
        vector = encode([question])[0] if encode is not None and question.strip() else None
        return cls(
            question=question,
            stems=tuple(analysis.stems),
            stem_keys=tuple(analysis.stem_keys),
            exact_keys=tuple(analysis.exact_keys),
            pair_keys=tuple(analysis.pair_keys),
            kinds=tuple(asked_kinds(question)),
            vector=vector,
        )


def asked_kinds(question: str) -> list[int]:
    """Keys of the kinds of answer a question asks for: "when…" `#when`, "how many…" `#number`."""
    kinds = []
    if _ASKS_WHEN.search(question):
        kinds.append(WHEN_KEY)
    if _ASKS_HOW_MANY.search(question):
        kinds.append(NUMBER_KEY)
    return kinds


def _capitalised_words(question: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Capitalised words of the question but its first, with their terms; none in Title Case."""
    words = question.split()
    if sum(w[:1].isupper() for w in words) > TITLE_CASE_SHARE * len(words):
        return ()
    found = []
    first = len(question) - len(question.lstrip())
    for match in _CAPITALISED.finditer(question):
        if match.start() == first:
            continue
        word = match.group().strip(".'\u2019-")
        found.append((word, tuple(analyse(word).stems)))
    return tuple(found)
