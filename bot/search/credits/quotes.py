"""Quotations in one article: where each opens and closes, how deep, and which carry on others.

Quotation marks of any kind open and close: curly, straight, guillemets, nested single quotes.
Straight marks are read from their neighbours (a space before and a letter after opens).
Apostrophes ("can't", "OutRage!'s") and plural possessives ("the Russians' plan") are not marks,
and a straight single quote opens only when a closing one follows it. A closing mark ends the
innermost quotation (editors mix their marks; the bundled article closes a single with a double).

News writes a quotation of several paragraphs by leaving each paragraph open and opening the next
with a new mark; exports that join paragraphs keep that as an opening mark inside an open
quotation (`…got. "As a result…`). Such a mark closes the open quotation at the end of the
sentence before it and opens one that carries it on when it starts its sentence (the same
speaker, unless its own sentences name another); `He added: "…` after an unclosed quotation
starts a new one. A paragraph that opens with a mark, after a paragraph that ended inside a
quotation, carries that quotation on too.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

OPEN_DOUBLE = "\u201c\u201e\u00ab"
CLOSE_DOUBLE = "\u201d\u00bb"
OPEN_SINGLE = "\u2018\u201a\u2039"
CLOSE_SINGLE = "\u2019\u203a"
_MARKS = re.compile("[\"'" + OPEN_DOUBLE + CLOSE_DOUBLE + OPEN_SINGLE + CLOSE_SINGLE + "]")
_OPEN_CONTEXT = "([{\u2014\u2013-/\"'" + OPEN_DOUBLE + OPEN_SINGLE
_CLOSE_CONTEXT = ".,;:!?)]}\u2014\u2013-\"'" + CLOSE_DOUBLE + CLOSE_SINGLE
_WORD = re.compile(r"\w")
# Masks words inside quotations when a sentence's own words are read.
MASK = "\x1f"


@dataclass
class Quotation:
    """One quotation: its kind ("d" double, "s" single), depth and the sentences it spans."""

    number: int
    kind: str
    depth: int
    opening: int  # offset of its opening mark
    first: int  # sentence holding the opening mark
    last: int  # sentence where it ends
    closing: int | None = None  # offset of its closing mark; None when closed implicitly
    continues: int | None = None  # the quotation it carries on


@dataclass(frozen=True)
class Quotes:
    """The quotation marks of one article, read once."""

    positions: tuple[int, ...]  # offsets where the open quotations change, in order
    stacks: tuple[tuple[int, ...], ...]  # quotations open just after each of those offsets
    quotations: tuple[Quotation, ...]
    reopened: frozenset[int]  # sentences that start with a mark carrying a quotation on

    def open_before(self, at: int) -> tuple[int, ...]:
        """Numbers of the quotations open just before offset `at`, outermost first."""
        j = bisect_left(self.positions, at)
        return self.stacks[j - 1] if j else ()

    def changes(self, start: int, end: int) -> list[int]:
        """Offsets within [start, end) where the open quotations change (mark positions)."""
        return list(
            self.positions[bisect_left(self.positions, start) : bisect_left(self.positions, end)]
        )


def read_quotes(body: str, sentences: Sequence[tuple[int, int, int]]) -> Quotes:
    """Read every quotation mark of an article; `sentences` are (paragraph, start, end)."""
    reader = _Reader(body, sentences)
    i = 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][0] == sentences[i][0]:
            j += 1
        reader.paragraph(i, j)
        i = j + 1
    return Quotes(
        tuple(reader.positions),
        tuple(reader.stacks),
        tuple(reader.quotations),
        frozenset(reader.reopened),
    )


def quote_openings(body: str, sentences: Sequence[tuple[int, int, int]]) -> list[bool]:
    """For each sentence, whether it starts inside a quotation or carries one on (cheap)."""
    quotes = read_quotes(body, sentences)
    return [
        bool(quotes.open_before(start)) or n in quotes.reopened
        for n, (_, start, _) in enumerate(sentences)
    ]


def narration(body: str, start: int, end: int, quotes: Quotes) -> tuple[int, int | None]:
    """The sentence's own voice: the lowest depth holding words, and the quotation at it."""
    marks = quotes.changes(start, end)
    best: tuple[int, ...] | None = None
    lo = start
    for hi in [*marks, end]:
        if _WORD.search(body, lo, hi):
            stack = quotes.open_before(lo)
            if best is None or len(stack) < len(best):
                best = stack
        lo = hi + 1
    if best is None:
        best = quotes.open_before(start)
    return len(best), (best[-1] if best else None)


def flatten(body: str, start: int, end: int, level: int, quotes: Quotes) -> str:
    """The sentence with its quotation marks, and words quoted deeper than `level`, masked."""
    marks = quotes.changes(start, end)
    if not marks:
        return body[start:end]
    pieces = []
    lo = start
    for hi in [*marks, end]:
        piece = body[lo:hi]
        if len(quotes.open_before(lo)) > level:
            piece = MASK * len(piece)
        pieces.append(piece)
        if hi < end:
            pieces.append(MASK)
        lo = hi + 1
    return "".join(pieces)


