"""Who may use the bot: the chat allow-list (ALLOWED_CHAT_IDS) and the admins (ADMIN_USER_IDS).

`gate` runs before every other handler. In a chat outside the allow-list it says once, when
first addressed there, that the bot is private, and stops every update from that chat; inline
queries from users outside the list get no results and a "This bot is private" button; button
presses there get the same words as a toast. An admin's own private chat is always allowed.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from telegram import InlineQueryResultsButton, Message, MessageEntity, Update, User
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from ..config import Settings
from ..i18n import N_, choose, translator
from .addressing import is_reply_to_bot, mentions_bot

log = logging.getLogger(__name__)

PRIVATE_NOTE = N_("This bot is private: it answers only in the chats its operator has allowed.")
PRIVATE_BUTTON = N_("This bot is private")
ADMIN_ONLY = N_("That command is only for the admins of this bot.")
# Chats told that the bot is private, since start-up; the oldest are forgotten first.
REMEMBERED_REFUSED_CHATS = 10_000


def is_admin(settings: Settings, user: User | None) -> bool:
    """Whether `user` is listed in ADMIN_USER_IDS."""
    return user is not None and user.id in settings.admin_user_ids


def chat_allowed(settings: Settings, chat_id: int, user: User | None) -> bool:
    """Whether the bot answers in this chat (an admin's private chat always qualifies)."""
    allowed = settings.allowed_chat_ids
    if allowed is None or chat_id in allowed:
        return True
    return user is not None and chat_id == user.id and is_admin(settings, user)


async def gate(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let updates from allowed chats through; stop the rest, telling each chat once."""
    settings: Settings = context.bot_data["briefing"].settings
    if settings.allowed_chat_ids is None or not isinstance(update, Update):
        return
    user = update.effective_user
    tr = translator(choose(getattr(user, "language_code", None)))
    if update.inline_query is not None:
        if user is not None and chat_allowed(settings, user.id, user):
            return
        button = InlineQueryResultsButton(tr(PRIVATE_BUTTON), start_parameter="private")
        await update.inline_query.answer([], cache_time=60, is_personal=True, button=button)
        raise ApplicationHandlerStop
    chat = update.effective_chat
    if chat is None or chat_allowed(settings, chat.id, user):
        return
    if update.callback_query is not None:
        await update.callback_query.answer(tr(PRIVATE_NOTE))
    elif update.message is not None and _addressed(update.message):
        told: OrderedDict[int, None] = context.bot_data.setdefault("told_private", OrderedDict())
        if chat.id not in told:
            told[chat.id] = None
            while len(told) > REMEMBERED_REFUSED_CHATS:
                told.popitem(last=False)
            log.info("Chat %s is not in ALLOWED_CHAT_IDS; told it the bot is private", chat.id)
            await update.message.reply_text(tr.lines(tr.html(PRIVATE_NOTE)))
    raise ApplicationHandlerStop


def _addressed(message: Message) -> bool:
    """Whether a message in a chat the bot does not serve is meant for the bot."""
    if message.chat.type == ChatType.PRIVATE:
        return True
    bot = message.get_bot()
    if any(member.id == bot.id for member in message.new_chat_members or ()):
        return True  # someone just added the bot to the group
    if is_reply_to_bot(message) or mentions_bot(message):
        return True
    first = message.entities[0] if message.entities else None
    if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return False
    _, _, target = message.parse_entity(first).partition("@")
    return not target or target.lower() == (bot.username or "").lower()
