"""ALLOWED_CHAT_IDS: elsewhere the bot says once that it is private, then answers nothing."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.telegram_edge import access
from tests import telegram_fakes as tf
from tests.test_render import visible

QUESTION = "How many people fled Aleppo?"
FLED = "At least 20,000 people have fled their homes in Aleppo this week alone"
NOTE = html.escape(access.PRIVATE_NOTE)
OUTSIDER = {"id": 777, "is_bot": False, "first_name": "Olga"}
OUTSIDER_CHAT = {"id": 777, "type": "private", "first_name": "Olga"}
ADMIN = {"id": 888, "is_bot": False, "first_name": "Ada"}
ADMIN_CHAT = {"id": 888, "type": "private", "first_name": "Ada"}
OTHER_GROUP = {"id": -100999, "type": "supergroup", "title": "Elsewhere"}


@pytest.fixture
async def private_bot(fake, aleppo_index) -> AsyncIterator[Application]:
    """Allowed: Ana's private chat and the Newsroom group; Ada is an admin, listed nowhere."""
    settings = Settings(
        allowed_chat_ids=frozenset({tf.PRIVATE["id"], tf.GROUP["id"]}),
        admin_user_ids=frozenset({ADMIN["id"]}),
    )
    application = await tf.started(fake, aleppo_index, settings)
    yield application
    await application.shutdown()


async def say(app, text, update_id=1, chat=tf.PRIVATE, user=tf.USER, **extra) -> None:
    message = tf.message(text, chat=chat, user=user, message_id=100 + update_id, **extra)
    await app.process_update(tf.update(app, update_id=update_id, message=message))


async def test_allowed_chats_are_answered(private_bot, fake) -> None:
    await say(private_bot, QUESTION)
    await say(private_bot, f"/ask {QUESTION}", 2, chat=tf.GROUP)
    assert [visible(m["text"]).count(FLED) for m in fake.sent()] == [1, 1]


async def test_a_private_chat_outside_the_list_is_told_once(private_bot, fake) -> None:
    await say(private_bot, QUESTION, 1, chat=OUTSIDER_CHAT, user=OUTSIDER)
    assert fake.methods() == ["sendMessage"]
    assert fake.sent()[0]["text"] == NOTE and fake.sent()[0]["chat_id"] == OUTSIDER["id"]
    for n, text in enumerate(["/start", QUESTION, "/help", "/sources", "/reload"], start=2):
        await say(private_bot, text, n, chat=OUTSIDER_CHAT, user=OUTSIDER)
    assert fake.methods() == ["sendMessage"]  # nothing more


@pytest.mark.parametrize(
    ("text", "extra"),
    [
        (f"/ask {QUESTION}", {}),
        (f"/start@{tf.BOT_USERNAME}", {}),
        (f"@{tf.BOT_USERNAME} {QUESTION}", {}),
        (QUESTION, {"reply_to": tf.bot_message("earlier", 50, chat=OTHER_GROUP)}),
        (None, {"new_chat_members": [tf.BOT_USER]}),
    ],
    ids=["ask", "command-for-this-bot", "mention", "reply-to-bot", "bot-added"],
)
async def test_a_group_outside_the_list_is_told_once_when_it_addresses_the_bot(
    private_bot, fake, text, extra
) -> None:
    await say(private_bot, text, 1, chat=OTHER_GROUP, **extra)
    await say(private_bot, f"/ask {QUESTION}", 2, chat=OTHER_GROUP)
    assert fake.methods() == ["sendMessage"]
    assert fake.sent()[0]["text"] == NOTE and fake.sent()[0]["chat_id"] == OTHER_GROUP["id"]


@pytest.mark.parametrize(
    "text", [QUESTION, "/ask@OtherBot What now?", "@OtherBot hello"], ids=str.split
)
async def test_a_group_outside_the_list_that_does_not_address_the_bot_hears_nothing(
    private_bot, fake, text
) -> None:
    await say(private_bot, text, 1, chat=OTHER_GROUP)
    assert fake.methods() == []


async def test_edits_and_button_presses_outside_the_list(private_bot, fake) -> None:
    edited = tf.message(QUESTION, chat=OUTSIDER_CHAT, user=OUTSIDER, edit_date=tf.DATE + 5)
    await private_bot.process_update(tf.update(private_bot, edited_message=edited))
    assert fake.methods() == []
    old_answer = tf.bot_message("an answer", 9001, chat=OUTSIDER_CHAT)
    await private_bot.process_update(tf.callback(private_bot, "garbage", old_answer, OUTSIDER))
    assert fake.methods() == ["answerCallbackQuery"]
    assert fake.sent("answerCallbackQuery")[0]["text"] == access.PRIVATE_NOTE


async def test_inline_queries_outside_the_list_get_a_private_button(private_bot, fake) -> None:
    query = {"id": "iq9", "from": OUTSIDER, "query": QUESTION, "offset": ""}
    await private_bot.process_update(tf.update(private_bot, inline_query=query))
    call = fake.sent("answerInlineQuery")[0]
    assert call["results"] == [] and call["is_personal"] is True
    assert call["button"] == {"text": access.PRIVATE_BUTTON, "start_parameter": "private"}
    fake.clear()
    query = {"id": "iq10", "from": tf.USER, "query": QUESTION, "offset": ""}
    await private_bot.process_update(tf.update(private_bot, update_id=2, inline_query=query))
    assert fake.sent("answerInlineQuery")[0]["results"]


async def test_an_admins_private_chat_is_always_allowed(private_bot, fake) -> None:
    await say(private_bot, QUESTION, 1, chat=ADMIN_CHAT, user=ADMIN)
    assert FLED in visible(fake.sent()[0]["text"])
    await say(private_bot, "/reload", 2, chat=ADMIN_CHAT, user=ADMIN)
    # Allowed to try: this test's settings point at no corpus folder, so the reload fails.
    assert fake.sent()[-1]["text"].startswith("Reload failed after ")


async def test_no_list_means_everyone(app, fake) -> None:
    await say(app, QUESTION, 1, chat=OUTSIDER_CHAT, user=OUTSIDER)
    assert FLED in visible(fake.sent()[0]["text"])
