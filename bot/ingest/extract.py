"""A web page's main text and metadata, as trafilatura extracts them.

The text is exactly trafilatura's plain-text output (`extract(..., output_format="txt",
include_comments=False)`), its lines made paragraphs separated by blank lines. The metadata
comes from `trafilatura.extract_metadata`, tidied where trafilatura is known to be noisy: a
site name appended to the title is dropped, bylines that are not names are left out rather
than guessed, and the language is the page's declared one (`<html lang>`), else detected
from the text with py3langid.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import trafilatura

from ..errors import IngestError

# Header charsets that servers send by default; valid UTF-8 bodies under them are UTF-8.
_DEFAULT_CHARSETS = frozenset({"latin_1", "iso8859-1", "cp1252", "ascii"})
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\u2013\u2014\u00b7:]|-|::)\s+")
_SITE_TAGLINE = re.compile(r"\s+[|\u2013\u2014-]\s+")
# Words that may stand in lower case inside a personal name.
_NAME_PARTICLES = frozenset(
    "al bin da de del della der di do dos du el ibn la le van von y zu".split()
)
_SENTENCE_IN_BYLINE = re.compile(r"\s+(?:is|was|has|writes|covers|reports)\s+.*$", re.I)
_LANGUAGE = re.compile(r"[a-z]{2,3}")
# Detection needs a few words; shorter texts are left without a language.
MIN_DETECT_CHARS = 40


@dataclass(frozen=True)
class Extracted:
    """An article as extracted from a page: text and what the page says about itself."""

    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    outlet: str | None = None
    url: str | None = None
    language: str | None = None


def extract(page: bytes | str, url: str | None = None, charset: str | None = None) -> Extracted:
    """Extract the main text and metadata of an HTML page; IngestError when it has no article.

    Args:
        page: the HTML, as bytes (trafilatura finds the encoding) or text.
        url: where the page came from; used when it declares no canonical URL.
        charset: the charset an HTTP header declared, if any.
    """
    html = _decode(page, charset) if isinstance(page, bytes) else page
    text = trafilatura.extract(html, url=url, output_format="txt", include_comments=False)
    paragraphs = [line for line in (text or "").split("\n") if line.strip()]
    if not paragraphs:
        raise IngestError("has no article text that could be extracted; nothing written")
    tree = trafilatura.load_html(html)
    meta = trafilatura.extract_metadata(tree, default_url=url) if tree is not None else None
    body = "\n\n".join(paragraphs)
    if meta is None:
        return Extracted(body, url=url, language=_detect(body))
    outlet = _outlet(meta.sitename, meta.url or url)
    return Extracted(
        text=body,
        title=_title(meta.title, outlet, meta.url or url),
        author=clean_byline(meta.author),
        date=meta.date or None,
        outlet=outlet,
        url=_canonical(meta.url, url),
        language=_declared_language(tree) or _detect(body),
    )


def clean_byline(author: str | None) -> str | None:
    """Keep the names of a byline; drop what is not a name ("is a reporter", captions)."""
    if not author:
        return None
    names = []
    for part in re.split(r"\s*[;|]\s*", author):
        part = _SENTENCE_IN_BYLINE.sub("", part.strip())
        words = part.split()
        while words and words[-1][:1].islower():  # "Aleš Vávra před" -> "Aleš Vávra"
            words.pop()
        if not words or len("".join(words)) < 2:
            continue
        if all(w[:1].isupper() or w.lower() in _NAME_PARTICLES for w in words):
            names.append(" ".join(words))
    return "; ".join(dict.fromkeys(names)) or None


def _decode(page: bytes, charset: str | None) -> bytes | str:
    """Text by the HTTP charset when one was declared; otherwise bytes for trafilatura."""
    if not charset:
        return page  # trafilatura reads a <meta charset>, else checks for UTF-8, else guesses
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        return page
    if codec in _DEFAULT_CHARSETS:
        try:
            return page.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return page.decode(codec, errors="replace")


def _title(title: str | None, outlet: str | None, url: str | None) -> str | None:
    """The headline without a trailing site name ("Headline | Site", "Headline - Site")."""
    if not title:
        return None
    title = " ".join(title.split())
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if separators:
        last = separators[-1]
        if _names_site(title[last.end() :], outlet, url):
            return title[: last.start()].strip()
    return title


def _names_site(text: str, outlet: str | None, url: str | None) -> bool:
    """Whether `text` is the site's name: its outlet name or host name, give or take."""
    key = _key(text)
    host = _host(url)
    names = {_key(outlet or ""), _key(host), _key(host.rsplit(".", 1)[0])} - {""}
    return bool(key) and any(
        key == name or (min(len(key), len(name)) >= 4 and (key in name or name in key))
        for name in names
    )


def _outlet(sitename: str | None, url: str | None) -> str | None:
    """The site's name without a tagline ("Site - Our motto"), else its host name."""
    if sitename:
        return _SITE_TAGLINE.split(" ".join(sitename.split()))[0]
    return _host(url) or None


def _canonical(declared: str | None, fetched: str | None) -> str | None:
    """The page's canonical URL, unless it is missing, relative or a site's front page."""
    if declared:
        parts = urlsplit(declared)
        if parts.scheme in ("http", "https") and parts.hostname and parts.path.strip("/"):
            return declared
    return fetched


def _declared_language(tree: object) -> str | None:
    """The primary language subtag the page declares (`<html lang="en-GB">` -> "en")."""
    root = getattr(tree, "getroottree", lambda: None)()
    element = root.getroot() if root is not None else tree
    get = getattr(element, "get", None)
    if get is None:
        return None
    value = get("lang") or get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    primary = value.strip().lower().replace("_", "-").split("-")[0]
    return primary if _LANGUAGE.fullmatch(primary) else None


def _detect(text: str) -> str | None:
    """The language of a text, by py3langid; None when it is too short to tell."""
    if len(text) < MIN_DETECT_CHARS:
        return None
    import py3langid  # loads its model on first use (about a second)

    language, _ = py3langid.classify(text[:5000])
    return language


def _host(url: str | None) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host.removeprefix("www.")


def _key(text: str) -> str:
    """Letters and digits only, case-folded: "SpaceNews.com" -> "spacenewscom"."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())
