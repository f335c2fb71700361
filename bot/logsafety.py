"""Logging for `bot run` that never writes the bot token or the webhook secret."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "<redacted>"
# Bot API URLs carry the token as `bot<id>:<secret>`; any token-shaped text is hidden too.
_TOKEN_SHAPES = re.compile(r"(?<=bot)\d+:[A-Za-z0-9_-]+|\b\d{3,20}:[A-Za-z0-9_-]{30,}")


class RedactingFilter(logging.Filter):
    """Replace secrets in a record's message, traceback and stack with `<redacted>`."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is hidden whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return `text` with every secret and token-shaped string replaced."""
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPES.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        message = record.getMessage()
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            # Format the traceback now so the formatter uses the redacted text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def protect_logging(secrets: Iterable[str | None], level: str = "INFO") -> RedactingFilter:
    """Set the root level, quiet httpx and put a redacting filter on every root handler.

    Call after `logging.basicConfig`; handlers added later are not covered.
    """
    root = logging.getLogger()
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.captureWarnings(True)
    redactor = RedactingFilter(secrets)
    for handler in root.handlers:
        handler.addFilter(redactor)
    return redactor
