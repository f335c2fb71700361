"""Noun phrases of one sentence: its words, the phrase that names someone, its subject.

The phrase a credit quotes is checked to name someone: no verb or clause word inside it ("the
plans seemed"), no pronoun, no bare number ("the remaining 33%"), not only determiners or time
words; a name, a determiner ("a spokesman") or a known noun ("analysts", "police") in it. Its
first word is put in lower case when only the sentence's start capitalised it ("The minister"
gives "the minister", "New research" gives "new research", "New York" stays).
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from typing import NamedTuple

from ..text import VERB_FORMS
from .lexicon import (
    AUXILIARIES,
    DETERMINERS,
    FIRST_PERSON,
    GENERIC,
    NAME_PARTICLES,
    NOUN_LIKE,
    OPENERS,
    ORGANISATIONS,
    PLURAL_PEOPLE,
    PREPOSITIONS,
    QUANTITIES,
    REPORTING,
    ROLES,
    SKIPPABLE,
    STUDY_NOUNS,
    SUBJECT_PRONOUNS,
    SUBORDINATORS,
    TIME_WORDS,
)
from .quotes import MASK

MAX_SPEAKER_WORDS = 12
# Words and boundaries of a flattened sentence. A boundary is punctuation that ends a phrase,
# a dash between spaces, or a masked quotation.
_TOKEN = re.compile(
    r"(?P<b>[,;:()\[\]\u2014\u2013" + MASK + r"]+|(?<!\S)-{1,2}(?!\S))"
    r"|(?P<w>[^\W_](?:[\w.&!'\u2019/-]*[\w!])?\.?)"
)
_SHORT_ASIDE = re.compile(r"\((?:[^()\s]+\s?){1,5}\)")
# Words that make "on …", "in …" before a subject a time ("on Wednesday Prime Minister X said").
_WHEN = TIME_WORDS - PREPOSITIONS - DETERMINERS - {"first", "same", "one", "two", "three"}
# What someone says something in: "In a statement the firm said…".
_MEDIA = frozenset(
    "statement report interview letter message note speech blog column article email e-mail "
    "posting broadcast programme documentary paper website".split()
)
# Words that open a phrase as adjectives, never as names, when a lower-case word follows.
_NEVER_NAMES = frozenset("new recent latest former senior local further fresh early".split())
_HEAD = 160  # characters of a sentence that hold its subject
CLAUSE_BLOCKERS = (AUXILIARIES | SUBORDINATORS | FIRST_PERSON) | {"not", "n't", "there"}
PRONOUN_WORDS = frozenset({*SUBJECT_PRONOUNS, *FIRST_PERSON})
_NUMBER = re.compile(r"\d[\d.,]*%?$")
_TRAILING_TIME = frozenset({"on", "in", "at", "last", "this", "earlier", "next"})
_CONTRACTED = frozenset("it he she that there what here who where let".split())
_POSSESSIVES = frozenset({"its", "his", "her", "their"})


@dataclass(frozen=True)
class Frame:
    """One attribution in a sentence: who, and where its verb (or "according to") stands."""

    position: int
    speaker: str  # the phrase as credited, or a pronoun ("he", "she", "it", "they")
    pronoun: bool = False
    according: bool = False
    after: str = ""  # the words after the verb ("said she had…"), read for evidence
    asides: tuple[str, ...] = ()  # phrases set off beside the speaker ("32", "a dance teacher")


class Token(NamedTuple):
    """A word or a boundary of a sentence, where it stands."""

    start: int
    end: int
    text: str
    boundary: bool
    low: str  # lower case, less a closing full stop


class Phrases:
    """One sentence in its own voice, read for the noun phrases in it.

    Args:
        flat: the sentence with its quotations masked (`quotes.flatten`).
        text: the sentence as written (same length), for the speakers' words.
        common: words the article writes in lower case, to tell "New research" from "New York".
    """

    def __init__(self, flat: str, text: str, common: Container[str]) -> None:
        if "(" in flat:  # "the Royal Academy of Dance (RAD) has found": the aside is no boundary
            flat = _SHORT_ASIDE.sub(lambda m: " " * len(m.group()), flat)
        self.flat, self.text, self.common = flat, text, common
        self._tokens: list[Token] | None = None

    @property
    def tokens(self) -> list[Token]:
        """Words and boundaries of the sentence, worked out when first needed."""
        if self._tokens is None:
            self._tokens = tokenize(self.flat)
        return self._tokens

    def subject(self) -> Frame | None:
        """The phrase the sentence opens with, when a verb follows it: who it is about."""
        if self._tokens is None and len(self.flat) > _HEAD:
            # A subject is a few words long: read the sentence's head only, unless it is long.
            self._tokens = tokenize(self.flat[:_HEAD])
            found = self.subject()
            self._tokens = None
            return found
        tokens = self.tokens
        i = self.skip_openers(0)
        j = i
        while j < len(tokens) and not tokens[j].boundary and not verb_like(tokens, j):
            j += 1
        if j == i or j - i > 8 or j >= len(tokens) - 1:
            return None
        if tokens[j].boundary and tokens[j].text[0] not in ",\u2014\u2013-":
            return None
        end = j
        while end > i + 1 and tokens[end - 1].low in SKIPPABLE and tokens[end - 1].text.islower():
            end -= 1  # "Mr Kennedy also outlined…"
        phrase = self.phrase(i, end)
        if phrase is None:
            return None
        asides = self.asides_after(j) if tokens[j].boundary else ()
        return Frame(tokens[i].start, phrase, asides=asides)

    def clause_subjects(self) -> list[tuple[int, str]]:
        """Names that lead a clause of their own ("…a move Wenger has backed"), with offsets.

        A later "he" may mean them: see `resolve`.
        """
        words = [t for t in self.tokens if not t.boundary]
        found = []
        for n in range(1, len(words) - 1):
            word, nxt = words[n], words[n + 1]
            if not word.text[:1].isupper() or nxt.start - word.end > 1 or not nxt.text.islower():
                continue
            w = nxt.low
            if w in AUXILIARIES or w in REPORTING or (w.endswith("ed") and "-" not in w):
                found.append((word.start, name_key(word.text)))
        return found

    def segment_before(self, boundary: int, masks: bool = False) -> tuple[int, int] | None:
        """Token range of the phrase ending at token `boundary` (exclusive), from its start."""
        tokens = self.tokens
        i = boundary
        while i > 0:
            t = tokens[i - 1]
            if t.boundary and not (masks and set(t.text) == {MASK}):
                break
            i -= 1
        while i < boundary and tokens[i].boundary:
            i += 1
        return (i, boundary) if i < boundary else None

    def asides_after(self, j: int) -> tuple[str, ...]:
        """Phrases set off by commas right after token `j` ("X, 23, an analyst, said")."""
        tokens = self.tokens
        found = []
        while (
            j < len(tokens) and tokens[j].boundary and tokens[j].text[0] == "," and len(found) < 3
        ):
            a = j + 1
            b = a
            while b < len(tokens) and not tokens[b].boundary:
                b += 1
            if a == b:
                break
            found.append(self.text[tokens[a].start : tokens[b - 1].end])
            j = b
        return tuple(found)

    def skip_openers(self, i: int, j: int | None = None) -> int:
        """Skip "But", "Now", "On Wednesday", "In a statement" before a phrase's subject."""
        tokens = self.tokens
        j = len(tokens) if j is None else j
        while i < j and not tokens[i].boundary and tokens[i].low in OPENERS:
            i += 1
        n = i  # "this week the Tories said", "last month Ms X said"
        while n < j and tokens[n].low in _WHEN | {"this", "that", "last", "next"}:
            n += 1
        if i < n < j and any(tokens[m].low in _WHEN for m in range(i, n)):
            i = n
        if i < j and tokens[i].low in PREPOSITIONS and tokens[i].low in TIME_WORDS:
            n = i + 1
            while n < j and (tokens[n].low in TIME_WORDS or tokens[n].low.isdigit()):
                n += 1
            if n < j and any(t.low in _WHEN or t.low.isdigit() for t in tokens[i + 1 : n]):
                return n  # "on Wednesday Prime Minister X said"
            # "In a monthly report anti-virus firm X said"
            ends = [m for m in range(i + 1, min(i + 6, j - 1)) if tokens[m].low in _MEDIA]
            if tokens[i].low in ("in", "on") and ends:
                n = ends[0] + 1
                if tokens[n].low in PREPOSITIONS:  # "In a letter to parents the head said"
                    n += 1
                    while n < j and tokens[n].text.islower() and tokens[n].low not in DETERMINERS:
                        n += 1
                return n
        return i

    def phrase(self, i: int, j: int, initial: bool | None = None) -> str | None:
        """The speaker phrase of tokens [i, j), as credited; None if it names nobody."""
        tokens = self.tokens
        words = [t for t in tokens[i:j] if not t.boundary]
        if not words or len(words) > MAX_SPEAKER_WORDS or len(words) != j - i:
            return None
        low = [t.low for t in words]
        if any(w in CLAUSE_BLOCKERS for w in low) or any(w in PRONOUN_WORDS for w in low):
            return None
        if low[0] in PREPOSITIONS or low[-1] in PREPOSITIONS or low[-1] in DETERMINERS:
            return None
        if all(w in DETERMINERS | GENERIC | TIME_WORDS for w in low):
            return None
        if low[0] in _POSSESSIVES and not any(t.text[:1].isupper() for t in words[1:]):
            return None  # "its review": whose, the reader cannot tell
        if any(w.endswith(("'s", "\u2019s")) and w[:-2] in _CONTRACTED for w in low):
            return None  # "it's a big ask"
        if len(words) > 1 and low[0].endswith("ing") and low[0] not in REPORTING:
            if words[1].text[:1].islower():
                return None  # "Responding to the plans, …"
            return self.phrase(i + 1, j, initial=False)  # "Commenting Mr X said"
        if low[0] in REPORTING or any(w in QUANTITIES or _NUMBER.match(w) for w in low):
            return None  # "Said the report:", "a small number", "the remaining 33%"
        while len(words) > 2 and low[-2] in _TRAILING_TIME and low[-1] in TIME_WORDS:
            words, low = words[:-2], low[:-2]  # "data on Wednesday"
        if has_verb(words):
            return None  # "the plans seemed to suggest"
        initial = self.opens_sentence(i) if initial is None else initial
        lower_first = initial and (
            low[0] in DETERMINERS
            or (
                (low[0] in self.common or low[0] in _NEVER_NAMES)
                and len(words) > 1
                and words[1].text[:1].islower()
            )
        )
        named = any(t.text[:1].isupper() or t.text[:1].isdigit() for t in words[1:]) or (
            words[0].text[:1].isupper()
            and not lower_first
            and not (initial and low[0] in self.common)
        )
        known = low[-1] in PLURAL_PEOPLE | ROLES | ORGANISATIONS | STUDY_NOUNS
        if not (named or low[0] in DETERMINERS or (len(words) <= 3 and known)):
            return None
        if len(words) == 1 and low[0] in GENERIC:
            return None
        credited = self.text[words[0].start : words[-1].end].strip()
        if credited.endswith(".") and credited[:-1].count(".") == 0:
            credited = credited[:-1]
        if lower_first:
            credited = credited[0].lower() + credited[1:]
        return " ".join(credited.split()) or None

    def named(self, phrase: str, initial: bool) -> bool:
        """Whether a phrase holds a name: a capital besides one that only opens the sentence."""
        first, *rest = phrase.split()
        if any(w[:1].isupper() for w in rest):
            return True
        return first[:1].isupper() and not (initial and first.lower() in self.common)

    def opens_sentence(self, i: int) -> bool:
        """Whether token `i` opens the sentence (only openers, "But", before it)."""
        return all(not t.boundary and t.low in OPENERS for t in self.tokens[:i])


