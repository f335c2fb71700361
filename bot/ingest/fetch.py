"""Polite, bounded HTTP fetching of web pages and feeds (httpx).

Every request names the bot in its User-Agent, has a time limit for the whole transfer, reads
at most `Limits.max_bytes` (after decompression), follows at most `MAX_REDIRECTS` redirects
and only to http(s) URLs. Pages must be HTML; feeds may come as any type (feedparser decides).
Failures are `IngestError`s in one line, never a traceback.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__
from ..config import DEFAULT_FETCH_TIMEOUT, DEFAULT_MAX_PAGE_BYTES, Settings
from ..errors import IngestError

USER_AGENT = f"BriefingBot/{__version__} (news briefing bot; fetches what its editor adds)"
MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)", re.I | re.S
)


@dataclass(frozen=True)
class Limits:
    """How long a fetch may take in all, and how many bytes it may read."""

    timeout: float = DEFAULT_FETCH_TIMEOUT
    max_bytes: int = DEFAULT_MAX_PAGE_BYTES

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        """The limits the settings give (FETCH_TIMEOUT_SECONDS, MAX_PAGE_BYTES)."""
        return cls(settings.fetch_timeout, settings.max_page_bytes)


@dataclass(frozen=True)
class Response:
    """What a fetch brought back: the final URL, the body and the headers that matter."""

    url: str
    body: bytes = b""
    media_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


def check_url(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL, else raise IngestError."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        raise IngestError(f"only http:// and https:// URLs can be fetched (this has {shown})")
    if not parts.hostname:
        raise IngestError("is not a complete URL (no host name)")
    return url.strip()


def looks_like_html(body: bytes) -> bool:
    """Whether bytes start the way an HTML document does."""
    return bool(_HTML_START.match(body[:4096]))


class Fetcher:
    """An HTTP client with the bot's limits; use it as a context manager."""

    def __init__(self, limits: Limits | None = None, transport: httpx.BaseTransport | None = None):
        self.limits = limits or Limits()
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(self.limits.timeout),
            follow_redirects=False,  # followed here, to check each hop
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self._client.close()

    def page(self, url: str) -> Response:
        """Fetch an HTML page; raise IngestError for anything else."""
        accept = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
        return self._fetch(url, {"Accept": accept}, html_only=True)

    def feed(
        self, url: str, etag: str | None = None, last_modified: str | None = None
    ) -> Response:
        """Fetch a feed, conditionally when `etag` or `last_modified` is known (304: unchanged)."""
        headers = {
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
            "text/xml;q=0.9, */*;q=0.5"
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._fetch(url, headers, html_only=False)

    def _fetch(self, url: str, headers: dict[str, str], html_only: bool) -> Response:
        deadline = time.monotonic() + self.limits.timeout
        current = check_url(url)
        try:
            for _ in range(MAX_REDIRECTS + 1):
                with self._client.stream("GET", current, headers=headers) as reply:
                    if reply.status_code in REDIRECTS and "location" in reply.headers:
                        current = check_url(urljoin(current, reply.headers["location"]))
                        continue
                    return self._read(current, reply, html_only, deadline)
        except httpx.TimeoutException:
            raise IngestError(f"timed out after {self.limits.timeout:g} s") from None
        except httpx.ConnectError as exc:
            host = urlsplit(current).netloc
            raise IngestError(f"cannot connect to {host} ({_reason(exc)})") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise IngestError(f"network error ({_reason(exc)})") from None
        raise IngestError(f"redirected more than {MAX_REDIRECTS} times (a redirect loop?)")

    def _read(self, url: str, reply: httpx.Response, html_only: bool, deadline: float) -> Response:
        media_type, charset = _content_type(reply.headers.get("content-type", ""))
        etag = reply.headers.get("etag")
        modified = reply.headers.get("last-modified")
        if reply.status_code == 304:
            return Response(url, etag=etag, last_modified=modified, not_modified=True)
        if reply.status_code >= 400 or reply.status_code < 200:
            raise IngestError(f"HTTP {reply.status_code} {reply.reason_phrase}".strip())
        if html_only and media_type and media_type not in HTML_TYPES:
            raise IngestError(f"is {media_type}, not an HTML page; only web pages can be added")
        limit = self.limits.max_bytes
        declared = reply.headers.get("content-length", "")
        if (
            declared.isdigit()
            and int(declared) > limit
            and "content-encoding" not in reply.headers
        ):
            raise IngestError(f"is {_size(int(declared))}, over the limit of {_size(limit)}")
        chunks, size = [], 0
        for chunk in reply.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise IngestError(f"is over the limit of {_size(limit)}; not read further")
            if time.monotonic() > deadline:
                raise IngestError(f"timed out after {self.limits.timeout:g} s")
            chunks.append(chunk)
        body = b"".join(chunks)
        if html_only and not media_type and not looks_like_html(body):
            raise IngestError("does not look like an HTML page (no Content-Type, no <html>)")
        return Response(url, body, media_type, charset, etag, modified)


def _content_type(value: str) -> tuple[str, str | None]:
    """Media type (lower case) and charset parameter of a Content-Type header."""
    media, _, params = value.partition(";")
    found = re.search(r"charset\s*=\s*\"?([\w.:-]+)", params, re.I)
    return media.strip().lower(), (found.group(1) if found else None)


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _size(count: int) -> str:
    return f"{count / 1_000_000:.3g} MB" if count >= 100_000 else f"{count:,} bytes"
