"""Feeds: the feed list in the corpus folder, and a refresh pass that adds their new entries.

The list is `feeds.list` in the corpus folder: one feed URL a line, `#` starts a comment, so an
editor can read and edit it and the corpus folder stays the one thing to back up (the corpus
loader reads only article suffixes and never opens it). What each check found (ETag,
Last-Modified, time, outcome) is kept apart in `.feeds-state.json` beside it: a dot-file the
loader skips, harmless to lose (the next pass then fetches every feed in full once).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import feedparser

from ..errors import IngestError
from .add import Fallback, Outcome, add_url
from .articles import Catalogue, ingest_lock, normal_url, write_atomic
from .fetch import Fetcher, Limits, check_url

log = logging.getLogger(__name__)

FEED_LIST = "feeds.list"
STATE_FILE = ".feeds-state.json"
# Entries read from one feed in one pass, in the feed's order (newest first, by convention).
MAX_ENTRIES_PER_FEED = 50
LIST_HEADER = (
    "# Feeds (RSS or Atom) whose new articles `bot refresh` adds, and a running bot every\n"
    "# FEED_REFRESH_MINUTES. One URL a line; text after # is a comment.\n"
    "# `bot feeds add URL` and `bot feeds remove URL` edit this file too.\n"
)


@dataclass(frozen=True)
class FeedReport:
    """What one feed gave in a refresh pass."""

    url: str
    entries: int = 0
    known: int = 0
    outcomes: tuple[Outcome, ...] = ()
    not_modified: bool = False
    error: str | None = None

    @property
    def failed(self) -> list[Outcome]:
        """Entries whose page could not be added."""
        return [o for o in self.outcomes if o.error]

    def line(self) -> str:
        """One summary line for the feed."""
        if self.error:
            return f"{self.url}: failed: {self.error}"
        if self.not_modified:
            return f"{self.url}: not modified since the last check"
        count = {k: 0 for k in ("added", "updated", "unchanged", "duplicate")}
        for outcome in self.outcomes:
            if outcome.stored is not None:
                count[outcome.stored.outcome] += 1
        parts = [f"{self.entries} entries", f"{count['added']} added"]
        if count["updated"]:
            parts.append(f"{count['updated']} updated")
        already = self.known + count["unchanged"] + count["duplicate"]
        parts.append(f"{already} already there")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return f"{self.url}: " + ", ".join(parts)


@dataclass(frozen=True)
class RefreshReport:
    """A whole refresh pass: one report a feed."""

    feeds: tuple[FeedReport, ...] = ()
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether any article file was added or rewritten."""
        return any(o.changed for f in self.feeds for o in f.outcomes)

    def lines(self) -> list[str]:
        """Each feed's line, each failed page, then the summary."""
        lines = []
        for feed in self.feeds:
            lines.append(feed.line())
            lines += [f"  {o.line()}" for o in feed.outcomes if o.changed or o.error]
        lines.append(self.summary())
        return lines

    def summary(self) -> str:
        """One line: feeds read, articles added and updated, failures."""
        outcomes = [o for f in self.feeds for o in f.outcomes]
        added = sum(1 for o in outcomes if o.stored and o.stored.outcome == "added")
        updated = sum(1 for o in outcomes if o.stored and o.stored.outcome == "updated")
        broken = sum(1 for f in self.feeds if f.error)
        failed = sum(1 for o in outcomes if o.error)
        feeds = len(self.feeds)
        return (
            f"Refreshed {feeds} feed{'' if feeds == 1 else 's'} in {self.seconds:.1f} s: "
            f"{added} added, {updated} updated, {failed} page(s) failed, "
            f"{broken} feed(s) could not be read."
        )


@dataclass(frozen=True)
class FeedInfo:
    """A listed feed and what its last check found."""

    url: str
    checked: str | None = None
    status: str | None = None
    articles: int = 0


def read_list(folder: Path) -> list[str]:
    """The feed URLs listed in the corpus folder, in order, without repeats."""
    path = folder / FEED_LIST
    if not path.is_file():
        return []
    urls = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        url = line.split("#", 1)[0].strip()
        if url and url not in urls:
            urls.append(url)
    return urls


def list_feeds(folder: Path) -> list[FeedInfo]:
    """Every listed feed with its last check and how many of its articles are in the corpus."""
    state = _read_state(folder)
    catalogue = Catalogue.scan(folder)
    listed = []
    for url in read_list(folder):
        seen = state.get(url, {})
        listed.append(
            FeedInfo(url, seen.get("checked"), seen.get("status"), catalogue.count_from(url))
        )
    return listed


