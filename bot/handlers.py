"""Telegram handlers: parse the update, ask the core, render, reply; and `build_application`."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import signal
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, MutableMapping
from dataclasses import replace

from telegram import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
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
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from . import access, buttons, delivery
from . import telegram_texts as texts
from .answer import Answer, answer
from .config import Settings
from .index import SentenceIndex
from .reload import Edition, Reloader
from .render import citation_text, paragraph_html, passage_html, render_html
from .telegram_filters import ADDRESSED, REPLY_TO_BOT, question_text
from .transport import AiohttpRequest

log = logging.getLogger(__name__)

TEXT_LIMIT = MessageLimit.MAX_TEXT_LENGTH
ALLOWED_UPDATES = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
)
# "typing…" only for an answer that takes noticeable time: a quick one would spend a request
# (and, with Telegram's limits, a share of the chat's sending budget) on a flicker.
TYPING_AFTER_SECONDS = 1.0
TYPING_REFRESH_SECONDS = 4  # Telegram shows "typing…" for up to 5 s
REMEMBERED_QUESTIONS = 2000  # for "More" when the question cannot be read back from the chat
REMEMBERED_ANSWERS_PER_CHAT = 500  # question message id -> answer message id, for edits
INLINE_RESULTS = 5
INLINE_CACHE_SECONDS = 10
INLINE_TITLE_CHARS = 100
# Answers that take less CPU time than this are worked out on the event loop: handing them to a
# worker thread costs more than they do (bench/load.py: a fifth fewer answers a second).
# Slower ones (a large corpus) go to a worker thread, so that other chats are served meanwhile.
INLINE_ANSWER_SECONDS = 0.002


class Briefing:
    """What every handler shares: the edition answering now, the settings, recent questions."""

    def __init__(self, settings: Settings, reloader: Reloader) -> None:
        self.settings = settings
        self.reloader = reloader
        self.questions: OrderedDict[str, str] = OrderedDict()
        self.answer_seconds = 0.0  # CPU time of one answer, smoothed over the recent ones

    @property
    def edition(self) -> Edition:
        """The edition answering now; a handler reads it once, as a reload may swap it."""
        return self.reloader.current

    @property
    def index(self) -> SentenceIndex:
        """The current edition's index."""
        return self.edition.index

    @property
    def examples(self) -> tuple[str, ...]:
        """The current edition's example questions."""
        return self.edition.examples

    async def answer(
        self, question: str, edition: Edition, offset: int = 0, k: int | None = None
    ) -> Answer:
        """Ask the core: on the event loop while answers are quick, else in a worker thread."""
        args = (question, edition.index, k or self.settings.top_k, offset)
        if self.answer_seconds < INLINE_ANSWER_SECONDS:
            result, seconds = _timed_answer(*args)
        else:
            result, seconds = await asyncio.to_thread(_timed_answer, *args)
        self.answer_seconds += 0.2 * (seconds - self.answer_seconds)
        return result

    def remember(self, question: str) -> None:
        """Keep `question` for "More" presses; the oldest are forgotten first."""
        key = buttons.question_key(question)
        self.questions[key] = question
        self.questions.move_to_end(key)
        while len(self.questions) > REMEMBERED_QUESTIONS:
            self.questions.popitem(last=False)


# --- Commands ---


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say what the briefing covers, with example questions and how to ask in groups."""
    edition, me = _briefing(context).edition, context.bot.bot
    text = texts.start_html(
        edition.index.articles,
        edition.examples,
        me.username,
        bool(me.can_read_all_group_messages),
    )
    await update.effective_message.reply_text(text)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Explain how to ask, the buttons and the commands."""
    me = context.bot.bot
    text = texts.help_html(
        me.username, bool(me.can_read_all_group_messages), bool(me.supports_inline_queries)
    )
    await update.effective_message.reply_text(text)


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the articles with outlet, date and link."""
    articles = _briefing(context).edition.index.articles
    header = f"<b>The briefing</b>: {len(articles)} article{'s' if len(articles) != 1 else ''}"
    for text in texts.pack(texts.sources_blocks(articles), TEXT_LIMIT, header):
        await update.effective_message.reply_text(text)


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer `/ask question`; without a question, say how to ask."""
    await _answer_message(update.effective_message, context)


async def reload_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Rebuild the index from the corpus folder (admins only) and report how it went."""
    briefing = _briefing(context)
    message, user = update.effective_message, update.effective_user
    if not access.is_admin(briefing.settings, user):
        log.info("/reload refused for user %s: not in ADMIN_USER_IDS", user.id if user else "?")
        if message.chat.type == ChatType.PRIVATE:  # in groups, silence
            await message.reply_text(html.escape(access.ADMIN_ONLY))
        return
    async with _typing(message):
        report = await briefing.reloader.reload(f"/reload from user {user.id}")
    await message.reply_text(_plain_within_limit(report.text()), parse_mode=None)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Point to /help when a private chat sends a command the bot does not have."""
    await update.effective_message.reply_text(html.escape(texts.UNKNOWN_COMMAND))


# --- Messages ---


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message: any in a private chat, those addressed to the bot in a group."""
    await _answer_message(update.effective_message, context)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Say that only text questions are answered (stickers, photos, voice, …)."""
    await update.effective_message.reply_text(html.escape(texts.NOT_TEXT), do_quote=True)


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
        text, markup = _page(await briefing.answer(question, edition), edition, briefing)
        briefing.remember(question)
    else:
        text, markup = texts.usage_html(_first(edition.examples)), None
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
    try:
        toast = await _press(query, context)
    finally:
        await query.answer(text=toast)


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer the top passages for `@bot question`, each inserting the quote and citation."""
    query = update.inline_query
    question = query.query.strip()
    if not question:
        hint = InlineQueryResultsButton(texts.INLINE_HINT, start_parameter="help")
        await query.answer([], cache_time=INLINE_CACHE_SECONDS, button=hint)
        return
    briefing = _briefing(context)
    current = briefing.edition
    result = await briefing.answer(question, current, k=INLINE_RESULTS)
    edition = buttons.edition(current.index.corpus.fingerprint)
    results = []
    for passage in result.passages:
        quote = passage_html(passage)
        if texts.utf16_length(quote) > TEXT_LIMIT:  # a giant passage: the renderer's cut one
            quote = render_html(replace(result, passages=(passage,)), TEXT_LIMIT)[0]
        snippet = " ".join(passage.text.split())
        if len(snippet) > INLINE_TITLE_CHARS:
            snippet = snippet[: INLINE_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "\u2026"
        results.append(
            InlineQueryResultArticle(
                id=f"{edition}:{passage.rank}",
                title=snippet,
                description=citation_text(passage),
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


# --- Application ---


class _BriefingApplication(Application):
    """PTB's Application, closing its HTTP clients when start-up fails (PTB leaves them open)."""

    transports: tuple[BaseRequest, ...] = ()

    async def initialize(self) -> None:
        """Initialise as PTB does; if that fails (a rejected token), close the clients first."""
        try:
            await super().initialize()
        except Exception:
            for transport in self.transports:
                await transport.shutdown()
            raise


def build_application(
    settings: Settings,
    index: SentenceIndex,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    reload_on_sighup: bool = False,
) -> Application:
    """Build the bot around a ready index; `request`s replace the HTTP layer (tests).

    With `reload_on_sighup`, SIGHUP rebuilds the index as /reload does (for `bot run`).
    """
    builder = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_file_base_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                allow_sending_without_reply=True,
            )
        )
        .rate_limiter(delivery.rate_limiter(settings))
        # Answers in one chat must not wait for another chat's flood-control pause.
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    transports = (request or AiohttpRequest(), get_updates_request or AiohttpRequest(1))
    builder = builder.request(transports[0]).get_updates_request(transports[1])
    builder = builder.application_class(_BriefingApplication)
    application = builder.build()
    application.transports = transports
    application.bot_data["reload_on_sighup"] = reload_on_sighup
    application.bot_data["briefing"] = Briefing(settings, Reloader(settings, Edition.of(index)))

    # Edits go to edited_question only; a channel's posts copied into its discussion group are
    # not questions.
    new = filters.UpdateType.MESSAGE & ~filters.IS_AUTOMATIC_FORWARD
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    not_via_bot = ~filters.ViaBot(allow_empty=True)  # inline results someone shared
    # In a group, a forwarded message's mention or reply was meant for another chat.
    addressed = groups & ADDRESSED & ~filters.FORWARDED

    # Chats outside ALLOWED_CHAT_IDS: told once that the bot is private, then ignored.
    application.add_handler(TypeHandler(Update, access.gate), group=-1)

    # Commands: /cmd and /cmd@ThisBot, never /cmd@OtherBot.
    application.add_handler(CommandHandler("start", start, filters=new))
    application.add_handler(CommandHandler("help", help_command, filters=new))
    application.add_handler(CommandHandler("sources", sources, filters=new))
    application.add_handler(CommandHandler("ask", ask, filters=new))
    application.add_handler(CommandHandler("reload", reload_command, filters=new))
    application.add_handler(MessageHandler(new & private & filters.COMMAND, unknown_command))

    # Questions: anything in private; in groups only replies to the bot and mentions of it.
    text = new & filters.TEXT & ~filters.COMMAND & not_via_bot
    application.add_handler(MessageHandler(text & (private | addressed), text_message))
    other = new & ~filters.TEXT & ~filters.StatusUpdate.ALL & not_via_bot
    to_bot = groups & REPLY_TO_BOT & ~filters.FORWARDED
    application.add_handler(MessageHandler(other & (private | to_bot), not_text))
    application.add_handler(
        MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.TEXT, edited_question)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrate))

    # Buttons and inline mode.
    application.add_handler(CallbackQueryHandler(button))
    application.add_handler(InlineQueryHandler(inline_query))

    application.add_error_handler(error_handler)
    return application


