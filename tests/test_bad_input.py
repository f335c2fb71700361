"""Every awkward question gets one clear reply (or deliberate silence), and the bot runs on."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from bot.telegram_edge import texts as texts
from tests import telegram_fakes as tf
from tests.test_render import visible

QUESTION = "How many people fled Aleppo?"
FLED = "At least 20,000 people have fled their homes in Aleppo this week alone"
NOT_COVERED = "The briefing does not cover this."
NO_WORDS = "The question has no words to search for"
USAGE = "Write your question after the command, like this:"
CHANNEL = {"id": -1001234, "type": "channel", "title": "Briefing news"}
FORWARD = {"type": "user", "date": tf.DATE - 60, "sender_user": tf.OTHER_USER}


async def say(app: Application, text: str | None, update_id: int = 1, **fields) -> None:
    message = tf.message(text, message_id=100 + update_id, **fields)
    await app.process_update(tf.update(app, update_id=update_id, message=message))


async def still_answers(app: Application, fake: tf.RecordingRequest) -> None:
    """The bot is still up: a plain question after the awkward one is answered."""
    fake.clear()
    await say(app, QUESTION, 99)
    assert FLED in visible(fake.sent()[-1]["text"])


def reply(fake: tf.RecordingRequest) -> str:
    """The one reply, checked to be valid Telegram HTML within 4,096 UTF-16 units."""
    sent = fake.sent()
    assert len(sent) == 1, fake.methods()
    text = sent[0]["text"]
    assert len(text.encode("utf-16-le")) // 2 <= 4096
    return visible(text)


ARABIC = "\u0643\u0645 \u0639\u062f\u062f \u0627\u0644\u0646\u0627\u0632\u062d\u064a\u0646 \u061f"
INVISIBLE = "How\u200b many\u200d people\u2060 fled\u200e Aleppo\u202e?\x07\x1b[2J"
MARKUP = "<b>Aleppo</b> </a> & *fled* _people_ [x](y) `z` <script>"
QUESTIONS = [
    pytest.param("/ask", USAGE, id="empty-ask"),
    pytest.param(f"/ask @{tf.BOT_USERNAME}", USAGE, id="ask-only-a-mention"),
    pytest.param(" \t \u00a0 \u3000 ", USAGE, id="whitespace"),
    pytest.param("Aleppo? " * 512, FLED, id="4096-characters"),
    pytest.param("x", NOT_COVERED, id="one-character"),
    pytest.param("\U0001f525\U0001f62d\U0001f3f3\ufe0f\u200d\U0001f308", NO_WORDS, id="emoji"),
    # No article in the asker's language: said in it (the test user's app sets no language).
    pytest.param(ARABIC, "\u200fلا يحتوي الموجز على مقالات باللغة", id="right-to-left"),
    pytest.param(INVISIBLE, FLED, id="zero-width-and-control"),
    pytest.param(MARKUP, FLED, id="html-and-markdown"),
    pytest.param("https://example.org/aleppo?fled=1&x=<b>", NOT_COVERED, id="url"),
    pytest.param("what is the and of it?", NO_WORDS, id="only-stop-words"),
    pytest.param(
        "¿Cuántas personas huyeron de Alepo?",
        "El informe no tiene artículos en español",
        id="other-language",
    ),
]


@pytest.mark.parametrize(("text", "expected"), QUESTIONS)
async def test_awkward_questions_get_one_clear_reply(app, fake, text: str, expected: str) -> None:
    await say(app, text)
    shown = reply(fake)
    assert expected in shown
    assert "<b>" not in shown and "<script>" not in shown.replace("&lt;", "")
    await still_answers(app, fake)


async def test_a_very_long_question_is_read_up_to_its_first_1000_characters(app, fake) -> None:
    await say(app, "Tokyo " * 300 + QUESTION)
    assert reply(fake).startswith(NOT_COVERED)  # the question after 1,800 characters is unread


async def test_zero_width_and_control_characters_are_dropped_from_the_echo(app, fake) -> None:
    await say(app, "What is the population of To\u200bkyo\x07?")
    assert reply(fake).startswith(f"{NOT_COVERED} It never mentions \u201cTokyo\u201d.")


@pytest.mark.parametrize(
    ("text", "chat", "answered"),
    [
        ("/ask@OtherBot How many people fled Aleppo?", tf.GROUP, False),
        ("/start@OtherBot", tf.GROUP, False),
        ("/ask@OtherBot How many people fled Aleppo?", tf.PRIVATE, None),
        ("/weather", tf.PRIVATE, None),
        ("/weather", tf.GROUP, False),
        ("/weather@" + tf.BOT_USERNAME, tf.GROUP, False),
    ],
    ids=[
        "other-bot-ask-group",
        "other-bot-start-group",
        "other-bot-in-private",
        "unknown-private",
        "unknown-group",
        "unknown-addressed-group",
    ],
)
async def test_commands_for_other_bots_or_unknown_ones(
    app, fake, text: str, chat: dict, answered: bool | None
) -> None:
    await say(app, text, chat=chat)
    if answered is None:  # private: a pointer to /help
        assert reply(fake) == texts.UNKNOWN_COMMAND
    else:
        assert fake.methods() == []
    await still_answers(app, fake)


async def test_channel_posts_are_ignored(app, fake) -> None:
    post = {"message_id": 5, "date": tf.DATE, "chat": CHANNEL, "text": f"/ask {QUESTION}"}
    post["sender_chat"] = CHANNEL
    await app.process_update(tf.update(app, channel_post=post))
    await app.process_update(tf.update(app, update_id=2, edited_channel_post=post))
    assert fake.methods() == []
    await still_answers(app, fake)


async def test_a_group_message_sent_on_behalf_of_a_channel_is_answered_when_addressed(
    app, fake
) -> None:
    await say(app, f"/ask {QUESTION}", chat=tf.GROUP, user=tf.CHANNEL_BOT, sender_chat=CHANNEL)
    assert FLED in reply(fake)


async def test_a_channel_post_forwarded_into_its_discussion_group_is_ignored(app, fake) -> None:
    origin = {"type": "channel", "date": tf.DATE, "chat": CHANNEL, "message_id": 5}
    await say(
        app,
        f"@{tf.BOT_USERNAME} {QUESTION}",
        chat=tf.GROUP,
        user=tf.CHANNEL_BOT,
        sender_chat=CHANNEL,
        is_automatic_forward=True,
        forward_origin=origin,
    )
    assert fake.methods() == []
    await still_answers(app, fake)


async def test_a_forwarded_message_in_private_is_taken_as_the_question(app, fake) -> None:
    await say(app, QUESTION, forward_origin=FORWARD)
    assert FLED in reply(fake)


async def test_a_forwarded_message_in_a_group_is_not_addressed_to_the_bot(app, fake) -> None:
    # Its mention was written for another chat, by someone else.
    await say(app, f"@{tf.BOT_USERNAME} {QUESTION}", chat=tf.GROUP, forward_origin=FORWARD)
    assert fake.methods() == []
    await still_answers(app, fake)
