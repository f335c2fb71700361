"""Whom an article credits for each sentence: "according to X", "X said", quotations.

Rules, in order, for each sentence:
1. An explicit attribution outside the sentence's own quotation marks: "according to X",
   "X says/said/told/admits/adds/describes/…", "says X" after a quotation, "X puts the figure…".
   A pronoun subject ("he adds") is the most recent named source in the article.
2. A sentence wholly inside a quotation that opened earlier carries the quotation's speaker:
   the attribution at the quotation's own level in the sentences it spans ("…,” he said), else
   the source of the sentence just before it opened (the one that introduced it).
3. Otherwise the article states it in its own voice: no source, and nothing is guessed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace

import regex

from .text import ABBREVIATIONS

OPENING_QUOTES = "\u201c\u201e\u00ab\u2018\u201a"
CLOSING_QUOTES = "\u201d\u00bb"
QUOTE_CHARS = OPENING_QUOTES + CLOSING_QUOTES + "\u2019\"'"
ATTRIBUTION_VERBS = (
    "say says said tell tells told add adds added admit admits admitted describe describes "
    "described explain explains explained warn warns warned claim claims claimed insist insists "
    "insisted argue argues argued note notes noted write writes wrote state states stated "
    "announce announces announced acknowledge acknowledges acknowledged confirm confirms "
    "confirmed deny denies denied estimate estimates estimated concede concedes conceded "
    "stress stresses stressed recall recalls recalled predict predicts predicted report "
    "reports reported urge urges urged believe believes believed"
).split()
# Verb forms that are also common nouns ("the report", "estimates show"): only a named
# subject ("Amnesty reports") makes them an attribution.
NOUN_LIKE_VERBS = frozenset(
    "report reports claim claims estimate estimates note notes state states stress stresses "
    "recall recalls".split()
)
FIGURE_NOUNS = "figure|figures|number|toll|total|count|estimate|cost|tally"
PRONOUNS = {"he", "she", "they"}
# A subject ending in one of these is passive ("he was told") or not a speaker.
PASSIVE_ENDINGS = {
    "was",
    "were",
    "been",
    "being",
    "is",
    "are",
    "be",
    "it",
    "this",
    "that",
    "not",
    "to",
    "never",
}
# Adverbs and auxiliaries between a speaker and the verb ("X has also said").
SKIPPABLE = {
    "has",
    "have",
    "had",
    "also",
    "later",
    "earlier",
    "previously",
    "recently",
    "reportedly",
    "publicly",
    "once",
    "again",
    "then",
    "repeatedly",
    "often",
    "separately",
    "privately",
    "further",
    "now",
    "yesterday",
    "today",
    "would",
    "will",
    "could",
    "may",
    "did",
    "does",
    "do",
}
# Words that cannot start a speaker's name or description.
NOT_SUBJECT_START = {
    "with",
    "in",
    "on",
    "at",
    "for",
    "from",
    "of",
    "to",
    "by",
    "if",
    "what",
    "where",
    "why",
    "how",
    "there",
    "it",
    "i",
    "we",
    "you",
    "which",
    "who",
    "recent",
    "about",
    "into",
}
_BOUNDARY_WORDS = (
    r"when|as|while|because|after|before|and|but|that|if|although|though|since|so|who|which|where"
)
_VERB_RE = re.compile(
    r"\b(?P<verb>" + "|".join(ATTRIBUTION_VERBS) + r"|puts|put)\b"
    r"(?P<figure>\s+the\s+(?:\w+\s+)?(?:" + FIGURE_NOUNS + r")\b)?"
)
_VERB_WORDS = frozenset([*ATTRIBUTION_VERBS, "puts", "put"])
_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_ACCORDING_RE = re.compile(r"\baccording to\s+", re.IGNORECASE)
_QUOTE_MARK = r"[\u201c\u201d\u201e\u00ab\u00bb\"]|(?<!\w)['\u2018\u2019]|['\u2018\u2019](?!\w)"
_STOP_AFTER_SOURCE = re.compile(
    r"\s*(?:[,;:.!?()\[\]\u2014\u2013]|" + _QUOTE_MARK + r")"
    r"|\s+(?:" + _BOUNDARY_WORDS + r"|it|in|on|at|during)\b"
)
# Searched backwards from the verb: the last boundary before a speaker's name.
_SUBJECT_CUT = regex.compile(
    r"(?r)(?:[,;:()\[\]\u2014\u2013]|" + _QUOTE_MARK + r"|\b(?:" + _BOUNDARY_WORDS + r")\b)",
    regex.IGNORECASE,
)
_STOP_AFTER_SPEAKER = re.compile(
    r"\s*[,;:.!?()]|\s+(?:in|on|at|during|when|as|while|after|before|to|that)\b"
)
_FULL_STOP = re.compile(r"(\w{2,})[.!?]+\s")
_QUOTE_MARKS = re.compile("[" + re.escape(QUOTE_CHARS) + "]")
_WORD = re.compile(r"\w[\w.'\u2019-]*")
MAX_SOURCE_WORDS = 12


@dataclass(frozen=True)
class Attribution:
    """Whom a sentence is credited to (None: the article's own voice), and its quotation state."""

    source: str | None
    continues_quote: bool = False


@dataclass(frozen=True)
class _Claim:
    position: int
    depth: int
    source: str
    pronoun: bool


def attribute(body: str, sentences: Sequence[tuple[int, int, int]]) -> list[Attribution]:
    """Credit every sentence of one article.

    Args:
        body: the article body.
        sentences: (paragraph number, start, end) of each sentence, in article order.
    """
    depths = _quote_depths(body, sentences)
    levels = [
        _narration_level(body, start, end, depth)
        for (_, start, end), depth in zip(sentences, depths, strict=True)
    ]
    # Claims in article order, each pronoun replaced by the named source it refers to.
    claims: list[list[_Claim]] = []
    last_named: str | None = None
    for (_, start, end), depth in zip(sentences, depths, strict=True):
        resolved = []
        for claim in _claims(body, start, end, depth):
            if not claim.pronoun:
                last_named = claim.source
                resolved.append(claim)
            elif last_named:
                resolved.append(replace(claim, source=last_named, pronoun=False))
        claims.append(resolved)

    explicit = [
        next((c.source for c in sentence_claims if c.depth == level), None)
        for sentence_claims, level in zip(claims, levels, strict=True)
    ]
    result = []
    for i, level in enumerate(levels):
        source = explicit[i]
        if source is None and level > 0:
            source = _quotation_speaker(i, level, sentences, depths, levels, claims, explicit)
        result.append(Attribution(source=source, continues_quote=depths[i][0] > 0))
    return result


class _Depth:
    """Quotation depth before each character of one sentence, read like a sequence.

    `depth[i]` is the depth before the sentence's i-th character and `depth[-1]` the depth after
    its last one; the quotation marks are found once per paragraph, not character by character.
    """

    __slots__ = ("depths", "end", "positions", "start")

    def __init__(self, positions: list[int], depths: list[int], start: int, end: int) -> None:
        self.positions, self.depths, self.start, self.end = positions, depths, start, end

    def __getitem__(self, offset: int) -> int:
        at = self.end if offset < 0 else self.start + offset
        j = bisect_left(self.positions, at)
        return self.depths[j - 1] if j else 0

    def marks_within(self) -> list[int]:
        """Positions of the quotation marks inside the sentence."""
        return self.positions[
            bisect_left(self.positions, self.start) : bisect_left(self.positions, self.end)
        ]


def quote_openings(body: str, sentences: Sequence[tuple[int, int, int]]) -> list[bool]:
    """For each sentence, whether it starts inside a quotation opened before it (cheap)."""
    return [depth[0] > 0 for depth in _quote_depths(body, sentences)]


def _quote_depths(body: str, sentences: Sequence[tuple[int, int, int]]) -> list[_Depth]:
    """Quotation depths of every sentence; depth resets at each paragraph."""
    result: list[_Depth] = []
    i = 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][0] == sentences[i][0]:
            j += 1
        lo, hi = sentences[i][1], sentences[j][2]
        positions: list[int] = []
        depths: list[int] = []
        depth = 0
        for mark in _QUOTE_MARKS.finditer(body, lo, hi):
            depth = _step(body, mark.start(), depth)
            positions.append(mark.start())
            depths.append(depth)
        result.extend(_Depth(positions, depths, s, e) for _, s, e in sentences[i : j + 1])
        i = j + 1
    return result


def _step(text: str, i: int, depth: int) -> int:
    """Depth after the character at `i`: quotation marks of any kind open and close."""
    ch = text[i]
    if ch not in QUOTE_CHARS:
        return depth
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if ch in OPENING_QUOTES:
        return depth + 1
    if ch in CLOSING_QUOTES:
        return max(depth - 1, 0)
    if before.isalnum() and after.isalnum():
        return depth  # apostrophe: can't, who've
    opens = before.isspace() or before in "([{\u2014\u2013-/" or i == 0
    if opens and (after.isalnum() or after in OPENING_QUOTES):
        return depth + 1
    if ch != '"' and before in "sS" and after.isspace():
        following = text[i + 1 : i + 3].strip()
        if following[:1].islower():
            return depth  # plural possessive: the Russians' plan
    return max(depth - 1, 0)


def _narration_level(body: str, start: int, end: int, depth: _Depth) -> int:
    """The lowest quotation depth at which the sentence has words: its own voice's level."""
    marks = depth.marks_within()
    if not marks:
        return depth[0]
    levels = []
    for lo, hi in zip([start, *(m + 1 for m in marks)], [*marks, end], strict=True):
        if _WORD.search(body, lo, hi):
            levels.append(depth[lo - start])
    return min(levels) if levels else depth[0]


