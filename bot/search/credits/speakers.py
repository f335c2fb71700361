"""Attributions inside one sentence: "according to X", "X said", "“…,” said X", and the speaker.

A sentence is read as its own voice sees it: `quotes.flatten` has masked the words quoted inside
it, so a verb inside a quotation is never the sentence's attribution, and a quotation ends a
phrase like a comma does. The speaker is the noun phrase before the verb, from the clause's start
("But on Wednesday Prime Minister X said" gives "Prime Minister X"), less the words between it and
the verb ("has also said"). When the verb follows a comma, the phrase is the one its appositions
belong to ("X, 32, from Wembley, London, said", "X, who has taught for years, told", "X - keen to
reassure investors - had said"), or the one after an inverted verb ("…,” said X, head of Y").
"X, head of Y told" credits X, not the role. After "told" comes whom X told, never a speaker.
"""

from __future__ import annotations

import re

from ..text import VERB_FORMS
from .lexicon import (
    AUXILIARIES,
    COORDINATORS,
    DETERMINERS,
    EVIDENTIAL,
    FIGURE_NOUNS,
    FIGURE_VERBS,
    FIRST_PERSON,
    INVERTIBLE,
    NAME_PARTICLES,
    NOT_AFTER_VERB,
    NOUN_LIKE,
    ORGANISATIONS,
    PASSIVE,
    PLURAL_PEOPLE,
    PREPOSITIONS,
    REPORTING,
    ROLES,
    SKIPPABLE,
    SPEECH,
    STUDY_NOUNS,
    SUBJECT_PRONOUNS,
    SUBORDINATORS,
    TIME_WORDS,
)
from .phrases import (
    CLAUSE_BLOCKERS,
    PRONOUN_WORDS,
    Frame,
    Phrases,
    Token,
    has_verb,
    is_name,
    is_role,
    verb_like,
)

_VERB_WORDS = frozenset({*REPORTING, *FIGURE_VERBS})
_LOWER_WORDS = re.compile(r"[a-z]+")


