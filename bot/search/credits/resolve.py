"""Credits across sentences: pronouns to the speakers they stand for, quotations to theirs.

For each sentence, in article order:
1. An attribution in its own voice (see `speakers`) credits it; "according to X" comes first,
   then the earliest. A named speaker in the sentence beats anything carried over.
2. A pronoun ("he added", "it said") stands for the nearest compatible person or organisation
   named before it at the same quotation depth: a speaker, or who a sentence was about ("Mr X is
   the first…. He told the Observer…"). Compatible: "he"/"she" a person (or an unknown name)
   of no other sex; "it" an organisation or a study; "they" a group or an organisation. Titles,
   roles, ages, "who…" asides and "said she…" tell persons, sexes and organisations apart.
   A pronoun with nobody compatible credits nobody.
3. A sentence wholly inside a quotation carries the quotation's speaker: the attribution beside
   the quotation ("“…,” said X" after it, "X said: “…" before it), else the speaker of the
   quotation it carries on (a new paragraph of the same quotation), else, when it opens its
   sentence, the credit of the sentence before (the one that introduced it).
4. Otherwise the article speaks in its own voice: no credit. Hedges ("it is understood",
   "it is thought") are passive and credit nobody.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field

from .lexicon import GENDERED, NAME_PARTICLES, ORGANISATIONS, PLURAL_PEOPLE, ROLES, TITLES
from .phrases import Frame, name_key
from .quotes import Quotes, flatten, narration, read_quotes
from .speakers import Sentence

# How far back (in sentences) a pronoun looks for whom it stands for.
PRONOUN_REACH = 8
_WORDS = re.compile(r"[\w'\u2019-]+")
_OF_SPLIT = re.compile(r"\s(?:of|for|at|from|with|in|on|to)\s")
_NAMES_JOINED = re.compile(r"[A-Z]\S*\s+(?:and|&)\s+[A-Z]")
_FULL_NAME = re.compile(r"\b[A-Z][a-z]+(?: [A-Z][a-z'\u2019-]+){1,2}\b")
_OF = frozenset("of for at from with in on to".split())
_PLURALS = frozenset("men women people police children staff".split())
_PLURAL_FIRST = frozenset("those these they many some both all several".split())


@dataclass(frozen=True)
class Credit:
    """Whom the article credits for one sentence; None when it speaks in its own voice."""

    source: str | None


@dataclass(frozen=True)
class _Mention:
    sentence: int
    position: int  # offset in the sentence: of the verb, or of the subject
    depth: int
    name: str
    key: str
    framed: bool  # named as a speaker, not only as a sentence's subject


@dataclass
class _Register:
    """What the article tells about each name: person, sex, organisation, group."""

    persons: set[str] = field(default_factory=set)
    organisations: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    sexes: dict[str, str] = field(default_factory=dict)
    surnames: Container[str] = frozenset()  # last words of the article's full names

    def learn(self, key: str, frame: Frame) -> None:
        """Read a speaker phrase, its asides and the words after its verb."""
        words = [w.lower() for w in _WORDS.findall(frame.speaker)]
        # Only a phrase's own head tells its sex: "a spokesman for Mr X" is a man; "Ms X, the
        # lawyer representing Mr Y" is not.
        head = words[: next((n for n, w in enumerate(words) if w in _OF), len(words))]
        asides = [w.lower() for aside in frame.asides for w in _WORDS.findall(aside)[:3]]
        person = any(w in TITLES for w in head) or any(w in ROLES for w in head + asides)
        person = person or any(a[:1].isdigit() or a.startswith("who ") for a in frame.asides)
        for w in head + asides:
            if TITLES.get(w) or w in GENDERED:
                self.sexes.setdefault(key, TITLES.get(w) or GENDERED[w])
                break
        after = frame.after.split()[:5]
        for w in after:
            if w in ("he", "his", "she", "her"):
                self.sexes.setdefault(key, GENDERED[w])
                person = True
                break
        if person:
            self.persons.add(key)
        elif (
            any(w in ORGANISATIONS for w in words + asides)
            or (len(words) == 1 and frame.speaker.isupper() and len(frame.speaker) > 1)
            or "its" in frame.after.split()[:8]
        ):
            self.organisations.add(key)
        last = head[-1] if head else ""
        plural = (
            last in PLURAL_PEOPLE
            or last in _PLURALS
            or (last.endswith("s") and not last.endswith("ss"))
        )
        if words and (
            (plural and not frame.speaker.split()[-1][:1].isupper())
            or words[0] in _PLURAL_FIRST
            or _NAMES_JOINED.search(_OF_SPLIT.split(frame.speaker, maxsplit=1)[0])
        ):
            self.groups.add(key)

    def fits(self, pronoun: str, mention: _Mention) -> bool | None:
        """Whether `pronoun` can stand for `mention`; None when that cannot be told."""
        key = mention.key
        person = key in self.persons
        organisation = key in self.organisations and not person
        group = key in self.groups
        if pronoun == "it":
            return (organisation and not group) or (None if not (person or group) else False)
        if pronoun == "they":
            return group or organisation or (None if not person else False)
        if organisation or group:
            return False
        sex = self.sexes.get(key, "")
        if sex and sex != ("m" if pronoun == "he" else "f"):
            return False
        words = mention.name.split()
        # "Hazel Gilbert" may be a person; "their double CD album Speakerboxxx" may not.
        full_name = len(words) >= 2 and all(w[:1].isupper() or w in NAME_PARTICLES for w in words)
        surname = len(words) == 1 and key in self.surnames  # "Mutu", after "Adrian Mutu"
        if person or mention.framed or full_name or surname:
            return True
        return None  # "Reuters beat forecasts. He said…": a person, or a firm?

    def may_be(self, pronoun: str, key: str) -> bool:
        """Whether a name never learnt about could be what `pronoun` stands for."""
        if pronoun in ("it", "they"):
            return key in self.organisations or key in self.groups
        sex = self.sexes.get(key, "")
        other = key in self.organisations or key in self.groups
        return not other and (not sex or sex == ("m" if pronoun == "he" else "f"))


def attribute(body: str, sentences: Sequence[tuple[int, int, int]]) -> list[Credit]:
    """Credit every sentence of one article.

    Args:
        body: the article body.
        sentences: (paragraph number, start, end) of each sentence, in article order.
    """
    quotes = read_quotes(body, sentences)
    article = _Mentions(_Register(surnames=_Lazy(_surnames, body)))
    common = _Common(body)
    innermost: list[int | None] = []
    found: list[list[Frame]] = []
    for n, (_, start, end) in enumerate(sentences):
        level, quotation = narration(body, start, end, quotes)
        flat = flatten(body, start, end, level, quotes)
        sentence = Sentence(flat, body[start:end], common)
        resolved = []
        here: list[_Mention] = []
        for frame in sentence.frames():
            if frame.pronoun:
                mention = article.antecedent(frame.speaker, n, level, here)
                if mention is None:
                    continue
                frame = Frame(frame.position, mention.name, according=frame.according)
                key = mention.key
            else:
                key = name_key(frame.speaker)
                article.register.learn(key, frame)
            here.append(_Mention(n, frame.position, level, frame.speaker, key, True))
            resolved.append(frame)
        article.add(sentence, level, here)
        innermost.append(quotation)
        found.append(resolved)
    return _Credits(body, sentences, quotes, article.levels, found).credit(innermost)


class _Mentions:
    """Who each sentence names: its speakers, else whom it is about (read when needed)."""

    def __init__(self, register: _Register) -> None:
        self.register = register
        self.sentences: list[Sentence] = []
        self.levels: list[int] = []
        self.named: list[list[_Mention] | None] = []

    def add(self, sentence: Sentence, level: int, speakers: list[_Mention]) -> None:
        self.sentences.append(sentence)
        self.levels.append(level)
        self.named.append(speakers or None)

    def mentions(self, m: int) -> list[_Mention]:
        """Sentence `m`'s speakers; without any, the phrase it opens with."""
        named = self.named[m]
        if named is None:
            named = []
            about = self.sentences[m].subject()
            if about is not None:
                key = name_key(about.speaker)
                self.register.learn(key, about)
                named.append(
                    _Mention(m, about.position, self.levels[m], about.speaker, key, False)
                )
            self.named[m] = named
        return named

    def antecedent(
        self, pronoun: str, n: int, depth: int, here: list[_Mention]
    ) -> _Mention | None:
        """The nearest mention before sentence `n`'s pronoun that the pronoun can stand for.

        None when the nearest could be someone else: a name it cannot tell ("Reuters"), or
        another name that is the subject of its own clause after it ("Mutu was sacked - a move
        Wenger has backed. But he said…").
        """
        register = self.register
        for m in range(n, max(n - PRONOUN_REACH, 0) - 1, -1):
            for mention in reversed(here if m == n else self.mentions(m)):
                if mention.depth != depth:
                    continue
                fits = register.fits(pronoun, mention)
                if fits is None:
                    return None
                if fits:
                    return None if self._rivalled(pronoun, mention, n) else mention
        return None

    def _rivalled(self, pronoun: str, mention: _Mention, n: int) -> bool:
        """Whether another name that the pronoun may stand for leads a clause after `mention`."""
        own = {word.lower() for word in mention.name.split()}
        for m in range(mention.sentence, n):
            for at, key in self.sentences[m].clause_subjects():
                after = m > mention.sentence or at > mention.position
                if after and key not in own and self.register.may_be(pronoun, key):
                    return True
        return False


