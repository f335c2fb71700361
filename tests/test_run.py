"""`bot run`: token checks before any network call, and full runs whose logs never leak secrets."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from bot.cli import editor, main
from tests.conftest import BUNDLED_CORPUS, REPO

TOKEN = "123456789:AAH-SecretPartThatMustNeverBeLogged_xyz"
SECRET = "Webhook-Secret-That-Must-Never-Be-Logged"
QUESTION = "How many people fled Aleppo?"
# Generous upper bounds for a slow machine; the tests wait for events, not for time.
DEADLINE_SECONDS = 60


# --- Token checks (no network) ---


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail any socket connection, and record whether the index was ever built."""
    built: list[str] = []

    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(editor, "open_index", lambda settings: built.append("index"))
    return built


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "error: TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather"),
        ("12345:tooshort", "error: TELEGRAM_BOT_TOKEN does not look like a bot token"),
        ("my bot token please", "error: TELEGRAM_BOT_TOKEN does not look like a bot token"),
    ],
    ids=["missing", "short", "words"],
)
def test_unusable_token_is_one_line_exit_1_and_no_network(
    capsys, monkeypatch, no_network, token: str | None, message: str
) -> None:
    if token:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    code = main(["run", "--corpus", str(BUNDLED_CORPUS)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1
    assert not token or token not in err
    assert no_network == []


def test_token_from_dotenv_is_checked_too(capsys, tmp_path, no_network) -> None:
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=123:abc\n")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "does not look like a bot token" in err and "123:abc" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "0"], "error: WEBHOOK_PORT must be between 1 and 65535, got 0\n"),
        (
            ["--webhook-url", "http://bot.example.org/hook"],
            "error: WEBHOOK_URL must start with https:// (Telegram only calls HTTPS webhooks)\n",
        ),
        (
            ["--webhook-url", "https://bot.example.org/hook", "--secret-token", "no spaces!"],
            "error: WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -\n",
        ),
    ],
    ids=["port", "http-webhook", "secret"],
)
def test_bad_run_flags_are_one_line_exit_1(
    capsys, monkeypatch, no_network, argv: list[str], message: str
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert main(["run", *argv]) == 1
    assert capsys.readouterr().err == message


# --- Full runs against a scripted Bot API on loopback ---


class ScriptedBotApi(ThreadingHTTPServer):
    """Just enough Bot API for one question: the answer is refused (403) to exercise errors.

    After the question, the long poll meets trouble: one 502 and one dropped connection.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.calls: list[tuple[str, dict]] = []
        self.reject_token = False
        self.poll_faults = ["502", "drop"]
        self.pending_updates = [
            {
                "update_id": 1,
                "message": {
                    "message_id": 10,
                    "date": 1_700_000_000,
                    "chat": {"id": 42, "type": "private", "first_name": "Ana"},
                    "from": {"id": 42, "is_bot": False, "first_name": "Ana"},
                    "text": QUESTION,
                },
            }
        ]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bot"

    def reply(self, method: str, params: dict) -> tuple[int, dict]:
        self.calls.append((method, params))
        if self.reject_token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getMe":
            me = {"id": 123456789, "is_bot": True, "first_name": "B", "username": "LeakTestBot"}
            return 200, {"ok": True, "result": me}
        if method == "getUpdates":
            updates, self.pending_updates = self.pending_updates, []
            if not updates and self.poll_faults and len(self.calls) > 3:
                fault = self.poll_faults.pop(0)
                if fault == "drop":
                    return 0, {}
                return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
            if not updates:
                time.sleep(0.2)  # a short long-poll
            return 200, {"ok": True, "result": updates}
        if method == "setMyCommands":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: no menus"}
        if method == "sendMessage":
            refusal = "Forbidden: bot was blocked by the user"
            return 403, {"ok": False, "error_code": 403, "description": refusal}
        return 200, {"ok": True, "result": True}


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedBotApi

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            params = json.loads(body or "{}")
        else:
            params = dict(parse_qsl(body))
        status, payload = self.server.reply(self.path.rsplit("/", 1)[-1], params)
        if status == 0:  # drop the connection without a reply
            self.close_connection = True
            return
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture
def bot_api() -> Iterator[ScriptedBotApi]:
    server = ScriptedBotApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class BotProcess:
    """`python -m bot run` in a child process, its stderr read line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, fragment: str) -> None:
        """Read output until a line holds `fragment` (maybe one read already); else fail."""
        if any(fragment in line for line in self.lines):
            return
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if fragment in line:
                return
        self.process.kill()
        pytest.fail(f"never logged {fragment!r}; output:\n{''.join(self.lines)}")

    def stop(self) -> int:
        """SIGTERM, then the exit code once the process has ended; the rest of its output kept."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=DEADLINE_SECONDS)
        while (line := self._queue.get(timeout=DEADLINE_SECONDS)) is not None:
            self.lines.append(line)
        return code

    @property
    def output(self) -> str:
        return "".join(self.lines)


def bot_env(bot_api: ScriptedBotApi, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=bot_api.base_url,
        CORPUS_DIR=str(BUNDLED_CORPUS),
        LOG_LEVEL="DEBUG",  # the most talkative level: every request is logged somewhere
        WEBHOOK_SECRET=SECRET,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def assert_no_secret(output: str) -> None:
    assert "Telegram refused (message in chat 42)" in output  # the handled error was logged
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert SECRET not in output
    assert "<redacted>" in output  # where they would have been


def test_polling_run_never_logs_the_token(bot_api: ScriptedBotApi) -> None:
    bot = BotProcess(bot_env(bot_api))
    bot.wait_for("Telegram refused (message in chat 42)")
    bot.wait_for("Network error talking to Telegram (while polling): Bad Gateway")
    bot.wait_for("Network error talking to Telegram (while polling): aiohttp.")
    bot.process.send_signal(signal.SIGHUP)
    bot.wait_for("Reloaded in ")
    code = bot.stop()
    assert code == 0, bot.output
    methods = [m for m, _ in bot_api.calls]
    assert methods[:1] == ["getMe"] and "sendMessage" in methods
    assert "Telegram refused the all_private_chats command menu" in bot.output
    assert "Application is stopping" in bot.output or "Shutting down" in bot.output
    assert "Traceback" not in bot.output
    assert_no_secret(bot.output)


def test_webhook_run_never_logs_the_token_or_the_secret(bot_api: ScriptedBotApi) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = bot_env(
        bot_api,
        WEBHOOK_URL="https://bot.example.org/hook",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
    )
    bot = BotProcess(env)
    bot.wait_for("Calling Bot API endpoint `setWebhook`")
    update = {
        "update_id": 5,
        "message": {
            "message_id": 11,
            "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private", "first_name": "Ana"},
            "from": {"id": 42, "is_bot": False, "first_name": "Ana"},
            "text": QUESTION,
        },
    }
    assert post_update(port, update, None) == 403  # no secret header
    assert post_update(port, update, "wrong-secret") == 403
    assert post_update(port, update, SECRET) == 200
    bot.wait_for("Telegram refused (message in chat 42)")
    code = bot.stop()
    assert code == 0, bot.output
    set_webhook = [p for m, p in bot_api.calls if m == "setWebhook"]
    assert set_webhook and set_webhook[0]["secret_token"] == SECRET
    assert set_webhook[0]["url"] == "https://bot.example.org/hook"
    assert_no_secret(bot.output)


def post_update(port: int, update: dict, secret: str | None) -> int:
    """POST an update as Telegram would; retry while the webhook server is still starting."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/hook", data=json.dumps(update).encode(), headers=headers
    )
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_token_telegram_rejects_is_exit_1_without_the_token(bot_api: ScriptedBotApi) -> None:
    bot_api.reject_token = True
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO,
        env=bot_env(bot_api),
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )
    assert result.returncode == 1
    assert result.stderr.endswith(
        "error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather (/token)\n"
    )
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout
