"""The Telegram application: `build_application` registers the handlers around a ready index."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from urllib.parse import urlsplit

from telegram import (
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from ..config import Settings
from ..errors import BotError
from ..i18n import SOURCE, available, translator
from ..ingest.gaps import open_log
from ..reload import Edition, Reloader
from ..search.index import SentenceIndex
from . import access, buttons, delivery, newsroom, texts
from .addressing import ADDRESSED, REPLY_TO_BOT
from .briefing import Briefing
from .handlers import (
    ask,
    button,
    edited_question,
    error_handler,
    help_command,
    inline_query,
    migrate,
    not_text,
    reload_command,
    sources,
    start,
    text_message,
    unknown_command,
)
from .transport import AiohttpRequest

log = logging.getLogger(__name__)

ALLOWED_UPDATES = (
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
)
# deleteWebhook/setWebhook at start-up are retried this often (1 s, then 1.5×, … apart) before
# `bot run` gives up; a rejected token is never retried.
BOOTSTRAP_RETRIES = 5


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
    reloader = Reloader(settings, Edition.of(index))
    application.bot_data["briefing"] = Briefing(settings, reloader, open_log(settings))

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
    application.add_handler(CommandHandler("latest", newsroom.latest, filters=new))
    application.add_handler(CommandHandler("add", newsroom.add_command, filters=new))
    application.add_handler(CommandHandler("gaps", newsroom.gaps_command, filters=new))
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
    """Register the command menus, one a language; run on without them if Telegram refuses."""
    bot = application.bot
    menus = (
        (texts.PRIVATE_MENU, BotCommandScopeAllPrivateChats()),
        (texts.GROUP_MENU, BotCommandScopeAllGroupChats()),
    )
    for menu, scope in menus:
        # English for every user whose language has no menu of its own, then one a language.
        for code in available():
            commands = texts.commands(menu, translator(code))
            language = None if code == SOURCE else code
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=language)
            except TelegramError as exc:
                log.warning(
                    "Telegram refused the %s command menu for %s (%s); running on",
                    scope.type,
                    code,
                    exc,
                )
    briefing: Briefing = application.bot_data["briefing"]
    if application.bot_data.get("reload_on_sighup") and hasattr(signal, "SIGHUP"):

        def on_sighup() -> None:
            application.create_task(briefing.reloader.reload("SIGHUP"), name="reload")

        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_sighup)
    schedule_refresh(application)
    index = briefing.edition.index
    log.info(
        "@%s ready: %d article(s), corpus %s",
        bot.username,
        len(index.articles),
        buttons.edition(index.corpus.fingerprint),
    )


def schedule_refresh(application: Application) -> None:
    """Read the feeds every FEED_REFRESH_MINUTES with PTB's JobQueue (0: never)."""
    settings: Settings = application.bot_data["briefing"].settings
    minutes = settings.feed_refresh_minutes
    if not minutes:
        return
    if application.job_queue is None:  # python-telegram-bot installed without [job-queue]
        log.warning(
            "No job queue: feeds are not refreshed; install python-telegram-bot[job-queue]"
        )
        return
    application.job_queue.run_repeating(
        newsroom.refresh_job,
        interval=minutes * 60,
        first=min(newsroom.FIRST_REFRESH_SECONDS, minutes * 60),
        name="feed refresh",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    log.info("Feeds are read every %g minutes", minutes)


async def _post_shutdown(application: Application) -> None:
    """Give SIGHUP back to the default handler; close the gaps log."""
    if application.bot_data.get("reload_on_sighup") and hasattr(signal, "SIGHUP"):
        with contextlib.suppress(RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    gaps = application.bot_data["briefing"].gaps
    if gaps is not None:
        gaps.close()


def serve(
    settings: Settings, index: SentenceIndex, secret: str, redact: Callable[[str], str]
) -> None:
    """Run the bot until Ctrl-C or SIGTERM: long polling, or a webhook when one is set.

    Raises BotError, in one line that never holds the token, when Telegram refuses the token
    or cannot be reached.
    """
    application = build_application(settings, index, reload_on_sighup=True)
    try:
        if settings.webhook_url:
            where = f"{settings.webhook_listen}:{settings.webhook_port}"
            log.info("Listening on %s for Telegram's webhook calls", where)
            application.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
                webhook_url=settings.webhook_url,
                secret_token=secret,
                allowed_updates=list(ALLOWED_UPDATES),
                bootstrap_retries=BOOTSTRAP_RETRIES,
            )
        else:
            application.run_polling(
                allowed_updates=list(ALLOWED_UPDATES), bootstrap_retries=BOOTSTRAP_RETRIES
            )
    except InvalidToken:
        raise BotError(
            "Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather (/token)"
        ) from None
    except NetworkError as exc:
        raise BotError(
            redact(f"cannot reach the Bot API at {settings.telegram_base_url}: {exc}")
        ) from None