class _Lazy:
    """A set of words of the article, worked out when first asked about (most never are)."""

    def __init__(self, make: Callable[[str], frozenset[str]], body: str) -> None:
        self.make, self.body = make, body
        self.words: frozenset[str] | None = None

    def __contains__(self, word: object) -> bool:
        if self.words is None:
            self.words = self.make(self.body)
        return word in self.words


class _Common:
    """Words the article writes in lower case more often than capitalised mid-sentence.

    "new research" but "New York"; each word is counted when first asked about.
    """

    def __init__(self, body: str) -> None:
        self.body = body
        self.known: dict[str, bool] = {}

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or not word.isalpha():
            return False
        if word not in self.known:
            self.known[word] = self._count(word, _starts_word) > self._count(
                word.capitalize(), _mid_sentence
            )
        return self.known[word]

    def _count(self, word: str, fits: Callable[[str, int], bool]) -> int:
        """Occurrences of `word` as a whole word where `fits(body, offset)`."""
        body, count, at = self.body, 0, self.body.find(word)
        while at >= 0:
            end = at + len(word)
            if fits(body, at) and (end == len(body) or not body[end].isalnum()):
                count += 1
            at = body.find(word, end)
        return count


def _starts_word(body: str, at: int) -> bool:
    return at == 0 or not (body[at - 1].isalnum() or body[at - 1] in "'\u2019-")


