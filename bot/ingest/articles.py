"""Article files written into the corpus folder: names, headers, duplicates, atomic writes.

A page becomes `<host>/<date>-<title-words>.txt` (`bbc.com/2019-11-19-sweden-drops-assange-
rape-investigation.txt`; `local/` when the page names no URL, no date part when it has none),
with a `-<6 hex>` suffix from its URL when that name is taken by another article. The name is
chosen once: an update of the article rewrites the same file. The header holds title, outlet,
author, date, url (the canonical URL), language, and where the text came from (`source_url`,
`feed`, `entry_id`) and when (`fetched`). The text follows exactly as extracted.

An article is the same as one already there when any of its URLs (canonical, fetched, feed
entry id) is, or when its text is (compared with white space collapsed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from ..errors import CorpusError, IngestError
from ..search.corpus import Article, load_corpus
from .extract import Extracted

SLUG_CHARS = 60
LOCK_FILE = ".ingest.lock"
# One ingestion at a time in a process (Telegram's /add and the feed refresh run in threads).
_PROCESS_LOCK = threading.Lock()


@dataclass(frozen=True)
class Known:
    """An article already in the corpus folder, as far as duplicates are concerned."""

    article_id: str
    title: str
    path: Path | None  # None: inside a .jsonl archive, never rewritten
    urls: frozenset[str]
    digest: str
    feed: str | None = None


@dataclass(frozen=True)
class Stored:
    """What adding one article did: "added", "updated", "unchanged" or "duplicate"."""

    outcome: str
    article_id: str
    title: str
    detail: str = ""

    @property
    def changed(self) -> bool:
        """Whether a file was written."""
        return self.outcome in ("added", "updated")

    def line(self, source: str) -> str:
        """One line for the editor, like `added bbc.com/2019-…: “Title” (from URL)`."""
        what = {
            "added": "added",
            "updated": "updated (the text had changed)",
            "unchanged": "already in the briefing, unchanged",
            "duplicate": "not added again",
        }[self.outcome]
        extra = f"; {self.detail}" if self.detail else ""
        return f"{source}: {what}: {self.article_id} \u201c{self.title}\u201d{extra}"


@dataclass
class Catalogue:
    """The articles of a corpus folder, looked up by URL and by text."""

    folder: Path
    articles: list[Known] = field(default_factory=list)

    @classmethod
    def scan(cls, folder: Path) -> Catalogue:
        """Read the articles already in `folder` (a missing or empty folder has none)."""
        try:
            corpus = load_corpus(folder)
        except CorpusError:
            return cls(folder)
        return cls(folder, [_known(article) for article in corpus.articles])

    def find_url(self, urls: Iterable[str | None]) -> Known | None:
        """The article one of these URLs belongs to."""
        wanted = {normal_url(u) for u in urls if u}
        return next((k for k in self.articles if k.urls & wanted), None)

    def find_text(self, digest: str) -> Known | None:
        """The article with this text digest."""
        return next((k for k in self.articles if k.digest == digest), None)

    def count_from(self, feed: str) -> int:
        """How many articles came from `feed`."""
        key = normal_url(feed)
        return sum(1 for k in self.articles if k.feed and normal_url(k.feed) == key)

    def store(
        self,
        extracted: Extracted,
        source_url: str | None = None,
        feed: str | None = None,
        entry_id: str | None = None,
    ) -> Stored:
        """Write the article unless it is there already; replace it when its text changed."""
        digest = text_digest(extracted.text)
        title = extracted.title or _title_from_url(extracted.url or source_url)
        same = self.find_url((extracted.url, source_url, entry_id))
        if same is not None:
            if same.digest == digest:
                return Stored("unchanged", same.article_id, same.title)
            if same.path is None:
                return Stored("duplicate", same.article_id, same.title, "it is in an archive file")
            path = same.path
        elif (twin := self.find_text(digest)) is not None:
            return Stored("duplicate", twin.article_id, twin.title, "the same text is there")
        else:
            path = self._new_path(extracted, title, source_url)
        text = article_text(extracted, title, source_url, feed, entry_id)
        write_atomic(path, text.encode("utf-8"))
        urls = frozenset(normal_url(u) for u in (extracted.url, source_url, entry_id) if u)
        known = Known(_article_id(path, self.folder), title, path, urls, digest, feed)
        outcome = "updated" if same is not None else "added"
        self.articles = [k for k in self.articles if k.path != path] + [known]
        return Stored(outcome, known.article_id, title)

    def _new_path(self, extracted: Extracted, title: str, source_url: str | None) -> Path:
        url = extracted.url or source_url
        host = (urlsplit(url).hostname or "local").removeprefix("www.") if url else "local"
        stem = "-".join(x for x in (_day(extracted.date), slug(title)) if x)
        path = self.folder / _safe(host) / f"{stem}.txt"
        if path.exists() or any(k.path == path for k in self.articles):
            tag = hashlib.sha256((url or extracted.text).encode()).hexdigest()[:6]
            path = path.with_name(f"{stem}-{tag}.txt")
        return path


def article_text(
    extracted: Extracted,
    title: str,
    source_url: str | None = None,
    feed: str | None = None,
    entry_id: str | None = None,
) -> str:
    """The article file: a YAML header, a blank line, then the text as extracted."""
    header = {
        "title": title,
        "outlet": extracted.outlet,
        "author": extracted.author,
        "date": extracted.date,
        "url": extracted.url,
        "language": extracted.language,
        "source_url": source_url if source_url != extracted.url else None,
        "feed": feed,
        "entry_id": entry_id if entry_id not in (extracted.url, source_url) else None,
        "fetched": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    fields = {k: v for k, v in header.items() if v}
    dumped = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=10**6)
    return f"---\n{dumped}---\n\n{extracted.text}\n"


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a dot-file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def ingest_lock(folder: Path) -> Iterator[None]:
    """Hold the corpus folder for one ingestion: other threads and processes wait."""
    with _PROCESS_LOCK:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = (folder / LOCK_FILE).open("a")
        except OSError as exc:
            raise IngestError(
                f"cannot write in {folder} ({exc.strerror or exc}); check the corpus folder"
            ) from None
        try:
            import fcntl
        except ImportError:  # not on POSIX: the process lock alone
            with handle:
                yield
            return
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def normal_url(url: str) -> str:
    """A URL as compared for sameness (http and https alike, no `www.`, fragment or end slash).

    Other identifiers (a feed's `urn:…` ids) are kept as they are.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        return url.strip()
    host = (parts.hostname or "").removeprefix("www.")
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    path = parts.path.rstrip("/") if parts.path != "/" else ""
    return urlunsplit(("", host + port, path, parts.query, ""))


def text_digest(text: str) -> str:
    """A hash of the text with white space collapsed."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def slug(title: str) -> str:
    """File-name words of a title: lower case, letters and digits of any script, hyphens."""
    words = re.sub(r"[\W_]+", "-", title.casefold()).strip("-")
    if len(words) > SLUG_CHARS:
        words = words[:SLUG_CHARS].rsplit("-", 1)[0]
    return words or "article"


def _known(article: Article) -> Known:
    extra = article.extra
    urls = (article.url, extra.get("source_url"), extra.get("entry_id"))
    return Known(
        article_id=article.id,
        title=article.title,
        path=article.path,
        urls=frozenset(normal_url(u) for u in urls if u),
        digest=text_digest(article.body),
        feed=extra.get("feed"),
    )


def _article_id(path: Path, folder: Path) -> str:
    return path.relative_to(folder).with_suffix("").as_posix()


def _day(date: str | None) -> str:
    found = re.match(r"\d{4}-\d{2}-\d{2}", date or "")
    return found.group() if found else ""


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip(".-") or "local"


def _title_from_url(url: str | None) -> str:
    if not url:
        return "Untitled article"
    last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    words = re.sub(r"\.\w+$", "", last).replace("-", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else urlsplit(url).hostname or url
