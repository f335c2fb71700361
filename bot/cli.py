"""The `bot` command: ask questions offline, chat in the terminal, inspect the corpus."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import __version__, models
from .config import MAX_SHARDS, MAX_TOP_K, Settings, read_environment
from .errors import BotError

if TYPE_CHECKING:
    from .search.index import SentenceIndex

# The search core is imported by the commands that use it, after `bot ask` has started opening
# the semantic model in a thread (`models.ModelChoice.prefetch`): the two overlap.

log = logging.getLogger(__name__)

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
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env(read_environment())
        if getattr(args, "corpus", None):
            settings = _with_corpus(settings, args.corpus)
        return args.handler(args, settings)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def ask_command(args: argparse.Namespace, settings: Settings) -> int:
    """Answer the question on the command line, or every line of standard input."""
    models.choice(settings).prefetch()
    from .search.languages import detect

    asked = " ".join(args.question)
    if not (asked and detect.plainly_english_question(asked)):
        detect.prefetch()  # an English question to an English briefing never needs its model
    top = args.top or settings.top_k
    index = _build_index(settings)
    if args.question:
        questions: Iterator[str] = iter([" ".join(args.question)])
    elif not sys.stdin.isatty():
        questions = _lines(sys.stdin)
    else:
        print('error: no question; try: bot ask "Who controls eastern Aleppo?"', file=sys.stderr)
        index.close()
        return 2
    with contextlib.closing(index):  # a sharded index lets go of its shards (they run on)
        _ask_each(args, index, questions, top)
    return 0


def _ask_each(
    args: argparse.Namespace, index: SentenceIndex, questions: Iterator[str], top: int
) -> None:
    from .i18n import translator
    from .render import answer_json, render_text
    from .search.answer import answer

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = min(shutil.get_terminal_size().columns, 100) - 1
    for n, question in enumerate(questions):
        try:
            result = answer(question, index, k=top, offset=args.offset)
        except Exception as exc:  # one bad line must not stop a batch
            log.debug("question failed", exc_info=True)
            if args.json:
                print(json.dumps({"question": question, "hits": [], "error": str(exc)}))
            else:
                print(f"error: could not answer {question!r}: {exc}", file=sys.stderr)
            continue
        tr = translator(args.lang or result.language)
        if args.json:
            print(json.dumps(answer_json(result, tr), ensure_ascii=False), flush=True)
        else:
            if not args.question:
                print(("\n" if n else "") + f"Q: {question}")
            hint = f"(more: add --offset {args.offset + top})" if args.question else None
            text = render_text(result, width, color, hint, args.explain, tr)
            print(text, flush=True)


def chat_command(args: argparse.Namespace, settings: Settings) -> int:
    """Ask, read, ask again; `/more` shows further passages; Ctrl-D quits."""
    models.choice(settings).prefetch()
    from .search.languages import detect

    detect.prefetch()
    index = _build_index(settings)
    with contextlib.closing(index):  # a sharded index lets go of its shards (they run on)
        return _chat(index, args.top or settings.top_k, args.lang)


def _chat(index: SentenceIndex, top: int, lang: str | None) -> int:
    from .i18n import translator
    from .render import render_text
    from .search.answer import answer

    interactive = sys.stdin.isatty()
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        titles = "; ".join(a.title for a in index.articles[:3])
        more = f" and {len(index.articles) - 3} more" if len(index.articles) > 3 else ""
        print(f"Briefing: {titles}{more}.")
        print('Ask a question ("/more" for further passages, Ctrl-D to quit).\n')
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = min(shutil.get_terminal_size().columns, 100) - 1
    last_question, offset = "", 0
    while True:
        try:
            line = input("? " if interactive else "")
        except EOFError:
            if interactive:
                print()
            return 0
        except KeyboardInterrupt:
            print()
            return 0
        line = line.strip()
        if not line:
            continue
        if line in ("/more", "/m"):
            if not last_question:
                print("Ask a question first.\n")
                continue
            offset += top
        else:
            last_question, offset = line, 0
        try:
            result = answer(last_question, index, k=top, offset=offset)
        except BotError as exc:  # a sharded index none of whose shards replied
            print(f"error: {exc}\n", file=sys.stderr)
            continue
        tr = translator(lang or result.language)
        text = render_text(result, width, color, "(/more for more)", tr=tr)
        print(text + "\n", flush=True)


def corpus_command(args: argparse.Namespace, settings: Settings) -> int:
    """List the articles, or show how one article was split into sentences and credited."""
    from .reload import build_index

    index = build_index(replace(settings, semantic="off"))  # no question is asked
    corpus = index.corpus
    for warning in corpus.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    out = sys.stdout
    if args.sentences:
        article = index.article(args.sentences)
        if article is None:
            known = ", ".join(a.id for a in index.articles)
            raise BotError(
                f"No article {args.sentences!r} in {settings.corpus_dir}; known: {known}"
            )
        _print_sentences(index, article.id, out)
        return 0
    sentences = {a.id: 0 for a in index.articles}
    for i in range(len(index)):
        sentences[index.sentence(i).article.id] += 1
    print(
        f"{settings.corpus_dir}: {len(index.articles)} article(s), "
        f"{sum(len(a.paragraphs) for a in index.articles)} paragraphs, {len(index)} sentences",
        file=out,
    )
    for article in index.articles:
        meta = ", ".join(x for x in (article.outlet, article.author, article.date) if x)
        print(f"\n{article.id}\n  title: {article.title}", file=out)
        if meta:
            print(f"  {meta}", file=out)
        if article.url:
            print(f"  {article.url}", file=out)
        print(
            f"  {len(article.paragraphs)} paragraphs, {sentences[article.id]} sentences, "
            f"language {index.language_of(article)}",
            file=out,
        )
    if corpus.warnings:
        count = len(corpus.warnings)
        print(f"\n{count} warning{'' if count == 1 else 's'}; see above.", file=out)
    return 0


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot until Ctrl-C or SIGTERM: long polling, or a webhook."""
    flags = {
        "webhook_url": args.webhook_url,
        "webhook_listen": args.listen,
        "webhook_port": args.port,
        "webhook_secret": args.secret_token,
    }
    settings = replace(settings, **{k: v for k, v in flags.items() if v is not None})
    token = settings.require_token()  # before anything touches the network
    # Without a configured secret, a fresh one each start: Telegram learns it from setWebhook.
    secret = settings.webhook_secret or secrets.token_urlsafe(32)
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT, force=True)
    models.choice(settings).prefetch()
    from .logsafety import protect_logging

    redactor = protect_logging([token, secret], settings.log_level)
    index = _build_index(settings)

    from .telegram_edge import serve

    serve(settings, index, secret, redactor.redact)
    return 0


