"""Building the index from the settings, and rebuilding it aside while the bot answers.

`build_index` is the one place where `bot run` and the CLI turn the corpus folder into an index.
A `Reloader` builds a new `Edition` (index and example questions) in a worker thread and swaps
it in with one assignment on the event loop, so a question is answered wholly from the old
edition or wholly from the new one. A failed build keeps the old edition; a reload asked for
while one runs is refused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import models
from .config import Settings
from .errors import BotError, CorpusError
from .search.corpus import Corpus, load_corpus
from .search.dates import within_age
from .search.examples import example_questions
from .search.index import SentenceIndex
from .search.store import load_or_build

log = logging.getLogger(__name__)

# Warnings listed in a reload summary; the rest are counted (all of them are logged).
SHOWN_WARNINGS = 10


def build_index(settings: Settings) -> SentenceIndex:
    """Load `settings.corpus_dir` and its saved index, or index it and save that.

    With `max_article_age_days`, older articles are left out (see `dates.within_age`). With
    the semantic stage, the sentence vectors too (see `models.choice`, whose `note` then says
    why semantic matching is off, if it is). With `ray_address`, the index is sharded over
    that Ray cluster (`cluster.open_index`). Raises CorpusError when nothing loads (see
    `store.load_or_build` for the saved index).
    """
    corpus = load_articles(settings)
    model = models.choice(settings).for_sentences
    if settings.ray_address:  # the index is sharded over a Ray cluster (README "Scale")
        from .cluster import open_index

        return open_index(settings, corpus, model)
    index = load_or_build(
        settings.corpus_dir, settings.search, settings.index_cache, corpus, model=model
    )
    if index.semantic is not None:  # only the model's languages are asked of it
        index = index.with_semantic(index.semantic, settings.semantic_languages)
    return index


def load_articles(settings: Settings) -> Corpus:
    """The corpus folder's articles, less those older than `max_article_age_days`."""
    corpus = load_corpus(settings.corpus_dir, max_article_bytes=settings.max_article_bytes)
    if settings.max_article_age_days:
        corpus = within_age(corpus, settings.max_article_age_days)
    return corpus


@dataclass(frozen=True)
class Edition:
    """One loaded corpus: its index and example questions, replaced whole by a reload."""

    index: SentenceIndex
    examples: tuple[str, ...]
    loaded_at: float = field(default_factory=time.time)

    @classmethod
    def of(cls, index: SentenceIndex) -> Edition:
        """The edition of a built index (example questions are worked out here)."""
        return cls(index, tuple(example_questions(index)))

    @property
    def sentences(self) -> int:
        """How many sentences the index holds."""
        return len(self.index)

    def describe(self) -> str:
        """The edition in numbers, like "3 articles, 120 sentences"."""
        articles = len(self.index.articles)
        return (
            f"{articles:,} article{'' if articles == 1 else 's'}, "
            f"{self.sentences:,} sentence{'' if self.sentences == 1 else 's'}"
        )


def build_edition(settings: Settings) -> Edition:
    """Build the index and its example questions (run in a worker thread by a reload)."""
    index = build_index(settings)
    try:
        return Edition.of(index)
    except BaseException:
        index.close()
        raise


@dataclass(frozen=True)
class ReloadReport:
    """What a reload did, or why it did not; `text()` says it in a few plain lines."""

    outcome: str  # "reloaded", "failed" or "busy"
    seconds: float = 0.0
    edition: Edition | None = None  # the one answering now
    previous: Edition | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether a new edition is in place."""
        return self.outcome == "reloaded"

    def text(self) -> str:
        """The summary for whoever asked for the reload."""
        if self.outcome == "busy":
            return "A reload is already running; try again when it has finished."
        lines = []
        now = self.edition
        if self.ok and now is not None and self.previous is not None:
            changed = now.index.corpus.fingerprint != self.previous.index.corpus.fingerprint
            lines.append(
                f"Reloaded in {self.seconds:.1f} s: {now.describe()} "
                f"(before: {self.previous.describe()})."
            )
            lines.append(
                "Buttons under earlier answers now ask for the question again."
                if changed
                else "The articles had not changed."
            )
        else:
            lines.append(f"Reload failed after {self.seconds:.1f} s: {self.error}")
            if now is not None:
                loaded = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(now.loaded_at))
                lines.append(
                    f"Still answering from the briefing loaded {loaded} ({now.describe()})."
                )
        if self.warnings:
            count = len(self.warnings)
            lines.append(f"{count} warning{'' if count == 1 else 's'}:")
            lines += [f"\u2022 {w}" for w in self.warnings[:SHOWN_WARNINGS]]
            if count > SHOWN_WARNINGS:
                lines.append(f"\u2026 and {count - SHOWN_WARNINGS} more in the log.")
        return "\n".join(lines)


class Reloader:
    """Rebuilds the edition in a worker thread, one reload at a time, and swaps it in."""

    def __init__(
        self,
        settings: Settings,
        current: Edition,
        build: Callable[[Settings], Edition] | None = None,
    ) -> None:
        self.settings = settings
        self.current = current
        self._build = build
        self._running = False
        self._note = models.choice(settings).note  # said at start-up; said again if it changes

    @property
    def running(self) -> bool:
        """Whether a reload is under way."""
        return self._running

    async def reload(self, trigger: str) -> ReloadReport:
        """Build a new edition aside and swap it in; on failure keep the current one."""
        if self._running:
            log.info("Reload (%s) refused: one is already running", trigger)
            return ReloadReport("busy", edition=self.current)
        self._running = True
        previous = self.current
        started = time.monotonic()
        log.info("Reloading the corpus from %s (%s)", self.settings.corpus_dir, trigger)
        try:
            build = self._build or build_edition
            edition = await asyncio.to_thread(build, self.settings)
        except BotError as exc:
            warnings = exc.warnings if isinstance(exc, CorpusError) else ()
            report = ReloadReport(
                "failed", time.monotonic() - started, previous, previous, warnings, str(exc)
            )
        except Exception as exc:  # a bug must not take the running bot down
            log.exception("Reload (%s) failed unexpectedly", trigger)
            error = f"unexpected error ({type(exc).__name__}: {exc}); see the log"
            seconds = time.monotonic() - started
            report = ReloadReport("failed", seconds, previous, previous, (), error)
        else:
            self.current = edition  # the swap: handlers read `current` once per update
            if previous.index is not edition.index:
                previous.index.close()  # a sharded index's shards stop once idle
            note = models.choice(self.settings).note
            if note != self._note:
                log.warning("%s", note or "semantic matching is on again")
                self._note = note
            report = ReloadReport(
                "reloaded",
                time.monotonic() - started,
                edition,
                previous,
                edition.index.corpus.warnings,
            )
        finally:
            self._running = False
        for warning in report.warnings:
            log.warning("Reload: %s", warning)
        log.log(
            logging.INFO if report.ok else logging.ERROR,
            "%s",
            report.text().split("\n")[0] + ("" if report.ok else " Keeping the old index."),
        )
        return report
