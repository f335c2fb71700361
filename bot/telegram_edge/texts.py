"""The bot's own words in Telegram HTML: /start, /help, /sources, usage and short notes."""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import BotCommand

from ..render import article_label
from ..search.corpus import Article

MAX_TITLES = 5
MAX_TITLE_CHARS = 300

PRIVATE_COMMANDS = (
    BotCommand("help", "How to ask, and what the buttons do"),
    BotCommand("sources", "The articles in the briefing"),
    BotCommand("latest", "The newest articles, with links"),
    BotCommand("start", "What the briefing covers, with example questions"),
)
GROUP_COMMANDS = (
    BotCommand("ask", "Ask about the briefing: /ask your question"),
    BotCommand("sources", "The articles in the briefing"),
    BotCommand("latest", "The newest articles, with links"),
    BotCommand("help", "How to ask, and what the buttons do"),
)

NOT_TEXT = "I answer text questions about the briefing. Send your question as a message."
UNKNOWN_COMMAND = "I don't know that command. Send a question as a message, or see /help."
INLINE_HINT = "Type a question about the briefing"
HELP_POINTER = "See /help for what I can answer."
# Toasts for buttons that cannot do what they say any more (at most 200 characters).
UNKNOWN_BUTTON = "This button no longer works. Please ask your question again."
OLD_EDITION = "The briefing has changed since this answer. Please ask your question again."
FORGOTTEN = "I no longer have this question at hand. Please ask it again."
NO_MORE = "There are no more passages for this question."
TOO_OLD = "This message is too old to change. Please ask your question again."
FAILED = "Sorry, that did not work. Please try again."
SORRY = "Sorry, something went wrong while answering. Please try again."
ADD_USAGE = (
    "Write the page's address after the command, like this:\n"
    "<code>/add https://example.org/news/story.html</code>"
)
GAPS_OFF = "Unanswered questions are not recorded (GAPS_LOG is off)."
NO_GAPS = "No unanswered questions recorded yet."


def start_html(
    articles: Sequence[Article], examples: Sequence[str], username: str, reads_groups: bool
) -> str:
    """What the briefing covers, example questions, and how to ask in private and in groups."""
    titles = [f"\u2022 <i>{_short(article_label(a))}</i>" for a in articles[:MAX_TITLES]]
    if len(articles) > MAX_TITLES:
        titles.append(f"\u2026 and {len(articles) - MAX_TITLES} more: /sources")
    lines = [
        "I answer questions about this news briefing by quoting the articles exactly, each "
        "passage with its article, paragraph and source. I never add words of my own.",
        "",
        "<b>The briefing</b>",
        *titles,
    ]
    if examples:
        lines += ["", "<b>Try asking</b>", *(f"\u2022 {html.escape(q)}" for q in examples)]
    lines += ["", "Just send me a question.", group_usage_html(username, reads_groups)]
    return "\n".join(lines)


def group_usage_html(username: str, reads_groups: bool) -> str:
    """How to address the bot in a group, true to its privacy mode."""
    mention = (
        f", or mention @{html.escape(username)} in a message"
        if reads_groups
        else f" (mentioning @{html.escape(username)} works only in groups where I am an admin)"
    )
    return (
        "In a group, write <code>/ask</code> and your question, or reply to one of my "
        f"messages{mention}."
    )


def help_html(username: str, reads_groups: bool, inline: bool) -> str:
    """How to ask, what the buttons do, and every command."""
    lines = [
        "<b>Asking</b>",
        "Send any question as a message. I reply with the passages of the briefing that "
        "answer it, quoted exactly, each with its article, paragraph and source. If the "
        "briefing does not cover a question, I say so.",
        group_usage_html(username, reads_groups),
    ]
    if inline:
        lines.append(
            f"In any chat, type <code>@{html.escape(username)} your question</code> and pick "
            "a passage to share it with its citation."
        )
    lines += [
        "If you edit a question I have answered, I update my answer instead of sending a new one.",
        "",
        "<b>Buttons under an answer</b>",
        "\u00b6 N \u2014 the whole paragraph that passage N comes from",
        "More \u25b8 and \u25c2 Back \u2014 further passages, in the same message",
        "",
        "<b>Commands</b>",
        "/start \u2014 what the briefing covers, with example questions",
        "/help \u2014 this help",
        "/ask \u2014 ask a question (how to ask in a group)",
        "/sources \u2014 the articles, newest first, with outlet, date and link",
        "/latest \u2014 the newest articles",
    ]
    return "\n".join(lines)


def usage_html(example: str | None) -> str:
    """What to write after /ask (or after the mention)."""
    sample = html.escape(example or "your question")
    return f"Write your question after the command, like this:\n<code>/ask {sample}</code>"


def sources_blocks(articles: Sequence[Article]) -> list[str]:
    """One HTML block per article: title, then outlet, author and date, then the link."""
    blocks = []
    for number, article in enumerate(articles, start=1):
        lines = [f"<b>{number}.</b> <i>{_short(article.title)}</i>"]
        known = [x for x in (article.outlet, article.author, article.date) if x]
        if known:
            lines.append(html.escape(" \u00b7 ".join(known)))
        if article.url:
            url = html.escape(article.url)
            is_web = article.url.startswith(("http://", "https://"))
            lines.append(f'<a href="{url}">{url}</a>' if is_web else url)
        if not known and not article.url:
            lines.append("Outlet, date and link not given.")
        blocks.append("\n".join(lines))
    return blocks


def pack(blocks: Sequence[str], limit: int, header: str = "") -> list[str]:
    """Join blocks with blank lines into as few messages as fit within `limit` each."""
    messages: list[str] = []
    current = header
    for block in blocks:
        joined = f"{current}\n\n{block}" if current else block
        if current and utf16_length(joined) > limit:
            messages.append(current)
            current = block
        else:
            current = joined
    if current:
        messages.append(current)
    return messages


def _short(title: str) -> str:
    if len(title) > MAX_TITLE_CHARS:
        title = title[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "\u2026"
    return html.escape(title)


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
