from __future__ import annotations

import pytest
from telegram import Message

from bot.telegram_edge.addressing import is_reply_to_bot, mentions_bot, question_text
from tests import telegram_fakes as tf

TOPIC = {"name": "Aleppo", "icon_color": 7322096}


def parse(app, data: dict) -> Message:
    return Message.de_json(data, app.bot)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("/ask Who fled?", "Who fled?"),
        (f"/ask@{tf.BOT_USERNAME}   Who\n fled?", "Who fled?"),
        (f"@{tf.BOT_USERNAME} Who fled?", "Who fled?"),
        (f"@{tf.BOT_USERNAME.lower()}, who fled?", "who fled?"),
        (f"@{tf.BOT_USERNAME}: who fled?", "who fled?"),
        (f"Who fled? @{tf.BOT_USERNAME}", "Who fled?"),
        (
            f"Who \U0001f3c3 fled @{tf.BOT_USERNAME} from Aleppo?",
            "Who \U0001f3c3 fled from Aleppo?",
        ),
        ("@OtherBot who fled?", "@OtherBot who fled?"),
        ("Who fled?", "Who fled?"),
        (f"@{tf.BOT_USERNAME}", ""),
        ("/ask", ""),
    ],
)
async def test_question_text_strips_the_command_and_this_bots_mentions(
    app,
    text: str,
    question: str,
) -> None:
    assert question_text(parse(app, tf.message(text))) == question


async def test_text_mention_of_the_bot_counts(app) -> None:
    data = tf.message("Briefing who fled?")
    data["entities"] = [{"type": "text_mention", "offset": 0, "length": 8, "user": tf.BOT_USER}]
    message = parse(app, data)
    assert mentions_bot(message) and question_text(message) == "who fled?"


async def test_mentions_of_others_do_not_count(app) -> None:
    data = tf.message("@OtherBot who fled?")
    assert not mentions_bot(parse(app, data))


@pytest.mark.parametrize(
    ("reply_to", "thread", "expected"),
    [
        (tf.bot_message("answer", 50, chat=tf.GROUP), None, True),
        (tf.message("hi", chat=tf.GROUP, user=tf.OTHER_USER, message_id=50), None, False),
        (tf.bot_message(None, 77, chat=tf.FORUM, forum_topic_created=TOPIC), 77, False),
        (tf.bot_message("opener", 77, chat=tf.FORUM), 77, False),
        (tf.bot_message("answer", 80, chat=tf.FORUM), 77, True),
        # Outside forums a reply chain's thread id is its first message: still a real reply.
        (tf.bot_message("answer", 50, chat=tf.GROUP), 50, True),
        (None, None, False),
    ],
    ids=["bot", "other-user", "topic-created", "topic-root", "in-topic", "reply-chain", "none"],
)  # fmt: skip
async def test_reply_to_bot_is_a_real_reply(app, reply_to, thread, expected: bool) -> None:
    chat = tf.FORUM if reply_to and reply_to["chat"] is tf.FORUM else tf.GROUP
    data = tf.message("Who fled?", chat=chat, reply_to=reply_to)
    if thread is not None:
        data["message_thread_id"] = thread
        data["is_topic_message"] = chat is tf.FORUM
    assert is_reply_to_bot(parse(app, data)) is expected
