"""Telegram handlers: parse the update, ask the core, render, reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, MutableMapping
from dataclasses import replace

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatType, MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    ContextTypes,
)

from ..i18n import Translator, choose, translator
from ..reload import Edition
from ..render import (
    citation_text,
    paragraph_html,
    paragraph_sources,
    passage_html,
    render_html,
)
from ..search.answer import Answer
from ..search.dates import newest_first
from . import access, buttons, texts
from .addressing import question_text
from .briefing import Briefing

log = logging.getLogger(__name__)

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
# "typing…" only for an answer that takes noticeable time: a quick one would spend a request
# (and, with Telegram's limits, a share of the chat's sending budget) on a flicker.
TYPING_AFTER_SECONDS = 1.0
TYPING_REFRESH_SECONDS = 4  # Telegram shows "typing…" for up to 5 s
REMEMBERED_ANSWERS_PER_CHAT = 500  # question message id -> answer message id, for edits
INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 10
INLINE_TITLE_CHARS = 100


# --- Commands ---


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the briefing covers, with example questions and how to ask in groups."""
    edition, me = _briefing(context).edition, context.bot.bot
    text = texts.start_html(
        edition.index.articles,
        edition.examples,
        me.username,
        bool(me.can_read_all_group_messages),
        reader(update),
    )
    await update.effective_message.reply_text(text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask, the buttons and the commands."""
    me = context.bot.bot
    text = texts.help_html(
        me.username,
        bool(me.can_read_all_group_messages),
        bool(me.supports_inline_queries),
        reader(update),
    )
    await update.effective_message.reply_text(text)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the articles, newest first, with outlet, date and link."""
    articles = newest_first(_briefing(context).edition.index.articles)
    tr = reader(update)
    header = texts.sources_header(len(articles), tr)
    for text in texts.pack(texts.sources_blocks(articles, tr), TEXT_LIMIT, header):
        await update.effective_message.reply_text(text)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer `/ask question`; without a question, say how to ask."""
    await _answer_message(update.effective_message, context)


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rebuild the index from the corpus folder (admins only) and report how it went."""
    briefing = _briefing(context)
    if not await _admin(update, briefing, "/reload"):
        return
    message, user = update.effective_message, update.effective_user
    async with _typing(message):
        report = await briefing.reloader.reload(f"/reload from user {user.id}")
    await message.reply_text(_plain_within_limit(report.text()), parse_mode=None)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help when a private chat sends a command the bot does not have."""
    await update.effective_message.reply_text(
        texts.note_html(texts.UNKNOWN_COMMAND, reader(update))
    )


# --- Messages ---


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message: any in a private chat, those addressed to the bot in a group."""
    await _answer_message(update.effective_message, context)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say that only text questions are answered (stickers, photos, voice, …)."""
    note = texts.note_html(texts.NOT_TEXT, reader(update))
    await update.effective_message.reply_text(note, do_quote=True)


async def edited_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Re-answer an edited question by editing the earlier answer; ignore other edits."""
    message = update.edited_message
    answers = _answers(context)
    answer_id = answers.get(message.message_id)
    if answer_id is None:
        return  # not answered since start-up: a second answer would be worse than none
    question = question_text(message)
    briefing = _briefing(context)
    edition = briefing.edition
    if question:
        result = await briefing.answer(question, edition)
        briefing.note_gap(question, message.chat.type, result)
        text, markup = _page(result, edition, briefing, reader(update, result.language))
        briefing.remember(question)
    else:
        text, markup = texts.usage_html(_first(edition.examples), reader(update)), None
    await _ignore_unmodified(
        context.bot.edit_message_text(
            text, chat_id=message.chat_id, message_id=answer_id, reply_markup=markup
        )
    )


async def migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry a group's chat data over when it becomes a supergroup."""
    message = update.effective_message
    old = message.migrate_from_chat_id or message.chat_id
    new = message.migrate_to_chat_id or message.chat_id
    # Telegram sends the news to both chats; move the data once, not back over itself.
    if context.application.chat_data.get(old):
        context.application.migrate_chat_data(message=message)
        log.info("Group %s became supergroup %s; its chat data moved along", old, new)


# --- Buttons and inline mode ---


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show another page or a whole paragraph in place; always acknowledge the press."""
    query = update.callback_query
    toast: str | None = texts.FAILED
    tr = reader(update)
    try:
        toast = await _press(query, context, tr)
    finally:
        await query.answer(text=tr(toast) if toast else None)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the top passages for `@bot question`, each inserting the quote and citation."""
    query = update.inline_query
    question = query.query.strip()
    if not question:
        hint = InlineQueryResultsButton(reader(update)(texts.INLINE_HINT), start_parameter="help")
        await query.answer([], cache_time=INLINE_CACHE_SECONDS, button=hint)
        return
    briefing = _briefing(context)
    current = briefing.edition
    result = await briefing.answer(question, current, k=INLINE_RESULTS)
    tr = reader(update, result.language)
    briefing.note_inline(query.from_user.id, question, result)
    edition = buttons.edition(current.index.corpus.fingerprint)
    results = []
    for passage in result.passages:
        quote = passage_html(passage, tr=tr, language=result.elsewhere)
        if texts.utf16_length(quote) > TEXT_LIMIT:  # a giant passage: the renderer's cut one
            alone = replace(result, passages=(passage,), notice=None)
            quote = render_html(alone, TEXT_LIMIT, tr)[0]
        snippet = " ".join(passage.text.split())
        if len(snippet) > INLINE_TITLE_CHARS:
            snippet = snippet[: INLINE_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "\u2026"
        results.append(
            InlineQueryResultArticle(
                id=f"{edition}:{passage.rank}",
                title=snippet,
                description=citation_text(passage, tr, result.elsewhere),
                input_message_content=InputTextMessageContent(quote, parse_mode=ParseMode.HTML),
            )
        )
    await query.answer(results, cache_time=INLINE_CACHE_SECONDS)


# --- Errors ---


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log each error once, clearly, and carry on; users never see a traceback."""
    error = context.error
    where = _where(update)
    if isinstance(error, RetryAfter):
        log.warning("Telegram flood control (%s): %s", where, error)
    elif isinstance(error, Forbidden):
        log.warning("Telegram refused (%s): %s; dropping that chat's data", where, error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None:
            context.application.drop_chat_data(chat.id)
    elif isinstance(error, ChatMigrated):
        log.warning("Chat migrated (%s) to supergroup %s", where, error.new_chat_id)
    elif isinstance(error, Conflict):
        log.error(
            "Conflict: another process is using this bot token (%s); stop it, only one bot "
            "may poll or hold a webhook",
            error,
        )
    elif isinstance(error, InvalidToken):
        log.error("Telegram rejected the bot token (%s); check TELEGRAM_BOT_TOKEN", where)
    elif isinstance(error, BadRequest):
        log.warning("Telegram rejected a request (%s): %s", where, error)
    elif isinstance(error, TimedOut):
        log.warning("Telegram timed out (%s); carrying on", where)
    elif isinstance(error, NetworkError):
        log.warning("Network error talking to Telegram (%s): %s; carrying on", where, error)
    elif isinstance(error, TelegramError):
        log.warning("Telegram error (%s): %s", where, error)
    else:
        log.error("Unexpected error (%s)", where, exc_info=error)
        await _apologise(update)


# --- Helpers ---


def _plain_within_limit(text: str) -> str:
    """Plain text cut to fit one message (UTF-16 units, as Telegram counts)."""
    if texts.utf16_length(text) <= TEXT_LIMIT:
        return text
    units = text.encode("utf-16-le")[: 2 * (TEXT_LIMIT - 1)]
    return units.decode("utf-16-le", errors="ignore") + "\u2026"  # a split pair is dropped


async def _answer_message(message: Message, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply to `message` with the answer to its question, or with how to ask."""
    briefing = _briefing(context)
    edition = briefing.edition
    question = question_text(message)
    if not question:
        usage = texts.usage_html(_first(edition.examples), reader_of(message.from_user))
        await message.reply_text(usage, do_quote=True)
        return
    async with _typing(message):
        result = await briefing.answer(question, edition)
    briefing.note_gap(question, message.chat.type, result)
    text, markup = _page(result, edition, briefing, reader_of(message.from_user, result.language))
    sent = await message.reply_text(text, reply_markup=markup, do_quote=True)
    briefing.remember(question)
    answers = _answers(context)
    answers[message.message_id] = sent.message_id
    while len(answers) > REMEMBERED_ANSWERS_PER_CHAT:
        answers.popitem(last=False)


def _page(
    result: Answer, edition: Edition, briefing: Briefing, tr: Translator
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One message for an answer: as many passages as fit, with the buttons that apply."""
    if not result.passages:  # the notice, after the partial note when there is one
        notice = render_html(result, TEXT_LIMIT, tr)[0]
        return f"{notice}\n{texts.note_html(texts.HELP_POINTER, tr)}", None
    for shown in range(len(result.passages), 0, -1):
        page = replace(result, passages=result.passages[:shown])
        messages = render_html(page, TEXT_LIMIT, tr)
        if len(messages) == 1:
            break
    top_k = briefing.settings.top_k
    keyboard = buttons.answer_keyboard(result, shown, edition.index, top_k, tr)
    return messages[0], keyboard


async def _press(
    query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, tr: Translator
) -> str | None:
    """Carry out a button press; return a toast for the user (a message id), or None."""
    briefing = _briefing(context)
    edition = briefing.edition
    index = edition.index
    pressed = buttons.parse(query.data)
    if pressed is None:
        return texts.UNKNOWN_BUTTON
    if pressed.edition != buttons.edition(index.corpus.fingerprint):
        return texts.OLD_EDITION
    message = query.message
    # Older than 48 hours or deleted: Telegram sends it with date 0 and it cannot be edited.
    if not isinstance(message, Message) or not message.is_accessible:
        return texts.TOO_OLD
    if pressed.article is not None:
        if not 0 <= pressed.article < len(index.articles):
            return texts.UNKNOWN_BUTTON
        article = index.articles[pressed.article]
        if not 1 <= (pressed.paragraph or 0) <= len(article.paragraphs):
            return texts.UNKNOWN_BUTTON
        credited = [
            s.source for s in index.sentences_of(article) if s.paragraph == pressed.paragraph
        ]
        sources = paragraph_sources(credited, tr)
        text = paragraph_html(article, pressed.paragraph, sources, TEXT_LIMIT, tr)
        back = buttons.back_keyboard(pressed, tr)
        await _ignore_unmodified(message.edit_text(text, reply_markup=back))
        return None
    question = _asked(message, pressed.question_key, briefing)
    if question is None:
        return texts.FORGOTTEN
    result = await briefing.answer(question, edition, pressed.offset)
    if not result.passages:
        return texts.NO_MORE
    text, markup = _page(result, edition, briefing, reader_of(query.from_user, result.language))
    await _ignore_unmodified(message.edit_text(text, reply_markup=markup))
    return None


def _asked(answer_message: Message, key: str, briefing: Briefing) -> str | None:
    """The question an answer replies to: read back from the chat, else from memory."""
    asked = answer_message.reply_to_message
    if asked is not None:
        candidate = question_text(asked)
        if buttons.question_key(candidate) == key:
            return candidate
    return briefing.questions.get(key)


@contextlib.asynccontextmanager
async def _typing(message: Message) -> AsyncIterator[None]:
    """Show "typing…" once the body has run a while, until it ends; failures cost only that."""

    async def show() -> None:
        await asyncio.sleep(TYPING_AFTER_SECONDS)
        while True:
            await _send_typing(message)
            await asyncio.sleep(TYPING_REFRESH_SECONDS)

    task = asyncio.create_task(show())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _send_typing(message: Message, logger: logging.Logger = log) -> None:
    try:
        await message.reply_chat_action(ChatAction.TYPING)
    except TelegramError as exc:
        logger.debug("typing indicator not shown: %s", exc)


async def _admin(
    update: Update, briefing: Briefing, command: str, logger: logging.Logger = log
) -> bool:
    """Whether the sender is an admin; others are told so in private, ignored in groups."""
    user = update.effective_user
    if access.is_admin(briefing.settings, user):
        return True
    logger.info("%s refused for user %s: not in ADMIN_USER_IDS", command, user.id if user else "?")
    message = update.effective_message
    if message.chat.type == ChatType.PRIVATE:
        await message.reply_text(texts.note_html(access.ADMIN_ONLY, reader(update)))
    return False


async def _ignore_unmodified(edit: Awaitable[object]) -> None:
    """Await an edit; editing a message to what it already says is not an error."""
    try:
        await edit
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


async def _apologise(update: object) -> None:
    """Tell a private chat that its question failed, without details (buttons get a toast)."""
    if not isinstance(update, Update) or update.message is None:
        return
    if update.message.chat.type != ChatType.PRIVATE:
        return
    with contextlib.suppress(TelegramError):
        await update.message.reply_text(texts.note_html(texts.SORRY, reader(update)))


def _where(update: object) -> str:
    if not isinstance(update, Update):
        return "while polling" if update is None else "outside an update"
    kind = "update"
    for name in ("message", "edited_message", "callback_query", "inline_query"):
        if getattr(update, name) is not None:
            kind = name.replace("_", " ")
            break
    chat = update.effective_chat
    return f"{kind} in chat {chat.id}" if chat else kind


def _answers(context: ContextTypes.DEFAULT_TYPE) -> OrderedDict[int, int]:
    data: MutableMapping = context.chat_data
    return data.setdefault("answers", OrderedDict())


def reader(update: object, language: str | None = None) -> Translator:
    """The translator for whoever sent an update (see `reader_of`)."""
    user = update.effective_user if isinstance(update, Update) else None
    return reader_of(user, language)


def reader_of(user: object, language: str | None = None) -> Translator:
    """The translator for a Telegram user.

    Their app's language (`language_code`) when the bot speaks it, else `language` (the
    question's), else English.
    """
    return translator(choose(getattr(user, "language_code", None), language))


def _briefing(context: ContextTypes.DEFAULT_TYPE) -> Briefing:
    return context.bot_data["briefing"]


def _first(items: tuple[str, ...]) -> str | None:
    return items[0] if items else None
