"""Example questions drawn from the corpus itself, each one checked to be answered."""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain, zip_longest

from .answer import answer
from .index import SentenceIndex

# A source named in more words than this makes a clumsy example question.
MAX_SOURCE_WORDS = 7
_NAME = re.compile(r"(?<=[\s:,;(])[A-Z][a-z]{3,}\b")


def example_questions(index: SentenceIndex, count: int = 3) -> list[str]:
    """Up to `count` questions the bot answers, spread over the articles.

    Per article the candidates alternate between asking what a credited source said ("What
    did the Port Authority say?", kept only when the best passage is credited to that source)
    and asking about a name in its title ("What about Millbrook?"), most mentioned first; the
    title itself comes last. Nothing depends on what the articles are about. The question
    forms are English: an article in another language offers its title alone, in its language.
    """
    candidates = []
    for article in index.articles:
        if index.language_of(article) != "en":
            candidates.append([article.title])
            continue
        sources: list[str] = []
        # Capitalised title words the corpus always writes with a capital: names, not the
        # first word of a headline or an adjective like "Syrian" that only a title capitalises.
        in_title = {w for w in _NAME.findall(" " + article.title) if index.is_name(w)}
        names: Counter[str] = Counter()
        for sentence in index.sentences_of(article):
            source = sentence.source
            if source and len(source.split()) <= MAX_SOURCE_WORDS:
                sources.append(f"What did {source} say?")
            names.update(w for w in _NAME.findall(" " + sentence.text) if w in in_title)
        about = [f"What about {name}?" for name, _ in names.most_common()]
        mixed = chain.from_iterable(zip_longest(dict.fromkeys(sources), about))
        candidates.append([*(q for q in mixed if q), article.title])
    examples: list[str] = []
    # Round robin over the articles: the first candidate of each, then the second, …
    for question in chain.from_iterable(zip_longest(*candidates)):
        if question and question not in examples and _answered(question, index):
            examples.append(question)
            if len(examples) == count:
                break
    return examples


def _answered(question: str, index: SentenceIndex) -> bool:
    result = answer(question, index, k=1)
    if not result.passages:
        return False
    if question.startswith("What did "):
        source = question.removeprefix("What did ").removesuffix(" say?")
        return result.passages[0].source == source
    return True
