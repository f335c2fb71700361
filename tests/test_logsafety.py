from __future__ import annotations

import io
import logging

import pytest

from bot.logsafety import REDACTED, RedactingFilter, protect_logging

TOKEN = "123456789:AAHfakefakefakefakefakefakefakefake12"
SECRET = "webhook-secret-value"


@pytest.fixture
def root_stream():
    """Route the root logger to a fresh stream for one test, as basicConfig would."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("httpx").level
    stream = io.StringIO()
    root.handlers = [logging.StreamHandler(stream)]
    yield stream
    root.handlers, root.level = saved[0], saved[1]
    logging.getLogger("httpx").setLevel(saved[2])
    logging.captureWarnings(False)


def test_redact_hides_the_token_bot_urls_and_the_secret() -> None:
    redactor = RedactingFilter([TOKEN, SECRET, None])
    text = (
        f"POST https://api.telegram.org/bot{TOKEN}/getMe token={TOKEN} secret={SECRET} "
        "other bot987:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    )
    redacted = redactor.redact(text)
    assert TOKEN not in redacted and SECRET not in redacted and "987:" not in redacted
    assert redacted == (
        f"POST https://api.telegram.org/bot{REDACTED}/getMe token={REDACTED} "
        f"secret={REDACTED} other bot{REDACTED}"
    )


def test_logged_messages_arguments_and_tracebacks_are_redacted(root_stream) -> None:
    protect_logging([TOKEN, SECRET], "DEBUG")
    log = logging.getLogger("some.library")
    log.info("calling %s with %s", f"https://api.telegram.org/bot{TOKEN}/getUpdates", SECRET)
    try:
        raise RuntimeError(f"failed on bot{TOKEN}")
    except RuntimeError:
        log.exception("request failed")
    output = root_stream.getvalue()
    assert "calling https://api.telegram.org/bot<redacted>/getUpdates with <redacted>" in output
    assert "RuntimeError: failed on bot<redacted>" in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output and SECRET not in output


def test_httpx_request_lines_are_silenced(root_stream) -> None:
    protect_logging([TOKEN], "DEBUG")
    logging.getLogger("httpx").info(
        "HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN
    )
    assert root_stream.getvalue() == ""
    assert logging.getLogger().level == logging.DEBUG