def add_feed(folder: Path, url: str, limits: Limits | None = None) -> str:
    """Check that `url` is a readable feed and list it; return a line saying so."""
    url = check_url(url)
    if any(normal_url(u) == normal_url(url) for u in read_list(folder)):
        raise IngestError("is already listed")
    with Fetcher(limits) as fetcher:
        response = fetcher.feed(url)
    parsed = _parse(response.body, response.url)
    title = parsed.feed.get("title") or "untitled"
    with ingest_lock(folder):
        path = folder / FEED_LIST
        text = path.read_text(encoding="utf-8") if path.is_file() else LIST_HEADER
        if text and not text.endswith("\n"):
            text += "\n"
        write_atomic(path, f"{text}{url}\n".encode())
    entries = len(parsed.entries)
    return f"listed {url}: \u201c{title}\u201d, {entries} entries; `bot refresh` adds them"


def remove_feed(folder: Path, which: str) -> str:
    """Take a feed off the list, by URL or by its number in `bot feeds`; its articles stay."""
    urls = read_list(folder)
    if which.isdigit() and 1 <= int(which) <= len(urls):
        target = urls[int(which) - 1]
    else:
        target = next((u for u in urls if normal_url(u) == normal_url(which)), "")
    if not target:
        raise IngestError("is not in the feed list (see `bot feeds`)")
    with ingest_lock(folder):
        path = folder / FEED_LIST
        kept = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.split("#", 1)[0].strip() != target
        ]
        write_atomic(path, ("\n".join(kept) + "\n").encode())
        state = _read_state(folder)
        if state.pop(target, None) is not None:
            _write_state(folder, state)
    return f"removed {target} from the feed list; its articles stay in the corpus"


def refresh(folder: Path, limits: Limits | None = None) -> RefreshReport:
    """Read every listed feed once and add its new entries; one bad feed stops nothing."""
    started = time.monotonic()
    reports = []
    with ingest_lock(folder), Fetcher(limits) as fetcher:
        catalogue = Catalogue.scan(folder)
        state = _read_state(folder)
        for url in read_list(folder):
            report, seen = _refresh_feed(url, state.get(url, {}), catalogue, fetcher)
            state[url] = seen
            reports.append(report)
            _write_state(folder, state)
    return RefreshReport(tuple(reports), time.monotonic() - started)


def _refresh_feed(
    url: str, seen: dict, catalogue: Catalogue, fetcher: Fetcher
) -> tuple[FeedReport, dict]:
    """One feed: fetched (conditionally), parsed, its new entries added."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        response = fetcher.feed(url, seen.get("etag"), seen.get("last_modified"))
        if response.not_modified:
            return FeedReport(url, not_modified=True), {
                **seen,
                "checked": now,
                "status": "not modified",
            }
        parsed = _parse(response.body, response.url)
    except IngestError as exc:
        return FeedReport(url, error=str(exc)), {**seen, "checked": now, "status": f"{exc}"}
    entries = parsed.entries[:MAX_ENTRIES_PER_FEED]
    outcomes, known = [], 0
    for entry in entries:
        link = urljoin(response.url, entry.get("link") or "") if entry.get("link") else None
        entry_id = entry.get("id") or None
        if not link:
            outcomes.append(Outcome(entry_id or "an entry", error="has no link"))
            continue
        if catalogue.find_url((link, entry_id)) is not None:
            known += 1
            continue
        try:
            stored = add_url(catalogue, fetcher, link, url, entry_id, _fallback(entry))
            outcomes.append(Outcome(link, stored))
        except IngestError as exc:
            outcomes.append(Outcome(link, error=str(exc)))
        except OSError as exc:  # the corpus folder cannot be written
            outcomes.append(Outcome(link, error=f"cannot be written ({exc.strerror or exc})"))
    report = FeedReport(url, len(entries), known, tuple(outcomes))
    status = f"{len(entries)} entries" + (
        f", {len(report.failed)} failed" if report.failed else ""
    )
    # Validators are kept only when every entry was dealt with: failed ones are tried again.
    validators = (
        {"etag": response.etag, "last_modified": response.last_modified}
        if not report.failed
        else {}
    )
    return report, {"checked": now, "status": status, **{k: v for k, v in validators.items() if v}}


def _parse(body: bytes, url: str) -> feedparser.FeedParserDict:
    """A feed parsed with feedparser (relative links resolved against `url`)."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = parsed.get("bozo_exception") or "no entries"
        raise IngestError(f"is not a readable RSS or Atom feed ({_one_line(str(reason))})")
    return parsed


def _fallback(entry: feedparser.FeedParserDict) -> Fallback:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    date = time.strftime("%Y-%m-%d", stamp) if stamp else None
    return Fallback(entry.get("title") or None, entry.get("author") or None, date)


def _read_state(folder: Path) -> dict:
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _write_state(folder: Path, state: dict) -> None:
    """Save what the checks found; a failure costs only conditional requests next time."""
    data = json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False)
    try:
        write_atomic(folder / STATE_FILE, data.encode("utf-8"))
    except OSError as exc:
        log.warning("Cannot save %s (%s)", folder / STATE_FILE, exc.strerror or exc)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
