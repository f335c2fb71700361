"""The bot's own words in Telegram HTML: /start, /help, /sources, usage and short notes.

Every text is an English message id (`N_`), said in the reader's language by a `Translator`
(`bot.i18n`); the functions take the translator of the chat they write to.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from telegram import BotCommand

from ..i18n import ENGLISH, N_, NP_, Translator
from ..render import article_label
from ..search.answer import NO_MORE as NO_MORE  # the core says it too
from ..search.corpus import Article

MAX_TITLES = 5
MAX_TITLE_CHARS = 300

HELP_COMMAND = N_("How to ask, and what the buttons do")
SOURCES_COMMAND = N_("The articles in the briefing")
LATEST_COMMAND = N_("The newest articles, with links")
START_COMMAND = N_("What the briefing covers, with example questions")
ASK_COMMAND = N_("Ask about the briefing: /ask your question")
PRIVATE_MENU = (
    ("help", HELP_COMMAND),
    ("sources", SOURCES_COMMAND),
    ("latest", LATEST_COMMAND),
    ("start", START_COMMAND),
)
GROUP_MENU = (
    ("ask", ASK_COMMAND),
    ("sources", SOURCES_COMMAND),
    ("latest", LATEST_COMMAND),
    ("help", HELP_COMMAND),
)

NOT_TEXT = N_("I answer text questions about the briefing. Send your question as a message.")
UNKNOWN_COMMAND = N_("I don't know that command. Send a question as a message, or see /help.")
INLINE_HINT = N_("Type a question about the briefing")
HELP_POINTER = N_("See /help for what I can answer.")
# Toasts for buttons that cannot do what they say any more (at most 200 characters).
UNKNOWN_BUTTON = N_("This button no longer works. Please ask your question again.")
OLD_EDITION = N_("The briefing has changed since this answer. Please ask your question again.")
FORGOTTEN = N_("I no longer have this question at hand. Please ask it again.")
# A sharded index none of whose shards replied (see `briefing.Briefing.answer`).
UNAVAILABLE = N_("Sorry, the briefing cannot be searched right now. Please try again in a minute.")
TOO_OLD = N_("This message is too old to change. Please ask your question again.")
FAILED = N_("Sorry, that did not work. Please try again.")
SORRY = N_("Sorry, something went wrong while answering. Please try again.")
ADD_USAGE = N_("Write the page's address after the command, like this:")
GAPS_OFF = N_("Unanswered questions are not recorded (GAPS_LOG is off).")
NO_GAPS = N_("No unanswered questions recorded yet.")
INTRO = N_(
    "I answer questions about this news briefing by quoting the articles exactly, each "
    "passage with its article, paragraph and source. I never add words of my own."
)
THE_BRIEFING = N_("The briefing")
TRY_ASKING = N_("Try asking")
JUST_ASK = N_("Just send me a question.")
MORE_TITLES = NP_("\u2026 and {count} more: /sources", "\u2026 and {count} more: /sources")
IN_GROUPS = N_(
    "In a group, write {ask} and your question, or reply to one of my messages, or mention "
    "{bot} in a message."
)
IN_GROUPS_PRIVACY = N_(
    "In a group, write {ask} and your question, or reply to one of my messages (mentioning "
    "{bot} works only in groups where I am an admin)."
)
ASKING = N_("Asking")
ASKING_TEXT = N_(
    "Send any question as a message. I reply with the passages of the briefing that answer "
    "it, quoted exactly, each with its article, paragraph and source. If the briefing does "
    "not cover a question, I say so."
)
INLINE_USE = N_("In any chat, type {example} and pick a passage to share it with its citation.")
YOUR_QUESTION = N_("your question")
EDITS = N_(
    "If you edit a question I have answered, I update my answer instead of sending a new one."
)
LANGUAGES = N_(
    "Ask in any language: I answer from the articles in your language, and say so when the "
    "briefing has none."
)
BUTTONS = N_("Buttons under an answer")
PARAGRAPH_BUTTON = N_("\u00b6 N \u2014 the whole paragraph that passage N comes from")
MORE_BUTTONS = N_("More \u25b8 and \u25c2 Back \u2014 further passages, in the same message")
COMMANDS = N_("Commands")
START_HELP = N_("/start \u2014 what the briefing covers, with example questions")
HELP_HELP = N_("/help \u2014 this help")
ASK_HELP = N_("/ask \u2014 ask a question (how to ask in a group)")
SOURCES_HELP = N_("/sources \u2014 the articles, newest first, with outlet, date and link")
LATEST_HELP = N_("/latest \u2014 the newest articles")
USAGE = N_("Write your question after the command, like this:")
NOT_GIVEN = N_("Outlet, date and link not given.")
ARTICLES = NP_("{count} article", "{count} articles")
NEWEST = N_("Newest in the briefing")


def commands(menu: Sequence[tuple[str, str]], tr: Translator = ENGLISH) -> list[BotCommand]:
    """A command menu in the translator's language."""
    return [BotCommand(name, tr(description)) for name, description in menu]


