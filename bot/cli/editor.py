"""The editor's commands: run the bot, build the index, look after the cluster and the feeds."""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import time
from dataclasses import replace

from .. import models
from ..config import Settings
from ..errors import BotError
from .reader import open_index, say_warnings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
    from ..logsafety import protect_logging

    redactor = protect_logging([token, secret], settings.log_level)
    index = open_index(settings)

    from ..telegram_edge import serve

    serve(settings, index, secret, redactor.redact)
    return 0


def index_command(args: argparse.Namespace, settings: Settings) -> int:
    """Build the index and save it, or shard it over a Ray cluster with --shards."""
    from ..reload import build_index, load_articles

    started = time.monotonic()
    if not args.shards:
        if settings.index_cache is None:
            raise BotError("INDEX_CACHE_DIR is off: an index built now would not be kept")
        index = build_index(replace(settings, ray_address=None))
        say_warnings(index.corpus.warnings)
        where = settings.corpus_dir / settings.index_cache
        print(
            f"{len(index.articles):,} articles, {len(index):,} sentences indexed in "
            f"{time.monotonic() - started:.1f} s; saved in {where}"
        )
        return 0
    from .. import cluster

    if not settings.ray_address:
        print("note: RAY_ADDRESS is not set: the shards are built on a local Ray (this machine)")
    corpus = load_articles(settings)
    say_warnings(corpus.warnings)
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
    from ..cluster import report

    lines, healthy = report(settings, stop=args.stop)
    for line in lines:
        print(line)
    return 0 if healthy else 1


def add_command(args: argparse.Namespace, settings: Settings) -> int:
    """Add web pages (URLs) or saved HTML files to the corpus folder as articles."""
    from ..ingest.add import add_sources
    from ..ingest.fetch import Limits

    outcomes = add_sources(settings.corpus_dir, args.sources, Limits.of(settings))
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
    from ..ingest import feeds
    from ..ingest.fetch import Limits

    folder = settings.corpus_dir
    if args.action == "add":
        print(feeds.add_feed(folder, args.url, Limits.of(settings)))
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
    from ..ingest import feeds
    from ..ingest.fetch import Limits

    if not feeds.read_list(settings.corpus_dir):
        path = settings.corpus_dir / feeds.FEED_LIST
        print(f"No feeds in {path}; add one with: bot feeds add URL")
        return 0
    report = feeds.refresh(settings.corpus_dir, Limits.of(settings))
    for line in report.lines():
        print(line)
    return 1 if any(feed.error for feed in report.feeds) else 0


def gaps_command(args: argparse.Namespace, settings: Settings) -> int:
    """List the questions the bot could not answer, most asked first."""
    from ..ingest.gaps import GapsLog, gap_lines, gaps_path

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
