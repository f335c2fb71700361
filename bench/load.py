"""Faults and load: `bot run` against a loopback Bot API emulator, with figures.

    .venv/bin/python bench/load.py               # faults, then 1,000 questions (about 20 s)
    .venv/bin/python bench/load.py --soak 600    # and then 10 minutes of load rounds

The bot runs as it does in production, `python -m bot run` in a child process (long polling,
the bundled corpus), with TELEGRAM_BASE_URL pointed at the emulator of `tests/botapi.py`, which
this process runs on 127.0.0.1 next to the simulated users. The only relaxed settings are the
rate limits (RATE_LIMIT_PER_SECOND=0, RATE_LIMIT_PER_GROUP_MINUTE=0): the emulator is not
Telegram.

Faults: while users ask, a share of the bot's requests fail before the emulator processes them
(429 with retry_after, 500, 502, held past the client's time-out, dropped connection) and one
chat answers 403 Forbidden to everything. Every question outside that chat must get exactly
one answer, and the process must still be running.

Load: users in private chats and groups (group questions start with /ask or mention the bot)
each ask their next question when the previous one has been answered (a closed loop), until
all questions are asked. Time to answer is from the update being offered to the bot to the
emulator receiving the answer's sendMessage; RSS is the bot process's resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.botapi import (  # noqa: E402
    BAD_GATEWAY,
    BOT_USERNAME,
    DROP,
    RETRY_AFTER,
    SERVER_ERROR,
    TIMEOUT,
    BotApiEmulator,
    Call,
    Chaos,
)

TOKEN = "5550001:BenchTokenNotARealOne_abcdefghijklmnopqrstu"
QUESTIONS = [
    "How many people fled Aleppo?",
    "Who controls eastern Aleppo?",
    "What did Staffan de Mistura say?",
    "What number does the Syrian Observatory for Human Rights report?",
    "Who would gain from winning the battle for Aleppo?",
    "What is Russia doing inside the Syrian government?",
    "What is the population of Tokyo?",
    "Where do the people who flee go?",
    "What did the U.N. envoy admit?",
    "who won the football match yesterday",
]
FORBIDDEN_CHAT = 999_999
PRIVATE_CHATS = 10
ANSWER_WAIT_SECONDS = 60  # a question unanswered this long counts as lost
CHAOS = {RETRY_AFTER: 1, SERVER_ERROR: 2, BAD_GATEWAY: 2, TIMEOUT: 1, DROP: 2}


@dataclass
class Round:
    """What one phase asked and what came back."""

    asked: dict[tuple[int, int], float] = field(default_factory=dict)  # (chat, msg) -> time
    answers: dict[tuple[int, int], list[float]] = field(default_factory=lambda: defaultdict(list))
    forbidden_asked: int = 0
    started: float = 0.0
    finished: float = 0.0

    def record(self, call: Call) -> None:
        key = (call.chat_id, call.replied_to)
        if call.method == "sendMessage" and key in self.asked:
            self.answers[key].append(call.at)

    @property
    def lost(self) -> int:
        return sum(1 for key in self.asked if not self.answers.get(key))

    @property
    def doubled(self) -> int:
        return sum(1 for times in self.answers.values() if len(times) > 1)

    @property
    def answered(self) -> int:
        return sum(1 for key in self.asked if self.answers.get(key))

    def latencies(self) -> list[float]:
        return sorted(self.answers[k][0] - t for k, t in self.asked.items() if self.answers.get(k))


class Users:
    """Users in private chats and groups who ask in a closed loop."""

    def __init__(self, emulator: BotApiEmulator, users: int, chats: int) -> None:
        self.emulator = emulator
        privates = min(PRIVATE_CHATS, chats, users)
        groups = chats - privates
        if users > privates and groups < 1:
            raise SystemExit("more users than private chats need at least one group")
        self.seats: list[tuple[dict, dict]] = []  # (user, chat)
        for n in range(1, users + 1):
            user = {"id": 10_000 + n, "is_bot": False, "first_name": f"User{n}"}
            if n <= privates:
                chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
            else:
                g = (n - privates - 1) % groups
                chat = {"id": -100_000 - g, "type": "supergroup", "title": f"Group {g}"}
            self.seats.append((user, chat))
        self.waiting: dict[tuple[int, int], asyncio.Future] = {}
        self._questions = itertools.cycle(QUESTIONS)
        self._style = itertools.cycle(["/ask ", f"@{BOT_USERNAME} "])

    def heard(self, call: Call) -> None:
        if call.method == "sendMessage":
            future = self.waiting.pop((call.chat_id, call.replied_to), None)
            if future is not None and not future.done():
                future.set_result(call.at)

    def ask(self, round_: Round, user: dict, chat: dict) -> asyncio.Future:
        text = next(self._questions)
        if chat["type"] != "private":
            text = next(self._style) + text
        update = self.emulator.message(text, chat, user)
        key = (chat["id"], update["message"]["message_id"])
        round_.asked[key] = time.monotonic()
        future = asyncio.get_running_loop().create_future()
        self.waiting[key] = future
        return future

    async def run(self, round_: Round, questions: int) -> None:
        counts = [questions // len(self.seats)] * len(self.seats)
        for i in range(questions % len(self.seats)):
            counts[i] += 1
        round_.started = time.monotonic()
        await asyncio.gather(
            *(
                self._one(round_, user, chat, n)
                for (user, chat), n in zip(self.seats, counts, strict=True)
            )
        )
        round_.finished = time.monotonic()

    async def _one(self, round_: Round, user: dict, chat: dict, count: int) -> None:
        for _ in range(count):
            future = self.ask(round_, user, chat)
            with contextlib.suppress(TimeoutError):  # unanswered: counted as lost
                await asyncio.wait_for(future, ANSWER_WAIT_SECONDS)


class Bot:
    """`python -m bot run` in a child process, its log kept in a file."""

    def __init__(
        self, base_url: str, profile: str | None = None, model: str | None = None
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
        for name in ("ADMIN_USER_IDS", "ALLOWED_CHAT_IDS"):
            env.pop(name, None)
        env.update(
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=base_url,
            CORPUS_DIR=str(ROOT / "corpus"),
            RATE_LIMIT_PER_SECOND="0",
            RATE_LIMIT_PER_GROUP_MINUTE="0",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            # Words alone unless --semantic names the model: no download is ever attempted.
            SEMANTIC="on" if model else "off",
            SEMANTIC_MODEL=model or "",
        )
        # Open for the child's whole life; closed (and deleted) with this object.
        self.log = tempfile.NamedTemporaryFile("w+", prefix="bench-bot-", suffix=".log")  # noqa: SIM115
        profiler = ["-m", "cProfile", "-o", profile] if profile else []
        self.process = subprocess.Popen(
            [sys.executable, *profiler, "-m", "bot", "run"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        return kb / 1024

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def log_tail(self, lines: int = 20) -> str:
        self.log.seek(0)
        return "".join(self.log.readlines()[-lines:])


async def settle(emulator: BotApiEmulator, round_: Round, deadline: float) -> None:
    """Wait until every answer is in (or the deadline), then until no request is in flight."""
    while round_.lost and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 1.0 and time.monotonic() < deadline:
        if emulator.in_flight > 1:  # the long poll is always there
            quiet_since = time.monotonic()
        await asyncio.sleep(0.05)


async def fault_phase(emulator: BotApiEmulator, users: Users, questions: int) -> dict:
    round_ = Round()
    emulator.listeners.append(round_.record)
    emulator.forbidden_chats.add(FORBIDDEN_CHAT)
    forbidden_user = {"id": FORBIDDEN_CHAT, "is_bot": False, "first_name": "Blocked"}
    forbidden = {"id": FORBIDDEN_CHAT, "type": "private", "first_name": "Blocked"}
    emulator.chaos = Chaos(
        rate=0.1,
        weights=CHAOS,
        budget={RETRY_AFTER: 5, TIMEOUT: 6},
        only={TIMEOUT: frozenset({"sendMessage", "answerCallbackQuery"})},
        seed=6,
    )
    forbidden_sent = len([c for c in emulator.calls if c.chat_id == FORBIDDEN_CHAT])
    blocked = [emulator.message(q, forbidden, forbidden_user) for q in QUESTIONS]
    round_.forbidden_asked = len(blocked)
    await users.run(round_, questions)
    await settle(emulator, round_, time.monotonic() + ANSWER_WAIT_SECONDS)
    emulator.chaos = None
    emulator.listeners.remove(round_.record)
    delivered_forbidden = len([c for c in emulator.calls if c.chat_id == FORBIDDEN_CHAT])
    return {
        "questions": len(round_.asked),
        "answers": sum(len(t) for t in round_.answers.values()),
        "lost": round_.lost,
        "doubled": round_.doubled,
        "forbidden_chat_questions": round_.forbidden_asked,
        "forbidden_chat_answers": delivered_forbidden - forbidden_sent,
        "forbidden_chat_refusals": emulator.refused[FORBIDDEN_CHAT],
        "faults_injected": dict(emulator.injected),
        "seconds": round(round_.finished - round_.started, 1),
    }


async def load_phase(emulator: BotApiEmulator, users: Users, questions: int) -> dict:
    round_ = Round()
    emulator.listeners.append(round_.record)
    await users.run(round_, questions)
    await settle(emulator, round_, time.monotonic() + 5)
    emulator.listeners.remove(round_.record)
    latencies = round_.latencies()
    last = max((t[0] for t in round_.answers.values()), default=round_.started)
    elapsed = last - round_.started
    return {
        "questions": len(round_.asked),
        "answered": round_.answered,
        "lost": round_.lost,
        "doubled": round_.doubled,
        "seconds": round(elapsed, 2),
        "answers_per_second": round(round_.answered / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * _percentile(latencies, 0.95), 1) if latencies else None,
    }


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))]


async def main(args: argparse.Namespace) -> int:
    emulator = BotApiEmulator(TOKEN, hold_seconds=6.0)  # PTB's read time-out is 5 s
    await emulator.start()
    bot = Bot(emulator.base_url, args.profile, args.semantic)
    users = Users(emulator, args.users, args.chats)
    emulator.listeners.append(users.heard)
    report: dict = {
        "command": " ".join(["bench/load.py", *sys.argv[1:]]),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "how": "bot run in a child process, long polling, against tests/botapi.py on loopback",
    }
    try:
        await _started(emulator, bot)
        report["rss_start_mb"] = round(bot.rss_mb(), 1)
        if not args.no_faults:
            report["faults"] = await fault_phase(emulator, users, args.fault_questions)
            report["faults"]["alive"] = bot.alive
        cpu, own = bot.cpu_seconds(), _own_cpu_seconds()
        report["load"] = await load_phase(emulator, users, args.questions)
        report["load"]["bot_cpu_seconds"] = round(bot.cpu_seconds() - cpu, 2)
        report["load"]["emulator_cpu_seconds"] = round(_own_cpu_seconds() - own, 2)
        report["load"]["alive"] = bot.alive
        if args.soak:
            report["soak"] = await soak(emulator, users, bot, args)
        report["rss_end_mb"] = round(bot.rss_mb(), 1)
        report["rss_growth_mb"] = round(report["rss_end_mb"] - report["rss_start_mb"], 1)
        report["exit_code_on_sigterm"] = bot.stop()
    finally:
        if bot.alive:
            bot.process.kill()
        await emulator.close()
    _print(report, args.json)
    if report.get("faults", {}).get("lost") or report.get("faults", {}).get("doubled"):
        return 1
    return 0 if report["load"]["lost"] == 0 and report["load"]["doubled"] == 0 else 1


async def soak(emulator: BotApiEmulator, users: Users, bot: Bot, args) -> dict:
    end = time.monotonic() + args.soak
    totals: Counter[str] = Counter()
    rss = []
    rounds = 0
    while time.monotonic() < end and bot.alive:
        result = await load_phase(emulator, users, args.questions)
        rounds += 1
        for key in ("questions", "answered", "lost", "doubled"):
            totals[key] += result[key]
        rss.append(round(bot.rss_mb(), 1))
    return {
        "seconds": args.soak,
        "rounds": rounds,
        **totals,
        "rss_mb_first_round": rss[0] if rss else None,
        "rss_mb_max": max(rss, default=None),
        "rss_mb_last_round": rss[-1] if rss else None,
        "alive": bot.alive,
    }


async def _started(emulator: BotApiEmulator, bot: Bot) -> None:
    deadline = time.monotonic() + 60
    while emulator.requests["getUpdates"] == 0:
        if not bot.alive or time.monotonic() > deadline:
            raise SystemExit(f"the bot did not start polling:\n{bot.log_tail()}")
        await asyncio.sleep(0.05)


def _print(report: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, indent=2))
        return
    print(f"$ {report['command']}\n{report['machine']}; {report['how']}")
    if "faults" in report:
        f = report["faults"]
        print(
            f"\nfaults: {f['questions']} questions, {f['answers']} answers, lost {f['lost']}, "
            f"doubled {f['doubled']}; forbidden chat: {f['forbidden_chat_questions']} "
            f"questions, {f['forbidden_chat_answers']} answers "
            f"({f['forbidden_chat_refusals']} sends refused with 403); process alive: {f['alive']}"
        )
        injected = ", ".join(f"{k} {v}" for k, v in sorted(f["faults_injected"].items()))
        print(f"  faults injected: {injected} ({f['seconds']} s)")
    lo = report["load"]
    print(
        f"\nload: {lo['questions']} questions, {lo['answered']} answered, lost {lo['lost']}, "
        f"doubled {lo['doubled']}, in {lo['seconds']} s: {lo['answers_per_second']} answers/s; "
        f"question to answer p50 {lo['p50_ms']} ms, p95 {lo['p95_ms']} ms; "
        f"CPU: bot {lo['bot_cpu_seconds']} s, emulator and users {lo['emulator_cpu_seconds']} s; "
        f"process alive: {lo['alive']}"
    )
    if "soak" in report:
        s = report["soak"]
        print(
            f"\nsoak: {s['seconds']} s, {s['rounds']} rounds, {s.get('questions', 0)} questions, "
            f"{s.get('answered', 0)} answered, lost {s.get('lost', 0)}, doubled "
            f"{s.get('doubled', 0)}; RSS after the first round {s['rss_mb_first_round']} MB, "
            f"max {s['rss_mb_max']} MB, last {s['rss_mb_last_round']} MB; alive: {s['alive']}"
        )
    print(
        f"\nRSS: {report['rss_start_mb']} MB at start, {report['rss_end_mb']} MB at the end "
        f"(growth {report['rss_growth_mb']} MB); exit code on SIGTERM: "
        f"{report['exit_code_on_sigterm']}"
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=1000, help="load questions (1000)")
    parser.add_argument("--users", type=int, default=50, help="users asking (50)")
    parser.add_argument("--chats", type=int, default=20, help="chats, 10 of them private (20)")
    parser.add_argument(
        "--fault-questions", type=int, default=300, help="questions under faults (300)"
    )
    parser.add_argument("--no-faults", action="store_true", help="skip the fault phase")
    parser.add_argument("--soak", type=int, default=0, metavar="SECONDS", help="soak duration")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--profile", metavar="FILE", help="run the bot under cProfile into FILE")
    parser.add_argument(
        "--semantic", metavar="MODEL_DIR", help="run the bot with the semantic stage's model"
    )
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(_arguments())))
