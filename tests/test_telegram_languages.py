"""The Telegram bot speaks its reader's language: language_code, the asker's in groups."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.i18n import RLM, translator
from bot.search.corpus import Corpus, article_from_text
from bot.search.index import SentenceIndex
from bot.telegram_edge import texts
from tests import telegram_fakes as tf
from tests.test_render import visible

RUSSIAN_USER = {**tf.USER, "language_code": "ru"}
ARABIC_USER = {**tf.OTHER_USER, "language_code": "ar"}
PORTUGUESE_USER = {**tf.USER, "language_code": "pt-br"}  # no catalog: English

ENGLISH_ARTICLE = (
    "The harbour bridge reopened on Monday after two years of repairs.\n\n"
    "Ferries ran a reduced timetable during the works, the port authority said.\n\n"
    "The mayor thanked the engineers who had worked at night.\n\n"
    "Tolls will return next month."
)
RUSSIAN_ARTICLE = (
    "Новый мост через реку открыли в понедельник после двух лет работ.\n\n"
    "Паромы ходили реже, пока шёл ремонт, сообщили в порту.\n\n"
    "Мэр поблагодарил инженеров, которые работали по ночам.\n\n"
    "Плату за проезд вернут в следующем месяце."
)


@pytest.fixture(scope="module")
def bilingual_index() -> SentenceIndex:
    return SentenceIndex.build(
        Corpus(
            (
                article_from_text("harbour", ENGLISH_ARTICLE, title="Harbour bridge reopens"),
                article_from_text("most", RUSSIAN_ARTICLE, title="Мост открыли"),
            )
        )
    )


@pytest.fixture
async def bilingual_app(fake, bilingual_index) -> AsyncIterator[Application]:
    application = await tf.started(fake, bilingual_index)
    yield application
    await application.shutdown()


async def say(app: Application, text: str, user: dict, chat: dict = tf.PRIVATE, **extra) -> None:
    message = tf.message(text, user=user, chat=chat, **extra)
    await app.process_update(tf.update(app, message=message))


def reply(fake: tf.RecordingRequest) -> dict:
    sent = fake.sent()
    assert len(sent) == 1, fake.methods()
    visible(sent[0]["text"])  # valid Telegram HTML
    return sent[0]


async def test_start_and_help_in_the_readers_language(bilingual_app, fake) -> None:
    await say(bilingual_app, "/start", RUSSIAN_USER)
    assert "Просто пришлите мне вопрос." in visible(reply(fake)["text"])
    fake.clear()
    await say(bilingual_app, "/help", RUSSIAN_USER)
    assert "Кнопки под ответом" in visible(reply(fake)["text"])


async def test_a_language_the_bot_does_not_speak_gets_english(bilingual_app, fake) -> None:
    await say(bilingual_app, "/start", PORTUGUESE_USER)
    assert "Just send me a question." in visible(reply(fake)["text"])


async def test_an_answer_in_the_readers_language_from_the_articles_in_it(
    bilingual_app, fake
) -> None:
    await say(bilingual_app, "Когда открыли мост?", RUSSIAN_USER)
    sent = reply(fake)
    assert "Новый мост через реку открыли в понедельник" in visible(sent["text"])
    assert "абзац 1" in visible(sent["text"])
    labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0].startswith("\u00b6")


async def test_no_article_in_the_readers_language_says_so_and_labels_the_others(
    fake, aleppo_index
) -> None:
    app = await tf.started(fake, aleppo_index)
    try:
        question = "¿Cuántas personas han huido de Aleppo según la International Red Cross?"
        await say(app, question, {**tf.USER, "language_code": "es"})
        text = visible(reply(fake)["text"])
    finally:
        await app.shutdown()
    assert text.startswith("El informe no tiene artículos en español. De sus artículos en inglés:")
    assert "At least 20,000 people have fled their homes in Aleppo" in text
    assert "en inglés · según the International Red Cross" in text


async def test_in_a_group_the_askers_language(bilingual_app, fake) -> None:
    await say(bilingual_app, "/ask", ARABIC_USER, chat=tf.GROUP)
    text = reply(fake)["text"]
    assert text.startswith(RLM + translator("ar").html(texts.USAGE))
    fake.clear()
    await say(bilingual_app, "/ask", RUSSIAN_USER, chat=tf.GROUP, message_id=101)
    assert translator("ru").html(texts.USAGE) in reply(fake)["text"]


async def test_buttons_and_toasts_in_the_readers_language(paged_fake_app) -> None:
    app, fake = paged_fake_app
    await say(app, "What about the lighthouse?", {**tf.USER, "language_code": "de"})
    sent = reply(fake)
    labels = [b["text"] for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert "Mehr \u25b8" in labels
    fake.clear()
    shown = tf.bot_message(sent["text"], 9001, reply_markup=sent["reply_markup"])
    german = {**tf.USER, "language_code": "de"}
    press = tf.callback(app, "a:00000000:0000000000:3", shown, user=german)
    await app.process_update(press)
    (toast,) = fake.sent("answerCallbackQuery")
    assert toast["text"] == translator("de")(texts.OLD_EDITION)


@pytest.fixture
async def paged_fake_app(fake, lighthouse_index) -> AsyncIterator[tuple[Application, object]]:
    application = await tf.started(fake, lighthouse_index)
    yield application, fake
    await application.shutdown()


@pytest.fixture(scope="module")
def lighthouse_index(tmp_path_factory: pytest.TempPathFactory) -> SentenceIndex:
    from tests.test_handlers import LIGHTHOUSES

    articles = tuple(article_from_text(name, text) for name, text in LIGHTHOUSES.items())
    return SentenceIndex.build(Corpus(articles))
