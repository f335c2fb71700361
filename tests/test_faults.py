"""Telegram faults over real HTTP: the polling bot against tests/botapi.py with faults injected.

Every fault happens before the emulator processes a request (see tests/botapi.py), so a
retried request delivers once. Each question must get exactly one answer, except in a chat
that answers 403, and the bot must keep running. Time-outs are short here (0.5 s, a held
request 2 s); the tests wait for events, with a deadline only against hanging.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from bot.config import Settings
from bot.telegram_edge import ALLOWED_UPDATES, build_application
from bot.telegram_edge.transport import AiohttpRequest
from tests.botapi import (
    DROP,
    FAULT_KINDS,
    SERVER_ERROR,
    BotApiEmulator,
    Call,
)
from tests.test_render import visible

TOKEN = "5550001:FaultTestTokenNotARealOne_abcdefghijklmn"
QUESTION = "How many people fled Aleppo?"
FLED = "At least 20,000 people have fled their homes in Aleppo this week alone"
DEADLINE_SECONDS = 60
ANA = {"id": 601, "is_bot": False, "first_name": "Ana"}
BEN = {"id": 602, "is_bot": False, "first_name": "Ben"}
BLOCKED = {"id": 603, "is_bot": False, "first_name": "Cleo"}
NEWSROOM = {"id": -100601, "type": "supergroup", "title": "Newsroom"}


def private(user: dict) -> dict:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    api = BotApiEmulator(TOKEN, hold_seconds=2.0)
    await api.start()
    yield api
    await api.close()


@pytest.fixture
async def bot(emulator: BotApiEmulator, aleppo_index) -> AsyncIterator[Application]:
    """The bot polling the emulator, with 0.5 s time-outs and no rate limit."""
    settings = Settings(
        telegram_bot_token=TOKEN,
        telegram_base_url=emulator.base_url,
        rate_limit_per_second=0,
        rate_limit_per_group_minute=0,
    )
    timeouts = {"read_timeout": 0.5, "connect_timeout": 0.5, "pool_timeout": 0.5}
    app = build_application(
        settings,
        aleppo_index,
        request=AiohttpRequest(**timeouts),
        get_updates_request=AiohttpRequest(1, **timeouts),
    )
    async with app:
        await app.updater.start_polling(
            poll_interval=0, timeout=1, allowed_updates=list(ALLOWED_UPDATES)
        )
        await app.start()
        yield app
        await app.updater.stop()
        await app.stop()


def answers(emulator: BotApiEmulator, update: dict) -> list[Call]:
    message = update["message"]
    return [
        c
        for c in emulator.sent()
        if c.chat_id == message["chat"]["id"] and c.replied_to == message["message_id"]
    ]


async def eventually(check, what: str):
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if found := check():
            return found
        await asyncio.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


async def settled(emulator: BotApiEmulator) -> None:
    """Wait until nothing but the long poll has been in flight for half a second."""
    quiet_since = time.monotonic()
    deadline = quiet_since + DEADLINE_SECONDS
    while time.monotonic() - quiet_since < 0.5:
        if emulator.in_flight > 1:
            quiet_since = time.monotonic()
        if time.monotonic() > deadline:
            pytest.fail("the bot never went quiet")
        await asyncio.sleep(0.02)


async def exactly_one_answer(emulator: BotApiEmulator, update: dict) -> Call:
    await eventually(lambda: answers(emulator, update), "the answer")
    await settled(emulator)
    (answer,) = answers(emulator, update)
    return answer


@pytest.mark.parametrize("kind", FAULT_KINDS)
async def test_a_failed_send_is_sent_again_once(bot, emulator, kind: str) -> None:
    emulator.fail_next(kind, "sendMessage")
    question = emulator.message(QUESTION, private(ANA), ANA)
    answer = await exactly_one_answer(emulator, question)
    assert FLED in visible(answer.params["text"])
    assert emulator.injected == {kind: 1}
    assert bot.running


@pytest.mark.parametrize("kind", FAULT_KINDS)
async def test_a_failed_long_poll_loses_no_update(bot, emulator, kind: str) -> None:
    await eventually(lambda: emulator.in_flight, "the first long poll")
    emulator.fail_next(kind, "getUpdates")
    question = emulator.message(QUESTION, private(ANA), ANA)
    await exactly_one_answer(emulator, question)
    assert emulator.injected == {kind: 1}
    assert bot.running


async def test_failed_button_acknowledgement_is_sent_again(bot, emulator) -> None:
    question = emulator.message(QUESTION, private(ANA), ANA)
    answer = await exactly_one_answer(emulator, question)
    data = answer.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    emulator.fail_next(DROP, "editMessageText")
    emulator.fail_next(SERVER_ERROR, "answerCallbackQuery")
    press = {
        "id": "cq-1",
        "from": ANA,
        "chat_instance": "ci",
        "data": data,
        "message": {**answer.result, "reply_to_message": question["message"]},
    }
    emulator.push(callback_query=press)
    await eventually(lambda: emulator.sent("answerCallbackQuery"), "the acknowledgement")
    await settled(emulator)
    assert len(emulator.sent("editMessageText")) == 1
    assert len(emulator.sent("answerCallbackQuery")) == 1


async def test_a_chat_that_refuses_gets_nothing_and_the_others_are_answered(
    bot, emulator, caplog
) -> None:
    emulator.forbidden_chats.add(BLOCKED["id"])
    with caplog.at_level(logging.WARNING):
        refused = emulator.message(QUESTION, private(BLOCKED), BLOCKED)
        await eventually(lambda: emulator.refused[BLOCKED["id"]], "the 403")
        asked = emulator.message(QUESTION, private(BEN), BEN)
        await exactly_one_answer(emulator, asked)
    assert answers(emulator, refused) == []
    assert emulator.refused[BLOCKED["id"]] == 1  # a refusal is never retried
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.telegram_edge.handlers"]
    assert warnings == [
        f"Telegram refused (message in chat {BLOCKED['id']}): Forbidden: bot was blocked by "
        "the user; dropping that chat's data"
    ]


async def test_many_questions_under_every_fault_each_get_one_answer(bot, emulator) -> None:
    emulator.forbidden_chats.add(BLOCKED["id"])
    for kind in FAULT_KINDS:
        for method in ("sendMessage", "getUpdates", "sendMessage"):
            emulator.fail_next(kind, method)
    seats = [(ANA, private(ANA)), (BEN, private(BEN)), (ANA, NEWSROOM), (BEN, NEWSROOM)]
    questions = []
    for n in range(24):
        user, chat = seats[n % len(seats)]
        text = QUESTION if chat["type"] == "private" else f"/ask {QUESTION}"
        questions.append(emulator.message(text, chat, user))
    blocked = emulator.message(QUESTION, private(BLOCKED), BLOCKED)
    await eventually(lambda: all(answers(emulator, q) for q in questions), "every answer")
    await settled(emulator)
    assert [len(answers(emulator, q)) for q in questions] == [1] * len(questions)
    assert answers(emulator, blocked) == []
    assert emulator.injected == dict.fromkeys(FAULT_KINDS, 3)  # every fault happened
    assert bot.running and bot.updater.running


async def test_without_the_retry_a_dropped_send_loses_the_answer(
    bot, emulator, monkeypatch
) -> None:
    # The fault is real: with the retries switched off, the answer is lost.
    for limiter in [bot.bot.rate_limiter]:
        monkeypatch.setattr(limiter, "_delays", ())
    emulator.fail_next(DROP, "sendMessage")
    question = emulator.message(QUESTION, private(ANA), ANA)
    await eventually(lambda: emulator.injected[DROP], "the fault")
    await settled(emulator)
    assert answers(emulator, question) == []
