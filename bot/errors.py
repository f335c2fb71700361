"""Exceptions raised by the core; the edges turn them into one clear message."""

from collections.abc import Sequence


class BotError(Exception):
    """Base class for errors a user can act on."""


class ConfigError(BotError):
    """A setting is missing or malformed."""


class CorpusError(BotError):
    """Corpus folder missing, empty or unreadable; `warnings` say what was wrong with its files."""

    def __init__(self, message: str, warnings: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.warnings = tuple(warnings)


class ArticleError(BotError):
    """One article file cannot be loaded; the rest of the corpus still can."""


class IngestError(BotError):
    """A page or feed cannot be fetched, or holds no article to add."""


class ClusterError(BotError):
    """The sharded index cannot be built, reached or searched (Ray, shards, the shard folder)."""
