"""A recording stand-in for the Bot API and factories for real-shaped updates (no network)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.search.index import SentenceIndex
from bot.telegram_edge import build_application

from .botapi import entities

BOT_ID = 7000001
BOT_USERNAME = "BriefingTestBot"
TOKEN = "7000001:AAFakeTokenForTestsOnly_abcdefghijklmnop"
USER = {"id": 501, "is_bot": False, "first_name": "Ana", "username": "ana"}
OTHER_USER = {"id": 502, "is_bot": False, "first_name": "Ben"}
# Telegram's placeholder sender of messages sent on behalf of a channel.
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Briefing", "username": BOT_USERNAME}
PRIVATE = {"id": 501, "type": "private", "first_name": "Ana"}
GROUP = {"id": -100200, "type": "group", "title": "Newsroom"}
FORUM = {"id": -100300, "type": "supergroup", "title": "Desk", "is_forum": True}
DATE = 1_700_000_000


@dataclass
class Call:
    """One Bot API call: the method name and its parameters as sent."""

    method: str
    params: dict[str, Any]


class RecordingRequest(BaseRequest):
    """Answers Bot API calls in-process and records every one of them.

    `failures` maps a method name to (HTTP status, description) for calls that should fail,
    `failure_parameters` adds the Bot API's `parameters` (e.g. retry_after) to such a failure,
    `raises` maps a method name to an exception the transport raises (timeouts), and `flaky`
    maps a method name to failures (an exception, or HTTP status and description) used up one
    a call, after which calls succeed.
    """

    def __init__(self, **me: Any) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.failures: dict[str, tuple[int, str]] = {}
        self.failure_parameters: dict[str, dict[str, Any]] = {}
        self.raises: dict[str, Exception] = {}
        self.flaky: dict[str, list[Exception | tuple[int, str]]] = {}
        self.me = {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            **me,
        }
        self._ids = itertools.count(9001)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        self.calls.append(Call(name, params))
        if name in self.raises:
            raise self.raises[name]
        if self.flaky.get(name):
            failure = self.flaky[name].pop(0)
            if isinstance(failure, Exception):
                raise failure
            status, description = failure
            body = {"ok": False, "error_code": status, "description": description}
            return status, json.dumps(body).encode()
        if name in self.failures:
            status, description = self.failures[name]
            body = {"ok": False, "error_code": status, "description": description}
            if name in self.failure_parameters:
                body["parameters"] = self.failure_parameters[name]
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return self.me
        if name == "getUpdates":
            return []
        if name in ("sendMessage", "editMessageText"):
            message = {
                "message_id": params.get("message_id") or next(self._ids),
                "date": DATE,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
                "text": params["text"],
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    # Reading the record.

    def methods(self) -> list[str]:
        """Every method called, in order, leaving out start-up calls."""
        return [c.method for c in self.calls if c.method not in ("getMe", "setMyCommands")]

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """The parameters of every call of `method`."""
        return [c.params for c in self.calls if c.method == method]

    def clear(self) -> None:
        self.calls.clear()


async def started(
    fake: RecordingRequest, index: SentenceIndex, settings: Settings | None = None
) -> Application:
    """An initialised application (getMe done) whose Bot API is `fake`, with its record clear."""
    settings = replace(settings or Settings(), telegram_bot_token=TOKEN)
    app = build_application(settings, index, request=fake, get_updates_request=fake)
    await app.initialize()
    fake.clear()
    return app


def slow_answers(monkeypatch: Any, fake: RecordingRequest, typing_calls: int = 1) -> None:
    """Make every answer take until "typing…" has been sent `typing_calls` times.

    Answers then run in a worker thread (as a slow corpus's do) while the event loop sends the
    indicator at once instead of after a second.
    """
    import bot.telegram_edge.briefing
    import bot.telegram_edge.handlers

    real = bot.telegram_edge.briefing.answer
    monkeypatch.setattr(bot.telegram_edge.handlers, "TYPING_AFTER_SECONDS", 0)
    monkeypatch.setattr(bot.telegram_edge.handlers, "TYPING_REFRESH_SECONDS", 0.01)
    monkeypatch.setattr(bot.telegram_edge.briefing, "INLINE_ANSWER_SECONDS", 0)

    def waiting(*args: Any, **kwargs: Any):
        deadline = time.monotonic() + 30
        while len(fake.sent("sendChatAction")) < typing_calls and time.monotonic() < deadline:
            threading.Event().wait(0.001)
        return real(*args, **kwargs)

    monkeypatch.setattr(bot.telegram_edge.briefing, "answer", waiting)


def message(
    text: str | None = "",
    *,
    chat: dict[str, Any] = PRIVATE,
    user: dict[str, Any] = USER,
    message_id: int = 100,
    reply_to: dict[str, Any] | None = None,
    thread_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A message as the Bot API sends it; text entities are derived from the text."""
    data: dict[str, Any] = {
        "message_id": message_id,
        "date": DATE,
        "chat": chat,
        "from": user,
        **extra,
    }
    if text is not None:
        data["text"] = text
        if ents := entities(text):
            data["entities"] = ents
    if reply_to is not None:
        data["reply_to_message"] = reply_to
    if thread_id is not None:
        data["message_thread_id"] = thread_id
        data["is_topic_message"] = True
    return data


def bot_message(text: str, message_id: int, chat: dict[str, Any] = PRIVATE, **extra: Any):
    """A message the bot sent earlier."""
    return message(text, chat=chat, user=BOT_USER, message_id=message_id, **extra)


def update(app: Application, update_id: int = 1, **fields: Any) -> Update:
    """An Update bound to the application's bot, from Bot API JSON fields."""
    return Update.de_json({"update_id": update_id, **fields}, app.bot)


def callback(
    app: Application, data: str, answer_message: dict[str, Any], user=USER, query_id="cq1"
) -> Update:
    """A button press on `answer_message`."""
    query = {
        "id": query_id,
        "from": user,
        "chat_instance": "ci-1",
        "data": data,
        "message": answer_message,
    }
    return update(app, callback_query=query)