def index_command(args: argparse.Namespace, settings: Settings) -> int:
    """Build the index and save it, or shard it over a Ray cluster with --shards."""
    from .reload import build_index, load_articles

    started = time.monotonic()
    if not args.shards:
        if settings.index_cache is None:
            raise BotError("INDEX_CACHE_DIR is off: an index built now would not be kept")
        index = build_index(replace(settings, ray_address=None))
        for warning in index.corpus.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        where = settings.corpus_dir / settings.index_cache
        print(
            f"{len(index.articles):,} articles, {len(index):,} sentences indexed in "
            f"{time.monotonic() - started:.1f} s; saved in {where}"
        )
        return 0
    from . import cluster

    if not settings.ray_address:
        print("note: RAY_ADDRESS is not set: the shards are built on a local Ray (this machine)")
    corpus = load_articles(settings)
    for warning in corpus.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    manifest = cluster.build_sharded(
        settings, corpus, models.choice(settings).for_sentences, args.shards, say=print
    )
    note = models.choice(settings).note
    if note:
        print(f"note: {note}", file=sys.stderr)
    vectors = "with sentence vectors" if manifest.model else "without sentence vectors"
    print(
        f"{len(corpus.articles):,} articles, {manifest.sentences:,} sentences in "
        f"{len(manifest.shards)} shards, {vectors}; generation {manifest.generation}"
    )
    return 0


def cluster_command(args: argparse.Namespace, settings: Settings) -> int:
    """Show the sharded index's shards on the Ray cluster: sizes, memory, health."""
    if not settings.ray_address:
        raise BotError(
            "RAY_ADDRESS is not set: the index lives in the bot's process (set RAY_ADDRESS to "
            "the Ray cluster's address to shard it; see README, Scale)"
        )
    from .cluster import report

    lines, healthy = report(settings, stop=args.stop)
    for line in lines:
        print(line)
    return 0 if healthy else 1


