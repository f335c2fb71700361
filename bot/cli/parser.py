"""The `bot` command's arguments: one sub-command each, with its help and examples."""

from __future__ import annotations

import argparse

from .. import __version__
from ..config import MAX_SHARDS, MAX_TOP_K
from .editor import (
    add_command,
    cluster_command,
    feeds_command,
    gaps_command,
    index_command,
    refresh_command,
    run_command,
)
from .reader import ask_command, chat_command, corpus_command

EXAMPLES = """examples:
  bot ask "How many people fled Aleppo?"
  bot ask --json "Who controls eastern Aleppo?"
  bot ask --explain "Who is winning the battle for the city?"
  bot ask --json < questions.txt        one question a line in, one JSON line out
  bot chat                              ask, read, ask again; Ctrl-D quits
  bot corpus --sentences aleppo         how an article was split and credited
  bot run                               the Telegram bot (TELEGRAM_BOT_TOKEN in .env)
  bot add https://example.org/news/story.html   add a web page as an article
  bot feeds add https://example.org/rss  list a feed; `bot refresh` adds its new articles
  bot index build --shards 4            shard the index over the Ray cluster at RAY_ADDRESS
"""
RUN_EXAMPLES = """examples:
  bot run                               long polling; Ctrl-C or SIGTERM stops it
  bot run --webhook-url https://bot.example.org/telegram --port 8443
"""
LANG_HELP = (
    "the language of the bot's own words, like ru or ar (default: the question's when the bot "
    "speaks it, else English)"
)


def _shards(value: str) -> int:
    number = int(value)
    if not 1 <= number <= MAX_SHARDS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_SHARDS}")
    return number


def _top(value: str) -> int:
    number = int(value)
    if not 1 <= number <= MAX_TOP_K:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_TOP_K}")
    return number