def _mid_sentence(body: str, at: int) -> bool:
    """After a lower-case word or a comma and a space: "…visited New York"."""
    return at >= 2 and body[at - 1] == " " and (body[at - 2].islower() or body[at - 2] == ",")


def _surnames(body: str) -> frozenset[str]:
    """Last words of the article's names of two or three words ("Adrian Mutu" gives "mutu")."""
    found = set()
    for run in _FULL_NAME.findall(body):
        words = run.split()
        if words[0] not in ("The", "A", "An") and not any(
            w.lower() in ORGANISATIONS for w in words
        ):
            found.add(words[-1].lower())
    return frozenset(found)


class _Credits:
    """Final credits: each sentence's own attribution, else its quotation's speaker."""

    def __init__(
        self,
        body: str,
        sentences: Sequence[tuple[int, int, int]],
        quotes: Quotes,
        levels: list[int],
        found: list[list[Frame]],
    ) -> None:
        self.body, self.sentences, self.quotes = body, sentences, quotes
        self.levels, self.found = levels, found
        self.credits: list[str | None] = []
        self.speakers: dict[int, str | None] = {}

    def credit(self, innermost: list[int | None]) -> list[Credit]:
        for n, frames_here in enumerate(self.found):
            source = _first(frames_here)
            if source is None and self.levels[n] > 0 and innermost[n] is not None:
                source = self.speaker(innermost[n])
            self.credits.append(source)
        return [Credit(source) for source in self.credits]

    def speaker(self, number: int) -> str | None:
        """Who speaks quotation `number` (see the module's rule 3)."""
        if number in self.speakers:
            return self.speakers[number]
        self.speakers[number] = None  # a chain of quotations never loops
        quotation = self.quotes.quotations[number]
        outer = quotation.depth - 1
        source = None
        if quotation.closing is not None and self.levels[quotation.last] == outer:
            offset = quotation.closing - self.sentences[quotation.last][1]
            after = [f for f in self.found[quotation.last] if f.position > offset]
            source = after[0].speaker if after else None
        if source is None and self.levels[quotation.first] == outer:
            offset = quotation.opening - self.sentences[quotation.first][1]
            before = [f for f in self.found[quotation.first] if f.position < offset]
            source = before[-1].speaker if before else None
        if source is None and quotation.continues is not None:
            source = self.speaker(quotation.continues)
        if source is None and quotation.first > 0:
            start = self.sentences[quotation.first][1]
            if not self.body[start : quotation.opening].strip():
                source = self.credits[quotation.first - 1]
        self.speakers[number] = source
        return source


def _first(found: list[Frame]) -> str | None:
    """The sentence's own credit: "according to" first, else the earliest attribution."""
    for frame in found:
        if frame.according:
            return frame.speaker
    return found[0].speaker if found else None
