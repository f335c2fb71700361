"""Inline buttons under answers, with compact callback data that survives a restart.

Callback data (at most 64 bytes) is `kind:edition:question:offset[:article:paragraph]`:
`edition` is the start of the corpus fingerprint, so a button from an older corpus is caught;
`question` is a short hash of the question, checked against the question the answer replies
to (or looked up in a bounded memory of recent questions).
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import InlineKeyboardButtonLimit

from ..i18n import ENGLISH, N_, Translator
from ..search.answer import Answer
from ..search.index import SentenceIndex

EDITION_CHARS = 8
PAGE, PARAGRAPH = "a", "p"
BUTTONS_PER_ROW = 5
MORE_LABEL = N_("More \u25b8")
BACK_LABEL = N_("\u25c2 Back")
BACK_TO_ANSWER = N_("\u25c2 Back to the answer")
# Article positions per index, forgotten with the index (a reload replaces it).
_ARTICLE_NUMBERS: weakref.WeakKeyDictionary[SentenceIndex, dict[int, int]] = (
    weakref.WeakKeyDictionary()
)
_DATA = re.compile(r"([ap]):([0-9a-f]{8}):([0-9a-f]{10}):(\d{1,4})(?::(\d{1,6}):(\d{1,6}))?")


@dataclass(frozen=True)
class Button:
    """What a pressed button asks for: a page of passages, or one passage's whole paragraph."""

    edition: str
    question_key: str
    offset: int
    article: int | None = None
    paragraph: int | None = None

    @property
    def data(self) -> str:
        """The callback data for this button."""
        if self.article is None:
            return f"{PAGE}:{self.edition}:{self.question_key}:{self.offset}"
        return (
            f"{PARAGRAPH}:{self.edition}:{self.question_key}:{self.offset}"
            f":{self.article}:{self.paragraph}"
        )


def edition(fingerprint: str) -> str:
    """The short form of a corpus fingerprint that buttons carry."""
    return fingerprint[:EDITION_CHARS]


def question_key(question: str) -> str:
    """A short, stable key for a question (10 hex digits)."""
    return hashlib.blake2b(question.encode("utf-8", "replace"), digest_size=5).hexdigest()


def parse(data: str | None) -> Button | None:
    """The button behind callback data, or None when it is not one of ours."""
    match = _DATA.fullmatch(data or "")
    if match is None:
        return None
    kind, ed, key, offset, article, paragraph = match.groups()
    if kind == PARAGRAPH and article is None:
        return None
    if kind == PAGE and article is not None:
        return None
    return Button(
        ed,
        key,
        int(offset),
        None if article is None else int(article),
        None if paragraph is None else int(paragraph),
    )


def answer_keyboard(
    result: Answer,
    shown: int,
    index: SentenceIndex,
    page_size: int,
    tr: Translator = ENGLISH,
) -> InlineKeyboardMarkup | None:
    """Buttons for one page: "¶ N" per paragraph shown, then "Back" and "More" as they apply."""
    ed, key = edition(index.corpus.fingerprint), question_key(result.question)
    passages = result.passages[:shown]
    labels: dict[tuple[int, int], list[int]] = {}
    for passage in passages:
        spot = (_article_number(index, passage.article), passage.paragraph)
        labels.setdefault(spot, []).append(passage.rank)
    paragraph_buttons = [
        _button(
            "\u00b6 " + ", ".join(map(str, ranks)),
            Button(ed, key, result.offset, article, paragraph),
        )
        for (article, paragraph), ranks in labels.items()
    ]
    rows = [
        paragraph_buttons[i : i + BUTTONS_PER_ROW]
        for i in range(0, len(paragraph_buttons), BUTTONS_PER_ROW)
    ]
    navigation = []
    if result.offset > 0:
        back = Button(ed, key, max(result.offset - page_size, 0))
        navigation.append(_button(tr(BACK_LABEL), back))
    if result.more or shown < len(result.passages):
        navigation.append(_button(tr(MORE_LABEL), Button(ed, key, result.offset + shown)))
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows) if rows else None


def back_keyboard(button: Button, tr: Translator = ENGLISH) -> InlineKeyboardMarkup:
    """A single "Back" button returning from a paragraph to the page it was opened from."""
    page = Button(button.edition, button.question_key, button.offset)
    return InlineKeyboardMarkup([[_button(tr(BACK_TO_ANSWER), page)]])


def _button(label: str, button: Button) -> InlineKeyboardButton:
    data = button.data
    if len(data.encode()) > InlineKeyboardButtonLimit.MAX_CALLBACK_DATA:
        raise ValueError(f"callback data too long: {data!r}")
    return InlineKeyboardButton(label, callback_data=data)


def _article_number(index: SentenceIndex, article: object) -> int:
    """The article's position in the index: a lookup, not a scan (a big corpus has many)."""
    try:
        numbers = _ARTICLE_NUMBERS.get(index)
        if numbers is None:
            numbers = _ARTICLE_NUMBERS[index] = {id(a): i for i, a in enumerate(index.articles)}
    except TypeError:  # an index that cannot be weakly referenced: scan
        articles: Sequence[object] = index.articles
        return next(i for i, a in enumerate(articles) if a is article)
    return numbers[id(article)]