def parser() -> argparse.ArgumentParser:
    """The `bot` command's argument parser."""
    command = argparse.ArgumentParser(
        prog="bot",
        description="Briefing Bot: questions about a news briefing, answered with cited quotes.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--corpus", metavar="PATH", help="corpus folder (default: $CORPUS_DIR or ./corpus)"
    )
    sub = command.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = sub.add_parser(
        "ask",
        parents=[common],
        help="answer a question offline (no token needed)",
        description="Answer a question from the corpus; with none, read one a line from stdin.",
        epilog='example: bot ask "How many people fled Aleppo?"',
    )
    ask.add_argument("question", nargs="*", help="the question (quote it, or give it as words)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("-k", "--top", type=_top, help="passages per answer (default: $TOP_K or 3)")
    ask.add_argument("--offset", type=int, default=0, help="skip this many passages (paging)")
    ask.add_argument(
        "--explain", action="store_true", help="show what ranked each passage (bm25, semantic)"
    )
    ask.add_argument("--lang", metavar="CODE", help=LANG_HELP)
    ask.set_defaults(handler=ask_command)

    chat = sub.add_parser(
        "chat",
        parents=[common],
        help="interactive questions in the terminal",
        description="Ask, read, ask again. /more shows further passages; Ctrl-D quits.",
        epilog="example: bot chat --corpus corpus/",
    )
    chat.add_argument("-k", "--top", type=_top, help="passages per answer (default: $TOP_K or 3)")
    chat.add_argument("--lang", metavar="CODE", help=LANG_HELP)
    chat.set_defaults(handler=chat_command)

    corpus = sub.add_parser(
        "corpus",
        parents=[common],
        help="list articles, or show how one was split into sentences",
        description="List the corpus articles with paragraph and sentence counts, and warnings.",
        epilog="example: bot corpus --sentences aleppo",
    )
    corpus.add_argument("--sentences", metavar="ARTICLE", help="number the sentences of ARTICLE")
    corpus.set_defaults(handler=corpus_command)

    run = sub.add_parser(
        "run",
        parents=[common],
        help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)",
        description=(
            "Run the Telegram bot with long polling, or behind a webhook with --webhook-url. "
            "Flags override the WEBHOOK_* settings. Ctrl-C or SIGTERM stops it (exit 0)."
        ),
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--webhook-url", metavar="URL", help="public https URL Telegram calls")
    run.add_argument("--listen", metavar="ADDR", help="address to listen on (default 0.0.0.0)")
    run.add_argument("--port", type=int, metavar="N", help="port to listen on (default 8443)")
    run.add_argument(
        "--secret-token",
        metavar="S",
        help="webhook secret (prefer WEBHOOK_SECRET: flags show in the process list)",
    )
    run.set_defaults(handler=run_command)
    _ingest_parsers(sub, common)
    _cluster_parsers(sub, common)
    return command


def _cluster_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    index = sub.add_parser(
        "index",
        parents=[common],
        help="build the index now: saved, or sharded over a Ray cluster",
        description=(
            "Build the index of the corpus and save it (INDEX_CACHE_DIR), as the bot would at "
            "start-up. With --shards N, build it as N shards on the Ray cluster at RAY_ADDRESS "
            "(a local Ray when unset) in SHARD_DIR; unchanged shards are kept."
        ),
        epilog="example: bot index build --shards 4",
    )
    actions = index.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("build", help="build the index (see bot index --help)")
    build.add_argument(
        "--shards", type=_shards, metavar="N", help="shard the index N ways over a Ray cluster"
    )
    build.add_argument("--corpus", metavar="PATH", default=argparse.SUPPRESS, help="corpus folder")
    index.set_defaults(handler=index_command)

    cluster = sub.add_parser(
        "cluster",
        parents=[common],
        help="the sharded index's shards on the Ray cluster: sizes, memory, health",
        description=(
            "Connect to the Ray cluster at RAY_ADDRESS and show the sharded index: each shard "
            "with its articles, sentences, size on disk, memory, host and health. Exit code 1 "
            "when a shard is not up."
        ),
        epilog="example: RAY_ADDRESS=auto bot cluster",
    )
    cluster.add_argument(
        "--stop", action="store_true", help="stop every shard (the bot starts them again)"
    )
    cluster.set_defaults(handler=cluster_command)


def _ingest_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    add = sub.add_parser(
        "add",
        parents=[common],
        help="add web pages or saved HTML files as articles",
        description=(
            "Fetch each URL (or read each saved .html file), extract the article with "
            "trafilatura and write it into the corpus folder. An article already there is "
            "reported and not added again; one whose text changed is replaced."
        ),
        epilog="example: bot add https://example.org/news/harbour.html saved-page.html",
    )
    add.add_argument("sources", nargs="+", metavar="URL_OR_FILE", help="http(s) URL or .html file")
    add.set_defaults(handler=add_command)

    feeds = sub.add_parser(
        "feeds",
        parents=[common],
        help="list, add or remove the RSS and Atom feeds",
        description="List the feeds (feeds.list in the corpus folder), or add or remove one.",
        epilog="example: bot feeds add https://example.org/rss\n         bot feeds remove 2",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = feeds.add_subparsers(dest="action", metavar="ACTION")
    # --corpus after the action too; SUPPRESS keeps one given before it.
    nested = argparse.ArgumentParser(add_help=False)
    nested.add_argument(
        "--corpus", metavar="PATH", default=argparse.SUPPRESS, help="corpus folder"
    )
    feed_add = actions.add_parser("add", parents=[nested], help="check a feed and list it")
    feed_add.add_argument("url", help="the feed's http(s) URL")
    feed_remove = actions.add_parser("remove", parents=[nested], help="take a feed off the list")
    feed_remove.add_argument("feed", help="its URL, or its number in `bot feeds`")
    feeds.set_defaults(handler=feeds_command)

    refresh = sub.add_parser(
        "refresh",
        parents=[common],
        help="read every feed once and add its new articles",
        description=(
            "Read every listed feed (conditionally: unchanged feeds cost one short request) "
            "and add the pages of new entries; print a line a feed and a summary."
        ),
        epilog="example: bot refresh --corpus corpus/",
    )
    refresh.set_defaults(handler=refresh_command)

    gaps = sub.add_parser(
        "gaps",
        parents=[common],
        help="questions the bot could not answer, most asked first",
        description=(
            "List the questions readers asked that the briefing did not cover (recorded by "
            "the Telegram bot unless GAPS_LOG=off): how often, when last, in which kinds of chat."
        ),
        epilog="example: bot gaps --days 7 --limit 10",
    )
    gaps.add_argument("--limit", type=int, default=20, help="questions shown (default 20)")
    gaps.add_argument("--days", type=float, help="only questions of the last N days")
    gaps.add_argument("--clear", action="store_true", help="forget every recorded question")
    gaps.set_defaults(handler=gaps_command)
