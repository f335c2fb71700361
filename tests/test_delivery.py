"""Sending: transient failures are retried a bounded number of times, refusals never."""

from __future__ import annotations

import logging

import pytest
from telegram.error import NetworkError, TimedOut

from bot.config import Settings
from bot.telegram_edge import delivery
from tests import telegram_fakes as tf
from tests.test_render import visible

QUESTION = "How many people fled Aleppo?"
FLED = "At least 20,000 people have fled their homes in Aleppo this week alone"


async def ask(app) -> None:
    await app.process_update(tf.update(app, message=tf.message(QUESTION)))


def handler_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.telegram_edge.handlers"]


@pytest.mark.parametrize(
    "failures",
    [
        [TimedOut()],
        [TimedOut(), TimedOut(), TimedOut(), TimedOut()],
        [NetworkError("httpx.RemoteProtocolError: Server disconnected")],
        [(502, "Bad Gateway")],
        [(500, "Internal Server Error"), (502, "Bad Gateway")],
    ],
    ids=["timeout", "four-timeouts", "dropped", "502", "500-then-502"],
)
async def test_transient_failures_are_retried_until_the_answer_goes_out(
    app, fake, caplog, failures
) -> None:
    fake.flaky["sendMessage"] = list(failures)
    with caplog.at_level(logging.INFO):
        await ask(app)
    attempts = fake.sent()
    assert len(attempts) == len(failures) + 1  # the last one went through
    assert all(a == attempts[0] for a in attempts)  # the same request every time
    assert FLED in visible(attempts[-1]["text"])
    assert handler_warnings(caplog) == []
    retries = [r.getMessage() for r in caplog.records if r.name == "bot.telegram_edge.delivery"]
    assert len(retries) == len(failures)
    assert retries[0].startswith("sendMessage failed in transit (")
    assert retries[0].endswith("retry 1 of 4 in 0 s")


async def test_retries_are_bounded(app, fake, caplog) -> None:
    fake.raises["sendMessage"] = TimedOut()
    with caplog.at_level(logging.WARNING):
        await ask(app)
    assert len(fake.sent()) == 1 + len(delivery.RETRY_DELAYS)
    assert handler_warnings(caplog) == ["Telegram timed out (message in chat 501); carrying on"]


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (400, "Bad Request: message text is empty"),
        (403, "Forbidden: bot was blocked by the user"),
    ],
    ids=["bad-request", "forbidden"],
)
async def test_refusals_are_never_retried(app, fake, status: int, description: str) -> None:
    fake.failures["sendMessage"] = (status, description)
    await ask(app)
    assert len(fake.sent()) == 1


async def test_the_typing_indicator_is_not_retried(app, fake, monkeypatch) -> None:
    fake.raises["sendChatAction"] = TimedOut()
    tf.slow_answers(monkeypatch, fake)
    await ask(app)
    assert fake.methods() == ["sendChatAction", "sendMessage"]


async def test_button_acknowledgement_is_retried(app, fake) -> None:
    fake.flaky["answerCallbackQuery"] = [TimedOut()]
    await app.process_update(tf.callback(app, "garbage", tf.bot_message("old answer", 9001)))
    assert fake.methods() == ["answerCallbackQuery", "answerCallbackQuery"]


def test_limits_follow_the_settings() -> None:
    telegram = delivery.rate_limiter(Settings())
    relaxed = delivery.rate_limiter(
        Settings(rate_limit_per_second=0, rate_limit_per_group_minute=0)
    )
    assert telegram._base_limiter is not None and telegram._group_max_rate == 20
    assert relaxed._base_limiter is None and relaxed._group_max_rate == 0
    assert telegram._max_retries == relaxed._max_retries == delivery.FLOOD_RETRIES