def _claims(body: str, start: int, end: int, depth: _Depth) -> list[_Claim]:
    """Every explicit attribution in one sentence, with the quotation depth where it stands."""
    text = body[start:end]
    claims: list[_Claim] = []
    if text.isascii() and _VERB_WORDS.isdisjoint(text.translate(_SEPARATORS).split()):
        if "ccording" not in text:
            return claims
        verbs = ()  # only "according to" can credit anyone here
    else:
        verbs = _VERB_RE.finditer(text)
    for match in _ACCORDING_RE.finditer(text):
        source = _source_after(text, match.end())
        if source:
            claims.append(_Claim(match.start(), depth[match.start()], source, False))
    for match in verbs:
        verb = match.group("verb")
        if verb in ("puts", "put") and not match.group("figure"):
            continue
        subject = _subject_before(text, match.start())
        if subject is None and verb not in ("puts", "put"):
            subject = _subject_after(text, match.start(), match.end("verb"))
        if subject and verb in NOUN_LIKE_VERBS and not _has_name(subject):
            continue
        if subject:
            pronoun = subject.lower() in PRONOUNS
            claims.append(_Claim(match.start(), depth[match.start()], subject, pronoun))
    claims.sort(key=lambda c: c.position)
    return claims


def _source_after(text: str, at: int) -> str | None:
    stop = _STOP_AFTER_SOURCE.search(text, at)
    phrase = text[at : stop.start() if stop else len(text)]
    return _clean(phrase, sentence_start=False)


def _subject_before(text: str, at: int) -> str | None:
    prefix = text[:at]
    cut = _SUBJECT_CUT.search(prefix)
    phrase = prefix[cut.end() :] if cut else prefix
    # A full stop that ends a word (not an abbreviation) also bounds the subject.
    for stop in reversed(list(_FULL_STOP.finditer(phrase))):
        if stop.group(1).lower() not in ABBREVIATIONS:
            phrase, cut = phrase[stop.end() :], stop
            break
    words = phrase.split()
    while words and words[-1].lower() in SKIPPABLE:
        words.pop()
    if not words or words[-1].lower() in PASSIVE_ENDINGS:
        return None
    if len(words) == 1 and words[0].lower() in PRONOUNS:
        return words[0].lower()
    return _clean(" ".join(words), sentence_start=cut is None)


def _subject_after(text: str, verb_start: int, verb_end: int) -> str | None:
    """Find a speaker named after the verb, as in '“…,” said the minister'."""
    before = text[:verb_start].rstrip()
    if not before or before[-1] not in ",\u201d\"'\u2019":
        return None
    found = _STOP_AFTER_SPEAKER.search(text, verb_end)
    return _clean(text[verb_end : found.start() if found else len(text)], sentence_start=False)


def _clean(phrase: str, sentence_start: bool) -> str | None:
    """Tidy a speaker phrase; None if it does not look like someone who can be credited."""
    words = phrase.strip(" \t\n" + QUOTE_CHARS).split()
    if not words or len(words) > MAX_SOURCE_WORDS:
        return None
    first = words[0].lower()
    if first in NOT_SUBJECT_START or first in PRONOUNS:
        return None
    if sentence_start and first in ("the", "a", "an"):
        words[0] = first
    determiners = ("the", "a", "an", "one", "two", "three", "several", "many", "some")
    if all(w.lower() in determiners for w in words):
        return None
    named = any(w[:1].isupper() for w in words[1:]) or (
        words[0][:1].isupper() and not sentence_start
    )
    if not (named or first in determiners or len(words) <= 3):
        return None
    return " ".join(words).rstrip(",;:")


def _has_name(phrase: str) -> bool:
    return any(w[:1].isupper() for w in phrase.split()[1:]) or phrase.lower() in PRONOUNS


def _quotation_speaker(
    i: int,
    level: int,
    sentences: Sequence[tuple[int, int, int]],
    depths: Sequence[_Depth],
    levels: Sequence[int],
    claims: Sequence[Sequence[_Claim]],
    explicit: Sequence[str | None],
) -> str | None:
    """Speaker of the quotation that holds sentence `i` entirely."""
    paragraph = sentences[i][0]
    first = i
    while first > 0 and sentences[first - 1][0] == paragraph and depths[first][0] >= level:
        first -= 1
    last = i
    while (
        last + 1 < len(sentences)
        and sentences[last + 1][0] == paragraph
        and depths[last][-1] >= level
    ):
        last += 1
    for j in range(first, last + 1):
        for claim in claims[j]:
            if claim.depth == level - 1:
                return claim.source
    # A quotation that opens its sentence was introduced by the sentence before it.
    if first > 0 and levels[first] >= level:
        return explicit[first - 1]
    return None
