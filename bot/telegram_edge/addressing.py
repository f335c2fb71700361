"""Who a message is addressed to in a group, and the question it asks once that is stripped."""

from __future__ import annotations

import unicodedata

from telegram import Message, MessageEntity
from telegram.ext import filters

# Left over at the start once "@Bot, …" or "@Bot: …" loses its mention.
_LEADING_PUNCTUATION = ",:;-\u2013\u2014 "


def is_reply_to_bot(message: Message) -> bool:
    """Whether `message` is a real reply to one of this bot's messages.

    In a forum topic every message replies to the topic's creation message, so a reply to that
    message (or to the message that opened the thread) is not addressed to anyone.
    """
    target = message.reply_to_message
    bot = message.get_bot()
    if target is None or target.from_user is None or target.from_user.id != bot.id:
        return False
    if target.forum_topic_created is not None:
        return False
    return not (message.is_topic_message and target.message_id == message.message_thread_id)


def mentions_bot(message: Message) -> bool:
    """Whether the text mentions this bot (an @username or a text mention entity)."""
    return bool(_bot_mentions(message))


def question_text(message: Message) -> str:
    """The question in `message`: its text without a leading command or mentions of this bot."""
    text = message.text or ""
    cuts = _bot_mentions(message)
    first = message.entities[0] if message.entities else None
    if first and first.type == MessageEntity.BOT_COMMAND and first.offset == 0:
        cuts.append(first)
    units = text.encode("utf-16-le")
    for entity in sorted(cuts, key=lambda e: e.offset, reverse=True):
        start, end = 2 * entity.offset, 2 * (entity.offset + entity.length)
        units = units[:start] + b" \x00" + units[end:]
    question = " ".join(_visible(units.decode("utf-16-le", errors="replace")).split())
    return question.lstrip(_LEADING_PUNCTUATION).strip()


def _visible(text: str) -> str:
    """Drop invisible format and control characters (zero-width space, bidi marks, BEL, ESC).

    Control characters that are white space become spaces; a zero-width space inside a word
    ("To\u200bkyo") then no longer splits it.
    """
    return "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )


def _bot_mentions(message: Message) -> list[MessageEntity]:
    bot = message.get_bot()
    username = f"@{bot.username}".lower()
    found = []
    for entity, value in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        by_name = entity.type == MessageEntity.MENTION and value.lower() == username
        if by_name or (entity.user is not None and entity.user.id == bot.id):
            found.append(entity)
    return found


class _ReplyToBot(filters.MessageFilter):
    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return is_reply_to_bot(message)


class _MentionsBot(filters.MessageFilter):
    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return mentions_bot(message)


REPLY_TO_BOT = _ReplyToBot(name="REPLY_TO_BOT")
"""Messages that really reply to one of this bot's messages (not a topic's automatic reply)."""
MENTIONS_BOT = _MentionsBot(name="MENTIONS_BOT")
"""Messages whose text mentions this bot by @username or text mention."""
ADDRESSED = REPLY_TO_BOT | MENTIONS_BOT
"""Group messages meant for this bot (commands are matched by their own handlers)."""
