"""The language of an article or a question, by py3langid (offline; its model is in the wheel).

Questions are short, and short texts are where identification errs: a question is taken to be
in one of the briefing's languages unless py3langid is sure it is in another
(`QUESTION_CERTAINTY`), so that "Aleppo?" asked of an English briefing is English, while a
Spanish question asked of it is Spanish. Articles are identified from their first
`ARTICLE_SAMPLE` characters, unless their header says (`language: ru`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection

# How much of an article is read to tell its language (identification is linear in length).
ARTICLE_SAMPLE = 600
# English articles are told by their commonest words in this much of their start (cheap).
ENGLISH_SAMPLE = 1000
ENGLISH_WORDS_PER_1000 = 4
# A question is in another language than the briefing's only when py3langid gives that
# language at least this probability; else it is the most probable of the briefing's.
QUESTION_CERTAINTY = 0.9
# ... and the briefing's most probable language is taken instead when it is at least this
# fraction as probable as the other (not for a Cyrillic question asked of English articles).
PLAUSIBLE_RATIO = 10
# Fewer letters than this say nothing about a language.
MIN_LETTERS = 2
_LOCK = threading.Lock()
ALL = ("*",)
NO_LANGUAGE = "zxx"  # `ranked(text, ALL)`: every language py3langid knows
_IDENTIFIER: object | None = None


def prefetch() -> None:
    """Start loading py3langid's model in a thread (it takes about two seconds)."""
    if _IDENTIFIER is None:
        threading.Thread(target=_identifier, name="langid", daemon=True).start()


def _identifier():  # -> py3langid.langid.LanguageIdentifier
    global _IDENTIFIER
    with _LOCK:
        if _IDENTIFIER is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _IDENTIFIER


def ranked(text: str, among: Collection[str] = ()) -> list[tuple[str, float]]:
    """Languages with their probability for `text`, most probable first.

    Only the languages the analysis knows (`languages.table`, English) and those `among` are
    candidates, their probabilities scaled to sum to one: py3langid's 140 include close kin
    of the big languages (Aragonese, Extremaduran, Nigerian Pidgin) that take a share of
    every short Spanish or English text. Dialect codes count for their language ("ary" for
    "ar"). Empty for a text without letters.
    """
    from . import ENGLISH, code_of
    from .table import LANGUAGES

    if sum(ch.isalpha() for ch in text[:200]) < MIN_LETTERS:
        return []
    candidates = {ENGLISH, *LANGUAGES, *among}
    merged: dict[str, float] = {}
    for code, probability in _identifier().rank(text):
        language = code_of(code) or code
        if language in candidates or among is ALL:
            merged[language] = merged.get(language, 0.0) + float(probability)
    total = sum(merged.values()) or 1.0
    found = [(code, p / total) for code, p in merged.items()]
    return sorted(found, key=lambda item: item[1], reverse=True)


def article_language(text: str) -> str | None:
    """The language of an article's text, or None when it has too few letters to tell.

    English is recognised by its commonest words without py3langid (a build of English news
    need not load its model); any other text is identified by py3langid.
    """
    if plainly_english(text):
        return "en"
    found = ranked(text[:ARTICLE_SAMPLE], ALL)
    # "zxx": no linguistic content (lists, codes): not a language to analyse in.
    return found[0][0] if found and found[0][0] != NO_LANGUAGE else None


def plainly_english(text: str) -> bool:
    """Whether a text is unmistakably English, told by its commonest words.

    It must be written in ASCII nearly throughout, with " the ", " of ", " and ", " to " at
    least `ENGLISH_WORDS_PER_1000` times a thousand characters of its start, " the " at least
    twice (German, Spanish, Romanian or Turkish articles: at most 4 of
    them, from English names; English news: 7 or more).
    """
    sample = text[:ENGLISH_SAMPLE]
    if not sample or (
        not sample.isascii() and len(sample.encode()) - len(sample) > 0.1 * len(sample)
    ):
        return False
    lower = sample.lower()
    hits = lower.count(" of ") + lower.count(" and ") + lower.count(" to ")
    the = lower.count(" the ") + lower.count("\nthe ")
    return the >= 2 and (the + hits) * 1000 >= ENGLISH_WORDS_PER_1000 * len(sample)


def question_language(question: str, briefing: Collection[str]) -> str | None:
    """The language of a question asked of a briefing in these languages.

    A question plainly in English, asked of a briefing with English articles, is English
    without py3langid (`plainly_english_question`). Otherwise the briefing's most probable
    language, unless another language is certain (at least `QUESTION_CERTAINTY`) or far more
    probable (`PLAUSIBLE_RATIO`); None when the question has no letters.
    """
    from . import ENGLISH

    if ENGLISH in briefing and plainly_english_question(question):
        return ENGLISH
    found = ranked(question, briefing)
    if not found:
        return None
    best, probability = found[0]
    if best in briefing or probability >= QUESTION_CERTAINTY:
        return best
    ours = next(((code, p) for code, p in found if code in briefing), None)
    if ours is not None and ours[1] * PLAUSIBLE_RATIO >= probability:
        return ours[0]
    return best


def plainly_english_question(question: str) -> bool:
    """Whether a question is unmistakably English, so that py3langid need not be loaded.

    ASCII, asked with an English question word or auxiliary, and at least
    `ENGLISH_QUESTION_SHARE` of its words English stop words: "Who is winning the battle for
    the city?", but not "Was ist die Hauptstadt?" nor "In ce an a fost fondat?".
    """
    if not question.isascii():
        return False
    from ..text import STOP_WORDS

    words = _ASCII_WORD.findall(question.lower())
    if not words or not _ENGLISH_ASKING.intersection(words):
        return False
    return sum(w in STOP_WORDS for w in words) >= ENGLISH_QUESTION_SHARE * len(words)


ENGLISH_QUESTION_SHARE = 0.4
_ENGLISH_ASKING = frozenset(
    "what who whom whose which when where why how is are was were do does did can could will "
    "would should has have had".split()
)
_ASCII_WORD = re.compile(r"[a-z]+")
