"""Sending to Telegram: flood limits, and a bounded retry of requests that failed in transit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

from ..config import Settings

log = logging.getLogger(__name__)

# Pauses before the 1st, 2nd, … retry of a request that timed out or hit a network error:
# four retries, 3.75 s of pauses in all, on top of the time-outs themselves.
RETRY_DELAYS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0)
# Retries after Telegram's "retry after N seconds" (flood control), within each attempt.
FLOOD_RETRIES = 2
# Not worth a retry: "typing…" is shown for 5 s at most and the answer follows anyway.
NO_RETRY = frozenset({"sendChatAction"})

_Callback = Callable[..., Coroutine[Any, Any, Any]]


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter that also sends a request again after a time-out or a network error.

    Telegram's flood control (RetryAfter) is waited out by AIORateLimiter itself. A request
    that timed out, lost its connection or met a 5xx answer is retried after the pauses in
    `delays`; a request Telegram refused (BadRequest, Forbidden, …) is never retried. A
    time-out after Telegram has acted on a request would make a retry send twice: the README's
    fault model says when that can happen.
    """

    __slots__ = ("_delays",)

    def __init__(self, *, delays: Sequence[float] | None = None, **limits: Any) -> None:
        super().__init__(max_retries=FLOOD_RETRIES, **limits)
        self._delays = tuple(RETRY_DELAYS if delays is None else delays)

    async def process_request(
        self,
        callback: _Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        """Send through the rate limiter; retry transient failures a bounded number of times."""
        retries = 0 if endpoint in NO_RETRY else len(self._delays)
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except BadRequest:
                raise
            except (TimedOut, NetworkError) as exc:
                if attempt == retries:
                    raise
                delay = self._delays[attempt]
                attempt += 1
                log.info(
                    "%s failed in transit (%s); retry %d of %d in %.2g s",
                    endpoint,
                    exc.message or type(exc).__name__,
                    attempt,
                    retries,
                    delay,
                )
                await asyncio.sleep(delay)


def rate_limiter(settings: Settings) -> RetryingRateLimiter:
    """The limiter for `settings`: Telegram's limits unless relaxed (0 turns one off)."""
    return RetryingRateLimiter(
        overall_max_rate=settings.rate_limit_per_second,
        group_max_rate=settings.rate_limit_per_group_minute,
    )