class _Reader:
    """Reads an article's marks paragraph by paragraph (see `read_quotes`)."""

    def __init__(self, body: str, sentences: Sequence[tuple[int, int, int]]) -> None:
        self.body = body
        self.sentences = sentences
        self.positions: list[int] = []
        self.stacks: list[tuple[int, ...]] = []
        self.quotations: list[Quotation] = []
        self.reopened: set[int] = set()
        self.left_open: Quotation | None = None  # outermost quotation a paragraph left open

    def paragraph(self, first: int, last: int) -> None:
        body, sentences = self.body, self.sentences
        lo, hi = sentences[first][1], sentences[last][2]
        stack: list[Quotation] = []
        n = first
        seen_in_sentence = False
        carried = self.left_open
        self.left_open = None
        for mark in _MARKS.finditer(body, lo, hi):
            at = mark.start()
            while n < last and sentences[n + 1][1] <= at:
                n += 1
                seen_in_sentence = False
            role = self._role(at, lo, hi, stack)
            if role is None:
                continue
            kind, opens = role
            if opens:
                continues = None
                at_start = not body[sentences[n][1] : at].strip()
                top = stack[-1] if stack else None
                if top is not None and top.kind == kind:
                    if top.first < n and not seen_in_sentence and self._room(sentences[n][1]):
                        # A new paragraph of the same quotation, or a new one after it.
                        while stack:
                            stack.pop().last = n - 1
                        self._record(sentences[n][1] - 1, stack)
                        if at_start:
                            continues = top.number
                            self.reopened.add(n)
                    elif mark.group() == '"':
                        self._close(stack, at, n, kind, straight=True)
                        seen_in_sentence = True
                        continue
                elif carried is not None and carried.kind == kind and at_start and n == first:
                    continues = carried.number  # a paragraph carrying on the one before
                carried = None
                quotation = Quotation(len(self.quotations), kind, len(stack) + 1, at, n, n)
                quotation.continues = continues
                self.quotations.append(quotation)
                stack.append(quotation)
                self._record(at, stack)
            else:
                self._close(stack, at, n, kind, straight=mark.group() == '"')
            seen_in_sentence = True
        if stack:
            self.left_open = stack[0]
            for quotation in stack:
                quotation.last = last
            stack.clear()
            self._record(hi, stack)

    def _room(self, at: int) -> bool:
        """Whether a change can be recorded just before offset `at`."""
        return not self.positions or self.positions[-1] < at - 1

    def _record(self, at: int, stack: list[Quotation]) -> None:
        self.positions.append(at)
        self.stacks.append(tuple(q.number for q in stack))

    def _close(
        self, stack: list[Quotation], at: int, n: int, kind: str = "d", straight: bool = False
    ) -> None:
        if not stack:
            return  # a closing mark with nothing open: a stray
        if kind == "s" or straight:
            # A single quote ends the innermost single quotation; a straight double quote the
            # innermost double one. A curly double ends the innermost of any kind.
            while len(stack) > 1 and stack[-1].kind != kind:
                stack.pop().last = n
        if stack:
            closed = stack.pop()
            closed.closing, closed.last = at, n
        self._record(at, stack)

    def _role(self, at: int, lo: int, hi: int, stack: list[Quotation]) -> tuple[str, bool] | None:
        """("d" or "s", opens) for a quotation mark at `at`; None for an apostrophe."""
        body = self.body
        ch = body[at]
        before = body[at - 1] if at > lo else " "
        after = body[at + 1] if at + 1 < hi else " "
        if ch in OPEN_DOUBLE:
            return "d", True
        if ch in CLOSE_DOUBLE:
            return "d", False
        if ch in OPEN_SINGLE:
            return "s", True
        opens = before.isspace() or before in _OPEN_CONTEXT
        closes = after.isspace() or after in _CLOSE_CONTEXT
        if ch == '"':
            if opens != closes:
                return "d", opens
            return "d", not any(q.kind == "d" for q in stack)
        # A single quote or apostrophe: ' or \u2019 (or \u203a).
        if before.isalnum() and after.isalnum():
            return None  # can't, who've, rock'n'roll
        if after in "sS" and not before.isspace() and not _is_word(body, at + 2, hi):
            return None  # OutRage!'s, the BBC's
        single_open = any(q.kind == "s" for q in stack)
        if ch == "'" and opens and (after.isalnum() or after in _OPEN_CONTEXT):
            return ("s", True) if _single_closes_later(body, at + 1, hi) else None
        if not before.isspace() and not after.isalnum() and single_open:
            possessive = before in "sS" and after.isspace() and _is_lower(body, at + 1, hi)
            if possessive and _single_closes_later(body, at + 1, hi):
                return None  # the players' union, when the quotation closes later
            return "s", False
        return None


def _is_word(body: str, at: int, hi: int) -> bool:
    return at < hi and body[at].isalnum()


def _is_lower(body: str, at: int, hi: int) -> bool:
    """Whether the next word after offset `at` starts with a lower-case letter."""
    while at < hi and body[at].isspace():
        at += 1
    return at < hi and body[at].islower()


def _single_closes_later(body: str, at: int, hi: int) -> bool:
    """Whether a closing single quote follows before the next double quote or the end."""
    for i in range(at, hi):
        ch = body[i]
        if ch == '"' or ch in OPEN_DOUBLE or ch in CLOSE_DOUBLE:
            return False
        if ch in "'\u2019" and not body[i - 1].isspace():
            nxt = body[i + 1] if i + 1 < hi else " "
            if not nxt.isalnum():
                return True
    return False