def tokenize(flat: str) -> list[Token]:
    tokens = []
    for m in _TOKEN.finditer(flat):
        text = m.group()
        tokens.append(
            Token(m.start(), m.end(), text, m.start("b") >= 0, text.lower().rstrip(".!"))
        )
    return tokens


def name_key(speaker: str) -> str:
    """What identifies a speaker across the article: the surname of "Mr X" and "John X"."""
    head = re.split(r"\s(?:of|for|at|from|with|in|on|to)\s", speaker, maxsplit=1)[0]
    words = [w.strip(".,'\u2019!") for w in head.split()]
    names = [w for w in words if w[:1].isupper()]
    last = names[-1] if names else (words[-1] if words else speaker)
    return re.sub(r"['\u2019]s$", "", last).lower()


def verb_like(tokens: list[Token], j: int) -> bool:
    t = tokens[j]
    if t.boundary:
        return False
    w = t.low
    if t.text[:1].isupper():
        return False  # "Mr Omar Said is…"
    if w in AUXILIARIES or w in REPORTING or w in VERB_FORMS:
        return True
    if w.endswith("ed") and "-" not in w and not t.text[:1].isupper():
        return True
    if w.endswith("s") and not t.text[:1].isupper() and j + 1 < len(tokens):
        nxt = tokens[j + 1]
        return not nxt.boundary and nxt.low not in AUXILIARIES and nxt.low not in VERB_FORMS
    return False


def is_role(words: list[Token], initial: bool) -> bool:
    """A role without a name: "head of Preventon", "Microsoft's chief financial officer"."""
    low = [t.low for t in words]
    if not low or low[0] in DETERMINERS:
        return False
    has_role = any(w in ROLES for w in low)
    return has_role and (words[0].text[:1].islower() or low[0].endswith(("'s", "\u2019s")))


def is_name(words: list[Token]) -> bool:
    """A run of capitalised words, perhaps with a title and particles: "Mr Paul Goosens"."""
    if not words or len(words) > 5:
        return False
    return words[0].text[:1].isupper() and all(
        t.text[:1].isupper() or t.low in NAME_PARTICLES for t in words
    )


def has_verb(words: list[Token]) -> bool:
    """Whether a would-be subject holds a verb ("Mr X acknowledged some people")."""
    for n, t in enumerate(words[1:], start=1):
        w = t.low
        if t.text[:1].isupper() or "-" in w:
            continue
        by = n + 1 < len(words) and words[n + 1].low == "by"  # "an official quoted by Reuters"
        if w in VERB_FORMS or w in AUXILIARIES or (w.endswith("ed") and not by):
            return True
        if w in REPORTING and w not in NOUN_LIKE:
            return True
    return False
