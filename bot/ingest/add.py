"""Adding articles: a URL fetched or an HTML file read, extracted, written into the corpus."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import IngestError
from .articles import Catalogue, Stored, ingest_lock
from .extract import Extracted, extract
from .fetch import Fetcher, Limits, looks_like_html

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")


@dataclass(frozen=True)
class Fallback:
    """What a feed entry says about its article, used where the page itself says nothing."""

    title: str | None = None
    author: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Outcome:
    """One thing the editor asked to add, and what became of it (`stored`, else `error`)."""

    source: str
    stored: Stored | None = None
    error: str | None = None

    @property
    def changed(self) -> bool:
        """Whether an article file was written."""
        return self.stored is not None and self.stored.changed

    def line(self) -> str:
        """One line saying what happened."""
        if self.stored is not None:
            return self.stored.line(self.source)
        return f"{self.source}: not added: {self.error}"


def add_sources(
    folder: Path, sources: list[str], limits: Limits | None = None, files: bool = True
) -> list[Outcome]:
    """Add each URL or HTML file (files only with `files`); one failure never stops the others."""
    limits = limits or Limits()
    outcomes = []
    with ingest_lock(folder), Fetcher(limits) as fetcher:
        catalogue = Catalogue.scan(folder)
        for source in sources:
            try:
                if "://" in source or not files:
                    stored = add_url(catalogue, fetcher, source)
                else:
                    stored = add_file(catalogue, Path(source), limits.max_bytes)
                outcomes.append(Outcome(source, stored))
            except IngestError as exc:
                outcomes.append(Outcome(source, error=str(exc)))
            except OSError as exc:  # the corpus folder cannot be written
                outcomes.append(Outcome(source, error=f"cannot be written ({_reason(exc)})"))
    return outcomes


def add_url(
    catalogue: Catalogue,
    fetcher: Fetcher,
    url: str,
    feed: str | None = None,
    entry_id: str | None = None,
    fallback: Fallback | None = None,
) -> Stored:
    """Fetch a page, extract its article and store it; IngestError says why not."""
    page = fetcher.page(url)
    extracted = _with_fallback(extract(page.body, page.url, page.charset), fallback)
    return catalogue.store(extracted, page.url, feed, entry_id)


def add_file(catalogue: Catalogue, path: Path, max_bytes: int) -> Stored:
    """Read a saved HTML page, extract its article and store it; IngestError says why not."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(f"is {size:,} bytes, over the limit of {max_bytes:,}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError("no such file (give an http(s) URL or a saved .html page)") from None
    except IsADirectoryError:
        raise IngestError("is a folder, not an HTML file") from None
    except OSError as exc:
        raise IngestError(f"cannot be read ({exc.strerror or exc})") from None
    if path.suffix.lower() not in HTML_SUFFIXES and not looks_like_html(data):
        raise IngestError("is not an HTML file (give a saved web page, .html)")
    return catalogue.store(extract(data))


def _reason(exc: OSError) -> str:
    return f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else str(exc)


def _with_fallback(extracted: Extracted, fallback: Fallback | None) -> Extracted:
    if fallback is None:
        return extracted
    return replace(
        extracted,
        title=extracted.title or fallback.title,
        author=extracted.author or fallback.author,
        date=extracted.date or fallback.date,
    )