async def _post_init(application: Application) -> None:
    """Register the command menus; run on without them if Telegram refuses."""
    bot = application.bot
    menus = (
        (texts.PRIVATE_COMMANDS, BotCommandScopeAllPrivateChats()),
        (texts.GROUP_COMMANDS, BotCommandScopeAllGroupChats()),
    )
    for commands, scope in menus:
        try:
            await bot.set_my_commands(commands, scope=scope)
        except TelegramError as exc:
            log.warning("Telegram refused the %s command menu (%s); running on", scope.type, exc)
    briefing = _briefing_of(application)
    if application.bot_data.get("reload_on_sighup") and hasattr(signal, "SIGHUP"):

        def on_sighup() -> None:
            application.create_task(briefing.reloader.reload("SIGHUP"), name="reload")

        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_sighup)
    index = briefing.edition.index
    log.info(
        "@%s ready: %d article(s), corpus %s",
        bot.username,
        len(index.articles),
        buttons.edition(index.corpus.fingerprint),
    )


async def _post_shutdown(application: Application) -> None:
    """Give SIGHUP back to the default handler."""
    if application.bot_data.get("reload_on_sighup") and hasattr(signal, "SIGHUP"):
        with contextlib.suppress(RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


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
        usage = texts.usage_html(_first(edition.examples))
        await message.reply_text(usage, do_quote=True)
        return
    async with _typing(message):
        result = await briefing.answer(question, edition)
    text, markup = _page(result, edition, briefing)
    sent = await message.reply_text(text, reply_markup=markup, do_quote=True)
    briefing.remember(question)
    answers = _answers(context)
    answers[message.message_id] = sent.message_id
    while len(answers) > REMEMBERED_ANSWERS_PER_CHAT:
        answers.popitem(last=False)


def _page(
    result: Answer, edition: Edition, briefing: Briefing
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One message for an answer: as many passages as fit, with the buttons that apply."""
    if not result.passages:
        return f"{html.escape(result.message or '')}\n{texts.HELP_POINTER}", None
    for shown in range(len(result.passages), 0, -1):
        messages = render_html(replace(result, passages=result.passages[:shown]), TEXT_LIMIT)
        if len(messages) == 1:
            break
    keyboard = buttons.answer_keyboard(result, shown, edition.index, briefing.settings.top_k)
    return messages[0], keyboard


async def _press(query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """Carry out a button press; return a toast for the user, or None."""
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
            s.source
            for s in index.sentences_of(article)
            if s.paragraph == pressed.paragraph and s.source
        ]
        text = paragraph_html(article, pressed.paragraph, list(dict.fromkeys(credited)))
        back = buttons.back_keyboard(pressed)
        await _ignore_unmodified(message.edit_text(text, reply_markup=back))
        return None
    question = _asked(message, pressed.question_key, briefing)
    if question is None:
        return texts.FORGOTTEN
    result = await briefing.answer(question, edition, pressed.offset)
    if not result.passages:
        return texts.NO_MORE
    text, markup = _page(result, edition, briefing)
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


async def _send_typing(message: Message) -> None:
    try:
        await message.reply_chat_action(ChatAction.TYPING)
    except TelegramError as exc:
        log.debug("typing indicator not shown: %s", exc)


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
        await update.message.reply_text(html.escape(texts.SORRY))


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


def _briefing(context: ContextTypes.DEFAULT_TYPE) -> Briefing:
    return context.bot_data["briefing"]


def _briefing_of(application: Application) -> Briefing:
    return application.bot_data["briefing"]


def _first(items: tuple[str, ...]) -> str | None:
    return items[0] if items else None


def _timed_answer(
    question: str, index: SentenceIndex, k: int, offset: int
) -> tuple[Answer, float]:
    """The core's answer, and the CPU time it took (waiting for the GIL does not count)."""
    started = time.thread_time()
    result = answer(question, index, k, offset)
    return result, time.thread_time() - started
