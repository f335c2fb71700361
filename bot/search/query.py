"""A question analysed once: the `Query` that every stage of a search reads."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .languages import ENGLISH, analyser

# Only this much of a question is read; a question is a sentence or two, not an essay.
MAX_QUESTION_CHARS = 1000
# A name as written: capitalised words, possibly joined by particles ("Bank of England").
_NAME_RUN = re.compile(
    r"[^\W\d_a-z][\w.'\u2019-]*(?:\s+(?:(?:of|for|the|de|du|da|di|del|der|la|le|van|von|al|bin)"
    r"\s+)*[^\W\d_a-z][\w.'\u2019-]*)*"
)
_CAPITALISED = re.compile(r"(?<![\w.'\u2019])[^\W\d_a-z][\w.'\u2019]*")
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
    language: str = ENGLISH  # the language whose analysis made the terms
    asked_in: str = ENGLISH  # the language the question is written in
    # The question's unit vector from the semantic stage's model, when there is one.
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)

    # A search needs one of the next two, depending on whether the question is covered: each
    # is worked out when first read, once.
    @cached_property
    def name_runs(self) -> tuple[frozenset[int], ...]:
        """Stem keys of each run of capitalised words ("Bank of England"), in order."""
        analyse = analyser(self.language).analyse
        return tuple(
            frozenset(analyse(run.group()).stem_keys)
            for run in _NAME_RUN.finditer(self.question)
            if run.group()[0].isupper()
        )

    @cached_property
    def capitalised(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """Capitalised words but the first, with their stem keys: names the briefing may lack.

        Empty when the question is Title Case or shouting, where capitals say nothing, and in
        languages whose capitals do not mark names (German nouns).
        """
        if not analyser(self.language).language.capitals_are_names:
            return ()
        return _capitalised_words(self.question, self.language)

    @classmethod
    def parse(
        cls,
        question: str,
        encode: Callable[[Sequence[str]], np.ndarray] | None = None,
        language: str = ENGLISH,
        asked_in: str | None = None,
    ) -> Query:
        """Analyse a question: its terms, the kinds of answer it asks for, its names.

        Args:
            question: the question as asked.
            encode: the semantic stage's model (texts to unit vectors), if any.
            language: the language whose analysis to use (`languages.analyser`).
            asked_in: the language the question is written in, when not `language` (a
                question asked of articles in another language).
        """
        question = question[:MAX_QUESTION_CHARS]
        analysis_of = analyser(language)
        analysis = analysis_of.analyse(question)
        vector = encode([question])[0] if encode is not None and question.strip() else None
        return cls(
            question=question,
            stems=tuple(analysis.stems),
            stem_keys=tuple(analysis.stem_keys),
            exact_keys=tuple(analysis.exact_keys),
            pair_keys=tuple(analysis.pair_keys),
            kinds=tuple(analysis_of.asked_kinds(question)),
            language=analysis_of.code,
            asked_in=asked_in or analysis_of.code,
            vector=vector,
        )


def _capitalised_words(question: str, language: str) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Capitalised words of the question but its first, with their stem keys (not Title Case)."""
    words = question.split()
    if sum(w[:1].isupper() for w in words) > TITLE_CASE_SHARE * len(words):
        return ()
    found = []
    first = len(question) - len(question.lstrip())
    for match in _CAPITALISED.finditer(question):
        if match.start() == first or not match.group()[0].isupper():  # "Алеппо", not "из"
            continue
        word = match.group().strip(".'\u2019-")
        found.append((word, tuple(analyser(language).analyse(word).stem_keys)))
    return tuple(found)