class Sentence(Phrases):
    """One sentence in its own voice, read for the attributions in it."""

    def frames(self) -> list[Frame]:
        """Every attribution in the sentence, in order."""
        if _VERB_WORDS.isdisjoint(_LOWER_WORDS.findall(self.flat)) and (
            "ccording" not in self.flat
        ):
            return []
        tokens = self.tokens
        found = []
        for k, t in enumerate(tokens):
            if t.low == "according" and k + 1 < len(tokens) and tokens[k + 1].low == "to":
                frame = self.according(k)
            elif t.low in _VERB_WORDS and t.text.islower():  # "the United States" is no verb
                frame = self.verb(k)
            else:
                continue
            if frame is not None:
                found.append(frame)
        return found

    def according(self, k: int) -> Frame | None:
        """Read "according to X": X up to a boundary, a clause, or the end of a run of names."""
        tokens = self.tokens
        i = k + 2
        j = i
        while j < len(tokens) and not tokens[j].boundary:
            low = tokens[j].low
            if low in SUBORDINATORS or low in PRONOUN_WORDS or low in AUXILIARIES:
                break
            if j > i and _ends_phrase(tokens, j):
                break
            j += 1
        while j > i and tokens[j - 1].low in PREPOSITIONS | DETERMINERS | COORDINATORS:
            j -= 1
        phrase = self.phrase(i, j, initial=False)
        return Frame(tokens[k].start, phrase, according=True) if phrase else None

    def verb(self, k: int) -> Frame | None:
        """A reporting verb: its subject before it, or after it when inverted."""
        tokens = self.tokens
        form = tokens[k].low
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if nxt is not None and not nxt.boundary and nxt.low in NOT_AFTER_VERB:
            return None
        if form in FIGURE_VERBS and not self._puts_figure(k):
            return None
        if form in NOUN_LIKE and self._noun_here(k):
            return None
        j = k
        while j > 0 and tokens[j - 1].low in SKIPPABLE and tokens[j - 1].text.islower():
            j -= 1
        i = j
        while i > 0 and not tokens[i - 1].boundary:
            i -= 1
        words = tokens[i:j]
        cut = max(
            (n for n, t in enumerate(words) if t.low in SUBORDINATORS | COORDINATORS), default=-1
        )
        if cut >= 0:
            if words[cut].low in SUBORDINATORS and words[cut].low not in COORDINATORS:
                return None  # "after the firm said…", "a man who said…"
            if not (words[cut].low in ("and", "or", "&") and self._joined(i, i + cut, j)):
                i += cut + 1
        if i < j and tokens[j - 1].low in PASSIVE:
            return None  # "it is understood", "he was told", "declined to say"
        start = self.skip_openers(i, j)
        frame: Frame | None = None
        if start < j:
            frame = self._direct(k, start, j, i)
        elif cut < 0 and i > 0:  # nothing between a comma or a quotation and the verb
            frame = self._inverted(k) if form in INVERTIBLE else None
            if frame is None and tokens[i - 1].text[0] in ",\u2014\u2013-":
                frame = self._chain(k, i - 1)
        evidence = frame is not None and form in EVIDENTIAL and not frame.pronoun
        if evidence and not _may_speak(frame.speaker):
            return None  # "the pattern suggests", "the comprehensive test revealed"
        if frame is None or form in SPEECH or form in FIGURE_VERBS:
            return frame
        if (frame.pronoun or not _is_study(frame.speaker)) and not self._reported_clause(k):
            return None
        return frame

    def _direct(self, k: int, i: int, j: int, clause: int) -> Frame | None:
        """The subject right before the verb; a bare role after a name credits the name."""
        tokens = self.tokens
        low = [t.low for t in tokens[i:j]]
        if j - i == 1 and low[0] in SUBJECT_PRONOUNS:
            return Frame(tokens[k].start, low[0], pronoun=True, after=self._after(k))
        if any(w in PRONOUN_WORDS for w in low) or has_verb(tokens[i:j]):
            return None
        initial = self.opens_sentence(i)
        if (
            clause == i
            and i > 0
            and tokens[i - 1].text[0] in ",\u2014\u2013-"
            and is_role(tokens[i:j], initial)
        ):
            before = self.segment_before(i - 1)
            if before is not None and is_name(tokens[before[0] : before[1]]):
                name = self.phrase(before[0], before[1])
                if name:
                    role = self.phrase(i, j, initial=False) or ""
                    return Frame(tokens[k].start, name, after=self._after(k), asides=(role,))
        phrase = self.phrase(i, j)
        return Frame(tokens[k].start, phrase, after=self._after(k)) if phrase else None

    def _inverted(self, k: int) -> Frame | None:
        """Read "“…,” said X" and "…, says X, head of Y": X after the verb, to a boundary."""
        tokens = self.tokens
        i = k + 1
        j = self._speaker_end(i)
        if j == i:
            return None
        if j - i == 1 and tokens[i].low in SUBJECT_PRONOUNS:
            ends = j == len(tokens) or tokens[j].boundary
            return Frame(tokens[k].start, tokens[i].low, pronoun=True) if ends else None
        ends = [j]
        if j < len(tokens) and tokens[j].low in ("and", "&"):  # "founder and director X"
            ends.insert(0, self._speaker_end(j + 1))
        for end in ends:
            # "said economist Jo Lamb", but not "said exposure will fall"
            named = any(t.text[:1].isupper() for t in tokens[i:end])
            if not (tokens[i].low in DETERMINERS or named) or self._clause_follows(end):
                continue  # "argued a change in direction was needed"
            if phrase := self.phrase(i, end, initial=False):
                return Frame(tokens[k].start, phrase, asides=self.asides_after(end))
        return None

    def _clause_follows(self, j: int) -> bool:
        """Whether the phrase after an inverted verb runs on into a verb: no speaker then.

        "said one resident who watched" and "said Ms X and added" end the phrase with a clause
        of its own; "argued a change in direction was needed" does not.
        """
        tokens = self.tokens
        if j < len(tokens) and tokens[j].low in SUBORDINATORS | COORDINATORS:
            return False
        while j < len(tokens) and not tokens[j].boundary:
            if tokens[j].text.islower() and (tokens[j].low in AUXILIARIES or verb_like(tokens, j)):
                return True
            j += 1
        return False

    def _speaker_end(self, i: int) -> int:
        """Where a speaker named after its verb ends: at a boundary, a clause, "in" or "who"."""
        tokens = self.tokens
        j = i
        while j < len(tokens) and not tokens[j].boundary:
            if tokens[j].low in SUBORDINATORS | COORDINATORS | _STOP_AFTER_SPEAKER:
                break
            j += 1
        return j

    def _chain(self, k: int, comma: int) -> Frame | None:
        """Read "X, 32, from Wembley, said": the phrase the asides between commas belong to."""
        tokens = self.tokens
        segments = []
        end = comma
        while True:
            seg = self.segment_before(end, masks=True)
            if seg is None:
                break
            segments.append(seg)
            start = seg[0]
            if start == 0 or tokens[start - 1].text[0] not in ",\u2014\u2013-":
                break
            end = start - 1
        segments.reverse()
        heads = []
        for n, (a, b) in enumerate(segments):
            a = self.skip_openers(a, b)
            words = [t for t in tokens[a:b] if not t.boundary]
            if not words or any(t.low in CLAUSE_BLOCKERS | PRONOUN_WORDS for t in words):
                continue
            if has_verb(words):
                continue
            if words[0].low in PREPOSITIONS or words[0].low in SUBORDINATORS:
                continue
            if words[0].low.endswith("ing") and words[0].low not in REPORTING:
                continue  # "Following Mr X's announcement, …": a way in, not a speaker
            phrase = self.phrase(a, b)
            if phrase:
                heads.append((n, a, phrase))
        if not heads:
            return None
        named = [h for h in heads if self.named(h[2], self.opens_sentence(h[1]))]
        n, _, phrase = (named or heads)[0]

        # "Hollywood's honorary mayor, Jo Grant, said": the name, rather than the role
        names = [
            h
            for h in named
            if len(h[2].split()) > 1
            and is_name(tokens[h[1] : segments[h[0]][1]])
            and not _has_role(h[2])
        ]
        if names and _has_role(phrase):  # "Scottish Finance Minister, Tom McCabe MSP, said"
            n, _, phrase = names[0]
        asides = tuple(self.text[a:b].strip() for a, b in _spans(tokens, segments[n + 1 :]))
        return Frame(tokens[k].start, phrase, after=self._after(k), asides=asides)

    def _after(self, k: int) -> str:
        return self.flat[self.tokens[k].end : self.tokens[k].end + 60].lower()

    def _puts_figure(self, k: int) -> bool:
        words = [t.low for t in self.tokens[k + 1 : k + 4] if not t.boundary]
        return bool(words) and words[0] == "the" and any(w in FIGURE_NOUNS for w in words[1:3])

    def _noun_here(self, k: int) -> bool:
        """Whether a form like "reports" or "fears" is a noun here ("the report says")."""
        tokens = self.tokens
        prev = tokens[k - 1] if k > 0 else None
        if prev is not None and not prev.boundary:
            if prev.low in DETERMINERS | PASSIVE:
                return True  # "the report", "there are fears"
            if self.flat[prev.end : prev.end + 1] in ("'", "\u2019"):
                return True  # "the ministers' comments"
            if prev.text[:1].islower() and prev.low not in _SPEAKING_NOUNS | SUBJECT_PRONOUNS:
                return True  # "profit forecasts", but "the study shows"
            if not tokens[k].low.endswith("s") and prev.text[:1].isupper():
                # "US state Texas", "the Analysys report": a name, not a plural subject
                before = tokens[k - 2].low if k > 1 else ""
                plural = prev.low.endswith("s") and not prev.text.isupper()
                if not plural or before in DETERMINERS:
                    return True
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        return (
            nxt is not None
            and not nxt.boundary
            and (nxt.low in REPORTING or nxt.low in AUXILIARIES)
        )

    def _joined(self, i: int, at: int, j: int) -> bool:
        """Whether "X and Y" before a verb is one subject, not two clauses.

        "the news and data seller said", "Munich Re and Swiss Re said"; but "prices fell and
        analysts said".
        """
        left = self.tokens[self.skip_openers(i, at) : at]
        return (
            0 < len(left) <= 8
            and at + 1 < j
            and not has_verb(left)
            and not any(t.low in PRONOUN_WORDS or t.low in DETERMINERS for t in left[1:])
            and left[0].low not in PRONOUN_WORDS
        )

    def _reported_clause(self, k: int) -> bool:
        """Whether what follows the verb is what was said: "that…", ":", a clause, an end."""
        tokens = self.tokens
        n = k + 1
        if n >= len(tokens) or tokens[n].boundary:
            return True
        words = []
        while n < len(tokens) and not tokens[n].boundary and len(words) < 9:
            words.append(tokens[n].low)
            n += 1
        if words[0] in SUBORDINATORS - {"that", "who", "which", "what", "whom", "whose"}:
            return True  # "…, he adds when asked"
        if words[0] == "that" or words[0] in SUBJECT_PRONOUNS | FIRST_PERSON:
            return True
        if words[0] in ("of", "against", "about") and self.tokens[k].low.startswith("warn"):
            return True  # "warned of floods"
        lead = 0
        while lead < len(words) and words[lead] in PREPOSITIONS | TIME_WORDS:
            lead += 1  # "claimed in the Observer that"
        if lead and "that" in words[lead : lead + 4]:
            return True
        for m, w in enumerate(words[1:], start=1):
            if w in ("that", "which", "who"):
                return False
            if w in AUXILIARIES or w in VERB_FORMS or (w.endswith("ed") and "-" not in w):
                return words[0] not in PREPOSITIONS and m <= 6
        return False