def start_html(
    articles: Sequence[Article],
    examples: Sequence[str],
    username: str,
    reads_groups: bool,
    tr: Translator = ENGLISH,
) -> str:
    """What the briefing covers, example questions, and how to ask in private and in groups."""
    titles = [
        f"\u2022 {tr.isolate(f'<i>{_short(article_label(a))}</i>')}" for a in articles[:MAX_TITLES]
    ]
    if len(articles) > MAX_TITLES:
        titles.append(tr.plural(*MORE_TITLES, len(articles) - MAX_TITLES))
    lines = [tr.html(INTRO), "", f"<b>{tr.html(THE_BRIEFING)}</b>", *titles]
    if examples:
        asked = (f"\u2022 {tr.isolate(html.escape(q))}" for q in examples)
        lines += ["", f"<b>{tr.html(TRY_ASKING)}</b>", *asked]
    lines += ["", tr.html(JUST_ASK), group_usage_html(username, reads_groups, tr)]
    return tr.lines("\n".join(lines))


def group_usage_html(username: str, reads_groups: bool, tr: Translator = ENGLISH) -> str:
    """How to address the bot in a group, true to its privacy mode."""
    message = IN_GROUPS if reads_groups else IN_GROUPS_PRIVACY
    return tr.html(message, ask="<code>/ask</code>", bot=f"@{html.escape(username)}")


def help_html(username: str, reads_groups: bool, inline: bool, tr: Translator = ENGLISH) -> str:
    """How to ask, what the buttons do, and every command."""
    lines = [
        f"<b>{tr.html(ASKING)}</b>",
        tr.html(ASKING_TEXT),
        group_usage_html(username, reads_groups, tr),
    ]
    if inline:
        example = f"<code>@{html.escape(username)} {tr.html(YOUR_QUESTION)}</code>"
        lines.append(tr.html(INLINE_USE, example=example))
    lines += [
        tr.html(EDITS),
        tr.html(LANGUAGES),
        "",
        f"<b>{tr.html(BUTTONS)}</b>",
        tr.html(PARAGRAPH_BUTTON),
        tr.html(MORE_BUTTONS),
        "",
        f"<b>{tr.html(COMMANDS)}</b>",
        tr.html(START_HELP),
        tr.html(HELP_HELP),
        tr.html(ASK_HELP),
        tr.html(SOURCES_HELP),
        tr.html(LATEST_HELP),
    ]
    return tr.lines("\n".join(lines))


def usage_html(example: str | None, tr: Translator = ENGLISH) -> str:
    """What to write after /ask (or after the mention)."""
    sample = html.escape(example) if example else tr.html(YOUR_QUESTION)
    return tr.lines(f"{tr.html(USAGE)}\n") + f"<code>/ask {sample}</code>"


def add_usage_html(tr: Translator = ENGLISH) -> str:
    """What to write after /add."""
    return (
        tr.lines(f"{tr.html(ADD_USAGE)}\n")
        + "<code>/add https://example.org/news/story.html</code>"
    )


def sources_header(count: int, tr: Translator = ENGLISH) -> str:
    """The heading of /sources: "The briefing: 5 articles"."""
    return tr.lines(f"<b>{tr.html(THE_BRIEFING)}</b>: {tr.plural(*ARTICLES, count)}")


def latest_header(count: int, tr: Translator = ENGLISH) -> str:
    """The heading of /latest: "Newest in the briefing (10)"."""
    return tr.lines(f"<b>{tr.html(NEWEST)}</b> ({count})")


def note_html(message: str, tr: Translator = ENGLISH) -> str:
    """One of the bot's short notes, in the reader's language, as Telegram HTML."""
    return tr.lines(tr.html(message))


def sources_blocks(articles: Sequence[Article], tr: Translator = ENGLISH) -> list[str]:
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
            lines.append(tr.html(NOT_GIVEN))
        blocks.append(tr.lines("\n".join(lines)))
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
