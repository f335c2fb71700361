"""A Bot API emulator on 127.0.0.1 for the fault tests and bench/load.py: real HTTP, faults.

It speaks HTTP/1.1 with keep-alive on loopback and implements the methods the bot calls
(getMe, getUpdates with offset/limit/timeout long polling, sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, answerInlineQuery, sendChatAction, setMyCommands,
deleteWebhook, setWebhook). Updates are injected and calls read back in-process (`push`,
`calls`) or over a small control API under `/_control/` (`python -m tests.botapi`).

Fault model: a fault is decided when a request arrives and takes its place: the request is not
processed (no message is stored), so a client that retries it delivers exactly once. Kinds:
HTTP 429 with `parameters.retry_after`, 500, 502, a timeout (the request is held longer than
the client waits, then the connection is closed without a reply) and a dropped connection.
Chats listed in `forbidden_chats` get 403 Forbidden for every call, always.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

RETRY_AFTER, SERVER_ERROR, BAD_GATEWAY, TIMEOUT, DROP = (
    "retry_after",
    "server_error",
    "bad_gateway",
    "timeout",
    "drop",
)
FAULT_KINDS = (RETRY_AFTER, SERVER_ERROR, BAD_GATEWAY, TIMEOUT, DROP)
BOT_ID = 5550001
BOT_USERNAME = "EmulatedBriefingBot"
# Methods whose result is a message; the others answer `true`.
_MESSAGE_METHODS = {"sendMessage", "editMessageText", "editMessageReplyMarkup"}
_TRUE_METHODS = {
    "answerCallbackQuery",
    "answerInlineQuery",
    "sendChatAction",
    "setMyCommands",
    "deleteMyCommands",
    "deleteWebhook",
    "setWebhook",
    "close",
    "logOut",
}
_COMMAND = re.compile(r"^/\w+(?:@\w+)?")
_MENTION = re.compile(r"(?<!\w)@\w+")
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
_REASONS |= {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}


@dataclass(frozen=True)
class Call:
    """One Bot API call the emulator processed: method, parameters as sent, and when."""

    method: str
    params: dict[str, Any]
    at: float  # time.monotonic()
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        """The chat the call is for, as a number."""
        value = self.params.get("chat_id")
        return None if value is None else int(value)

    @property
    def replied_to(self) -> int | None:
        """The message id a sendMessage replies to."""
        reply = self.params.get("reply_parameters") or {}
        return reply.get("message_id")


@dataclass
class Chaos:
    """Random faults: each bot request fails with probability `rate`, the kind drawn by weight.

    `methods` limits the methods that may fail (None: all), `only` the methods a kind may hit,
    and `budget` caps a kind's count.
    """

    rate: float
    weights: dict[str, float]
    methods: frozenset[str] | None = None
    only: dict[str, frozenset[str]] = field(default_factory=dict)
    budget: dict[str, int] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self._random = random.Random(self.seed)

    def pick(self, method: str, injected: Counter[str]) -> str | None:
        """The fault for one request to `method`, or None."""
        if self.methods is not None and method not in self.methods:
            return None
        if self._random.random() >= self.rate:
            return None
        kinds = [
            k
            for k in self.weights
            if injected[k] < self.budget.get(k, 1 << 30) and method in self.only.get(k, (method,))
        ]
        if not kinds:
            return None
        return self._random.choices(kinds, [self.weights[k] for k in kinds])[0]


class BotApiEmulator:
    """The Bot API for one bot on 127.0.0.1; see the module docstring for the fault model."""

    def __init__(
        self,
        token: str | None = None,
        *,
        hold_seconds: float = 6.0,
        retry_after: int = 1,
        reads_groups: bool = True,
    ) -> None:
        self.token = token  # None: any token is accepted
        self.hold_seconds = hold_seconds  # a timeout fault holds the request this long
        self.retry_after = retry_after
        self.me = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Briefing",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": reads_groups,
            "supports_inline_queries": True,
        }
        self.calls: list[Call] = []
        self.listeners: list[Callable[[Call], None]] = []
        self.forbidden_chats: set[int] = set()
        self.scripted: deque[tuple[str | None, str]] = deque()
        self.chaos: Chaos | None = None
        self.injected: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.in_flight = 0  # requests received and not yet answered (a long poll counts)
        self.refused: Counter[int] = Counter()  # 403s per forbidden chat
        self._pending: deque[dict[str, Any]] = deque()
        self._new_update = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task, asyncio.StreamWriter] = {}
        self._closing = asyncio.Event()

    # --- Life cycle ---

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1:`port` (0: a free port)."""
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", port)

    async def close(self) -> None:
        """Stop listening, end held requests and long polls, and close every connection."""
        if self._server is not None:
            self._server.close()
        self._closing.set()
        self._new_update.set()
        for writer in self._connections.values():
            writer.close()
        if self._connections:
            await asyncio.wait(list(self._connections), timeout=5)

    @property
    def port(self) -> int:
        """The port it listens on."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server.sockets[0].getsockname()[1]

    @property
    def base_url(self) -> str:
        """The Bot API base URL for the bot (TELEGRAM_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- Updates in, calls out ---

    def push(self, **fields: Any) -> dict[str, Any]:
        """Queue an update (`message=…`, `callback_query=…`, …); return it with its update_id."""
        update = {"update_id": next(self._update_ids), **fields}
        for kind in ("message", "edited_message", "channel_post"):
            chat = (update.get(kind) or {}).get("chat")
            if chat:
                self._chats[chat["id"]] = chat
        self._pending.append(update)
        self._new_update.set()
        return update

    def message(
        self, text: str, chat: dict[str, Any], user: dict[str, Any] | None, **extra: Any
    ) -> dict[str, Any]:
        """Queue a new text message, with its command and mention entities; return the update."""
        counter = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message = {"message_id": next(counter), "date": int(time.time()), "chat": chat}
        if user is not None:
            message["from"] = user
        message["text"] = text
        if found := entities(text):
            message["entities"] = found
        return self.push(message={**message, **extra})

    def fail_next(self, kind: str, method: str | None = None, times: int = 1) -> None:
        """Make the next `times` requests (to `method`, or any) fail with `kind`."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        self.scripted.extend([(method, kind)] * times)

    def sent(self, method: str = "sendMessage") -> list[Call]:
        """Every processed call of `method`."""
        return [c for c in self.calls if c.method == method]

    # --- HTTP ---

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        task = asyncio.current_task()
        if task is not None:
            self._connections[task] = writer
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                path, body = request
                self.in_flight += 1
                try:
                    reply = await self._route(path, body)
                finally:
                    self.in_flight -= 1
                if reply is None:  # a dropped or held connection: no reply at all
                    break
                status, payload = reply
                data = json.dumps(payload).encode()
                head = (
                    f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
                )
                writer.write(head.encode() + data)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            if task is not None:
                self._connections.pop(task, None)

    async def _route(self, path: str, body: bytes) -> tuple[int, Any] | None:
        url = urlsplit(path)
        if url.path.startswith("/_control/"):
            return 200, self._control(url.path.removeprefix("/_control/"), url.query, body)
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", url.path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, method = match.groups()
        if self.token is not None and token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        self.requests[method] += 1
        fault = self._fault(method)
        if fault is not None:
            self.injected[fault] += 1
            return await self._fail(fault)
        params = _parameters(body)
        chat_id = params.get("chat_id")
        if chat_id is not None and int(chat_id) in self.forbidden_chats:
            self.refused[int(chat_id)] += 1
            refusal = "Forbidden: bot was blocked by the user"
            return 403, {"ok": False, "error_code": 403, "description": refusal}
        return await self._method(method, params)

    def _fault(self, method: str) -> str | None:
        for i, (wanted, kind) in enumerate(self.scripted):
            if wanted in (None, method):
                del self.scripted[i]
                return kind
        return self.chaos.pick(method, self.injected) if self.chaos else None

    async def _fail(self, kind: str) -> tuple[int, Any] | None:
        if kind == RETRY_AFTER:
            description = f"Too Many Requests: retry after {self.retry_after}"
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": description,
                "parameters": {"retry_after": self.retry_after},
            }
        if kind == SERVER_ERROR:
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if kind == BAD_GATEWAY:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if kind == TIMEOUT:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.hold_seconds)
        return None  # TIMEOUT and DROP: close the connection without a reply

    # --- Bot API methods ---

    async def _method(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        if method == "getUpdates":
            return 200, {"ok": True, "result": await self._get_updates(params)}
        if method == "getMe":
            result: Any = self.me
        elif method in _MESSAGE_METHODS:
            result = self._bot_message(method, params)
        elif method in _TRUE_METHODS:
            result = True
        else:
            description = f"Bad Request: method {method} is not emulated"
            return 400, {"ok": False, "error_code": 400, "description": description}
        call = Call(method, params, time.monotonic(), result)
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        return 200, {"ok": True, "result": result}

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()  # confirmed by the offset: forgotten
        if not self._pending and timeout > 0 and not self._closing.is_set():
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout)
        return list(itertools.islice(self._pending, limit))

    def _bot_message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        chat = self._chats.get(chat_id) or {
            "id": chat_id,
            "type": "private" if chat_id > 0 else "group",
        }
        if method == "sendMessage":
            counter = self._message_ids.setdefault(chat_id, itertools.count(1))
            message_id = next(counter)
        else:
            message_id = int(params["message_id"])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    # --- Control API (for use from another process) ---

    def _control(self, action: str, query: str, body: bytes) -> dict[str, Any]:
        data = json.loads(body or b"{}")
        if action == "update":
            return {"ok": True, "result": self.push(**data)}
        if action == "calls":
            since = int(dict(parse_qsl(query)).get("since", 0))
            calls = [{"method": c.method, "params": c.params} for c in self.calls[since:]]
            return {"ok": True, "result": calls, "next": since + len(calls)}
        if action == "faults":
            for item in data.get("next", []):
                self.fail_next(item["kind"], item.get("method"), item.get("times", 1))
            self.forbidden_chats.update(int(c) for c in data.get("forbidden_chats", []))
            return {"ok": True, "result": dict(self.injected)}
        return {"ok": False, "description": f"unknown control action {action!r}"}


def entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram would attach: a leading command and @mentions (UTF-16 offsets)."""
    found = []
    for pattern, kind in ((_COMMAND, "bot_command"), (_MENTION, "mention")):
        for match in pattern.finditer(text):
            offset = _utf16(text[: match.start()])
            found.append({"type": kind, "offset": offset, "length": _utf16(match.group())})
    return sorted(found, key=lambda e: e["offset"])


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, bytes] | None:
    """One HTTP/1.1 request: its path and body; None when the client closed the connection."""
    line = await reader.readline()
    if not line:
        return None
    _, path, _ = line.decode("latin-1").split(" ", 2)
    length = 0
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return path, body


def _parameters(body: bytes) -> dict[str, Any]:
    """Form or JSON parameters; JSON-encoded form values (reply_markup, …) decoded."""
    if body.startswith(b"{"):
        return json.loads(body)
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        if value[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
                continue
        params[key] = value
    return params


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _serve(port: int, forbidden: Iterable[int]) -> None:
    emulator = BotApiEmulator()
    emulator.forbidden_chats.update(forbidden)
    await emulator.start(port)
    print(f"ready {emulator.port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Bot API emulator on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--forbidden-chat", type=int, action="append", default=[])
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(arguments.port, arguments.forbidden_chat))