_STOP_AFTER_SPEAKER = frozenset(
    "in on at during yesterday today adding saying according who which".split()
)


def _ends_phrase(tokens: list[Token], j: int) -> bool:
    """Whether token `j` ends the phrase after "according to" although no comma comes first."""
    prev, word = tokens[j - 1], tokens[j]
    w = word.low
    if word.text[:1].isupper() or w in NAME_PARTICLES or w in ("and", "&"):
        return False
    if w[:1].isdigit():
        return True
    if prev.low in PREPOSITIONS:
        return False
    if w in DETERMINERS:  # "police the man was…", but "analysts the Radicati Group"
        nxt = tokens[j + 1] if j + 1 < len(tokens) else None
        return nxt is None or nxt.boundary or not nxt.text[:1].isupper()
    if prev.text[:1].isupper() and (w in _AFTER_NAME or w in PREPOSITIONS - {"of", "for"}):
        return True  # "…the Radicati Group up to 45%"
    nxt = tokens[j + 1] if j + 1 < len(tokens) else None
    by = nxt is not None and nxt.low == "by"  # "a Syrian official quoted by Reuters"
    return w.endswith("ed") and "-" not in w and not by


_POSSESSIVE = re.compile(r"['\u2019]s?$")
_SPEAKING_NOUNS = STUDY_NOUNS | ROLES | PLURAL_PEOPLE | ORGANISATIONS | SKIPPABLE
_AFTER_NAME = frozenset("up down around nearly almost more less just only some".split())


def _has_role(phrase: str) -> bool:
    """Whether a phrase names a role: "Hollywood's honorary mayor", "Finance Minister"."""
    return any(_POSSESSIVE.sub("", w.lower()) in ROLES for w in phrase.split())


def _may_speak(phrase: str) -> bool:
    """Whether a phrase's head names someone or something that can make a claim."""
    words = re.split(r"\s(?:of|for|at|from|with|in|on|to|by)\s", phrase, maxsplit=1)[0].split()
    if any(w[:1].isupper() for w in words[1:]) or (words and words[0][:1].isupper()):
        return True
    return bool(words) and words[-1].lower() in _SPEAKING_NOUNS


def _is_study(phrase: str) -> bool:
    return any(w.lower().strip(".,") in STUDY_NOUNS for w in phrase.split()[:4])


def _spans(tokens: list[Token], segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(tokens[a].start, tokens[b - 1].end) for a, b in segments]
