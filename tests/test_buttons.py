from __future__ import annotations

import pytest

from bot.search.answer import Answer, Passage
from bot.search.index import SentenceIndex
from bot.telegram_edge import buttons
from tests.conftest import sentence_with


@pytest.mark.parametrize(
    "button",
    [
        buttons.Button("0123abcd", "abcdef0123", 0),
        buttons.Button("0123abcd", "abcdef0123", 9999),
        buttons.Button("0123abcd", "abcdef0123", 3, article=123456, paragraph=999999),
    ],
    ids=["first-page", "far-page", "paragraph"],
)
def test_callback_data_round_trips_within_64_bytes(button: buttons.Button) -> None:
    assert len(button.data.encode()) <= 64
    assert buttons.parse(button.data) == button


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "a:0123abcd:abcdef0123",
        "a:0123abcd:abcdef0123:1:2:3",
        "p:0123abcd:abcdef0123:1",
        "x:0123abcd:abcdef0123:1",
        "a:0123ABCD:abcdef0123:1",
        "a:0123abcd:abcdef0123:12345",
    ],
)
def test_foreign_callback_data_is_not_a_button(data: str | None) -> None:
    assert buttons.parse(data) is None


def test_question_key_is_short_and_stable() -> None:
    key = buttons.question_key("Who fled?")
    assert key == buttons.question_key("Who fled?") != buttons.question_key("Who fled")
    assert len(key) == 10 and int(key, 16) >= 0


def page(index: SentenceIndex, *fragments: str, offset: int = 0, more: bool = False) -> Answer:
    """An answer made by hand: one passage per fragment, in order, ranked from offset + 1."""
    passages = tuple(
        Passage(offset + n, 1.0, (s,), s)
        for n, s in enumerate((sentence_with(index, f) for f in fragments), start=1)
    )
    return Answer("harbour", passages, more=more, offset=offset)


def labels(markup) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]


def test_one_paragraph_button_per_paragraph(news_index: SentenceIndex) -> None:
    # Both sentences are paragraph 1 of the harbour article; the mayor is paragraph 2.
    result = page(news_index, "harbour bridge reopened", "steel cables", "Mayor Linda")
    markup = buttons.answer_keyboard(result, 3, news_index, page_size=3)
    assert labels(markup) == ["\u00b6 1, 2", "\u00b6 3"]
    first = buttons.parse(markup.inline_keyboard[0][0].callback_data)
    harbour = next(i for i, a in enumerate(news_index.articles) if a.id == "harbour")
    assert (first.article, first.paragraph, first.offset) == (harbour, 1, 0)
    assert first.edition == news_index.corpus.fingerprint[:8]
    assert first.question_key == buttons.question_key("harbour")


def test_passages_that_did_not_fit_come_next(news_index: SentenceIndex) -> None:
    result = page(news_index, "harbour bridge reopened", "Mayor Linda")
    markup = buttons.answer_keyboard(result, 1, news_index, page_size=3)
    assert labels(markup) == ["\u00b6 1", buttons.MORE_LABEL]
    assert buttons.parse(markup.inline_keyboard[-1][0].callback_data).offset == 1


def test_later_pages_go_back_a_page(news_index: SentenceIndex) -> None:
    result = page(news_index, "Mayor Linda", offset=4, more=True)
    markup = buttons.answer_keyboard(result, 1, news_index, page_size=3)
    assert labels(markup) == ["\u00b6 5", buttons.BACK_LABEL, buttons.MORE_LABEL]
    back, more = (buttons.parse(b.callback_data) for b in markup.inline_keyboard[-1])
    assert (back.offset, more.offset) == (1, 5)


def test_back_from_a_paragraph_returns_to_its_page() -> None:
    pressed = buttons.Button("0123abcd", "abcdef0123", 6, article=0, paragraph=2)
    markup = buttons.back_keyboard(pressed)
    data = markup.inline_keyboard[0][0].callback_data
    assert buttons.parse(data) == buttons.Button("0123abcd", "abcdef0123", 6)
