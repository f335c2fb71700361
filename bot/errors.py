"""Exceptions raised by the core; the edges turn them into one clear message."""


class BotError(Exception):
    """Base class for errors a user can act on."""


class ConfigError(BotError):
    """A setting is missing or malformed."""


class CorpusError(BotError):
    """Corpus folder missing, empty or unreadable."""


class ArticleError(BotError):
    """One article file cannot be loaded; the rest of the corpus still can."""
