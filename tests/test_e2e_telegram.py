"""End to end over HTTP: the real polling loop against the telegram-test-api Bot API emulator.

The emulator (npm `telegram-test-api`, installed by `make test` through `npm ci`) runs on
127.0.0.1 for this test only. It predates PTB 22, so a test-only request class repairs its
replies (see `EmulatorRequest`). Set SKIP_E2E=1 to skip this test where node is not available;
without it a missing emulator is a failure, never a silent skip.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from telegram.request import HTTPXRequest, RequestData

from bot.config import Settings
from bot.i18n import available
from bot.telegram_edge import ALLOWED_UPDATES, build_application
from tests.conftest import REPO
from tests.test_render import visible

TOKEN = "123456789:AAE2eEmulatorTokenForTestsOnly_abcdefgh"
EMULATOR = REPO / "tests" / "e2e" / "emulator.js"
PACKAGE = REPO / "node_modules" / "telegram-test-api" / "package.json"
QUESTION = "How many people fled Aleppo?"
FLED = "At least 20,000 people have fled their homes in Aleppo this week alone"
USER = {"id": 1, "is_bot": False, "first_name": "Ana", "username": "ana"}
CHAT = {"id": 1, "type": "private", "first_name": "Ana"}
EMULATED = {
    "getMe",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "deleteWebhook",
}
DEADLINE_SECONDS = 30  # a safety net against hanging; the test waits for events


class EmulatorRequest(HTTPXRequest):
    """HTTPXRequest that repairs telegram-test-api 4.2.1's replies for PTB 22 and records calls.

    The emulator's getMe lacks `is_bot`, its message dates are in milliseconds, edits return
    null, callback updates lack `chat_instance`, and methods it does not know (setMyCommands,
    sendChatAction, …) fail with HTTP 500; those are recorded and answered `true` here.
    """

    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        super().__init__()
        self.calls = calls

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        if name != "getUpdates":
            self.calls.append((name, request_data.parameters if request_data else {}))
        if name not in EMULATED:
            return 200, b'{"ok": true, "result": true}'
        code, payload = await super().do_request(url, method, request_data, **timeouts)
        data = json.loads(payload)
        if code == 200 and data.get("ok"):
            data["result"] = _repair(name, data.get("result"))
        return code, json.dumps(data).encode()


def _repair(method: str, result: Any) -> Any:
    if method == "getMe":
        return {**result, "is_bot": True}
    if method == "sendMessage":
        message = {
            "message_id": result["message_id"],
            "date": result["date"] // 1000,
            "chat": result["chat"],
            "text": result["text"],
        }
        if result.get("reply_markup"):
            message["reply_markup"] = result["reply_markup"]
        return message
    if method == "getUpdates":
        for update in result:
            if "callback_query" in update:
                update["callback_query"].setdefault("chat_instance", "emulator")
        return result
    return True if result is None else result


@pytest.fixture
def emulator() -> Iterator[str]:
    """telegram-test-api on a free loopback port; yields its base URL."""
    node = shutil.which("node")
    if node is None or not PACKAGE.exists():
        if os.environ.get("SKIP_E2E") == "1":
            pytest.skip("SKIP_E2E=1: end-to-end test skipped")
        pytest.fail(
            "The end-to-end test needs node and the npm package telegram-test-api: run "
            "`npm ci` in the project folder (`make test` does), or set SKIP_E2E=1 to skip it."
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [node, str(EMULATOR), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    if first.strip() != f"ready {port}":
        process.kill()
        pytest.fail(f"emulator did not start: {first}{process.stdout.read()}")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=DEADLINE_SECONDS)


@pytest.fixture
async def client(emulator: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator, timeout=10) as http:
        yield http


async def eventually(check, what: str):
    """Poll `check()` until it returns something; fail after the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if found := await check():
            return found
        await asyncio.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


async def test_question_and_button_over_http(emulator: str, client, aleppo_index) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []
    settings = Settings(telegram_bot_token=TOKEN, telegram_base_url=f"{emulator}/bot")
    app = build_application(
        settings,
        aleppo_index,
        request=EmulatorRequest(calls),
        get_updates_request=EmulatorRequest(calls),
    )
    async with app:
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0.1, allowed_updates=list(ALLOWED_UPDATES))
        await app.start()
        try:
            await converse(client, calls)
        finally:
            await app.updater.stop()
            await app.stop()
    # A private and a group menu for every language the bot speaks (English the default).
    menus = [m for m, _ in calls if m == "setMyCommands"]
    assert menus == ["setMyCommands"] * 2 * len(available())


async def converse(client: httpx.AsyncClient, calls: list[tuple[str, dict[str, Any]]]) -> None:
    # A user asks.
    now = int(time.time())
    question = {"botToken": TOKEN, "date": now, "from": USER, "chat": CHAT, "text": QUESTION}
    assert (await client.post("/sendMessage", json=question)).status_code == 200

    async def bot_messages():
        response = await client.post("/getUpdatesHistory", json={"token": TOKEN})
        return [item for item in response.json()["result"] if "chat_id" in item.get("message", {})]

    answer = (await eventually(bot_messages, "the bot's answer"))[0]
    history = (await client.post("/getUpdatesHistory", json={"token": TOKEN})).json()["result"]
    asked = next(i for i in history if i.get("message", {}).get("text") == QUESTION)
    sent = answer["message"]
    assert sent["chat_id"] == "1" and sent["parse_mode"] == "HTML"
    assert json.loads(sent["reply_parameters"])["message_id"] == asked["messageId"]
    shown = visible(sent["text"])
    assert FLED in shown
    assert "according to the International Red Cross \u00b7 Aleppo: thousands flee" in shown

    # The user presses "¶ 1" under the answer.
    keyboard = sent["reply_markup"]["inline_keyboard"]
    data = next(b["callback_data"] for row in keyboard for b in row if b["text"] == "\u00b6 1")
    press = {
        "botToken": TOKEN,
        "date": now,
        "from": USER,
        "data": data,
        "message": {
            "message_id": answer["messageId"],
            "date": now,
            "chat": CHAT,
            "from": {"id": 666, "is_bot": True, "first_name": "Bot", "username": "TestNameBot"},
            "text": shown,
            "reply_to_message": {**question, "message_id": asked["messageId"]},
        },
    }
    assert (await client.post("/sendCallback", json=press)).status_code == 200

    async def edited():
        for item in await bot_messages():
            if (
                item["messageId"] == answer["messageId"]
                and item["message"]["text"] != sent["text"]
            ):
                return item["message"]
        return None

    paragraph = await eventually(edited, "the answer to be edited")
    shown = visible(paragraph["text"])
    assert shown.startswith("The numbers are impressive, terrifying, bone-chilling. " + FLED)
    assert "\u2014 Aleppo: thousands flee as government forces advance" in shown
    assert "paragraph 1\nSources in this paragraph: the International Red Cross" in shown
    assert await eventually(
        lambda: _called(calls, "answerCallbackQuery"), "the press to be acknowledged"
    )


async def _called(calls: list[tuple[str, dict[str, Any]]], method: str) -> bool:
    return any(m == method for m, _ in calls)
