"""Articles: one file an article, with an optional YAML front-matter header."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import frontmatter
import yaml

from ..config import DEFAULT_MAX_ARTICLE_BYTES
from ..errors import ArticleError, CorpusError

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".jsonl")
MARKDOWN_SUFFIXES = (".md", ".markdown")
# Header keys we understand, with the spellings editors commonly use for them.
KEY_ALIASES = {
    "title": ("title", "headline"),
    "outlet": ("outlet", "publisher", "publication", "source"),
    "author": ("author", "byline", "authors"),
    "date": ("date", "published", "pubdate"),
    "url": ("url", "link"),
}
_KNOWN_KEYS = frozenset(alias for aliases in KEY_ALIASES.values() for alias in aliases)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_HEADER_START = re.compile(r"-{3,}[ \t]*\n")
_MD_HEADING = re.compile(r"#{1,6}[ \t]+(.*?)[ \t#]*$")
# A plain-text article's first line is its headline when it is this short (see `_headline`).
HEADLINE_WORDS = 20
HEADLINE_CHARS = 150
_HEADLINE = re.compile(r"[ \t]*([\w\"'\u2018\u201c][^\n]*?)[ \t]*\n[ \t]*\n")
_CLOSING_MARKS = "\"'\u2019\u201d)]"


@dataclass(frozen=True)
class Article:
    """One article: metadata, body text as loaded, and the spans of its paragraphs."""

    id: str
    title: str
    body: str
    # Paragraph spans; None: found in the body when first asked for (archives load faster).
    spans: tuple[tuple[int, int], ...] | None = field(default=None, repr=False)
    outlet: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None

    @cached_property
    def paragraphs(self) -> tuple[tuple[int, int], ...]:
        """(start, end) of every paragraph in the body."""
        return self.spans if self.spans is not None else tuple(_paragraphs(self.body, False)[0])

    def paragraph_text(self, number: int) -> str:
        """Return paragraph `number` (1-based) exactly as in the body."""
        start, end = self.paragraphs[number - 1]
        return self.body[start:end]


@dataclass(frozen=True)
class Corpus:
    """The articles that loaded, and one warning line for each file skipped or in doubt."""

    articles: tuple[Article, ...]
    warnings: tuple[str, ...] = ()
    folder: Path | None = None
    # Hash of the files the articles came from (names and bytes), when they came from files.
    files_digest: str | None = field(default=None, repr=False)

    @cached_property
    def fingerprint(self) -> str:
        """A short hash of the corpus content: changes when any article or file does."""
        if self.files_digest:
            return self.files_digest[:16]
        digest = hashlib.sha256()
        for article in self.articles:
            meta = (article.title, article.outlet, article.author, article.date, article.url)
            for part in (article.id, *meta, article.body):
                digest.update((part or "").encode("utf-8", "surrogatepass"))
                digest.update(b"\x00")
        return digest.hexdigest()[:16]


def load_corpus(folder: str | Path, max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES) -> Corpus:
    """Load every article file under `folder`; report and skip the broken ones.

    Links to files outside the folder and links to folders are not followed; files larger
    than `max_article_bytes` are skipped. Each skipped file, and each title that repeats
    another's, gets one warning.

    Raises:
        CorpusError: the folder is missing, or holds no article that could be loaded.
    """
    folder = Path(folder)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise CorpusError(
            f"Corpus folder {folder} {what}; create it and add .txt or .md articles, "
            "or point CORPUS_DIR (or --corpus) at one"
        )
    articles: list[Article] = []
    files, warnings = _article_files(folder)
    seen_ids: set[str] = set()
    digest = hashlib.sha256()
    for path in files:
        archive = path.suffix.lower() == ".jsonl"
        try:
            # An archive holds many articles: the size limit applies to each of them.
            data = path.read_bytes() if archive else _read(path, max_article_bytes)
        except OSError as exc:
            warnings.append(f"{path}: cannot be read ({exc.strerror or exc}); skipped")
            continue
        except ArticleError as exc:
            warnings.append(f"{path}: {exc}; skipped")
            continue
        name = path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape")
        digest.update(b"%d:%s%d:" % (len(name), name, len(data)))
        digest.update(data)
        if archive:
            found, problems = parse_jsonl(data, path, folder, max_article_bytes)
            articles.extend(a for a in found if a.id not in seen_ids)
            seen_ids.update(a.id for a in found)
            warnings.extend(problems)
            continue
        try:
            article = parse_article(data, path, folder)
        except ArticleError as exc:
            warnings.append(f"{path}: {exc}; skipped")
            continue
        if article.id in seen_ids:
            article = replace(article, id=path.relative_to(folder).as_posix())
        seen_ids.add(article.id)
        articles.append(article)
    if not articles:
        detail = f" ({len(warnings)} file(s) skipped, see warnings)" if warnings else ""
        raise CorpusError(
            f"No articles in {folder}{detail}; add .txt or .md files or set CORPUS_DIR",
            warnings,
        )
    warnings.extend(_same_titles(articles))
    return Corpus(tuple(articles), tuple(warnings), folder, digest.hexdigest())


def parse_article(data: bytes, path: Path, folder: Path | None = None) -> Article:
    """Parse one article file's bytes; raise ArticleError saying what is wrong with it."""
    if b"\x00" in data:
        raise ArticleError("looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"is not UTF-8 text (bad byte at offset {exc.start}); re-save it as UTF-8"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ArticleError("is empty")
    meta, body = _split_header(text)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    fields = {key: _first(meta, aliases) for key, aliases in KEY_ALIASES.items()}
    paragraphs, heading = _paragraphs(body, markdown, fields["title"])
    if not paragraphs:
        raise ArticleError("has a header but no text" if meta else "has no text")
    relative = path.relative_to(folder) if folder else Path(path.name)
    return Article(
        id=relative.with_suffix("").as_posix(),
        title=fields["title"] or heading or title_from_filename(path),
        body=body,
        spans=tuple(paragraphs),
        outlet=fields["outlet"],
        author=fields["author"],
        date=fields["date"],
        url=fields["url"],
        extra={k: _as_text(v) for k, v in meta.items() if k not in _KNOWN_KEYS and v is not None},
        path=path,
    )


def article_from_text(
    article_id: str, body: str, title: str | None = None, **meta: str
) -> Article:
    """Build an article from text already in memory (tests, benchmarks, other loaders).

    A first line that looks like a headline is handled as in a `.txt` file (see `_headline`).
    """
    paragraphs, heading = _paragraphs(body, markdown=False, title=title)
    return Article(
        id=article_id,
        title=title or heading or title_from_filename(Path(article_id)),
        body=body,
        spans=tuple(paragraphs),
        outlet=meta.pop("outlet", None),
        author=meta.pop("author", None),
        date=meta.pop("date", None),
        url=meta.pop("url", None),
        extra=meta,
    )


def parse_jsonl(
    data: bytes,
    path: Path,
    folder: Path | None = None,
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES,
) -> tuple[list[Article], list[str]]:
    """Read an archive file of one JSON article a line; report and skip the broken lines.

    Each line is an object with the article's `text` (or `body`) and any header keys (`id`,
    `title`, `outlet`, `date`, …). Its id is the file's id, a slash, and its own `id` (else its
    line number); blank lines are skipped.
    """
    prefix = (path.relative_to(folder) if folder else Path(path.name)).with_suffix("").as_posix()
    articles: list[Article] = []
    warnings: list[str] = []
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            if len(raw) > max_article_bytes:
                raise ArticleError(
                    f"is {_size(len(raw))}, over the limit of {_size(max_article_bytes)} "
                    "(MAX_ARTICLE_BYTES)"
                )
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ArticleError("is not a JSON object")
            articles.append(_article_from_record(record, f"{prefix}/{record.get('id', number)}"))
        except (ValueError, ArticleError) as exc:
            reason = exc if isinstance(exc, ArticleError) else "is not valid JSON"
            warnings.append(f"{path} line {number}: {reason}; skipped")
    return articles, warnings


def _article_from_record(record: dict, article_id: str) -> Article:
    body = record.get("text", record.get("body"))
    if not isinstance(body, str) or not body.strip():
        raise ArticleError('has no text (give it a "text" field)')
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    meta = {str(k).lower(): v for k, v in record.items() if k not in ("text", "body", "id")}
    fields = {key: _first(meta, aliases) for key, aliases in KEY_ALIASES.items()}
    # A plain-text body that is not blank has a paragraph: spans are found when first needed.
    return Article(
        id=article_id,
        title=fields["title"] or title_from_filename(Path(article_id)),
        body=body.strip(),
        outlet=fields["outlet"],
        author=fields["author"],
        date=fields["date"],
        url=fields["url"],
        extra={k: _as_text(v) for k, v in meta.items() if k not in _KNOWN_KEYS and v is not None},
    )


def title_from_filename(path: Path) -> str:
    """Derive a title from a file name: `aleppo-refugees_2016.txt` -> `Aleppo refugees 2016`."""
    words = re.sub(r"[-_.\s]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:] if words else path.name


def _article_files(folder: Path) -> tuple[list[Path], list[str]]:
    """Article files under `folder`, and warnings for the links that are not followed."""
    root = folder.resolve()
    files: list[Path] = []
    warnings: list[str] = []
    for directory, folders, names in os.walk(folder):  # never descends into linked folders
        here = Path(directory)
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in folders:
            if (here / name).is_symlink():
                warnings.append(f"{here / name}: is a link to a folder; not followed")
        for name in sorted(names):
            path = here / name
            if name.startswith(".") or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            if path.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    warnings.append(
                        f"{path}: is a link to {target}, outside the corpus folder; not followed"
                    )
                    continue
            if not path.exists():
                warnings.append(f"{path}: is a link to nothing; skipped")
            elif not path.is_file():
                warnings.append(f"{path}: is not a regular file; skipped")
            else:
                files.append(path)
    return sorted(files), warnings


def _read(path: Path, limit: int) -> bytes:
    """The file's bytes; ArticleError when it holds more than `limit` of them."""
    size = path.stat().st_size
    data = b""
    if size <= limit:
        with path.open("rb") as file:
            data = file.read(limit + 1)  # the file may have grown since
    if size > limit or len(data) > limit:
        size = max(size, len(data))
        raise ArticleError(
            f"is {_size(size)}, over the limit of {_size(limit)} (MAX_ARTICLE_BYTES)"
        )
    return data


def _size(count: int) -> str:
    return f"{count / 1_000_000:.3g} MB" if count >= 100_000 else f"{count:,} bytes"


def _same_titles(articles: list[Article]) -> list[str]:
    """One warning for each article whose title repeats an earlier article's."""
    first: dict[str, Article] = {}
    warnings = []
    for article in articles:
        key = " ".join(article.title.casefold().split())
        if key in first:
            other = first[key].path or first[key].id
            warnings.append(
                f"{article.path or article.id}: has the same title as {other} "
                f"(\u201c{article.title}\u201d); both are loaded, but citations cannot tell "
                "them apart: give one a title of its own"
            )
        else:
            first[key] = article
    return warnings


def _split_header(text: str) -> tuple[dict[str, object], str]:
    stripped = text.lstrip("\n")
    if not _HEADER_START.match(stripped):
        return {}, text.strip()
    handler = frontmatter.YAMLHandler()
    try:
        header, body = handler.split(stripped)
    except ValueError:
        raise ArticleError("header starts with --- but has no closing --- line") from None
    try:
        meta = handler.load(header) or {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where else ""
        raise ArticleError(f"has a broken header{line}: write it as `key: value` lines") from None
    if not isinstance(meta, dict):
        raise ArticleError("has a broken header: write it as `key: value` lines")
    return {str(k).lower(): v for k, v in meta.items()}, body.strip()


def _paragraphs(
    body: str, markdown: bool, title: str | None = None
) -> tuple[list[tuple[int, int]], str | None]:
    """Find paragraph spans: blocks between blank lines, or lines if there is no blank line.

    In Markdown files, heading lines are not paragraphs; the first one may serve as the title.
    In plain text, a first line that is a headline (see `_headline`) is not a paragraph, and
    is the title unless `title` (the header's) is given; a headline that differs from the
    header's title stays a paragraph, as text the editor wrote.
    """
    separator = _BLANK_LINE if _BLANK_LINE.search(body) else re.compile(r"\n")
    spans: list[tuple[int, int]] = []
    heading: str | None = None
    start = 0
    if not markdown and (headline := _headline(body)) is not None:
        line, end = headline
        if title is None or " ".join(title.casefold().split()) == line.casefold():
            heading, start = line, end
    for match in [*separator.finditer(body), None]:
        end = match.start() if match else len(body)
        block_start = start
        start = match.end() if match else len(body)
        while markdown and block_start < end:
            line_end = body.find("\n", block_start, end)
            line_end = end if line_end == -1 else line_end
            found = _MD_HEADING.match(body, block_start, line_end)
            if not found:
                break
            if heading is None and not spans:
                heading = found.group(1).strip() or None
            block_start = line_end + 1
        span = _trim(body, block_start, end)
        if span:
            spans.append(span)
    return spans, heading


def _headline(body: str) -> tuple[str, int] | None:
    """The body's first line and where the text after it starts, if it is a headline.

    A headline is how plain-text news exports open: one line of at most `HEADLINE_WORDS`
    words and `HEADLINE_CHARS` characters, with no closing sentence punctuation (a question
    mark included: a one-line question is more often a lede), then a blank line, then text.
    A byline ("By Jane Doe") is not a headline.
    """
    found = _HEADLINE.match(body)
    if found is None:
        return None
    line = " ".join(found.group(1).split())
    last = line.rstrip(_CLOSING_MARKS)[-1:]
    if len(line) > HEADLINE_CHARS or len(line.split()) > HEADLINE_WORDS or line.startswith("By "):
        return None
    if not last or last in ".!?:;,\u2026" or not body[found.end() :].strip():
        return None
    return line, found.end()


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _first(meta: Mapping[str, object], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = meta.get(key)
        if value not in (None, ""):
            return _as_text(value)
    return None


def _as_text(value: object) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(v) for v in value)
    return str(value).strip()
