"""The briefing in time: an article's date, the window of recent articles, newest first."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from collections.abc import Sequence
from dataclasses import replace

from ..errors import CorpusError
from .corpus import Article, Corpus


def published(article: Article) -> dt.datetime | None:
    """The article's header date as an aware datetime (UTC when no zone), or None.

    Reads ISO dates and timestamps (`2024-03-02`, `2024-03-02T10:00:00+01:00`) and e-mail style
    dates (`Sat, 02 Mar 2024 10:00:00 GMT`); anything else counts as no date.
    """
    text = (article.date or "").strip()
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def within_age(corpus: Corpus, days: int, now: dt.datetime | None = None) -> Corpus:
    """The corpus without articles dated more than `days` days before `now` (undated stay).

    The fingerprint changes with the set of articles kept, so a saved index of the whole folder
    is not taken for this one. Raises CorpusError when every article is too old.
    """
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days)
    kept = tuple(a for a in corpus.articles if (when := published(a)) is None or when >= cutoff)
    if len(kept) == len(corpus.articles):
        return corpus
    if not kept:
        raise CorpusError(
            f"All {len(corpus.articles)} articles in {corpus.folder} are dated more than {days} "
            "days ago (MAX_ARTICLE_AGE_DAYS); add newer ones or raise the setting",
            corpus.warnings,
        )
    digest = hashlib.sha256(f"{corpus.fingerprint}|within {days} days".encode())
    for article in kept:
        digest.update(article.id.encode("utf-8", "surrogatepass") + b"\x00")
    return replace(corpus, articles=kept, files_digest=digest.hexdigest())


def newest_first(articles: Sequence[Article]) -> list[Article]:
    """Articles by header date, newest first; undated ones after them, in their own order."""
    whens = [published(a) for a in articles]
    dated = [(when, a) for when, a in zip(whens, articles, strict=True) if when is not None]
    dated.sort(key=lambda item: -item[0].timestamp())  # stable: ties keep their order
    undated = [a for when, a in zip(whens, articles, strict=True) if when is None]
    return [a for _, a in dated] + undated
