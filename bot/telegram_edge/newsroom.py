"""The editor's commands and jobs: /latest, /add and /gaps, and the timed feed refresh."""

from __future__ import annotations

import asyncio
import html
import logging
import time

from telegram import Update
from telegram.constants import MessageLimit
from telegram.ext import ContextTypes

from ..ingest.add import add_sources
from ..ingest.feeds import read_list, refresh
from ..ingest.fetch import Limits
from ..reload import Reloader, ReloadReport
from ..search.dates import newest_first
from . import texts
from .handlers import _admin, _briefing, _plain_within_limit, _send_typing, reader

log = logging.getLogger(__name__)

LATEST_ARTICLES = 10
SHOWN_GAPS = 20
# The first feed refresh runs this long after start-up, then every FEED_REFRESH_MINUTES.
FIRST_REFRESH_SECONDS = 10.0


async def latest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show the newest articles, with outlet, date and link."""
    articles = newest_first(_briefing(context).edition.index.articles)[:LATEST_ARTICLES]
    tr = reader(update)
    header = texts.latest_header(len(articles), tr)
    blocks = texts.sources_blocks(articles, tr)
    for text in texts.pack(blocks, MessageLimit.MAX_TEXT_LENGTH, header):
        await update.effective_message.reply_text(text)


async def add_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Add the pages at the given URLs to the briefing (admins only), then reload it."""
    briefing = _briefing(context)
    if not await _admin(update, briefing, "/add", log):
        return
    message, user = update.effective_message, update.effective_user
    urls = context.args or []
    if not urls:
        await message.reply_text(texts.add_usage_html(reader(update)))
        return
    await _send_typing(message, log)
    settings = briefing.settings
    limits = Limits.of(settings)
    outcomes = await asyncio.to_thread(add_sources, settings.corpus_dir, urls, limits, files=False)
    lines = [o.line() for o in outcomes]
    if any(o.changed for o in outcomes):
        report = await reload_after_change(briefing.reloader, f"/add from user {user.id}")
        lines.append(report.text().split("\n")[0])
    await message.reply_text(_plain_within_limit("\n".join(lines)), parse_mode=None)


async def gaps_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the most asked questions the briefing could not answer (admins only)."""
    briefing = _briefing(context)
    if not await _admin(update, briefing, "/gaps", log):
        return
    message = update.effective_message
    if briefing.gaps is None:
        await message.reply_text(texts.note_html(texts.GAPS_OFF, reader(update)))
        return
    gaps = briefing.gaps.top(SHOWN_GAPS)
    if not gaps:
        await message.reply_text(texts.note_html(texts.NO_GAPS, reader(update)))
        return
    blocks = [
        f"<b>{gap.count}\u00d7</b> {html.escape(gap.question)}\n"
        f"<i>last {time.strftime('%Y-%m-%d %H:%M', time.gmtime(gap.last_asked))} UTC, "
        f"{html.escape(', '.join(gap.kinds))}</i>"
        for gap in gaps
    ]
    header = "<b>Questions the briefing could not answer</b>, most asked first"
    for text in texts.pack(blocks, MessageLimit.MAX_TEXT_LENGTH, header):
        await message.reply_text(text)


async def refresh_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read the feeds, add new articles, and swap in the new index when anything changed.

    With MAX_ARTICLE_AGE_DAYS set the index is rebuilt at every run even when no article was
    added, so that articles leave it as they age (an unchanged set loads from the saved index).
    """
    briefing = _briefing(context)
    settings = briefing.settings
    changed = False
    if read_list(settings.corpus_dir):
        limits = Limits.of(settings)
        report = await asyncio.to_thread(refresh, settings.corpus_dir, limits)
        for feed in report.feeds:
            log.log(logging.WARNING if feed.error else logging.INFO, "Feed %s", feed.line())
            for outcome in feed.failed:
                log.warning("Feed page %s", outcome.line())
        log.info("%s", report.summary())
        changed = report.changed
    if changed or settings.max_article_age_days:
        await reload_after_change(briefing.reloader, "feed refresh")


async def reload_after_change(reloader: Reloader, trigger: str) -> ReloadReport:
    """Reload once any reload under way has finished (it may have missed the new files)."""
    while reloader.running:
        await asyncio.sleep(0.2)
    return await reloader.reload(trigger)