def add_command(args: argparse.Namespace, settings: Settings) -> int:
    """Add web pages (URLs) or saved HTML files to the corpus folder as articles."""
    from .ingest.add import add_sources

    outcomes = add_sources(settings.corpus_dir, args.sources, _limits(settings))
    for outcome in outcomes:
        if outcome.error:
            print(f"error: {outcome.line()}", file=sys.stderr)
        else:
            print(outcome.line())
    written = sum(1 for o in outcomes if o.changed)
    if written:
        print(
            f"{written} article file{'' if written == 1 else 's'} written in "
            f"{settings.corpus_dir}; a running bot picks them up on /reload or SIGHUP"
        )
    return 1 if any(o.error for o in outcomes) else 0


def feeds_command(args: argparse.Namespace, settings: Settings) -> int:
    """List the feeds, or add or remove one."""
    from .ingest import feeds

    folder = settings.corpus_dir
    if args.action == "add":
        print(feeds.add_feed(folder, args.url, _limits(settings)))
        return 0
    if args.action == "remove":
        print(feeds.remove_feed(folder, args.feed))
        return 0
    listed = feeds.list_feeds(folder)
    if not listed:
        print(f"No feeds in {folder / feeds.FEED_LIST}; add one with: bot feeds add URL")
    for number, feed in enumerate(listed, start=1):
        checked = (
            f"last checked {feed.checked}: {feed.status}" if feed.checked else "not checked yet"
        )
        print(f"{number}. {feed.url}\n   {checked}; {feed.articles} article(s) in the corpus")
    return 0


def refresh_command(args: argparse.Namespace, settings: Settings) -> int:
    """Read every listed feed once and add its new articles."""
    from .ingest import feeds

    if not feeds.read_list(settings.corpus_dir):
        path = settings.corpus_dir / feeds.FEED_LIST
        print(f"No feeds in {path}; add one with: bot feeds add URL")
        return 0
    report = feeds.refresh(settings.corpus_dir, _limits(settings))
    for line in report.lines():
        print(line)
    return 1 if any(feed.error for feed in report.feeds) else 0


def gaps_command(args: argparse.Namespace, settings: Settings) -> int:
    """List the questions the bot could not answer, most asked first."""
    from .ingest.gaps import GapsLog, gap_lines, gaps_path

    path = gaps_path(settings)
    if path is None:
        raise BotError("GAPS_LOG is off: the bot does not record unanswered questions")
    if not path.exists():
        print(f"No unanswered questions recorded yet (the bot keeps them in {path}).")
        return 0
    log_file = GapsLog(path)
    try:
        if args.clear:
            print(f"Forgot {log_file.clear()} recorded question(s).")
            return 0
        since = time.time() - args.days * 86400 if args.days else None
        gaps = log_file.top(args.limit, since)
        if not gaps:
            print("No unanswered questions recorded" + (" in that time." if since else "."))
            return 0
        print(f"{'asked':>5}  {'last asked (UTC)':<16}  {'chats':<18} question")
        for line in gap_lines(gaps):
            print(line)
    finally:
        log_file.close()
    return 0


def _print_sentences(index: SentenceIndex, article_id: str, out: TextIO) -> None:
    article = index.article(article_id)
    assert article is not None
    print(f"{article.title} ({article.id})", file=out)
    paragraph = 0
    for sentence in index.sentences_of(article):
        if sentence.paragraph != paragraph:
            paragraph = sentence.paragraph
            print(f"\nparagraph {paragraph}", file=out)
        credit = f"\n      \u2014 according to {sentence.source}" if sentence.source else ""
        print(
            f"  {sentence.number:3}. [{sentence.start}:{sentence.end}] {sentence.text}{credit}",
            file=out,
        )


def _build_index(settings: Settings) -> SentenceIndex:
    from .reload import build_index

    index = build_index(settings)
    for warning in index.corpus.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    note = models.choice(settings).note
    if note:
        print(f"note: {note}", file=sys.stderr)
    return index


def _lines(stream: TextIO) -> Iterator[str]:
    """Questions from a stream, one a line; undecodable bytes become U+FFFD, not an error."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        yield from (line.rstrip("\r\n") for line in stream)
        return
    for raw in buffer:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _limits(settings: Settings):
    from .ingest.fetch import Limits

    return Limits(settings.fetch_timeout, settings.max_page_bytes)


def _with_corpus(settings: Settings, corpus: str) -> Settings:
    from dataclasses import replace

    return replace(settings, corpus_dir=Path(corpus))


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot",
        description="Briefing Bot: questions about a news briefing, answered with cited quotes.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--corpus", metavar="PATH", help="corpus folder (default: $CORPUS_DIR or ./corpus)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    return parser


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
